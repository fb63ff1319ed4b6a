//! `ospf-interface/<router>:<interface>` (and `ospf6-interface/...` for OSPFv3): the
//! cost, network type and DR/BDR role the design states for an OSPF interface; and the
//! cost and next hops of `ospf-route` checks in a lab whose design states costs.

use std::net::IpAddr;

use ipnet::IpNet;

use super::texts::t;
use super::{Area, Draft};
use crate::checks::model::ProbeSpec;
use crate::checks::sim::World;
use crate::checks::sim::spf::cost;
use crate::design::{Design, Endpoint, OspfVersion, Text};

/// Whether the design states a cost anywhere: then routes are checked with theirs,
/// since the costs are what decides them.
pub fn costs_stated(design: &Design) -> bool {
    design
        .nodes
        .values()
        .filter_map(|n| n.ospf.as_ref())
        .any(|o| o.interfaces.iter().any(|i| i.cost.is_some()))
}

/// The probe of an `ospf-route` check. IPv6 routes (OSPFv3) have link-local next hops,
/// which no design knows: their way out is the interface.
pub fn route_probe(design: &Design, world: &World, node: &str, to: IpNet) -> ProbeSpec {
    let outcome = if to.addr().is_ipv4() { &world.ospf } else { &world.ospf6 };
    let found = outcome.spf.get(node).and_then(|routes| routes.iter().find(|r| r.route.to == to));
    let (mut metric, mut via, mut interfaces) = (None, Vec::<IpAddr>::new(), Vec::new());
    if let Some(r) = found.filter(|_| costs_stated(design)) {
        metric = Some(r.metric);
        // OSPFv3's next hops are link-local, so IPv6 routes are checked by interface.
        if to.addr().is_ipv4() {
            via = r.hops.iter().map(|(a, _)| *a).collect();
        } else {
            interfaces = r.hops.iter().map(|(_, i)| i.clone()).collect();
        }
    }
    ProbeSpec::OspfRoute { node: node.to_string(), to, metric, via, interfaces }
}

/// How long one attempt may take: asking FRR (`vtysh` in the node, many checks at
/// once on a busy host) takes longer than reading the kernel from outside.
pub fn timeout_ms(probe: &ProbeSpec) -> u64 {
    match probe {
        ProbeSpec::OspfRoute { metric: Some(_), .. } | ProbeSpec::OspfInterface { .. } => 10_000,
        _ => 2_000,
    }
}

/// `ospf-interface/<router>:<interface>` for OSPF version 2, `ospf6-interface/...` for
/// OSPFv3: a dual-stack interface has the settings twice, once per version.
pub fn interfaces(design: &Design, world: &World) -> Vec<Draft> {
    OspfVersion::BOTH.into_iter().flat_map(|v| version_interfaces(design, world, v)).collect()
}

fn version_interfaces(design: &Design, world: &World, version: OspfVersion) -> Vec<Draft> {
    let roles = crate::checks::sim::ospf_roles(world, version);
    let mut out = Vec::new();
    for node in design.nodes.values() {
        let Some(ospf) = &node.ospf else { continue };
        for oi in ospf.interfaces.iter().filter(|oi| ospf.runs_on(node, &oi.name, version)) {
            let ep = Endpoint { node: node.name.clone(), interface: oi.name.clone() };
            let role = oi.priority.and_then(|_| roles.get(&ep).copied());
            let cost_stated = oi.cost.map(|_| cost(node, &oi.name));
            if cost_stated.is_none() && oi.network.is_none() && role.is_none() {
                continue;
            }
            let probe = ProbeSpec::OspfInterface {
                node: node.name.clone(),
                interface: oi.name.clone(),
                version,
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
            let family = if version.is_v2() { "ospf" } else { "ospf6" };
            let what = (what_nl.join(", "), what_en.join(", "));
            out.push(
                Draft::new(
                    format!("{family}-interface/{ep}"),
                    texts(&ep.to_string(), &node.name, &oi.name, &what, version),
                    Area::Network,
                    probe,
                )
                .patient(10, 10_000),
            );
        }
    }
    out
}

fn texts(
    ep: &str,
    node: &str,
    iface: &str,
    (nl, en): &(String, String),
    version: OspfVersion,
) -> (Text, Text) {
    match version {
        OspfVersion::V2 => (
            t(format!("{ep} draait OSPF met {nl}"), format!("{ep} runs OSPF with {en}")),
            t(
                format!(
                    "Kijk met `vtysh -c \"show ip ospf interface {iface}\"` op {node}. Zet onder `interface {iface}`: `ip ospf cost`, `ip ospf network` en `ip ospf priority`. Een nieuwe prioriteit telt pas bij een nieuwe verkiezing (`clear ip ospf process`)."
                ),
                format!(
                    "Look with `vtysh -c \"show ip ospf interface {iface}\"` on {node}. Under `interface {iface}` set `ip ospf cost`, `ip ospf network` and `ip ospf priority`. A new priority counts only at a new election (`clear ip ospf process`)."
                ),
            ),
        ),
        OspfVersion::V3 => (
            t(format!("{ep} draait OSPFv3 met {nl}"), format!("{ep} runs OSPFv3 with {en}")),
            t(
                format!(
                    "Kijk met `vtysh -c \"show ipv6 ospf6 interface {iface}\"` op {node}. Zet onder `interface {iface}`: `ipv6 ospf6 cost`, `ipv6 ospf6 network` en `ipv6 ospf6 priority`. Een nieuwe prioriteit telt pas bij een nieuwe verkiezing (`clear ipv6 ospf6 process`)."
                ),
                format!(
                    "Look with `vtysh -c \"show ipv6 ospf6 interface {iface}\"` on {node}. Under `interface {iface}` set `ipv6 ospf6 cost`, `ipv6 ospf6 network` and `ipv6 ospf6 priority`. A new priority counts only at a new election (`clear ipv6 ospf6 process`)."
                ),
            ),
        ),
    }
}
