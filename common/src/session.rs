//! DataFusion sessions locked down for read-only federated querying, shared by hub and node.

use std::collections::HashMap;

use datafusion::execution::session_state::SessionStateBuilder;
use datafusion::prelude::SessionConfig;

/// A session builder with the built-in functions but no table functions (`generate_series`,
/// `range` ...), no table factories (`CREATE EXTERNAL TABLE`), no URL tables and no
/// `information_schema`: a caller can reach only the tables we register.
pub fn locked_down_session(batch_size: usize) -> SessionStateBuilder {
    let mut config = SessionConfig::new()
        .with_batch_size(batch_size)
        .with_information_schema(false)
        .with_create_default_catalog_and_schema(true);
    // Plain Utf8 everywhere, so schemas compare equal across files, nodes and the hub.
    let options = config.options_mut();
    options.execution.parquet.schema_force_view_types = false;
    options.sql_parser.map_string_types_to_utf8view = false;
    SessionStateBuilder::new()
        .with_config(config)
        .with_default_features()
        .with_table_functions(HashMap::new())
        .with_table_factories(HashMap::new())
}
