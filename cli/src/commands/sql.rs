//! `toex sql`: one read-only SELECT across the federation.

use clap::Args;
use toex_proto::v1::SqlRequest;

use crate::client::{HubArgs, PurposeArgs, run_sql};
use crate::exit;
use crate::output::{Format, print_summary, sink};

#[derive(Args, Debug)]
pub struct SqlArgs {
    /// The SELECT statement.
    pub query: String,
    #[command(flatten)]
    pub hub: HubArgs,
    #[command(flatten)]
    pub purpose: PurposeArgs,
    /// Fail instead of returning a partial answer when a region does not answer.
    #[arg(long)]
    pub require_complete: bool,
    /// Stop after this many rows (0: the hub's default).
    #[arg(long, default_value_t = 0)]
    pub max_rows: u64,
    /// How long the answer may take, in milliseconds (sent as the gRPC deadline; the hub gives
    /// each region its share and reports a region that misses it as TIMEOUT). Default: the hub's.
    #[arg(long, env = "TOEX_DEADLINE_MS")]
    pub deadline_ms: Option<u64>,
    /// Output format for rows (region outcomes always go to stderr).
    #[arg(long, value_enum, default_value_t = Format::Table)]
    pub format: Format,
}

pub async fn run(args: SqlArgs) -> anyhow::Result<u8> {
    let mut client = args.hub.connect().await?;
    let request = SqlRequest {
        sql: args.query,
        purpose: Some(args.purpose.purpose()),
        require_complete: args.require_complete,
        max_rows: args.max_rows,
    };
    let mut request = tonic::Request::new(request);
    if let Some(deadline) = args.deadline_ms {
        request.set_timeout(std::time::Duration::from_millis(deadline));
    }
    let summary = {
        let mut output = sink(args.format);
        run_sql(&mut client, request, output.as_mut()).await?
    };
    print_summary(&summary);
    Ok(if summary.complete { exit::COMPLETE } else { exit::PARTIAL })
}
