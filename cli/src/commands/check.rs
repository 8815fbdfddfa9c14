//! `toex check`: hit/no-hit for identifiers across the federation. Each region says only hit or
//! no hit, how many, who to contact and the handling conditions: never record content.

use clap::{Args, ValueEnum};
use toex_proto::v1::{CheckRequest, Identifier, IdentifierKind, RegionStatus};

use crate::client::{HubArgs, PurposeArgs};
use crate::exit;
use crate::output::{Format, print_outcomes};

/// What the identifiers are.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum CheckKind {
    /// Phone numbers, in any common UK format.
    Phone,
    /// Vehicle registration marks.
    Vehicle,
    /// Police National Computer ids, e.g. 19/0123456A.
    Person,
    /// Postcodes.
    Postcode,
}

impl CheckKind {
    fn wire(self) -> IdentifierKind {
        match self {
            Self::Phone => IdentifierKind::Phone,
            Self::Vehicle => IdentifierKind::Vehicle,
            Self::Person => IdentifierKind::Person,
            Self::Postcode => IdentifierKind::Postcode,
        }
    }
}

#[derive(Args, Debug)]
pub struct CheckArgs {
    /// What the identifiers are.
    #[arg(value_enum)]
    pub kind: CheckKind,
    /// One or more identifiers.
    #[arg(required = true)]
    pub values: Vec<String>,
    #[command(flatten)]
    pub hub: HubArgs,
    #[command(flatten)]
    pub purpose: PurposeArgs,
    /// Fail instead of answering when a region does not answer.
    #[arg(long)]
    pub require_complete: bool,
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Table)]
    pub format: Format,
}

pub async fn run(args: CheckArgs) -> anyhow::Result<u8> {
    let mut client = args.hub.connect().await?;
    let identifiers =
        args.values.iter().map(|value| Identifier { kind: args.kind.wire() as i32, value: value.clone() }).collect();
    let request =
        CheckRequest { identifiers, purpose: Some(args.purpose.purpose()), require_complete: args.require_complete };
    let answer = client.check(request).await?.into_inner();
    for result in &answer.results {
        let identifier = result.identifier.clone().unwrap_or_default();
        if args.format == Format::Json {
            let regions: Vec<serde_json::Value> = result
                .regions
                .iter()
                .map(|hit| {
                    serde_json::json!({
                        "region": hit.region, "hit": hit.hit, "count": hit.count,
                        "contact_point": hit.contact_point, "handling_conditions": hit.handling_conditions,
                    })
                })
                .collect();
            println!("{}", serde_json::json!({ "identifier": identifier.value, "regions": regions }));
            continue;
        }
        let hits: Vec<_> = result.regions.iter().filter(|hit| hit.hit).collect();
        println!(
            "{}: {}",
            identifier.value,
            if hits.is_empty() { "no hit in any region that answered" } else { "HIT" }
        );
        for hit in hits {
            println!("  {:<8} {} record(s); contact: {}", hit.region, hit.count, hit.contact_point);
            for condition in &hit.handling_conditions {
                println!("           handling condition: {condition}");
            }
        }
    }
    print_outcomes(&answer.regions, answer.complete);
    let denied = answer.regions.iter().filter(|region| region.status == RegionStatus::Denied as i32).count();
    if denied > 0 {
        eprintln!("{denied} region(s) refused by policy: they are not part of this answer");
    }
    Ok(if answer.complete { exit::COMPLETE } else { exit::PARTIAL })
}
