//! Checks of configuration state: addresses, gateways, static routes, OSPF, switch
//! VLANs and cables.

use std::collections::HashSet;
use std::net::IpAddr;

use ipnet::IpNet;

use super::ids::prefix;
use super::{Area, Draft, texts};
use crate::checks::model::{AddressExpect, DhcpRange, ProbeSpec};
use crate::checks::sim::{Flow, RouteSource, World};
use crate::design::{Design, Endpoint, Node, OspfVersion, Part};
use crate::kind::NodeKind;

/// Time for one answer of FRR through vtysh.
const VTYSH_MS: u64 = 5_000;

/// Addresses are the host's own business on client hosts, infrastructure elsewhere.
fn addressing_area(node: &Node) -> Area {
    if node.kind == NodeKind::Host { Area::Client } else { Area::Network }
}

pub fn addresses(design: &Design, world: &World, reveal: bool) -> Vec<Draft> {
    let mut out = Vec::new();
    for node in design.nodes.values().filter(|n| n.kind != NodeKind::Switch) {
        for iface in node.interfaces.values() {
            let endpoint = format!("{}:{}", node.name, iface.name);
            let id = format!("address/{endpoint}");
            let ep = Endpoint { node: node.name.clone(), interface: iface.name.clone() };
            if iface.dhcp {
                let Some(range) = lease_range(design, world, &ep) else { continue };
                let probe = ProbeSpec::Address {
                    node: node.name.clone(),
                    interface: iface.name.clone(),
                    expect: AddressExpect::Leased { range },
                };
                // A client keeps asking until the server answers, so a few seconds of
                // patience; not more: a client with no server to ask would hold up the
                // whole run, and the server's own DHCP check says why.
                out.push(
                    Draft::new(id, texts::leased(&endpoint), addressing_area(node), probe).patient(4, 3_000),
                );
            } else if !iface.addresses.is_empty() {
                let shown: Vec<String> = iface.addresses.iter().map(ToString::to_string).collect();
                let expected = reveal.then(|| shown.join(", "));
                let probe = ProbeSpec::Address {
                    node: node.name.clone(),
                    interface: iface.name.clone(),
                    expect: AddressExpect::Exact { addresses: iface.addresses.clone() },
                };
                out.push(
                    Draft::new(
                        id,
                        texts::address(&endpoint, expected.as_deref()),
                        addressing_area(node),
                        probe,
                    )
                    .reveal(reveal),
                );
            }
        }
    }
    out
}

/// The range of the DHCP server that would serve this client.
fn lease_range(design: &Design, world: &World, client: &Endpoint) -> Option<DhcpRange> {
    let lease = world.leases.get(client)?;
    let dhcp = design.nodes[&lease.server].services.dhcp.as_ref()?;
    Some(DhcpRange {
        subnet: dhcp.subnet,
        first: dhcp.first,
        last: dhcp.last,
        gateway: dhcp.gateway,
        dns: dhcp.dns.clone(),
    })
}

/// A gateway or route needs an address on its next hop's subnet: without one the
/// kernel refuses it. The judge sees that in the node's connected routes and skips the
/// check then; a node with some address there (a DHCP lease outside the range, say) is
/// judged on its gateway, right or wrong.
pub fn gateways_and_routes(design: &Design, world: &World, reveal: bool) -> Vec<Draft> {
    let mut out = Vec::new();
    for node in design.nodes.values().filter(|n| n.kind != NodeKind::Switch) {
        let area = addressing_area(node);
        let mut gateways: Vec<IpAddr> = node.gateways.clone();
        if !gateways.iter().any(IpAddr::is_ipv4) {
            // A DHCP client's gateway is the one its lease gives.
            if let Some(gw) =
                world.leases.iter().find(|(ep, _)| ep.node == node.name).and_then(|(_, l)| l.gateway)
            {
                gateways.push(IpAddr::V4(gw));
            }
        }
        for via in gateways {
            let id = if via.is_ipv4() {
                format!("gateway/{}", node.name)
            } else {
                format!("gateway6/{}", node.name)
            };
            let shown = via.to_string();
            let text = texts::gateway(&node.name, reveal.then_some(shown.as_str()));
            let probe = ProbeSpec::Gateway { node: node.name.clone(), via };
            out.push(Draft::new(id, text, area, probe).reveal(reveal));
        }
        for route in &node.routes {
            let to = prefix(design, route.to);
            let id = format!("route/{}/{to}", node.name);
            let shown_to = route.to.trunc().to_string();
            let shown_via = route.via.to_string();
            let text = texts::route(&node.name, &shown_to, reveal.then_some(shown_via.as_str()));
            let probe = ProbeSpec::Route { node: node.name.clone(), to: route.to, via: route.via };
            out.push(Draft::new(id, text, Area::Network, probe).reveal(reveal));
        }
    }
    out
}

/// Neighbourships the design implies, both ways, and the routes each router must learn
/// (not loopbacks: they carry no hosts, and every router announces one).
pub fn ospf(design: &Design, world: &World) -> Vec<Draft> {
    let mut out = Vec::new();
    let mut pairs = HashSet::new();
    for adj in &world.ospf.adjacencies {
        if !pairs.insert((adj.a.node.clone(), adj.b.node.clone())) {
            continue;
        }
        // The neighbour is known by its address on the shared link: the router ID is the
        // student's to choose where the design does not fix it (checked on its own).
        let Some(address) = design.nodes[&adj.b.node].interfaces[&adj.b.interface]
            .addresses
            .iter()
            .find(|a| a.addr().is_ipv4())
            .map(|a| a.addr())
        else {
            continue;
        };
        let id = format!("ospf-neighbour/{}/{}", adj.a.node, adj.b.node);
        let probe =
            ProbeSpec::OspfNeighbour { node: adj.a.node.clone(), neighbour: adj.b.node.clone(), address };
        // Adjacencies take a dead interval or two to form after a change. vtysh asks
        // the daemons in turn, which takes seconds on a server busy with many labs.
        out.push(
            Draft::new(id, texts::ospf_neighbour(&adj.a.node, &adj.b.node), Area::Network, probe)
                .patient(10, VTYSH_MS),
        );
    }
    out.extend(ospf6_neighbours(design, world));
    for node in design.nodes.values() {
        let Some(ospf) = node.ospf.as_ref().filter(|o| o.router_id_stated) else { continue };
        let shown = ospf.router_id.to_string();
        let probe = ProbeSpec::OspfRouterId { node: node.name.clone(), router_id: ospf.router_id };
        out.push(
            Draft::new(
                format!("ospf-router-id/{}", node.name),
                texts::ospf_router_id(&node.name, &shown),
                Area::Network,
                probe,
            )
            .patient(5, VTYSH_MS),
        );
    }
    for node in design.nodes.values().filter(|n| n.ospf.is_some()) {
        let fib = &world.fibs[&node.name];
        for route in fib.routes.iter().filter(|r| r.source == RouteSource::Ospf) {
            let host_route = route.to.prefix_len() == route.to.max_prefix_len();
            // A static route to the same prefix wins in the kernel; OSPF's is not shown.
            if host_route || fib.find(route.to, RouteSource::Static).is_some() {
                continue;
            }
            let id = format!("ospf-route/{}/{}", node.name, prefix(design, route.to));
            let shown = route.to.to_string();
            let probe = super::ospf_detail::route_probe(design, world, &node.name, route.to);
            let timeout = super::ospf_detail::timeout_ms(&probe);
            let text = texts::ospf_route(&node.name, &shown, version_of(route.to));
            // Routes follow the adjacencies by a few SPF runs and a retransmission or two.
            out.push(Draft::new(id, text, Area::Network, probe).patient(20, timeout));
        }
    }
    out
}

/// OSPF version 2 routes IPv4 prefixes, OSPFv3 IPv6 ones.
fn version_of(net: IpNet) -> OspfVersion {
    if net.addr().is_ipv4() { OspfVersion::V2 } else { OspfVersion::V3 }
}

/// OSPFv3's neighbourships, both ways. Its neighbours speak from link-local addresses no
/// design knows: the neighbour is the router with its router ID on the interface
/// towards it. Where the design leaves the router ID to the student and the link is a
/// cable, any full neighbour on that interface is the one at the other end.
fn ospf6_neighbours(design: &Design, world: &World) -> Vec<Draft> {
    let mut out = Vec::new();
    let mut pairs = HashSet::new();
    for adj in &world.ospf6.adjacencies {
        if !pairs.insert((adj.a.node.clone(), adj.b.node.clone())) {
            continue;
        }
        let Some(theirs) = design.nodes[&adj.b.node].ospf.as_ref() else { continue };
        let on_link = world.ospf6.adjacencies.iter().filter(|o| o.a == adj.a).count();
        let router_id = (theirs.router_id_stated || on_link > 1).then_some(theirs.router_id);
        let probe = ProbeSpec::Ospf6Neighbour {
            node: adj.a.node.clone(),
            neighbour: adj.b.node.clone(),
            interface: adj.a.interface.clone(),
            router_id,
        };
        out.push(
            Draft::new(
                format!("ospf6-neighbour/{}/{}", adj.a.node, adj.b.node),
                texts::ospf6_neighbour(&adj.a.node, &adj.b.node),
                Area::Network,
                probe,
            )
            .patient(10, VTYSH_MS),
        );
    }
    out
}

pub fn vlans(design: &Design, reveal: bool) -> Vec<Draft> {
    let mut out = Vec::new();
    // A switch whose ports all stay in VLAN 1 is a switch out of the box: nothing to check.
    let designed = |n: &&Node| n.kind == NodeKind::Switch && crate::checks::sim::is_present(n, Part::Vlans);
    for switch in design.nodes.values().filter(designed) {
        for (port, expect) in &switch.vlans {
            let text = texts::vlan(&switch.name, port, reveal.then_some(expect));
            let probe =
                ProbeSpec::Vlan { switch: switch.name.clone(), port: port.clone(), expect: expect.clone() };
            out.push(
                Draft::new(format!("vlan/{}/{port}", switch.name), text, Area::Network, probe).reveal(reveal),
            );
        }
    }
    out
}

/// One check per cable between two addressed ends: the fabric's loss, delay or a
/// pulled cable show up here and nowhere else.
pub fn links(design: &Design, world: &World) -> Vec<Draft> {
    let mut out = Vec::new();
    for segment in design.segments.iter().filter(|s| !s.shared && s.members.len() == 2) {
        let (a, b) = (&segment.members[0], &segment.members[1]);
        let addressed = |ep: &Endpoint| {
            let node = &design.nodes[&ep.node];
            if node.kind == NodeKind::Switch {
                return None;
            }
            node.interfaces[&ep.interface].addresses.iter().find(|a| a.addr().is_ipv4()).copied()
        };
        let (Some(mine), Some(theirs)) = (addressed(a), addressed(b)) else { continue };
        if !mine.contains(&theirs.addr()) || world.domains.index_of(a).is_none() {
            continue;
        }
        // Pinged from the end whose partner answers: a firewall that drops what is
        // addressed to it still pings out (its replies come back as established).
        let answers = |from: &Endpoint, to: IpAddr| world.round_trip(&from.node, to, Flow::Icmp).ok();
        let probe = if answers(a, theirs.addr()) {
            ProbeSpec::Link { from: a.clone(), to: b.clone(), address: theirs.addr() }
        } else if answers(b, mine.addr()) {
            ProbeSpec::Link { from: b.clone(), to: a.clone(), address: mine.addr() }
        } else {
            continue;
        };
        out.push(Draft::new(
            format!("link/{}", segment.name),
            texts::link(&segment.name, &a.node, &b.node),
            Area::Network,
            probe,
        ));
    }
    out
}
