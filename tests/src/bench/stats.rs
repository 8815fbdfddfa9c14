//! Latency percentiles, throughput and peak memory for the benchmark.

use std::time::Duration;

use serde::Serialize;

/// Latency percentiles of one series of timed calls, in milliseconds.
#[derive(Debug, Clone, Copy, Default, Serialize)]
pub struct Percentiles {
    pub samples: usize,
    pub p50_ms: f64,
    pub p95_ms: f64,
    pub p99_ms: f64,
}

impl Percentiles {
    /// Nearest-rank percentiles of `samples` (empty gives zeros).
    pub fn of(samples: &mut [Duration]) -> Self {
        samples.sort_unstable();
        let at = |fraction: f64| -> f64 {
            if samples.is_empty() {
                return 0.0;
            }
            let rank = ((fraction * samples.len() as f64).ceil() as usize).clamp(1, samples.len());
            samples[rank - 1].as_secs_f64() * 1_000.0
        };
        Self { samples: samples.len(), p50_ms: at(0.50), p95_ms: at(0.95), p99_ms: at(0.99) }
    }
}

/// The process's peak resident set size so far (`VmHWM`), in MiB; 0 where `/proc` is absent.
pub fn peak_rss_mib() -> f64 {
    proc_status_kib("VmHWM:") / 1024.0
}

/// The process's resident set size now (`VmRSS`), in MiB.
pub fn rss_mib() -> f64 {
    proc_status_kib("VmRSS:") / 1024.0
}

fn proc_status_kib(field: &str) -> f64 {
    let Ok(status) = std::fs::read_to_string("/proc/self/status") else { return 0.0 };
    status
        .lines()
        .find_map(|line| line.strip_prefix(field))
        .and_then(|rest| rest.split_whitespace().next())
        .and_then(|kib| kib.parse::<f64>().ok())
        .unwrap_or(0.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nearest_rank_percentiles() {
        let mut samples: Vec<Duration> = (1..=100).map(Duration::from_millis).collect();
        let percentiles = Percentiles::of(&mut samples);
        assert_eq!((percentiles.p50_ms, percentiles.p95_ms, percentiles.p99_ms), (50.0, 95.0, 99.0));
        assert_eq!(Percentiles::of(&mut []).p50_ms, 0.0);
    }
}
