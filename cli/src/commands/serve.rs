//! `toex node` and `toex hub`: serve from a configuration file until Ctrl-C or SIGTERM.

use std::path::Path;
use std::sync::Arc;

use anyhow::Context;
use toex_broker::{Hub, HubConfig};
use toex_node::{NodeConfig, NodeEngine};
use tokio::net::TcpListener;
use tracing::info;

/// Resolves on Ctrl-C or SIGTERM.
pub async fn shutdown_signal() {
    let interrupt = tokio::signal::ctrl_c();
    #[cfg(unix)]
    {
        let mut terminate = match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(signal) => signal,
            Err(_) => {
                let _ = interrupt.await;
                return;
            }
        };
        tokio::select! {
            _ = interrupt => {}
            _ = terminate.recv() => {}
        }
    }
    #[cfg(not(unix))]
    {
        let _ = interrupt.await;
    }
    info!("shutting down");
}

pub async fn node(path: &Path) -> anyhow::Result<u8> {
    let config = NodeConfig::load(path)?;
    let listen = config.listen;
    let engine = Arc::new(NodeEngine::open(config).await.context("loading the region's data")?);
    let listener = TcpListener::bind(listen).await.with_context(|| format!("cannot listen on {listen}"))?;
    info!(region = engine.region(), address = %listener.local_addr()?, "node serving");
    let reloader = spawn_reload_on_hangup(Arc::clone(&engine))?;
    toex_node::server::serve(engine, listener, shutdown_signal()).await?;
    reloader.abort();
    Ok(crate::exit::COMPLETE)
}

/// Re-reads the region's data files on SIGHUP, without a restart; queries in flight keep the
/// data they started with. A failed reload keeps serving the previous data.
#[cfg(unix)]
fn spawn_reload_on_hangup(engine: Arc<NodeEngine>) -> anyhow::Result<tokio::task::JoinHandle<()>> {
    let mut hangups = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::hangup())?;
    Ok(tokio::spawn(async move {
        while hangups.recv().await.is_some() {
            match engine.reload().await {
                Ok(()) => info!(region = engine.region(), "data reloaded"),
                Err(error) => {
                    tracing::error!(region = engine.region(), %error, "reload failed; serving the previous data")
                }
            }
        }
    }))
}

#[cfg(not(unix))]
fn spawn_reload_on_hangup(_engine: Arc<NodeEngine>) -> anyhow::Result<tokio::task::JoinHandle<()>> {
    Ok(tokio::spawn(async {}))
}

pub async fn hub(path: &Path) -> anyhow::Result<u8> {
    let config = HubConfig::load(path)?;
    let listen = config.listen;
    let hub = Arc::new(Hub::from_config(config)?);
    let listener = TcpListener::bind(listen).await.with_context(|| format!("cannot listen on {listen}"))?;
    info!(address = %listener.local_addr()?, "hub serving");
    toex_broker::server::serve(hub, listener, shutdown_signal()).await?;
    Ok(crate::exit::COMPLETE)
}
