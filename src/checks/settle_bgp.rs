//! Waiting for BGP to settle before grading, as [`settle`](super::settle) waits for
//! OSPF.
//!
//! A BGP session takes a few seconds to come up after a change (a connect retry, the
//! OPEN exchange), and routes follow it over each hop. The runner waits while a session
//! the checks expect is visibly on its way — in `Connect`, `OpenSent` or `OpenConfirm`,
//! or established only moments ago, so that its routes are still arriving — and no
//! longer. `Active` and `Idle` are where a session with no one at the other end stays:
//! they are not progress, and a lab with such a session is graded at once.

use std::collections::BTreeSet;
use std::net::IpAddr;
use std::time::Duration;

use super::access::{LabAccess, RunAs};
use super::bgp_facts::{self, BgpPeerFact};
use super::model::{ProbeSpec, Suite};
use super::settle::Poll;

/// States between a connection and an established session.
const MOVING: [&str; 3] = ["Connect", "OpenSent", "OpenConfirm"];

/// How long after a session comes up its routes may still be on their way: the update
/// after the first exchange, and one more hop.
const FRESH_MS: u64 = 5_000;

/// How long a session that was set up before its address family was switched on stays
/// idle: until its next connect retry (5 s as asbuilt configures it, plus slack).
const RETRY_MS: u64 = 10_000;

/// Whether a check looks at BGP (and so may wait for it to settle).
pub fn is_bgp(probe: &ProbeSpec) -> bool {
    matches!(probe, ProbeSpec::BgpSession { .. } | ProbeSpec::BgpRoute { .. })
}

/// The sessions the suite expects, by router and neighbour address.
pub fn expected_sessions(suite: &Suite) -> Vec<(String, IpAddr)> {
    suite.probed(|probe| match probe {
        ProbeSpec::BgpSession { node, address, .. } => Some((node.clone(), *address)),
        _ => None,
    })
}

/// The routers whose BGP the suite looks at.
pub fn bgp_routers(suite: &Suite) -> Vec<String> {
    let routers: BTreeSet<String> = suite
        .probed(|probe| match probe {
            ProbeSpec::BgpSession { node, .. } | ProbeSpec::BgpRoute { node, .. } => Some(node.clone()),
            _ => None,
        })
        .into_iter()
        .collect();
    routers.into_iter().collect()
}

/// Waits, up to `limit`, while a session the checks expect is converging. Returns how
/// long it waited and whether BGP settled in that time.
pub async fn bgp(
    access: &dyn LabAccess,
    routers: &[String],
    sessions: &[(String, IpAddr)],
    limit: Duration,
) -> (Duration, bool) {
    let poll = Poll::start(limit);
    loop {
        let mut busy = false;
        for router in routers {
            let facing: Vec<IpAddr> = sessions.iter().filter(|(n, _)| n == router).map(|(_, a)| *a).collect();
            if let Some(list) = neighbours(access, router).await
                && converging(&list, &facing)
            {
                busy = true;
                break;
            }
        }
        if let Some(done) = poll.after(!busy).await {
            return done;
        }
    }
}

async fn neighbours(access: &dyn LabAccess, router: &str) -> Option<Vec<BgpPeerFact>> {
    let argv: Vec<String> = ["vtysh", "-c", "show bgp neighbors json"].map(String::from).to_vec();
    let out = access.exec(router, RunAs::Root, &argv, Duration::from_secs(5)).await.ok()?;
    if !out.success() {
        return None;
    }
    bgp_facts::neighbours(&out.stdout)
}

/// Whether a session towards an expected neighbour is on its way up, or just came up.
/// A configuration loaded line by line names the neighbour before it switches on its
/// address family: the first start fails (`No AFI/SAFI activated`) and the session
/// idles until its next connect retry, which is progress too.
fn converging(list: &[BgpPeerFact], facing: &[IpAddr]) -> bool {
    let retrying = |p: &BgpPeerFact| {
        p.state == "Idle"
            && p.reset
                .as_ref()
                .is_some_and(|(ms, why)| *ms < RETRY_MS && why.contains("No AFI/SAFI activated"))
    };
    list.iter().filter(|p| p.address().is_some_and(|a| facing.contains(&a))).any(|p| {
        MOVING.contains(&p.state.as_str())
            || (p.established() && p.up_ms.is_some_and(|ms| ms < FRESH_MS))
            || retrying(p)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn peer(state: &str, up_ms: Option<u64>) -> BgpPeerFact {
        BgpPeerFact {
            peer: "10.0.12.2".into(),
            remote_as: Some(65002),
            state: state.into(),
            up_ms,
            reset: None,
        }
    }

    #[test]
    fn a_session_named_before_its_family_was_switched_on_is_waited_for_until_it_retries() {
        let facing = ["10.0.12.2".parse().unwrap()];
        let reset = |ms: u64, why: &str| BgpPeerFact { reset: Some((ms, why.into())), ..peer("Idle", None) };
        assert!(converging(&[reset(4_000, "No AFI/SAFI activated for peer")], &facing));
        assert!(
            !converging(&[reset(40_000, "No AFI/SAFI activated for peer")], &facing),
            "it retried long ago"
        );
        assert!(!converging(&[reset(4_000, "Admin. shutdown")], &facing), "not coming back by itself");
    }

    #[test]
    fn sessions_on_their_way_up_are_converging_and_idle_ones_are_not() {
        let facing = ["10.0.12.2".parse().unwrap()];
        assert!(converging(&[peer("OpenSent", None)], &facing));
        assert!(converging(&[peer("Established", Some(1_000))], &facing));
        assert!(!converging(&[peer("Established", Some(60_000))], &facing));
        assert!(!converging(&[peer("Active", None)], &facing), "nobody at the other end: not progress");
        assert!(!converging(&[peer("OpenSent", None)], &["10.0.99.2".parse().unwrap()]), "not expected");
    }
}
