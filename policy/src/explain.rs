//! Policy explanation (dry run): for one caller and purpose, what each region would release from
//! each table and which Cedar policies decided it, without touching data.

use toex_common::markings::Classification;

use crate::decision::{Access, Decision};
use crate::request::Principal;
use crate::rows::{HandlingCRule, RowRules};

/// What one region would release from one table, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RegionExplanation {
    /// Region code.
    pub region: String,
    /// Table name.
    pub table: String,
    /// Access decided.
    pub access: Access,
    /// The Cedar policies that decided it.
    pub reasons: Vec<String>,
    /// Highest classification released; `None` when nothing would be.
    pub max_classification: Option<Classification>,
    /// Treatment of handling code C rows.
    pub handling_c: HandlingCRule,
    /// Columns that would be masked.
    pub masked_columns: Vec<String>,
}

impl RegionExplanation {
    /// The explanation for a decision already taken (e.g. the hub's and a node's combined).
    pub fn from_decision(principal: &Principal, region: &str, table: &str, decision: &Decision) -> Self {
        let rules = RowRules::for_request(principal, region, table, decision.access);
        let max_classification = match decision.access {
            Access::Denied => None,
            Access::HitsOnly | Access::AggregatesOnly | Access::Records => rules.max_classification,
        };
        Self {
            region: region.to_owned(),
            table: table.to_owned(),
            access: decision.access,
            reasons: decision.reasons.clone(),
            max_classification,
            handling_c: rules.handling_c,
            masked_columns: rules.masked_columns,
        }
    }
}
