//! Row and column rules compiled into DataFusion: predicates over the marking columns, applied to
//! the table scan before anything else (so joins, views and aggregates only ever see permitted
//! rows: threat 46, INV-7), and a projection that replaces masked columns with typed NULLs.
//! These are exactly the rules of `RowRules::visibility`, expressed as plan expressions over the
//! `marking_code` column (integer tests; the code of a row with invalid markings is NULL, which
//! no predicate keeps) and the owning `region` (left out where the reader found, at load, that
//! the region owns every row: [`RowRules::every_row_owned`]).

use datafusion::common::{Column, DFSchema, ScalarValue};
use datafusion::error::DataFusionError;
use datafusion::logical_expr::{Expr, LogicalPlan, LogicalPlanBuilder, cast, ident, lit};
use toex_common::cdm::{MARKING_CODE, REGION};
use toex_common::markings::{highest_code_up_to, permitted_codes_up_to};

use crate::decision::Access;
use crate::rows::{HandlingCRule, RowRules};

/// Why row or column rules could not be compiled into a plan.
#[derive(Debug, thiserror::Error)]
pub enum RulePlanError {
    /// A masked column's type has no typed NULL.
    #[error("cannot mask column {column} of table {table}: {source}")]
    TypedNull {
        /// Table.
        table: String,
        /// Column.
        column: String,
        /// DataFusion's error.
        source: DataFusionError,
    },
    /// The filter or projection does not fit the plan (e.g. a marking column is missing).
    #[error("cannot apply row and column rules to table {table}: {source}")]
    Plan {
        /// Table.
        table: String,
        /// DataFusion's error.
        source: DataFusionError,
    },
}

/// Predicate keeping the rows released in full (`Records`) or into aggregates
/// (`AggregatesOnly`): classification at or below clearance, owned by the rules' region, and
/// handling code P, or C with conditions when the principal's home region owns the row. `false`
/// for `HitsOnly`, `Denied` and a principal without clearance.
pub fn row_filter(rules: &RowRules) -> Expr {
    release_filter(rules, Some(rules.region.as_str()))
}

/// [`row_filter`] without the check that the rules' region owns the row: the hub's part of the
/// dual key, sent with the same SQL to every region (each node adds the ownership check).
pub fn federated_row_filter(rules: &RowRules) -> Expr {
    release_filter(rules, None)
}

fn release_filter(rules: &RowRules, owner: Option<&str>) -> Expr {
    match rules.access {
        Access::Records | Access::AggregatesOnly => match released_c_rows(rules, owner) {
            ReleasedCRows::OnlyOf(home_region) => {
                hittable_rows(rules, owner).and(permitted(rules).or(ident(REGION).eq(lit(home_region))))
            }
            // Every row kept is owned by the home region, so every hittable row is released.
            ReleasedCRows::All => hittable_rows(rules, owner),
            // Only P rows are released (the national analyst's rule everywhere, a regional one's
            // away from home).
            ReleasedCRows::Nothing => owned_by(permitted(rules), rules, owner),
        },
        Access::HitsOnly | Access::Denied => lit(false),
    }
}

/// Predicate keeping the rows that count as hits for a hit/no-hit check: under `Records` and
/// `HitsOnly` every row at or below clearance with valid markings (C rows elsewhere count but
/// release nothing); under `AggregatesOnly` the same rows as [`row_filter`]; `false` when denied.
pub fn hit_filter(rules: &RowRules) -> Expr {
    match rules.access {
        Access::Records | Access::HitsOnly => hittable_rows(rules, Some(rules.region.as_str())),
        Access::AggregatesOnly => row_filter(rules),
        Access::Denied => lit(false),
    }
}

/// Rows with valid markings at or below clearance (owned by `owner`, when given).
fn hittable_rows(rules: &RowRules, owner: Option<&str>) -> Expr {
    let rows = match rules.max_classification {
        // Bounded below too, so that a code no marking produces can never pass.
        Some(max) => ident(MARKING_CODE).between(lit(0i8), lit(highest_code_up_to(max))),
        None => lit(false),
    };
    owned_by(rows, rules, owner)
}

/// Handling code P at or below clearance (`false` without a clearance).
fn permitted(rules: &RowRules) -> Expr {
    match rules.max_classification {
        Some(max) => ident(MARKING_CODE).in_list(permitted_codes_up_to(max).into_iter().map(lit).collect(), false),
        None => lit(false),
    }
}

/// `rows`, and owned by `owner` when given (a test left out when every row is `owner`'s).
fn owned_by(rows: Expr, rules: &RowRules, owner: Option<&str>) -> Expr {
    match owner {
        Some(region) if !rules.every_row_owned => rows.and(ident(REGION).eq(lit(region))),
        _ => rows,
    }
}

/// Which of the rows with valid markings and handling code C the rules release in full.
enum ReleasedCRows<'a> {
    /// Those owned by this region (the principal's home), among rows of any region.
    OnlyOf(&'a str),
    /// All of them: every row kept is owned by the principal's home region.
    All,
    /// None of them: the principal has no home region, or every row kept is another region's.
    Nothing,
}

/// [`RowRules::releases_c_rows_of`] for the rows a filter keeps: those of `owner` when given,
/// else of every region.
fn released_c_rows<'a>(rules: &'a RowRules, owner: Option<&str>) -> ReleasedCRows<'a> {
    let HandlingCRule::OwningRegionOnly { home_region } = &rules.handling_c;
    match owner {
        Some(region) if rules.releases_c_rows_of(region) => ReleasedCRows::All,
        Some(_) => ReleasedCRows::Nothing,
        None if home_region.is_empty() => ReleasedCRows::Nothing,
        None => ReleasedCRows::OnlyOf(home_region),
    }
}

/// One expression per column of `schema`, in order: the column itself, or a NULL of the same
/// type under the same (qualified) name when the rules mask it, so that a plan planned over the
/// unrestricted table still resolves every column.
pub fn masked_projection(schema: &DFSchema, rules: &RowRules) -> Result<Vec<Expr>, RulePlanError> {
    schema
        .iter()
        .map(|(qualifier, field)| {
            let name = field.name();
            if !rules.is_masked(name) {
                return Ok(Expr::Column(Column::from((qualifier, field))));
            }
            // A typed NULL, cast explicitly so that the type survives being sent to a node as SQL.
            match ScalarValue::try_from(field.data_type()) {
                Ok(null) => {
                    Ok(cast(lit(null), field.data_type().clone()).alias_qualified(qualifier.cloned(), name.as_str()))
                }
                Err(source) => {
                    Err(RulePlanError::TypedNull { table: rules.table.clone(), column: name.clone(), source })
                }
            }
        })
        .collect()
}

/// Wraps a table scan (or any plan over one table) in the row filter and the masked projection,
/// so that everything above it only ever sees released rows and masked columns.
pub fn restrict_plan(scan: LogicalPlan, rules: &RowRules) -> Result<LogicalPlan, RulePlanError> {
    restrict_with_filter(scan, rules, row_filter(rules))
}

/// [`restrict_plan`] with [`federated_row_filter`]: the hub's restriction of a federated table.
pub fn restrict_federated_plan(scan: LogicalPlan, rules: &RowRules) -> Result<LogicalPlan, RulePlanError> {
    restrict_with_filter(scan, rules, federated_row_filter(rules))
}

fn restrict_with_filter(scan: LogicalPlan, rules: &RowRules, filter: Expr) -> Result<LogicalPlan, RulePlanError> {
    let projection = masked_projection(scan.schema(), rules)?;
    let plan_error = |source: DataFusionError| RulePlanError::Plan { table: rules.table.clone(), source };
    LogicalPlanBuilder::from(scan)
        .filter(filter)
        .map_err(plan_error)?
        .project(projection)
        .map_err(plan_error)?
        .build()
        .map_err(plan_error)
}
