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
use std::time::{Duration, Instant};

use serde_json::Value;

use super::access::{LabAccess, RunAs};
use super::model::{ProbeSpec, Suite};

/// Neighbour states on the way to an adjacency. `2-Way` is where two routers that are
/// neither DR nor BDR stay, so it counts as settled.
const MOVING: [&str; 4] = ["Init", "ExStart", "Exchange", "Loading"];

/// The routers whose OSPF the suite looks at.
pub fn ospf_routers(suite: &Suite) -> Vec<String> {
    let routers: BTreeSet<String> = suite
        .checks
        .iter()
        .filter_map(|c| match &c.probe {
            ProbeSpec::OspfNeighbour { node, .. }
            | ProbeSpec::OspfRouterId { node, .. }
            | ProbeSpec::OspfRoute { node, .. } => Some(node.clone()),
            _ => None,
        })
        .collect();
    routers.into_iter().collect()
}

/// Waits, up to `limit`, until no router's OSPF is converging. Returns how long it
/// waited and whether OSPF settled in that time.
pub async fn ospf(access: &dyn LabAccess, routers: &[String], limit: Duration) -> (Duration, bool) {
    let started = Instant::now();
    loop {
        let mut busy = false;
        for router in routers {
            if converging(access, router).await {
                busy = true;
                break;
            }
        }
        if !busy {
            return (started.elapsed(), true);
        }
        if started.elapsed() >= limit {
            return (started.elapsed(), false);
        }
        tokio::time::sleep(Duration::from_secs(1)).await;
    }
}

/// Whether a router's OSPF is visibly on its way somewhere. Anything that cannot be
/// read (no FRR, OSPF not configured) is not converging.
async fn converging(access: &dyn LabAccess, router: &str) -> bool {
    let ask = |what: &str| {
        let argv = vec!["vtysh".to_string(), "-c".to_string(), format!("show ip ospf {what} json")];
        async move {
            access
                .exec(router, RunAs::Root, &argv, Duration::from_secs(5))
                .await
                .ok()
                .filter(|o| o.status == 0)
        }
    };
    if let Some(out) = ask("interface").await
        && interfaces_waiting(&out.stdout)
    {
        return true;
    }
    match ask("neighbor").await {
        Some(out) => neighbours_moving(&out.stdout),
        None => false,
    }
}

fn interfaces_waiting(json: &str) -> bool {
    let Ok(value) = serde_json::from_str::<Value>(json) else { return false };
    value["interfaces"].as_object().is_some_and(|ifaces| ifaces.values().any(|i| i["state"] == "Waiting"))
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
        MOVING.contains(&state)
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
        assert!(interfaces_waiting(json));
        assert!(!interfaces_waiting(r#"{"interfaces":{"eth1":{"state":"DR"}}}"#));
        assert!(!interfaces_waiting("OSPF Routing Process not enabled"));
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
