//! Loads a region's tables into a DataFusion session: the common data model from Parquet
//! directories (refused when a file's marking codes disagree with its markings), and extra
//! datasets (CSV or Parquet) with dataset-level default markings.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::SystemTime;

use arrow::array::{ArrayRef, Int8Array, RecordBatch, StringArray};
use arrow::datatypes::{Schema, SchemaRef};
use datafusion::datasource::MemTable;
use datafusion::datasource::file_format::parquet::ParquetFormat;
use datafusion::datasource::listing::{ListingOptions, ListingTable, ListingTableConfig, ListingTableUrl};
use datafusion::execution::session_state::SessionState;
use datafusion::prelude::{CsvReadOptions, ParquetReadOptions, SessionContext};
use toex_common::cdm::{self, MARKING_COLUMNS};
use toex_common::markings::marking_code;

use crate::config::{DatasetConfig, DatasetFormat, NodeConfig};
use crate::entity_index::EntityIndex;
use crate::error::NodeError;
use crate::marking_codes::{CheckedRows, check_stored_codes, with_derived_codes};
use crate::plan_cache::PlanCache;

/// One table the node offers.
#[derive(Debug, Clone)]
pub struct LoadedTable {
    pub name: String,
    pub schema: SchemaRef,
    pub rows: u64,
    pub common_data_model: bool,
    /// Newest modification time of the table's files (load time for tables with no files).
    pub freshness: SystemTime,
    /// True when the load found every row owned by this node's region, so the release filter
    /// needs no per-row ownership test (false for extra datasets: they are not checked).
    pub every_row_owned: bool,
}

/// A region's data, ready to query.
pub struct RegionData {
    pub context: SessionContext,
    /// The session's state, taken once: what queries are resolved and planned against.
    pub planning: Arc<SessionState>,
    pub tables: Vec<LoadedTable>,
    /// The entity indexes entity search reads, built from the same files.
    pub index: EntityIndex,
    /// Plans already resolved and optimised against these tables.
    pub plans: PlanCache,
}

impl RegionData {
    /// Newest freshness over all tables.
    pub fn freshness(&self) -> SystemTime {
        self.tables.iter().map(|table| table.freshness).max().unwrap_or(SystemTime::UNIX_EPOCH)
    }

    /// True when the load found every row of `table` owned by this node's region.
    pub fn every_row_owned(&self, table: &str) -> bool {
        self.tables.iter().any(|loaded| loaded.name == table && loaded.every_row_owned)
    }
}

/// Loads every common-data-model table and every configured extra dataset.
pub async fn load(config: &NodeConfig) -> Result<RegionData, NodeError> {
    let mut session = toex_common::session::locked_down_session(config.limits.batch_size)
        .with_physical_optimizer_rule(Arc::new(crate::cancellation::YieldBetweenBatches));
    if config.limits.target_partitions > 0
        && let Some(session_config) = session.config()
    {
        session_config.options_mut().execution.target_partitions = config.limits.target_partitions;
    }
    let state = session.build();
    let context = SessionContext::new_with_state(state);
    let mut tables = Vec::new();
    for table in cdm::tables() {
        let directory = config.data_dir.join(table.name);
        let (freshness, checked) = register_cdm_table(&context, table, &directory, &config.region).await?;
        if checked.owned_elsewhere > 0 {
            tracing::warn!(
                table = table.name,
                rows = checked.owned_elsewhere,
                "rows another region owns (or with no region) are in this node's files; they are never released"
            );
        }
        tables.push(LoadedTable {
            name: table.name.to_owned(),
            schema: table.schema.clone(),
            rows: count_rows(&context, table.name).await?,
            common_data_model: true,
            freshness,
            every_row_owned: checked.owned_elsewhere == 0,
        });
    }
    for dataset in &config.datasets {
        let schema = register_extra_dataset(&context, config, dataset).await?;
        tables.push(LoadedTable {
            name: dataset.name.clone(),
            schema,
            rows: count_rows(&context, &dataset.name).await?,
            common_data_model: false,
            freshness: newest_modification(&dataset.path),
            every_row_owned: false,
        });
    }
    let index = EntityIndex::build(&context).await?;
    let planning = Arc::new(context.state());
    Ok(RegionData { context, planning, tables, index, plans: PlanCache::default() })
}

/// Registers a CDM table over a directory of Parquet files, or as an empty table when the
/// directory does not exist. Files whose schema or marking codes disagree with the CDM refuse
/// the load. Returns the files' freshness and what their rows were found to be.
async fn register_cdm_table(
    context: &SessionContext,
    table: &cdm::CdmTable,
    directory: &Path,
    region: &str,
) -> Result<(SystemTime, CheckedRows), NodeError> {
    if !directory.is_dir() {
        let empty = MemTable::try_new(table.schema.clone(), vec![vec![]])?;
        context.register_table(table.name, Arc::new(empty))?;
        return Ok((SystemTime::UNIX_EPOCH, CheckedRows { owned_elsewhere: 0 }));
    }
    let url = ListingTableUrl::parse(directory.to_string_lossy())?;
    let options = ListingOptions::new(Arc::new(
        ParquetFormat::default().with_options(context.state().table_options().parquet.clone()),
    ))
    .with_file_extension(".parquet");
    let found = options.infer_schema(&context.state(), &url).await?;
    check_schema(table.name, &table.schema, &found)?;
    let listing = ListingTableConfig::new(url).with_listing_options(options).with_schema(table.schema.clone());
    // The session's file-statistics cache keeps each file's statistics between queries (keyed
    // by path, size and modification time), so planning does not rebuild them from the footers.
    let statistics = context.runtime_env().cache_manager.get_file_statistic_cache();
    context.register_table(table.name, Arc::new(ListingTable::try_new(listing)?.with_cache(statistics)))?;
    let checked = check_stored_codes(context, table.name, region).await?;
    Ok((newest_modification(directory), checked))
}

/// Every CDM column must be present with the CDM type (extra columns are refused too, so the
/// federation's union stays well-defined).
fn check_schema(table: &str, expected: &Schema, found: &Schema) -> Result<(), NodeError> {
    for field in expected.fields() {
        match found.field_with_name(field.name()) {
            Ok(actual) if actual.data_type() == field.data_type() => {}
            Ok(actual) => {
                return Err(NodeError::Schema(format!(
                    "table {table}: column {} is {} in the files but {} in the common data model",
                    field.name(),
                    actual.data_type(),
                    field.data_type()
                )));
            }
            Err(_) => {
                return Err(NodeError::Schema(format!(
                    "table {table}: column {} is missing from the files",
                    field.name()
                )));
            }
        }
    }
    if let Some(extra) = found.fields().iter().find(|field| expected.field_with_name(field.name()).is_err()) {
        return Err(NodeError::Schema(format!(
            "table {table}: column {} is not in the common data model",
            extra.name()
        )));
    }
    Ok(())
}

/// Reads an extra dataset into memory, adding the marking columns when it has none.
async fn register_extra_dataset(
    context: &SessionContext,
    config: &NodeConfig,
    dataset: &DatasetConfig,
) -> Result<SchemaRef, NodeError> {
    let path = dataset.path.to_string_lossy().into_owned();
    let frame = match dataset.format {
        DatasetFormat::Csv => context.read_csv(path, CsvReadOptions::new()).await?,
        DatasetFormat::Parquet => context.read_parquet(path, ParquetReadOptions::default()).await?,
    };
    let batches = frame.collect().await?;
    let source_schema = batches.first().map(RecordBatch::schema);
    let Some(source_schema) = source_schema else {
        return Err(NodeError::Schema(format!("dataset {}: no rows in {}", dataset.name, dataset.path.display())));
    };
    let present = MARKING_COLUMNS.iter().filter(|column| source_schema.field_with_name(column).is_ok()).count();
    let batches = match present {
        0 => add_markings(config, dataset, &source_schema, batches)?,
        count if count == MARKING_COLUMNS.len() => {
            batches.into_iter().map(with_derived_codes).collect::<Result<Vec<_>, _>>()?
        }
        _ => {
            return Err(NodeError::Schema(format!(
                "dataset {}: has some but not all marking columns ({})",
                dataset.name,
                MARKING_COLUMNS.join(", ")
            )));
        }
    };
    let schema = batches[0].schema();
    let table = MemTable::try_new(schema.clone(), vec![batches])?;
    context.register_table(dataset.name.as_str(), Arc::new(table))?;
    Ok(schema)
}

fn add_markings(
    config: &NodeConfig,
    dataset: &DatasetConfig,
    source_schema: &SchemaRef,
    batches: Vec<RecordBatch>,
) -> Result<Vec<RecordBatch>, NodeError> {
    let mut fields = cdm::marking_fields();
    let source_columns: Vec<usize> = (0..source_schema.fields().len())
        .filter(|&index| source_schema.field(index).name() != cdm::MARKING_CODE)
        .collect();
    fields.extend(source_columns.iter().map(|&index| source_schema.field(index).clone()));
    let schema = Arc::new(Schema::new(fields));
    let markings = &dataset.default_markings;
    let force = markings.force.clone().unwrap_or_else(|| config.region.clone());
    let mut next_row = 1u64;
    let mut marked = Vec::with_capacity(batches.len());
    for batch in batches {
        let rows = batch.num_rows();
        let ids: StringArray =
            (next_row..next_row + rows as u64).map(|row| Some(format!("{}:{row}", dataset.name))).collect();
        next_row += rows as u64;
        let constant = |value: &str| -> ArrayRef { Arc::new(StringArray::from(vec![value; rows])) };
        let conditions: ArrayRef = Arc::new(StringArray::from(vec![markings.handling_conditions.as_deref(); rows]));
        let code =
            marking_code(&markings.classification, &markings.handling_code, markings.handling_conditions.as_deref());
        let mut columns: Vec<ArrayRef> = vec![
            Arc::new(ids),
            constant(&config.region),
            constant(&force),
            constant(&markings.classification),
            constant(&markings.handling_code),
            conditions,
            Arc::new(Int8Array::from(vec![code; rows])),
        ];
        columns.extend(source_columns.iter().map(|&index| batch.column(index).clone()));
        marked.push(RecordBatch::try_new(schema.clone(), columns)?);
    }
    Ok(marked)
}

async fn count_rows(context: &SessionContext, table: &str) -> Result<u64, NodeError> {
    Ok(context.table(table).await?.count().await? as u64)
}

/// The newest modification time of a file, or of any file below a directory.
pub fn newest_modification(path: &Path) -> SystemTime {
    let mut newest = SystemTime::UNIX_EPOCH;
    let mut pending: Vec<PathBuf> = vec![path.to_owned()];
    while let Some(next) = pending.pop() {
        let Ok(metadata) = std::fs::metadata(&next) else { continue };
        if metadata.is_dir() {
            if let Ok(entries) = std::fs::read_dir(&next) {
                pending.extend(entries.flatten().map(|entry| entry.path()));
            }
        } else if let Ok(modified) = metadata.modified() {
            newest = newest.max(modified);
        }
    }
    newest
}
