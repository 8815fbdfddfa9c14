//! One module per `toex` subcommand.

pub mod audit;
pub mod bench;
pub mod check;
pub mod credentials;
pub mod demo;
pub mod explain;
pub mod gen_data;
pub mod import;
pub mod regions;
pub mod search;
pub mod serve;
pub mod sql;

use tracing_subscriber::EnvFilter;

/// Logs go to stderr, human-readable or JSON lines; `RUST_LOG` filters (default `default_level`).
pub fn init_logging(json: bool, default_level: &str) {
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new(default_level));
    let builder = tracing_subscriber::fmt().with_env_filter(filter).with_writer(std::io::stderr);
    if json {
        builder.json().init();
    } else {
        builder.init();
    }
}
