//! Judging BGP: a session established with the designed AS, a best path with the
//! designed AS path.

use super::verdict;
use crate::checks::bgp_facts::show_path;
use crate::checks::derive::texts::t;
use crate::checks::model::ProbeSpec;
use crate::checks::observation::Observation;
use crate::checks::outcome::Outcome;

pub fn judge(probe: &ProbeSpec, seen: &Observation) -> Option<Outcome> {
    Some(match (probe, seen) {
        (ProbeSpec::BgpSession { neighbour, address, remote_as, .. }, Observation::BgpNeighbours(list)) => {
            let expected = t(
                format!("BGP-sessie met {neighbour} ({address}, AS {remote_as}) in de toestand Established"),
                format!("BGP session with {neighbour} ({address}, AS {remote_as}) in state Established"),
            );
            let Some(list) = list else {
                return Some(verdict(false, 0.0, expected, t("BGP draait niet", "BGP does not run")));
            };
            match list.iter().find(|p| p.address() == Some(*address)) {
                Some(p) if p.remote_as != Some(*remote_as) => {
                    let shown = p.remote_as.map_or_else(|| "?".to_string(), |a| a.to_string());
                    verdict(
                        false,
                        0.25,
                        expected,
                        t(
                            format!("buur {address} staat ingesteld met AS {shown}, niet AS {remote_as}"),
                            format!("neighbour {address} is configured with AS {shown}, not AS {remote_as}"),
                        ),
                    )
                }
                Some(p) if p.established() => verdict(
                    true,
                    1.0,
                    expected,
                    t(
                        format!("sessie met {address} (AS {remote_as}) Established"),
                        format!("session with {address} (AS {remote_as}) Established"),
                    ),
                ),
                // Configured on this side: half the work, the session is not up.
                Some(p) => verdict(
                    false,
                    0.5,
                    expected,
                    t(
                        format!("sessie met {address} blijft in de toestand {}", p.state),
                        format!("session with {address} stays in state {}", p.state),
                    ),
                ),
                None => {
                    let others: Vec<String> = list.iter().map(|p| p.peer.clone()).collect();
                    let shown = if others.is_empty() { "-".to_string() } else { others.join(", ") };
                    verdict(
                        false,
                        0.0,
                        expected,
                        t(
                            format!("geen BGP-buur {address} (buren: {shown})"),
                            format!("no BGP neighbour {address} (neighbours: {shown})"),
                        ),
                    )
                }
            }
        }
        (ProbeSpec::BgpRoute { to, as_paths, .. }, Observation::BgpTable(paths)) => {
            let wanted: Vec<String> = as_paths.iter().map(|p| show_path(p)).collect();
            let expected = t(
                format!("beste BGP-pad naar {to} met AS-pad {}", wanted.join(" of ")),
                format!("best BGP path to {to} with AS path {}", wanted.join(" or ")),
            );
            let Some(paths) = paths else {
                return Some(verdict(false, 0.0, expected, t("BGP draait niet", "BGP does not run")));
            };
            let to_here: Vec<_> = paths.iter().filter(|p| p.to == *to).collect();
            let best = to_here.iter().find(|p| p.best);
            match best {
                Some(b) if as_paths.contains(&b.as_path) => verdict(
                    true,
                    1.0,
                    expected,
                    t(
                        format!("beste pad naar {to}: AS-pad {}", show_path(&b.as_path)),
                        format!("best path to {to}: AS path {}", show_path(&b.as_path)),
                    ),
                ),
                // The route is there, the choice is not the designed one: the policy.
                Some(b) => verdict(
                    false,
                    0.5,
                    expected,
                    t(
                        format!(
                            "beste pad naar {to} loopt via AS-pad {}, niet het ontworpen pad",
                            show_path(&b.as_path)
                        ),
                        format!(
                            "best path to {to} goes via AS path {}, not the designed one",
                            show_path(&b.as_path)
                        ),
                    ),
                ),
                None if !to_here.is_empty() => verdict(
                    false,
                    0.25,
                    expected,
                    t(
                        format!("{to} staat in de BGP-tabel, maar geen pad is bruikbaar"),
                        format!("{to} is in the BGP table, but no path is usable"),
                    ),
                ),
                None => verdict(
                    false,
                    0.0,
                    expected,
                    t(format!("{to} staat niet in de BGP-tabel"), format!("{to} is not in the BGP table")),
                ),
            }
        }
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::checks::bgp_facts::{BgpPathFact, BgpPeerFact};

    fn session() -> ProbeSpec {
        ProbeSpec::BgpSession {
            node: "r1".into(),
            neighbour: "r2".into(),
            address: "10.0.12.2".parse().unwrap(),
            remote_as: 65002,
        }
    }

    fn peer(state: &str, asn: u32) -> BgpPeerFact {
        BgpPeerFact {
            peer: "10.0.12.2".into(),
            remote_as: Some(asn),
            state: state.into(),
            up_ms: None,
            reset: None,
        }
    }

    #[test]
    fn a_session_passes_only_established_with_the_designed_as() {
        let up =
            judge(&session(), &Observation::BgpNeighbours(Some(vec![peer("Established", 65002)]))).unwrap();
        assert!(up.is_pass());
        let active =
            judge(&session(), &Observation::BgpNeighbours(Some(vec![peer("Active", 65002)]))).unwrap();
        assert!(!active.is_pass());
        let wrong_as =
            judge(&session(), &Observation::BgpNeighbours(Some(vec![peer("Established", 65009)]))).unwrap();
        assert!(!wrong_as.is_pass());
        assert!(!judge(&session(), &Observation::BgpNeighbours(None)).unwrap().is_pass());
        assert!(!judge(&session(), &Observation::BgpNeighbours(Some(Vec::new()))).unwrap().is_pass());
    }

    #[test]
    fn a_route_passes_only_with_a_designed_best_path() {
        let probe = ProbeSpec::BgpRoute {
            node: "r1".into(),
            to: "192.0.2.0/24".parse().unwrap(),
            as_paths: vec![vec![65003, 65002]],
        };
        let path = |as_path: Vec<u32>, best| BgpPathFact {
            to: "192.0.2.0/24".parse().unwrap(),
            as_path,
            best,
            valid: true,
            next_hop: None,
        };
        let right =
            Observation::BgpTable(Some(vec![path(vec![65002], false), path(vec![65003, 65002], true)]));
        assert!(judge(&probe, &right).unwrap().is_pass());
        let shortest =
            Observation::BgpTable(Some(vec![path(vec![65002], true), path(vec![65003, 65002], false)]));
        assert!(
            !judge(&probe, &shortest).unwrap().is_pass(),
            "the policy should have chosen the longer path"
        );
        assert!(!judge(&probe, &Observation::BgpTable(Some(Vec::new()))).unwrap().is_pass());
    }
}
