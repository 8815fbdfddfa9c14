//! `toex regions`: the federation's regions with health, freshness and row counts per table.

use toex_proto::v1::{RegionHealth, RegionsRequest};

use crate::client::HubArgs;
use crate::exit;
use crate::output::Format;

pub async fn run(hub: &HubArgs, format: Format) -> anyhow::Result<u8> {
    let mut client = hub.connect().await?;
    let regions = client.regions(RegionsRequest {}).await?.into_inner();
    let withheld = regions.row_counts_withheld;
    if format == Format::Json {
        for region in &regions.regions {
            let tables: serde_json::Map<String, serde_json::Value> =
                region.tables.iter().map(|table| (table.name.clone(), row_count(table.rows, withheld))).collect();
            let line = serde_json::json!({
                "code": region.code,
                "name": region.name,
                "health": health_label(region.health),
                "detail": region.detail,
                "data_freshness": region.data_freshness,
                "last_checked": region.last_checked,
                "contact_point": region.contact_point,
                "tables": tables,
            });
            println!("{line}");
        }
        return Ok(exit::COMPLETE);
    }
    println!(
        "{:<8} {:<26} {:<12} {:<21} {:>10} {:>10} {:>10}",
        "REGION", "NAME", "HEALTH", "FRESHNESS", "PERSONS", "PHONES", "REPORTS"
    );
    for region in &regions.regions {
        let rows = |name: &str| {
            region
                .tables
                .iter()
                .find(|table| table.name == name)
                .filter(|_| !regions.row_counts_withheld)
                .map_or_else(|| "-".to_owned(), |table| table.rows.to_string())
        };
        println!(
            "{:<8} {:<26} {:<12} {:<21} {:>10} {:>10} {:>10}",
            region.code,
            region.name,
            health_label(region.health),
            region.data_freshness,
            rows("persons"),
            rows("phones"),
            rows("intel_reports")
        );
        if !region.detail.is_empty() {
            println!("         {}", region.detail);
        }
    }
    if regions.row_counts_withheld {
        println!("(whole-table row counts are for auditors and system principals: they include rows you may not see)");
    }
    let all_serving = regions.regions.iter().all(|region| region.health == RegionHealth::Serving as i32);
    Ok(if all_serving { exit::COMPLETE } else { exit::PARTIAL })
}

/// A table's row count in JSON: `null` when withheld from this caller.
fn row_count(rows: u64, withheld: bool) -> serde_json::Value {
    if withheld { serde_json::Value::Null } else { rows.into() }
}

fn health_label(health: i32) -> &'static str {
    match RegionHealth::try_from(health).unwrap_or(RegionHealth::Unspecified) {
        RegionHealth::Serving => "SERVING",
        RegionHealth::Unreachable => "UNREACHABLE",
        RegionHealth::Unspecified => "UNKNOWN",
    }
}
