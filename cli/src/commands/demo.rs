//! `toex demo`: a whole federation on loopback (ten regional nodes and the hub) over generated
//! data, a sample national query, then serving until Ctrl-C (or exit with `--once`).

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use anyhow::Context;
use clap::Args;
use toex_broker::config::{HubLimits, RegionEndpoint};
use toex_broker::{Hub, HubConfig};
use toex_common::regions::REGIONS;
use toex_datagen::{GenOptions, generate};
use toex_node::config::NodeLimits;
use toex_node::{NodeConfig, NodeEngine};
use toex_proto::v1::{Purpose, SqlRequest};
use tokio::net::TcpListener;
use tokio::sync::watch;
use tokio::task::JoinHandle;

use crate::client::{HubArgs, run_sql};
use crate::commands::serve::shutdown_signal;
use crate::exit;
use crate::output::{TableSink, print_summary};

#[derive(Args, Debug)]
pub struct DemoArgs {
    /// Where generated data lives (made on first run, reused after).
    #[arg(long, default_value = "toex-demo")]
    pub data_dir: PathBuf,
    /// Run the sample query, then stop.
    #[arg(long)]
    pub once: bool,
    /// Persons per region for generated data.
    #[arg(long, default_value_t = 2_000)]
    pub scale: u64,
    /// Seed for generated data.
    #[arg(long, default_value_t = 42)]
    pub seed: u64,
    /// Where the hub listens; client commands look here by default.
    #[arg(long, default_value = "127.0.0.1:7700")]
    pub hub_listen: SocketAddr,
}

/// The sample national query: deal lines seen in more than one region.
const SAMPLE_QUERY: &str = "SELECT msisdn, count(DISTINCT region) AS regions, count(*) AS records \
FROM phones WHERE deal_line GROUP BY msisdn HAVING count(DISTINCT region) > 1 \
ORDER BY regions DESC, msisdn LIMIT 10";

pub async fn run(args: DemoArgs) -> anyhow::Result<u8> {
    let data_root = args.data_dir.join("data");
    ensure_data(&data_root, args.scale, args.seed).await?;

    let (stop, stopped) = watch::channel(false);
    let mut servers: Vec<JoinHandle<()>> = Vec::new();
    let mut endpoints = Vec::new();
    for region in REGIONS {
        let config = NodeConfig {
            region: region.code.to_owned(),
            listen: "127.0.0.1:0".parse()?,
            data_dir: data_root.join(region.code),
            contact_point: format!("{} ROCU intelligence desk (demo)", region.name),
            datasets: Vec::new(),
            limits: NodeLimits::default(),
        };
        let engine =
            Arc::new(NodeEngine::open(config).await.with_context(|| format!("loading region {}", region.code))?);
        let listener = TcpListener::bind("127.0.0.1:0").await?;
        endpoints.push(RegionEndpoint {
            code: region.code.to_owned(),
            endpoint: format!("http://{}", listener.local_addr()?),
        });
        let shutdown = wait_for(stopped.clone());
        servers.push(tokio::spawn(async move {
            if let Err(error) = toex_node::server::serve(engine, listener, shutdown).await {
                tracing::error!(%error, "node stopped");
            }
        }));
    }

    let hub_config = HubConfig {
        listen: args.hub_listen,
        regions: endpoints,
        discovery_interval_secs: 10,
        limits: HubLimits::default(),
    };
    hub_config.validate()?;
    let hub = Arc::new(Hub::with_plaintext_nodes(hub_config)?);
    let listener = TcpListener::bind(args.hub_listen).await.with_context(|| {
        format!("cannot listen on {} (another demo running? try --hub-listen 127.0.0.1:7710)", args.hub_listen)
    })?;
    let hub_url = format!("http://{}", listener.local_addr()?);
    let shutdown = wait_for(stopped.clone());
    servers.push(tokio::spawn(async move {
        if let Err(error) = toex_broker::server::serve(hub, listener, shutdown).await {
            tracing::error!(%error, "hub stopped");
        }
    }));

    let sample = run_sample(&hub_url).await;
    print_usage(&hub_url);
    if !args.once {
        println!("Serving until Ctrl-C.");
        shutdown_signal().await;
    }
    let _ = stop.send(true);
    for server in servers {
        let _ = server.await;
    }
    sample.map(|complete| if complete { exit::COMPLETE } else { exit::PARTIAL })
}

async fn wait_for(mut stopped: watch::Receiver<bool>) {
    let _ = stopped.wait_for(|stop| *stop).await;
}

/// Generates any region whose data is missing.
async fn ensure_data(data_root: &Path, scale: u64, seed: u64) -> anyhow::Result<()> {
    for region in REGIONS {
        let directory = data_root.join(region.code);
        if directory.join("ground_truth.json").exists() {
            continue;
        }
        println!("generating synthetic data for {} ({} persons)...", region.code, scale);
        let options = GenOptions { region: region.code.to_owned(), scale, seed };
        tokio::task::spawn_blocking(move || generate(&options, &directory)).await??;
    }
    Ok(())
}

/// Runs the sample query through the hub's public API, as any client would.
async fn run_sample(hub_url: &str) -> anyhow::Result<bool> {
    let mut client = HubArgs { hub: hub_url.to_owned() }.connect().await?;
    println!("\nSample national query: deal lines used in more than one region\n  {SAMPLE_QUERY}\n");
    let request = SqlRequest {
        sql: SAMPLE_QUERY.to_owned(),
        purpose: Some(Purpose {
            justification: "Demo: national search for county-lines deal lines shared between regions".to_owned(),
            case_reference: "OP-DEMO-0001".to_owned(),
        }),
        require_complete: false,
        max_rows: 0,
    };
    let summary = {
        let mut sink = TableSink::default();
        run_sql(&mut client, request, &mut sink).await?
    };
    print_summary(&summary);
    Ok(summary.complete)
}

fn print_usage(hub_url: &str) {
    println!(
        "\nThe federation is running: ten regional nodes and the hub at {hub_url}.\n\
         In another terminal:\n\
         \n  export TOEX_JUSTIFICATION=\"Tracing a county line across regions\" TOEX_CASE=OP-DEMO-0001\
         \n  toex regions\
         \n  toex sql \"SELECT region, count(*) FROM persons GROUP BY region ORDER BY region\"\
         \n  toex sql \"SELECT region, force, msisdn FROM phones WHERE msisdn = '+447700900021'\" --format json\n"
    );
}
