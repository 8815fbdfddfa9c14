//! Hit/no-hit checks: for a list of identifiers, every region answers only hit or no hit, how
//! many, the owning unit's contact point and handling conditions. The hub decides each region's
//! access per table, sends each node the identifiers with a delegation token, and merges what
//! the nodes count. No record content crosses the wire.

use std::collections::{BTreeSet, HashMap};
use std::sync::Arc;

use futures::future::join_all;
use toex_audit::{AuditRecord, CompletionStatus, RecordKind, RegionOutcome as AuditOutcome};
use toex_common::identifiers::{MAX_CHECK_IDENTIFIERS, identifier_column, kind_name};
use toex_policy::{Access, Request, RequestKind};
use toex_proto::v1::{
    Identifier, IdentifierKind, IdentifierResult, NodeCheckRequest, NodeHit, RegionHit, RegionOutcome, RegionStatus,
};
use tracing::{info, instrument};

use crate::audit_trail;
use crate::caller::Caller;
use crate::deadline::Deadline;
use crate::delegation::Delegation;
use crate::error::HubError;
use crate::federation::exec::call_status;
use crate::identifiers::normalise_identifier;
use crate::outcomes::{Outcomes, complete};
use crate::query::Hub;
use crate::registry::RegionView;

/// A hit/no-hit request.
#[derive(Debug, Clone)]
pub struct CheckQuery {
    pub identifiers: Vec<Identifier>,
    pub require_complete: bool,
    /// When the answer is due.
    pub deadline: Deadline,
}

/// A merged hit/no-hit answer.
#[derive(Debug, Clone)]
pub struct CheckAnswer {
    pub query_id: String,
    pub results: Vec<IdentifierResult>,
    pub regions: Vec<RegionOutcome>,
    pub complete: bool,
}

/// One region's answer: its hits, in identifier order, or why it has none.
type RegionAnswer = Result<Vec<NodeHit>, (RegionStatus, String)>;

impl Hub {
    /// Answers a hit/no-hit check for `caller`. The consultation is durable in the audit trail
    /// before any region is asked, and the hits released are recorded before they are returned.
    #[instrument(skip_all, fields(query_id, subject = %caller.claims.subject, identifiers = query.identifiers.len()))]
    pub async fn check(&self, caller: &Caller, query: CheckQuery) -> Result<CheckAnswer, HubError> {
        let _ticket = self.admission().admit(&caller.claims.subject)?;
        let query_id = uuid::Uuid::new_v4().to_string();
        tracing::Span::current().record("query_id", query_id.as_str());
        let searched = query.identifiers.iter().map(|identifier| identifier.value.clone()).collect();
        let mut template =
            audit_trail::record(RecordKind::Consultation, &query_id, caller, "hit_no_hit", None, searched);
        let identifiers = match normalise_all(&query.identifiers) {
            Ok(identifiers) => identifiers,
            Err(error) => {
                audit_trail::record_refusal(self.audit(), template, &error).await?;
                return Err(error);
            }
        };
        template.identifiers = identifiers.iter().map(|identifier| identifier.value.clone()).collect();
        if let Some(description) = template.query.as_mut() {
            description.parameters = identifiers
                .iter()
                .enumerate()
                .map(|(index, identifier)| {
                    let kind = IdentifierKind::try_from(identifier.kind).unwrap_or(IdentifierKind::Unspecified);
                    (format!("{index}.{}", kind_name(kind)), identifier.value.clone())
                })
                .collect();
        }
        match self.run_check(caller, &query, identifiers, &query_id, &template).await {
            Ok(answer) => Ok(answer),
            Err(error) => {
                audit_trail::record_refusal(self.audit(), template, &error).await?;
                Err(error)
            }
        }
    }

    async fn run_check(
        &self,
        caller: &Caller,
        query: &CheckQuery,
        identifiers: Vec<Identifier>,
        query_id: &str,
        template: &AuditRecord,
    ) -> Result<CheckAnswer, HubError> {
        let query_id = query_id.to_owned();
        let region_timeout = query.deadline.region_share(self.config().limits.region_timeout())?;
        let tables: BTreeSet<&'static str> =
            identifiers.iter().filter_map(|identifier| kind_table(identifier.kind)).collect();
        let regions = self.registry().snapshot();
        let grants = self.check_grants(caller, &tables, &regions);
        if grants.is_empty() {
            tracing::warn!(target: "toex::security", event = "policy_denied", kind = "check", "no region releases hits");
            return Err(HubError::Denied(
                "no region releases hit/no-hit answers to you for these identifiers".to_owned(),
            ));
        }
        let mut consultation = template.clone();
        consultation.regions_asked = regions
            .iter()
            .filter(|region| grants.keys().any(|(granted, _)| granted == &region.code))
            .map(|region| region.code.clone())
            .collect();
        consultation.completion = Some(CompletionStatus::InProgress);
        let delegation = Delegation::new(Arc::clone(self.signer()), caller.clone(), query_id.clone(), grants.clone());
        let outcomes = Outcomes::new();
        let calls = regions.iter().map(|region| {
            outcomes.expect_call(&region.code);
            let granted: Vec<&str> = tables
                .iter()
                .copied()
                .filter(|table| grants.contains_key(&(region.code.clone(), (*table).to_owned())))
                .collect();
            self.check_region(region, &identifiers, granted, &delegation, region_timeout)
        });
        let answers: Vec<RegionAnswer> =
            audit_trail::while_consulting(self.audit(), consultation, join_all(calls)).await?;
        let mut results: Vec<IdentifierResult> = identifiers
            .iter()
            .map(|identifier| IdentifierResult { identifier: Some(identifier.clone()), regions: Vec::new() })
            .collect();
        for (region, answer) in regions.iter().zip(answers) {
            match answer {
                Ok(hits) => {
                    let counted: u64 = hits.iter().map(|hit| hit.count).sum();
                    outcomes.add_rows(&region.code, counted);
                    outcomes.finish_call(&region.code, RegionStatus::Ok, "");
                    merge_region_hits(&mut results, region, hits);
                }
                Err((status, detail)) => outcomes.finish_call(&region.code, status, &detail),
            }
        }
        let account = outcomes.snapshot();
        let answered = account.iter().any(|outcome| outcome.status == RegionStatus::Ok as i32);
        if !answered {
            return Err(HubError::Incomplete(format!("no region answered the check ({})", describe(&account))));
        }
        let is_complete = complete(&account);
        if query.require_complete && !is_complete {
            return Err(HubError::Incomplete(format!(
                "a region did not answer and a complete answer was required ({})",
                describe(&account)
            )));
        }
        let mut disclosure = template.clone();
        disclosure.kind = RecordKind::Disclosure;
        disclosure.completion = Some(audit_trail::answered(is_complete));
        disclosure.region_outcomes = audit_trail::received(&account)
            .into_iter()
            .map(|outcome| AuditOutcome { rows_released: outcome.rows_received, ..outcome })
            .collect();
        audit_trail::append(self.audit(), disclosure).await?;
        info!(query_id = %query_id, complete = is_complete, "check answered");
        Ok(CheckAnswer { query_id, results, regions: account, complete: is_complete })
    }

    /// The hub's grant per `(region, table)` for a check; denied pairs are absent.
    fn check_grants(
        &self,
        caller: &Caller,
        tables: &BTreeSet<&'static str>,
        regions: &[RegionView],
    ) -> HashMap<(String, String), Access> {
        let (principal, purpose) = (caller.principal(), caller.policy_purpose());
        let mut grants = HashMap::new();
        for region in regions {
            for table in tables {
                let request = Request {
                    principal: principal.clone(),
                    purpose: purpose.clone(),
                    dataset: (*table).to_owned(),
                    region: region.code.clone(),
                    kind: RequestKind::Check,
                };
                let access = self.policy().decide(&request).access;
                if access != Access::Denied {
                    grants.insert((region.code.clone(), (*table).to_owned()), access);
                }
            }
        }
        grants
    }

    /// Asks one region, unless the hub's policy grants it nothing for these identifiers.
    async fn check_region(
        &self,
        region: &RegionView,
        identifiers: &[Identifier],
        granted: Vec<&str>,
        delegation: &Delegation,
        timeout: std::time::Duration,
    ) -> RegionAnswer {
        if granted.is_empty() {
            return Err((RegionStatus::Denied, "refused by hub policy".to_owned()));
        }
        let unsigned = NodeCheckRequest {
            query_id: delegation.query_id().to_owned(),
            identifiers: identifiers.to_vec(),
            purpose: Some(delegation.caller().wire_purpose()),
            delegation_token: String::new(),
        };
        let request =
            delegation.sign(unsigned, &region.code, &granted).map_err(|detail| (RegionStatus::Error, detail))?;
        let response = region
            .client
            .check(request, timeout, &delegation.caller().trace)
            .await
            .map_err(|status| (call_status(&status), status.message().to_owned()))?;
        if response.hits.len() != identifiers.len() {
            return Err((
                RegionStatus::Error,
                format!("node answered {} identifiers, {} were asked", response.hits.len(), identifiers.len()),
            ));
        }
        Ok(response.hits)
    }
}

/// Normalises every identifier, refusing the check (INVALID_ARGUMENT) on the first bad one.
fn normalise_all(identifiers: &[Identifier]) -> Result<Vec<Identifier>, HubError> {
    if identifiers.is_empty() {
        return Err(HubError::BadRequest("identifiers: give at least one identifier".to_owned()));
    }
    if identifiers.len() > MAX_CHECK_IDENTIFIERS {
        return Err(HubError::BadRequest(format!(
            "identifiers: {} given; at most {MAX_CHECK_IDENTIFIERS} per check",
            identifiers.len()
        )));
    }
    identifiers
        .iter()
        .enumerate()
        .map(|(index, identifier)| {
            normalise_identifier(identifier)
                .map_err(|reason| HubError::BadRequest(format!("identifiers[{index}]: {reason}")))
        })
        .collect()
}

fn kind_table(kind: i32) -> Option<&'static str> {
    identifier_column(IdentifierKind::try_from(kind).ok()?).map(|location| location.table)
}

/// Adds one region's hits to the per-identifier results. Denied identifiers are left out.
fn merge_region_hits(results: &mut [IdentifierResult], region: &RegionView, hits: Vec<NodeHit>) {
    for (result, hit) in results.iter_mut().zip(hits) {
        if hit.denied {
            continue;
        }
        let is_hit = hit.count > 0;
        result.regions.push(RegionHit {
            region: region.code.clone(),
            hit: is_hit,
            count: hit.count,
            contact_point: if is_hit { region.contact_point.clone() } else { String::new() },
            handling_conditions: hit.handling_conditions,
        });
    }
}

fn describe(account: &[RegionOutcome]) -> String {
    account
        .iter()
        .map(|outcome| {
            let status = RegionStatus::try_from(outcome.status).unwrap_or(RegionStatus::Unspecified);
            format!("{} {}: {}", outcome.region, status.as_str_name(), outcome.detail)
        })
        .collect::<Vec<_>>()
        .join("; ")
}
