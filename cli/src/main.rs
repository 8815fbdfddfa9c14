//! The `toex` command: one binary for the hub, the nodes, the local demo, data generation and the
//! client commands. A thin layer over the project's libraries.

mod client;
mod commands;
mod exit;
mod output;

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

use crate::output::Format;

/// TOEX Federation: federated intelligence queries across Regional Organised Crime Units.
#[derive(Parser)]
#[command(name = "toex", version, about, long_about = None)]
struct Cli {
    /// Log as JSON lines instead of human-readable text.
    #[arg(long, global = true, env = "TOEX_LOG_JSON")]
    log_json: bool,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Run a whole federation locally (ten regions and the hub) on generated data.
    Demo(commands::demo::DemoArgs),
    /// Serve one region's records to the hub.
    Node {
        /// Path to node.toml.
        #[arg(long)]
        config: PathBuf,
    },
    /// Serve the national hub.
    Hub {
        /// Path to hub.toml.
        #[arg(long)]
        config: PathBuf,
    },
    /// Write deterministic synthetic data for one region.
    GenData(commands::gen_data::GenDataArgs),
    /// Run one read-only SELECT across the federation.
    Sql(commands::sql::SqlArgs),
    /// Import real data into regions' tables.
    #[command(subcommand)]
    Import(commands::import::ImportCommand),
    /// Hit/no-hit for identifiers in every region: counts, contact points, handling conditions.
    Check(commands::check::CheckArgs),
    /// Entity search: a person, phone, vehicle, address or OCG in every region, ranked, with links
    /// and cross-region groups.
    Search(commands::search::SearchArgs),
    /// Benchmark the federation: W1-W6 through the hub, direct to the nodes and centralised.
    Bench(commands::bench::BenchArgs),
    /// Policy dry run: what each region would release to you for a query, and why.
    Explain(commands::explain::ExplainArgs),
    /// Verify, search and reconcile audit trails.
    #[command(subcommand)]
    Audit(commands::audit::AuditCommand),
    /// Write a development PKI: a federation CA, hub and node certificates (not for production).
    Certs(commands::credentials::CertsArgs),
    /// Write development keys: the dev token issuer and the hub's delegation keys.
    Keys(commands::credentials::KeysArgs),
    /// Mint a development access token (from `toex keys` or the demo's keys).
    Token(commands::credentials::TokenArgs),
    /// List the federation's regions with health, freshness and row counts.
    Regions {
        #[command(flatten)]
        hub: client::HubArgs,
        /// Output format.
        #[arg(long, value_enum, default_value_t = Format::Table)]
        format: Format,
    },
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    // The benchmark's own progress is the output; per-query logs would drown it (and cost time).
    let default_level = if matches!(cli.command, Command::Bench(_)) { "warn" } else { "info" };
    commands::init_logging(cli.log_json, default_level);
    let runtime =
        match tokio::runtime::Builder::new_multi_thread().enable_all().thread_stack_size(8 * 1024 * 1024).build() {
            Ok(runtime) => runtime,
            Err(error) => {
                eprintln!("error: cannot start the async runtime: {error}");
                return ExitCode::from(exit::FAILURE);
            }
        };
    let result = runtime.block_on(async move {
        match cli.command {
            Command::Demo(args) => commands::demo::run(args).await,
            Command::Node { config } => commands::serve::node(&config).await,
            Command::Hub { config } => commands::serve::hub(&config).await,
            Command::GenData(args) => commands::gen_data::run(&args),
            Command::Sql(args) => commands::sql::run(args).await,
            Command::Check(args) => commands::check::run(args).await,
            Command::Search(args) => commands::search::run(args).await,
            Command::Bench(args) => commands::bench::run(args).await,
            Command::Audit(command) => commands::audit::run(command).await,
            Command::Explain(args) => commands::explain::run(args).await,
            Command::Certs(args) => commands::credentials::certs(&args),
            Command::Keys(args) => commands::credentials::keys(&args),
            Command::Token(args) => commands::credentials::token(&args),
            Command::Import(command) => commands::import::run(&command),
            Command::Regions { hub, format } => commands::regions::run(&hub, format).await,
        }
    });
    match result {
        Ok(code) => ExitCode::from(code),
        Err(error) => {
            eprintln!("error: {error:#}");
            ExitCode::from(exit::code_for(&error))
        }
    }
}
