//! The audit trail across a whole federation (issue 4; threat catalogue H): an auditor finds a
//! national search by the phone number searched for, with its purpose and the regions that
//! released records; the hub's trail holds ids and parameters, never record content; the hub and
//! node trails verify and reconcile; when the hub's trail cannot be written, queries fail
//! `UNAVAILABLE` before anything is fanned out and the health service says `NOT_SERVING`.

use std::io;
use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use arrow::array::AsArray;
use toex_audit::{
    AuditRecord, CompletionStatus, FileStorage, LogDeps, RecordKind, SegmentSink, SigningKey, Storage, SystemClock,
    read_records, reconcile, verify,
};
use toex_proto::v1::{AuditFilters, AuditSearchRequest, CheckRequest, Identifier, IdentifierKind, RegionStatus};
use toex_tests::Federation;
use toex_tests::federation::{generate_regions, test_purpose};
use toex_tests::security::{HUB_AUDIT, TokenSpec};
use tonic::Code;

const REGIONS: [&str; 3] = ["NWROCU", "LONDON", "TARIAN"];
/// A phone number any check can ask for.
const SHARED_PHONE: &str = "+447700900021";

async fn federation() -> anyhow::Result<(tempfile::TempDir, Federation)> {
    let data = tempfile::tempdir()?;
    generate_regions(data.path(), &REGIONS, 400, 42)?;
    let federation = Federation::start(data.path(), &REGIONS).await?;
    Ok((data, federation))
}

fn records(entries: &[toex_proto::v1::AuditEntry], trail: &str) -> Vec<AuditRecord> {
    entries
        .iter()
        .filter(|entry| entry.trail == trail)
        .map(|entry| serde_json::from_str(&entry.record_json).expect("audit records are JSON"))
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_auditor_finds_a_national_search_by_the_phone_number_searched_for() -> anyhow::Result<()> {
    let (_data, federation) = federation().await?;
    // A phone number recorded (releasably) in at least two of the regions.
    let baseline = toex_tests::baseline::centralised_context(&federation.data_root, &federation.regions).await?;
    let shared = toex_tests::baseline::run(
        &baseline,
        "SELECT msisdn FROM phones WHERE handling_code = 'P' GROUP BY msisdn \
         HAVING count(DISTINCT region) >= 2 ORDER BY msisdn LIMIT 1",
    )
    .await?;
    let phone = shared[0].column(0).as_string::<i32>().value(0).to_owned();
    let national = phone.replacen("+44", "0", 1);
    let formatted = format!("({}) {}-{}", &national[..5], &national[5..8], &national[8..]);
    let sql = format!("SELECT region, record_id, msisdn FROM phones WHERE msisdn = '{phone}'");
    let answer = federation.sql(&sql).await?;
    let released: Vec<String> =
        answer.summary.regions.iter().filter(|region| region.rows > 0).map(|region| region.region.clone()).collect();
    assert!(released.len() >= 2, "the planted deal line is in several regions: {:?}", answer.summary);
    let mut client = federation.client().await?;
    client
        .check(CheckRequest {
            identifiers: vec![Identifier { kind: IdentifierKind::Phone as i32, value: national.clone() }],
            purpose: Some(test_purpose()),
            require_complete: false,
        })
        .await?;

    // An analyst may not search the audit trail.
    let search = |identifier: &str| AuditSearchRequest {
        purpose: Some(toex_proto::v1::Purpose {
            justification: "Professional standards review of phone searches".into(),
            case_reference: "PSD-2026-0007".into(),
        }),
        filters: Some(AuditFilters { identifier: identifier.to_owned(), ..AuditFilters::default() }),
        include_regions: true,
    };
    let refused = client.audit_search(search(&national)).await.expect_err("analysts cannot search the trail");
    assert_eq!(refused.code(), Code::PermissionDenied);

    let auditor = federation.token(&TokenSpec::person("auditor", None, "SECRET"))?;
    let mut auditor_client = federation.client_as(&auditor).await?;
    let found = auditor_client.audit_search(search(&formatted)).await?.into_inner();
    let hub_records = records(&found.entries, "hub");
    let consultation = hub_records
        .iter()
        .find(|record| record.kind == RecordKind::Consultation && record.query_id == answer.summary.query_id)
        .expect("the SQL consultation is found by the phone number in any format");
    let purpose = consultation.purpose.as_ref().expect("purpose recorded");
    assert_eq!(purpose.case_reference, test_purpose().case_reference);
    assert_eq!(purpose.justification, test_purpose().justification);
    let principal = consultation.principal.as_ref().expect("principal recorded");
    assert!(principal.roles.contains(&"national_analyst".to_owned()));
    let mut asked = consultation.regions_asked.clone();
    asked.sort();
    assert_eq!(asked, ["LONDON", "NWROCU", "TARIAN"]);
    let disclosed: Vec<&AuditRecord> = hub_records
        .iter()
        .filter(|record| record.kind == RecordKind::Disclosure && record.query_id == answer.summary.query_id)
        .collect();
    let mut disclosing: Vec<String> = disclosed
        .iter()
        .flat_map(|record| record.region_outcomes.iter().map(|outcome| outcome.region.clone()))
        .collect();
    disclosing.sort();
    disclosing.dedup();
    let mut expected = released.clone();
    expected.sort();
    assert_eq!(disclosing, expected, "the disclosure names the regions whose records were released");
    assert!(disclosed.iter().all(|record| record.region_outcomes.iter().all(|outcome| !outcome.record_ids.is_empty())));
    let ended = hub_records.iter().rev().find(|record| record.query_id == answer.summary.query_id);
    assert_eq!(ended.map(|record| record.kind), Some(RecordKind::Completion), "the hub recorded how the answer ended");
    assert_eq!(ended.and_then(|record| record.completion), Some(CompletionStatus::Complete));
    assert!(
        hub_records.iter().any(|record| record.query.as_ref().is_some_and(|query| query.operation == "hit_no_hit")),
        "the check is found too"
    );
    // Each region's node recorded the same query, acting for the same analyst.
    for region in &released {
        let node_records = records(&found.entries, region);
        let node_consultation = node_records
            .iter()
            .find(|record| record.query_id == answer.summary.query_id && record.kind == RecordKind::Consultation)
            .unwrap_or_else(|| panic!("{region} recorded the query"));
        assert_eq!(node_consultation.acting_for.as_ref().map(|p| p.subject.clone()), Some(principal.subject.clone()));
        // In order: the consultation, what was sent, and how the answer ended.
        let kinds: Vec<RecordKind> = node_records
            .iter()
            .filter(|record| record.query_id == answer.summary.query_id)
            .map(|record| record.kind)
            .collect();
        assert_eq!(kinds.first(), Some(&RecordKind::Consultation), "{region}: {kinds:?}");
        assert_eq!(kinds.last(), Some(&RecordKind::Completion), "{region}: {kinds:?}");
        assert!(kinds[1..kinds.len() - 1].iter().all(|kind| *kind == RecordKind::Disclosure), "{region}: {kinds:?}");
        assert!(kinds.len() >= 3, "{region} disclosed what it released: {kinds:?}");
        let completion = node_records.iter().rev().find(|record| record.query_id == answer.summary.query_id);
        assert_eq!(completion.and_then(|record| record.completion), Some(CompletionStatus::Complete), "{region}");
    }
    assert!(found.regions.iter().all(|region| region.status == RegionStatus::Ok as i32), "{:?}", found.regions);

    // The auditor's own search is recorded, at the hub and at every node.
    let searches = auditor_client
        .audit_search(AuditSearchRequest {
            filters: Some(AuditFilters { subject: "auditor-national".into(), ..AuditFilters::default() }),
            ..search("")
        })
        .await?
        .into_inner();
    assert!(records(&searches.entries, "hub").iter().any(|record| record.kind == RecordKind::AuditSearch));
    assert!(records(&searches.entries, "LONDON").iter().any(|record| record.kind == RecordKind::AuditSearch));
    federation.shutdown().await;
    Ok(())
}

/// Every byte of every file under `dir`.
fn all_bytes(dir: &Path) -> anyhow::Result<Vec<u8>> {
    let mut bytes = Vec::new();
    for entry in std::fs::read_dir(dir)? {
        let path = entry?.path();
        if path.is_dir() {
            bytes.extend(all_bytes(&path)?);
        } else {
            bytes.extend(std::fs::read(&path)?);
        }
    }
    Ok(bytes)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_hub_keeps_ids_and_parameters_never_record_content_and_trails_reconcile() -> anyhow::Result<()> {
    let (_data, federation) = federation().await?;
    let answer = federation
        .sql("SELECT region, record_id, surname, forenames, dob FROM persons WHERE region = 'LONDON' ORDER BY record_id LIMIT 40")
        .await?;
    let aggregate = federation.sql("SELECT region, count(*) FROM intel_reports GROUP BY region").await?;
    assert!(aggregate.summary.complete);
    let mut names = Vec::new();
    let mut ids = Vec::new();
    for batch in &answer.batches {
        let id = batch.column(1).as_string::<i32>();
        let surname = batch.column(2).as_string::<i32>();
        let forenames = batch.column(3).as_string::<i32>();
        for row in 0..batch.num_rows() {
            ids.push(id.value(row).to_owned());
            names.push(surname.value(row).to_owned());
            names.push(forenames.value(row).to_owned());
        }
    }
    assert_eq!(ids.len(), 40);
    let hub_dir = federation.security.audit_dir(HUB_AUDIT);
    let stored = String::from_utf8_lossy(&all_bytes(&hub_dir)?).into_owned();
    for id in &ids {
        assert!(stored.contains(id.as_str()), "record id {id} is in the disclosure record");
    }
    for name in names.iter().filter(|name| name.len() >= 4) {
        assert!(!stored.contains(name.as_str()), "record content {name:?} reached the hub's disk");
    }
    let hub_trail = read_records(&hub_dir)?;
    let mut node_trails = Vec::new();
    for region in REGIONS {
        node_trails.extend(read_records(&federation.security.audit_dir(region))?);
    }
    let report = reconcile(&hub_trail, &node_trails);
    assert_eq!(report.mismatches, vec![], "hub and node trails agree on every query and region");
    assert!(report.matched >= 4, "{report:?}");
    let hub_key = toex_audit::load_verifying_key(&hub_dir.join(toex_audit::PUBLIC_KEY_FILE))?;
    let verified = verify(&hub_dir, &hub_key)?;
    assert!(verified.is_intact(), "{verified:?}");
    assert!(verified.records as usize >= hub_trail.len());
    federation.shutdown().await;
    Ok(())
}

/// Real files that start failing (disk full) when `broken` is set, as an exhausted audit volume.
struct FillingDisk {
    broken: Arc<AtomicBool>,
}

struct FillingSink {
    inner: Box<dyn SegmentSink>,
    broken: Arc<AtomicBool>,
}

const ENOSPC: i32 = 28;

impl Storage for FillingDisk {
    fn open_append(&self, path: &Path) -> io::Result<Box<dyn SegmentSink>> {
        let inner = FileStorage.open_append(path)?;
        Ok(Box::new(FillingSink { inner, broken: Arc::clone(&self.broken) }))
    }
}

impl SegmentSink for FillingSink {
    fn write_all(&mut self, bytes: &[u8]) -> io::Result<()> {
        if self.broken.load(Ordering::SeqCst) {
            return Err(io::Error::from_raw_os_error(ENOSPC));
        }
        self.inner.write_all(bytes)
    }

    fn sync(&mut self) -> io::Result<()> {
        self.inner.sync()
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn queries_fail_closed_when_the_hub_audit_cannot_be_written() -> anyhow::Result<()> {
    let data = tempfile::tempdir()?;
    generate_regions(data.path(), &REGIONS, 200, 3)?;
    let broken = Arc::new(AtomicBool::new(false));
    let deps = LogDeps {
        storage: Arc::new(FillingDisk { broken: Arc::clone(&broken) }),
        clock: Arc::new(SystemClock),
        signing_key: SigningKey::from_bytes(&[7; 32]),
    };
    let federation = Federation::start_with_hub_audit(data.path(), &REGIONS, deps).await?;
    let sql = "SELECT region, count(*) FROM persons GROUP BY region";
    assert!(federation.sql(sql).await?.summary.complete, "served while the trail is writable");
    let before = federation.node_data_requests();

    broken.store(true, Ordering::SeqCst);
    let refused = federation.sql(sql).await.expect_err("no audit, no answer");
    assert_eq!(refused.code(), Code::Unavailable, "{refused:?}");
    let again = federation.sql(sql).await.expect_err("the trail stays down: an I/O error is never assumed fixed");
    assert_eq!(again.code(), Code::Unavailable);
    let mut client = federation.client().await?;
    let check = CheckRequest {
        identifiers: vec![Identifier { kind: IdentifierKind::Phone as i32, value: SHARED_PHONE.into() }],
        purpose: Some(test_purpose()),
        require_complete: false,
    };
    assert_eq!(client.check(check).await.expect_err("no audit, no check").code(), Code::Unavailable);
    assert_eq!(federation.node_data_requests(), before, "nothing was fanned out without a consultation record");

    // The health service reports NOT_SERVING (threat 94, 97).
    let channel = toex_tls::hub_public_channel(&federation.hub_url, &federation.security.ca_pem()?)?;
    let mut health = tonic_health::pb::health_client::HealthClient::new(channel);
    let mut status = None;
    for _ in 0..40 {
        let response = health.check(tonic_health::pb::HealthCheckRequest { service: String::new() }).await?;
        status = Some(response.into_inner().status);
        if status == Some(tonic_health::pb::health_check_response::ServingStatus::NotServing as i32) {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert_eq!(status, Some(tonic_health::pb::health_check_response::ServingStatus::NotServing as i32));
    federation.shutdown().await;
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn denied_and_failed_requests_are_recorded_too() -> anyhow::Result<()> {
    let (_data, federation) = federation().await?;
    let auditor = federation.token(&TokenSpec::person("auditor", None, "SECRET"))?;
    assert_eq!(
        federation.sql_as(&auditor, "SELECT * FROM persons").await.expect_err("denied").code(),
        Code::PermissionDenied
    );
    assert_eq!(federation.sql("DROP TABLE persons").await.expect_err("refused").code(), Code::InvalidArgument);
    let trail = read_records(&federation.security.audit_dir(HUB_AUDIT))?;
    let denied = trail.iter().find(|record| record.kind == RecordKind::Denied).expect("the denial is recorded");
    assert_eq!(denied.principal.as_ref().map(|principal| principal.subject.as_str()), Some("auditor-national"));
    assert!(denied.note.as_deref().is_some_and(|note| note.contains("persons")));
    let failed = trail.iter().find(|record| record.kind == RecordKind::Failed).expect("the refusal is recorded");
    assert_eq!(failed.query.as_ref().and_then(|query| query.text.as_deref()), Some("DROP TABLE persons"));
    assert!(trail.iter().all(|record| !record.query_id.is_empty() || record.kind == RecordKind::AuditSearch));
    federation.shutdown().await;
    Ok(())
}
