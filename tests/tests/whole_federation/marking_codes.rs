//! The release filters test `marking_code`, so a node trusts a table's codes only when every
//! row's code is the one its text markings give: a file whose codes disagree (which would
//! release a row its classification forbids), or that has no codes, is refused at load with the
//! table named, and the same files load again once rewritten correctly.

use std::sync::Arc;

use arrow::array::{AsArray, Int8Array, RecordBatch};
use arrow::datatypes::Int8Type;
use toex_common::markings::marking_code;
use toex_tests::federation::generate_regions;
use toex_tests::parquet_files::{read, write};
use toex_tests::security::LocalSecurity;

const REGION: &str = "NWROCU";

/// `batches` with the marking code column replaced by `codes` of it.
fn with_codes(batches: &[RecordBatch], codes: impl Fn(&Int8Array) -> Int8Array) -> Vec<RecordBatch> {
    batches
        .iter()
        .map(|batch| {
            let index = batch.schema().index_of("marking_code").expect("marking_code");
            let mut columns = batch.columns().to_vec();
            columns[index] = Arc::new(codes(columns[index].as_primitive::<Int8Type>()));
            RecordBatch::try_new(batch.schema(), columns).expect("same schema")
        })
        .collect()
}

fn without_codes(batches: &[RecordBatch]) -> Vec<RecordBatch> {
    batches
        .iter()
        .map(|batch| {
            let index = batch.schema().index_of("marking_code").expect("marking_code");
            let kept: Vec<usize> = (0..batch.num_columns()).filter(|&column| column != index).collect();
            batch.project(&kept).expect("projection")
        })
        .collect()
}

#[tokio::test]
async fn a_node_refuses_files_whose_marking_codes_disagree_with_their_markings() {
    let dir = tempfile::tempdir().expect("temp dir");
    let data_root = dir.path().join("data");
    generate_regions(&data_root, &[REGION], 300, 7).expect("generate");
    let security = LocalSecurity::generate(&dir.path().join("security"), &[REGION]).expect("security");
    let config = security
        .node_config(REGION, data_root.join(REGION), "127.0.0.1:0".parse().expect("address"))
        .expect("node config");
    toex_node::datasets::load(&config).await.expect("generated data loads");

    let file = data_root.join(REGION).join("intel_reports").join("part-00000.parquet");
    let original = read(&file).expect("read");
    let secret = marking_code("SECRET", "P", None).expect("a valid marking");
    let secret_rows: usize = original
        .iter()
        .map(|batch| {
            let codes = batch.column_by_name("marking_code").expect("codes").as_primitive::<Int8Type>();
            codes.iter().filter(|code| *code == Some(secret)).count()
        })
        .sum();
    assert!(secret_rows > 0, "the generated reports include SECRET, P rows");

    let official = marking_code("OFFICIAL", "P", None).expect("a valid marking");
    // Every SECRET, P row relabelled with the code of OFFICIAL, P: the text still says SECRET.
    let relabelled = with_codes(&original, |codes| {
        codes.iter().map(|code| code.map(|code| if code == secret { official } else { code })).collect()
    });
    write(&file, &relabelled).expect("write");
    let refused = toex_node::datasets::load(&config).await.err().expect("disagreeing codes are refused").to_string();
    assert!(refused.contains("table intel_reports"), "{refused}");
    assert!(refused.contains(&format!("{secret_rows} rows have a marking_code")), "{refused}");

    // A NULL where the markings are valid is refused too (it would hide rows, not leak them,
    // but the file is still not what the markings say).
    write(&file, &with_codes(&original, |codes| codes.iter().map(|_| None).collect())).expect("write");
    let refused = toex_node::datasets::load(&config).await.err().expect("missing codes are refused").to_string();
    assert!(refused.contains("table intel_reports"), "{refused}");

    // Files written before the column existed.
    write(&file, &without_codes(&original)).expect("write");
    let refused = toex_node::datasets::load(&config).await.err().expect("old files are refused").to_string();
    assert!(refused.contains("column marking_code is missing from the files"), "{refused}");

    write(&file, &original).expect("write");
    toex_node::datasets::load(&config).await.expect("the rewritten files load again");
}
