//! `toex search person|phone|vehicle|address|ocg`: entity search across the federation. Prints
//! safeguarding flags first, then the ranked matches with their provenance and links, the
//! cross-region groups, the regions that hold only withheld hits, and every region's outcome.

use clap::{Args, Subcommand};
use toex_proto::v1::{
    EntityMatch, Linked, PersonCriteria, Provenance, SearchCriteria, SearchKind, SearchRequest, SearchResponse,
    entity_match::Entity,
};

use crate::client::{HubArgs, PurposeArgs};
use crate::exit;
use crate::output::{Format, print_outcomes};

#[derive(Args, Debug)]
pub struct SearchArgs {
    #[command(subcommand)]
    pub target: SearchTarget,
}

/// What to search for.
#[derive(Subcommand, Debug)]
pub enum SearchTarget {
    /// A person by name (phonetic and spelling variants, nicknames, transposed names).
    Person {
        /// Surname.
        #[arg(long)]
        surname: String,
        /// Forenames, given name first.
        #[arg(long, default_value = "")]
        forenames: String,
        /// Date of birth: YYYY-MM-DD, DD/MM/YYYY, YYYY, YYYY-MM or FROM..TO.
        #[arg(long, default_value = "")]
        dob: String,
        /// M or F.
        #[arg(long, default_value = "")]
        gender: String,
        /// Lowest match score shown, in (0, 1].
        #[arg(long, default_value_t = 0.0)]
        threshold: f64,
        #[command(flatten)]
        common: CommonArgs,
    },
    /// A phone number, in any common UK format.
    Phone {
        number: String,
        #[command(flatten)]
        common: CommonArgs,
    },
    /// A vehicle registration mark (possible misreadings are searched too, and flagged).
    Vehicle {
        vrm: String,
        #[command(flatten)]
        common: CommonArgs,
    },
    /// An address by postcode.
    Address {
        postcode: String,
        #[command(flatten)]
        common: CommonArgs,
    },
    /// An organised crime group by national reference or name.
    Ocg {
        name_or_reference: String,
        #[command(flatten)]
        common: CommonArgs,
    },
}

#[derive(Args, Debug)]
pub struct CommonArgs {
    #[command(flatten)]
    pub hub: HubArgs,
    #[command(flatten)]
    pub purpose: PurposeArgs,
    /// Most matches per region (default 20, at most 200).
    #[arg(long, default_value_t = 0)]
    pub limit: u32,
    /// Fail instead of answering when a region does not answer.
    #[arg(long)]
    pub require_complete: bool,
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Table)]
    pub format: Format,
}

pub async fn run(args: SearchArgs) -> anyhow::Result<u8> {
    let (criteria, common) = criteria(args.target);
    let mut client = common.hub.connect().await?;
    let request = SearchRequest {
        criteria: Some(SearchCriteria { limit: common.limit, ..criteria }),
        purpose: Some(common.purpose.purpose()),
        require_complete: common.require_complete,
    };
    let answer = client.search(request).await?.into_inner();
    if common.format == Format::Json {
        print_json(&answer)?;
    } else {
        print_table(&answer);
    }
    print_outcomes(&answer.regions, answer.complete);
    Ok(if answer.complete { exit::COMPLETE } else { exit::PARTIAL })
}

fn criteria(target: SearchTarget) -> (SearchCriteria, CommonArgs) {
    let value =
        |kind: SearchKind, value: String| SearchCriteria { kind: kind as i32, value, ..SearchCriteria::default() };
    match target {
        SearchTarget::Person { surname, forenames, dob, gender, threshold, common } => (
            SearchCriteria {
                kind: SearchKind::Person as i32,
                person: Some(PersonCriteria { surname, forenames, dob, gender }),
                threshold,
                ..SearchCriteria::default()
            },
            common,
        ),
        SearchTarget::Phone { number, common } => (value(SearchKind::Phone, number), common),
        SearchTarget::Vehicle { vrm, common } => (value(SearchKind::Vehicle, vrm), common),
        SearchTarget::Address { postcode, common } => (value(SearchKind::Address, postcode), common),
        SearchTarget::Ocg { name_or_reference, common } => (value(SearchKind::Ocg, name_or_reference), common),
    }
}

fn print_json(answer: &SearchResponse) -> anyhow::Result<()> {
    let json = serde_json::json!({
        "query_id": answer.query_id,
        "searched": answer.searched,
        "safeguarding": answer.safeguarding,
        "matches": answer.matches,
        "groups": answer.groups,
        "withheld": answer.withheld,
        "complete": answer.complete,
        "truncated": answer.truncated,
    });
    println!("{}", serde_json::to_string_pretty(&json)?);
    Ok(())
}

fn print_table(answer: &SearchResponse) {
    if !answer.safeguarding.is_empty() {
        println!("*** SAFEGUARDING: identify and escalate the risk (recorded in the audit trail) ***");
        for flag in &answer.safeguarding {
            println!("    {:<24} {}:{}  {}", flag.flag, flag.region, flag.record_id, flag.reason);
        }
        println!();
    }
    let alternatives: Vec<_> = answer.searched.iter().filter(|value| !value.reason.is_empty()).collect();
    if let Some(given) = answer.searched.first() {
        println!(
            "searched for {}{}",
            given.value,
            if alternatives.is_empty() { "" } else { " and possible misreadings:" }
        );
    }
    for alternative in alternatives {
        println!("    {}  ({})", alternative.value, alternative.reason);
    }
    if answer.matches.is_empty() {
        println!("no record released by the regions that answered");
    }
    for (position, found) in answer.matches.iter().enumerate() {
        println!("{:>3}. {:.2}  {}", position + 1, found.score, describe(found));
        if let Some(source) = provenance(found) {
            println!("       {}", markings(source));
        }
        if !found.evidence.is_empty() {
            println!("       why: {}", found.evidence.join("; "));
        }
        if let Some(linked) = &found.linked {
            print_linked(linked);
        }
    }
    if !answer.groups.is_empty() {
        println!("\nrecords in different regions that may be the same person (grouped, not merged):");
        for group in &answer.groups {
            let members: Vec<String> =
                group.members.iter().map(|member| format!("{}:{}", member.region, member.record_id)).collect();
            println!("  {:.2}  {}", group.score, members.join("  +  "));
            for evidence in &group.evidence {
                println!("        {evidence}");
            }
        }
    }
    if !answer.withheld.is_empty() {
        println!("\nmatching records withheld from you (hit only): ask the owning unit");
    }
    for hit in &answer.withheld {
        println!(
            "  {:<8} {} record(s); contact {}{}",
            hit.region,
            hit.count,
            hit.contact_point,
            if hit.handling_conditions.is_empty() {
                String::new()
            } else {
                format!(" (conditions: {})", hit.handling_conditions.join("; "))
            }
        );
    }
    if answer.truncated {
        println!("\nmore matches than the limit: narrow the search or raise --limit");
    }
    println!();
}

fn print_linked(linked: &Linked) {
    for person in &linked.persons {
        println!("       person   {} {} ({}) {}", person.forenames, person.surname, person.dob, person.person_category);
    }
    for phone in &linked.phones {
        println!("       phone    {}{}", phone.msisdn, if phone.deal_line { " (deal line)" } else { "" });
    }
    for vehicle in &linked.vehicles {
        println!("       vehicle  {} {} {} {}", vehicle.vrm, vehicle.colour, vehicle.make, vehicle.model);
    }
    for address in &linked.addresses {
        println!(
            "       address  {}, {} {}{}",
            address.line1,
            address.town,
            address.postcode,
            if address.cuckooed { " (cuckooed)" } else { "" }
        );
    }
    for membership in &linked.memberships {
        if let Some(ocg) = &membership.ocg {
            println!("       ocg      {} ({}), role {}", ocg.name, ocg.national_ref, membership.role);
        }
        if let Some(person) = &membership.person {
            println!(
                "       member   {} {} ({}), role {}",
                person.forenames, person.surname, person.dob, membership.role
            );
        }
    }
    if let Some(intel) = linked.intel.as_ref().filter(|intel| intel.reports > 0) {
        let grades: Vec<String> = intel
            .grades
            .iter()
            .map(|grade| {
                format!(
                    "{} {}{} x{}",
                    grade.grading_scheme, grade.source_evaluation, grade.intelligence_assessment, grade.reports
                )
            })
            .collect();
        println!("       intel    {} report(s): {}", intel.reports, grades.join(", "));
    }
    if linked.withheld > 0 {
        println!("       {} linked record(s) withheld (handling conditions apply)", linked.withheld);
    }
}

fn describe(found: &EntityMatch) -> String {
    match &found.entity {
        Some(Entity::Person(person)) => format!(
            "PERSON  {} {}  born {}  {}{}",
            person.forenames,
            person.surname,
            if person.dob.is_empty() { "unknown" } else { &person.dob },
            person.person_category,
            if person.pnc_id.is_empty() { String::new() } else { format!("  PNC {}", person.pnc_id) }
        ),
        Some(Entity::Phone(phone)) => format!(
            "PHONE   {}  seen {} to {}{}",
            phone.msisdn,
            phone.first_seen,
            phone.last_seen,
            if phone.deal_line { "  DEAL LINE" } else { "" }
        ),
        Some(Entity::Vehicle(vehicle)) => {
            format!("VEHICLE {}  {} {} {}", vehicle.vrm, vehicle.colour, vehicle.make, vehicle.model)
        }
        Some(Entity::Address(address)) => format!(
            "ADDRESS {}, {} {}{}",
            address.line1,
            address.town,
            address.postcode,
            if address.cuckooed { "  CUCKOOED" } else { "" }
        ),
        Some(Entity::Ocg(ocg)) => format!(
            "OCG     {} ({})  {}  harm {}  {}",
            ocg.name, ocg.national_ref, ocg.exploitation_type, ocg.harm_score, ocg.status
        ),
        None => "unknown record".to_owned(),
    }
}

fn provenance(found: &EntityMatch) -> Option<&Provenance> {
    match &found.entity {
        Some(Entity::Person(entity)) => entity.provenance.as_ref(),
        Some(Entity::Phone(entity)) => entity.provenance.as_ref(),
        Some(Entity::Vehicle(entity)) => entity.provenance.as_ref(),
        Some(Entity::Address(entity)) => entity.provenance.as_ref(),
        Some(Entity::Ocg(entity)) => entity.provenance.as_ref(),
        None => None,
    }
}

fn markings(source: &Provenance) -> String {
    let conditions = if source.handling_conditions.is_empty() {
        String::new()
    } else {
        format!("  conditions: {}", source.handling_conditions)
    };
    format!(
        "{} {} ({})  {}  handling {}{conditions}",
        source.region, source.record_id, source.force, source.classification, source.handling_code
    )
}
