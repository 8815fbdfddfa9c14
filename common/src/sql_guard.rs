//! The read-only SQL guard, applied at the hub and again at every node.
//!
//! A caller may send exactly one `SELECT` (a `WITH ... SELECT` counts) over named tables. DDL,
//! DML, several statements, `SET` and other statements, file or URL tables and table functions
//! are refused before planning; planning then runs under [`read_only_options`], which refuses
//! them again on the resolved plan.

use std::ops::ControlFlow;

use datafusion::execution::context::SQLOptions;
use datafusion::sql::parser::{DFParserBuilder, Statement as DfStatement};
use datafusion::sql::sqlparser::ast::{Expr, Statement, TableFactor, Visit, Visitor};
use datafusion::sql::sqlparser::dialect::GenericDialect;

/// The longest query text accepted, in bytes (threat catalogue 57).
pub const MAX_QUERY_BYTES: usize = 64 * 1024;

/// How deeply expressions and subqueries may nest before the parser refuses (threat catalogue 55).
pub const MAX_NESTING_DEPTH: usize = 64;

/// The most items one `IN (...)` list may hold (threat catalogue 58: oversized IN lists); a long
/// list of identifiers belongs in a hit/no-hit check.
pub const MAX_IN_LIST_ITEMS: usize = 5_000;

/// Functions whose output can be made arbitrarily larger than their input (`repeat('x', 1e9)`,
/// `lpad(x, 1e9)`): one row could take a node's memory or hold a core for longer than any
/// deadline, because work within a batch cannot be cancelled (threat catalogue 58).
pub const AMPLIFYING_FUNCTIONS: [&str; 4] = ["repeat", "lpad", "rpad", "array_repeat"];

/// Why a statement was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum GuardError {
    /// The query text is over [`MAX_QUERY_BYTES`].
    #[error("query text is {actual} bytes; the limit is {limit}")]
    TooLarge { actual: usize, limit: usize },
    /// The text is not a single read-only SELECT over named tables.
    #[error("{0}")]
    Refused(String),
}

fn refused(message: impl Into<String>) -> GuardError {
    GuardError::Refused(message.into())
}

/// Checks that `sql` is one read-only `SELECT` over named tables.
pub fn check_read_only_select(sql: &str) -> Result<(), GuardError> {
    if sql.len() > MAX_QUERY_BYTES {
        return Err(GuardError::TooLarge { actual: sql.len(), limit: MAX_QUERY_BYTES });
    }
    let dialect = GenericDialect {};
    let mut parser = DFParserBuilder::new(sql)
        .with_dialect(&dialect)
        .with_recursion_limit(MAX_NESTING_DEPTH)
        .build()
        .map_err(|error| refused(format!("cannot parse query: {error}")))?;
    let statements = parser.parse_statements().map_err(|error| refused(format!("cannot parse query: {error}")))?;
    let statement = match statements.len() {
        0 => return Err(refused("empty query: send one SELECT statement")),
        1 => &statements[0],
        count => {
            return Err(refused(format!("{count} statements sent: exactly one SELECT statement is accepted")));
        }
    };
    let query = match statement {
        DfStatement::Statement(inner) => match inner.as_ref() {
            Statement::Query(query) => query,
            other => return Err(refused(format!("only SELECT is accepted, not {}", verb(other)))),
        },
        DfStatement::CreateExternalTable(_) => {
            return Err(refused("only SELECT is accepted, not CREATE EXTERNAL TABLE"));
        }
        DfStatement::CopyTo(_) => return Err(refused("only SELECT is accepted, not COPY")),
        DfStatement::Explain(_) => return Err(refused("only SELECT is accepted, not EXPLAIN")),
        DfStatement::Reset(_) => return Err(refused("only SELECT is accepted, not RESET")),
    };
    if let ControlFlow::Break(error) = query.visit(&mut ShapeCheck) {
        return Err(error);
    }
    Ok(())
}

/// The first keyword of a statement, for error messages (never the whole text).
fn verb(statement: &Statement) -> String {
    let text = statement.to_string();
    let mut words = text.split_whitespace();
    let first = words.next().unwrap_or("statement");
    match first {
        "CREATE" | "DROP" | "ALTER" | "SHOW" => {
            format!("{first} {}", words.next().unwrap_or_default())
        }
        _ => first.to_owned(),
    }
}

/// Refuses every table reference that is not a plain named table, a subquery or a join, and
/// every `IN` list over [`MAX_IN_LIST_ITEMS`].
struct ShapeCheck;

impl Visitor for ShapeCheck {
    type Break = GuardError;

    fn pre_visit_expr(&mut self, expr: &Expr) -> ControlFlow<GuardError> {
        match expr {
            Expr::InList { list, .. } if list.len() > MAX_IN_LIST_ITEMS => ControlFlow::Break(refused(format!(
                "an IN list has {} items; the limit is {MAX_IN_LIST_ITEMS} (use a hit/no-hit check for long lists)",
                list.len()
            ))),
            Expr::Function(function) => {
                let name =
                    function.name.0.last().and_then(|part| part.as_ident()).map(|ident| ident.value.to_lowercase());
                match name.filter(|name| AMPLIFYING_FUNCTIONS.contains(&name.as_str())) {
                    Some(name) => ControlFlow::Break(refused(format!(
                        "{name}() is not accepted: its output can grow without bound from one row"
                    ))),
                    None => ControlFlow::Continue(()),
                }
            }
            _ => ControlFlow::Continue(()),
        }
    }

    fn pre_visit_table_factor(&mut self, factor: &TableFactor) -> ControlFlow<GuardError> {
        match factor {
            TableFactor::Table { name, args, .. } => {
                if args.is_some() {
                    return ControlFlow::Break(refused(format!("table functions are not accepted: {name}")));
                }
                let looks_like_path = name.0.iter().any(|part| {
                    part.as_ident().is_none_or(|ident| {
                        ident.quote_style == Some('\'') || ident.value.contains(['/', '\\', ':', '.'])
                    })
                });
                if looks_like_path {
                    return ControlFlow::Break(refused(
                        "file and URL tables are not accepted: name a table of the catalogue",
                    ));
                }
                ControlFlow::Continue(())
            }
            TableFactor::Derived { .. } | TableFactor::NestedJoin { .. } => ControlFlow::Continue(()),
            _ => ControlFlow::Break(refused("only named tables, subqueries and joins may appear in FROM")),
        }
    }
}

/// Planning options that refuse DDL, DML and statements on the resolved plan.
pub fn read_only_options() -> SQLOptions {
    SQLOptions::new().with_allow_ddl(false).with_allow_dml(false).with_allow_statements(false)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn refused_message(sql: &str) -> String {
        match check_read_only_select(sql) {
            Err(GuardError::Refused(message)) => message,
            other => panic!("expected a refusal for {sql:?}, got {other:?}"),
        }
    }

    #[test]
    fn accepts_selects_with_joins_subqueries_and_ctes() {
        for sql in [
            "SELECT * FROM persons",
            "select surname, count(*) from persons where dob is null group by 1 order by 2 desc limit 5",
            "WITH p AS (SELECT * FROM persons) SELECT p.surname FROM p JOIN phones ON p.record_id = phones.user_person_id",
            "SELECT * FROM (SELECT region FROM ocgs) AS t",
            "SELECT * FROM persons WHERE record_id IN (SELECT person_id FROM ocg_members)",
            "SELECT region FROM persons UNION ALL SELECT region FROM phones",
        ] {
            assert_eq!(check_read_only_select(sql), Ok(()), "{sql}");
        }
    }

    #[test]
    fn refuses_every_forbidden_statement_kind() {
        let cases = [
            ("CREATE TABLE x (a INT)", "CREATE TABLE"),
            ("CREATE EXTERNAL TABLE x STORED AS CSV LOCATION '/etc/'", "CREATE EXTERNAL TABLE"),
            ("DROP TABLE persons", "DROP TABLE"),
            ("ALTER TABLE persons ADD COLUMN x INT", "ALTER TABLE"),
            ("INSERT INTO persons VALUES (1)", "INSERT"),
            ("UPDATE persons SET surname = 'x'", "UPDATE"),
            ("DELETE FROM persons", "DELETE"),
            ("COPY persons TO '/tmp/out.csv'", "COPY"),
            ("SET datafusion.execution.batch_size = 1", "SET"),
            ("EXPLAIN SELECT 1", "EXPLAIN"),
            ("BEGIN", "BEGIN"),
            ("SELECT 1; DROP TABLE persons", "2 statements"),
            ("SELECT 1; SELECT 2", "2 statements"),
            ("SELECT * FROM '/data/x.parquet'", "file and URL tables"),
            ("SELECT * FROM \"/etc/passwd\"", "file and URL tables"),
            ("SELECT * FROM read_csv('/etc/passwd')", "table functions"),
            ("SELECT * FROM generate_series(1, 1000000000000)", "table functions"),
            ("SELECT repeat(surname, 1000000000) FROM persons", "repeat() is not accepted"),
            ("SELECT \"LPAD\"(surname, 1000000000) FROM persons", "lpad() is not accepted"),
            ("SELECT max(length(RPad(surname, 100))) FROM persons", "rpad() is not accepted"),
            ("", "empty query"),
        ];
        for (sql, expected) in cases {
            let message = refused_message(sql);
            assert!(message.contains(expected), "{sql:?} gave {message:?}");
        }
    }

    #[test]
    fn comment_tricks_do_not_hide_a_second_statement() {
        let message = refused_message("SELECT 1 /*;*/ ; DROP TABLE persons");
        assert!(message.contains("2 statements"), "{message}");
    }

    #[test]
    fn refuses_oversized_and_deeply_nested_queries_without_crashing() {
        let huge = format!("SELECT '{}'", "x".repeat(MAX_QUERY_BYTES));
        assert!(matches!(check_read_only_select(&huge), Err(GuardError::TooLarge { .. })));
        let deep = format!("SELECT {}1{}", "(".repeat(10_000), ")".repeat(10_000));
        assert!(refused_message(&deep).contains("cannot parse"));
        let nested = format!("SELECT * FROM {}persons{}", "(SELECT * FROM ".repeat(1_000), ")".repeat(1_000));
        assert!(check_read_only_select(&nested).is_err());
    }

    #[test]
    fn oversized_in_lists_are_refused_and_large_ones_accepted() {
        let list = |items: usize| (0..items).map(|item| format!("'{item}'")).collect::<Vec<_>>().join(",");
        let sql = |items: usize| format!("SELECT * FROM phones WHERE msisdn IN ({})", list(items));
        assert!(check_read_only_select(&sql(MAX_IN_LIST_ITEMS)).is_ok());
        let message = refused_message(&sql(MAX_IN_LIST_ITEMS + 1));
        assert!(message.starts_with("an IN list has 5001 items"), "{message}");
        let nested = format!(
            "SELECT * FROM persons WHERE record_id IN (SELECT user_person_id FROM phones WHERE msisdn IN ({}))",
            list(MAX_IN_LIST_ITEMS + 1)
        );
        assert!(refused_message(&nested).contains("IN list"));
    }
}
