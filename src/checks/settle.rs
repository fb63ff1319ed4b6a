//! Waiting for routing to settle before grading.
//!
//! OSPF on a shared segment waits a whole dead interval (40 s by default) before it
//! elects a designated router and forms adjacencies. Checks run right after a deploy,
//! or right after a student's change, would fail for no fault of the student. Rather
//! than making every check patient (and every failing check slow), the runner first
//! waits while OSPF is visibly busy — an interface in `Waiting`, a neighbour between
//! `Init` and `Full` — and not a moment longer: a lab without OSPF running, or with
//! OSPF stuck for good, is graded at once or after the limit.

use std::collections::BTreeSet;
use std::net::IpAddr;
use std::time::{Duration, Instant};

use serde_json::Value;

use super::access::{LabAccess, RunAs};
use super::model::{ProbeSpec, Suite};

/// Neighbour states on the way to an adjacency. `2-Way` is where two routers that are
/// neither DR nor BDR stay, so it counts as settled. Compared without case: ospf6d
/// spells one of them `ExChange`.
const MOVING: [&str; 4] = ["Init", "ExStart", "Exchange", "Loading"];

fn is_moving(state: &str) -> bool {
    MOVING.iter().any(|m| m.eq_ignore_ascii_case(state))
}

/// Whether a check looks at OSPF (and so may wait for it to settle).
pub fn is_ospf(probe: &ProbeSpec) -> bool {
    matches!(
        probe,
        ProbeSpec::OspfNeighbour { .. }
            | ProbeSpec::Ospf6Neighbour { .. }
            | ProbeSpec::OspfRouterId { .. }
            | ProbeSpec::OspfRoute { .. }
            | ProbeSpec::OspfInterface { .. }
    )
}

/// The neighbours each router must have, by their address on the shared link: only
/// the interfaces facing one of them matter to the wait.
pub fn expected_neighbours(suite: &Suite) -> Vec<(String, IpAddr)> {
    suite.probed(|probe| match probe {
        ProbeSpec::OspfNeighbour { node, address, .. } => Some((node.clone(), *address)),
        _ => None,
    })
}

/// The interfaces on which the suite expects an OSPFv3 neighbour, by router.
pub fn ospf6_interfaces(suite: &Suite) -> Vec<(String, String)> {
    let interfaces: BTreeSet<(String, String)> = suite
        .probed(|probe| match probe {
            ProbeSpec::Ospf6Neighbour { node, interface, .. } => Some((node.clone(), interface.clone())),
            _ => None,
        })
        .into_iter()
        .collect();
    interfaces.into_iter().collect()
}

/// The routers whose OSPF the suite looks at.
pub fn ospf_routers(suite: &Suite) -> Vec<String> {
    let routers: BTreeSet<String> = suite
        .probed(|probe| match probe {
            ProbeSpec::OspfNeighbour { node, .. }
            | ProbeSpec::Ospf6Neighbour { node, .. }
            | ProbeSpec::OspfRouterId { node, .. }
            | ProbeSpec::OspfRoute { node, .. }
            | ProbeSpec::OspfInterface { node, .. } => Some(node.clone()),
            _ => None,
        })
        .into_iter()
        .collect();
    routers.into_iter().collect()
}

/// Waits, up to `limit`, until no router's OSPF is converging towards a neighbour the
/// checks expect: OSPF version 2 by the neighbours' addresses, OSPFv3 by the
/// interfaces they are expected on. Returns how long it waited and whether OSPF
/// settled in that time.
pub async fn ospf(
    access: &dyn LabAccess,
    routers: &[String],
    neighbours: &[(String, IpAddr)],
    ospf6_interfaces: &[(String, String)],
    limit: Duration,
) -> (Duration, bool) {
    let poll = Poll::start(limit);
    loop {
        let mut busy = false;
        for router in routers {
            let facing: Vec<IpAddr> =
                neighbours.iter().filter(|(n, _)| n == router).map(|(_, a)| *a).collect();
            let facing6: Vec<&str> =
                ospf6_interfaces.iter().filter(|(n, _)| n == router).map(|(_, i)| i.as_str()).collect();
            if converging(access, router, &facing, &facing6).await {
                busy = true;
                break;
            }
        }
        if let Some(done) = poll.after(!busy).await {
            return done;
        }
    }
}

/// The loop every wait for a protocol shares: look, and once a second look again,
/// until the protocol has settled or the limit has passed.
pub struct Poll {
    started: Instant,
    limit: Duration,
}

impl Poll {
    pub fn start(limit: Duration) -> Poll {
        Poll { started: Instant::now(), limit }
    }

    /// After one look: the end of the wait (how long it took, and whether the protocol
    /// settled), or `None` after a second's sleep, to look again.
    pub async fn after(&self, settled: bool) -> Option<(Duration, bool)> {
        let waited = self.started.elapsed();
        if settled || waited >= self.limit {
            return Some((waited, settled));
        }
        tokio::time::sleep(Duration::from_secs(1)).await;
        None
    }
}

/// Whether a router's OSPF is visibly on its way somewhere; OSPFv3 is asked about too
/// where the checks expect OSPFv3 neighbours (on the interfaces `facing6`). Anything
/// that cannot be read (no FRR, OSPF not configured) is not converging.
async fn converging(access: &dyn LabAccess, router: &str, facing: &[IpAddr], facing6: &[&str]) -> bool {
    let ask = |show: &str| {
        let argv = vec!["vtysh".to_string(), "-c".to_string(), format!("{show} json")];
        async move {
            access.exec(router, RunAs::Root, &argv, Duration::from_secs(5)).await.ok().filter(|o| o.success())
        }
    };
    if let Some(out) = ask("show ip ospf interface").await
        && interfaces_waiting(&out.stdout, facing)
    {
        return true;
    }
    if ask("show ip ospf neighbor").await.is_some_and(|out| neighbours_moving(&out.stdout)) {
        return true;
    }
    // OSPFv3 converges beside version 2, on its own timers: its interfaces leave their
    // wait timer at their own moment, and until they do their neighbours rest in
    // `Twoway`, which looks settled.
    if facing6.is_empty() {
        return false;
    }
    if let Some(out) = ask("show ipv6 ospf6 interface").await
        && ospf6_interfaces_waiting(&out.stdout, facing6)
    {
        return true;
    }
    ask("show ipv6 ospf6 neighbor").await.is_some_and(|out| ospf6_neighbours_moving(&out.stdout))
}

/// Whether an OSPFv3 neighbour is between `Init` and `Full`.
fn ospf6_neighbours_moving(json: &str) -> bool {
    let Ok(value) = serde_json::from_str::<Value>(json) else { return false };
    let Some(neighbours) = value["neighbors"].as_array() else { return false };
    neighbours.iter().any(|n| is_moving(n["state"].as_str().unwrap_or("")))
}

/// Whether one of the named OSPFv3 interfaces is in its wait timer, or still has
/// link-state updates to send: FRR's `show ipv6 ospf6 interface json`, keyed by name.
fn ospf6_interfaces_waiting(json: &str, facing: &[&str]) -> bool {
    let Ok(value) = serde_json::from_str::<Value>(json) else { return false };
    facing.iter().any(|name| {
        let iface = &value[*name];
        let state = iface["ospf6InterfaceState"].as_str().or_else(|| iface["state"].as_str());
        state == Some("Waiting") || iface["pendingLsaLsUpdateCount"].as_u64().unwrap_or(0) > 0
    })
}

/// Whether an interface that faces an expected neighbour is in its wait timer. A
/// passive interface, or one towards a LAN of hosts, waits out its timer too (40 s) but
/// no adjacency and no route depends on it.
fn interfaces_waiting(json: &str, facing: &[IpAddr]) -> bool {
    let Ok(value) = serde_json::from_str::<Value>(json) else { return false };
    let faces_neighbour = |i: &Value| {
        let subnet = i["ipAddress"]
            .as_str()
            .zip(i["ipAddressPrefixlen"].as_u64())
            .and_then(|(a, len)| format!("{a}/{len}").parse::<ipnet::IpNet>().ok());
        match subnet {
            Some(net) => facing.iter().any(|n| net.contains(n)),
            // Without an address it cannot be told apart: count it, as before.
            None => true,
        }
    };
    value["interfaces"]
        .as_object()
        .is_some_and(|ifaces| ifaces.values().any(|i| i["state"] == "Waiting" && faces_neighbour(i)))
}

fn neighbours_moving(json: &str) -> bool {
    let Ok(value) = serde_json::from_str::<Value>(json) else { return false };
    let Some(neighbours) = value["neighbors"].as_object() else { return false };
    neighbours.values().flat_map(|list| list.as_array().into_iter().flatten()).any(|n| {
        let state = n["converged"].as_str().or_else(|| n["state"].as_str()).unwrap_or("");
        let state = state.split('/').next().unwrap_or(state);
        // Full, but link-state updates still waiting for acknowledgement or requested:
        // the databases are not in step yet, and routes are still to come.
        let in_flight = |key: &str| n[key].as_u64().unwrap_or(0) > 0;
        is_moving(state)
            || in_flight("linkStateRetransmissionListCounter")
            || in_flight("linkStateRequestListCounter")
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_interface_in_its_wait_timer_is_converging() {
        let json =
            r#"{"interfaces":{"eth1":{"state":"Waiting","timerWaitSecs":40},"lo":{"state":"Loopback"}}}"#;
        assert!(interfaces_waiting(json, &[]));
        assert!(!interfaces_waiting(r#"{"interfaces":{"eth1":{"state":"DR"}}}"#, &[]));
        assert!(!interfaces_waiting("OSPF Routing Process not enabled", &[]));
    }

    #[test]
    fn only_interfaces_facing_an_expected_neighbour_are_waited_for() {
        let json = r#"{"interfaces":{
            "eth1":{"state":"Waiting","ipAddress":"10.0.12.1","ipAddressPrefixlen":30},
            "eth3":{"state":"Waiting","ipAddress":"10.0.1.1","ipAddressPrefixlen":24}}}"#;
        let neighbour: IpAddr = "10.0.12.2".parse().unwrap();
        assert!(interfaces_waiting(json, &[neighbour]), "eth1 faces the neighbour");
        let elsewhere: IpAddr = "10.0.99.2".parse().unwrap();
        assert!(!interfaces_waiting(json, &[elsewhere]), "the LAN of hosts on eth3 is waited for by nobody");
    }

    #[test]
    fn ospf6_neighbours_between_init_and_full_are_converging() {
        let loading =
            r#"{"neighbors":[{"neighborId":"10.255.255.2","state":"Loading","interfaceName":"eth1"}]}"#;
        assert!(ospf6_neighbours_moving(loading));
        let full = r#"{"neighbors":[{"neighborId":"10.255.255.2","state":"Full","interfaceName":"eth1"}]}"#;
        assert!(!ospf6_neighbours_moving(full));
        assert!(!ospf6_neighbours_moving("% OSPFv3 is not running"));
        let exchange =
            r#"{"neighbors":[{"neighborId":"10.255.255.2","state":"ExChange","interfaceName":"eth1"}]}"#;
        assert!(ospf6_neighbours_moving(exchange), "ospf6d's own spelling");
    }

    #[test]
    fn an_ospf6_interface_facing_a_neighbour_in_its_wait_timer_is_converging() {
        // Recorded from FRR 8 as BDR; the same interface as it looks during its wait.
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/fixtures/checks/outputs/frr-8-ospf6-interface.json");
        let settled = &std::fs::read_to_string(path).unwrap();
        assert!(!ospf6_interfaces_waiting(settled, &["eth2"]));
        let waiting = settled.replace(r#""ospf6InterfaceState":"BDR""#, r#""ospf6InterfaceState":"Waiting""#);
        assert_ne!(&waiting, settled);
        assert!(ospf6_interfaces_waiting(&waiting, &["eth2"]));
        assert!(!ospf6_interfaces_waiting(&waiting, &["eth1"]), "only interfaces facing a neighbour count");
        let sending = settled.replace(r#""pendingLsaLsUpdateCount":0"#, r#""pendingLsaLsUpdateCount":2"#);
        assert!(ospf6_interfaces_waiting(&sending, &["eth2"]));
        assert!(!ospf6_interfaces_waiting("% OSPFv3 instance not found", &["eth2"]));
    }

    #[test]
    fn neighbours_between_init_and_full_are_converging() {
        let init = r#"{"neighbors":{"10.255.255.2":[{"state":"Init\/DROther","converged":"Init"}]}}"#;
        assert!(neighbours_moving(init));
        let full = r#"{"neighbors":{"10.255.255.2":[{"state":"Full\/DR","converged":"Full"}]}}"#;
        assert!(!neighbours_moving(full));
        let flooding =
            r#"{"neighbors":{"10.255.255.2":[{"converged":"Full","linkStateRetransmissionListCounter":3}]}}"#;
        assert!(neighbours_moving(flooding));
        let two_way = r#"{"neighbors":{"10.255.255.4":[{"state":"2-Way\/DROther","converged":"2-Way"}]}}"#;
        assert!(!neighbours_moving(two_way));
        assert!(!neighbours_moving(r#"{"neighbors":{}}"#));
    }
}
