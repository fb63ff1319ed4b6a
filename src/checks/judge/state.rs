//! Judging configuration state: addresses, routes, OSPF, VLANs, command output, files.

use std::net::IpAddr;

use ipnet::IpNet;

use super::{excerpt, verdict};
use crate::checks::derive::texts::t;
use crate::checks::model::{AddressExpect, ProbeSpec};
use crate::checks::observation::{
    FileFacts, InterfaceFacts, NeighbourFact, Observation, RouteFact, RouteOrigin, VlanFact,
};
use crate::checks::outcome::Outcome;
use crate::design::{PortVlans, RouteSet, Text};

pub fn judge(probe: &ProbeSpec, seen: &Observation) -> Option<Outcome> {
    Some(match (probe, seen) {
        (ProbeSpec::Address { interface, expect, .. }, Observation::Interface(facts)) => {
            address(interface, expect, facts.as_ref())
        }
        (ProbeSpec::Gateway { via, .. }, Observation::Routes(routes)) => {
            let default: IpNet =
                if via.is_ipv4() { "0.0.0.0/0" } else { "::/0" }.parse().expect("a default route");
            let found = routes.iter().find(|r| r.to == default);
            let expected = t(format!("standaardgateway {via}"), format!("default gateway {via}"));
            match found {
                Some(r) if r.via.contains(via) => verdict(
                    true,
                    1.0,
                    expected,
                    t(format!("standaardgateway {via}"), format!("default gateway {via}")),
                ),
                Some(r) => {
                    let shown = show_vias(r);
                    verdict(
                        false,
                        0.0,
                        expected,
                        t(
                            format!("standaardgateway {shown}, niet de ontworpen"),
                            format!("default gateway {shown}, not the designed one"),
                        ),
                    )
                }
                None if !on_link(routes, *via) => unobservable_via(*via),
                None => verdict(false, 0.0, expected, t("geen standaardgateway", "no default gateway")),
            }
        }
        (ProbeSpec::Route { to, via, .. }, Observation::Routes(routes)) => {
            let expected = t(format!("route naar {to} via {via}"), format!("route to {to} via {via}"));
            match routes.iter().find(|r| r.to == *to) {
                Some(r) if r.via.contains(via) => verdict(
                    true,
                    1.0,
                    expected,
                    t(format!("route naar {to} via {via}"), format!("route to {to} via {via}")),
                ),
                Some(r) => {
                    let shown = show_vias(r);
                    // The destination is right, the way is not: half the work is done.
                    verdict(
                        false,
                        0.5,
                        expected,
                        t(
                            format!("route naar {to} via {shown}, een andere buur dan ontworpen"),
                            format!("route to {to} via {shown}, another neighbour than designed"),
                        ),
                    )
                }
                None if !on_link(routes, *via) => unobservable_via(*via),
                None => verdict(
                    false,
                    0.0,
                    expected,
                    t(format!("geen route naar {to}"), format!("no route to {to}")),
                ),
            }
        }
        (ProbeSpec::OspfNeighbour { neighbour, address, .. }, Observation::OspfNeighbours(list)) => {
            let expected = t(
                format!("OSPF-buur {neighbour} ({address}) in de toestand Full"),
                format!("OSPF neighbour {neighbour} ({address}) in state Full"),
            );
            let Some(list) = list else {
                return Some(verdict(false, 0.0, expected, t("OSPF draait niet", "OSPF does not run")));
            };
            match list.iter().find(|n| n.address == Some(*address)) {
                Some(n) if n.is_up() => verdict(
                    true,
                    1.0,
                    expected,
                    t(
                        format!("buur {address} (router-ID {}) in de toestand {}", n.router_id, n.state),
                        format!("neighbour {address} (router ID {}) in state {}", n.router_id, n.state),
                    ),
                ),
                Some(n) => verdict(
                    false,
                    0.5,
                    expected,
                    t(
                        format!("buur {address} blijft hangen in de toestand {}", n.state),
                        format!("neighbour {address} is stuck in state {}", n.state),
                    ),
                ),
                None => {
                    let (nl, en) = listed(
                        list.iter()
                            .map(|n| n.address.map_or_else(|| n.router_id.to_string(), |a| a.to_string())),
                    );
                    verdict(
                        false,
                        0.0,
                        expected,
                        t(
                            format!("geen buur op {address} (buren: {nl})"),
                            format!("no neighbour at {address} (neighbours: {en})"),
                        ),
                    )
                }
            }
        }
        (
            ProbeSpec::Ospf6Neighbour { neighbour, interface, router_id, .. },
            Observation::OspfNeighbours(list),
        ) => {
            let known_as = router_id.map(|id| format!(", router-ID {id}")).unwrap_or_default();
            let known_as_en = router_id.map(|id| format!(", router ID {id}")).unwrap_or_default();
            let expected = t(
                format!("OSPFv3-buur {neighbour} op {interface}{known_as} in de toestand Full"),
                format!("OSPFv3 neighbour {neighbour} on {interface}{known_as_en} in state Full"),
            );
            let Some(list) = list else {
                return Some(verdict(false, 0.0, expected, t("OSPFv3 draait niet", "OSPFv3 does not run")));
            };
            let on_link: Vec<&NeighbourFact> =
                list.iter().filter(|n| n.interface.as_deref() == Some(interface.as_str())).collect();
            let theirs = on_link
                .iter()
                .filter(|n| router_id.is_none_or(|id| n.router_id == id))
                .max_by_key(|n| n.is_up());
            match theirs {
                Some(n) if n.is_up() => verdict(
                    true,
                    1.0,
                    expected,
                    t(
                        format!(
                            "buur met router-ID {} op {interface} in de toestand {}",
                            n.router_id, n.state
                        ),
                        format!(
                            "neighbour with router ID {} on {interface} in state {}",
                            n.router_id, n.state
                        ),
                    ),
                ),
                Some(n) => verdict(
                    false,
                    0.5,
                    expected,
                    t(
                        format!(
                            "buur {} op {interface} blijft hangen in de toestand {}",
                            n.router_id, n.state
                        ),
                        format!("neighbour {} on {interface} is stuck in state {}", n.router_id, n.state),
                    ),
                ),
                None => {
                    let (nl, en) = listed(
                        list.iter()
                            .map(|n| format!("{} ({})", n.router_id, n.interface.as_deref().unwrap_or("?"))),
                    );
                    verdict(
                        false,
                        0.0,
                        expected,
                        t(
                            format!("geen passende buur op {interface} (buren: {nl})"),
                            format!("no matching neighbour on {interface} (neighbours: {en})"),
                        ),
                    )
                }
            }
        }
        (ProbeSpec::OspfRouterId { router_id, .. }, Observation::OspfRouterId(seen)) => {
            let expected = t(format!("router-ID {router_id}"), format!("router ID {router_id}"));
            let observed = match seen {
                Some(id) => t(format!("router-ID {id}"), format!("router ID {id}")),
                None => t("OSPF draait niet", "OSPF does not run"),
            };
            verdict(*seen == Some(*router_id), 0.0, expected, observed)
        }
        (ProbeSpec::OspfRoute { to, .. }, Observation::Routes(routes)) => {
            let expected = t(
                format!("route naar {to}, geleerd via OSPF"),
                format!("route to {to}, learned through OSPF"),
            );
            match routes.iter().find(|r| r.to == *to) {
                Some(r) if r.origin == RouteOrigin::Ospf => verdict(
                    true,
                    1.0,
                    expected,
                    t(
                        format!("route naar {to} via {} (OSPF)", show_vias(r)),
                        format!("route to {to} via {} (OSPF)", show_vias(r)),
                    ),
                ),
                Some(r) => verdict(
                    false,
                    0.0,
                    expected,
                    t(
                        format!("route naar {to} is er, maar niet via OSPF ({})", r.origin.name()),
                        format!("a route to {to} exists, but not from OSPF ({})", r.origin.name()),
                    ),
                ),
                None => verdict(
                    false,
                    0.0,
                    expected,
                    t(format!("geen route naar {to}"), format!("no route to {to}")),
                ),
            }
        }
        (ProbeSpec::Vlan { expect, .. }, Observation::Vlans(vlans)) => vlan(expect, vlans.as_deref()),
        (
            ProbeSpec::Command { matches, exit, output: exact, .. },
            Observation::Command { status, output },
        ) => {
            let expected = command_expected(matches, *exit, exact.as_deref());
            let passed = regex::Regex::new(matches).is_ok_and(|re| re.is_match(output))
                && exit.is_none_or(|e| e == *status)
                && exact.as_deref().is_none_or(|e| same_output(e, output));
            let shown = excerpt(output, 300);
            verdict(
                passed,
                0.0,
                expected,
                t(
                    format!("uitvoer (status {status}): {shown}"),
                    format!("output (status {status}): {shown}"),
                ),
            )
        }
        (ProbeSpec::RouteTable { only, .. }, Observation::Routes(routes)) => route_table(only, routes),
        (ProbeSpec::File { path, contains, owner, mode, .. }, Observation::File(facts)) => {
            file(path, contains.as_deref(), owner.as_deref(), *mode, facts.as_ref())
        }
        _ => return None,
    })
}

/// A file against what the check asks of it: each of content, owner and mode that it
/// gives is a share of the credit, so the right content with the wrong owner is half.
fn file(
    path: &str,
    contains: Option<&str>,
    owner: Option<&str>,
    mode: Option<u32>,
    facts: Option<&FileFacts>,
) -> Outcome {
    let mut nl = Vec::new();
    let mut en = Vec::new();
    if let Some(c) = contains {
        nl.push(format!("bevat \"{c}\""));
        en.push(format!("contains \"{c}\""));
    }
    if let Some(o) = owner {
        nl.push(format!("eigenaar {o}"));
        en.push(format!("owner {o}"));
    }
    if let Some(m) = mode {
        nl.push(format!("rechten {m:04o}"));
        en.push(format!("mode {m:04o}"));
    }
    let expected = t(format!("{path}: {}", nl.join(", ")), format!("{path}: {}", en.join(", ")));
    let Some(facts) = facts else {
        return verdict(
            false,
            0.0,
            expected,
            t(format!("{path} bestaat niet"), format!("{path} does not exist")),
        );
    };
    let owner_holds = |o: &str| match o.split_once(':') {
        Some((user, group)) => facts.owner == user && facts.group == group,
        None => facts.owner == o,
    };
    let held: Vec<bool> = [
        contains.map(|c| facts.content.as_deref().is_some_and(|content| content.contains(c))),
        owner.map(owner_holds),
        mode.map(|m| facts.mode == m),
    ]
    .into_iter()
    .flatten()
    .collect();
    let share = held.iter().filter(|h| **h).count() as f64 / held.len().max(1) as f64;
    let (content_nl, content_en) = match (&facts.content, contains) {
        (Some(c), Some(_)) => (format!(", {}", excerpt(c, 200)), format!(", {}", excerpt(c, 200))),
        (None, Some(_)) => (", niet leesbaar".to_string(), ", not readable".to_string()),
        _ => (String::new(), String::new()),
    };
    let (user, group, bits) = (&facts.owner, &facts.group, facts.mode);
    let observed = t(
        format!("{path}: eigenaar {user}:{group}, rechten {bits:04o}{content_nl}"),
        format!("{path}: owner {user}:{group}, mode {bits:04o}{content_en}"),
    );
    let passed = held.iter().all(|h| *h);
    verdict(passed, if passed { 1.0 } else { share }, expected, observed)
}

fn show_vias(route: &RouteFact) -> String {
    if route.via.is_empty() {
        return route.interface.clone().unwrap_or_else(|| "direct".into());
    }
    route.via.iter().map(IpAddr::to_string).collect::<Vec<_>>().join(", ")
}

fn address(interface: &str, expect: &AddressExpect, facts: Option<&InterfaceFacts>) -> Outcome {
    let expected = match expect {
        AddressExpect::Exact { addresses } => {
            let list = addresses.iter().map(ToString::to_string).collect::<Vec<_>>().join(", ");
            t(format!("{interface} staat aan met {list}"), format!("{interface} up with {list}"))
        }
        AddressExpect::Leased { range } => t(
            format!("{interface} staat aan met een adres uit {} - {}", range.first, range.last),
            format!("{interface} up with an address from {} - {}", range.first, range.last),
        ),
    };
    let Some(facts) = facts else {
        return verdict(
            false,
            0.0,
            expected,
            t(format!("er is geen interface {interface}"), format!("there is no interface {interface}")),
        );
    };
    let shown = if facts.addresses.is_empty() {
        ("geen adres".to_string(), "no address".to_string())
    } else {
        let list = facts.addresses.iter().map(ToString::to_string).collect::<Vec<_>>().join(", ");
        (list.clone(), list)
    };
    let state = if facts.up { ("staat aan", "is up") } else { ("staat uit", "is down") };
    let observed = t(
        format!("{interface} {} met {}", state.0, shown.0),
        format!("{interface} {} with {}", state.1, shown.1),
    );
    // Each expected address counts for an equal share; the right address with the
    // wrong prefix length for half of its share.
    let share = match expect {
        AddressExpect::Exact { addresses } => {
            let each = addresses.iter().map(|want| {
                if facts.addresses.contains(want) {
                    1.0
                } else if facts.addresses.iter().any(|a| a.addr() == want.addr()) {
                    0.5
                } else {
                    0.0
                }
            });
            each.sum::<f64>() / addresses.len().max(1) as f64
        }
        AddressExpect::Leased { range } => {
            let leased = facts.addresses.iter().any(|a| match a.addr() {
                IpAddr::V4(v4) => range.contains(v4),
                IpAddr::V6(_) => false,
            });
            if leased { 1.0 } else { 0.0 }
        }
    };
    let passed = facts.up && share >= 1.0;
    // An address that is right on an interface left down is half the job.
    let credit = if facts.up { share } else { share / 2.0 };
    verdict(passed, credit, expected, observed)
}

fn vlan(expect: &PortVlans, vlans: Option<&[VlanFact]>) -> Outcome {
    let expected = match expect {
        PortVlans::Access(v) => t(format!("access-poort in VLAN {v}"), format!("access port in VLAN {v}")),
        PortVlans::Trunk(vs) => {
            let list = vs.iter().map(u16::to_string).collect::<Vec<_>>().join(", ");
            t(format!("trunk met getagde VLAN's {list}"), format!("trunk with tagged VLANs {list}"))
        }
    };
    let Some(vlans) = vlans else {
        return verdict(
            false,
            0.0,
            expected,
            t(
                "de poort zit niet in een bridge die VLAN's filtert",
                "the port is not in a bridge that filters VLANs",
            ),
        );
    };
    let describe = |v: &VlanFact| {
        let mut s = v.vid.to_string();
        if v.pvid {
            s.push_str(" pvid");
        }
        if v.untagged {
            s.push_str(" untagged");
        }
        s
    };
    let list = vlans.iter().map(describe).collect::<Vec<_>>().join(", ");
    let observed = t(format!("VLAN's: {list}"), format!("VLANs: {list}"));
    let (passed, credit) = match expect {
        PortVlans::Access(v) => {
            let right = vlans.len() == 1 && vlans[0].vid == *v && vlans[0].pvid && vlans[0].untagged;
            let member = vlans.iter().any(|f| f.vid == *v);
            (right, if member { 0.5 } else { 0.0 })
        }
        PortVlans::Trunk(vs) => {
            let tagged = |vid: u16| vlans.iter().any(|f| f.vid == vid && !f.untagged);
            let present = vs.iter().filter(|v| tagged(**v)).count();
            // VLAN 1 untagged is every port's default; other extra VLANs are a mistake.
            let extra = vlans.iter().any(|f| !vs.contains(&f.vid) && f.vid != 1);
            (present == vs.len() && !extra, present as f64 / vs.len().max(1) as f64)
        }
    };
    verdict(passed, credit, expected, observed)
}

/// Whether the node has an address on the subnet of `via`: the connected route the
/// kernel adds for every address covers it.
fn on_link(routes: &[RouteFact], via: std::net::IpAddr) -> bool {
    routes.iter().any(|r| r.via.is_empty() && r.to.prefix_len() > 0 && r.to.contains(&via))
}

/// A gateway or route whose next hop is on no subnet of the node cannot be set at all:
/// the kernel refuses it. Not a second mistake, so not a second failure: the check is
/// skipped, and the address check says what is wrong.
fn unobservable_via(via: std::net::IpAddr) -> Outcome {
    Outcome::Skipped {
        reason: t(
            format!(
                "geen adres in het subnet van {via}, dus er kan geen route via {via} staan: eerst het adres"
            ),
            format!("no address in the subnet of {via}, so no route via {via} can be set: the address first"),
        ),
    }
}

/// What a command check wants, in words.
fn command_expected(matches: &str, exit: Option<i32>, exact: Option<&str>) -> Text {
    let mut nl = Vec::new();
    let mut en = Vec::new();
    if let Some(e) = exact {
        let shown = excerpt(e, 200);
        nl.push(format!("precies de uitvoer \"{shown}\""));
        en.push(format!("exactly the output \"{shown}\""));
    }
    // An empty pattern matches everything: it says nothing when other things are asked.
    if !matches.is_empty() || (exact.is_none() && exit.is_none()) {
        nl.push(format!("uitvoer die past bij /{matches}/"));
        en.push(format!("output matching /{matches}/"));
    }
    if let Some(e) = exit {
        nl.push(format!("exitstatus {e}"));
        en.push(format!("exit status {e}"));
    }
    t(nl.join(", "), en.join(", "))
}

/// Whether a command printed exactly the expected text. Line ends at the end, and a
/// `\r` before each line end, do not count: teachers write YAML, commands print lines.
fn same_output(expected: &str, output: &str) -> bool {
    let norm = |s: &str| s.replace("\r\n", "\n").trim_end_matches(['\n', '\r']).to_string();
    norm(expected) == norm(output)
}

/// The routes a node has besides its connected ones, against exactly the expected set.
/// IPv6 routes count only when the expected set has one: every IPv6 interface has
/// routes of its own the teacher did not write.
fn route_table(only: &[RouteSet], routes: &[RouteFact]) -> Outcome {
    let shown = |sets: &[RouteSet]| {
        if sets.is_empty() {
            "-".to_string()
        } else {
            sets.iter().map(RouteSet::to_string).collect::<Vec<_>>().join("; ")
        }
    };
    let ipv6 = only.iter().any(|s| s.to.addr().is_ipv6());
    let mut seen: Vec<RouteSet> = routes
        .iter()
        .filter(|r| r.origin != RouteOrigin::Kernel && !r.via.is_empty())
        .filter(|r| r.to.addr().is_ipv4() || ipv6)
        .map(|r| {
            let mut via = r.via.clone();
            via.sort();
            RouteSet { to: r.to, via }
        })
        .collect();
    seen.sort_by_key(|s| s.to);
    let mut want: Vec<RouteSet> = only
        .iter()
        .map(|s| {
            let mut via = s.via.clone();
            via.sort();
            RouteSet { to: s.to, via }
        })
        .collect();
    want.sort_by_key(|s| s.to);
    let missing: Vec<RouteSet> = want.iter().filter(|w| !seen.contains(w)).cloned().collect();
    let extra: Vec<RouteSet> = seen.iter().filter(|s| !want.contains(s)).cloned().collect();
    let expected = t(format!("precies: {}", shown(&want)), format!("exactly: {}", shown(&want)));
    let mut nl = format!("routes: {}", shown(&seen));
    let mut en = nl.clone();
    if !missing.is_empty() {
        nl.push_str(&format!(" (ontbreekt: {})", shown(&missing)));
        en.push_str(&format!(" (missing: {})", shown(&missing)));
    }
    if !extra.is_empty() {
        nl.push_str(&format!(" (te veel: {})", shown(&extra)));
        en.push_str(&format!(" (not designed: {})", shown(&extra)));
    }
    verdict(missing.is_empty() && extra.is_empty(), 0.0, expected, t(nl, en))
}

/// The neighbours FRR does list, in Dutch and English: `geen`/`none` for none.
fn listed(neighbours: impl Iterator<Item = String>) -> (String, String) {
    let all: Vec<String> = neighbours.collect();
    if all.is_empty() { ("geen".into(), "none".into()) } else { (all.join(", "), all.join(", ")) }
}
