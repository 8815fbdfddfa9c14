//! Printing answers: a readable table, NDJSON or CSV on stdout; region outcomes on stderr.

use std::io::{Stdout, Write};

use arrow::array::RecordBatch;
use arrow::datatypes::SchemaRef;
use arrow::util::pretty::pretty_format_batches;
use clap::ValueEnum;
use toex_proto::v1::{AnswerSummary, RegionOutcome, RegionStatus};

use crate::client::AnswerSink;

/// Output formats of the client commands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Format {
    /// A readable table.
    Table,
    /// One JSON object per row (NDJSON).
    Json,
    /// Comma-separated values with a header row.
    Csv,
}

/// A sink that prints in the chosen format.
pub fn sink(format: Format) -> Box<dyn AnswerSink> {
    match format {
        Format::Table => Box::new(TableSink::default()),
        Format::Json => Box::new(JsonSink { writer: arrow::json::LineDelimitedWriter::new(std::io::stdout()) }),
        Format::Csv => Box::new(CsvSink { writer: None }),
    }
}

/// Collects the answer and prints it as one table when it ends.
#[derive(Default)]
pub struct TableSink {
    schema: Option<SchemaRef>,
    batches: Vec<RecordBatch>,
}

impl AnswerSink for TableSink {
    fn schema(&mut self, schema: &SchemaRef) -> anyhow::Result<()> {
        self.schema = Some(schema.clone());
        Ok(())
    }

    fn batch(&mut self, batch: &RecordBatch) -> anyhow::Result<()> {
        self.batches.push(batch.clone());
        Ok(())
    }
}

impl Drop for TableSink {
    fn drop(&mut self) {
        let Some(schema) = &self.schema else { return };
        let batches = if self.batches.is_empty() {
            vec![RecordBatch::new_empty(schema.clone())]
        } else {
            std::mem::take(&mut self.batches)
        };
        match pretty_format_batches(&batches) {
            Ok(table) => println!("{table}"),
            Err(error) => eprintln!("error: cannot format the answer: {error}"),
        }
    }
}

struct JsonSink {
    writer: arrow::json::LineDelimitedWriter<Stdout>,
}

impl AnswerSink for JsonSink {
    fn schema(&mut self, _schema: &SchemaRef) -> anyhow::Result<()> {
        Ok(())
    }

    fn batch(&mut self, batch: &RecordBatch) -> anyhow::Result<()> {
        self.writer.write(batch)?;
        Ok(())
    }
}

struct CsvSink {
    writer: Option<arrow::csv::Writer<Stdout>>,
}

impl AnswerSink for CsvSink {
    fn schema(&mut self, _schema: &SchemaRef) -> anyhow::Result<()> {
        self.writer = Some(arrow::csv::Writer::new(std::io::stdout()));
        Ok(())
    }

    fn batch(&mut self, batch: &RecordBatch) -> anyhow::Result<()> {
        match self.writer.as_mut() {
            Some(writer) => Ok(writer.write(batch)?),
            None => anyhow::bail!("the hub sent rows before the schema"),
        }
    }
}

/// Prints what each region did, and whether the answer is complete, to stderr.
pub fn print_summary(summary: &AnswerSummary) {
    eprintln!(
        "query {}: {} rows{}",
        summary.query_id,
        summary.rows,
        if summary.truncated { " (truncated at the row or byte cap)" } else { "" }
    );
    print_outcomes(&summary.regions, summary.complete);
    if !summary.safeguarding.is_empty() {
        eprintln!(
            "SAFEGUARDING: this answer touches {}: identify and escalate the risk (recorded in the audit trail)",
            summary.safeguarding.join(", ").to_lowercase().replace('_', " ")
        );
    }
}

/// Prints the region-by-region account of an answer and whether it is complete, on stderr.
pub fn print_outcomes(regions: &[RegionOutcome], complete: bool) {
    let mut err = std::io::stderr().lock();
    for region in regions {
        let status = RegionStatus::try_from(region.status).unwrap_or(RegionStatus::Unspecified);
        let label = status.as_str_name().trim_start_matches("REGION_STATUS_");
        let detail = if region.detail.is_empty() { String::new() } else { format!("  {}", region.detail) };
        let _ = writeln!(err, "  {:<8} {:<12} {:>8} rows{detail}", region.region, label, region.rows);
    }
    let verdict = if complete {
        "complete: every region in scope answered"
    } else {
        "PARTIAL: some regions did not answer; absence of a result is NOT a \"no trace\""
    };
    let _ = writeln!(err, "{verdict}");
}
