//! Memoised policy decisions. A decision is a pure function of the request and the engine's
//! (immutable) policy set, so it can be reused; a national search asks the same question for
//! every region and table on every call, and building and evaluating a Cedar request each time
//! was most of the hub's overhead. Bounded: when full, the memo starts again empty.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};

use crate::decision::Decision;
use crate::request::Request;

/// Decisions remembered before the memo is cleared.
pub const MEMO_CAPACITY: usize = 16_384;

/// A bounded map from request to decision, shared by clones of one engine.
#[derive(Debug, Clone, Default)]
pub struct DecisionMemo {
    entries: Arc<Mutex<HashMap<Request, Decision>>>,
}

impl DecisionMemo {
    /// The remembered decision for `request`, or `decide(request)` remembered.
    pub fn get_or_decide(&self, request: &Request, decide: impl FnOnce(&Request) -> Decision) -> Decision {
        if let Some(known) = self.lock().get(request) {
            return known.clone();
        }
        let decision = decide(request);
        let mut entries = self.lock();
        if entries.len() >= MEMO_CAPACITY {
            entries.clear();
        }
        entries.insert(request.clone(), decision.clone());
        decision
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<Request, Decision>> {
        // A panic while holding the lock cannot leave a half-written decision: insert is atomic.
        self.entries.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::request::{Principal, Purpose, RequestKind};

    fn request(region: &str) -> Request {
        Request {
            principal: Principal {
                subject: "analyst".into(),
                home_region: String::new(),
                roles: vec!["national_analyst".into()],
                clearance: None,
            },
            purpose: Purpose { justification: String::new(), case_reference: String::new() },
            dataset: "phones".into(),
            region: region.into(),
            kind: RequestKind::Search,
        }
    }

    #[test]
    fn a_question_is_decided_once_and_different_questions_apart() {
        let memo = DecisionMemo::default();
        let calls = std::cell::Cell::new(0);
        let decide = |request: &Request| {
            calls.set(calls.get() + 1);
            Decision::denied(request.kind, format!("denied in {}", request.region))
        };
        let first = memo.get_or_decide(&request("NWROCU"), decide);
        let again = memo.get_or_decide(&request("NWROCU"), decide);
        let other = memo.get_or_decide(&request("LONDON"), decide);
        assert_eq!(first, again);
        assert_ne!(first, other);
        assert_eq!(calls.get(), 2);
    }
}
