//! Admission control at the hub (DESIGN §7): at most `max_in_flight` data requests run at once,
//! and each principal gets a token bucket of requests. Over the in-flight limit a request is shed
//! at once with `UNAVAILABLE` and a retry hint (never queued without bound); over its rate a
//! principal gets `RESOURCE_EXHAUSTED`, and other principals are unaffected. The in-flight permit
//! is held until the answer has finished streaming, not just until the call returns.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Instant;

use tokio::sync::{OwnedSemaphorePermit, Semaphore};

use crate::config::HubLimits;
use crate::error::HubError;

/// The most principals whose buckets are remembered; idle (full) buckets are forgotten first.
pub const MAX_TRACKED_PRINCIPALS: usize = 10_000;

/// Proof that a request was admitted; dropping it frees its in-flight slot.
#[derive(Debug)]
pub struct Ticket {
    _permit: OwnedSemaphorePermit,
}

/// One principal's request allowance.
#[derive(Debug, Clone, Copy)]
struct Bucket {
    tokens: f64,
    refilled_at: Instant,
}

/// The hub's in-flight limit and per-principal rate limits.
#[derive(Debug)]
pub struct Admission {
    in_flight: Arc<Semaphore>,
    max_in_flight: usize,
    rate_per_second: f64,
    burst: f64,
    buckets: Mutex<HashMap<String, Bucket>>,
    shed_count: std::sync::atomic::AtomicU64,
}

impl Admission {
    /// Admission under `limits`.
    pub fn new(limits: &HubLimits) -> Self {
        Self {
            in_flight: Arc::new(Semaphore::new(limits.max_in_flight)),
            max_in_flight: limits.max_in_flight,
            rate_per_second: f64::from(limits.requests_per_second_per_principal),
            burst: f64::from(limits.request_burst_per_principal),
            buckets: Mutex::new(HashMap::new()),
            shed_count: std::sync::atomic::AtomicU64::new(0),
        }
    }

    /// Admits one data request of `subject`, or refuses it at once.
    pub fn admit(&self, subject: &str) -> Result<Ticket, HubError> {
        self.take_token(subject)?;
        match Arc::clone(&self.in_flight).try_acquire_owned() {
            Ok(permit) => Ok(Ticket { _permit: permit }),
            Err(_) => Err(self.shed()),
        }
    }

    /// True when every in-flight slot is taken.
    pub fn is_full(&self) -> bool {
        self.in_flight.available_permits() == 0
    }

    /// Counts and logs one shed call, returning its refusal.
    pub fn shed(&self) -> HubError {
        self.shed_count.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        toex_common::metrics::METRICS.shed.inc();
        tracing::warn!(target: "toex::ops", event = "shed", max_in_flight = self.max_in_flight, "request shed");
        crate::shed::overloaded(self.max_in_flight)
    }

    /// Calls shed since start.
    pub fn shed_total(&self) -> u64 {
        self.shed_count.load(std::sync::atomic::Ordering::Relaxed)
    }

    /// Requests running now.
    pub fn in_flight(&self) -> usize {
        self.max_in_flight - self.in_flight.available_permits()
    }

    fn take_token(&self, subject: &str) -> Result<(), HubError> {
        let now = Instant::now();
        let mut buckets = self.buckets.lock().unwrap_or_else(PoisonError::into_inner);
        if buckets.len() >= MAX_TRACKED_PRINCIPALS && !buckets.contains_key(subject) {
            let (rate, burst) = (self.rate_per_second, self.burst);
            buckets.retain(|_, bucket| refilled(bucket, now, rate, burst).tokens < burst);
        }
        let bucket = buckets.entry(subject.to_owned()).or_insert(Bucket { tokens: self.burst, refilled_at: now });
        *bucket = refilled(bucket, now, self.rate_per_second, self.burst);
        if bucket.tokens < 1.0 {
            tracing::warn!(target: "toex::ops", event = "rate_limited", subject, "principal over its request rate");
            toex_common::metrics::METRICS.rate_limited.inc();
            return Err(HubError::RateLimited(format!(
                "over the limit of {} requests per second for one caller; slow down",
                self.rate_per_second
            )));
        }
        bucket.tokens -= 1.0;
        Ok(())
    }
}

fn refilled(bucket: &Bucket, now: Instant, rate: f64, burst: f64) -> Bucket {
    let elapsed = now.saturating_duration_since(bucket.refilled_at).as_secs_f64();
    Bucket { tokens: (bucket.tokens + elapsed * rate).min(burst), refilled_at: now }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn limits(max_in_flight: usize, rate: u32, burst: u32) -> HubLimits {
        HubLimits {
            max_in_flight,
            requests_per_second_per_principal: rate,
            request_burst_per_principal: burst,
            ..HubLimits::default()
        }
    }

    #[test]
    fn over_the_in_flight_limit_requests_are_shed_until_a_ticket_is_returned() {
        let admission = Admission::new(&limits(2, 1_000, 1_000));
        let first = admission.admit("a").unwrap();
        let _second = admission.admit("b").unwrap();
        let shed = admission.admit("c").unwrap_err();
        assert!(matches!(shed, HubError::Overloaded(_)), "{shed:?}");
        assert_eq!(tonic::Status::from(shed).code(), tonic::Code::Unavailable);
        assert_eq!(admission.in_flight(), 2);
        drop(first);
        assert!(admission.admit("c").is_ok());
    }

    #[test]
    fn one_principal_over_its_rate_does_not_slow_another() {
        let admission = Admission::new(&limits(100, 1, 3));
        for _ in 0..3 {
            drop(admission.admit("flooder").unwrap());
        }
        let limited = admission.admit("flooder").unwrap_err();
        assert_eq!(tonic::Status::from(limited).code(), tonic::Code::ResourceExhausted);
        assert!(admission.admit("someone-else").is_ok());
    }
}
