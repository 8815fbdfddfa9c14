//! The correctness suite: federated answers equal the answers of one DataFusion session over the
//! union of every region's files, for filters, NULLs, duplicates, every aggregate, count
//! distinct, top-k, joins within and across tables, and subqueries.

use toex_common::cdm;
use toex_common::markings::Classification;
use toex_policy::Principal;
use toex_tests::Federation;
use toex_tests::baseline::{
    NATIONAL_ANALYST_VISIBLE, centralised_context, centralised_context_visible, centralised_context_with_rules, run,
};
use toex_tests::compare::{rows_as_text, shape};
use toex_tests::federation::generate_regions;

const REGIONS: [&str; 3] = ["NWROCU", "LONDON", "TARIAN"];

/// Queries whose answers must match exactly; `true` when the order is defined by the query.
const QUERIES: &[(&str, bool)] = &[
    ("SELECT record_id, region, surname FROM persons WHERE surname LIKE 'S%'", false),
    ("SELECT * FROM vehicles WHERE colour = 'BLUE' AND make <> 'FORD'", false),
    ("SELECT record_id, pnc_id FROM persons WHERE pnc_id IS NULL", false),
    ("SELECT record_id, dob FROM persons WHERE dob IS NULL OR dob > DATE '2000-01-01'", false),
    ("SELECT region, force FROM persons", false),
    ("SELECT DISTINCT region, force FROM persons", false),
    ("SELECT count(*) FROM persons", true),
    ("SELECT count(*), count(pnc_id), count(DISTINCT surname) FROM persons", true),
    ("SELECT region, count(*) AS n FROM persons GROUP BY region ORDER BY region", true),
    ("SELECT region, exploitation_type, count(*) FROM intel_reports GROUP BY 1, 2", false),
    ("SELECT person_category, vulnerable, count(*) FROM persons GROUP BY 1, 2", false),
    (
        "SELECT exploitation_type, sum(harm_score), min(harm_score), max(harm_score), avg(harm_score) FROM ocgs GROUP BY exploitation_type",
        false,
    ),
    ("SELECT sum(harm_score), avg(harm_score) FROM ocgs WHERE harm_score > 1000", true),
    ("SELECT min(dob), max(dob), count(DISTINCT nationality) FROM persons", true),
    ("SELECT gender, count(DISTINCT surname) FROM persons GROUP BY gender", false),
    ("SELECT nationality, count(*) FROM persons GROUP BY nationality HAVING count(*) > 3", false),
    ("SELECT lower(colour) AS c, count(*) FROM vehicles GROUP BY lower(colour)", false),
    ("SELECT date_trunc('month', reported_at) AS month, count(*) FROM intel_reports GROUP BY 1", false),
    (
        "SELECT msisdn, count(DISTINCT region) AS regions FROM phones GROUP BY msisdn HAVING count(DISTINCT region) > 1",
        false,
    ),
    ("SELECT record_id, name, harm_score FROM ocgs ORDER BY harm_score DESC, record_id LIMIT 20", true),
    ("SELECT record_id, surname FROM persons ORDER BY surname, record_id LIMIT 7 OFFSET 3", true),
    ("SELECT count(*) FROM (SELECT record_id FROM persons LIMIT 25) AS sample", true),
    (
        "SELECT p.region, p.surname, ph.msisdn FROM persons p JOIN phones ph ON p.record_id = ph.user_person_id AND p.region = ph.region WHERE ph.deal_line",
        false,
    ),
    (
        "SELECT a.msisdn, a.region, b.region FROM phones a JOIN phones b ON a.msisdn = b.msisdn AND a.region < b.region",
        false,
    ),
    (
        "SELECT o.name, count(m.person_id) FROM ocgs o JOIN ocg_members m ON o.record_id = m.ocg_id AND o.region = m.region GROUP BY o.name",
        false,
    ),
    (
        "SELECT region, count(*) FROM persons WHERE record_id IN (SELECT person_id FROM ocg_members) GROUP BY region",
        false,
    ),
    (
        "SELECT national_ref, count(DISTINCT region) FROM ocgs WHERE national_ref IS NOT NULL GROUP BY national_ref",
        false,
    ),
    ("SELECT v.vrm, count(*) FROM vehicles v GROUP BY v.vrm HAVING count(*) > 1", false),
    (
        "WITH victims AS (SELECT * FROM persons WHERE person_category = 'VICTIM') SELECT region, count(*) FROM victims GROUP BY region",
        false,
    ),
    (
        "SELECT classification, handling_code, count(*), count(handling_conditions) FROM intel_reports GROUP BY 1, 2",
        false,
    ),
    (
        "SELECT grading_scheme, source_evaluation, intelligence_assessment, count(*) FROM intel_reports GROUP BY 1, 2, 3",
        false,
    ),
    ("SELECT falls_within, crime_type, count(*) FROM crimes GROUP BY 1, 2", false),
    ("SELECT count(*) FROM crimes WHERE crime_id IS NULL", true),
    ("SELECT region, max(last_seen) - min(first_seen) FROM phones GROUP BY region", false),
    ("SELECT * FROM addresses WHERE cuckooed ORDER BY record_id", true),
    ("SELECT surname FROM persons UNION ALL SELECT name FROM ocgs", false),
];

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn federated_answers_equal_the_centralised_baseline() -> anyhow::Result<()> {
    let data = tempfile::tempdir()?;
    generate_regions(data.path(), &REGIONS, 400, 7)?;
    let federation = Federation::start(data.path(), &REGIONS).await?;
    let baseline = centralised_context_visible(data.path(), &federation.regions, NATIONAL_ANALYST_VISIBLE).await?;
    let mut failures = Vec::new();
    for (sql, ordered) in QUERIES {
        let federated = match federation.sql(sql).await {
            Ok(answer) => answer,
            Err(status) => {
                failures.push(format!("{sql}\n  federated query failed: {status}"));
                continue;
            }
        };
        assert!(federated.summary.complete, "{sql}: answer not complete: {:?}", federated.summary);
        let expected = run(&baseline, sql).await?;
        let mut got_rows = rows_as_text(&federated.batches);
        let mut want_rows = rows_as_text(&expected);
        if !ordered {
            got_rows.sort();
            want_rows.sort();
        }
        let want_shape = expected.first().map(|batch| shape(&batch.schema())).unwrap_or_default();
        if !want_shape.is_empty() && shape(&federated.schema) != want_shape {
            failures.push(format!("{sql}\n  shape {:?}\n  want  {:?}", shape(&federated.schema), want_shape));
        }
        if got_rows != want_rows {
            failures.push(format!(
                "{sql}\n  {} rows, want {}; first difference: {:?}",
                got_rows.len(),
                want_rows.len(),
                got_rows.iter().zip(&want_rows).find(|(got, want)| got != want)
            ));
        }
        assert!(
            !want_rows.is_empty() || sql.contains("1000"),
            "{sql}: the baseline has no rows, so the query tests nothing"
        );
    }
    federation.shutdown().await;
    assert!(failures.is_empty(), "{} of {} queries differ:\n{}", failures.len(), QUERIES.len(), failures.join("\n"));
    Ok(())
}

/// The bench's "central rules" reference puts the policy's own row rules over the baseline; it
/// must keep exactly the rows the independent statement of the national analyst's view keeps, and
/// fewer than the bare files hold (or it would measure nothing).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_baseline_under_the_policys_rules_keeps_what_the_national_analyst_may_see() -> anyhow::Result<()> {
    let data = tempfile::tempdir()?;
    generate_regions(data.path(), &REGIONS, 400, 7)?;
    let regions: Vec<String> = REGIONS.iter().map(|region| (*region).to_owned()).collect();
    let analyst = Principal {
        subject: "national-analyst".to_owned(),
        home_region: String::new(),
        roles: vec!["national_analyst".to_owned()],
        clearance: Some(Classification::Secret),
    };
    let ruled = centralised_context_with_rules(data.path(), &regions, &analyst).await?;
    let stated = centralised_context_visible(data.path(), &regions, NATIONAL_ANALYST_VISIBLE).await?;
    let bare = centralised_context(data.path(), &regions).await?;
    let mut hidden = 0;
    for table in cdm::tables() {
        let sql = format!("SELECT record_id, region FROM {}", table.name);
        let mut kept = rows_as_text(&run(&ruled, &sql).await?);
        let mut want = rows_as_text(&run(&stated, &sql).await?);
        kept.sort();
        want.sort();
        assert_eq!(kept.len(), want.len(), "{}: rows kept under the rules", table.name);
        assert_eq!(kept, want, "{}: the rules keep other rows than the statement", table.name);
        hidden += rows_as_text(&run(&bare, &sql).await?).len() - kept.len();
    }
    assert!(hidden > 0, "the rules hid no row, so the reference measures nothing");
    Ok(())
}
