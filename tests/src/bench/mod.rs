//! The federation benchmark behind `toex bench`: starts the regions (all ten unless narrowed)
//! and the hub in this process with production settings (TLS, verified tokens, delegation,
//! Cedar policy, audit), over synthetic data at one or more scales, and runs workloads W1-W6
//! through the hub, straight to the nodes and on a centralised baseline in the same run, so
//! that what it reports are ratios on one machine at one moment. Tests never assert these
//! figures.

pub mod stats;
pub mod workloads;

use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use serde::Serialize;
use toex_audit::{SegmentSink, Storage};
use toex_broker::config::HubLimits;

use crate::Federation;
use crate::baseline::{centralised_context, centralised_context_with_rules};
use crate::federation::generate_regions;
use stats::{Percentiles, peak_rss_mib, rss_mib};
use workloads::{Baselines, Inputs, Runner};
pub use workloads::{Target, Workload};

/// What to run.
#[derive(Debug, Clone)]
pub struct BenchOptions {
    /// Persons per region at each scale, smallest first.
    pub scales: Vec<u64>,
    /// Sequential calls per workload and target (latency percentiles, throughput at 1).
    pub iterations: usize,
    /// Calls per workload and target at concurrency 16.
    pub concurrent_calls: usize,
    /// Calls of the bulk stream (W5), which moves every row each time.
    pub stream_iterations: usize,
    /// Where generated data is kept (reused by later runs).
    pub data_dir: PathBuf,
    /// The generator's seed.
    pub seed: u64,
    /// The workloads measured (all, unless narrowed to profile one).
    pub workloads: Vec<Workload>,
    /// The targets each workload runs against.
    pub targets: Vec<Target>,
    /// Whether to run the audit on/off comparison (a second federation per scale).
    pub audit_comparison: bool,
    /// How many regions take part (the first of the ten, in the generator's order).
    pub regions: usize,
    /// Partitions per node query; `None` shares the machine's cores among the nodes, as the
    /// nodes of one region each would have their own.
    pub node_partitions: Option<usize>,
}

impl BenchOptions {
    /// A smoke run: small data, few calls.
    pub fn quick(data_dir: PathBuf) -> Self {
        Self {
            scales: vec![500, 5_000],
            iterations: 30,
            concurrent_calls: 64,
            stream_iterations: 3,
            data_dir,
            seed: 42,
            workloads: Workload::ALL.to_vec(),
            targets: Target::ALL.to_vec(),
            audit_comparison: true,
            regions: toex_datagen::all_region_codes().len(),
            node_partitions: None,
        }
    }

    /// The recorded run: 5,000 and 50,000 persons per region.
    pub fn full(data_dir: PathBuf) -> Self {
        Self {
            scales: vec![5_000, 50_000],
            iterations: 100,
            concurrent_calls: 320,
            stream_iterations: 3,
            data_dir,
            seed: 42,
            workloads: Workload::ALL.to_vec(),
            targets: Target::ALL.to_vec(),
            audit_comparison: true,
            regions: toex_datagen::all_region_codes().len(),
            node_partitions: None,
        }
    }
}

/// Concurrency of the loaded throughput figure.
pub const CONCURRENCY: usize = 16;

/// One workload on one target at one scale.
#[derive(Debug, Clone, Serialize)]
pub struct Measurement {
    pub scale: u64,
    pub workload: Workload,
    pub target: Target,
    pub latency: Percentiles,
    pub throughput_c1: f64,
    pub throughput_c16: f64,
    /// Protobuf bytes the hub received from nodes per call (hub target only).
    pub bytes_from_nodes_per_call: Option<u64>,
    /// Bytes delivered to the caller per call.
    pub bytes_delivered_per_call: u64,
}

/// A whole run.
#[derive(Debug, Clone, Serialize)]
pub struct Report {
    pub machine: String,
    pub regions: usize,
    /// Partitions each node splits a query into.
    pub node_partitions: usize,
    pub scales: Vec<u64>,
    pub largest_table: String,
    pub measurements: Vec<Measurement>,
    /// Largest rise of the process's resident memory during the hub W5 series, per scale (MiB).
    pub w5_rss_rise_mib: Vec<(u64, f64)>,
    /// Peak resident memory of the whole process (hub, ten nodes, baseline and load generator).
    pub process_peak_rss_mib: f64,
    /// W1 throughput at concurrency 16 with audit on and with audit storage off, per scale.
    pub audit_cost: Vec<AuditCost>,
    pub targets: Vec<TargetCheck>,
}

/// What durable audit costs W1 under load: calls per second at concurrency 16 through a
/// federation with real trails and through one whose trails keep nothing (records are still
/// built, chained and signed; nothing is written or fsynced). Rounds alternate between the two.
#[derive(Debug, Clone, Serialize)]
pub struct AuditCost {
    pub scale: u64,
    /// Medians of the rounds below.
    pub audit_on_c16: f64,
    pub audit_off_c16: f64,
    /// Every round, in the order run (on and off alternate, on first), to show the spread.
    pub audit_on_rounds: Vec<f64>,
    pub audit_off_rounds: Vec<f64>,
    /// W4 p50 straight to one node with audit on and with audit storage off (ms): how much of a
    /// node's fixed cost per SQL query is its audit appends.
    pub w4_one_node_audit_on_p50_ms: f64,
    pub w4_one_node_audit_off_p50_ms: f64,
}

/// Alternating rounds of the audit comparison; the median of each side is reported.
const AUDIT_ROUNDS: usize = 3;

/// One of the targets, as measured.
#[derive(Debug, Clone, Serialize)]
pub struct TargetCheck {
    pub name: String,
    pub measured: String,
    pub met: bool,
}

/// Runs every scale and workload, printing progress to stderr.
pub async fn run(options: &BenchOptions) -> anyhow::Result<Report> {
    let all = toex_datagen::all_region_codes();
    anyhow::ensure!(
        (1..=all.len()).contains(&options.regions),
        "regions: between 1 and {} (asked for {})",
        all.len(),
        options.regions
    );
    let regions = all[..options.regions].to_vec();
    let partitions = options.node_partitions.unwrap_or_else(|| shared_cores(regions.len()));
    let tune = move |config: &mut toex_node::config::NodeConfig| config.limits.target_partitions = partitions;
    let mut measurements = Vec::new();
    let mut rss_rises = Vec::new();
    let mut largest_table = String::new();
    let mut audit_costs = Vec::new();
    for scale in &options.scales {
        let root = options.data_dir.join(format!("scale-{scale}"));
        eprintln!(
            "generating {} regions x {scale} persons under {} (reused when present)",
            regions.len(),
            root.display()
        );
        generate_regions(&root, &regions, *scale, options.seed)?;
        let limits = HubLimits {
            requests_per_second_per_principal: 1_000_000,
            request_burst_per_principal: 1_000_000,
            ..HubLimits::default()
        };
        let federation = Arc::new(Federation::start_with_limits_and(&root, &regions, limits.clone(), tune).await?);
        let baselines = baselines(&root, &federation).await?;
        let inputs = Inputs::sample(&baselines.bare).await?;
        largest_table.clone_from(&inputs.largest_table);
        let runner = Arc::new(Runner::connect(Arc::clone(&federation), baselines, inputs).await?);
        for &workload in &options.workloads {
            for &target in &options.targets {
                let measured = measure(&runner, options, *scale, workload, target, &mut rss_rises).await?;
                eprintln!(
                    "  scale {scale:>6} {:<20} {:<13} p50 {:>9.2} ms  p95 {:>9.2} ms  c1 {:>8.1}/s  c16 {:>8.1}/s",
                    workload.label(),
                    target.label(),
                    measured.latency.p50_ms,
                    measured.latency.p95_ms,
                    measured.throughput_c1,
                    measured.throughput_c16
                );
                measurements.push(measured);
            }
        }
        if options.audit_comparison {
            let cost = audit_cost(&runner, &root, &regions, limits, tune, options, *scale).await?;
            eprintln!(
                "  scale {scale:>6} W1 c16 with audit on {:.1}/s {:.0?}, storage off {:.1}/s {:.0?}; W4 one node p50 {:.2} / {:.2} ms",
                cost.audit_on_c16,
                cost.audit_on_rounds,
                cost.audit_off_c16,
                cost.audit_off_rounds,
                cost.w4_one_node_audit_on_p50_ms,
                cost.w4_one_node_audit_off_p50_ms
            );
            audit_costs.push(cost);
        }
        drop(runner);
        if let Ok(federation) = Arc::try_unwrap(federation) {
            federation.shutdown().await;
        }
    }
    let mut report = Report {
        machine: machine(),
        regions: regions.len(),
        node_partitions: partitions,
        scales: options.scales.clone(),
        largest_table,
        measurements,
        w5_rss_rise_mib: rss_rises,
        process_peak_rss_mib: peak_rss_mib(),
        audit_cost: audit_costs,
        targets: Vec::new(),
    };
    report.targets = check_targets(&report);
    Ok(report)
}

/// The centralised baselines over `federation`'s files: bare, and behind the row rules of the
/// caller every hub workload runs as.
async fn baselines(root: &std::path::Path, federation: &Federation) -> anyhow::Result<Baselines> {
    let caller = federation.national_caller()?;
    let principal = toex_policy::principal_from_claims(&caller.claims);
    Ok(Baselines {
        bare: centralised_context(root, &federation.regions).await?,
        with_rules: centralised_context_with_rules(root, &federation.regions, &principal).await?,
    })
}

async fn measure(
    runner: &Arc<Runner>,
    options: &BenchOptions,
    scale: u64,
    workload: Workload,
    target: Target,
    rss_rises: &mut Vec<(u64, f64)>,
) -> anyhow::Result<Measurement> {
    let bulk = workload == Workload::W5BulkStream;
    let iterations = if bulk { options.stream_iterations } else { options.iterations };
    let concurrent = options.concurrent_calls;
    warm_up(runner, workload, target).await?;
    let watch = (bulk && target == Target::Hub).then(RssWatch::start);
    let bytes_before = runner.federation.hub().bytes_from_nodes();
    let mut samples = Vec::with_capacity(iterations);
    let mut delivered = 0;
    let started = Instant::now();
    for call in 0..iterations {
        let begun = Instant::now();
        delivered += runner.call(workload, target, call as u64).await?;
        samples.push(begun.elapsed());
    }
    let sequential = started.elapsed();
    let from_nodes = runner.federation.hub().bytes_from_nodes() - bytes_before;
    if let Some(watch) = watch {
        rss_rises.push((scale, watch.stop().await));
    }
    // Sixteen full copies of the largest table at once measure the machine's memory, not the
    // federation: the bulk stream is measured sequentially only.
    let throughput_c16 = if bulk { 0.0 } else { concurrent_throughput(runner, workload, target, concurrent).await? };
    let calls = iterations.max(1) as u64;
    Ok(Measurement {
        scale,
        workload,
        target,
        latency: Percentiles::of(&mut samples),
        throughput_c1: iterations as f64 / sequential.as_secs_f64().max(f64::EPSILON),
        throughput_c16,
        bytes_from_nodes_per_call: (target == Target::Hub).then_some(from_nodes / calls),
        bytes_delivered_per_call: delivered / calls,
    })
}

/// Calls per second with [`CONCURRENCY`] callers sharing `calls` calls.
async fn concurrent_throughput(
    runner: &Arc<Runner>,
    workload: Workload,
    target: Target,
    calls: usize,
) -> anyhow::Result<f64> {
    let started = Instant::now();
    let tasks: Vec<_> = (0..CONCURRENCY)
        .map(|worker| {
            let runner = Arc::clone(runner);
            tokio::spawn(async move {
                let mut call = worker;
                while call < calls {
                    runner.call(workload, target, 1_000_000 + call as u64).await?;
                    call += CONCURRENCY;
                }
                anyhow::Ok(())
            })
        })
        .collect();
    for task in tasks {
        task.await??;
    }
    Ok(calls as f64 / started.elapsed().as_secs_f64().max(f64::EPSILON))
}

/// Each node's share of this machine's cores, at least one: ten nodes on two cores each get one
/// partition, as each would split its queries by its own cores on a machine of its own.
fn shared_cores(nodes: usize) -> usize {
    let cores = std::thread::available_parallelism().map_or(1, std::num::NonZeroUsize::get);
    (cores / nodes.max(1)).max(1)
}

/// W1 calls per second at concurrency 16 with audit on (`runner`) and off (a second federation
/// over the same data whose trails keep nothing), as medians of alternating rounds.
async fn audit_cost(
    runner: &Arc<Runner>,
    root: &std::path::Path,
    regions: &[&str],
    limits: HubLimits,
    tune: impl Fn(&mut toex_node::config::NodeConfig),
    options: &BenchOptions,
    scale: u64,
) -> anyhow::Result<AuditCost> {
    let storage: Arc<dyn Storage> = Arc::new(DiscardingStorage);
    let unaudited = Arc::new(Federation::start_with_audit_storage(root, regions, limits, tune, storage).await?);
    let baselines = baselines(root, &unaudited).await?;
    let off_runner = Arc::new(Runner::connect(Arc::clone(&unaudited), baselines, runner.inputs.clone()).await?);
    let (mut on, mut off) = (Vec::new(), Vec::new());
    let workload = Workload::W1IdentifierLookup;
    warm_up(&off_runner, workload, Target::Hub).await?;
    for _ in 0..AUDIT_ROUNDS {
        on.push(concurrent_throughput(runner, workload, Target::Hub, options.concurrent_calls).await?);
        off.push(concurrent_throughput(&off_runner, workload, Target::Hub, options.concurrent_calls).await?);
    }
    let w4_on = one_node_w4_p50(runner, options.iterations).await?;
    let w4_off = one_node_w4_p50(&off_runner, options.iterations).await?;
    drop(off_runner);
    if let Ok(federation) = Arc::try_unwrap(unaudited) {
        federation.shutdown().await;
    }
    Ok(AuditCost {
        scale,
        audit_on_c16: median(&on),
        audit_off_c16: median(&off),
        audit_on_rounds: on,
        audit_off_rounds: off,
        w4_one_node_audit_on_p50_ms: w4_on,
        w4_one_node_audit_off_p50_ms: w4_off,
    })
}

/// W4 p50 in milliseconds, straight to one node, over `iterations` sequential calls.
async fn one_node_w4_p50(runner: &Runner, iterations: usize) -> anyhow::Result<f64> {
    let mut samples = Vec::with_capacity(iterations);
    for call in 0..iterations {
        let begun = Instant::now();
        runner.call(Workload::W4Aggregate, Target::OneNode, call as u64).await?;
        samples.push(begun.elapsed());
    }
    Ok(Percentiles::of(&mut samples).p50_ms)
}

/// Calls not timed before a target is measured: connections, tokens and caches are set up by
/// these, not by the first timed call.
async fn warm_up(runner: &Runner, workload: Workload, target: Target) -> anyhow::Result<()> {
    for warm in 0..2 {
        runner.call(workload, target, u64::MAX - warm).await?;
    }
    Ok(())
}

fn median(values: &[f64]) -> f64 {
    let mut sorted = values.to_vec();
    sorted.sort_by(f64::total_cmp);
    sorted.get(sorted.len() / 2).copied().unwrap_or(0.0)
}

/// Audit storage that keeps nothing, for the audit-off side of [`audit_cost`] only.
struct DiscardingStorage;

impl Storage for DiscardingStorage {
    fn open_append(&self, _path: &std::path::Path) -> std::io::Result<Box<dyn SegmentSink>> {
        Ok(Box::new(Discarded))
    }
}

struct Discarded;

impl SegmentSink for Discarded {
    fn write_all(&mut self, _bytes: &[u8]) -> std::io::Result<()> {
        Ok(())
    }

    fn sync(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// Samples resident memory every 10 ms and reports the largest rise over the start.
struct RssWatch {
    stop: Arc<AtomicBool>,
    task: tokio::task::JoinHandle<f64>,
}

impl RssWatch {
    fn start() -> Self {
        let stop = Arc::new(AtomicBool::new(false));
        let flag = Arc::clone(&stop);
        let task = tokio::spawn(async move {
            let start = rss_mib();
            let mut highest = start;
            while !flag.load(Ordering::Relaxed) {
                highest = highest.max(rss_mib());
                tokio::time::sleep(Duration::from_millis(10)).await;
            }
            highest - start
        });
        Self { stop, task }
    }

    async fn stop(self) -> f64 {
        self.stop.store(true, Ordering::Relaxed);
        self.task.await.unwrap_or(0.0)
    }
}

fn machine() -> String {
    let cpus = std::thread::available_parallelism().map(usize::from).unwrap_or(1);
    let model = std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|info| {
            info.lines().find_map(|line| {
                line.strip_prefix("model name").map(|rest| rest.trim_start_matches([' ', '\t', ':']).to_owned())
            })
        })
        .unwrap_or_else(|| "unknown CPU".to_owned());
    format!("{cpus} CPUs ({model}), {}", std::env::consts::OS)
}

/// p50 of one row, if measured.
fn p50(report: &Report, scale: u64, workload: Workload, target: Target) -> Option<f64> {
    find(report, scale, workload, target).map(|measured| measured.latency.p50_ms)
}

fn find(report: &Report, scale: u64, workload: Workload, target: Target) -> Option<&Measurement> {
    report
        .measurements
        .iter()
        .find(|measured| measured.scale == scale && measured.workload == workload && measured.target == target)
}

/// The targets, checked against this run's figures.
pub fn check_targets(report: &Report) -> Vec<TargetCheck> {
    let mut checks = Vec::new();
    let (Some(&small), Some(&large)) = (report.scales.first(), report.scales.last()) else { return checks };
    let mut ratio = |name: String, numerator: Option<f64>, denominator: Option<f64>, limit: f64| {
        if let (Some(top), Some(bottom)) = (numerator, denominator) {
            let value = top / bottom.max(f64::EPSILON);
            checks.push(TargetCheck { name, measured: format!("{value:.2}x (limit {limit}x)"), met: value <= limit });
        }
    };
    ratio(
        format!("W1 p50 hub / slowest direct node, scale {large}"),
        p50(report, large, Workload::W1IdentifierLookup, Target::Hub),
        p50(report, large, Workload::W1IdentifierLookup, Target::Direct),
        1.3,
    );
    for workload in Workload::ALL {
        let limit = match workload {
            Workload::W1IdentifierLookup | Workload::W3HitNoHit => 1.0,
            _ => 2.0,
        };
        ratio(
            format!("{} p50 hub / centralised, scale {large}", workload.label()),
            p50(report, large, workload, Target::Hub),
            p50(report, large, workload, Target::Centralised),
            limit,
        );
    }
    if small != large {
        for workload in [Workload::W1IdentifierLookup, Workload::W3HitNoHit] {
            ratio(
                format!("{} p50 growth, scale {small} to {large}", workload.label()),
                p50(report, large, workload, Target::Hub),
                p50(report, small, workload, Target::Hub),
                1.5,
            );
        }
    }
    for scale in &report.scales {
        if let Some(bytes) = find(report, *scale, Workload::W4Aggregate, Target::Hub)
            .and_then(|measured| measured.bytes_from_nodes_per_call)
        {
            checks.push(TargetCheck {
                name: format!("W4 bytes from nodes per query, scale {scale}"),
                measured: format!("{:.1} KiB (limit 64 KiB)", bytes as f64 / 1024.0),
                met: bytes <= 64 * 1024,
            });
        }
    }
    for cost in &report.audit_cost {
        let value = cost.audit_on_c16 / cost.audit_off_c16.max(f64::EPSILON);
        checks.push(TargetCheck {
            name: format!("W1 c16 throughput audit on / audit storage off, scale {}", cost.scale),
            measured: format!("{value:.2}x (at least 0.8x)"),
            met: value >= 0.8,
        });
    }
    let stream_rate =
        |target| find(report, large, Workload::W5BulkStream, target).map(|measured| measured.throughput_c1);
    if let (Some(hub), Some(direct)) = (stream_rate(Target::Hub), stream_rate(Target::Direct)) {
        let value = hub / direct.max(f64::EPSILON);
        checks.push(TargetCheck {
            name: format!("W5 throughput hub / direct, scale {large}"),
            measured: format!("{value:.2}x (at least 0.7x)"),
            met: value >= 0.7,
        });
    }
    checks
}

/// The report as a readable table.
pub fn render(report: &Report) -> String {
    let mut out = format!(
        "machine: {}\nregions: {}  partitions per node query: {}  scales (persons per region): {:?}  W5 table: {}\n\n",
        report.machine, report.regions, report.node_partitions, report.scales, report.largest_table
    );
    out.push_str(&format!(
        "| {:>6} | {:<20} | {:<13} | {:>9} | {:>9} | {:>9} | {:>9} | {:>9} | {:>12} |\n",
        "scale", "workload", "target", "p50 ms", "p95 ms", "p99 ms", "c1 /s", "c16 /s", "from nodes"
    ));
    out.push_str(&format!("|{}|\n", ["-"; 9].map(|_| "---").join("|")));
    for measured in &report.measurements {
        let from_nodes = measured
            .bytes_from_nodes_per_call
            .map_or_else(|| "-".to_owned(), |bytes| format!("{:.1} KiB", bytes as f64 / 1024.0));
        let loaded =
            if measured.throughput_c16 > 0.0 { format!("{:.1}", measured.throughput_c16) } else { "-".to_owned() };
        out.push_str(&format!(
            "| {:>6} | {:<20} | {:<13} | {:>9.2} | {:>9.2} | {:>9.2} | {:>9.1} | {:>9} | {:>12} |\n",
            measured.scale,
            measured.workload.label(),
            measured.target.label(),
            measured.latency.p50_ms,
            measured.latency.p95_ms,
            measured.latency.p99_ms,
            measured.throughput_c1,
            loaded,
            from_nodes
        ));
    }
    out.push_str(&format!(
        "\nprocess peak RSS (hub, ten nodes, baseline and load generator): {:.0} MiB\n",
        report.process_peak_rss_mib
    ));
    for cost in &report.audit_cost {
        out.push_str(&format!(
            "scale {}: W1 at concurrency 16 {:.1}/s with audit on, {:.1}/s with audit storage off; \
             W4 to one node p50 {:.2} ms with audit on, {:.2} ms off\n",
            cost.scale,
            cost.audit_on_c16,
            cost.audit_off_c16,
            cost.w4_one_node_audit_on_p50_ms,
            cost.w4_one_node_audit_off_p50_ms
        ));
    }
    for (scale, rise) in &report.w5_rss_rise_mib {
        out.push_str(&format!("RSS rise during the hub W5 stream at scale {scale}: {rise:.0} MiB\n"));
    }
    out.push_str("\ntargets:\n");
    for check in &report.targets {
        out.push_str(&format!("  [{}] {}: {}\n", if check.met { "met " } else { "MISS" }, check.name, check.measured));
    }
    let rule_costs = row_rule_costs(report);
    if !rule_costs.is_empty() {
        out.push_str("\nrow rules (a reference, not a target): p50 hub / central rules, and central rules / central\n");
        for line in rule_costs {
            out.push_str(&format!("  {line}\n"));
        }
    }
    out
}

/// At the largest scale, for every workload measured both ways on the baseline: the hub against
/// a centralised store that enforces the same row rules, and what the rules cost that store.
fn row_rule_costs(report: &Report) -> Vec<String> {
    let Some(&large) = report.scales.last() else { return Vec::new() };
    Workload::ALL
        .into_iter()
        .filter_map(|workload| {
            let hub = p50(report, large, workload, Target::Hub)?;
            let bare = p50(report, large, workload, Target::Centralised)?;
            let ruled = p50(report, large, workload, Target::CentralisedWithRules)?;
            Some(format!(
                "{} scale {large}: {:.2}x, {:.2}x",
                workload.label(),
                hub / ruled.max(f64::EPSILON),
                ruled / bare.max(f64::EPSILON)
            ))
        })
        .collect()
}
