//! `toex explain`: the policy dry run. For you, your purpose and a query: what each region would
//! release from each table, and which hub policies decided it. Touches no data.

use clap::Args;
use toex_proto::v1::ExplainRequest;

use crate::client::{HubArgs, PurposeArgs};
use crate::exit;
use crate::output::Format;

#[derive(Args, Debug)]
pub struct ExplainArgs {
    /// The SELECT statement to explain.
    pub query: String,
    #[command(flatten)]
    pub hub: HubArgs,
    #[command(flatten)]
    pub purpose: PurposeArgs,
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Table)]
    pub format: Format,
}

pub async fn run(args: ExplainArgs) -> anyhow::Result<u8> {
    let mut client = args.hub.connect().await?;
    let request = ExplainRequest { sql: args.query, purpose: Some(args.purpose.purpose()) };
    let answer = client.explain(request).await?.into_inner();
    if args.format == Format::Json {
        for explanation in &answer.explanations {
            let line = serde_json::json!({
                "request_kind": answer.request_kind,
                "region": explanation.region,
                "table": explanation.table,
                "access": explanation.access,
                "max_classification": explanation.max_classification,
                "masked_columns": explanation.masked_columns,
                "handling_c": explanation.handling_c,
                "reasons": explanation.reasons,
            });
            println!("{line}");
        }
        return Ok(exit::COMPLETE);
    }
    println!("query classified as: {} request", answer.request_kind);
    for explanation in &answer.explanations {
        let ceiling =
            if explanation.max_classification.is_empty() { "nothing" } else { explanation.max_classification.as_str() };
        println!("{:<8} {:<14} {:<16} up to {ceiling}", explanation.region, explanation.table, explanation.access);
        if !explanation.masked_columns.is_empty() {
            println!("         masked: {}", explanation.masked_columns.join(", "));
        }
        for reason in &explanation.reasons {
            println!("         {reason}");
        }
    }
    if let Some(first) = answer.explanations.first() {
        println!("{}", first.handling_c);
    }
    println!("Each region's node applies its own policy again and can only narrow this.");
    Ok(exit::COMPLETE)
}
