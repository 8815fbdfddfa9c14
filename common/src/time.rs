//! Timestamps shown to callers: RFC 3339 in UTC with second precision.

use std::time::SystemTime;

use chrono::{DateTime, SecondsFormat, Utc};

/// Formats a system time as RFC 3339 in UTC, e.g. `2026-11-25T13:52:04Z`.
pub fn rfc3339(time: SystemTime) -> String {
    DateTime::<Utc>::from(time).to_rfc3339_opts(SecondsFormat::Secs, true)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::{Duration, UNIX_EPOCH};

    #[test]
    fn formats_known_instants() {
        assert_eq!(rfc3339(UNIX_EPOCH), "1970-01-01T00:00:00Z");
        let instant = UNIX_EPOCH + Duration::from_secs(1_795_615_924);
        assert_eq!(rfc3339(instant), "2026-11-25T14:12:04Z");
    }
}
