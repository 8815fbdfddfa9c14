//! The DataFusion side of the property test: the generated records as an in-memory table, and
//! what the row filter, the hit filter and the restricted plan (queried through SQL, including an
//! aggregate) actually return.

use std::collections::BTreeSet;
use std::sync::Arc;

use datafusion::arrow::array::{Array, Int8Array, Int64Array, RecordBatch, StringArray};
use datafusion::arrow::datatypes::{DataType, Field, Schema};
use datafusion::catalog::MemTable;
use datafusion::catalog::view::ViewTable;
use datafusion::logical_expr::Expr;
use datafusion::prelude::SessionContext;
use toex_common::markings::marking_code;
use toex_policy::{RowRules, hit_filter, restrict_plan, row_filter};

use crate::model::TestRecord;

/// Summary text of every generated record.
pub const SUMMARY: &str = "seen at the address";

fn batch(records: &[TestRecord]) -> RecordBatch {
    let schema = Arc::new(Schema::new(vec![
        Field::new("record_id", DataType::Utf8, false),
        Field::new("region", DataType::Utf8, false),
        Field::new("classification", DataType::Utf8, false),
        Field::new("handling_code", DataType::Utf8, false),
        Field::new("handling_conditions", DataType::Utf8, true),
        Field::new("marking_code", DataType::Int8, true),
        Field::new("summary", DataType::Utf8, false),
    ]));
    let ids: Vec<String> = (0..records.len()).map(|index| format!("r{index}")).collect();
    let column = |values: Vec<Option<&str>>| Arc::new(StringArray::from(values)) as Arc<dyn Array>;
    RecordBatch::try_new(
        schema,
        vec![
            column(ids.iter().map(|id| Some(id.as_str())).collect()),
            column(records.iter().map(|record| Some(record.region)).collect()),
            column(records.iter().map(|record| Some(record.classification)).collect()),
            column(records.iter().map(|record| Some(record.handling_code)).collect()),
            column(records.iter().map(|record| record.conditions).collect()),
            Arc::new(
                records
                    .iter()
                    .map(|record| marking_code(record.classification, record.handling_code, record.conditions))
                    .collect::<Int8Array>(),
            ),
            column(records.iter().map(|_| Some(SUMMARY)).collect()),
        ],
    )
    .expect("test batch builds")
}

fn string_column(batches: &[RecordBatch], index: usize) -> Vec<Option<String>> {
    let mut values = Vec::new();
    for batch in batches {
        let array = batch.column(index).as_any().downcast_ref::<StringArray>().expect("utf8 column");
        for row in 0..array.len() {
            values.push(if array.is_null(row) { None } else { Some(array.value(row).to_owned()) });
        }
    }
    values
}

#[derive(Debug, PartialEq, Eq)]
pub struct Observed {
    pub released: BTreeSet<String>,
    pub hits: BTreeSet<String>,
    pub restricted: Vec<(String, Option<String>)>,
    pub count: i64,
}

pub async fn observe(records: &[TestRecord], rules: &RowRules) -> Observed {
    let data = batch(records);
    let context = SessionContext::new();
    let table = MemTable::try_new(data.schema(), vec![vec![data]]).expect("memtable");
    context.register_table("records", Arc::new(table)).expect("register");
    let ids_where = |filter: Expr| {
        let context = &context;
        async move {
            let frame = context.table("records").await.expect("table").filter(filter).expect("filter");
            let batches = frame.select_columns(&["record_id"]).expect("select").collect().await.expect("collect");
            string_column(&batches, 0).into_iter().flatten().collect::<BTreeSet<String>>()
        }
    };
    let released = ids_where(row_filter(rules)).await;
    let hits = ids_where(hit_filter(rules)).await;
    let scan = context.table("records").await.expect("table").into_unoptimized_plan();
    let restricted_plan = restrict_plan(scan, rules).expect("rules apply");
    context.register_table("visible", Arc::new(ViewTable::new(restricted_plan, None))).expect("view");
    let rows = context
        .sql("SELECT record_id, summary FROM visible ORDER BY record_id")
        .await
        .expect("plan")
        .collect()
        .await
        .expect("run");
    let restricted = string_column(&rows, 0)
        .into_iter()
        .zip(string_column(&rows, 1))
        .map(|(id, summary)| (id.unwrap_or_default(), summary))
        .collect();
    let counted =
        context.sql("SELECT COUNT(*) AS visible_rows FROM visible").await.expect("plan").collect().await.expect("run");
    let count = counted
        .first()
        .and_then(|batch| batch.column(0).as_any().downcast_ref::<Int64Array>().map(|array| array.value(0)))
        .expect("one count");
    Observed { released, hits, restricted, count }
}
