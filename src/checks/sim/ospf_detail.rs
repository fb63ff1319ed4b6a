//! OSPF's finer points in the simulated lab: the designated-router election where the
//! design's priorities decide it, and whether a cost or interface check holds.

use std::collections::HashMap;

use super::World;
use super::spf::cost;
use crate::checks::model::{DrRole, ProbeSpec};
use crate::design::{Endpoint, NetworkType, OspfInterface, OspfVersion};

/// The OSPF interface of an endpoint, if it runs OSPF.
fn ospf_interface<'a>(world: &'a World, ep: &Endpoint) -> Option<&'a OspfInterface> {
    world.node(&ep.node).ospf.as_ref()?.interfaces.iter().find(|i| i.name == ep.interface)
}

/// The role of every interface on a broadcast link whose election the design decides:
/// every router there has a stated priority, and no two eligible ones tie for DR or
/// BDR (a tie falls to router IDs, which a student may choose). All routers of a lab
/// start together and wait out the same timer, so the election sees them all.
pub fn roles(world: &World, version: OspfVersion) -> HashMap<Endpoint, DrRole> {
    let mut out = HashMap::new();
    let mut links: HashMap<usize, Vec<Endpoint>> = HashMap::new();
    let outcome = if version.is_v2() { &world.ospf } else { &world.ospf6 };
    for adj in &outcome.adjacencies {
        let Some(domain) = world.domains.index_of(&adj.a) else { continue };
        let members = links.entry(domain).or_default();
        for ep in [&adj.a, &adj.b] {
            if !members.contains(ep) {
                members.push(ep.clone());
            }
        }
    }
    for members in links.values() {
        let broadcast = members.iter().all(|ep| {
            ospf_interface(world, ep)
                .is_some_and(|i| i.network.unwrap_or(NetworkType::Broadcast) == NetworkType::Broadcast)
        });
        let priorities: Option<Vec<(u8, &Endpoint)>> = members
            .iter()
            .map(|ep| ospf_interface(world, ep).and_then(|i| i.priority).map(|p| (p, ep)))
            .collect();
        let (true, Some(mut priorities)) = (broadcast, priorities) else { continue };
        priorities.sort_by_key(|p| std::cmp::Reverse(p.0));
        let eligible: Vec<u8> = priorities.iter().map(|(p, _)| *p).filter(|p| *p > 0).collect();
        let decided = |i: usize| eligible.get(i + 1).is_none_or(|next| *next != eligible[i]);
        if eligible.is_empty() || !decided(0) || (eligible.len() > 1 && !decided(1)) {
            continue;
        }
        for (i, (p, ep)) in priorities.iter().enumerate() {
            let role = match i {
                0 if *p > 0 => DrRole::Dr,
                1 if *p > 0 => DrRole::Bdr,
                _ => DrRole::Drother,
            };
            out.insert((*ep).clone(), role);
        }
    }
    out
}

/// Whether an OSPF route-cost or interface check holds in the world.
pub fn holds(world: &World, probe: &ProbeSpec) -> bool {
    match probe {
        ProbeSpec::OspfRoute { node, to, metric, via, interfaces } => {
            let outcome = if to.addr().is_ipv4() { &world.ospf } else { &world.ospf6 };
            let right_way = |(a, i): &(std::net::IpAddr, String)| {
                (via.is_empty() && interfaces.is_empty()) || via.contains(a) || interfaces.contains(i)
            };
            outcome.spf.get(node).is_some_and(|routes| {
                routes.iter().any(|r| {
                    r.route.to == *to && metric.is_none_or(|m| m == r.metric) && r.hops.iter().any(right_way)
                })
            }) && world.fibs[node].lookup(to.addr()).is_some_and(|r| r.to == *to)
        }
        ProbeSpec::OspfInterface { node, interface, version, cost: want_cost, network, role } => {
            let ep = Endpoint { node: node.clone(), interface: interface.clone() };
            let Some(oi) = ospf_interface(world, &ep) else { return false };
            let runs = world
                .node(node)
                .ospf
                .as_ref()
                .is_some_and(|o| o.runs_on(world.node(node), interface, *version));
            runs && want_cost.is_none_or(|c| c == cost(world.node(node), interface))
                && network.is_none_or(|n| n == oi.network.unwrap_or(NetworkType::Broadcast))
                && role.is_none_or(|r| roles(world, *version).get(&ep) == Some(&r))
        }
        _ => false,
    }
}
