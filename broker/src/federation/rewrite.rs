//! The federation rewrite: turns scans of federated tables into remote queries and pushes as much
//! work as possible into them, bottom up. Every push is checked by unparsing the new sub-plan to
//! SQL; anything that cannot be sent stays at the hub.

use std::sync::Arc;

use datafusion::common::tree_node::Transformed;
use datafusion::datasource::source_as_provider;
use datafusion::error::Result;
use datafusion::logical_expr::{
    Extension, FetchType, Filter, Limit, LogicalPlan, Projection, SkipType, Sort, TableScan, TableScanBuilder, lit,
};

use super::aggregate::split_aggregate;
use super::remote::RemoteQuery;
use super::table::{FederatedTable, can_push};

/// Rewrites an optimized logical plan so that every federated scan becomes a [`RemoteQuery`].
pub fn federate(plan: LogicalPlan) -> Result<LogicalPlan> {
    Ok(plan.transform_up_with_subqueries(push_down)?.data)
}

/// The remote query a plan node is, if it is one.
pub fn as_remote(plan: &LogicalPlan) -> Option<&RemoteQuery> {
    match plan {
        LogicalPlan::Extension(extension) => extension.node.as_any().downcast_ref::<RemoteQuery>(),
        _ => None,
    }
}

/// Wraps a remote query as a plan node.
pub fn remote_plan(remote: RemoteQuery) -> LogicalPlan {
    LogicalPlan::Extension(Extension { node: Arc::new(remote) })
}

/// Accepts a candidate remote query only if its sub-plan unparses to SQL.
fn sendable(remote: RemoteQuery) -> Option<LogicalPlan> {
    remote.sql().is_ok().then(|| remote_plan(remote))
}

fn push_down(node: LogicalPlan) -> Result<Transformed<LogicalPlan>> {
    let rewritten = match &node {
        LogicalPlan::TableScan(scan) => scan_to_remote(scan)?,
        LogicalPlan::Filter(filter) => push_filter(filter)?,
        LogicalPlan::Projection(projection) => push_projection(projection)?,
        LogicalPlan::Sort(sort) => push_top_k(sort)?,
        LogicalPlan::Limit(limit) => push_limit(limit)?,
        LogicalPlan::Aggregate(aggregate) => match as_remote(&aggregate.input) {
            Some(remote) if remote.is_row_source() => split_aggregate(aggregate, remote)?,
            _ => None,
        },
        _ => None,
    };
    Ok(match rewritten {
        Some(plan) => Transformed::yes(plan),
        None => Transformed::no(node),
    })
}

fn scan_to_remote(scan: &TableScan) -> Result<Option<LogicalPlan>> {
    let Ok(provider) = source_as_provider(&scan.source) else {
        return Ok(None);
    };
    let Some(table) = provider.downcast_ref::<FederatedTable>() else {
        return Ok(None);
    };
    // A scan that needs no columns still has to send something per row: its first column.
    let sent = if scan.projection.as_ref().is_some_and(Vec::is_empty) {
        TableScanBuilder::new(scan.table_name.clone(), Arc::clone(&scan.source))
            .with_projection(Some(vec![0]))
            .with_filters(scan.filters.clone())
            .with_fetch(scan.fetch)
            .build()?
    } else {
        scan.clone()
    };
    let remote = RemoteQuery {
        table: table.name.clone(),
        regions: table.regions.clone(),
        plan: LogicalPlan::TableScan(sent),
        partial_aggregate: false,
        output: Arc::clone(&scan.projected_schema),
    };
    // A scan always unparses; if it ever did not, planning must fail rather than run at the hub.
    remote.sql()?;
    Ok(Some(remote_plan(remote)))
}

fn push_filter(filter: &Filter) -> Result<Option<LogicalPlan>> {
    let Some(remote) = as_remote(&filter.input).filter(|remote| remote.is_row_source()) else {
        return Ok(None);
    };
    if !can_push(&filter.predicate) {
        return Ok(None);
    }
    let pushed = Filter::try_new(filter.predicate.clone(), Arc::new(remote.plan.clone()))?;
    Ok(sendable(remote.with_plan(LogicalPlan::Filter(pushed), false)))
}

fn push_projection(projection: &Projection) -> Result<Option<LogicalPlan>> {
    let Some(remote) = as_remote(&projection.input).filter(|remote| remote.is_row_source()) else {
        return Ok(None);
    };
    if !projection.expr.iter().all(can_push) {
        return Ok(None);
    }
    let pushed = Projection::try_new(projection.expr.clone(), Arc::new(remote.plan.clone()))?;
    Ok(sendable(remote.with_plan(LogicalPlan::Projection(pushed), false)))
}

/// `ORDER BY ... LIMIT k` over a remote row source: each region returns its own top k and the
/// hub's sort merges them.
fn push_top_k(sort: &Sort) -> Result<Option<LogicalPlan>> {
    let Some(fetch) = sort.fetch else {
        return Ok(None);
    };
    let Some(remote) = as_remote(&sort.input).filter(|remote| remote.is_row_source()) else {
        return Ok(None);
    };
    if !sort.expr.iter().all(|sort_expr| can_push(&sort_expr.expr)) {
        return Ok(None);
    }
    let remote_sort = Sort { expr: sort.expr.clone(), input: Arc::new(remote.plan.clone()), fetch: Some(fetch) };
    let Some(pushed) = sendable(remote.with_plan(LogicalPlan::Sort(remote_sort), false)) else {
        return Ok(None);
    };
    Ok(Some(LogicalPlan::Sort(Sort { expr: sort.expr.clone(), input: Arc::new(pushed), fetch: Some(fetch) })))
}

/// `LIMIT n OFFSET m` over a remote row source: each region returns at most `n + m` rows.
fn push_limit(limit: &Limit) -> Result<Option<LogicalPlan>> {
    let (SkipType::Literal(skip), FetchType::Literal(Some(fetch))) = (limit.get_skip_type()?, limit.get_fetch_type()?)
    else {
        return Ok(None);
    };
    let Some(remote) = as_remote(&limit.input).filter(|remote| remote.is_row_source()) else {
        return Ok(None);
    };
    let per_region = i64::try_from(fetch.saturating_add(skip)).unwrap_or(i64::MAX);
    let remote_limit =
        Limit { skip: None, fetch: Some(Box::new(lit(per_region))), input: Arc::new(remote.plan.clone()) };
    let Some(pushed) = sendable(remote.with_plan(LogicalPlan::Limit(remote_limit), false)) else {
        return Ok(None);
    };
    Ok(Some(LogicalPlan::Limit(Limit {
        skip: limit.skip.clone(),
        fetch: limit.fetch.clone(),
        input: Arc::new(pushed),
    })))
}
