//! Generates one region and prints the row counts and the time taken:
//! `cargo run --release -p toex-datagen --example generate_region -- NWROCU 100000 /tmp/toex-gen`.

use std::path::PathBuf;
use std::time::Instant;

use toex_datagen::{GenOptions, generate};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let region = args.next().unwrap_or_else(|| "NWROCU".to_owned());
    let scale: u64 = args.next().map_or(Ok(100_000), |text| text.parse())?;
    let out: PathBuf = args.next().map_or_else(|| std::env::temp_dir().join("toex-gen"), PathBuf::from);
    let started = Instant::now();
    let report = generate(&GenOptions { scale, ..GenOptions::new(&region) }, &out)?;
    let rows: u64 = report.tables.iter().map(|(_, rows)| rows).sum();
    println!("{region} scale {scale}: {rows} rows in {:.2?} -> {}", started.elapsed(), out.display());
    for (table, count) in &report.tables {
        println!("  {table:<14} {count}");
    }
    Ok(())
}
