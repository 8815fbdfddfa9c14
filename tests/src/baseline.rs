//! The centralised baseline: one DataFusion session over the union of every region's files, no
//! network. Federated answers must equal its answers.

use std::path::Path;
use std::sync::Arc;

use arrow::array::RecordBatch;
use datafusion::datasource::file_format::parquet::ParquetFormat;
use datafusion::datasource::listing::{ListingOptions, ListingTable, ListingTableConfig, ListingTableUrl};
use datafusion::prelude::{DataFrame, SessionContext};
use toex_common::cdm;
use toex_policy::{Access, Principal, RowRules, restrict_federated_plan};

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
    views_over_baseline(data_root, regions, async |raw, table| {
        Ok(raw.sql(&format!("SELECT * FROM {table} WHERE {visible}")).await?)
    })
    .await
}

/// The baseline under the policy's own row rules for `principal`: every table wrapped in the
/// filter and column masks the hub puts over a federated scan, so a centralised store pays what
/// enforcing the same rules on the same string markings costs, without network, tokens or audit.
/// (The per-region ownership check a node adds is not part of it: a central store has no regions
/// to keep apart.)
pub async fn centralised_context_with_rules(
    data_root: &Path,
    regions: &[String],
    principal: &Principal,
) -> anyhow::Result<SessionContext> {
    views_over_baseline(data_root, regions, async |raw, table| {
        let scan = raw.table(table).await?.into_unoptimized_plan();
        let rules = RowRules::for_request(principal, "", table, Access::Records);
        Ok(DataFrame::new(raw.state(), restrict_federated_plan(scan, &rules)?))
    })
    .await
}

/// A session whose every CDM table is the view `view` makes of that table on the bare baseline.
async fn views_over_baseline(
    data_root: &Path,
    regions: &[String],
    view: impl AsyncFn(&SessionContext, &str) -> anyhow::Result<DataFrame>,
) -> anyhow::Result<SessionContext> {
    let raw = centralised_context(data_root, regions).await?;
    let context = SessionContext::new_with_state(toex_common::session::locked_down_session(8192).build());
    for table in cdm::tables() {
        context.register_table(table.name, view(&raw, table.name).await?.into_view())?;
    }
    Ok(context)
}
