//! The six benchmark workloads, each runnable five ways: through the hub (TLS, tokens, policy,
//! audit), straight to every node at once (the same request with a delegation token, bypassing
//! the hub: timed to the slowest node), straight to one node alone, and on the centralised
//! baseline (one DataFusion session over the union of every region's files, no network), bare
//! and under the policy's row rules.

use std::sync::Arc;

use datafusion::prelude::SessionContext;
use futures::StreamExt;
use futures::future::try_join_all;
use rand::seq::IndexedRandom;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use serde::Serialize;
use toex_common::search::SEARCH_TABLES;
use toex_proto::v1::{
    CheckRequest, ExecuteRequest, Identifier, IdentifierKind, NodeCheckRequest, NodeSearchRequest, PersonCriteria,
    SearchCriteria, SearchKind, SearchRequest, SearchedValue, SqlRequest, execute_response, sql_response,
};

use toex_proto::v1::node_client::NodeClient;
use tonic::transport::Channel;

use crate::Federation;
use crate::federation::{HubApiClient, test_purpose};

/// Which workload.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum Workload {
    /// W1: a national search for an existing phone number (typed Search API).
    W1IdentifierLookup,
    /// W2: a fuzzy person search by forenames and surname.
    W2PersonSearch,
    /// W3: hit/no-hit for 100 phone numbers in one call.
    W3HitNoHit,
    /// W4: intelligence reports counted by region and exploitation type.
    W4Aggregate,
    /// W5: every row of the largest table streamed through.
    W5BulkStream,
    /// W6: the 20 highest-harm OCGs nationally.
    W6TopK,
}

impl Workload {
    pub const ALL: [Workload; 6] = [
        Self::W1IdentifierLookup,
        Self::W2PersonSearch,
        Self::W3HitNoHit,
        Self::W4Aggregate,
        Self::W5BulkStream,
        Self::W6TopK,
    ];

    /// The workload called `code` (`w1` ... `w6`), as `toex bench --workloads` names them.
    pub fn from_code(code: &str) -> Option<Self> {
        let index = code.trim().to_ascii_lowercase().strip_prefix('w')?.parse::<usize>().ok()?;
        Self::ALL.get(index.checked_sub(1)?).copied()
    }

    pub fn label(self) -> &'static str {
        match self {
            Self::W1IdentifierLookup => "W1 phone lookup",
            Self::W2PersonSearch => "W2 person search",
            Self::W3HitNoHit => "W3 hit/no-hit x100",
            Self::W4Aggregate => "W4 aggregate",
            Self::W5BulkStream => "W5 bulk stream",
            Self::W6TopK => "W6 top-k",
        }
    }
}

/// Where a workload runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum Target {
    /// Through the hub, every region in the run.
    Hub,
    /// Straight to every node in the run at once, timed to the slowest.
    Direct,
    /// Straight to one node alone: what a query costs a node when it has the machine to itself,
    /// as each region's node does in a deployment (here ten nodes share the bench's cores).
    OneNode,
    /// One DataFusion session over every region's files, no network.
    Centralised,
    /// The centralised session with every table behind the policy's row rules and column masks
    /// for the bench's caller: what enforcing the same rules costs without federating (a
    /// reference for reading the figures; the targets compare with [`Self::Centralised`]).
    CentralisedWithRules,
}

impl Target {
    pub const ALL: [Target; 5] =
        [Self::Hub, Self::Direct, Self::OneNode, Self::Centralised, Self::CentralisedWithRules];

    /// The target called `code` (`hub`, `direct`, `one-node`, `central`, `central-rules`).
    pub fn from_code(code: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|target| target.label().replace(' ', "-") == code.trim().to_ascii_lowercase())
    }

    pub fn label(self) -> &'static str {
        match self {
            Self::Hub => "hub",
            Self::Direct => "direct",
            Self::OneNode => "one node",
            Self::Centralised => "central",
            Self::CentralisedWithRules => "central rules",
        }
    }
}

/// SQL of W4.
pub const AGGREGATE_SQL: &str =
    "SELECT region, exploitation_type, count(*) AS reports FROM intel_reports GROUP BY 1, 2";
/// SQL of W6.
pub const TOP_K_SQL: &str = "SELECT region, name, harm_score FROM ocgs ORDER BY harm_score DESC LIMIT 20";

/// Values drawn from the data, so every lookup is for something that exists.
#[derive(Clone)]
pub struct Inputs {
    pub phones: Vec<String>,
    pub names: Vec<(String, String)>,
    /// The table with the most rows (W5).
    pub largest_table: String,
}

impl Inputs {
    /// Samples existing phone numbers and names from the baseline.
    pub async fn sample(baseline: &SessionContext) -> anyhow::Result<Self> {
        let strings = |batches: &[arrow::array::RecordBatch], column: usize| -> Vec<String> {
            use arrow::array::AsArray;
            batches
                .iter()
                .flat_map(|batch| {
                    let values = batch.column(column).as_string::<i32>();
                    (0..batch.num_rows()).map(|row| values.value(row).to_owned()).collect::<Vec<_>>()
                })
                .collect()
        };
        let phones =
            crate::baseline::run(baseline, "SELECT DISTINCT msisdn FROM phones ORDER BY msisdn LIMIT 5000").await?;
        let names = crate::baseline::run(
            baseline,
            "SELECT forenames, surname FROM persons ORDER BY record_id, region LIMIT 5000",
        )
        .await?;
        let mut largest = ("persons".to_owned(), 0);
        for table in ["persons", "phones", "vehicles", "addresses", "intel_reports", "crimes"] {
            let counted = crate::baseline::run(baseline, &format!("SELECT count(*) FROM {table}")).await?;
            use arrow::array::AsArray;
            let rows = counted[0].column(0).as_primitive::<arrow::datatypes::Int64Type>().value(0);
            if rows > largest.1 {
                largest = (table.to_owned(), rows);
            }
        }
        let forenames = strings(&names, 0);
        let surnames = strings(&names, 1);
        Ok(Self {
            phones: strings(&phones, 0),
            names: forenames.into_iter().zip(surnames).collect(),
            largest_table: largest.0,
        })
    }
}

/// The two centralised sessions over the same files: bare, and behind the policy's row rules.
pub struct Baselines {
    pub bare: SessionContext,
    pub with_rules: SessionContext,
}

/// Runs workloads against one federation, over connections opened once and shared by every call
/// (as a real client and the hub's own pool do), so no call pays for a TLS handshake.
pub struct Runner {
    pub federation: Arc<Federation>,
    pub baselines: Baselines,
    pub inputs: Inputs,
    hub: HubApiClient,
    nodes: Vec<(String, NodeClient<Channel>)>,
}

impl Runner {
    /// Connects to the hub and to every node.
    pub async fn connect(federation: Arc<Federation>, baselines: Baselines, inputs: Inputs) -> anyhow::Result<Self> {
        let hub = federation.client().await?;
        let nodes = federation
            .regions
            .iter()
            .map(|region| Ok((region.clone(), federation.node_client(region)?)))
            .collect::<anyhow::Result<Vec<_>>>()?;
        Ok(Self { federation, baselines, inputs, hub, nodes })
    }

    /// One call of `workload` on `target`, with inputs chosen by `seed`; returns bytes delivered.
    pub async fn call(&self, workload: Workload, target: Target, seed: u64) -> anyhow::Result<u64> {
        let mut rng = ChaCha8Rng::seed_from_u64(seed);
        let phone = self.inputs.phones.choose(&mut rng).cloned().unwrap_or_default();
        match workload {
            Workload::W1IdentifierLookup => {
                let criteria = SearchCriteria {
                    kind: SearchKind::Phone as i32,
                    value: phone.clone(),
                    ..SearchCriteria::default()
                };
                match target {
                    Target::Hub => self.hub_search(criteria).await,
                    Target::Direct | Target::OneNode => {
                        let values = vec![SearchedValue { value: phone.clone(), reason: String::new() }];
                        self.node_search(target, SearchKind::Phone, values, None).await
                    }
                    Target::Centralised | Target::CentralisedWithRules => {
                        self.central(target, &format!("SELECT * FROM phones WHERE msisdn = '{phone}'")).await
                    }
                }
            }
            Workload::W2PersonSearch => {
                let (forenames, surname) = self.inputs.names.choose(&mut rng).cloned().unwrap_or_default();
                let person = PersonCriteria { surname: surname.clone(), forenames, ..PersonCriteria::default() };
                match target {
                    Target::Hub => {
                        self.hub_search(SearchCriteria {
                            kind: SearchKind::Person as i32,
                            person: Some(person),
                            ..SearchCriteria::default()
                        })
                        .await
                    }
                    Target::Direct | Target::OneNode => {
                        self.node_search(target, SearchKind::Person, Vec::new(), Some(person)).await
                    }
                    Target::Centralised | Target::CentralisedWithRules => {
                        let surname = surname.replace('\'', "''");
                        self.central(target, &format!("SELECT * FROM persons WHERE surname = '{surname}'")).await
                    }
                }
            }
            Workload::W3HitNoHit => {
                let phones: Vec<String> = (0..100)
                    .map(|_| {
                        let existing = self.inputs.phones.choose(&mut rng).cloned().unwrap_or_default();
                        if rng.random_bool(0.5) {
                            existing
                        } else {
                            format!("+44770090{:04}", rng.random_range(0..10_000))
                        }
                    })
                    .collect();
                let identifiers: Vec<Identifier> = phones
                    .iter()
                    .map(|value| Identifier { kind: IdentifierKind::Phone as i32, value: value.clone() })
                    .collect();
                match target {
                    Target::Hub => {
                        let mut client = self.hub.clone();
                        let request =
                            CheckRequest { identifiers, purpose: Some(test_purpose()), require_complete: false };
                        let answer = client.check(request).await?.into_inner();
                        Ok(prost::Message::encoded_len(&answer) as u64)
                    }
                    Target::Direct | Target::OneNode => {
                        let calls = self.nodes_for(target).iter().map(|(region, node)| {
                            let identifiers = identifiers.clone();
                            async move {
                                let unsigned = NodeCheckRequest {
                                    query_id: query_id(),
                                    identifiers,
                                    purpose: Some(test_purpose()),
                                    delegation_token: String::new(),
                                };
                                let id = unsigned.query_id.clone();
                                let request =
                                    self.federation.delegate(unsigned, region, &id, &[("phones", "RECORDS")])?;
                                let answer = node.clone().check(request).await?.into_inner();
                                anyhow::Ok(prost::Message::encoded_len(&answer) as u64)
                            }
                        });
                        Ok(try_join_all(calls).await?.into_iter().sum())
                    }
                    Target::Centralised | Target::CentralisedWithRules => {
                        let list = phones.iter().map(|phone| format!("'{phone}'")).collect::<Vec<_>>().join(", ");
                        self.central(
                            target,
                            &format!("SELECT msisdn, count(*) FROM phones WHERE msisdn IN ({list}) GROUP BY msisdn"),
                        )
                        .await
                    }
                }
            }
            Workload::W4Aggregate => self.sql(target, AGGREGATE_SQL).await,
            Workload::W5BulkStream => self.sql(target, &format!("SELECT * FROM {}", self.inputs.largest_table)).await,
            Workload::W6TopK => self.sql(target, TOP_K_SQL).await,
        }
    }

    async fn sql(&self, target: Target, sql: &str) -> anyhow::Result<u64> {
        match target {
            Target::Hub => {
                let mut client = self.hub.clone();
                let request = SqlRequest {
                    sql: sql.to_owned(),
                    purpose: Some(test_purpose()),
                    require_complete: true,
                    // Every row, up to the hub's highest cap: a truncated stream is not the workload.
                    max_rows: u64::MAX,
                };
                let mut stream = client.sql(request).await?.into_inner();
                let mut bytes = 0;
                while let Some(message) = stream.next().await {
                    let message = message?;
                    bytes += prost::Message::encoded_len(&message) as u64;
                    if let Some(sql_response::Body::Summary(summary)) = &message.body {
                        anyhow::ensure!(!summary.truncated, "the hub truncated the answer at {} rows", summary.rows);
                    }
                }
                Ok(bytes)
            }
            Target::Direct | Target::OneNode => {
                let grants: Vec<(&str, &str)> =
                    toex_common::cdm::tables().iter().map(|table| (table.name, "RECORDS")).collect();
                let calls = self.nodes_for(target).iter().map(|(region, node)| {
                    let grants = grants.clone();
                    async move {
                        let unsigned = ExecuteRequest {
                            query_id: query_id(),
                            sql: sql.to_owned(),
                            purpose: Some(test_purpose()),
                            max_rows: 0,
                            delegation_token: String::new(),
                        };
                        let id = unsigned.query_id.clone();
                        let request = self.federation.delegate(unsigned, region, &id, &grants)?;
                        let mut stream = node.clone().execute(request).await?.into_inner();
                        let mut bytes = 0;
                        while let Some(message) = stream.next().await {
                            let message = message?;
                            bytes += prost::Message::encoded_len(&message) as u64;
                            if let Some(execute_response::Body::Summary(summary)) = &message.body {
                                anyhow::ensure!(
                                    !summary.truncated,
                                    "{region} truncated the answer at {} rows",
                                    summary.rows
                                );
                            }
                        }
                        anyhow::Ok(bytes)
                    }
                });
                Ok(try_join_all(calls).await?.into_iter().sum())
            }
            Target::Centralised | Target::CentralisedWithRules => self.central(target, sql).await,
        }
    }

    async fn hub_search(&self, criteria: SearchCriteria) -> anyhow::Result<u64> {
        let mut client = self.hub.clone();
        let request = SearchRequest { criteria: Some(criteria), purpose: Some(test_purpose()), require_complete: true };
        let answer = client.search(request).await?.into_inner();
        Ok(prost::Message::encoded_len(&answer) as u64)
    }

    /// The nodes a direct target calls: all of them, or the first alone.
    fn nodes_for(&self, target: Target) -> &[(String, NodeClient<Channel>)] {
        match target {
            Target::OneNode => &self.nodes[..self.nodes.len().min(1)],
            _ => &self.nodes,
        }
    }

    async fn node_search(
        &self,
        target: Target,
        kind: SearchKind,
        values: Vec<SearchedValue>,
        person: Option<PersonCriteria>,
    ) -> anyhow::Result<u64> {
        let grants: Vec<(&str, &str)> = SEARCH_TABLES.iter().map(|table| (*table, "RECORDS")).collect();
        let calls = self.nodes_for(target).iter().map(|(region, node)| {
            let (values, person, grants) = (values.clone(), person.clone(), grants.clone());
            async move {
                let unsigned = NodeSearchRequest {
                    query_id: query_id(),
                    kind: kind as i32,
                    values,
                    person,
                    purpose: Some(test_purpose()),
                    ..NodeSearchRequest::default()
                };
                let id = unsigned.query_id.clone();
                let request = self.federation.delegate(unsigned, region, &id, &grants)?;
                let answer = node.clone().search(request).await?.into_inner();
                anyhow::Ok(prost::Message::encoded_len(&answer) as u64)
            }
        });
        Ok(try_join_all(calls).await?.into_iter().sum())
    }

    async fn central(&self, target: Target, sql: &str) -> anyhow::Result<u64> {
        let baseline = match target {
            Target::CentralisedWithRules => &self.baselines.with_rules,
            _ => &self.baselines.bare,
        };
        let batches = baseline.sql(sql).await?.collect().await?;
        Ok(batches.iter().map(|batch| batch.get_array_memory_size() as u64).sum())
    }
}

fn query_id() -> String {
    uuid::Uuid::new_v4().to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn workloads_and_targets_are_named_as_the_bench_flags_take_them() {
        assert_eq!(Workload::from_code("w4"), Some(Workload::W4Aggregate));
        assert_eq!(Workload::from_code(" W1 "), Some(Workload::W1IdentifierLookup));
        assert_eq!(Workload::from_code("w0"), None);
        assert_eq!(Workload::from_code("w7"), None);
        assert_eq!(Workload::from_code("aggregate"), None);
        assert_eq!(Target::from_code("one-node"), Some(Target::OneNode));
        assert_eq!(Target::from_code("Central"), Some(Target::Centralised));
        assert_eq!(Target::from_code("central-rules"), Some(Target::CentralisedWithRules));
        assert_eq!(Target::from_code("one node"), None);
        assert_eq!(Target::from_code("nodes"), None);
    }
}
