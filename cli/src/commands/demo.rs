//! `toex demo`: a whole federation on loopback (ten regional nodes and the hub) over generated
//! data, a sample national query, then serving until Ctrl-C (or exit with `--once`). The demo
//! runs with production security, not dev mode: a fresh development PKI with mutual TLS between
//! hub and nodes, TLS and verified tokens at the hub, signed delegations and Cedar policy. It
//! writes tokens for each role under `toex-demo/tokens/`, where the client commands find the
//! national analyst's without flags.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use std::time::Duration;

use anyhow::Context;
use clap::Args;
use toex_broker::Hub;
use toex_broker::config::{HubLimits, RegionEndpoint};
use toex_common::regions::REGIONS;
use toex_datagen::{GenOptions, generate};
use toex_node::NodeEngine;
use toex_proto::v1::{Purpose, SqlRequest};
use toex_tests::security::{LocalSecurity, TokenSpec};
use tokio::net::TcpListener;
use tokio::sync::watch;
use tokio::task::JoinHandle;

use crate::client::{DEMO_TOKEN_FILE, HubArgs, run_sql};
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

/// How long the demo's tokens live; they are re-minted well before they expire.
const DEMO_TOKEN_LIFETIME: Duration = Duration::from_secs(4 * 60 * 60);
/// How often the demo re-mints its tokens.
const DEMO_TOKEN_REFRESH: Duration = Duration::from_secs(60 * 60);

/// The callers the demo writes tokens for: file name, role, home region, clearance.
const DEMO_CALLERS: [(&str, &str, Option<&str>, &str); 5] = [
    ("national_analyst", "national_analyst", None, "SECRET"),
    ("regional_analyst_nwrocu", "regional_analyst", Some("NWROCU"), "OFFICIAL-SENSITIVE"),
    ("intel_officer_nwrocu", "intel_officer", Some("NWROCU"), "SECRET"),
    ("data_analyst_london", "data_analyst", Some("LONDON"), "OFFICIAL-SENSITIVE"),
    ("auditor", "auditor", None, "SECRET"),
];

pub async fn run(args: DemoArgs) -> anyhow::Result<u8> {
    let data_root = args.data_dir.join("data");
    ensure_data(&data_root, args.scale, args.seed).await?;
    let codes: Vec<&str> = REGIONS.iter().map(|region| region.code).collect();
    let security = LocalSecurity::generate(&args.data_dir.join("security"), &codes)
        .context("generating the demo's certificates and keys")?;

    let (stop, stopped) = watch::channel(false);
    let mut servers: Vec<JoinHandle<()>> = Vec::new();
    let mut endpoints = Vec::new();
    for region in REGIONS {
        let mut config = security.node_config(region.code, data_root.join(region.code), "127.0.0.1:0".parse()?)?;
        config.contact_point = format!("{} ROCU intelligence desk (demo)", region.name);
        let engine =
            Arc::new(NodeEngine::open(config).await.with_context(|| format!("loading region {}", region.code))?);
        let listener = TcpListener::bind("127.0.0.1:0").await?;
        endpoints.push(RegionEndpoint {
            code: region.code.to_owned(),
            endpoint: format!("https://{}", listener.local_addr()?),
        });
        let shutdown = wait_for(stopped.clone());
        servers.push(tokio::spawn(async move {
            if let Err(error) = toex_node::server::serve(engine, listener, shutdown).await {
                tracing::error!(%error, "node stopped");
            }
        }));
    }

    let mut hub_config = security.hub_config(args.hub_listen, endpoints, HubLimits::default());
    hub_config.discovery_interval_secs = 10;
    hub_config.validate()?;
    let hub = Arc::new(Hub::from_config(hub_config)?);
    let listener = TcpListener::bind(args.hub_listen).await.with_context(|| {
        format!("cannot listen on {} (another demo running? try --hub-listen 127.0.0.1:7710)", args.hub_listen)
    })?;
    let hub_url = format!("https://{}", listener.local_addr()?);
    let tokens_dir = args.data_dir.join("tokens");
    write_tokens(&security, &tokens_dir)?;
    servers.push(tokio::spawn(refresh_tokens(security.clone(), tokens_dir.clone(), stopped.clone())));
    let shutdown = wait_for(stopped.clone());
    servers.push(tokio::spawn(async move {
        if let Err(error) = toex_broker::server::serve(hub, listener, shutdown).await {
            tracing::error!(%error, "hub stopped");
        }
    }));

    let client_args = HubArgs {
        hub: hub_url.clone(),
        ca: Some(security.pki.ca.cert.clone()),
        token: Some(std::fs::read_to_string(args.data_dir.join(DEMO_TOKEN_FILE))?),
    };
    let sample = run_sample(&client_args).await;
    print_usage(&hub_url, &args.data_dir);
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

/// Generates any region whose data is missing or was written by an older generator.
async fn ensure_data(data_root: &Path, scale: u64, seed: u64) -> anyhow::Result<()> {
    for region in REGIONS {
        let directory = data_root.join(region.code);
        if toex_datagen::is_current(&directory) {
            continue;
        }
        println!("generating synthetic data for {} ({} persons)...", region.code, scale);
        let options = GenOptions { region: region.code.to_owned(), scale, seed };
        tokio::task::spawn_blocking(move || generate(&options, &directory)).await??;
    }
    Ok(())
}

/// Writes a token for every demo caller, readable by the owner only.
fn write_tokens(security: &LocalSecurity, dir: &Path) -> anyhow::Result<()> {
    std::fs::create_dir_all(dir)?;
    for (file, role, home_region, clearance) in DEMO_CALLERS {
        let mut spec = TokenSpec::person(role, home_region, clearance);
        spec.lifetime = DEMO_TOKEN_LIFETIME;
        let token = security.token(&spec)?;
        let path = dir.join(format!("{file}.jwt"));
        toex_security::dev::write_private(&path, &token).with_context(|| format!("writing {}", path.display()))?;
    }
    Ok(())
}

/// Re-mints the demo's tokens until the demo stops, so a long-running demo keeps working.
async fn refresh_tokens(security: LocalSecurity, dir: PathBuf, mut stopped: watch::Receiver<bool>) {
    loop {
        tokio::select! {
            _ = stopped.wait_for(|stop| *stop) => return,
            () = tokio::time::sleep(DEMO_TOKEN_REFRESH) => {}
        }
        if let Err(error) = write_tokens(&security, &dir) {
            tracing::error!(%error, "could not refresh the demo tokens");
        }
    }
}

/// Runs the sample query through the hub's public API, as any client would.
async fn run_sample(client_args: &HubArgs) -> anyhow::Result<bool> {
    let mut client = client_args.connect().await?;
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

fn print_usage(hub_url: &str, demo_dir: &Path) {
    let tokens = demo_dir.join("tokens");
    println!(
        "\nThe federation is running: ten regional nodes and the hub at {hub_url}, with mutual TLS\n\
         between hub and nodes and verified tokens at the hub. From this directory, in another terminal\n\
         (client commands use the demo's CA and national-analyst token by default):\n\
         \n  export TOEX_JUSTIFICATION=\"Tracing a county line across regions\" TOEX_CASE=OP-DEMO-0001\
         \n  toex regions\
         \n  toex sql \"SELECT region, count(*) FROM persons GROUP BY region ORDER BY region\"\
         \n  toex sql \"SELECT region, force, msisdn FROM phones WHERE msisdn = '+447700900021'\" --format json\
         \n  toex check phone 07700900021\
         \n  toex search phone \"07700 900021\"\
         \n  toex search person --surname Smyth --forenames Jon --dob 1993\
         \n  toex explain \"SELECT * FROM intel_reports\"\n\
         \nOther callers: pass --token \"$(cat {tokens}/<name>.jwt)\" with <name> one of\n  \
         regional_analyst_nwrocu, intel_officer_nwrocu, data_analyst_london, auditor\n\
         or mint one: toex token --keys {keys} --role regional_analyst --home-region LONDON\n",
        tokens = tokens.display(),
        keys = demo_dir.join("security").join(toex_tests::security::KEYS_DIR).display(),
    );
}
