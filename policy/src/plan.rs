//! Row and column rules compiled into DataFusion: predicates over the marking columns, applied to
//! the table scan before anything else (so joins, views and aggregates only ever see permitted
//! rows: threat 46, INV-7), and a projection that replaces masked columns with typed NULLs.
//! These are exactly the rules of `RowRules::visibility`, expressed as plan expressions.

use datafusion::arrow::datatypes::Schema;
use datafusion::common::ScalarValue;
use datafusion::error::DataFusionError;
use datafusion::functions::regex::expr_fn::regexp_like;
use datafusion::logical_expr::{Expr, LogicalPlan, LogicalPlanBuilder, ident, lit};
use toex_common::cdm::{CLASSIFICATION, HANDLING_CODE, HANDLING_CONDITIONS, REGION};
use toex_common::markings::HandlingCode;

use crate::decision::Access;
use crate::rows::{HandlingCRule, RowRules};

/// Regular expression matching conditions that hold at least one non-whitespace character.
const NON_BLANK_PATTERN: &str = r"\S";

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
    match rules.access {
        Access::Records | Access::AggregatesOnly => hittable_rows(rules).and(releasable_handling(rules)),
        Access::HitsOnly | Access::Denied => lit(false),
    }
}

/// Predicate keeping the rows that count as hits for a hit/no-hit check: under `Records` and
/// `HitsOnly` every row at or below clearance with valid markings (C rows elsewhere count but
/// release nothing); under `AggregatesOnly` the same rows as [`row_filter`]; `false` when denied.
pub fn hit_filter(rules: &RowRules) -> Expr {
    match rules.access {
        Access::Records | Access::HitsOnly => hittable_rows(rules),
        Access::AggregatesOnly => row_filter(rules),
        Access::Denied => lit(false),
    }
}

/// Rows with valid markings at or below clearance owned by the rules' region.
fn hittable_rows(rules: &RowRules) -> Expr {
    let allowed = rules.allowed_classifications();
    if allowed.is_empty() {
        return lit(false);
    }
    let classification_allowed =
        ident(CLASSIFICATION).in_list(allowed.into_iter().map(|level| lit(level.as_str())).collect(), false);
    let owned_by_region = ident(REGION).eq(lit(rules.region.as_str()));
    let permitted = ident(HANDLING_CODE).eq(lit(HandlingCode::Permitted.as_str()));
    let conditions_given = ident(HANDLING_CODE)
        .eq(lit(HandlingCode::Conditions.as_str()))
        .and(ident(HANDLING_CONDITIONS).is_not_null())
        .and(regexp_like(ident(HANDLING_CONDITIONS), lit(NON_BLANK_PATTERN), None));
    classification_allowed.and(owned_by_region).and(permitted.or(conditions_given))
}

/// The handling-code rule for release in full.
fn releasable_handling(rules: &RowRules) -> Expr {
    let permitted = ident(HANDLING_CODE).eq(lit(HandlingCode::Permitted.as_str()));
    match &rules.handling_c {
        HandlingCRule::OwningRegionOnly { home_region } => permitted.or(ident(REGION).eq(lit(home_region.as_str()))),
    }
}

/// One expression per column of `schema`, in order: the column itself, or a NULL of the same
/// type under the same name when the rules mask it.
pub fn masked_projection(schema: &Schema, rules: &RowRules) -> Result<Vec<Expr>, RulePlanError> {
    schema
        .fields()
        .iter()
        .map(|field| {
            let name = field.name();
            if !rules.is_masked(name) {
                return Ok(ident(name.as_str()));
            }
            match ScalarValue::try_from(field.data_type()) {
                Ok(null) => Ok(lit(null).alias(name.as_str())),
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
    let projection = masked_projection(scan.schema().as_arrow(), rules)?;
    let plan_error = |source: DataFusionError| RulePlanError::Plan { table: rules.table.clone(), source };
    LogicalPlanBuilder::from(scan)
        .filter(row_filter(rules))
        .map_err(plan_error)?
        .project(projection)
        .map_err(plan_error)?
        .build()
        .map_err(plan_error)
}
