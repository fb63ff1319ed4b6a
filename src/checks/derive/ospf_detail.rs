//! `ospf-interface/<router>:<interface>`: the cost, network type and DR/BDR role the
//! design states for an OSPF interface; and the cost and next hops of `ospf-route`
//! checks in a lab whose design states costs.

use std::net::IpAddr;

use ipnet::IpNet;

use super::texts::t;
use super::{Area, Draft};
use crate::checks::model::ProbeSpec;
use crate::checks::sim::World;
use crate::checks::sim::spf::cost;
use crate::design::{Design, Endpoint, Text};

/// Whether the design states a cost anywhere: then routes are checked with theirs,
/// since the costs are what decides them.
pub fn costs_stated(design: &Design) -> bool {
    design
        .nodes
        .values()
        .filter_map(|n| n.ospf.as_ref())
        .any(|o| o.interfaces.iter().any(|i| i.cost.is_some()))
}

/// The probe of an `ospf-route` check.
pub fn route_probe(design: &Design, world: &World, node: &str, to: IpNet) -> ProbeSpec {
    let found = world.ospf.spf.get(node).and_then(|routes| routes.iter().find(|r| r.route.to == to));
    match found.filter(|_| costs_stated(design)) {
        Some(r) => ProbeSpec::OspfRoute {
            node: node.to_string(),
            to,
            metric: Some(r.metric),
            via: r.hops.iter().map(|(a, _)| *a).collect::<Vec<IpAddr>>(),
        },
        None => ProbeSpec::OspfRoute { node: node.to_string(), to, metric: None, via: Vec::new() },
    }
}

/// How long one attempt may take: asking FRR (`vtysh` in the node, many checks at
/// once on a busy host) takes longer than reading the kernel from outside.
pub fn timeout_ms(probe: &ProbeSpec) -> u64 {
    match probe {
        ProbeSpec::OspfRoute { metric: Some(_), .. } | ProbeSpec::OspfInterface { .. } => 10_000,
        _ => 2_000,
    }
}

pub fn interfaces(design: &Design, world: &World) -> Vec<Draft> {
    let roles = crate::checks::sim::ospf_roles(world);
    let mut out = Vec::new();
    for node in design.nodes.values() {
        let Some(ospf) = &node.ospf else { continue };
        for oi in &ospf.interfaces {
            let ep = Endpoint { node: node.name.clone(), interface: oi.name.clone() };
            let role = oi.priority.and_then(|_| roles.get(&ep).copied());
            let cost_stated = oi.cost.map(|_| cost(node, &oi.name));
            if cost_stated.is_none() && oi.network.is_none() && role.is_none() {
                continue;
            }
            let probe = ProbeSpec::OspfInterface {
                node: node.name.clone(),
                interface: oi.name.clone(),
                cost: cost_stated,
                network: oi.network,
                role,
            };
            let mut what_nl = Vec::new();
            let mut what_en = Vec::new();
            if let Some(c) = cost_stated {
                what_nl.push(format!("kosten {c}"));
                what_en.push(format!("cost {c}"));
            }
            if let Some(n) = oi.network {
                what_nl.push(n.name().to_string());
                what_en.push(n.name().to_string());
            }
            if let Some(r) = role {
                what_nl.push(format!("rol {}", r.frr_state()));
                what_en.push(format!("role {}", r.frr_state()));
            }
            // The role waits for the election (a wait interval of 40 s) after a change.
            out.push(
                Draft::new(
                    format!("ospf-interface/{ep}"),
                    texts(&ep.to_string(), &node.name, &oi.name, &what_nl.join(", "), &what_en.join(", ")),
                    Area::Network,
                    probe,
                )
                .patient(10, 10_000),
            );
        }
    }
    out
}

fn texts(ep: &str, node: &str, iface: &str, nl: &str, en: &str) -> (Text, Text) {
    (
        t(format!("{ep} draait OSPF met {nl}"), format!("{ep} runs OSPF with {en}")),
        t(
            format!(
                "Kijk met `vtysh -c \"show ip ospf interface {iface}\"` op {node}. Zet onder `interface {iface}`: `ip ospf cost`, `ip ospf network` en `ip ospf priority`. Een nieuwe prioriteit telt pas bij een nieuwe verkiezing (`clear ip ospf process`)."
            ),
            format!(
                "Look with `vtysh -c \"show ip ospf interface {iface}\"` on {node}. Under `interface {iface}` set `ip ospf cost`, `ip ospf network` and `ip ospf priority`. A new priority counts only at a new election (`clear ip ospf process`)."
            ),
        ),
    )
}
