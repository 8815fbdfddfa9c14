//! Entity search across a whole federation (issue 7): every planted cross-region overlap is found
//! and the same person in two regions is grouped, not merged (recall and false-grouping rate
//! against the generator's ground truth); hit-only and hidden regions contribute exactly what
//! policy says, checked against a centralised baseline; a bad search is refused before any
//! region is asked; misread number plates are flagged, never substituted; searches are audited
//! with the record ids released and the safeguarding flags raised.

use std::collections::{BTreeMap, BTreeSet};

use arrow::array::{Array, AsArray};
use toex_audit::{RecordKind, read_records};
use toex_datagen::{GroundTruth, OverlapKind, load_ground_truth};
use toex_proto::v1::{
    EntityMatch, PersonCriteria, RegionStatus, SearchCriteria, SearchKind, SearchRequest, SearchResponse,
    entity_match::Entity,
};
use toex_tests::Federation;
use toex_tests::baseline::{centralised_context, run};
use toex_tests::federation::{generate_regions, test_purpose};
use toex_tests::security::{HUB_AUDIT, TokenSpec};
use tonic::Code;

const REGIONS: [&str; 3] = ["NWROCU", "LONDON", "SEROCU"];

async fn federation(regions: &[&str], scale: u64) -> anyhow::Result<(tempfile::TempDir, Federation, GroundTruth)> {
    let data = tempfile::tempdir()?;
    generate_regions(data.path(), regions, scale, 42)?;
    let truth = load_ground_truth(&data.path().join(regions[0]).join("ground_truth.json"))?;
    let federation = Federation::start(data.path(), regions).await?;
    Ok((data, federation, truth))
}

async fn search_as(
    federation: &Federation,
    token: &str,
    criteria: SearchCriteria,
) -> Result<SearchResponse, tonic::Status> {
    let mut client = federation.client_as(token).await.expect("client");
    let request = SearchRequest { criteria: Some(criteria), purpose: Some(test_purpose()), require_complete: false };
    client.search(request).await.map(tonic::Response::into_inner)
}

fn value(kind: SearchKind, value: &str) -> SearchCriteria {
    SearchCriteria { kind: kind as i32, value: value.to_owned(), ..SearchCriteria::default() }
}

fn person(forenames: &str, surname: &str, dob: &str) -> SearchCriteria {
    SearchCriteria {
        kind: SearchKind::Person as i32,
        person: Some(PersonCriteria {
            surname: surname.to_owned(),
            forenames: forenames.to_owned(),
            dob: dob.to_owned(),
            gender: String::new(),
        }),
        ..SearchCriteria::default()
    }
}

fn provenance(found: &EntityMatch) -> (String, String, String) {
    let source = match &found.entity {
        Some(Entity::Person(entity)) => entity.provenance.clone(),
        Some(Entity::Phone(entity)) => entity.provenance.clone(),
        Some(Entity::Vehicle(entity)) => entity.provenance.clone(),
        Some(Entity::Address(entity)) => entity.provenance.clone(),
        Some(Entity::Ocg(entity)) => entity.provenance.clone(),
        None => None,
    }
    .unwrap_or_default();
    (source.region, source.record_id, source.classification)
}

/// `(region, record_id)` of every match.
fn released(answer: &SearchResponse) -> BTreeSet<(String, String)> {
    answer.matches.iter().map(provenance).map(|(region, id, _)| (region, id)).collect()
}

fn withheld(answer: &SearchResponse) -> BTreeMap<String, u64> {
    answer.withheld.iter().map(|hit| (hit.region.clone(), hit.count)).collect()
}

/// The national format of an E.164 UK number, `07700 900123`, as an analyst would type it.
fn national_format(msisdn: &str) -> String {
    let digits = msisdn.trim_start_matches("+44");
    format!("0{} {}", &digits[..4], &digits[4..])
}

/// What a planted overlap's search found: for each planted record, released, withheld (a hit
/// in its region) or missing.
fn found_all(answer: &SearchResponse, records: &[toex_datagen::PlantedRecord]) -> bool {
    let released = released(answer);
    let withheld = withheld(answer);
    records.iter().all(|record| {
        released.contains(&(record.region.clone(), record.record_id.clone()))
            || withheld.get(&record.region).is_some_and(|count| *count > 0)
    })
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn recall_and_false_grouping_rate_against_the_ground_truth() -> anyhow::Result<()> {
    let regions = toex_datagen::all_region_codes();
    let (_data, federation, truth) = federation(&regions, 150).await?;
    let token = federation.national_token.clone();
    let mut misses = Vec::new();
    let (mut pairs, mut pairs_found, mut pairs_released, mut pairs_grouped) = (0, 0, 0, 0);
    let (mut groups, mut false_groups) = (0, 0);
    let planted_people: BTreeMap<(String, String), usize> = truth
        .of_kind(OverlapKind::VariantPerson)
        .enumerate()
        .flat_map(|(number, overlap)| {
            overlap.records.iter().map(move |record| ((record.region.clone(), record.record_id.clone()), number))
        })
        .collect();
    for overlap in truth.of_kind(OverlapKind::VariantPerson) {
        let first = &overlap.records[0].values;
        let answer =
            search_as(&federation, &token, person(&first["forenames"], &first["surname"], &first["dob"])).await?;
        pairs += 1;
        links_agree(&answer);
        if !found_all(&answer, &overlap.records) {
            misses.push(format!("person {}", overlap.identifier));
            continue;
        }
        pairs_found += 1;
        let wanted: BTreeSet<(String, String)> =
            overlap.records.iter().map(|record| (record.region.clone(), record.record_id.clone())).collect();
        if wanted.is_subset(&released(&answer)) {
            pairs_released += 1;
            let grouped = answer.groups.iter().any(|group| {
                let members: BTreeSet<(String, String)> =
                    group.members.iter().map(|member| (member.region.clone(), member.record_id.clone())).collect();
                wanted.is_subset(&members)
            });
            if grouped {
                pairs_grouped += 1;
            } else {
                misses.push(format!("group {} ({})", overlap.identifier, overlap.detail.clone().unwrap_or_default()));
            }
        }
        for group in &answer.groups {
            groups += 1;
            let overlaps: BTreeSet<Option<&usize>> = group
                .members
                .iter()
                .map(|member| planted_people.get(&(member.region.clone(), member.record_id.clone())))
                .collect();
            if overlaps.len() != 1 || overlaps.contains(&None) {
                false_groups += 1;
            }
        }
    }
    let mut identifiers = 0;
    for kind in [OverlapKind::SharedDealLine, OverlapKind::SharedVehicle, OverlapKind::SpanningOcg] {
        for overlap in truth.of_kind(kind) {
            let criteria = match kind {
                OverlapKind::SharedDealLine => value(SearchKind::Phone, &national_format(&overlap.identifier)),
                OverlapKind::SharedVehicle => value(SearchKind::Vehicle, &overlap.identifier.to_lowercase()),
                _ => value(SearchKind::Ocg, &overlap.identifier),
            };
            identifiers += 1;
            let answer = search_as(&federation, &token, criteria).await?;
            if !found_all(&answer, &overlap.records) {
                misses.push(format!("{kind:?} {}", overlap.identifier));
            }
        }
    }
    let false_rate = false_groups as f64 / groups.max(1) as f64;
    println!(
        "recall: {pairs_found}/{pairs} planted people found; {pairs_grouped}/{pairs_released} released pairs grouped; \
         {identifiers} planted phones, vehicles and OCGs searched; false groupings {false_groups}/{groups} ({:.1}%)",
        false_rate * 100.0
    );
    assert!(misses.is_empty(), "missed: {misses:?}");
    assert_eq!(pairs, 30);
    assert!(pairs_released > 0, "some planted pairs are released in full to a national analyst");
    assert!(false_rate <= 0.05, "false grouping rate {false_rate} above 5%");
    federation.shutdown().await;
    Ok(())
}

/// Every link of a match is what the records say: a person's phones name them as user, their
/// vehicles as keeper, their address is their home address, all from the person's own region.
fn links_agree(answer: &SearchResponse) {
    for found in &answer.matches {
        let (Some(Entity::Person(person)), Some(linked)) = (&found.entity, &found.linked) else { continue };
        let source = person.provenance.clone().unwrap_or_default();
        let region_of = |provenance: &Option<toex_proto::v1::Provenance>| provenance.clone().unwrap_or_default().region;
        for phone in &linked.phones {
            assert_eq!(phone.user_person_id, source.record_id);
            assert_eq!(region_of(&phone.provenance), source.region);
        }
        for vehicle in &linked.vehicles {
            assert_eq!(vehicle.keeper_person_id, source.record_id);
            assert_eq!(region_of(&vehicle.provenance), source.region);
        }
        for address in &linked.addresses {
            assert_eq!(address.provenance.clone().unwrap_or_default().record_id, person.home_address_id);
        }
    }
}

/// Who a caller is, as the reference model of what search releases reads it.
struct Viewer {
    token_spec: TokenSpec,
    /// Regions whose records are released (others give hits only).
    records_in: Option<&'static str>,
    clearance_rank: usize,
}

const CLASSIFICATIONS: [&str; 3] = ["OFFICIAL", "OFFICIAL-SENSITIVE", "SECRET"];

/// For each region, the records of `rows` (region, id, classification, handling code, conditions)
/// that `viewer` gets released, and how many count as withheld hits.
fn expected(
    viewer: &Viewer,
    rows: &[(String, String, String, String, Option<String>)],
) -> (BTreeSet<(String, String)>, BTreeMap<String, u64>) {
    let home = viewer.token_spec.home_region.clone().unwrap_or_default();
    let mut released = BTreeSet::new();
    let mut withheld = BTreeMap::new();
    for (region, id, classification, code, conditions) in rows {
        let rank = CLASSIFICATIONS.iter().position(|level| level == classification).unwrap_or(usize::MAX);
        let conditions_present = conditions.as_deref().is_some_and(|text| !text.trim().is_empty());
        if rank > viewer.clearance_rank || (code == "C" && !conditions_present) {
            continue;
        }
        let records_here = viewer.records_in.is_none_or(|records| records == region);
        if records_here && (code == "P" || *region == home) {
            released.insert((region.clone(), id.clone()));
        } else {
            *withheld.entry(region.clone()).or_default() += 1;
        }
    }
    (released, withheld)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn hit_only_and_hidden_regions_contribute_exactly_what_policy_says() -> anyhow::Result<()> {
    let (_data, federation, truth) = federation(&REGIONS, 300).await?;
    let baseline = centralised_context(&federation.data_root, &federation.regions).await?;
    let viewers = [
        Viewer {
            token_spec: TokenSpec::person("national_analyst", None, "SECRET"),
            records_in: None,
            clearance_rank: 2,
        },
        Viewer {
            token_spec: TokenSpec::person("national_analyst", None, "OFFICIAL"),
            records_in: None,
            clearance_rank: 0,
        },
        Viewer {
            token_spec: TokenSpec::person("regional_analyst", Some("LONDON"), "OFFICIAL-SENSITIVE"),
            records_in: Some("LONDON"),
            clearance_rank: 1,
        },
    ];
    let phones: Vec<&str> = truth
        .of_kind(OverlapKind::SharedDealLine)
        .filter(|overlap| {
            overlap.records.iter().filter(|record| REGIONS.contains(&record.region.as_str())).count() >= 2
        })
        .map(|overlap| overlap.identifier.as_str())
        .take(6)
        .collect();
    assert!(phones.len() >= 3, "the ground truth shares deal lines between these regions");
    let mut checked = 0;
    for viewer in &viewers {
        let token = federation.token(&viewer.token_spec)?;
        for msisdn in &phones {
            let sql = format!(
                "SELECT region, record_id, classification, handling_code, handling_conditions FROM phones \
                 WHERE msisdn = '{msisdn}'"
            );
            let mut rows = Vec::new();
            for batch in run(&baseline, &sql).await? {
                let text = |column: usize, row: usize| batch.column(column).as_string::<i32>().value(row).to_owned();
                let conditions = batch.column(4).as_string::<i32>();
                for row in 0..batch.num_rows() {
                    let condition = conditions.is_valid(row).then(|| conditions.value(row).to_owned());
                    rows.push((text(0, row), text(1, row), text(2, row), text(3, row), condition));
                }
            }
            let (want_released, want_withheld) = expected(viewer, &rows);
            let answer = search_as(&federation, &token, value(SearchKind::Phone, msisdn)).await?;
            assert_eq!(released(&answer), want_released, "{} {msisdn}", viewer.token_spec.subject);
            assert_eq!(withheld(&answer), want_withheld, "{} {msisdn}", viewer.token_spec.subject);
            for found in &answer.matches {
                let (_, _, classification) = provenance(found);
                let rank = CLASSIFICATIONS.iter().position(|level| *level == classification).unwrap_or(usize::MAX);
                assert!(rank <= viewer.clearance_rank, "nothing above clearance is released");
            }
            for hit in &answer.withheld {
                assert_eq!(hit.contact_point, format!("{} intelligence desk", hit.region));
            }
            if let Some(home) = viewer.records_in {
                for outcome in answer.regions.iter().filter(|outcome| outcome.region != home) {
                    assert_eq!(outcome.status, RegionStatus::HitOnly as i32, "{}", outcome.region);
                }
            }
            assert!(answer.complete);
            checked += 1;
        }
    }
    println!("checked {checked} phone searches for 3 callers against the baseline");
    federation.shutdown().await;
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn bad_searches_are_refused_before_any_region_is_asked() -> anyhow::Result<()> {
    let (_data, federation, _truth) = federation(&REGIONS, 100).await?;
    let token = federation.national_token.clone();
    let before = federation.node_data_requests();
    let limit = |limit: u32| SearchCriteria { limit, ..value(SearchKind::Phone, "07700900021") };
    let threshold = |threshold: f64| SearchCriteria { threshold, ..person("John", "Smith", "") };
    let refused: Vec<(SearchCriteria, &str)> = vec![
        (value(SearchKind::Phone, "12345"), "criteria.value"),
        (value(SearchKind::Phone, "+33 1 23 45 67 89"), "criteria.value"),
        (value(SearchKind::Vehicle, "AB12 CDE!"), "criteria.value"),
        (value(SearchKind::Address, "NOT A POSTCODE"), "criteria.value"),
        (value(SearchKind::Ocg, "   "), "criteria.value"),
        (value(SearchKind::Unspecified, "x"), "criteria.kind"),
        (person("John", "", ""), "criteria.person.surname"),
        (person("John", "Smith", "sometime in 1990"), "criteria.person.dob"),
        (person("John", "Smith", "1991-01-01..1990-01-01"), "criteria.person.dob"),
        (limit(201), "criteria.limit"),
        (threshold(1.5), "criteria.threshold"),
        (value(SearchKind::Ocg, &"x".repeat(300)), "criteria.value"),
    ];
    for (criteria, field) in refused {
        let status = search_as(&federation, &token, criteria.clone()).await.expect_err("refused");
        assert_eq!(status.code(), Code::InvalidArgument, "{criteria:?}: {}", status.message());
        assert!(status.message().contains(field), "{} names {field}", status.message());
    }
    let auditor = federation.token(&TokenSpec::person("auditor", None, "SECRET"))?;
    let status = search_as(&federation, &auditor, value(SearchKind::Phone, "07700900021")).await.expect_err("denied");
    assert_eq!(status.code(), Code::PermissionDenied);
    let mut client = federation.client().await?;
    let no_purpose =
        SearchRequest { criteria: Some(value(SearchKind::Phone, "07700900021")), ..SearchRequest::default() };
    assert_eq!(client.search(no_purpose).await.expect_err("no purpose").code(), Code::InvalidArgument);
    assert_eq!(federation.node_data_requests(), before, "nothing was fanned out");
    federation.shutdown().await;
    Ok(())
}

/// A valid mark that `vrm` is a common misreading of (and so `vrm` is one of its readings).
fn misread(vrm: &str) -> Option<String> {
    let readings = toex_matching::search_marks(vrm).ok()?.alternatives;
    readings.into_iter().map(|reading| reading.mark.to_string()).find(|wrong| {
        toex_matching::search_marks(wrong)
            .is_ok_and(|search| search.alternatives.iter().any(|back| back.mark.as_str() == vrm))
    })
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn misread_plates_are_flagged_alternatives_never_substitutes() -> anyhow::Result<()> {
    let (_data, federation, _truth) = federation(&REGIONS, 300).await?;
    let token = federation.national_token.clone();
    let baseline = centralised_context(&federation.data_root, &federation.regions).await?;
    let mut marks = Vec::new();
    for batch in run(&baseline, "SELECT DISTINCT vrm FROM vehicles ORDER BY vrm").await? {
        let column = batch.column(0).as_string::<i32>();
        marks.extend((0..batch.num_rows()).map(|row| column.value(row).to_owned()));
    }
    let (true_mark, misread_mark) = marks
        .iter()
        .find_map(|mark| misread(mark).map(|wrong| (mark.clone(), wrong)))
        .expect("a recorded plate with a commonly misread character");
    let answer = search_as(&federation, &token, value(SearchKind::Vehicle, &misread_mark)).await?;
    assert_eq!(answer.searched[0].value, misread_mark, "the mark given is searched as given");
    assert!(answer.searched[0].reason.is_empty());
    let alternative = answer.searched.iter().find(|searched| searched.value == true_mark).expect("flagged");
    assert!(alternative.reason.starts_with("possible misreading of"), "{}", alternative.reason);
    let from_alternative: Vec<&EntityMatch> =
        answer.matches.iter().filter(|found| found.matched_value == true_mark).collect();
    assert!(!from_alternative.is_empty() || !answer.withheld.is_empty(), "the true plate is found");
    for found in from_alternative {
        assert!(found.score < 1.0, "an alternative reading never scores as the mark given");
        assert!(found.evidence.iter().any(|why| why.contains("possible misreading")), "{:?}", found.evidence);
        let Some(Entity::Vehicle(vehicle)) = &found.entity else { panic!("a vehicle") };
        assert_eq!(vehicle.vrm, true_mark, "the record is shown as recorded");
    }
    federation.shutdown().await;
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn searches_are_audited_with_record_ids_and_safeguarding_flags() -> anyhow::Result<()> {
    let (_data, federation, truth) = federation(&REGIONS, 200).await?;
    let token = federation.national_token.clone();
    let mut flagged = None;
    for overlap in truth.of_kind(OverlapKind::VariantPerson) {
        let Some(victim) = overlap
            .records
            .iter()
            .find(|record| REGIONS.contains(&record.region.as_str()) && record.values["person_category"] == "VICTIM")
        else {
            continue;
        };
        let values = &victim.values;
        let answer =
            search_as(&federation, &token, person(&values["forenames"], &values["surname"], &values["dob"])).await?;
        if released(&answer).contains(&(victim.region.clone(), victim.record_id.clone())) {
            flagged = Some((answer, victim.clone()));
            break;
        }
    }
    let (answer, victim) = flagged.expect("a planted victim released to a national analyst");
    assert!(
        answer
            .safeguarding
            .iter()
            .any(|flag| flag.flag == "VICTIM_OF_EXPLOITATION" && flag.record_id == victim.record_id),
        "{:?}",
        answer.safeguarding
    );
    let hub_trail = read_records(&federation.security.audit_dir(HUB_AUDIT))?;
    let ours: Vec<_> = hub_trail.iter().filter(|record| record.query_id == answer.query_id).collect();
    let consultation = ours.iter().find(|record| record.kind == RecordKind::Consultation).expect("consultation");
    assert_eq!(consultation.query.as_ref().map(|query| query.operation.as_str()), Some("search"));
    assert!(consultation.identifiers[0].contains(&victim.values["surname"]));
    let disclosure = ours.iter().find(|record| record.kind == RecordKind::Disclosure).expect("disclosure");
    assert!(disclosure.safeguarding_flags.contains(&"VICTIM_OF_EXPLOITATION".to_owned()));
    let disclosed: BTreeSet<&str> =
        disclosure.region_outcomes.iter().flat_map(|outcome| outcome.record_ids.iter().map(String::as_str)).collect();
    assert!(disclosed.contains(victim.record_id.as_str()), "the released record id is in the disclosure");
    let node_trail = read_records(&federation.security.audit_dir(&victim.region))?;
    let node_disclosure = node_trail
        .iter()
        .find(|record| record.query_id == answer.query_id && record.kind == RecordKind::Disclosure)
        .expect("the node records what it released");
    assert!(node_disclosure.region_outcomes[0].record_ids.contains(&victim.record_id));
    let content = serde_json::to_string(&hub_trail)?;
    let linked_phone = answer.matches.iter().find_map(|found| found.linked.as_ref()?.phones.first().cloned());
    if let Some(phone) = linked_phone {
        assert!(!content.contains(&phone.msisdn), "linked record content is never in the trail");
    }
    federation.shutdown().await;
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn the_entity_index_is_rebuilt_when_a_node_reloads() -> anyhow::Result<()> {
    let (data, federation, truth) = federation(&REGIONS, 100).await?;
    let token = federation.national_token.clone();
    let fresh = toex_datagen::ground_truth(7, &toex_datagen::all_region_codes());
    let (region, msisdn) = fresh
        .of_kind(OverlapKind::SharedDealLine)
        .filter(|overlap| truth.of_kind(OverlapKind::SharedDealLine).all(|old| old.identifier != overlap.identifier))
        .find_map(|overlap| {
            let record = overlap.records.iter().find(|record| REGIONS.contains(&record.region.as_str()))?;
            Some((record.region.clone(), overlap.identifier.clone()))
        })
        .expect("seed 7 plants a deal line these regions did not have");
    let before = search_as(&federation, &token, value(SearchKind::Phone, &msisdn)).await?;
    assert!(before.matches.is_empty() && before.withheld.is_empty());
    let options = toex_datagen::GenOptions { region: region.clone(), scale: 100, seed: 7 };
    toex_datagen::generate(&options, &data.path().join(&region))?;
    federation.reload_node(&region).await?;
    let after = search_as(&federation, &token, value(SearchKind::Phone, &msisdn)).await?;
    let found = after.matches.iter().filter(|found| provenance(found).0 == region).count() as u64
        + withheld(&after).get(&region).copied().unwrap_or(0);
    assert_eq!(found, 1, "the reloaded region's new deal line is found through the rebuilt index");
    federation.shutdown().await;
    Ok(())
}
