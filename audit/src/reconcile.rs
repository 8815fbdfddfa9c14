//! Reconciliation of hub and node trails (threat 104): matches records by query id and region
//! and reports every disclosure one side has and the other lacks, and every disagreement on
//! principal, purpose or row counts.

use std::collections::BTreeMap;

use crate::record::{AuditRecord, Principal, Purpose, RecordKind};

/// One disagreement between the hub trail and a node trail.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Mismatch {
    /// A node recorded the query (and perhaps released rows) but the hub has no record of
    /// asking that region.
    NodeRecordWithoutHubRecord {
        /// Query id.
        query_id: String,
        /// Node region.
        region: String,
        /// Rows the node says it released.
        node_rows: u64,
    },
    /// The hub claims rows from a region whose node has no matching record.
    HubClaimWithoutNodeRecord {
        /// Query id.
        query_id: String,
        /// Region.
        region: String,
        /// Rows the hub says the region released.
        hub_rows: u64,
    },
    /// Both sides recorded the query but count different rows.
    RowCountMismatch {
        /// Query id.
        query_id: String,
        /// Region.
        region: String,
        /// Rows per the hub.
        hub_rows: u64,
        /// Rows per the node.
        node_rows: u64,
    },
    /// The node acted for a different user than the hub recorded.
    PrincipalMismatch {
        /// Query id.
        query_id: String,
        /// Region.
        region: String,
        /// Subject per the hub.
        hub_subject: String,
        /// Subject the node acted for.
        node_subject: String,
    },
    /// The node recorded a different justification or case reference.
    PurposeMismatch {
        /// Query id.
        query_id: String,
        /// Region.
        region: String,
        /// Purpose per the hub.
        hub_purpose: Purpose,
        /// Purpose per the node.
        node_purpose: Purpose,
    },
}

/// The result of a reconciliation.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ReconcileReport {
    /// (query, region) pairs recorded on both sides and in agreement.
    pub matched: usize,
    /// Every disagreement, ordered by query id then region.
    pub mismatches: Vec<Mismatch>,
}

/// What one side recorded about one query in one region.
#[derive(Debug, Default)]
struct SideView {
    rows: u64,
    principal: Option<Principal>,
    purpose: Option<Purpose>,
}

/// Key of a reconciliation entry.
type QueryRegion = (String, String);

/// Reconciles hub records against the records of one or more nodes. Rows are summed over all
/// records of a (query, region); the resumption markers and audit searches are ignored.
pub fn reconcile(hub_records: &[AuditRecord], node_records: &[AuditRecord]) -> ReconcileReport {
    let hub = hub_view(hub_records);
    let node = node_view(node_records);
    let mut report = ReconcileReport::default();
    for (key, hub_side) in &hub {
        let (query_id, region) = key.clone();
        let Some(node_side) = node.get(key) else {
            if hub_side.rows > 0 {
                report.mismatches.push(Mismatch::HubClaimWithoutNodeRecord {
                    query_id,
                    region,
                    hub_rows: hub_side.rows,
                });
            }
            continue;
        };
        let before = report.mismatches.len();
        compare(&query_id, &region, hub_side, node_side, &mut report.mismatches);
        if report.mismatches.len() == before {
            report.matched += 1;
        }
    }
    for ((query_id, region), node_side) in node {
        if !hub.contains_key(&(query_id.clone(), region.clone())) {
            report.mismatches.push(Mismatch::NodeRecordWithoutHubRecord {
                query_id,
                region,
                node_rows: node_side.rows,
            });
        }
    }
    report
}

/// Compares both sides of one (query, region).
fn compare(query_id: &str, region: &str, hub: &SideView, node: &SideView, out: &mut Vec<Mismatch>) {
    if hub.rows != node.rows {
        out.push(Mismatch::RowCountMismatch {
            query_id: query_id.to_owned(),
            region: region.to_owned(),
            hub_rows: hub.rows,
            node_rows: node.rows,
        });
    }
    let hub_subject = subject(hub.principal.as_ref());
    let node_subject = subject(node.principal.as_ref());
    if hub_subject != node_subject {
        out.push(Mismatch::PrincipalMismatch {
            query_id: query_id.to_owned(),
            region: region.to_owned(),
            hub_subject,
            node_subject,
        });
    }
    let hub_purpose = hub.purpose.clone().unwrap_or_default();
    let node_purpose = node.purpose.clone().unwrap_or_default();
    if hub_purpose != node_purpose {
        out.push(Mismatch::PurposeMismatch {
            query_id: query_id.to_owned(),
            region: region.to_owned(),
            hub_purpose,
            node_purpose,
        });
    }
}

/// The subject of a principal, or empty.
fn subject(principal: Option<&Principal>) -> String {
    principal.map(|principal| principal.subject.clone()).unwrap_or_default()
}

/// True for records that take part in reconciliation.
fn is_query_record(record: &AuditRecord) -> bool {
    !matches!(record.kind, RecordKind::TrailResumed | RecordKind::AuditSearch)
}

/// The hub side: every region asked or with an outcome, per query, with the rows the hub
/// received from each region's node.
fn hub_view(records: &[AuditRecord]) -> BTreeMap<QueryRegion, SideView> {
    let mut view: BTreeMap<QueryRegion, SideView> = BTreeMap::new();
    for record in records.iter().filter(|record| is_query_record(record)) {
        let regions = record.regions_asked.iter().chain(record.region_outcomes.iter().map(|outcome| &outcome.region));
        for region in regions {
            let side = view.entry((record.query_id.clone(), region.clone())).or_default();
            note_identity(side, record);
        }
        for outcome in &record.region_outcomes {
            let key = (record.query_id.clone(), outcome.region.clone());
            view.entry(key).or_default().rows += outcome.rows_received;
        }
    }
    view
}

/// The node side: each record's own region (from `node`, else its outcomes).
fn node_view(records: &[AuditRecord]) -> BTreeMap<QueryRegion, SideView> {
    let mut view: BTreeMap<QueryRegion, SideView> = BTreeMap::new();
    for record in records.iter().filter(|record| is_query_record(record)) {
        let Some(region) = record
            .node
            .as_ref()
            .map(|node| node.region.clone())
            .or_else(|| record.region_outcomes.first().map(|outcome| outcome.region.clone()))
        else {
            continue;
        };
        let rows: u64 = record
            .region_outcomes
            .iter()
            .filter(|outcome| outcome.region == region)
            .map(|outcome| outcome.rows_released)
            .sum();
        let side = view.entry((record.query_id.clone(), region)).or_default();
        side.rows += rows;
        note_identity(side, record);
    }
    view
}

/// Keeps the first principal and purpose seen for a (query, region).
fn note_identity(side: &mut SideView, record: &AuditRecord) {
    if side.principal.is_none() {
        side.principal = record.effective_principal().cloned();
    }
    if side.purpose.is_none() {
        side.purpose = record.purpose.clone();
    }
}
