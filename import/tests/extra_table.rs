//! Extra datasets: CSV and Parquet tables copied to a region's table directory with default
//! markings added when the source has none, kept when it has them all, refused when partial.

mod common;

use std::fs::File;
use std::sync::Arc;

use arrow::array::{Int64Array, RecordBatch};
use arrow::datatypes::{DataType, Field, Schema};
use common::{file_names, marking_codes, read_table, strings};
use parquet::arrow::ArrowWriter;
use toex_import::{DefaultMarkings, ImportError, import_table, table_dir};

const STATS_CSV: &str = "force_name,year,offences,rate\n\
Merseyside Police,2023,151234,107.5\n\
Cumbria Constabulary,2023,31002,\n\
Merseyside Police,2022,149876,106.1\n";

fn open_data(force: Option<&str>) -> DefaultMarkings {
    DefaultMarkings {
        force: force.map(str::to_owned),
        classification: "OFFICIAL".to_owned(),
        handling_code: "P".to_owned(),
        handling_conditions: None,
    }
}

#[test]
fn a_csv_without_markings_gets_the_default_markings() {
    let source_dir = tempfile::tempdir().expect("temp dir");
    let source = source_dir.path().join("recorded-crime.csv");
    std::fs::write(&source, STATS_CSV).expect("write");
    let out = tempfile::tempdir().expect("temp dir");
    let markings = open_data(Some("Merseyside Police"));
    let imported = import_table(out.path(), "NWROCU", "recorded_crime", &source, &markings).expect("import");

    let dir = table_dir(out.path(), "NWROCU", "recorded_crime");
    assert_eq!(imported.rows, 3);
    assert!(imported.markings_added);
    assert_eq!(imported.output, dir.join("recorded-crime.parquet"));
    let batch = read_table(&dir);
    let names: Vec<&str> = batch.schema_ref().fields().iter().map(|field| field.name().as_str()).collect();
    assert_eq!(
        names,
        [
            "record_id",
            "region",
            "force",
            "classification",
            "handling_code",
            "handling_conditions",
            "marking_code",
            "force_name",
            "year",
            "offences",
            "rate"
        ]
    );
    assert_eq!(batch.schema_ref().field_with_name("year").expect("year").data_type(), &DataType::Int64);
    assert_eq!(batch.schema_ref().field_with_name("rate").expect("rate").data_type(), &DataType::Float64);
    let some = |value: &str| Some(value.to_owned());
    assert_eq!(
        strings(&batch, "record_id"),
        vec![some("recorded-crime:1"), some("recorded-crime:2"), some("recorded-crime:3")]
    );
    assert_eq!(strings(&batch, "region"), vec![some("NWROCU"); 3]);
    assert_eq!(strings(&batch, "force"), vec![some("Merseyside Police"); 3]);
    assert_eq!(strings(&batch, "classification"), vec![some("OFFICIAL"); 3]);
    assert_eq!(strings(&batch, "handling_code"), vec![some("P"); 3]);
    assert_eq!(strings(&batch, "handling_conditions"), vec![None; 3]);
    assert_eq!(marking_codes(&batch), vec![Some(0); 3], "OFFICIAL, P");

    // Importing again replaces the file.
    import_table(out.path(), "NWROCU", "recorded_crime", &source, &markings).expect("re-import");
    assert_eq!(file_names(&dir), ["recorded-crime.parquet"]);
    assert_eq!(read_table(&dir).num_rows(), 3);
}

fn write_parquet(path: &std::path::Path, batch: &RecordBatch) {
    let mut writer = ArrowWriter::try_new(File::create(path).expect("create"), batch.schema(), None).expect("writer");
    writer.write(batch).expect("write");
    writer.close().expect("close");
}

#[test]
fn a_parquet_source_gets_conditions_and_the_region_as_force_by_default() {
    let source_dir = tempfile::tempdir().expect("temp dir");
    let source = source_dir.path().join("seizures.parquet");
    let schema = Arc::new(Schema::new(vec![Field::new("kilos", DataType::Int64, false)]));
    let batch = RecordBatch::try_new(schema, vec![Arc::new(Int64Array::from(vec![4, 12]))]).expect("batch");
    write_parquet(&source, &batch);
    let markings = DefaultMarkings {
        force: None,
        classification: "OFFICIAL-SENSITIVE".to_owned(),
        handling_code: "C".to_owned(),
        handling_conditions: Some("not for release outside law enforcement".to_owned()),
    };
    let out = tempfile::tempdir().expect("temp dir");
    let imported = import_table(out.path(), "TARIAN", "seizures", &source, &markings).expect("import");
    assert_eq!(imported.rows, 2);
    let batch = read_table(&table_dir(out.path(), "TARIAN", "seizures"));
    assert_eq!(strings(&batch, "force"), vec![Some("TARIAN".to_owned()); 2]);
    assert_eq!(
        strings(&batch, "handling_conditions"),
        vec![Some("not for release outside law enforcement".to_owned()); 2]
    );
    assert_eq!(marking_codes(&batch), vec![Some(3); 2], "OFFICIAL-SENSITIVE, C with conditions");
    assert_eq!(strings(&batch, "record_id")[1].as_deref(), Some("seizures:2"));
}

#[test]
fn a_source_with_its_own_markings_keeps_them_and_may_not_claim_another_region() {
    let source_dir = tempfile::tempdir().expect("temp dir");
    let source = source_dir.path().join("tasking.csv");
    std::fs::write(
        &source,
        "subject,record_id,region,force,classification,handling_code,handling_conditions,marking_code\n\
         op alpha,T-1,EMSOU,Derbyshire Constabulary,OFFICIAL-SENSITIVE,C,no onward sharing,5\n\
         op beta,T-2,EMSOU,Lincolnshire Police,OFFICIAL,P,,5\n",
    )
    .expect("write");
    let out = tempfile::tempdir().expect("temp dir");
    let imported = import_table(out.path(), "EMSOU", "tasking", &source, &open_data(None)).expect("import");
    assert!(!imported.markings_added);
    let batch = read_table(&table_dir(out.path(), "EMSOU", "tasking"));
    assert_eq!(batch.schema_ref().field(0).name(), "record_id");
    assert_eq!(batch.schema_ref().field(6).name(), "marking_code");
    assert_eq!(batch.schema_ref().field(7).name(), "subject");
    assert_eq!(batch.num_columns(), 8, "the source's own marking code is dropped");
    // Derived from the text, not taken from the source; rows are clustered by code, so T-2 (0)
    // is written before T-1 (3).
    assert_eq!(marking_codes(&batch), vec![Some(0), Some(3)], "derived from the text and clustered");
    assert_eq!(strings(&batch, "record_id"), vec![Some("T-2".to_owned()), Some("T-1".to_owned())]);
    assert_eq!(strings(&batch, "handling_conditions"), vec![None, Some("no onward sharing".to_owned())]);
    assert_eq!(strings(&batch, "subject")[0].as_deref(), Some("op beta"));

    let error = import_table(out.path(), "ERSOU", "tasking", &source, &open_data(None)).expect_err("foreign");
    assert!(matches!(&error, ImportError::ForeignRegion { row: 1, found, .. } if found == "EMSOU"), "{error}");
    assert_eq!(file_names(&table_dir(out.path(), "ERSOU", "tasking")), Vec::<String>::new());
}

#[test]
fn bad_requests_are_refused_with_the_reason() {
    let source_dir = tempfile::tempdir().expect("temp dir");
    let partial = source_dir.path().join("partial.csv");
    std::fs::write(&partial, "region,classification,value\nNWROCU,OFFICIAL,1\n").expect("write");
    let out = tempfile::tempdir().expect("temp dir");
    let markings = open_data(None);

    let error = import_table(out.path(), "NWROCU", "partial", &partial, &markings).expect_err("partial");
    let ImportError::PartialMarkings { present, missing, .. } = error else { panic!("unexpected {error}") };
    assert_eq!(present, ["region", "classification"]);
    assert_eq!(missing, ["record_id", "force", "handling_code", "handling_conditions"]);

    let reserved = import_table(out.path(), "NWROCU", "crimes", &partial, &markings);
    assert!(matches!(reserved, Err(ImportError::ReservedTable(_))));
    let region = import_table(out.path(), "../NWROCU", "stats", &partial, &markings);
    assert!(matches!(region, Err(ImportError::InvalidRegion(_))));
    let format = import_table(out.path(), "NWROCU", "stats", &source_dir.path().join("x.xlsx"), &markings);
    assert!(matches!(format, Err(ImportError::UnsupportedFormat { .. })));
    let conditions = DefaultMarkings { handling_code: "C".to_owned(), ..markings };
    let invalid = import_table(out.path(), "NWROCU", "stats", &partial, &conditions);
    assert!(matches!(invalid, Err(ImportError::InvalidMarkings(_))));
    assert_eq!(file_names(out.path()), Vec::<String>::new());
}
