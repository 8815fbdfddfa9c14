//! A bounded memory of delegation token ids seen by a node, each kept until its token could no
//! longer be accepted anyway. When full of still-live ids it refuses new tokens rather than
//! forgetting a live one, because forgetting would re-open a replay window (fail closed).

use std::collections::{BTreeSet, HashSet};

use crate::clock::UnixSeconds;

/// How many live delegation token ids a node remembers. With a 60 s lifetime this allows well over
/// a thousand fan-out calls per second per node before new tokens are refused.
pub const DELEGATION_REPLAY_CACHE_CAPACITY: usize = 100_000;

/// Why a token id was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum ReplayError {
    /// This token id was already accepted and has not yet expired.
    #[error("delegation token replayed")]
    Replayed,
    /// The cache holds `capacity` live ids; no more can be accepted until some expire.
    #[error("delegation replay cache full ({capacity} live tokens)")]
    Full {
        /// The cache capacity.
        capacity: usize,
    },
}

/// Token ids with the time after which each may be forgotten.
#[derive(Debug)]
pub struct ReplayCache {
    capacity: usize,
    seen: HashSet<String>,
    by_expiry: BTreeSet<(UnixSeconds, String)>,
}

impl ReplayCache {
    /// An empty cache holding at most `capacity` live ids.
    pub fn new(capacity: usize) -> Self {
        Self { capacity, seen: HashSet::new(), by_expiry: BTreeSet::new() }
    }

    /// Records `token_id`, remembered until `forget_after`; refuses it if already present.
    pub fn check_and_insert(
        &mut self,
        token_id: &str,
        forget_after: UnixSeconds,
        now: UnixSeconds,
    ) -> Result<(), ReplayError> {
        self.forget_expired(now);
        if self.seen.contains(token_id) {
            return Err(ReplayError::Replayed);
        }
        if self.seen.len() >= self.capacity {
            return Err(ReplayError::Full { capacity: self.capacity });
        }
        self.seen.insert(token_id.to_owned());
        self.by_expiry.insert((forget_after, token_id.to_owned()));
        Ok(())
    }

    /// How many ids are remembered.
    pub fn len(&self) -> usize {
        self.seen.len()
    }

    /// Whether no ids are remembered.
    pub fn is_empty(&self) -> bool {
        self.seen.is_empty()
    }

    fn forget_expired(&mut self, now: UnixSeconds) {
        while let Some((forget_after, _)) = self.by_expiry.first() {
            if *forget_after > now {
                break;
            }
            if let Some((_, token_id)) = self.by_expiry.pop_first() {
                self.seen.remove(&token_id);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refuses_a_repeat_until_it_is_forgotten() {
        let mut cache = ReplayCache::new(10);
        assert_eq!(cache.check_and_insert("a", 100, 50), Ok(()));
        assert_eq!(cache.check_and_insert("a", 100, 99), Err(ReplayError::Replayed));
        assert_eq!(cache.check_and_insert("a", 200, 100), Ok(()));
        assert_eq!(cache.len(), 1);
    }

    #[test]
    fn full_of_live_ids_fails_closed_then_recovers_after_expiry() {
        let mut cache = ReplayCache::new(2);
        assert_eq!(cache.check_and_insert("a", 100, 0), Ok(()));
        assert_eq!(cache.check_and_insert("b", 150, 0), Ok(()));
        assert_eq!(cache.check_and_insert("c", 150, 10), Err(ReplayError::Full { capacity: 2 }));
        assert_eq!(cache.check_and_insert("c", 200, 100), Ok(()));
        assert_eq!(cache.check_and_insert("b", 200, 100), Err(ReplayError::Replayed));
    }
}
