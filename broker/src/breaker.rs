//! A circuit breaker per node, so that a dead region costs microseconds on every query rather
//! than a connect timeout. After `failure_threshold` consecutive outages (unreachable, timed out)
//! the circuit opens: calls fail at once with `UNAVAILABLE`. After a cooldown one call is let
//! through as a probe (half-open): success closes the circuit, failure opens it again with the
//! cooldown doubled, up to a maximum. A refusal by the node (bad request, policy) proves it is
//! alive and counts as success. The hub's periodic catalogue refresh probes too, so a region that
//! comes back is found without waiting for a user's query.

use std::fmt;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use toex_common::trace_context::TraceContext;
use toex_proto::v1::{
    CatalogResponse, ExecuteRequest, NodeAuditSearchRequest, NodeAuditSearchResponse, NodeCheckRequest,
    NodeCheckResponse, NodeSearchRequest, NodeSearchResponse,
};
use tonic::{Code, Status};

use crate::federation::exec::call_status;
use crate::node_client::{NodeClient, ResponseStream};

/// When a circuit opens and how long it stays open.
#[derive(Debug, Clone, Copy)]
pub struct BreakerSettings {
    pub failure_threshold: u32,
    pub cooldown: Duration,
    pub max_cooldown: Duration,
}

impl Default for BreakerSettings {
    fn default() -> Self {
        Self { failure_threshold: 3, cooldown: Duration::from_secs(2), max_cooldown: Duration::from_secs(30) }
    }
}

/// A breaker's state, as metrics and the region list report it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BreakerState {
    Closed,
    Open,
    HalfOpen,
}

impl BreakerState {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Closed => "closed",
            Self::Open => "open",
            Self::HalfOpen => "half_open",
        }
    }
}

#[derive(Debug, Clone, Copy)]
enum Phase {
    Closed {
        failures: u32,
    },
    Open {
        until: Instant,
        cooldown: Duration,
    },
    /// A probe is out; `cooldown` is what the next failure doubles.
    HalfOpen {
        cooldown: Duration,
    },
}

/// One node's breaker.
#[derive(Debug)]
pub struct CircuitBreaker {
    region: String,
    settings: BreakerSettings,
    phase: Mutex<Phase>,
}

impl CircuitBreaker {
    pub fn new(region: &str, settings: BreakerSettings) -> Self {
        Self { region: region.to_owned(), settings, phase: Mutex::new(Phase::Closed { failures: 0 }) }
    }

    /// Lets a call through, or refuses it at once while the circuit is open.
    pub fn admit(&self) -> Result<(), Status> {
        let mut phase = self.phase.lock().unwrap_or_else(PoisonError::into_inner);
        match *phase {
            Phase::Closed { .. } => Ok(()),
            Phase::Open { until, cooldown } if Instant::now() >= until => {
                *phase = Phase::HalfOpen { cooldown };
                tracing::info!(target: "toex::ops", region = %self.region, "circuit half-open: probing");
                Ok(())
            }
            Phase::Open { until, .. } => Err(Status::unavailable(format!(
                "circuit open for {}: it failed repeatedly; next probe in {} ms",
                self.region,
                until.saturating_duration_since(Instant::now()).as_millis()
            ))),
            Phase::HalfOpen { .. } => {
                Err(Status::unavailable(format!("circuit half-open for {}: a probe is in flight", self.region)))
            }
        }
    }

    /// Records how an admitted call ended.
    pub fn record<T>(&self, result: &Result<T, Status>) {
        let outage = matches!(result, Err(status) if is_outage(status));
        let mut phase = self.phase.lock().unwrap_or_else(PoisonError::into_inner);
        *phase = match (*phase, outage) {
            (Phase::Closed { .. } | Phase::HalfOpen { .. } | Phase::Open { .. }, false) => {
                if !matches!(*phase, Phase::Closed { .. }) {
                    tracing::info!(target: "toex::ops", region = %self.region, "circuit closed: region answered");
                }
                Phase::Closed { failures: 0 }
            }
            (Phase::Closed { failures }, true) if failures + 1 >= self.settings.failure_threshold => {
                tracing::warn!(target: "toex::ops", region = %self.region, "circuit open after repeated failures");
                self.open(self.settings.cooldown)
            }
            (Phase::Closed { failures }, true) => Phase::Closed { failures: failures + 1 },
            (Phase::HalfOpen { cooldown } | Phase::Open { cooldown, .. }, true) => {
                self.open((cooldown * 2).min(self.settings.max_cooldown))
            }
        };
    }

    fn open(&self, cooldown: Duration) -> Phase {
        Phase::Open { until: Instant::now() + cooldown, cooldown }
    }

    pub fn state(&self) -> BreakerState {
        match *self.phase.lock().unwrap_or_else(PoisonError::into_inner) {
            Phase::Closed { .. } => BreakerState::Closed,
            Phase::Open { .. } => BreakerState::Open,
            Phase::HalfOpen { .. } => BreakerState::HalfOpen,
        }
    }
}

/// True when a failure says the node could not be reached or did not answer in time.
fn is_outage(status: &Status) -> bool {
    matches!(status.code(), Code::Unavailable | Code::DeadlineExceeded | Code::Unknown)
        || call_status(status) == toex_proto::v1::RegionStatus::Timeout
}

/// A node client behind a circuit breaker.
pub struct BreakerClient {
    inner: Arc<dyn NodeClient>,
    breaker: CircuitBreaker,
}

impl BreakerClient {
    pub fn new(region: &str, inner: Arc<dyn NodeClient>, settings: BreakerSettings) -> Self {
        Self { inner, breaker: CircuitBreaker::new(region, settings) }
    }

    async fn guarded<T>(&self, call: impl Future<Output = Result<T, Status>>) -> Result<T, Status> {
        self.breaker.admit()?;
        let result = call.await;
        self.breaker.record(&result);
        result
    }
}

impl fmt::Debug for BreakerClient {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter
            .debug_struct("BreakerClient")
            .field("inner", &self.inner)
            .field("state", &self.breaker.state())
            .finish()
    }
}

#[tonic::async_trait]
impl NodeClient for BreakerClient {
    async fn catalog(&self, timeout: Duration) -> Result<CatalogResponse, Status> {
        self.guarded(self.inner.catalog(timeout)).await
    }

    async fn execute(
        &self,
        request: ExecuteRequest,
        timeout: Duration,
        trace: &TraceContext,
    ) -> Result<ResponseStream, Status> {
        self.guarded(self.inner.execute(request, timeout, trace)).await
    }

    async fn check(
        &self,
        request: NodeCheckRequest,
        timeout: Duration,
        trace: &TraceContext,
    ) -> Result<NodeCheckResponse, Status> {
        self.guarded(self.inner.check(request, timeout, trace)).await
    }

    async fn audit_search(
        &self,
        request: NodeAuditSearchRequest,
        timeout: Duration,
        trace: &TraceContext,
    ) -> Result<NodeAuditSearchResponse, Status> {
        self.guarded(self.inner.audit_search(request, timeout, trace)).await
    }

    async fn search(
        &self,
        request: NodeSearchRequest,
        timeout: Duration,
        trace: &TraceContext,
    ) -> Result<NodeSearchResponse, Status> {
        self.guarded(self.inner.search(request, timeout, trace)).await
    }

    fn bytes_received(&self) -> u64 {
        self.inner.bytes_received()
    }

    fn breaker_state(&self) -> BreakerState {
        self.breaker.state()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn settings() -> BreakerSettings {
        BreakerSettings {
            failure_threshold: 2,
            cooldown: Duration::from_millis(20),
            max_cooldown: Duration::from_millis(50),
        }
    }

    fn down() -> Result<(), Status> {
        Err(Status::unavailable("connection refused"))
    }

    #[test]
    fn opens_after_repeated_outages_and_refuses_at_once() {
        let breaker = CircuitBreaker::new("NWROCU", settings());
        breaker.record(&down());
        assert_eq!(breaker.state(), BreakerState::Closed, "one failure is not a pattern");
        breaker.record(&down());
        assert_eq!(breaker.state(), BreakerState::Open);
        let refused = breaker.admit().expect_err("open");
        assert_eq!(refused.code(), Code::Unavailable);
        assert!(refused.message().starts_with("circuit open for NWROCU"));
    }

    #[test]
    fn a_probe_after_the_cooldown_closes_or_reopens_the_circuit() {
        let breaker = CircuitBreaker::new("NWROCU", settings());
        breaker.record(&down());
        breaker.record(&down());
        std::thread::sleep(Duration::from_millis(25));
        breaker.admit().expect("the probe goes through");
        assert_eq!(breaker.state(), BreakerState::HalfOpen);
        assert!(breaker.admit().is_err(), "one probe at a time");
        breaker.record(&down());
        assert_eq!(breaker.state(), BreakerState::Open, "a failed probe reopens");
        std::thread::sleep(Duration::from_millis(45));
        breaker.admit().expect("probe after the doubled cooldown");
        breaker.record(&Ok::<(), Status>(()));
        assert_eq!(breaker.state(), BreakerState::Closed);
        breaker.admit().expect("closed");
    }

    #[test]
    fn refusals_by_a_live_node_are_not_outages() {
        let breaker = CircuitBreaker::new("NWROCU", settings());
        for _ in 0..5 {
            breaker.record(&Err::<(), Status>(Status::permission_denied("policy")));
            breaker.record(&Err::<(), Status>(Status::invalid_argument("bad")));
        }
        assert_eq!(breaker.state(), BreakerState::Closed);
        breaker.record(&Err::<(), Status>(Status::cancelled("Timeout expired")));
        breaker.record(&Err::<(), Status>(Status::deadline_exceeded("late")));
        assert_eq!(breaker.state(), BreakerState::Open, "timeouts are outages");
    }
}
