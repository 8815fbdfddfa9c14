//! Entity search across the federation: checks and normalises what is searched for (a bad value
//! is `INVALID_ARGUMENT` before any region is asked), decides each region's access per table,
//! asks every region that releases at least hits, then ranks what the regions release, groups
//! records that may be the same person across regions, and accounts for every region. The
//! consultation is committed while the regions are asked, and it and every released record id
//! are durable before the answer leaves.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::sync::Arc;

use futures::future::join_all;
use toex_audit::{CompletionStatus, RecordKind, RegionOutcome as AuditOutcome};
use toex_common::search::{self, SEARCH_TABLES, primary_table, search_kind_name};
use toex_policy::{Access, Request, RequestKind};
use toex_proto::v1::{
    EntityMatch, NodeSearchRequest, NodeSearchResponse, Person, PersonCriteria, PersonGroup, RegionHit, RegionOutcome,
    RegionStatus, SafeguardingFlag, SearchCriteria, SearchKind, SearchedValue, entity_match::Entity,
};
use tracing::{info, instrument};

use crate::audit_trail;
use crate::caller::Caller;
use crate::deadline::Deadline;
use crate::delegation::Delegation;
use crate::error::HubError;
use crate::federation::exec::call_status;
use crate::outcomes::{Outcomes, complete};
use crate::person_groups::group_persons;
use crate::query::Hub;
use crate::registry::RegionView;

/// An entity search request.
#[derive(Debug, Clone)]
pub struct SearchQuery {
    pub criteria: SearchCriteria,
    pub require_complete: bool,
    pub deadline: Deadline,
}

/// A merged search answer.
#[derive(Debug, Clone, Default)]
pub struct SearchAnswer {
    pub query_id: String,
    pub searched: Vec<SearchedValue>,
    pub matches: Vec<EntityMatch>,
    pub groups: Vec<PersonGroup>,
    pub withheld: Vec<RegionHit>,
    pub regions: Vec<RegionOutcome>,
    pub complete: bool,
    pub safeguarding: Vec<SafeguardingFlag>,
    pub truncated: bool,
}

/// A checked search: what every node is sent.
struct Checked {
    kind: SearchKind,
    table: &'static str,
    values: Vec<SearchedValue>,
    person: Option<PersonCriteria>,
    threshold: f64,
    limit: u32,
}

type RegionAnswer = Result<NodeSearchResponse, (RegionStatus, String)>;

impl Hub {
    /// Runs an entity search for `caller`.
    #[instrument(skip_all, fields(query_id, subject = %caller.claims.subject))]
    pub async fn search(&self, caller: &Caller, query: SearchQuery) -> Result<SearchAnswer, HubError> {
        let _ticket = self.admission().admit(&caller.claims.subject)?;
        let query_id = uuid::Uuid::new_v4().to_string();
        tracing::Span::current().record("query_id", query_id.as_str());
        let kind = SearchKind::try_from(query.criteria.kind).unwrap_or(SearchKind::Unspecified);
        let mut template = audit_trail::record(
            RecordKind::Consultation,
            &query_id,
            caller,
            "search",
            None,
            described(&query.criteria),
        );
        if let Some(description) = template.query.as_mut() {
            description.parameters.insert("kind".to_owned(), search_kind_name(kind).to_owned());
        }
        let checked = match check(&query.criteria) {
            Ok(checked) => checked,
            Err(error) => {
                audit_trail::record_refusal(self.audit(), template, &error).await?;
                return Err(error);
            }
        };
        if !checked.values.is_empty() {
            template.identifiers = checked.values.iter().map(|value| value.value.clone()).collect();
        }
        match self.run_search(caller, &query, checked, &query_id, &template).await {
            Ok(answer) => Ok(answer),
            Err(error) => {
                audit_trail::record_refusal(self.audit(), template, &error).await?;
                Err(error)
            }
        }
    }

    async fn run_search(
        &self,
        caller: &Caller,
        query: &SearchQuery,
        checked: Checked,
        query_id: &str,
        template: &toex_audit::AuditRecord,
    ) -> Result<SearchAnswer, HubError> {
        let region_timeout = query.deadline.region_share(self.config().limits.region_timeout())?;
        let regions = self.registry().snapshot();
        let grants = self.search_grants(caller, &regions);
        let asked: Vec<&RegionView> = regions
            .iter()
            .filter(|region| grants.contains_key(&(region.code.clone(), checked.table.to_owned())))
            .collect();
        if asked.is_empty() {
            tracing::warn!(target: "toex::security", event = "policy_denied", kind = "search", "no region releases hits");
            return Err(HubError::Denied(format!("no region releases {} records or hits to you", checked.table)));
        }
        let mut consultation = template.clone();
        consultation.regions_asked = asked.iter().map(|region| region.code.clone()).collect();
        consultation.completion = Some(CompletionStatus::InProgress);
        let delegation =
            Delegation::new(Arc::clone(self.signer()), caller.clone(), query_id.to_owned(), grants.clone());
        let unsigned = NodeSearchRequest {
            query_id: query_id.to_owned(),
            kind: checked.kind as i32,
            values: checked.values.clone(),
            person: checked.person.clone(),
            threshold: checked.threshold,
            limit: checked.limit,
            purpose: Some(caller.wire_purpose()),
            delegation_token: String::new(),
        };
        let outcomes = Outcomes::new();
        for region in &regions {
            if !asked.iter().any(|asked| asked.code == region.code) {
                outcomes.fail_without_call(&region.code, RegionStatus::Denied, "refused by hub policy");
            }
        }
        let calls = asked.iter().map(|region| {
            outcomes.expect_call(&region.code);
            self.search_one_region(region, unsigned.clone(), &delegation, region_timeout)
        });
        let answers: Vec<RegionAnswer> =
            audit_trail::while_consulting(self.audit(), consultation, join_all(calls)).await?;
        let mut answer =
            SearchAnswer { query_id: query_id.to_owned(), searched: checked.values, ..SearchAnswer::default() };
        let mut released: BTreeMap<String, Vec<String>> = BTreeMap::new();
        for (region, reply) in asked.iter().zip(answers) {
            match reply {
                Ok(reply) => {
                    let hits_only =
                        grants.get(&(region.code.clone(), checked.table.to_owned())) == Some(&Access::HitsOnly);
                    let status = if hits_only { RegionStatus::HitOnly } else { RegionStatus::Ok };
                    outcomes.add_rows(&region.code, reply.matches.len() as u64);
                    outcomes.finish_call(&region.code, status, if hits_only { "hit/no-hit only" } else { "" });
                    if reply.withheld > 0 {
                        answer.withheld.push(RegionHit {
                            region: region.code.clone(),
                            hit: true,
                            count: reply.withheld,
                            contact_point: region.contact_point.clone(),
                            handling_conditions: reply.withheld_conditions.clone(),
                        });
                    }
                    answer.truncated |= reply.truncated;
                    released.insert(region.code.clone(), reply.matches.iter().flat_map(record_ids).collect());
                    answer.matches.extend(reply.matches);
                }
                Err((status, detail)) => outcomes.finish_call(&region.code, status, &detail),
            }
        }
        answer.regions = outcomes.snapshot();
        let answered = answer
            .regions
            .iter()
            .any(|outcome| [RegionStatus::Ok as i32, RegionStatus::HitOnly as i32].contains(&outcome.status));
        if !answered {
            return Err(HubError::Incomplete("no region answered the search".to_owned()));
        }
        answer.complete = complete(&answer.regions);
        if query.require_complete && !answer.complete {
            return Err(HubError::Incomplete("a region did not answer and a complete answer was required".to_owned()));
        }
        let order: HashMap<&str, usize> =
            regions.iter().enumerate().map(|(position, region)| (region.code.as_str(), position)).collect();
        answer.matches.sort_by(|left, right| {
            right.score.total_cmp(&left.score).then_with(|| region_rank(&order, left).cmp(&region_rank(&order, right)))
        });
        answer.groups = group_persons(answer.matches.iter().flat_map(persons_of));
        answer.safeguarding = answer.matches.iter().flat_map(|found| found.safeguarding.iter().cloned()).collect();
        let flags: BTreeSet<String> = answer.safeguarding.iter().map(|flag| flag.flag.clone()).collect();
        let mut disclosure = template.clone();
        disclosure.kind = RecordKind::Disclosure;
        disclosure.completion = Some(audit_trail::answered(answer.complete));
        disclosure.region_outcomes = audit_trail::received(&answer.regions)
            .into_iter()
            .map(|outcome| {
                let ids = released.remove(&outcome.region).unwrap_or_default();
                AuditOutcome { rows_released: ids.len() as u64, record_ids: ids, ..outcome }
            })
            .collect();
        disclosure.safeguarding_flags = flags.into_iter().collect();
        audit_trail::append(self.audit(), disclosure).await?;
        info!(
            query_id,
            matches = answer.matches.len(),
            groups = answer.groups.len(),
            complete = answer.complete,
            "search answered"
        );
        Ok(answer)
    }

    /// The hub's grant per `(region, table)` for a search; denied pairs are absent.
    fn search_grants(&self, caller: &Caller, regions: &[RegionView]) -> HashMap<(String, String), Access> {
        let (principal, purpose) = (caller.principal(), caller.policy_purpose());
        let mut grants = HashMap::new();
        for region in regions {
            for table in SEARCH_TABLES {
                let request = Request {
                    principal: principal.clone(),
                    purpose: purpose.clone(),
                    dataset: table.to_owned(),
                    region: region.code.clone(),
                    kind: RequestKind::Search,
                };
                let access = self.policy().decide(&request).access;
                if access != Access::Denied {
                    grants.insert((region.code.clone(), table.to_owned()), access);
                }
            }
        }
        grants
    }

    async fn search_one_region(
        &self,
        region: &RegionView,
        unsigned: NodeSearchRequest,
        delegation: &Delegation,
        timeout: std::time::Duration,
    ) -> RegionAnswer {
        let request =
            delegation.sign(unsigned, &region.code, &SEARCH_TABLES).map_err(|detail| (RegionStatus::Error, detail))?;
        let reply = region
            .client
            .search(request, timeout, &delegation.caller().trace)
            .await
            .map_err(|status| (call_status(&status), status.message().to_owned()))?;
        let foreign = reply.matches.iter().flat_map(owners).any(|owner| owner != region.code);
        if foreign {
            return Err((RegionStatus::Error, "node released a record owned by another region".to_owned()));
        }
        Ok(reply)
    }
}

/// Checks and normalises the criteria, refusing a bad one with a reason.
fn check(criteria: &SearchCriteria) -> Result<Checked, HubError> {
    let bad = |reason: String| HubError::BadRequest(reason);
    let kind = SearchKind::try_from(criteria.kind).unwrap_or(SearchKind::Unspecified);
    let table = primary_table(kind)
        .ok_or_else(|| bad("criteria.kind: give person, phone, vehicle, address or ocg".to_owned()))?;
    let threshold = search::threshold(criteria.threshold).map_err(|reason| bad(format!("criteria.{reason}")))?;
    let limit = search::limit(criteria.limit).map_err(|reason| bad(format!("criteria.{reason}")))?;
    let (values, person) = if kind == SearchKind::Person {
        let person = criteria.person.clone().unwrap_or_default();
        search::person_query(&person).map_err(|reason| bad(format!("criteria.{reason}")))?;
        (Vec::new(), Some(person))
    } else {
        let values = search::searched_values(kind, &criteria.value)
            .map_err(|reason| bad(format!("criteria.value: {reason}")))?;
        (values, None)
    };
    Ok(Checked { kind, table, values, person, threshold, limit: u32::try_from(limit).unwrap_or(u32::MAX) })
}

/// What the audit trail records as searched for.
fn described(criteria: &SearchCriteria) -> Vec<String> {
    match &criteria.person {
        Some(person) if criteria.kind == SearchKind::Person as i32 => {
            let parts = [person.forenames.as_str(), person.surname.as_str(), person.dob.as_str()];
            vec![parts.iter().filter(|part| !part.is_empty()).copied().collect::<Vec<_>>().join(" ")]
        }
        _ => vec![criteria.value.clone()],
    }
}

fn region_rank(order: &HashMap<&str, usize>, found: &EntityMatch) -> usize {
    owners(found).next().and_then(|region| order.get(region.as_str()).copied()).unwrap_or(usize::MAX)
}

/// The people of a match: the matched person and every linked one.
fn persons_of(found: &EntityMatch) -> Vec<&Person> {
    let mut people = Vec::new();
    if let Some(Entity::Person(person)) = &found.entity {
        people.push(person);
    }
    if let Some(linked) = &found.linked {
        people.extend(&linked.persons);
        people.extend(linked.memberships.iter().filter_map(|membership| membership.person.as_ref()));
    }
    people
}

/// The owning region of the match and of every record linked to it.
fn owners(found: &EntityMatch) -> impl Iterator<Item = String> + '_ {
    provenances(found).into_iter().map(|(region, _)| region)
}

/// Every released record id of a match, its links included.
fn record_ids(found: &EntityMatch) -> Vec<String> {
    provenances(found).into_iter().map(|(_, id)| id).collect()
}

/// `(region, record_id)` of the match and every linked record.
fn provenances(found: &EntityMatch) -> Vec<(String, String)> {
    let mut sources = Vec::new();
    let mut add = |provenance: &Option<toex_proto::v1::Provenance>| {
        if let Some(source) = provenance {
            sources.push((source.region.clone(), source.record_id.clone()));
        }
    };
    match &found.entity {
        Some(Entity::Person(entity)) => add(&entity.provenance),
        Some(Entity::Phone(entity)) => add(&entity.provenance),
        Some(Entity::Vehicle(entity)) => add(&entity.provenance),
        Some(Entity::Address(entity)) => add(&entity.provenance),
        Some(Entity::Ocg(entity)) => add(&entity.provenance),
        None => {}
    }
    if let Some(linked) = &found.linked {
        linked.persons.iter().for_each(|entity| add(&entity.provenance));
        linked.phones.iter().for_each(|entity| add(&entity.provenance));
        linked.vehicles.iter().for_each(|entity| add(&entity.provenance));
        linked.addresses.iter().for_each(|entity| add(&entity.provenance));
        for membership in &linked.memberships {
            add(&membership.provenance);
            if let Some(ocg) = &membership.ocg {
                add(&ocg.provenance);
            }
            if let Some(person) = &membership.person {
                add(&person.provenance);
            }
        }
    }
    sources
}
