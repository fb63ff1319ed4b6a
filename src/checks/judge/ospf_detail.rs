//! Judging OSPF's finer points: a route's cost and next hop, an interface's cost,
//! network type and DR/BDR role.

use std::net::IpAddr;

use super::verdict;
use crate::checks::derive::texts::t;
use crate::checks::model::ProbeSpec;
use crate::checks::observation::Observation;
use crate::checks::outcome::Outcome;
use crate::design::NetworkType;

pub fn judge(probe: &ProbeSpec, seen: &Observation) -> Option<Outcome> {
    Some(match (probe, seen) {
        (
            ProbeSpec::OspfRoute { to, metric: Some(metric), via, interfaces, .. },
            Observation::OspfRib(routes),
        ) => {
            // IPv6 next hops are link-local: the way out is the interface.
            let by_interface = !interfaces.is_empty();
            let ways = if by_interface { interfaces.join(" / ") } else { join(via) };
            let expected = t(
                format!("route naar {to} via {ways} met kosten {metric}, geleerd via OSPF"),
                format!("route to {to} via {ways} at cost {metric}, learned through OSPF"),
            );
            let Some(routes) = routes else {
                return Some(verdict(false, 0.0, expected, t("OSPF draait niet", "OSPF does not run")));
            };
            let found = routes.iter().filter(|r| r.to == *to).max_by_key(|r| r.selected);
            match found {
                Some(r) => {
                    let right_way = (via.is_empty() && !by_interface)
                        || r.via.iter().any(|v| via.contains(v))
                        || r.interfaces.iter().any(|i| interfaces.contains(i));
                    let passed = r.selected && r.metric == *metric && right_way;
                    let seen_way = if by_interface { r.interfaces.join(" / ") } else { join(&r.via) };
                    let chosen = if r.selected { "" } else { ", niet gekozen" };
                    let chosen_en = if r.selected { "" } else { ", not chosen" };
                    verdict(
                        passed,
                        0.5,
                        expected,
                        t(
                            format!("route naar {to} via {seen_way} met kosten {}{chosen}", r.metric),
                            format!("route to {to} via {seen_way} at cost {}{chosen_en}", r.metric),
                        ),
                    )
                }
                None => verdict(
                    false,
                    0.0,
                    expected,
                    t(format!("geen OSPF-route naar {to}"), format!("no OSPF route to {to}")),
                ),
            }
        }
        (
            ProbeSpec::OspfInterface { interface, cost, network, role, .. },
            Observation::OspfInterface(facts),
        ) => {
            let mut want_nl = Vec::new();
            let mut want_en = Vec::new();
            if let Some(c) = cost {
                want_nl.push(format!("kosten {c}"));
                want_en.push(format!("cost {c}"));
            }
            if let Some(n) = network {
                want_nl.push(format!("netwerktype {}", n.name()));
                want_en.push(format!("network type {}", n.name()));
            }
            if let Some(r) = role {
                want_nl.push(format!("rol {}", r.frr_state()));
                want_en.push(format!("role {}", r.frr_state()));
            }
            let expected = t(
                format!("{interface} in OSPF met {}", want_nl.join(", ")),
                format!("{interface} in OSPF with {}", want_en.join(", ")),
            );
            let Some(f) = facts else {
                return Some(verdict(
                    false,
                    0.0,
                    expected,
                    t(
                        format!("OSPF draait niet op {interface}"),
                        format!("OSPF does not run on {interface}"),
                    ),
                ));
            };
            let network_seen = match f.network.as_str() {
                "POINTOPOINT" => Some(NetworkType::PointToPoint),
                "BROADCAST" => Some(NetworkType::Broadcast),
                _ => None,
            };
            let passed = cost.is_none_or(|c| c == f.cost)
                && network.is_none_or(|n| Some(n) == network_seen)
                && role.is_none_or(|r| r.frr_state() == f.state);
            let network_shown = network_seen.map_or_else(|| f.network.clone(), |n| n.name().to_string());
            verdict(
                passed,
                0.0,
                expected,
                t(
                    format!("kosten {}, netwerktype {network_shown}, toestand {}", f.cost, f.state),
                    format!("cost {}, network type {network_shown}, state {}", f.cost, f.state),
                ),
            )
        }
        _ => return None,
    })
}

fn join(addrs: &[IpAddr]) -> String {
    if addrs.is_empty() {
        return "-".into();
    }
    addrs.iter().map(IpAddr::to_string).collect::<Vec<_>>().join(" / ")
}
