//! Flows no earlier probe used.
//!
//! A firewall's connection tracking remembers flows for seconds to minutes. A probe
//! that reused the ICMP identifier or source port of an earlier run (another
//! `asbuilt check` a moment ago) would ride on that run's verdict: traffic the student
//! has just blocked would still pass as "established", and the reverse. So identifiers
//! and ports start at a random point in every process and count on from there: unique
//! among the probes of one run, and unlike the last run's.

use std::sync::OnceLock;
use std::sync::atomic::{AtomicU32, Ordering};

/// Source ports asbuilt picks from: the kernel's own ephemeral range.
const PORTS: std::ops::Range<u32> = 32_768..61_000;

fn random_u32() -> u32 {
    let mut bytes = [0u8; 4];
    // SAFETY: getrandom fills the buffer it is given, of the length it is given.
    let filled = unsafe { libc::getrandom(bytes.as_mut_ptr().cast(), bytes.len(), 0) };
    if filled != bytes.len() as isize {
        // Never seen on Linux; the clock still differs between runs.
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.subsec_nanos())
            .unwrap_or(0);
        return nanos ^ std::process::id().rotate_left(16);
    }
    u32::from_ne_bytes(bytes)
}

fn counter(cell: &'static OnceLock<AtomicU32>) -> u32 {
    cell.get_or_init(|| AtomicU32::new(random_u32())).fetch_add(1, Ordering::Relaxed)
}

/// An ICMP echo identifier no other probe of this run uses.
pub fn echo_id() -> u16 {
    static NEXT: OnceLock<AtomicU32> = OnceLock::new();
    counter(&NEXT) as u16
}

/// A source port for a TCP or UDP probe: the next one of this run, in the ephemeral
/// range. A port taken in the node is skipped by the caller.
pub fn source_port() -> u16 {
    static NEXT: OnceLock<AtomicU32> = OnceLock::new();
    (PORTS.start + counter(&NEXT) % (PORTS.end - PORTS.start)) as u16
}

/// A mark that tells asbuilt's own packets apart in a capture.
pub fn mark() -> u32 {
    static NEXT: OnceLock<AtomicU32> = OnceLock::new();
    counter(&NEXT)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn identifiers_of_one_run_never_repeat_soon() {
        let ids: std::collections::HashSet<u16> = (0..1000).map(|_| echo_id()).collect();
        assert_eq!(ids.len(), 1000);
    }

    #[test]
    fn source_ports_stay_in_the_ephemeral_range() {
        for _ in 0..70_000 {
            assert!((32_768..61_000).contains(&source_port()));
        }
    }

    #[test]
    fn two_runs_start_at_different_points() {
        // Two fresh counters stand for two processes.
        let a = random_u32();
        let b = random_u32();
        assert_ne!(a, b);
    }
}
