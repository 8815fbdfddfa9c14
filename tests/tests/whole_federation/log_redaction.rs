//! Nothing secret reaches the logs (threat catalogue 109, INV-8): after successful and refused
//! queries, checks and explanations, with every crate logging at debug level, the captured output
//! holds no bearer token, no private key and none of the record values that were returned.

use arrow::array::{Array, AsArray};
use toex_proto::v1::{CheckRequest, ExplainRequest, Identifier, IdentifierKind};
use toex_tests::Federation;
use toex_tests::federation::{generate_regions, test_purpose};
use toex_tests::log_capture::Capture;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_token_key_or_record_content_reaches_the_logs() -> anyhow::Result<()> {
    let capture = Capture::install("debug")?;

    let data = tempfile::tempdir()?;
    generate_regions(data.path(), &["NWROCU", "LONDON"], 200, 9)?;
    let federation = Federation::start(data.path(), &["NWROCU", "LONDON"]).await?;
    let answer = federation.sql("SELECT surname, forenames, msisdn FROM persons p JOIN phones ph ON p.record_id = ph.user_person_id AND p.region = ph.region ORDER BY surname LIMIT 20").await?;
    let mut values = Vec::new();
    for batch in &answer.batches {
        for column in 0..2 {
            let strings = batch.column(column).as_string::<i32>();
            values.extend((0..strings.len()).map(|row| strings.value(row).to_owned()));
        }
        let phones = batch.column(2).as_string::<i32>();
        values.extend((0..phones.len()).map(|row| phones.value(row).to_owned()));
    }
    assert!(!values.is_empty(), "the query returned records to look for");
    let _refused = federation.sql_as("eyJhbGciOiJub25lIn0.eyJzdWIiOiJ4In0.", "SELECT 1").await;
    let mut client = federation.client().await?;
    let check = CheckRequest {
        identifiers: vec![Identifier { kind: IdentifierKind::Phone as i32, value: "07700900021".into() }],
        purpose: Some(test_purpose()),
        require_complete: false,
    };
    client.check(check).await?;
    client.explain(ExplainRequest { sql: "SELECT * FROM persons".into(), purpose: Some(test_purpose()) }).await?;
    let token_tail = federation_token_tail(&federation);
    federation.shutdown().await;

    let logs = capture.text();
    assert!(logs.contains("authentication refused"), "the refusal is logged as a security event");
    assert!(logs.contains("query answered"), "queries are logged");
    assert!(!logs.contains("eyJ"), "a JWT reached the logs");
    assert!(!logs.contains(&token_tail), "the national token reached the logs");
    assert!(!logs.contains("PRIVATE KEY"), "a private key reached the logs");
    for value in values.iter().filter(|value| value.len() >= 4) {
        assert!(!logs.contains(value.as_str()), "record value {value:?} reached the logs");
    }
    Ok(())
}

/// The signature of the default token: unique enough that finding it means the token leaked.
fn federation_token_tail(federation: &Federation) -> String {
    federation.national_token.rsplit('.').next().unwrap_or_default().to_owned()
}
