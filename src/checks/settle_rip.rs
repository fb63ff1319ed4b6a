//! Waiting for RIP before grading.
//!
//! RIP has no adjacencies to watch: a router answers a new neighbour's request at once
//! and sends triggered updates when its table changes, so after a deploy or a change
//! the routes arrive within seconds, hop by hop. The runner waits until every route the
//! checks expect from RIP is in its router's kernel, or until no new RIP route has
//! appeared for a while (what is missing then waits for something a student must do),
//! and never past the limit.

use std::collections::BTreeSet;
use std::time::{Duration, Instant};

use ipnet::IpNet;
use serde_json::Value;

use super::access::{LabAccess, RunAs};
use super::model::{ProbeSpec, Suite};
use super::settle::Poll;

/// How long RIP may stay unchanged before the wait ends with routes still missing:
/// longer than a triggered update takes over a few hops, shorter than a periodic one.
pub const QUIET: Duration = Duration::from_secs(10);

/// Whether a check looks at RIP.
pub fn is_rip(probe: &ProbeSpec) -> bool {
    matches!(probe, ProbeSpec::RipRoute { .. })
}

/// The routes the checks expect RIP to install, by router.
pub fn expected_routes(suite: &Suite) -> Vec<(String, IpNet)> {
    suite.probed(|probe| match probe {
        ProbeSpec::RipRoute { node, to, .. } => Some((node.clone(), *to)),
        _ => None,
    })
}

/// Waits, up to `limit`, for the expected RIP routes. Returns how long it waited and
/// whether RIP came to rest (every route there, or nothing new for [`QUIET`]).
pub async fn rip(access: &dyn LabAccess, expected: &[(String, IpNet)], limit: Duration) -> (Duration, bool) {
    let poll = Poll::start(limit);
    let routers: BTreeSet<&str> = expected.iter().map(|(n, _)| n.as_str()).collect();
    let mut last_count = usize::MAX;
    let mut last_change = Instant::now();
    loop {
        let mut present = 0;
        for router in &routers {
            let seen = rip_routes(access, router).await;
            present += expected.iter().filter(|(n, to)| n == router && seen.contains(to)).count();
        }
        if present != last_count {
            last_count = present;
            last_change = Instant::now();
        }
        let quiet = present == last_count && last_change.elapsed() >= QUIET;
        if let Some(done) = poll.after(present == expected.len() || quiet).await {
            return done;
        }
    }
}

/// The prefixes of the routes ripd and ripngd put into a router's kernel.
async fn rip_routes(access: &dyn LabAccess, router: &str) -> Vec<IpNet> {
    let mut out = Vec::new();
    for family in ["-4", "-6"] {
        let argv: Vec<String> =
            ["ip", "-j", family, "route", "show", "proto", "rip"].iter().map(|s| s.to_string()).collect();
        if let Ok(o) = access.exec(router, RunAs::Root, &argv, Duration::from_secs(5)).await
            && o.success()
        {
            out.extend(prefixes(&o.stdout));
        }
    }
    out
}

/// `dst` of every route in `ip -j route` output (`default` as the default route).
fn prefixes(json: &str) -> Vec<IpNet> {
    let Ok(Value::Array(routes)) = serde_json::from_str::<Value>(json) else { return Vec::new() };
    routes
        .iter()
        .filter_map(|r| r["dst"].as_str())
        .filter_map(|dst| match dst {
            "default" => None,
            d if d.contains('/') => d.parse().ok(),
            d => d.parse::<std::net::IpAddr>().ok().map(IpNet::from),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prefixes_come_from_ip_json() {
        let json = r#"[{"dst":"10.0.3.0/24","gateway":"10.0.0.2","dev":"eth1","protocol":"rip","metric":20},
                       {"dst":"10.255.0.9","gateway":"10.0.0.2","dev":"eth1","protocol":"rip"}]"#;
        let got = prefixes(json);
        assert_eq!(got, vec!["10.0.3.0/24".parse().unwrap(), "10.255.0.9/32".parse().unwrap()]);
        assert!(prefixes("").is_empty());
    }
}
