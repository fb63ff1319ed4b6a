//! Times in the service are whole seconds since the Unix epoch, stored as INTEGER.

use std::time::{SystemTime, UNIX_EPOCH};

/// Seconds since the Unix epoch, now.
pub fn now() -> i64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_secs() as i64).unwrap_or(0)
}

/// Reads an RFC 3339 time such as `2026-09-01T08:30:00Z` as seconds since the epoch.
pub fn parse_rfc3339(text: &str) -> Option<i64> {
    let time = humantime::parse_rfc3339_weak(text).ok()?;
    time.duration_since(UNIX_EPOCH).ok().map(|d| d.as_secs() as i64)
}

/// Writes seconds since the epoch as RFC 3339 in UTC.
pub fn format_rfc3339(secs: i64) -> String {
    let time = UNIX_EPOCH + std::time::Duration::from_secs(secs.max(0) as u64);
    humantime::format_rfc3339_seconds(time).to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_rfc3339_time_reads_back_as_written() {
        let secs = parse_rfc3339("2026-09-01T08:30:00Z").expect("valid time");
        assert_eq!(format_rfc3339(secs), "2026-09-01T08:30:00Z");
    }

    #[test]
    fn a_malformed_time_is_refused() {
        assert_eq!(parse_rfc3339("next tuesday"), None);
    }
}
