//! A node releases only the rows its region owns. It counts, as it loads a table, the rows some
//! other region owns: where there are none its release filter leaves out the per-row ownership
//! test, and where there are some the test stays and those rows never leave the node, through
//! the hub or in a count; the node's log names the table and how many rows, never a record.

use std::collections::BTreeSet;
use std::sync::Arc;

use arrow::array::{AsArray, RecordBatch, StringArray};
use toex_tests::federation::{Answer, Federation, generate_regions};
use toex_tests::log_capture::Capture;
use toex_tests::parquet_files::{read, write};
use toex_tests::security::LocalSecurity;

const REGION: &str = "NWROCU";
const ELSEWHERE: &str = "LONDON";

/// `batches` with every third row's `region` set to [`ELSEWHERE`], and the ids of those rows.
fn every_third_row_elsewhere(batches: &[RecordBatch]) -> (Vec<RecordBatch>, BTreeSet<String>) {
    let mut moved = BTreeSet::new();
    let mut row = 0usize;
    let relabelled = batches
        .iter()
        .map(|batch| {
            let schema = batch.schema();
            let region = schema.index_of("region").expect("region");
            let ids = batch.column_by_name("record_id").expect("record_id").as_string::<i32>();
            let owners: StringArray = batch
                .column(region)
                .as_string::<i32>()
                .iter()
                .enumerate()
                .map(|(index, owner)| {
                    row += 1;
                    if row.is_multiple_of(3) {
                        moved.insert(ids.value(index).to_owned());
                        Some(ELSEWHERE)
                    } else {
                        owner
                    }
                })
                .collect();
            let mut columns = batch.columns().to_vec();
            columns[region] = Arc::new(owners);
            RecordBatch::try_new(schema, columns).expect("same schema")
        })
        .collect();
    (relabelled, moved)
}

fn ids(answer: &Answer) -> BTreeSet<String> {
    answer
        .batches
        .iter()
        .flat_map(|batch| {
            batch.column(0).as_string::<i32>().iter().map(|id| id.expect("an id").to_owned()).collect::<Vec<_>>()
        })
        .collect()
}

fn count(answer: &Answer) -> i64 {
    answer.batches[0].column(0).as_primitive::<arrow::datatypes::Int64Type>().value(0)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rows_another_region_owns_never_leave_a_node() -> anyhow::Result<()> {
    let capture = Capture::install("warn")?;
    let dir = tempfile::tempdir()?;
    let data_root = dir.path().join("data");
    generate_regions(&data_root, &[REGION], 300, 7)?;
    let security = LocalSecurity::generate(&dir.path().join("security"), &[REGION])?;
    let config = security.node_config(REGION, data_root.join(REGION), "127.0.0.1:0".parse()?)?;
    let loaded = toex_node::datasets::load(&config).await?;
    assert!(loaded.every_row_owned("intel_reports"), "generated data is all the region's own");

    let sql = "SELECT record_id FROM intel_reports";
    let before = {
        let federation = Federation::start(&data_root, &[REGION]).await?;
        ids(&federation.sql(sql).await?)
    };

    let file = data_root.join(REGION).join("intel_reports").join("part-00000.parquet");
    let (relabelled, moved) = every_third_row_elsewhere(&read(&file)?);
    write(&file, &relabelled)?;
    let loaded = toex_node::datasets::load(&config).await?;
    assert!(!loaded.every_row_owned("intel_reports"), "the load sees the rows {ELSEWHERE} owns");
    assert!(loaded.every_row_owned("persons"), "other tables are still all the region's own");
    // The operator hears of them: the table and how many, never a record.
    let warnings: Vec<String> = capture.lines().into_iter().filter(|line| line.contains("never released")).collect();
    assert_eq!(warnings.len(), 1, "{warnings:?}");
    assert!(
        warnings[0].contains("intel_reports") && warnings[0].contains(&format!("rows={}", moved.len())),
        "{warnings:?}"
    );
    assert!(!warnings[0].contains("NWROCU-IR-"), "no record id in the log: {warnings:?}");

    let released_moved: BTreeSet<&String> = before.intersection(&moved).collect();
    assert!(!released_moved.is_empty(), "some relabelled rows were released before");
    let federation = Federation::start(&data_root, &[REGION]).await?;
    let after = ids(&federation.sql(sql).await?);
    let want: BTreeSet<String> = before.difference(&moved).cloned().collect();
    let leaked: Vec<&String> = after.intersection(&moved).collect();
    assert!(leaked.is_empty(), "{} rows {ELSEWHERE} owns left the node, such as {:?}", leaked.len(), leaked.first());
    assert_eq!(after.len(), want.len(), "every row the region owns is still released");
    let counted = federation.sql("SELECT count(*) FROM intel_reports").await?;
    assert_eq!(count(&counted), i64::try_from(want.len())?, "a count never counts them either");
    let theirs = federation.sql(&format!("SELECT count(*) FROM intel_reports WHERE region = '{ELSEWHERE}'")).await?;
    assert_eq!(count(&theirs), 0);
    Ok(())
}
