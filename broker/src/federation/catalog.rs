//! Builds the hub's federated catalogue from the regions' catalogues: one table per name, offered
//! by the regions whose schema agrees. A region whose schema disagrees is left out of that table
//! and named, never silently coerced.

use std::collections::BTreeMap;
use std::sync::Arc;

use arrow::datatypes::{Schema, SchemaRef};
use toex_common::cdm;

use crate::registry::RegionView;

/// One federated table before it becomes a DataFusion provider.
#[derive(Debug, Clone)]
pub struct FederatedTableDef {
    pub schema: SchemaRef,
    /// Regions asked for this table, in configuration order.
    pub regions: Vec<String>,
    /// Regions left out, with the reason, reported whenever the table is queried.
    pub excluded: Vec<(String, String)>,
}

/// The federated tables, by name.
pub type FederatedCatalog = BTreeMap<String, FederatedTableDef>;

/// Compares two schemas by column names and types (nullability may differ between regions).
pub fn schema_disagreement(expected: &Schema, found: &Schema) -> Option<String> {
    if expected.fields().len() != found.fields().len() {
        return Some(format!("{} columns where {} are expected", found.fields().len(), expected.fields().len()));
    }
    expected.fields().iter().zip(found.fields()).find_map(|(want, got)| {
        (want.name() != got.name() || want.data_type() != got.data_type()).then(|| {
            format!("column {} {} where {} {} is expected", got.name(), got.data_type(), want.name(), want.data_type())
        })
    })
}

/// `schema` with every column nullable: a node may mask any column (NULLs) under policy, so the
/// hub never plans on a column being non-null.
fn nullable(schema: &Schema) -> SchemaRef {
    let fields: Vec<_> = schema.fields().iter().map(|field| field.as_ref().clone().with_nullable(true)).collect();
    Arc::new(Schema::new(fields))
}

/// Builds the catalogue. Common-data-model tables always include every region whose catalogue is
/// unknown (so an unreachable region is reported, not forgotten); extra datasets include the
/// regions that offer them, with the first offering region's schema as the reference.
pub fn build_catalog(regions: &[RegionView]) -> FederatedCatalog {
    let mut catalog = FederatedCatalog::new();
    for table in cdm::tables() {
        let mut def = FederatedTableDef { schema: nullable(&table.schema), regions: Vec::new(), excluded: Vec::new() };
        for region in regions {
            let offered = region.tables.as_ref().map(|tables| tables.iter().find(|offered| offered.name == table.name));
            match offered {
                None => def.regions.push(region.code.clone()),
                Some(None) => def.excluded.push((region.code.clone(), format!("does not offer table {}", table.name))),
                Some(Some(offered)) => match schema_disagreement(&table.schema, &offered.schema) {
                    None => def.regions.push(region.code.clone()),
                    Some(reason) => def.excluded.push((region.code.clone(), format!("table {}: {reason}", table.name))),
                },
            }
        }
        catalog.insert(table.name.to_owned(), def);
    }
    for region in regions {
        for offered in region.tables.iter().flatten().filter(|offered| !offered.common_data_model) {
            if cdm::table_by_name(&offered.name).is_some() {
                continue;
            }
            let def = catalog.entry(offered.name.clone()).or_insert_with(|| FederatedTableDef {
                schema: nullable(&offered.schema),
                regions: Vec::new(),
                excluded: Vec::new(),
            });
            match schema_disagreement(&def.schema, &offered.schema) {
                None => def.regions.push(region.code.clone()),
                Some(reason) => def.excluded.push((region.code.clone(), format!("table {}: {reason}", offered.name))),
            }
        }
    }
    catalog
}
