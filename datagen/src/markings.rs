//! Protective markings for generated rows: classification ~60/35/5 % OFFICIAL /
//! OFFICIAL-SENSITIVE / SECRET, handling code ~85 % `P` and ~15 % `C` with conditions text.

use rand::Rng;
use rand::seq::IndexedRandom;
use toex_common::markings::{Classification, HandlingCode};

/// Share of rows marked OFFICIAL (the rest are OFFICIAL-SENSITIVE or SECRET).
const OFFICIAL_SHARE: f64 = 0.60;
/// Share of rows marked OFFICIAL-SENSITIVE.
const OFFICIAL_SENSITIVE_SHARE: f64 = 0.35;
/// Share of rows whose handling code is `C` (sharing permitted with conditions).
const CONDITIONS_SHARE: f64 = 0.15;

/// Conditions attached to `C` rows, as an originator would write them.
pub(crate) const HANDLING_CONDITIONS: [&str; 6] = [
    "Not to be disseminated outside law enforcement without originator consent",
    "Originator consent required before any action is taken on this intelligence",
    "Not for use in court or disclosure to the defence without originator consent",
    "Do not share with partner agencies; contact the owning unit's intelligence desk",
    "Sanitise before onward dissemination; source protection applies",
    "Safeguarding referral only; not to be used for enforcement without consent",
];

/// The markings of one row.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Marking {
    pub classification: Classification,
    pub handling_code: HandlingCode,
    /// Present exactly when the handling code is `C`.
    pub handling_conditions: Option<&'static str>,
}

/// Draws a marking with the documented proportions.
pub(crate) fn random_marking(rng: &mut impl Rng) -> Marking {
    let roll: f64 = rng.random();
    let classification = if roll < OFFICIAL_SHARE {
        Classification::Official
    } else if roll < OFFICIAL_SHARE + OFFICIAL_SENSITIVE_SHARE {
        Classification::OfficialSensitive
    } else {
        Classification::Secret
    };
    if !rng.random_bool(CONDITIONS_SHARE) {
        return Marking { classification, handling_code: HandlingCode::Permitted, handling_conditions: None };
    }
    Marking {
        classification,
        handling_code: HandlingCode::Conditions,
        handling_conditions: HANDLING_CONDITIONS.choose(rng).copied(),
    }
}
