//! The centralised baseline: one DataFusion session over the union of every region's files, no
//! network. Federated answers must equal its answers.

use std::path::Path;
use std::sync::Arc;

use arrow::array::RecordBatch;
use datafusion::datasource::file_format::parquet::ParquetFormat;
use datafusion::datasource::listing::{ListingOptions, ListingTable, ListingTableConfig, ListingTableUrl};
use datafusion::prelude::SessionContext;
use toex_common::cdm;

/// A session whose tables are the union of `regions`' files under `data_root`.
pub async fn centralised_context(data_root: &Path, regions: &[String]) -> anyhow::Result<SessionContext> {
    let context = SessionContext::new_with_state(toex_common::session::locked_down_session(8192).build());
    for table in cdm::tables() {
        let urls = regions
            .iter()
            .map(|region| data_root.join(region).join(table.name))
            .filter(|directory| directory.is_dir())
            .map(|directory| ListingTableUrl::parse(directory.to_string_lossy()))
            .collect::<Result<Vec<_>, _>>()?;
        let options = ListingOptions::new(Arc::new(
            ParquetFormat::default().with_options(context.state().table_options().parquet.clone()),
        ))
        .with_file_extension(".parquet");
        let config = ListingTableConfig::new_with_multi_paths(urls)
            .with_listing_options(options)
            .with_schema(table.schema.clone());
        // File statistics kept between queries, as the nodes keep them.
        let statistics = context.runtime_env().cache_manager.get_file_statistic_cache();
        context.register_table(table.name, Arc::new(ListingTable::try_new(config)?.with_cache(statistics)))?;
    }
    Ok(context)
}

/// Runs SQL on the baseline.
pub async fn run(context: &SessionContext, sql: &str) -> anyhow::Result<Vec<RecordBatch>> {
    Ok(context.sql(sql).await?.collect().await?)
}

/// What a national analyst cleared to SECRET, with no home region, may see: every classification,
/// and handling code C rows never (they are released in full only to their owning region). An
/// independent statement of the policy's row rule, for comparing federated answers.
pub const NATIONAL_ANALYST_VISIBLE: &str = "handling_code = 'P'";

/// The baseline as one caller sees it: every table filtered by `visible`, a SQL predicate over
/// the marking columns.
pub async fn centralised_context_visible(
    data_root: &Path,
    regions: &[String],
    visible: &str,
) -> anyhow::Result<SessionContext> {
    let raw = centralised_context(data_root, regions).await?;
    let context = SessionContext::new_with_state(toex_common::session::locked_down_session(8192).build());
    for table in cdm::tables() {
        let frame = raw.sql(&format!("SELECT * FROM {} WHERE {visible}", table.name)).await?;
        context.register_table(table.name, frame.into_view())?;
    }
    Ok(context)
}
