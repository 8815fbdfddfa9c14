//! Splits an aggregate over a remote row source into partial aggregates at the nodes and a final
//! aggregate at the hub, so that only partial aggregate rows cross the wire.
//!
//! Supported: `GROUP BY` any pushable expressions with `count`, `count(DISTINCT x)` (one distinct
//! argument), `sum`, `min`, `max` and `avg` (floating point). Anything else (filters or ordering
//! inside aggregates, grouping sets, other functions) is left to run at the hub over rows.

use arrow::datatypes::DataType;
use datafusion::common::Column;
use datafusion::error::Result;
use datafusion::functions::core::expr_fn::nullif;
use datafusion::functions_aggregate::expr_fn::{count, count_distinct, max, min, sum};
use datafusion::logical_expr::expr::AggregateFunction;
use datafusion::logical_expr::{Aggregate, Expr, LogicalPlan, LogicalPlanBuilder, cast, lit, when};

use super::remote::RemoteQuery;
use super::rewrite::remote_plan;
use super::table::can_push;

/// The aggregate functions the split understands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Count,
    CountDistinct,
    Sum,
    Min,
    Max,
    Avg,
}

/// One aggregate of the original query, classified.
struct Classified {
    kind: Kind,
    argument: Expr,
}

fn classify(expr: &Expr, output_type: &DataType) -> Option<Classified> {
    let inner = match expr {
        Expr::Alias(alias) => alias.expr.as_ref(),
        other => other,
    };
    let Expr::AggregateFunction(AggregateFunction { func, params }) = inner else {
        return None;
    };
    if params.filter.is_some() || !params.order_by.is_empty() || params.null_treatment.is_some() {
        return None;
    }
    let [argument] = params.args.as_slice() else {
        return None;
    };
    let kind = match (func.name(), params.distinct) {
        ("count", false) => Kind::Count,
        ("count", true) => Kind::CountDistinct,
        ("sum", false) => Kind::Sum,
        ("min", _) => Kind::Min,
        ("max", _) => Kind::Max,
        ("avg", false) if output_type == &DataType::Float64 => Kind::Avg,
        _ => return None,
    };
    can_push(argument).then(|| Classified { kind, argument: argument.clone() })
}

/// The partial aggregates sent to the nodes, each with its stable column name.
#[derive(Default)]
struct Partials {
    entries: Vec<(Expr, String)>,
}

impl Partials {
    /// The column name of `expr`, adding it when no partial of the same name exists (nodes name
    /// aggregates by their text, casts not included).
    fn name(&mut self, expr: Expr) -> String {
        let text = expr.schema_name().to_string();
        if let Some((_, name)) = self.entries.iter().find(|(existing, _)| existing.schema_name().to_string() == text) {
            return name.clone();
        }
        let name = format!("__a{}", self.entries.len());
        self.entries.push((expr, name.clone()));
        name
    }
}

fn column(name: &str) -> Expr {
    Expr::Column(Column::new_unqualified(name))
}

/// The rewritten plan, or `None` when this aggregate must run at the hub over rows.
pub fn split_aggregate(aggregate: &Aggregate, remote: &RemoteQuery) -> Result<Option<LogicalPlan>> {
    if aggregate.group_expr.iter().any(|expr| matches!(expr, Expr::GroupingSet(_)) || !can_push(expr)) {
        return Ok(None);
    }
    let group_count = aggregate.group_expr.len();
    let output = aggregate.schema.as_ref();
    let mut classified = Vec::with_capacity(aggregate.aggr_expr.len());
    for (index, expr) in aggregate.aggr_expr.iter().enumerate() {
        match classify(expr, output.field(group_count + index).data_type()) {
            Some(found) => classified.push(found),
            None => return Ok(None),
        }
    }
    let mut distinct_arguments = classified.iter().filter(|c| c.kind == Kind::CountDistinct).map(|c| &c.argument);
    let distinct_argument = distinct_arguments.next().cloned();
    if distinct_arguments.any(|other| Some(other) != distinct_argument.as_ref()) {
        return Ok(None);
    }

    // Partial aggregate at each node: groups (plus the distinct argument), then partial values.
    let mut partial_groups = aggregate.group_expr.clone();
    let mut partial_names: Vec<String> = (0..group_count).map(|i| format!("__g{i}")).collect();
    if let Some(argument) = &distinct_argument {
        partial_groups.push(argument.clone());
        partial_names.push("__d".to_owned());
    }
    // Each distinct partial is computed once: `sum(x), avg(x)` share `sum(x)`. Nodes name
    // aggregates by their text, so two equal partials would collide there.
    let mut partials = Partials::default();
    let mut wanted: Vec<Vec<String>> = Vec::with_capacity(classified.len());
    for aggregate_expr in &classified {
        let argument = aggregate_expr.argument.clone();
        wanted.push(match aggregate_expr.kind {
            Kind::Count => vec![partials.name(count(argument))],
            Kind::CountDistinct => Vec::new(),
            Kind::Sum => vec![partials.name(sum(argument))],
            Kind::Min => vec![partials.name(min(argument))],
            Kind::Max => vec![partials.name(max(argument))],
            Kind::Avg => {
                // avg's argument carries a cast to Float64 that sum's does not; the sum of the
                // uncast values is the same partial as a plain `sum(x)` and is cast at the hub.
                let uncast = match argument {
                    Expr::Cast(inner) => *inner.expr,
                    other => other,
                };
                vec![partials.name(sum(uncast.clone())), partials.name(count(uncast))]
            }
        });
    }
    let partial_aggregates = partials.entries;
    let aggregate_exprs: Vec<Expr> = partial_aggregates.iter().map(|(expr, _)| expr.clone()).collect();
    let partial = LogicalPlanBuilder::from(remote.plan.clone()).aggregate(partial_groups, aggregate_exprs)?.build()?;
    // Rename every partial output so the hub can refer to it by a stable name.
    let partial_schema = partial.schema().clone();
    partial_names.extend(partial_aggregates.iter().map(|(_, name)| name.clone()));
    let renames: Vec<Expr> = partial_schema
        .iter()
        .zip(&partial_names)
        .map(|((qualifier, field), name)| Expr::Column(Column::from((qualifier, field))).alias(name))
        .collect();
    let partial = LogicalPlanBuilder::from(partial).project(renames)?.build()?;
    let pushed = remote.with_plan(partial, true);
    if pushed.sql().is_err() {
        return Ok(None);
    }

    // Final aggregate at the hub over the partial rows.
    let final_groups: Vec<Expr> = (0..group_count).map(|i| column(&format!("__g{i}"))).collect();
    let mut final_aggregates = Vec::new();
    for (index, (aggregate_expr, names)) in classified.iter().zip(&wanted).enumerate() {
        let merged = match (aggregate_expr.kind, names.as_slice()) {
            (Kind::Count | Kind::Sum, [name]) => vec![sum(column(name))],
            (Kind::Min, [name]) => vec![min(column(name))],
            (Kind::Max, [name]) => vec![max(column(name))],
            (Kind::Avg, [total, counted]) => vec![sum(column(total)), sum(column(counted))],
            (Kind::CountDistinct, _) => vec![count_distinct(column("__d"))],
            _ => return Ok(None),
        };
        for (part, expr) in merged.into_iter().enumerate() {
            final_aggregates.push(expr.alias(format!("__f{index}_{part}")));
        }
    }
    let finished = LogicalPlanBuilder::from(remote_plan(pushed)).aggregate(final_groups, final_aggregates)?.build()?;

    // Present exactly the original aggregate's columns, names and types.
    let mut presented = Vec::with_capacity(output.fields().len());
    for (index, (qualifier, field)) in output.iter().enumerate() {
        let value = if index < group_count {
            column(&format!("__g{index}"))
        } else {
            let aggregate_index = index - group_count;
            let merged = column(&format!("__f{aggregate_index}_0"));
            match classified[aggregate_index].kind {
                // Zero partial rows (no region contributed) counts as zero, as a count over no rows does.
                Kind::Count => when(merged.clone().is_null(), lit(0_i64)).otherwise(merged)?,
                Kind::Avg => {
                    let counted = cast(column(&format!("__f{aggregate_index}_1")), DataType::Float64);
                    cast(merged, DataType::Float64) / nullif(counted, lit(0.0_f64))
                }
                Kind::CountDistinct | Kind::Sum | Kind::Min | Kind::Max => merged,
            }
        };
        let typed = cast(value, field.data_type().clone());
        presented.push(typed.alias_qualified(qualifier.cloned(), field.name()));
    }
    let plan = LogicalPlanBuilder::from(finished).project(presented)?.build()?;
    Ok(Some(plan))
}
