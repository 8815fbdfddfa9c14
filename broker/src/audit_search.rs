//! Audit search for auditors (DESIGN §4.6, §6): who searched for what, when and why, in the hub's
//! trail and, when asked, in every node's trail through the federation. Only a caller whose
//! policy grants `ReadAudit` may search; the search is itself recorded (s.62(4)) before any
//! record is returned, in the hub's trail and in each node's.

use std::sync::Arc;

use futures::future::join_all;
use toex_audit::{AuditRecord, Purpose as AuditPurpose, RecordKind};
use toex_common::audit_filters::search_query;
use toex_policy::{Access, Request, RequestKind};
use toex_proto::v1::{AuditEntry, AuditFilters, NodeAuditSearchRequest, RegionOutcome, RegionStatus};
use tracing::instrument;

use crate::audit_trail;
use crate::caller::Caller;
use crate::delegation::Delegation;
use crate::error::HubError;
use crate::federation::exec::call_status;
use crate::outcomes::Outcomes;
use crate::query::Hub;
use crate::registry::RegionView;

/// The trail name of the hub's own records.
pub const HUB_TRAIL: &str = "hub";
/// The Cedar region of the hub's own audit trail.
pub const HUB_AUDIT_REGION: &str = "HUB";
/// The pseudo-table an audit search is granted on in delegation tokens.
pub const AUDIT_DATASET: &str = "audit";

/// What an audit search found.
#[derive(Debug, Clone)]
pub struct AuditAnswer {
    pub entries: Vec<AuditEntry>,
    pub regions: Vec<RegionOutcome>,
}

impl Hub {
    /// Searches the hub's trail (and, with `include_regions`, every node's) for `caller`.
    #[instrument(skip_all, fields(subject = %caller.claims.subject))]
    pub async fn audit_search(
        &self,
        caller: &Caller,
        mut filters: AuditFilters,
        include_regions: bool,
    ) -> Result<AuditAnswer, HubError> {
        let query_id = uuid::Uuid::new_v4().to_string();
        let template =
            audit_trail::record(RecordKind::AuditSearch, &query_id, caller, "audit_search", None, Vec::new());
        if self.audit_access(caller, HUB_AUDIT_REGION) != Access::Records {
            let error = HubError::Denied("audit search is for auditors only".to_owned());
            tracing::warn!(target: "toex::security", event = "policy_denied", kind = "audit", "audit search refused");
            audit_trail::record_refusal(self.audit(), template, &error).await?;
            return Err(error);
        }
        filters.identifier = normalised_identifier(&filters.identifier);
        let query = search_query(&filters).map_err(HubError::BadRequest)?;
        let purpose = AuditPurpose {
            justification: caller.purpose.justification.clone(),
            case_reference: caller.purpose.case_reference.clone(),
        };
        let found = self
            .audit()
            .search_recorded(audit_trail::principal(caller), purpose, &query)
            .await
            .map_err(|error| HubError::AuditUnavailable(error.to_string()))?;
        let mut entries = to_entries(HUB_TRAIL, &found)?;
        let outcomes = Outcomes::new();
        if include_regions {
            let regions = self.registry().snapshot();
            let grants = regions
                .iter()
                .filter(|region| self.audit_access(caller, &region.code) == Access::Records)
                .map(|region| ((region.code.clone(), AUDIT_DATASET.to_owned()), Access::Records))
                .collect();
            let delegation = Delegation::new(Arc::clone(self.signer()), caller.clone(), query_id, grants);
            let searches = regions.iter().map(|region| {
                outcomes.expect_call(&region.code);
                self.search_region(region, &filters, &delegation)
            });
            for (region, answer) in regions.iter().zip(join_all(searches).await) {
                match answer {
                    Ok(records) => {
                        outcomes.add_rows(&region.code, records.len() as u64);
                        outcomes.finish_call(&region.code, RegionStatus::Ok, "");
                        entries.extend(
                            records
                                .into_iter()
                                .map(|record_json| AuditEntry { trail: region.code.clone(), record_json }),
                        );
                    }
                    Err((status, detail)) => outcomes.finish_call(&region.code, status, &detail),
                }
            }
        }
        Ok(AuditAnswer { entries, regions: outcomes.snapshot() })
    }

    /// The caller's access to the audit trail of `region` under the hub's policy.
    fn audit_access(&self, caller: &Caller, region: &str) -> Access {
        let request = Request {
            principal: caller.principal(),
            purpose: caller.policy_purpose(),
            dataset: AUDIT_DATASET.to_owned(),
            region: region.to_owned(),
            kind: RequestKind::Audit,
        };
        self.policy().decide(&request).access
    }

    async fn search_region(
        &self,
        region: &RegionView,
        filters: &AuditFilters,
        delegation: &Delegation,
    ) -> Result<Vec<String>, (RegionStatus, String)> {
        let unsigned = NodeAuditSearchRequest {
            query_id: delegation.query_id().to_owned(),
            purpose: Some(delegation.caller().wire_purpose()),
            filters: Some(filters.clone()),
            delegation_token: String::new(),
        };
        let request = delegation
            .sign(unsigned, &region.code, &[AUDIT_DATASET])
            .map_err(|detail| (RegionStatus::Error, detail))?;
        let response = region
            .client
            .audit_search(request, self.config().limits.region_timeout(), &delegation.caller().trace)
            .await
            .map_err(|status| (call_status(&status), status.message().to_owned()))?;
        Ok(response.records_json)
    }
}

/// A phone number in any UK format becomes E.164, as the trails store it; anything else is
/// kept as given (the trail normalises case and spaces itself).
fn normalised_identifier(identifier: &str) -> String {
    match toex_matching::phone::normalise(identifier) {
        Ok(phone) => phone.to_string(),
        Err(_) => identifier.to_owned(),
    }
}

fn to_entries(trail: &str, records: &[AuditRecord]) -> Result<Vec<AuditEntry>, HubError> {
    records
        .iter()
        .map(|record| {
            serde_json::to_string(record)
                .map(|record_json| AuditEntry { trail: trail.to_owned(), record_json })
                .map_err(|error| HubError::Setup(format!("cannot encode an audit record: {error}")))
        })
        .collect()
}
