//! Identity, purpose and access policy across a whole federation (issue 3; threat catalogue A, B
//! and C): every refusal has the exact status code and fans nothing out; what each kind of caller
//! sees in each region is exactly what the policy says, through SQL, aggregates and checks.

use arrow::array::{Array, AsArray, RecordBatch};
use arrow::datatypes::Int64Type;
use toex_proto::v1::hub_client::HubClient;
use toex_proto::v1::{
    CheckRequest, ExecuteRequest, ExplainRequest, Identifier, IdentifierKind, RegionStatus, SqlRequest,
};
use toex_security::dev::{DEV_AUDIENCE, DEV_ISSUER, DevSigningKey, DevTokenRequest, mint_token_at};
use toex_security::{Clock, SystemClock, UNAUTHENTICATED_MESSAGE};
use toex_tests::Federation;
use toex_tests::baseline::{centralised_context, run};
use toex_tests::federation::{generate_regions, test_purpose};
use toex_tests::security::{LocalSecurity, TokenSpec};
use toex_tls::{HubTls, hub_public_channel, node_channel};
use tonic::Code;

const REGIONS: [&str; 3] = ["NERSOU", "EMSOU", "SWROCU"];

async fn federation() -> anyhow::Result<(tempfile::TempDir, Federation)> {
    let data = tempfile::tempdir()?;
    generate_regions(data.path(), &REGIONS, 300, 11)?;
    let federation = Federation::start(data.path(), &REGIONS).await?;
    Ok((data, federation))
}

fn person(role: &str, home: Option<&str>, clearance: &str) -> TokenSpec {
    TokenSpec::person(role, home, clearance)
}

/// One number from the first cell of an answer.
fn first_count(answer: &toex_tests::Answer) -> i64 {
    answer.batches[0].column(0).as_primitive::<Int64Type>().value(0)
}

/// `(region, count)` rows of `SELECT region, count(*) ... GROUP BY region` batches, sorted.
fn counts_by_region(batches: &[RecordBatch]) -> Vec<(String, i64)> {
    let mut rows = Vec::new();
    for batch in batches {
        let regions = batch.column(0).as_string::<i32>();
        let counts = batch.column(1).as_primitive::<Int64Type>();
        for row in 0..batch.num_rows() {
            rows.push((regions.value(row).to_owned(), counts.value(row)));
        }
    }
    rows.sort();
    rows
}

fn region_counts(answer: &toex_tests::Answer) -> Vec<(String, i64)> {
    counts_by_region(&answer.batches)
}

async fn baseline_counts(federation: &Federation, sql: &str) -> anyhow::Result<Vec<(String, i64)>> {
    let baseline = centralised_context(&federation.data_root, &federation.regions).await?;
    Ok(counts_by_region(&run(&baseline, sql).await?))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn callers_without_valid_credentials_are_refused_before_anything_is_fanned_out() -> anyhow::Result<()> {
    let (_data, federation) = federation().await?;
    let sql = "SELECT count(*) FROM persons";

    let channel = hub_public_channel(&federation.hub_url, &federation.security.ca_pem()?)?;
    let request =
        SqlRequest { sql: sql.to_owned(), purpose: Some(test_purpose()), require_complete: false, max_rows: 0 };
    let no_token = HubClient::new(channel).sql(request).await.expect_err("no token, no answer");
    assert_eq!(no_token.code(), Code::Unauthenticated);
    assert_eq!(no_token.message(), UNAUTHENTICATED_MESSAGE);

    let garbage = federation.sql_as("not-a-jwt", sql).await.expect_err("garbage token");
    assert_eq!(garbage.code(), Code::Unauthenticated);

    // A well-formed token from an issuer the hub does not trust (threat 9, 11).
    let stranger_dir = tempfile::tempdir()?;
    let stranger = LocalSecurity::generate(stranger_dir.path(), &["NERSOU"])?;
    let foreign = stranger.token(&person("national_analyst", None, "SECRET"))?;
    let refused = federation.sql_as(&foreign, sql).await.expect_err("untrusted issuer");
    assert_eq!(refused.code(), Code::Unauthenticated);
    assert!(!refused.message().contains(&foreign[..20]), "the refusal never echoes the token");

    // Expired well past the leeway (threat 4), and a token for another audience (threat 8).
    let key = DevSigningKey::from_file(&federation.security.issuer.signing_key)?;
    let mut request = DevTokenRequest {
        subject: "someone".to_owned(),
        name: None,
        home_region: None,
        roles: vec!["national_analyst".to_owned()],
        clearance: Some("SECRET".to_owned()),
        issuer: DEV_ISSUER.to_owned(),
        audience: DEV_AUDIENCE.to_owned(),
        lifetime: std::time::Duration::from_secs(600),
    };
    let expired = mint_token_at(&key, &request, SystemClock.now() - 3_600)?;
    assert_eq!(federation.sql_as(&expired, sql).await.expect_err("expired").code(), Code::Unauthenticated);
    request.audience = "toex-node".to_owned();
    let wrong_audience = mint_token_at(&key, &request, SystemClock.now())?;
    assert_eq!(federation.sql_as(&wrong_audience, sql).await.expect_err("audience").code(), Code::Unauthenticated);

    assert_eq!(federation.node_data_requests(), 0, "nothing reached a node");
    federation.shutdown().await;
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_data_request_needs_a_stated_purpose() -> anyhow::Result<()> {
    let (_data, federation) = federation().await?;
    let sql = "SELECT count(*) FROM persons";
    let mut bad_purposes = vec![
        (None, "purpose is required"),
        (
            Some(toex_proto::v1::Purpose { justification: "because".into(), case_reference: "OP-1".into() }),
            "purpose.justification",
        ),
        (
            Some(toex_proto::v1::Purpose {
                justification: "Tracing a deal line across three regions".into(),
                case_reference: "".into(),
            }),
            "purpose.case_reference",
        ),
    ];
    for (purpose, expected) in bad_purposes.drain(..) {
        let request =
            SqlRequest { sql: sql.to_owned(), purpose: purpose.clone(), require_complete: false, max_rows: 0 };
        let refused = federation.request(request).await.expect_err("no purpose, no query");
        assert_eq!(refused.code(), Code::InvalidArgument, "{purpose:?}");
        assert!(refused.message().contains(expected), "{}", refused.message());
        let mut client = federation.client().await?;
        let check = CheckRequest {
            identifiers: vec![Identifier { kind: IdentifierKind::Phone as i32, value: "07700900021".into() }],
            purpose,
            require_complete: false,
        };
        assert_eq!(client.check(check).await.expect_err("no purpose, no check").code(), Code::InvalidArgument);
    }
    assert_eq!(federation.node_data_requests(), 0, "nothing reached a node");
    federation.shutdown().await;
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn regional_analysts_read_records_at_home_and_only_hits_elsewhere() -> anyhow::Result<()> {
    let (_data, federation) = federation().await?;
    let token = federation.token(&person("regional_analyst", Some("EMSOU"), "OFFICIAL-SENSITIVE"))?;
    let answer = federation.sql_as(&token, "SELECT region, count(*) FROM persons GROUP BY region").await?;
    let expected = baseline_counts(
        &federation,
        "SELECT region, count(*) FROM persons WHERE region = 'EMSOU' \
         AND classification IN ('OFFICIAL', 'OFFICIAL-SENSITIVE') GROUP BY region",
    )
    .await?;
    assert_eq!(region_counts(&answer), expected, "home-region records only, up to clearance, C rows included");
    assert_eq!(answer.status("EMSOU"), Some(RegionStatus::Ok));
    assert_eq!(answer.status("NERSOU"), Some(RegionStatus::HitOnly));
    assert_eq!(answer.status("SWROCU"), Some(RegionStatus::HitOnly));
    assert!(answer.summary.complete, "regions excluded by policy were never in scope");

    // Hits elsewhere: a phone recorded in NERSOU at OFFICIAL is a hit there, with the contact point.
    let baseline = centralised_context(&federation.data_root, &federation.regions).await?;
    let phones = run(
        &baseline,
        "SELECT msisdn, count(*) FROM phones WHERE region = 'NERSOU' GROUP BY msisdn \
         HAVING min(classification) = 'OFFICIAL' AND max(classification) = 'OFFICIAL' ORDER BY msisdn LIMIT 1",
    )
    .await?;
    let msisdn = phones[0].column(0).as_string::<i32>().value(0).to_owned();
    let expected_hits = phones[0].column(1).as_primitive::<Int64Type>().value(0) as u64;
    let mut client = federation.client_as(&token).await?;
    let check = CheckRequest {
        identifiers: vec![Identifier { kind: IdentifierKind::Phone as i32, value: msisdn.clone() }],
        purpose: Some(test_purpose()),
        require_complete: false,
    };
    let answer = client.check(check).await?.into_inner();
    let nersou = answer.results[0].regions.iter().find(|hit| hit.region == "NERSOU").expect("NERSOU answered");
    assert!(nersou.hit);
    assert_eq!(nersou.count, expected_hits);
    assert_eq!(nersou.contact_point, "NERSOU intelligence desk");
    assert!(answer.complete);
    federation.shutdown().await;
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn aggregates_only_regions_release_counts_but_never_identifiers() -> anyhow::Result<()> {
    let (_data, federation) = federation().await?;
    let token = federation.token(&person("data_analyst", Some("EMSOU"), "SECRET"))?;
    let answer = federation.sql_as(&token, "SELECT region, count(*) FROM persons GROUP BY region").await?;
    let expected = baseline_counts(
        &federation,
        "SELECT region, count(*) FROM persons WHERE handling_code = 'P' OR region = 'EMSOU' GROUP BY region",
    )
    .await?;
    assert_eq!(region_counts(&answer), expected, "aggregates in every region, over permitted rows only");
    assert!(REGIONS.iter().all(|region| answer.status(region) == Some(RegionStatus::Ok)));

    let grouped = federation
        .sql_as(&token, "SELECT surname, count(*) FROM persons WHERE region = 'NERSOU' GROUP BY surname")
        .await?;
    assert_eq!(grouped.status("NERSOU"), Some(RegionStatus::Ok), "{:?}", grouped.summary);
    assert_eq!(grouped.rows(), 1, "identifying columns are masked, so surnames collapse to one NULL group");
    assert!(grouped.batches[0].column(0).is_null(0));

    let rows = federation.sql_as(&token, "SELECT region, surname FROM persons").await?;
    let regions = rows.batches.iter().flat_map(|batch| {
        let column = batch.column(0).as_string::<i32>().clone();
        (0..column.len()).map(move |row| column.value(row).to_owned())
    });
    assert!(regions.into_iter().all(|region| region == "EMSOU"), "records at home only");
    assert_eq!(rows.status("NERSOU"), Some(RegionStatus::Denied));
    federation.shutdown().await;
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn auditors_and_callers_without_clearance_get_no_data() -> anyhow::Result<()> {
    let (_data, federation) = federation().await?;
    let sql = "SELECT count(*) FROM persons";
    let auditor = federation.token(&person("auditor", None, "SECRET"))?;
    assert_eq!(federation.sql_as(&auditor, sql).await.expect_err("auditor").code(), Code::PermissionDenied);
    let mut uncleared = person("national_analyst", None, "SECRET");
    uncleared.clearance = None;
    let uncleared = federation.token(&uncleared)?;
    assert_eq!(federation.sql_as(&uncleared, sql).await.expect_err("no clearance").code(), Code::PermissionDenied);
    let mut unknown_role = person("national_analyst", None, "SECRET");
    unknown_role.roles = vec!["superuser".to_owned()];
    let unknown_role = federation.token(&unknown_role)?;
    assert_eq!(federation.sql_as(&unknown_role, sql).await.expect_err("unknown role").code(), Code::PermissionDenied);
    assert_eq!(federation.node_data_requests(), 0, "nothing reached a node");
    federation.shutdown().await;
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rows_above_clearance_change_no_count_no_aggregate_and_no_hit() -> anyhow::Result<()> {
    let (_data, federation) = federation().await?;
    let official = federation.token(&person("national_analyst", None, "OFFICIAL"))?;
    let answer = federation.sql_as(&official, "SELECT region, count(*) FROM intel_reports GROUP BY region").await?;
    let expected = baseline_counts(
        &federation,
        "SELECT region, count(*) FROM intel_reports WHERE classification = 'OFFICIAL' AND handling_code = 'P' \
         GROUP BY region",
    )
    .await?;
    assert_eq!(region_counts(&answer), expected);
    let hidden = federation.sql_as(&official, "SELECT count(*) FROM persons WHERE classification = 'SECRET'").await?;
    assert_eq!(first_count(&hidden), 0, "asking for hidden rows by marking finds none");

    // A phone recorded only at SECRET: no hit for an OFFICIAL caller, a hit for a SECRET one.
    let baseline = centralised_context(&federation.data_root, &federation.regions).await?;
    let secret = run(
        &baseline,
        "SELECT msisdn FROM phones GROUP BY msisdn \
         HAVING min(classification) = 'SECRET' AND max(handling_code) = 'P' ORDER BY msisdn LIMIT 1",
    )
    .await?;
    let msisdn = secret[0].column(0).as_string::<i32>().value(0).to_owned();
    let check = |token: String| {
        let msisdn = msisdn.clone();
        let federation = &federation;
        async move {
            let mut client = federation.client_as(&token).await?;
            let request = CheckRequest {
                identifiers: vec![Identifier { kind: IdentifierKind::Phone as i32, value: msisdn }],
                purpose: Some(test_purpose()),
                require_complete: false,
            };
            anyhow::Ok(client.check(request).await?.into_inner())
        }
    };
    let unseen = check(official.clone()).await?;
    assert!(unseen.results[0].regions.iter().all(|hit| !hit.hit && hit.count == 0 && hit.contact_point.is_empty()));
    assert_eq!(unseen.results[0].regions.len(), REGIONS.len(), "the same response shape as no record at all");
    let secret_token = federation.token(&person("national_analyst", None, "SECRET"))?;
    let seen = check(secret_token).await?;
    assert!(seen.results[0].regions.iter().any(|hit| hit.hit));
    federation.shutdown().await;
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn masked_columns_stay_masked_through_joins_and_aggregates() -> anyhow::Result<()> {
    let (_data, federation) = federation().await?;
    let analyst = federation.token(&person("regional_analyst", Some("EMSOU"), "SECRET"))?;
    let officer = federation.token(&person("intel_officer", Some("EMSOU"), "SECRET"))?;
    let direct = "SELECT count(summary), count(*) FROM intel_reports";
    let joined = "SELECT count(i.summary), count(*) FROM intel_reports i JOIN persons p \
                  ON i.person_id = p.record_id AND i.region = p.region";
    for sql in [direct, joined] {
        let masked = federation.sql_as(&analyst, sql).await?;
        let batch = &masked.batches[0];
        assert_eq!(batch.column(0).as_primitive::<Int64Type>().value(0), 0, "{sql}: summaries masked");
        assert!(batch.column(1).as_primitive::<Int64Type>().value(0) > 0, "{sql}: rows are there");
        let shown = federation.sql_as(&officer, sql).await?;
        assert!(shown.batches[0].column(0).as_primitive::<Int64Type>().value(0) > 0, "{sql}: officers see summaries");
    }
    federation.shutdown().await;
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_node_policy_narrows_what_the_hub_allows() -> anyhow::Result<()> {
    let data = tempfile::tempdir()?;
    generate_regions(data.path(), &REGIONS, 300, 11)?;
    let policy_file = data.path().join("swrocu-node.cedar");
    let narrowing = format!(
        "{}\n@id(\"swrocu-keeps-intel\")\n@description(\"SWROCU shares no intelligence reports\")\n\
         forbid (principal, action in [Action::\"ReadRecords\", Action::\"ReadAggregates\", Action::\"ReadHits\"], resource)\n\
         when {{ resource.table == \"intel_reports\" }};\n",
        toex_policy::load::DEFAULT_NODE_POLICY
    );
    std::fs::write(&policy_file, narrowing)?;
    let federation = Federation::start_with(data.path(), &REGIONS, |config| {
        if config.region == "SWROCU" {
            config.policy =
                Some(toex_policy::PolicyFiles { schema_file: None, policy_files: vec![policy_file.clone()] });
        }
    })
    .await?;
    let answer = federation.sql("SELECT region, count(*) FROM intel_reports GROUP BY region").await?;
    assert_eq!(answer.status("SWROCU"), Some(RegionStatus::Denied), "the node's own policy refused");
    assert_eq!(answer.status("NERSOU"), Some(RegionStatus::Ok));
    assert!(region_counts(&answer).iter().all(|(region, _)| region != "SWROCU"));
    let persons = federation.sql("SELECT region, count(*) FROM persons GROUP BY region").await?;
    assert_eq!(persons.status("SWROCU"), Some(RegionStatus::Ok), "other tables are unaffected");
    federation.shutdown().await;
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_node_refuses_delegations_that_are_missing_altered_replayed_or_for_another_node() -> anyhow::Result<()> {
    let (_data, federation) = federation().await?;
    let grants = [("persons", "RECORDS")];
    let request = |sql: &str, query_id: &str| ExecuteRequest {
        query_id: query_id.to_owned(),
        sql: sql.to_owned(),
        purpose: Some(test_purpose()),
        max_rows: 0,
        delegation_token: String::new(),
    };
    let sql = "SELECT count(*) FROM persons";
    let mut client = federation.node_client("EMSOU")?;
    let drain = |client: &mut toex_proto::v1::node_client::NodeClient<tonic::transport::Channel>,
                 request: ExecuteRequest| {
        let mut client = client.clone();
        async move {
            let mut stream = client.execute(request).await?.into_inner();
            while let Some(message) = futures::StreamExt::next(&mut stream).await {
                message?;
            }
            Ok::<(), tonic::Status>(())
        }
    };

    let unsigned = drain(&mut client, request(sql, "q-unsigned")).await.expect_err("no token");
    assert_eq!(unsigned.code(), Code::Unauthenticated);
    let for_other_node = federation.delegate(request(sql, "q-other"), "NERSOU", "q-other", &grants)?;
    assert_eq!(drain(&mut client, for_other_node).await.expect_err("other node").code(), Code::Unauthenticated);
    let mut altered = federation.delegate(request(sql, "q-altered"), "EMSOU", "q-altered", &grants)?;
    altered.sql = "SELECT * FROM persons".to_owned();
    assert_eq!(drain(&mut client, altered).await.expect_err("altered").code(), Code::Unauthenticated);
    let wrong_query_id = federation.delegate(request(sql, "q-one"), "EMSOU", "q-two", &grants)?;
    assert_eq!(drain(&mut client, wrong_query_id).await.expect_err("query id").code(), Code::Unauthenticated);

    let valid = federation.delegate(request(sql, "q-valid"), "EMSOU", "q-valid", &grants)?;
    drain(&mut client, valid.clone()).await?;
    assert_eq!(drain(&mut client, valid).await.expect_err("replayed").code(), Code::Unauthenticated);

    let ungranted = federation.delegate(request(sql, "q-ungranted"), "EMSOU", "q-ungranted", &[])?;
    assert_eq!(drain(&mut client, ungranted).await.expect_err("no grant").code(), Code::PermissionDenied);
    federation.shutdown().await;
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn only_the_hub_certificate_may_call_a_node() -> anyhow::Result<()> {
    let (_data, federation) = federation().await?;
    let pki = &federation.security.pki;
    // A valid federation certificate, but a node's, not the hub's (threat 26).
    let impostor = HubTls::from_files(&pki.ca.cert, &pki.nodes["NERSOU"].cert, &pki.nodes["NERSOU"].key)?;
    let url =
        federation.hub().config().regions.iter().find(|region| region.code == "EMSOU").expect("EMSOU").endpoint.clone();
    let mut client = toex_proto::v1::node_client::NodeClient::new(node_channel(&url, "EMSOU", &impostor)?);
    let refused = client.catalog(toex_proto::v1::CatalogRequest {}).await.expect_err("handshake refused");
    assert!(matches!(refused.code(), Code::Unavailable | Code::Unknown | Code::Cancelled), "{refused:?}");
    // The hub dialling a node that answers with another region's certificate aborts (threat 25).
    let hub_tls = HubTls::from_files(&pki.ca.cert, &pki.hub.cert, &pki.hub.key)?;
    let mut misrouted = toex_proto::v1::node_client::NodeClient::new(node_channel(&url, "NERSOU", &hub_tls)?);
    let wrong_node = misrouted.catalog(toex_proto::v1::CatalogRequest {}).await.expect_err("identity pinned");
    assert!(matches!(wrong_node.code(), Code::Unavailable | Code::Unknown | Code::Cancelled), "{wrong_node:?}");
    assert_eq!(federation.node_data_requests(), 0);
    federation.shutdown().await;
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn explain_names_the_policies_that_decide_each_region() -> anyhow::Result<()> {
    let (_data, federation) = federation().await?;
    let token = federation.token(&person("regional_analyst", Some("EMSOU"), "OFFICIAL"))?;
    let mut client = federation.client_as(&token).await?;
    let request = ExplainRequest { sql: "SELECT * FROM intel_reports".to_owned(), purpose: Some(test_purpose()) };
    let answer = client.explain(request).await?.into_inner();
    assert_eq!(answer.request_kind, "sql");
    let home = answer.explanations.iter().find(|explanation| explanation.region == "EMSOU").expect("EMSOU");
    assert_eq!(home.access, "RECORDS");
    assert_eq!(home.max_classification, "OFFICIAL");
    assert_eq!(home.masked_columns, ["summary"]);
    assert!(home.reasons.iter().any(|reason| reason.contains("regional-home-records")), "{:?}", home.reasons);
    let away = answer.explanations.iter().find(|explanation| explanation.region == "NERSOU").expect("NERSOU");
    assert_eq!(away.access, "HIT_ONLY");
    assert!(away.reasons.iter().any(|reason| reason.contains("regional-elsewhere-hits")), "{:?}", away.reasons);
    assert_eq!(federation.node_data_requests(), 0, "explain touches no data");
    federation.shutdown().await;
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn identifiers_that_cannot_be_valid_are_refused_with_a_reason() -> anyhow::Result<()> {
    let (_data, federation) = federation().await?;
    let mut client = federation.client().await?;
    for (kind, value) in [
        (IdentifierKind::Phone, "not a number"),
        (IdentifierKind::Vehicle, "!!!"),
        (IdentifierKind::Person, "12345"),
        (IdentifierKind::Unspecified, "07700900021"),
    ] {
        let request = CheckRequest {
            identifiers: vec![Identifier { kind: kind as i32, value: value.to_owned() }],
            purpose: Some(test_purpose()),
            require_complete: false,
        };
        let refused = client.check(request).await.expect_err("invalid identifier");
        assert_eq!(refused.code(), Code::InvalidArgument, "{kind:?} {value}");
        assert!(refused.message().starts_with("identifiers[0]"), "{}", refused.message());
    }
    let too_many = CheckRequest {
        identifiers: vec![Identifier { kind: IdentifierKind::Phone as i32, value: "07700900021".into() }; 1_001],
        purpose: Some(test_purpose()),
        require_complete: false,
    };
    assert_eq!(client.check(too_many).await.expect_err("too many").code(), Code::InvalidArgument);
    assert_eq!(federation.node_data_requests(), 0);
    // Any UK format finds the same number.
    for format in ["07700 900021", "+44 7700 900021", "447700900021", "(07700) 900-021"] {
        let request = CheckRequest {
            identifiers: vec![Identifier { kind: IdentifierKind::Phone as i32, value: format.to_owned() }],
            purpose: Some(test_purpose()),
            require_complete: false,
        };
        let answer = client.check(request).await?.into_inner();
        assert_eq!(
            answer.results[0].identifier.as_ref().map(|identifier| identifier.value.as_str()),
            Some("+447700900021")
        );
    }
    federation.shutdown().await;
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn whole_table_row_counts_are_withheld_from_analysts() -> anyhow::Result<()> {
    let (_data, federation) = federation().await?;
    let analyst = federation.token(&person("regional_analyst", Some("EMSOU"), "OFFICIAL"))?;
    let mut client = federation.client_as(&analyst).await?;
    let listing = client.regions(toex_proto::v1::RegionsRequest {}).await?.into_inner();
    assert!(listing.row_counts_withheld);
    assert!(
        listing.regions.iter().flat_map(|region| &region.tables).all(|table| table.rows == 0),
        "no count leaks (INV-7)"
    );
    let auditor = federation.token(&person("auditor", None, "SECRET"))?;
    let mut client = federation.client_as(&auditor).await?;
    let listing = client.regions(toex_proto::v1::RegionsRequest {}).await?.into_inner();
    assert!(!listing.row_counts_withheld);
    assert!(
        listing
            .regions
            .iter()
            .flat_map(|region| &region.tables)
            .any(|table| table.name == "persons" && table.rows == 300)
    );
    federation.shutdown().await;
    Ok(())
}
