//! Region by region account of one query: what each region in scope contributed, or why not.

use std::collections::BTreeMap;
use std::sync::Mutex;
use std::time::Instant;

use toex_common::metrics::METRICS;

use toex_proto::v1::{RegionOutcome, RegionStatus};

/// The state of one region within one query.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Entry {
    status: RegionStatus,
    rows: u64,
    detail: String,
}

/// Collects region outcomes as a query's remote calls run. Cheap to share behind an `Arc`.
#[derive(Debug)]
pub struct Outcomes {
    entries: Mutex<BTreeMap<String, Entry>>,
    /// When the query started: each region's outcome is timed from here for the metrics.
    started: Instant,
}

impl Default for Outcomes {
    fn default() -> Self {
        Self { entries: Mutex::new(BTreeMap::new()), started: Instant::now() }
    }
}

/// How bad a status is, to combine several calls to one region (worst wins).
fn severity(status: RegionStatus) -> u8 {
    match status {
        RegionStatus::Ok | RegionStatus::Unspecified => 0,
        RegionStatus::HitOnly => 1,
        RegionStatus::Denied => 2,
        RegionStatus::Error => 3,
        RegionStatus::Timeout => 4,
        RegionStatus::Unavailable => 5,
    }
}

impl Outcomes {
    pub fn new() -> Self {
        Self::default()
    }

    fn with_entries<T>(&self, action: impl FnOnce(&mut BTreeMap<String, Entry>) -> T) -> T {
        // Outcomes are plain data; a panic elsewhere cannot leave them half-updated.
        let mut guard = self.entries.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        action(&mut guard)
    }

    /// Puts a region in scope before any call to it starts.
    pub fn expect_call(&self, region: &str) {
        self.with_entries(|entries| {
            entries.entry(region.to_owned()).or_insert(Entry {
                status: RegionStatus::Ok,
                rows: 0,
                detail: String::new(),
            });
        });
    }

    /// Adds rows a region contributed.
    pub fn add_rows(&self, region: &str, rows: u64) {
        self.with_entries(|entries| {
            if let Some(entry) = entries.get_mut(region) {
                entry.rows += rows;
            }
        });
    }

    /// Records the end of one call to a region.
    pub fn finish_call(&self, region: &str, status: RegionStatus, detail: &str) {
        let label = status.as_str_name().trim_start_matches("REGION_STATUS_");
        METRICS.observe_region(region, label, self.started.elapsed());
        self.with_entries(|entries| {
            let Some(entry) = entries.get_mut(region) else { return };
            if severity(status) > severity(entry.status) {
                entry.status = status;
                entry.detail = detail.to_owned();
            }
        });
    }

    /// Marks a region failed without a call (for example its schema disagrees).
    pub fn fail_without_call(&self, region: &str, status: RegionStatus, detail: &str) {
        self.expect_call(region);
        self.finish_call(region, status, detail);
    }

    /// The account so far, in region order.
    pub fn snapshot(&self) -> Vec<RegionOutcome> {
        self.with_entries(|entries| {
            entries
                .iter()
                .map(|(region, entry)| RegionOutcome {
                    region: region.clone(),
                    status: entry.status as i32,
                    rows: entry.rows,
                    detail: entry.detail.clone(),
                })
                .collect()
        })
    }
}

/// True when every region in scope contributed in full. Regions policy kept out of the query
/// (`DENIED`, `HIT_ONLY`) were never in scope, so they do not make the answer partial.
pub fn complete(outcomes: &[RegionOutcome]) -> bool {
    let in_scope_ok = |status: i32| {
        [RegionStatus::Ok, RegionStatus::HitOnly, RegionStatus::Denied].iter().any(|ok| *ok as i32 == status)
    };
    outcomes.iter().all(|outcome| in_scope_ok(outcome.status))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn worst_status_wins_and_rows_add_up() {
        let outcomes = Outcomes::new();
        outcomes.expect_call("NWROCU");
        outcomes.expect_call("NWROCU");
        outcomes.expect_call("LONDON");
        outcomes.add_rows("NWROCU", 3);
        outcomes.add_rows("NWROCU", 4);
        outcomes.finish_call("NWROCU", RegionStatus::Ok, "");
        outcomes.finish_call("NWROCU", RegionStatus::Unavailable, "connection refused");
        outcomes.finish_call("NWROCU", RegionStatus::Ok, "");
        outcomes.finish_call("LONDON", RegionStatus::Ok, "");
        let snapshot = outcomes.snapshot();
        assert_eq!(snapshot.len(), 2);
        assert_eq!(snapshot[0].region, "LONDON");
        assert_eq!(snapshot[1].status, RegionStatus::Unavailable as i32);
        assert_eq!(snapshot[1].rows, 7);
        assert_eq!(snapshot[1].detail, "connection refused");
        assert!(!complete(&snapshot));
    }

    #[test]
    fn policy_exclusions_do_not_make_an_answer_partial() {
        let outcomes = Outcomes::new();
        outcomes.expect_call("NWROCU");
        outcomes.finish_call("NWROCU", RegionStatus::Ok, "");
        outcomes.fail_without_call("LONDON", RegionStatus::HitOnly, "hit/no-hit only");
        outcomes.fail_without_call("TARIAN", RegionStatus::Denied, "refused by hub policy");
        assert!(complete(&outcomes.snapshot()));
        outcomes.fail_without_call("EMSOU", RegionStatus::Timeout, "deadline");
        assert!(!complete(&outcomes.snapshot()));
    }
}
