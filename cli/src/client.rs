//! Connecting to the hub and reading streamed answers.

use arrow::array::RecordBatch;
use arrow::datatypes::SchemaRef;
use clap::Args;
use futures::StreamExt;
use toex_common::ipc::{IpcDecoder, MAX_MESSAGE_BYTES};
use toex_proto::v1::hub_client::HubClient;
use toex_proto::v1::{AnswerSummary, SqlRequest, sql_response};
use tonic::transport::Channel;

/// Where the hub is. The default finds a running `toex demo`.
#[derive(Args, Debug, Clone)]
pub struct HubArgs {
    /// The hub's address.
    #[arg(long, env = "TOEX_HUB", default_value = "http://127.0.0.1:7700")]
    pub hub: String,
}

impl HubArgs {
    pub async fn connect(&self) -> anyhow::Result<HubClient<Channel>> {
        let channel = Channel::from_shared(self.hub.clone())?.connect().await.map_err(|error| {
            anyhow::anyhow!("cannot reach the hub at {}: {error} (is `toex demo` running?)", self.hub)
        })?;
        Ok(HubClient::new(channel).max_decoding_message_size(MAX_MESSAGE_BYTES))
    }
}

/// What a streamed SQL answer delivers, batch by batch.
pub trait AnswerSink {
    fn schema(&mut self, schema: &SchemaRef) -> anyhow::Result<()>;
    fn batch(&mut self, batch: &RecordBatch) -> anyhow::Result<()>;
}

/// Runs a query, feeding the sink as batches arrive; returns the summary.
pub async fn run_sql(
    client: &mut HubClient<Channel>,
    request: SqlRequest,
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
