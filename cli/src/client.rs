//! Connecting to the hub and reading streamed answers.

use std::path::PathBuf;

use anyhow::Context;
use arrow::array::RecordBatch;
use arrow::datatypes::SchemaRef;
use clap::Args;
use futures::StreamExt;
use toex_common::ipc::{IpcDecoder, MAX_MESSAGE_BYTES};
use toex_proto::v1::hub_client::HubClient;
use toex_proto::v1::{AnswerSummary, Purpose, SqlRequest, sql_response};
use toex_security::BearerInterceptor;
use tonic::service::interceptor::InterceptedService;
use tonic::transport::Channel;

use crate::exit::CallerError;

/// Where a running `toex demo` keeps what clients need (relative to the working directory).
pub const DEMO_DIR: &str = "toex-demo";
/// The demo's federation CA, under [`DEMO_DIR`].
pub const DEMO_CA_FILE: &str = "security/pki/ca.pem";
/// The demo's national-analyst token, under [`DEMO_DIR`].
pub const DEMO_TOKEN_FILE: &str = "tokens/national_analyst.jwt";

/// A hub client that sends the caller's bearer token with every call.
pub type HubApiClient = HubClient<InterceptedService<Channel, BearerInterceptor>>;

/// Where the hub is and who is calling. The defaults find a running `toex demo` and act as its
/// national analyst.
#[derive(Args, Debug, Clone)]
pub struct HubArgs {
    /// The hub's address.
    #[arg(long, env = "TOEX_HUB", default_value = "https://127.0.0.1:7700")]
    pub hub: String,
    /// CA certificate (PEM) that signed the hub's certificate [default: the demo's].
    #[arg(long, env = "TOEX_CA")]
    pub ca: Option<PathBuf>,
    /// Bearer access token [default: the demo's national-analyst token].
    #[arg(long, env = "TOEX_TOKEN", hide_env_values = true)]
    pub token: Option<String>,
}

impl HubArgs {
    pub async fn connect(&self) -> anyhow::Result<HubApiClient> {
        let ca_file = self.ca.clone().unwrap_or_else(|| PathBuf::from(DEMO_DIR).join(DEMO_CA_FILE));
        let ca = std::fs::read(&ca_file).with_context(|| {
            format!("cannot read the CA certificate {} (give --ca, or start `toex demo` here)", ca_file.display())
        })?;
        let token = match &self.token {
            Some(token) => token.clone(),
            None => {
                let file = PathBuf::from(DEMO_DIR).join(DEMO_TOKEN_FILE);
                std::fs::read_to_string(&file).with_context(|| {
                    format!(
                        "no token: give --token or TOEX_TOKEN, or start `toex demo` here ({} is missing)",
                        file.display()
                    )
                })?
            }
        };
        let interceptor = BearerInterceptor::new(&token)
            .map_err(|_| CallerError("the token is not a valid header value".to_owned()))?;
        let channel = toex_tls::hub_public_channel(&self.hub, &ca)
            .map_err(|error| CallerError(format!("--hub {}: {error}", self.hub)))?;
        let mut client = HubClient::with_interceptor(channel, interceptor).max_decoding_message_size(MAX_MESSAGE_BYTES);
        // Fail here, naming the hub, rather than on the first call.
        client.regions(toex_proto::v1::RegionsRequest {}).await.map_err(|status| match status.code() {
            tonic::Code::Unavailable | tonic::Code::Unknown => {
                anyhow::anyhow!("cannot reach the hub at {}: {} (is `toex demo` running?)", self.hub, status.message())
            }
            _ => anyhow::Error::new(status),
        })?;
        Ok(client)
    }
}

/// Why you are asking: required on every data request.
#[derive(Args, Debug, Clone)]
pub struct PurposeArgs {
    /// Why you are asking (recorded in the audit trail; at least 20 characters).
    #[arg(long, env = "TOEX_JUSTIFICATION")]
    pub justification: String,
    /// Case or operation reference, e.g. OP-KESTREL-2026-014.
    #[arg(long = "case", env = "TOEX_CASE")]
    pub case_reference: String,
}

impl PurposeArgs {
    /// The purpose as the wire carries it.
    pub fn purpose(&self) -> Purpose {
        Purpose { justification: self.justification.clone(), case_reference: self.case_reference.clone() }
    }
}

/// What a streamed SQL answer delivers, batch by batch.
pub trait AnswerSink {
    fn schema(&mut self, schema: &SchemaRef) -> anyhow::Result<()>;
    fn batch(&mut self, batch: &RecordBatch) -> anyhow::Result<()>;
}

/// Runs a query, feeding the sink as batches arrive; returns the summary.
pub async fn run_sql(
    client: &mut HubApiClient,
    request: impl tonic::IntoRequest<SqlRequest>,
    sink: &mut dyn AnswerSink,
) -> anyhow::Result<AnswerSummary> {
    let mut stream = client.sql(request).await?.into_inner();
    let mut decoder = IpcDecoder::new();
    while let Some(message) = stream.next().await {
        match message?.body {
            Some(sql_response::Body::Schema(ipc)) => {
                decoder.push(ipc.data)?;
                if let Some(schema) = decoder.schema() {
                    sink.schema(&schema)?;
                }
            }
            Some(sql_response::Body::Batch(ipc)) => {
                for batch in decoder.push(ipc.data)? {
                    sink.batch(&batch)?;
                }
            }
            Some(sql_response::Body::Summary(summary)) => return Ok(summary),
            None => anyhow::bail!("the hub sent an empty message"),
        }
    }
    anyhow::bail!("the hub's answer ended without a summary: treat it as incomplete")
}
