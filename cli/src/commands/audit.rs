//! `toex audit`: the auditor's tools. `verify` checks a trail on disk (chain, checkpoints,
//! truncation, torn tail); `search` asks the hub (auditor role only) who searched for what,
//! when and why, across the hub's trail and the nodes'; `reconcile` matches a hub trail with
//! node trails by query id and reports every disclosure one side has and the other lacks.

use std::path::{Path, PathBuf};

use clap::{Args, Subcommand};
use toex_audit::{VerifyStatus, load_verifying_key, read_records, reconcile, verify};
use toex_proto::v1::{AuditFilters, AuditSearchRequest, RegionStatus};

use crate::client::{HubArgs, PurposeArgs};
use crate::exit::{self, CallerError};
use crate::output::{Format, print_outcomes};

/// Exit code when a trail fails verification or trails disagree.
pub const AUDIT_PROBLEM: u8 = 4;

#[derive(Subcommand, Debug)]
pub enum AuditCommand {
    /// Verify an audit trail directory: exit 0 intact, 4 on tampering or truncation.
    Verify(VerifyArgs),
    /// Search the audit trails through the hub (auditor role).
    Search(Box<SearchArgs>),
    /// Match a hub trail with node trails by query id.
    Reconcile(ReconcileArgs),
}

#[derive(Args, Debug)]
pub struct VerifyArgs {
    /// The trail directory.
    pub path: PathBuf,
    /// The trail's public key (`audit.pub` kept elsewhere); the trail's own copy if not given.
    #[arg(long)]
    pub key: Option<PathBuf>,
}

#[derive(Args, Debug)]
pub struct SearchArgs {
    #[command(flatten)]
    pub hub: HubArgs,
    #[command(flatten)]
    pub purpose: PurposeArgs,
    /// The user who searched.
    #[arg(long)]
    pub subject: Option<String>,
    /// The case or operation reference they gave.
    #[arg(long = "searched-case")]
    pub searched_case: Option<String>,
    /// An identifier they searched for (phone, VRM, postcode, name).
    #[arg(long)]
    pub identifier: Option<String>,
    /// Records at or after this time (RFC 3339).
    #[arg(long)]
    pub from: Option<String>,
    /// Records before this time (RFC 3339).
    #[arg(long)]
    pub to: Option<String>,
    /// One query id.
    #[arg(long)]
    pub query_id: Option<String>,
    /// Search the hub's trail only, not the regions'.
    #[arg(long)]
    pub hub_only: bool,
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Table)]
    pub format: Format,
}

#[derive(Args, Debug)]
pub struct ReconcileArgs {
    /// The hub's trail directory.
    #[arg(long)]
    pub hub: PathBuf,
    /// A node's trail directory (repeat for several).
    #[arg(long = "node", required = true)]
    pub nodes: Vec<PathBuf>,
}

pub async fn run(command: AuditCommand) -> anyhow::Result<u8> {
    match command {
        AuditCommand::Verify(args) => verify_trail(&args),
        AuditCommand::Search(args) => search(*args).await,
        AuditCommand::Reconcile(args) => reconcile_trails(&args),
    }
}

fn verify_trail(args: &VerifyArgs) -> anyhow::Result<u8> {
    if !args.path.is_dir() {
        return Err(CallerError(format!("{} is not an audit trail directory", args.path.display())).into());
    }
    let key_file = args.key.clone().unwrap_or_else(|| args.path.join(toex_audit::PUBLIC_KEY_FILE));
    let key = load_verifying_key(&key_file)?;
    let report = verify(&args.path, &key)?;
    println!(
        "{}: {} records in {} segments, {} signed checkpoints verified",
        args.path.display(),
        report.records,
        report.segments,
        report.checkpoints
    );
    for torn in &report.torn_tails_chained_past {
        println!("  torn record chained past (a crash, not tampering): {torn:?}");
    }
    match &report.status {
        VerifyStatus::Intact => {
            println!("intact");
            Ok(exit::COMPLETE)
        }
        VerifyStatus::TornTail(torn) => {
            println!("intact up to an incomplete final record left by a crash (not tampering): {torn:?}");
            Ok(exit::COMPLETE)
        }
        VerifyStatus::Tampered(problem) => {
            println!("TAMPERED OR DAMAGED: {problem:?}");
            Ok(AUDIT_PROBLEM)
        }
    }
}

async fn search(args: SearchArgs) -> anyhow::Result<u8> {
    let mut client = args.hub.connect().await?;
    let filters = AuditFilters {
        subject: args.subject.unwrap_or_default(),
        case_reference: args.searched_case.unwrap_or_default(),
        identifier: args.identifier.unwrap_or_default(),
        from: args.from.unwrap_or_default(),
        to: args.to.unwrap_or_default(),
        query_id: args.query_id.unwrap_or_default(),
        limit: 0,
    };
    let request = AuditSearchRequest {
        purpose: Some(args.purpose.purpose()),
        filters: Some(filters),
        include_regions: !args.hub_only,
    };
    let answer = client.audit_search(request).await?.into_inner();
    for entry in &answer.entries {
        if args.format == Format::Json {
            let record: serde_json::Value = serde_json::from_str(&entry.record_json)?;
            println!("{}", serde_json::json!({ "trail": entry.trail, "record": record }));
            continue;
        }
        let record: toex_audit::AuditRecord = serde_json::from_str(&entry.record_json)?;
        let who = record.effective_principal().map(|principal| principal.subject.clone()).unwrap_or_default();
        let why = record.purpose.as_ref().map(|purpose| purpose.case_reference.clone()).unwrap_or_default();
        let what = record.query.as_ref().map(|query| query.operation.clone()).unwrap_or_default();
        println!(
            "{:<8} #{:<6} {} {:?} {what} by {who} ({why}) query {}",
            entry.trail, record.seq, record.at, record.kind, record.query_id
        );
    }
    if !args.hub_only {
        let complete = answer.regions.iter().all(|region| region.status == RegionStatus::Ok as i32);
        print_outcomes(&answer.regions, complete);
        return Ok(if complete { exit::COMPLETE } else { exit::PARTIAL });
    }
    Ok(exit::COMPLETE)
}

fn reconcile_trails(args: &ReconcileArgs) -> anyhow::Result<u8> {
    let hub = read_trail(&args.hub)?;
    let mut nodes = Vec::new();
    for node in &args.nodes {
        nodes.extend(read_trail(node)?);
    }
    let report = reconcile(&hub, &nodes);
    println!("{} (query, region) pairs agree", report.matched);
    for mismatch in &report.mismatches {
        println!("MISMATCH {mismatch:?}");
    }
    Ok(if report.mismatches.is_empty() { exit::COMPLETE } else { AUDIT_PROBLEM })
}

fn read_trail(dir: &Path) -> anyhow::Result<Vec<toex_audit::AuditRecord>> {
    if !dir.is_dir() {
        return Err(CallerError(format!("{} is not an audit trail directory", dir.display())).into());
    }
    Ok(read_records(dir)?)
}
