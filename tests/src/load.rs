//! A bounded load generator: `calls` national queries at once over `connections` HTTP/2
//! connections to the hub (each within the hub's stream limit), timing every answer and sampling
//! the process's resident memory meanwhile.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use futures::StreamExt;
use futures::future::join_all;
use toex_proto::v1::SqlRequest;
use tonic::Code;

use crate::Federation;
use crate::bench::stats::{Percentiles, rss_mib};

/// What a burst of load did.
#[derive(Debug)]
pub struct LoadReport {
    pub admitted: usize,
    /// Shed calls: `UNAVAILABLE` with a retry hint.
    pub shed: usize,
    /// Calls that failed any other way, with their statuses.
    pub failed: Vec<tonic::Status>,
    pub shed_latency: Percentiles,
    pub admitted_latency: Percentiles,
    /// Largest rise of resident memory during the burst, MiB.
    pub rss_rise_mib: f64,
}

/// Sends `calls` copies of `request` at once and waits for every answer.
pub async fn burst(
    federation: &Federation,
    connections: usize,
    calls: usize,
    request: SqlRequest,
) -> anyhow::Result<LoadReport> {
    let mut clients = Vec::with_capacity(connections);
    for _ in 0..connections.max(1) {
        clients.push(federation.client().await?);
    }
    let stop = Arc::new(AtomicBool::new(false));
    let watching = Arc::clone(&stop);
    let watcher = tokio::spawn(async move {
        let start = rss_mib();
        let mut highest = start;
        while !watching.load(Ordering::Relaxed) {
            highest = highest.max(rss_mib());
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
        highest - start
    });
    let sends = (0..calls).map(|call| {
        let mut client = clients[call % clients.len()].clone();
        let request = request.clone();
        async move {
            let started = Instant::now();
            let result = async {
                let mut stream = client.sql(request).await?.into_inner();
                while let Some(message) = stream.next().await {
                    message?;
                }
                Ok::<(), tonic::Status>(())
            }
            .await;
            (result, started.elapsed())
        }
    });
    let outcomes = join_all(sends).await;
    stop.store(true, Ordering::Relaxed);
    let rss_rise_mib = watcher.await.unwrap_or(0.0);
    let (mut shed_times, mut admitted_times, mut failed) = (Vec::new(), Vec::new(), Vec::new());
    for (result, took) in outcomes {
        match result {
            Ok(()) => admitted_times.push(took),
            Err(status)
                if status.code() == Code::Unavailable && status.metadata().get("grpc-retry-pushback-ms").is_some() =>
            {
                shed_times.push(took);
            }
            Err(status) => failed.push(status),
        }
    }
    Ok(LoadReport {
        admitted: admitted_times.len(),
        shed: shed_times.len(),
        failed,
        shed_latency: Percentiles::of(&mut shed_times),
        admitted_latency: Percentiles::of(&mut admitted_times),
        rss_rise_mib,
    })
}
