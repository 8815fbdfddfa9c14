//! Time as the verifiers see it: whole seconds since the Unix epoch, read through a [`Clock`] so
//! tests can pin the exact `exp`/`nbf` boundaries instead of racing the wall clock.

use std::time::{SystemTime, UNIX_EPOCH};

/// Seconds since 1970-01-01T00:00:00Z, the JWT `NumericDate` unit.
pub type UnixSeconds = u64;

/// A source of the current time.
pub trait Clock: Send + Sync + std::fmt::Debug {
    /// The current time in whole seconds since the Unix epoch.
    fn now(&self) -> UnixSeconds;
}

/// The operating-system clock.
#[derive(Debug, Clone, Copy, Default)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> UnixSeconds {
        // A clock before 1970 is treated as the epoch: every token then looks "not yet valid",
        // which fails closed.
        SystemTime::now().duration_since(UNIX_EPOCH).map(|elapsed| elapsed.as_secs()).unwrap_or(0)
    }
}

/// A clock stuck at one instant, for tests and reproducible demos.
#[derive(Debug, Clone, Copy)]
pub struct FixedClock(pub UnixSeconds);

impl Clock for FixedClock {
    fn now(&self) -> UnixSeconds {
        self.0
    }
}
