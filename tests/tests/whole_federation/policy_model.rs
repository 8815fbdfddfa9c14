//! The policy through the whole federation against a small reference model (issue 3): for many
//! principals (role, home region, clearance) and every generated phone record (region,
//! classification, handling code), a record is released into aggregates, counted as a hit, or
//! invisible exactly as the model says, through SQL aggregates and hit/no-hit checks.

use std::collections::BTreeMap;

use arrow::array::{Array, AsArray};
use arrow::datatypes::Int64Type;
use toex_proto::v1::{CheckRequest, Identifier, IdentifierKind, RegionStatus};
use toex_tests::Federation;
use toex_tests::baseline::{centralised_context, run};
use toex_tests::federation::{generate_regions, test_purpose};
use toex_tests::security::TokenSpec;

const REGIONS: [&str; 3] = ["NERSOU", "EMSOU", "SWROCU"];
const ROLES: [&str; 5] = ["national_analyst", "regional_analyst", "intel_officer", "data_analyst", "auditor"];
const HOMES: [Option<&str>; 3] = [None, Some("NERSOU"), Some("EMSOU")];
const CLEARANCES: [Option<&str>; 4] = [None, Some("OFFICIAL"), Some("OFFICIAL-SENSITIVE"), Some("SECRET")];

/// One phone record's markings.
struct Row {
    region: String,
    msisdn: String,
    level: u8,
    conditions: bool,
    handling_c: bool,
}

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Access {
    Denied,
    Hits,
    Aggregates,
    Records,
}

/// The model's access for a role in a region, for an aggregate query or a check.
fn access(role: &str, home: Option<&str>, region: &str, check: bool) -> Access {
    let at_home = home == Some(region);
    match (role, at_home, check) {
        ("national_analyst", _, _) => Access::Records,
        ("regional_analyst" | "intel_officer", true, _) => Access::Records,
        ("regional_analyst" | "intel_officer", false, _) => Access::Hits,
        ("data_analyst", true, _) => Access::Records,
        ("data_analyst", false, false) => Access::Aggregates,
        _ => Access::Denied,
    }
}

fn level(clearance: Option<&str>) -> u8 {
    match clearance {
        Some("OFFICIAL") => 1,
        Some("OFFICIAL-SENSITIVE") => 2,
        Some("SECRET") => 3,
        _ => 0,
    }
}

/// Released into an aggregate under the model.
fn released(row: &Row, access: Access, clearance: u8, home: Option<&str>) -> bool {
    let within = clearance > 0 && row.level <= clearance;
    let handling = !row.handling_c || (row.conditions && home == Some(row.region.as_str()));
    matches!(access, Access::Records | Access::Aggregates) && within && handling
}

/// Counted as a hit under the model.
fn hit(row: &Row, access: Access, clearance: u8) -> bool {
    let within = clearance > 0 && row.level <= clearance;
    let handling = !row.handling_c || row.conditions;
    matches!(access, Access::Records | Access::Hits) && within && handling
}

async fn rows(federation: &Federation) -> anyhow::Result<Vec<Row>> {
    let baseline = centralised_context(&federation.data_root, &federation.regions).await?;
    let batches =
        run(&baseline, "SELECT region, msisdn, classification, handling_code, handling_conditions FROM phones").await?;
    let mut rows = Vec::new();
    for batch in &batches {
        let column = |index: usize| batch.column(index).as_string::<i32>().clone();
        let (region, msisdn, classification, code, conditions) =
            (column(0), column(1), column(2), column(3), column(4));
        for index in 0..batch.num_rows() {
            rows.push(Row {
                region: region.value(index).to_owned(),
                msisdn: msisdn.value(index).to_owned(),
                level: level(Some(classification.value(index))),
                conditions: conditions.is_valid(index) && !conditions.value(index).trim().is_empty(),
                handling_c: code.value(index) == "C",
            });
        }
    }
    Ok(rows)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sql_aggregates_and_checks_release_exactly_what_the_model_says() -> anyhow::Result<()> {
    let data = tempfile::tempdir()?;
    generate_regions(data.path(), &REGIONS, 300, 5)?;
    let federation = Federation::start(data.path(), &REGIONS).await?;
    let rows = rows(&federation).await?;
    let probes: Vec<String> = {
        let mut seen: Vec<String> = rows.iter().map(|row| row.msisdn.clone()).collect();
        seen.sort();
        seen.dedup();
        seen.into_iter().step_by(7).take(40).collect()
    };
    let mut principals = 0;
    for (index, role) in ROLES.iter().enumerate() {
        for (home_index, home) in HOMES.iter().enumerate() {
            // A deterministic spread of clearances over the role x home grid.
            for clearance in [CLEARANCES[(index + home_index) % 4], CLEARANCES[(index + home_index + 2) % 4]] {
                principals += 1;
                let spec = TokenSpec {
                    subject: format!("model-{role}-{home_index}"),
                    roles: vec![(*role).to_owned()],
                    home_region: home.map(str::to_owned),
                    clearance: clearance.map(str::to_owned),
                    lifetime: std::time::Duration::from_secs(600),
                };
                let token = federation.token(&spec)?;
                let label = format!("{role} home {home:?} clearance {clearance:?}");
                let cleared = level(clearance);

                // Aggregates: per-region counts equal the rows the model releases.
                let mut expected: BTreeMap<String, i64> = BTreeMap::new();
                for row in &rows {
                    if released(row, access(role, *home, &row.region, false), cleared, *home) {
                        *expected.entry(row.region.clone()).or_default() += 1;
                    }
                }
                let aggregate = federation.sql_as(&token, "SELECT region, count(*) FROM phones GROUP BY region").await;
                let any_release = REGIONS.iter().any(|region| {
                    matches!(access(role, *home, region, false), Access::Records | Access::Aggregates) && cleared > 0
                });
                match aggregate {
                    Ok(answer) => {
                        assert!(any_release, "{label}: an answer where the model releases nothing");
                        let mut found = BTreeMap::new();
                        for batch in &answer.batches {
                            let region = batch.column(0).as_string::<i32>();
                            let count = batch.column(1).as_primitive::<Int64Type>();
                            for row in 0..batch.num_rows() {
                                found.insert(region.value(row).to_owned(), count.value(row));
                            }
                        }
                        assert_eq!(found, expected, "{label}: aggregate counts");
                    }
                    Err(status) => {
                        assert!(
                            !any_release || expected.is_empty(),
                            "{label}: refused ({status}) but the model releases rows"
                        );
                        assert_eq!(status.code(), tonic::Code::PermissionDenied, "{label}");
                    }
                }

                // Checks: per identifier and region, the hit count the model gives.
                let mut client = federation.client_as(&token).await?;
                let request = CheckRequest {
                    identifiers: probes
                        .iter()
                        .map(|msisdn| Identifier { kind: IdentifierKind::Phone as i32, value: msisdn.clone() })
                        .collect(),
                    purpose: Some(test_purpose()),
                    require_complete: false,
                };
                match client.check(request).await {
                    Ok(answer) => {
                        let answer = answer.into_inner();
                        for (probe, result) in probes.iter().zip(&answer.results) {
                            for region in REGIONS {
                                let region_access = access(role, *home, region, true);
                                let expected = rows
                                    .iter()
                                    .filter(|row| row.region == region && &row.msisdn == probe)
                                    .filter(|row| hit(row, region_access, cleared))
                                    .count() as u64;
                                let found = result.regions.iter().find(|hit| hit.region == region);
                                match (region_access, found) {
                                    (Access::Denied, None) => {}
                                    (Access::Denied, Some(_)) => panic!("{label}: {region} answered a denied check"),
                                    (_, Some(found)) => {
                                        assert_eq!(found.count, expected, "{label}: {probe} in {region}");
                                        assert_eq!(found.hit, expected > 0);
                                    }
                                    (_, None) => panic!("{label}: {region} missing from {probe}"),
                                }
                            }
                        }
                        for outcome in &answer.regions {
                            let denied = access(role, *home, &outcome.region, true) == Access::Denied;
                            assert_eq!(outcome.status == RegionStatus::Denied as i32, denied, "{label}: {outcome:?}");
                        }
                    }
                    Err(status) => {
                        let any_hits = REGIONS.iter().any(|region| access(role, *home, region, true) != Access::Denied);
                        assert!(!any_hits || cleared == 0, "{label}: check refused ({status})");
                    }
                }
            }
        }
    }
    println!("checked {principals} principals against {} phone records and {} identifiers", rows.len(), probes.len());
    federation.shutdown().await;
    Ok(())
}
