//! Plans the node has already resolved and optimised. A query text seen before skips parsing;
//! seen before under the same row and column rules, it also skips the policy rewrite and
//! DataFusion's logical optimiser. Physical planning still runs for every query: it is where
//! per-execution state (dynamic filters, partition streams) is made, so a physical plan is never
//! shared between two queries.
//!
//! One cache belongs to one loaded snapshot of the region's data, so a reload starts an empty
//! one and a cached plan never reads replaced tables. A plan calling a function that is not
//! immutable (`now()`, `random()`) is never kept optimised: the optimiser folds `now()` into
//! the time it ran.

use std::collections::BTreeMap;
use std::num::NonZeroUsize;
use std::sync::{Mutex, PoisonError};

use datafusion::common::tree_node::{TreeNode, TreeNodeRecursion};
use datafusion::logical_expr::{Expr, LogicalPlan, Volatility};
use lru::LruCache;
use toex_policy::{PlanShape, RowRules};

/// Query texts whose resolved plans are kept.
const RESOLVED_PLANS: NonZeroUsize = NonZeroUsize::new(128).unwrap();
/// Optimised plans kept, one per query text and set of rules (callers differ in their rules).
const OPTIMISED_PLANS: NonZeroUsize = NonZeroUsize::new(512).unwrap();
/// The longest query text whose plans are kept. A plan grows with its text (a 5,000-item `IN`
/// list is a plan of megabytes), so longer texts are planned afresh each time; with the counts
/// above this bounds the cache to tens of MiB whatever callers send.
pub const MAX_KEPT_SQL_BYTES: usize = 16 * 1024;

/// A query text planned against the snapshot's catalogue, before any policy is applied.
#[derive(Clone)]
pub struct Resolved {
    /// DataFusion's resolved (unoptimised) plan.
    pub plan: LogicalPlan,
    /// The tables it reads and whether it only aggregates.
    pub shape: PlanShape,
    /// False when the plan calls a function that is not immutable.
    pub optimised_plan_reusable: bool,
}

/// The rules one optimised plan was restricted with: a table's rules for every table it reads.
pub type TableRules = BTreeMap<String, RowRules>;

#[derive(PartialEq, Eq, Hash)]
struct OptimisedKey {
    sql: String,
    rules: TableRules,
}

/// The plans of one data snapshot, bounded, least recently used evicted first.
pub struct PlanCache {
    resolved: Mutex<LruCache<String, Resolved>>,
    optimised: Mutex<LruCache<OptimisedKey, LogicalPlan>>,
}

impl Default for PlanCache {
    fn default() -> Self {
        Self {
            resolved: Mutex::new(LruCache::new(RESOLVED_PLANS)),
            optimised: Mutex::new(LruCache::new(OPTIMISED_PLANS)),
        }
    }
}

impl PlanCache {
    /// The resolved plan of `sql`, if it was kept.
    pub fn resolved(&self, sql: &str) -> Option<Resolved> {
        self.resolved.lock().unwrap_or_else(PoisonError::into_inner).get(sql).cloned()
    }

    /// Keeps the resolved plan of `sql`, unless the text is too long to keep.
    pub fn keep_resolved(&self, sql: &str, resolved: Resolved) {
        if sql.len() > MAX_KEPT_SQL_BYTES {
            return;
        }
        self.resolved.lock().unwrap_or_else(PoisonError::into_inner).put(sql.to_owned(), resolved);
    }

    /// The optimised plan of `sql` under `rules`, if it was kept.
    pub fn optimised(&self, sql: &str, rules: &TableRules) -> Option<LogicalPlan> {
        let key = OptimisedKey { sql: sql.to_owned(), rules: rules.clone() };
        self.optimised.lock().unwrap_or_else(PoisonError::into_inner).get(&key).cloned()
    }

    /// Keeps the optimised plan of `sql` under `rules`, unless the text is too long to keep.
    pub fn keep_optimised(&self, sql: &str, rules: TableRules, plan: LogicalPlan) {
        if sql.len() > MAX_KEPT_SQL_BYTES {
            return;
        }
        let key = OptimisedKey { sql: sql.to_owned(), rules };
        self.optimised.lock().unwrap_or_else(PoisonError::into_inner).put(key, plan);
    }

    /// How many resolved and optimised plans are kept.
    pub fn kept(&self) -> (usize, usize) {
        let resolved = self.resolved.lock().unwrap_or_else(PoisonError::into_inner).len();
        (resolved, self.optimised.lock().unwrap_or_else(PoisonError::into_inner).len())
    }
}

/// True when every function `plan` calls, subqueries included, is immutable, so that its
/// optimised form is the same whenever it is optimised.
pub fn only_immutable_functions(plan: &LogicalPlan) -> bool {
    let mut immutable = true;
    let _ = plan.apply_with_subqueries(|node| {
        for expression in node.expressions() {
            let _ = expression.apply(|expr| {
                let volatility = match expr {
                    Expr::ScalarFunction(call) => Some(call.func.signature().volatility),
                    Expr::AggregateFunction(call) => Some(call.func.signature().volatility),
                    Expr::WindowFunction(call) => Some(call.fun.signature().volatility),
                    _ => None,
                };
                if volatility.is_some_and(|volatility| volatility != Volatility::Immutable) {
                    immutable = false;
                    return Ok(TreeNodeRecursion::Stop);
                }
                Ok(TreeNodeRecursion::Continue)
            });
        }
        Ok(if immutable { TreeNodeRecursion::Continue } else { TreeNodeRecursion::Stop })
    });
    immutable
}
