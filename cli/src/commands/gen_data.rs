//! `toex gen-data`: deterministic synthetic data for one region.

use std::path::PathBuf;

use clap::Args;
use toex_datagen::{GenOptions, generate};

use crate::exit;

#[derive(Args, Debug)]
pub struct GenDataArgs {
    /// Region code, e.g. NWROCU.
    #[arg(long)]
    pub region: String,
    /// Output directory (one sub-directory per table).
    #[arg(long)]
    pub out: PathBuf,
    /// Persons in the region; other tables scale with it.
    #[arg(long, default_value_t = 2_000)]
    pub scale: u64,
    /// Seed: the same region, scale and seed give the same data.
    #[arg(long, default_value_t = 42)]
    pub seed: u64,
}

pub fn run(args: &GenDataArgs) -> anyhow::Result<u8> {
    let options = GenOptions { region: args.region.clone(), scale: args.scale, seed: args.seed };
    let report = generate(&options, &args.out)?;
    for (table, rows) in &report.tables {
        println!("{:<14} {rows:>12} rows", table);
    }
    println!("ground truth: {}", report.ground_truth_path.display());
    Ok(exit::COMPLETE)
}
