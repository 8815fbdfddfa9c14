//! Deadlines (DESIGN §7, threat 73): a caller's `grpc-timeout` flows to the nodes less a safety
//! margin; a call without one gets the hub's default, a very long one is capped, and one that
//! has already passed fails `DEADLINE_EXCEEDED` at once, with nothing fanned out.

use std::time::Duration;

use tokio::time::Instant;

use crate::config::HubLimits;
use crate::error::HubError;

/// Time kept back from a caller's deadline so the hub can still send the account of every
/// region (and the status) before the caller gives up.
pub const DEADLINE_MARGIN: Duration = Duration::from_millis(250);

/// Time kept back from a region's share, so that a region that misses it is cut off and
/// labelled `TIMEOUT` before the answer itself is due.
pub const ASSEMBLY_MARGIN: Duration = Duration::from_millis(100);

/// The gRPC header carrying the caller's timeout.
pub const GRPC_TIMEOUT_HEADER: &str = "grpc-timeout";

/// When a call must be finished.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Deadline {
    at: Instant,
}

impl Deadline {
    /// The deadline of a call whose `grpc-timeout` header says `header` (if any), under `limits`.
    pub fn for_call(header: Option<&str>, limits: &HubLimits) -> Result<Self, HubError> {
        let requested = header.map(parse_grpc_timeout).transpose()?;
        if requested.is_some_and(|timeout| timeout <= DEADLINE_MARGIN) {
            tracing::warn!(target: "toex::ops", event = "deadline_expired_on_arrival", "deadline passed on arrival");
            return Err(HubError::DeadlineExceeded("the call's deadline had passed on arrival".to_owned()));
        }
        Ok(Self { at: Instant::now() + limits.deadline(requested) })
    }

    /// The deadline `timeout` from now (tests, internal calls).
    pub fn after(timeout: Duration) -> Self {
        Self { at: Instant::now() + timeout }
    }

    /// The instant the answer must be complete by (the caller's deadline less the margin).
    pub fn answer_by(&self) -> Instant {
        self.at.checked_sub(DEADLINE_MARGIN).unwrap_or(self.at)
    }

    /// A region's share: the configured per-region timeout, or what is left before the answer
    /// is due less [`ASSEMBLY_MARGIN`], whichever is shorter. `DEADLINE_EXCEEDED` when nothing
    /// is left.
    pub fn region_share(&self, region_timeout: Duration) -> Result<Duration, HubError> {
        let left = self.answer_by().saturating_duration_since(Instant::now()).saturating_sub(ASSEMBLY_MARGIN);
        if left.is_zero() {
            return Err(HubError::DeadlineExceeded(
                "the call's deadline passed before any region was asked".to_owned(),
            ));
        }
        Ok(left.min(region_timeout))
    }
}

/// Reads a `grpc-timeout` value: up to 8 digits and a unit (`H`, `M`, `S`, `m`, `u`, `n`).
pub fn parse_grpc_timeout(value: &str) -> Result<Duration, HubError> {
    let malformed = || HubError::BadRequest(format!("grpc-timeout {value:?} is malformed"));
    let split = value.len().checked_sub(1).ok_or_else(malformed)?;
    let (digits, unit) = value.split_at(split);
    if digits.is_empty() || digits.len() > 8 || !digits.bytes().all(|byte| byte.is_ascii_digit()) {
        return Err(malformed());
    }
    let amount: u64 = digits.parse().map_err(|_| malformed())?;
    Ok(match unit {
        "H" => Duration::from_secs(amount.saturating_mul(3_600)),
        "M" => Duration::from_secs(amount.saturating_mul(60)),
        "S" => Duration::from_secs(amount),
        "m" => Duration::from_millis(amount),
        "u" => Duration::from_micros(amount),
        "n" => Duration::from_nanos(amount),
        _ => return Err(malformed()),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn grpc_timeouts_parse_and_garbage_is_refused() {
        assert_eq!(parse_grpc_timeout("5S").unwrap(), Duration::from_secs(5));
        assert_eq!(parse_grpc_timeout("1500m").unwrap(), Duration::from_millis(1_500));
        assert_eq!(parse_grpc_timeout("2H").unwrap(), Duration::from_secs(7_200));
        for bad in ["", "S", "12", "5x", "123456789S", "-1S"] {
            assert!(parse_grpc_timeout(bad).is_err(), "{bad:?}");
        }
    }

    #[tokio::test]
    async fn deadlines_default_cap_and_refuse_expired_calls() {
        let limits = HubLimits { default_deadline_ms: 30_000, max_deadline_ms: 60_000, ..HubLimits::default() };
        let expired = Deadline::for_call(Some("0m"), &limits).unwrap_err();
        assert_eq!(tonic::Status::from(expired).code(), tonic::Code::DeadlineExceeded);
        let year = Deadline::for_call(Some("8760H"), &limits).unwrap();
        assert!(year.answer_by() <= Instant::now() + Duration::from_secs(60), "a year is capped");
        let default = Deadline::for_call(None, &limits).unwrap();
        let share = default.region_share(Duration::from_secs(5)).unwrap();
        assert_eq!(share, Duration::from_secs(5), "the region timeout is shorter than the default deadline");
        let short = Deadline::for_call(Some("1S"), &limits).unwrap();
        assert!(short.region_share(Duration::from_secs(5)).unwrap() <= Duration::from_millis(750));
    }
}
