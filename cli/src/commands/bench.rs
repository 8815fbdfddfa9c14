//! `toex bench`: the federation benchmark (W1-W6 through the hub, direct to the nodes and on a
//! centralised baseline, in one run). Prints a table and writes the figures as JSON.

use std::path::PathBuf;

use clap::Args;
use toex_tests::bench::{self, BenchOptions, Target, Workload};

use crate::exit;

#[derive(Args, Debug)]
pub struct BenchArgs {
    /// A smoke run that finishes in a couple of minutes (500 and 5,000 persons per region).
    #[arg(long)]
    pub quick: bool,
    /// Persons per region at each scale, comma separated (default 5000,50000; quick 500,5000).
    #[arg(long, value_delimiter = ',')]
    pub scales: Option<Vec<u64>>,
    /// Sequential calls per workload and target.
    #[arg(long)]
    pub iterations: Option<usize>,
    /// Where generated data is kept and reused.
    #[arg(long, default_value = "toex-bench-data")]
    pub data: PathBuf,
    /// Where the JSON figures are written.
    #[arg(long, default_value = "toex-bench.json")]
    pub json: PathBuf,
    /// Only these workloads, comma separated (`w1` ... `w6`), for example to profile one.
    /// Narrowing workloads or targets skips the audit on/off comparison.
    #[arg(long, value_delimiter = ',')]
    pub workloads: Option<Vec<String>>,
    /// Only these targets, comma separated (`hub`, `direct`, `one-node`, `central`, `central-rules`).
    #[arg(long, value_delimiter = ',')]
    pub targets: Option<Vec<String>>,
    /// How many regions take part, from the first (default all ten); fewer keep a large
    /// scale within the machine's memory, as every node runs in this one process.
    #[arg(long)]
    pub regions: Option<usize>,
    /// Partitions each node splits a query into (default: the machine's cores shared among
    /// the nodes, at least one; 0: one per core for every node).
    #[arg(long)]
    pub node_partitions: Option<usize>,
}

pub async fn run(args: BenchArgs) -> anyhow::Result<u8> {
    let mut options = if args.quick { BenchOptions::quick(args.data) } else { BenchOptions::full(args.data) };
    if let Some(scales) = args.scales {
        anyhow::ensure!(!scales.is_empty() && scales.iter().all(|scale| *scale > 0), "--scales: give positive numbers");
        options.scales = scales;
    }
    if let Some(iterations) = args.iterations {
        anyhow::ensure!(iterations > 0, "--iterations must be at least 1");
        options.iterations = iterations;
    }
    if let Some(regions) = args.regions {
        anyhow::ensure!(regions > 0, "--regions must be at least 1");
        options.regions = regions;
    }
    options.node_partitions = args.node_partitions;
    if let Some(codes) = &args.workloads {
        options.workloads = parse_codes(codes, "--workloads", Workload::from_code, "w1 ... w6")?;
        options.audit_comparison = false;
    }
    if let Some(codes) = &args.targets {
        options.targets =
            parse_codes(codes, "--targets", Target::from_code, "hub, direct, one-node, central, central-rules")?;
        options.audit_comparison = false;
    }
    if cfg!(debug_assertions) {
        eprintln!("warning: this is a debug build; figures mean little (use cargo run --release -p toex -- bench)");
    }
    let report = bench::run(&options).await?;
    println!("{}", bench::render(&report));
    std::fs::write(&args.json, serde_json::to_string_pretty(&report)? + "\n")?;
    eprintln!("figures written to {}", args.json.display());
    Ok(exit::COMPLETE)
}

/// Every code in `codes` as what `parse` makes of it; an unknown one names the flag and the
/// codes it takes.
fn parse_codes<T>(codes: &[String], flag: &str, parse: fn(&str) -> Option<T>, known: &str) -> anyhow::Result<Vec<T>> {
    anyhow::ensure!(!codes.is_empty(), "{flag}: give at least one of {known}");
    codes
        .iter()
        .map(|code| parse(code).ok_or_else(|| anyhow::anyhow!("{flag}: unknown `{code}` (known: {known})")))
        .collect()
}
