//! What FRR says about BGP, read from vtysh's JSON: the neighbours with their state
//! and AS, and the paths in a BGP table. Pure, so that one parser serves the probe and
//! the tests of captured output.

use std::net::IpAddr;

use ipnet::IpNet;
use serde_json::Value;

/// One configured neighbour, from `show bgp neighbors json`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BgpPeerFact {
    /// The address (or, for an interface neighbour, the interface name) as configured.
    pub peer: String,
    pub remote_as: Option<u32>,
    /// `Established`, `Active`, `Connect`, `OpenSent`, `OpenConfirm`, `Idle`.
    pub state: String,
    /// How long it has been established, in milliseconds.
    pub up_ms: Option<u64>,
    /// How long ago it was last reset, in milliseconds, and why.
    pub reset: Option<(u64, String)>,
}

impl BgpPeerFact {
    pub fn established(&self) -> bool {
        self.state == "Established"
    }

    pub fn address(&self) -> Option<IpAddr> {
        self.peer.parse().ok()
    }
}

/// One path in a BGP table, from `show bgp ipv4 unicast json` (or ipv6).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BgpPathFact {
    pub to: IpNet,
    pub as_path: Vec<u32>,
    pub best: bool,
    pub valid: bool,
    pub next_hop: Option<IpAddr>,
}

/// `None` when FRR gave no JSON (bgpd does not run); an empty list when BGP runs
/// without neighbours, or does not run at all (FRR prints `{}` then).
pub fn neighbours(json: &str) -> Option<Vec<BgpPeerFact>> {
    let value: Value = serde_json::from_str(json).ok()?;
    let map = value.as_object()?;
    let mut out = Vec::new();
    for (peer, facts) in map {
        // Only neighbour entries are objects with a state.
        let Some(state) = facts.get("bgpState").and_then(Value::as_str) else { continue };
        out.push(BgpPeerFact {
            peer: peer.clone(),
            remote_as: facts.get("remoteAs").and_then(Value::as_u64).and_then(|n| u32::try_from(n).ok()),
            state: state.to_string(),
            up_ms: facts.get("bgpTimerUpMsec").and_then(Value::as_u64),
            reset: facts.get("lastResetTimerMsecs").and_then(Value::as_u64).map(|ms| {
                let why = facts.get("lastResetDueTo").and_then(Value::as_str).unwrap_or("");
                (ms, why.to_string())
            }),
        });
    }
    Some(out)
}

/// Every path of every prefix of a BGP table; `None` without JSON.
pub fn table(json: &str) -> Option<Vec<BgpPathFact>> {
    let value: Value = serde_json::from_str(json).ok()?;
    let Some(routes) = value.get("routes").and_then(Value::as_object) else {
        return Some(Vec::new());
    };
    let mut out = Vec::new();
    for (prefix, paths) in routes {
        let Ok(to) = prefix.parse::<IpNet>() else { continue };
        for p in paths.as_array().into_iter().flatten() {
            out.push(BgpPathFact {
                to,
                as_path: as_path(p),
                best: p.get("bestpath").is_some_and(|b| b.as_bool() == Some(true) || b.is_object()),
                valid: p.get("valid").and_then(Value::as_bool).unwrap_or(false),
                next_hop: p
                    .get("nexthops")
                    .and_then(Value::as_array)
                    .and_then(|hops| hops.iter().find_map(|h| h.get("ip")?.as_str()?.parse().ok())),
            });
        }
    }
    Some(out)
}

/// The AS path as numbers: FRR writes it as a string (`"65002 65003"`), or as an
/// object with that string in newer versions.
fn as_path(path: &Value) -> Vec<u32> {
    let text = match path.get("path").or_else(|| path.get("aspath")) {
        Some(Value::String(s)) => s.clone(),
        Some(Value::Object(o)) => o.get("string").and_then(Value::as_str).unwrap_or("").to_string(),
        _ => String::new(),
    };
    text.split_whitespace().filter_map(|w| w.parse().ok()).collect()
}

/// An AS path as written: `65002 65003`, or `(own AS)` for an empty one.
pub fn show_path(path: &[u32]) -> String {
    if path.is_empty() {
        return "(eigen AS / own AS)".to_string();
    }
    path.iter().map(u32::to_string).collect::<Vec<_>>().join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn neighbours_keep_their_state_and_as() {
        let json = r#"{"10.0.12.2":{"remoteAs":65002,"bgpState":"Established","bgpTimerUpMsec":5000},
                       "10.0.13.2":{"remoteAs":65003,"bgpState":"Active"}}"#;
        let list = neighbours(json).unwrap();
        assert_eq!(list.len(), 2);
        assert!(list[0].established());
        assert_eq!(list[1].remote_as, Some(65003));
        assert_eq!(neighbours("{}"), Some(Vec::new()));
        assert_eq!(neighbours("bgpd is not running"), None);
    }

    #[test]
    fn a_table_lists_every_path_with_its_as_path() {
        let json = r#"{"routes":{"192.0.2.0/24":[
            {"valid":true,"bestpath":true,"path":"65002","nexthops":[{"ip":"10.0.12.2"}]},
            {"valid":true,"path":"65003 65002","nexthops":[{"ip":"10.0.13.2"}]}]}}"#;
        let paths = table(json).unwrap();
        assert_eq!(paths.len(), 2);
        assert!(paths[0].best && !paths[1].best);
        assert_eq!(paths[1].as_path, vec![65003, 65002]);
        assert_eq!(paths[0].next_hop, Some("10.0.12.2".parse().unwrap()));
    }
}
