//! `toex regions`: the federation's regions with health, freshness and row counts per table.

use toex_proto::v1::{RegionHealth, RegionsRequest};

use crate::client::HubArgs;
use crate::exit;
use crate::output::Format;

pub async fn run(hub: &HubArgs, format: Format) -> anyhow::Result<u8> {
    let mut client = hub.connect().await?;
    let regions = client.regions(RegionsRequest {}).await?.into_inner();
    if format == Format::Json {
        for region in &regions.regions {
            let tables: serde_json::Map<String, serde_json::Value> =
                region.tables.iter().map(|table| (table.name.clone(), table.rows.into())).collect();
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
    let all_serving = regions.regions.iter().all(|region| region.health == RegionHealth::Serving as i32);
    Ok(if all_serving { exit::COMPLETE } else { exit::PARTIAL })
}

fn health_label(health: i32) -> &'static str {
    match RegionHealth::try_from(health).unwrap_or(RegionHealth::Unspecified) {
        RegionHealth::Serving => "SERVING",
        RegionHealth::Unreachable => "UNREACHABLE",
        RegionHealth::Unspecified => "UNKNOWN",
    }
}
