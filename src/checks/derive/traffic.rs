//! Checks of traffic between nodes: who reaches whom, what the firewall policy must
//! let through and what it must block, and where NAT applies.
//!
//! Sources are representatives: every server, the first client host of each broadcast
//! domain (more hosts on one LAN test the same routers and rules), and for a firewall
//! zone with neither, the node on the zone's side of the cable (the provider's router
//! of a `wan` zone): every pair of zones gets its checks. Targets are the
//! representatives with fixed addresses, and each source's own gateway.
//!
//! A negative check (this must be blocked) only means something when the network up to
//! the firewall works: a firewall that drops everything and a cable that is not plugged
//! in look the same from outside. So each one says where the design stops the traffic
//! ([`World::enforcement`]); the probe watches for its own packets there and in the
//! target, and the check is skipped, not passed, when they do not even get that far.

use std::net::IpAddr;

use ipnet::IpNet;

use super::{Area, Draft, texts};
use crate::checks::model::{ListenAt, ProbeSpec, Target};
use crate::checks::sim::{Flow, RoundTrip, Stop, World};
use crate::design::{Design, Endpoint, Service, Text, Transport, Verdict};
use crate::kind::NodeKind;

/// Ports tried, in order, for a check that the policy blocks what it does not allow.
const UNLISTED_PORTS: [u16; 5] = [22, 23, 3389, 445, 8080];
/// Ports asbuilt listens on for NAT checks: high, and one per check, so that checks
/// running at the same time never share one.
const NAT_PORT_BASE: u16 = 47_000;
/// At most this many allowed-but-unserved ports per pair of nodes.
const MAX_POLICY_PORTS: usize = 3;

struct Pair<'a> {
    from: &'a str,
    to: TargetNode,
    icmp: RoundTrip,
}

#[derive(Clone)]
struct TargetNode {
    node: String,
    address: IpAddr,
    /// Whether it is a representative (a host or server), not only a gateway.
    representative: bool,
}

pub fn derive(design: &Design, world: &World) -> Vec<Draft> {
    let reps = representatives(design, world);
    let pairs4 = pairs(design, world, &reps, Family::V4);
    let mut out = Vec::new();
    for pair in &pairs4 {
        if pair.icmp.ok() {
            let (from, to) = (pair.from, &pair.to.node);
            let id = format!("reach/{from}/{to}");
            let probe =
                ProbeSpec::Ping { from: from.to_string(), to: target(&pair.to), reach: true, stopped: None };
            // A few attempts: the first packets of a flow wait for ARP, and a lossy
            // cable in a troubleshooting lab must not decide a reachability check.
            out.push(Draft::new(id, texts::reach(from, to), Area::Network, probe).patient(2, 3_000));
        }
    }
    out.extend(policy(design, world, &pairs4, Family::V4));
    out.extend(reach_ipv6(design, world, &reps));
    // A dual-stack lab's firewall filters both families: its policy is checked in both.
    let pairs6 = pairs(design, world, &reps, Family::V6);
    out.extend(policy(design, world, &pairs6, Family::V6));
    out.extend(inbound(design, world, &reps));
    out.extend(nat(design, world, &pairs4));
    out.extend(port_forwards(design, world, &reps));
    out
}

/// The address family of a set of checks: IPv6 checks have ids of their own
/// (`port6/...`, `blocked6/...`), as `reach6` beside `reach`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Family {
    V4,
    V6,
}

impl Family {
    fn suffix(self) -> &'static str {
        match self {
            Family::V4 => "",
            Family::V6 => "6",
        }
    }
}

/// Every representative towards every target of the family, with how a ping would go.
fn pairs<'a>(design: &Design, world: &World, reps: &'a [String], family: Family) -> Vec<Pair<'a>> {
    let mut pairs = Vec::new();
    for from in reps {
        for to in targets(design, world, from, reps, family) {
            let icmp = world.round_trip(from, to.address, Flow::Icmp);
            pairs.push(Pair { from, to, icmp });
        }
    }
    pairs
}

/// What the firewall policy on the way must let through (the services of the target,
/// and ports the rules name) and what it must stop, per pair.
fn policy(design: &Design, world: &World, pairs: &[Pair<'_>], family: Family) -> Vec<Draft> {
    let six = family.suffix();
    let mut out = Vec::new();
    for pair in pairs {
        let (from, to) = (pair.from, &pair.to.node);
        if !pair.to.representative || !crosses_firewall(world, pair) {
            continue;
        }
        for (protocol, port) in services(design, to) {
            let trip = world.round_trip(from, pair.to.address, flow(protocol, port));
            if trip.ok() {
                let id = port_id(from, to, protocol, port, true, family);
                let probe = port_probe(world, pair, protocol, port, true, None);
                let text = with_family(texts::port(from, to, &service_name(protocol, port), true), family);
                out.push(Draft::new(id, text, Area::Network, probe));
            }
        }
        for port in policy_ports(design, world, pair) {
            let id = port_id(from, to, Transport::Tcp, port, true, family);
            let listen = Some(ListenAt { node: to.clone(), port });
            let probe = port_probe(world, pair, Transport::Tcp, port, true, listen);
            let text = with_family(texts::port(from, to, &service_name(Transport::Tcp, port), true), family);
            out.push(Draft::new(id, text, Area::Network, probe));
        }
    }
    for pair in pairs {
        let (from, to) = (pair.from, &pair.to.node);
        if !pair.to.representative {
            continue;
        }
        if pair.icmp.blocked_by_policy() {
            let stopped = Some(world.enforcement(from, pair.to.address, Flow::Icmp));
            let probe =
                ProbeSpec::Ping { from: from.to_string(), to: target(&pair.to), reach: false, stopped };
            out.push(Draft::new(
                format!("blocked{six}/{from}/{to}"),
                with_family(texts::blocked(from, to), family),
                Area::Network,
                probe,
            ));
        }
        if !crosses_firewall(world, pair) {
            continue;
        }
        let mut tcp_allowed = false;
        for (protocol, port) in services(design, to) {
            let trip = world.round_trip(from, pair.to.address, flow(protocol, port));
            tcp_allowed |= trip.ok() && protocol == Transport::Tcp;
            if trip.blocked_by_policy() {
                let probe = port_probe(world, pair, protocol, port, false, None);
                let text = with_family(texts::port(from, to, &service_name(protocol, port), false), family);
                out.push(Draft::new(
                    port_id(from, to, protocol, port, false, family),
                    text,
                    Area::Network,
                    probe,
                ));
            }
        }
        tcp_allowed |= !policy_ports(design, world, pair).is_empty();
        // When some TCP gets through, check that the rest does not: one port the
        // policy does not list, with asbuilt listening there, so that only the
        // firewall can make it fail.
        let served: Vec<u16> = services(design, to).into_iter().map(|(_, p)| p).collect();
        let unlisted = UNLISTED_PORTS
            .into_iter()
            .filter(|p| !served.contains(p))
            .find(|&p| world.round_trip(from, pair.to.address, Flow::Tcp(p)).blocked_by_policy());
        if let (true, Some(port)) = (tcp_allowed, unlisted) {
            let listen = Some(ListenAt { node: to.clone(), port });
            let probe = port_probe(world, pair, Transport::Tcp, port, false, listen);
            let text = with_family(texts::port(from, to, &service_name(Transport::Tcp, port), false), family);
            out.push(Draft::new(
                port_id(from, to, Transport::Tcp, port, false, family),
                text,
                Area::Network,
                probe,
            ));
        }
    }
    out
}

/// An IPv6 check's title says so; its hint is the same.
fn with_family((title, hint): (Text, Text), family: Family) -> (Text, Text) {
    match family {
        Family::V4 => (title, hint),
        Family::V6 => (title.map(|t| format!("{t}, IPv6")), hint),
    }
}

/// The same representatives reaching each other over IPv6, where both have a fixed
/// IPv6 address and the designed network carries it: a dual-stack lab is graded on
/// both families (`reach6/<from>/<to>`).
fn reach_ipv6(design: &Design, world: &World, reps: &[String]) -> Vec<Draft> {
    let ipv6_of = |node: &str| ipv6_of(design, node);
    let mut out = Vec::new();
    for from in reps {
        if ipv6_of(from).is_none() {
            continue;
        }
        for to in reps.iter().filter(|t| *t != from) {
            let Some(address) = ipv6_of(to) else { continue };
            if !world.round_trip(from, address, Flow::Icmp).ok() {
                continue;
            }
            let target = Target { label: to.clone(), address };
            let probe = ProbeSpec::Ping { from: from.clone(), to: target, reach: true, stopped: None };
            let (title, hint) = texts::reach(from, to);
            let title = title.map(|t| format!("{t}, IPv6"));
            out.push(
                Draft::new(format!("reach6/{from}/{to}"), (title, hint), Area::Network, probe)
                    .patient(2, 3_000),
            );
        }
    }
    out
}

/// Every server, the first client host of each broadcast domain, and the neighbours
/// that stand in for firewall zones without either.
fn representatives(design: &Design, world: &World) -> Vec<String> {
    let mut reps = hosts_and_servers(design);
    reps.extend(zone_neighbours(design, world, &reps));
    reps
}

/// Every server, and the first client host of each broadcast domain.
fn hosts_and_servers(design: &Design) -> Vec<String> {
    let domains = crate::design::domains::Domains::compute(&design.nodes, &design.segments);
    let mut seen_domains = Vec::new();
    let mut out = Vec::new();
    for node in design.nodes.values() {
        match node.kind {
            NodeKind::Server => out.push(node.name.clone()),
            NodeKind::Host => {
                let first = node
                    .interfaces
                    .values()
                    .find(|i| i.segment.is_some())
                    .map(|i| crate::design::Endpoint { node: node.name.clone(), interface: i.name.clone() });
                let domain = first.and_then(|ep| domains.index_of(&ep));
                if domain.is_none_or(|d| !seen_domains.contains(&d)) {
                    seen_domains.extend(domain);
                    out.push(node.name.clone());
                }
            }
            _ => {}
        }
    }
    out
}

/// For each firewall zone that no representative sits behind, the node on the zone's
/// side of its cable: so that traffic from and to every zone is checked, also a `wan`
/// zone that holds only the provider's router.
fn zone_neighbours(design: &Design, world: &World, reps: &[String]) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for fw in design.nodes.values() {
        let Some(policy) = &fw.firewall else { continue };
        for interfaces in policy.zones.values() {
            let behind = |rep: &String| {
                addresses_of(world, rep).into_iter().any(|a| {
                    world.fibs[&fw.name].lookup(a).is_some_and(|r| interfaces.contains(&r.interface))
                })
            };
            if reps.iter().chain(&out).any(behind) {
                continue;
            }
            let neighbour = interfaces.iter().find_map(|iface| {
                let me = Endpoint { node: fw.name.clone(), interface: iface.clone() };
                world.domains.neighbours(&me).find_map(|ep| {
                    let node = world.node(&ep.node);
                    let has_v4 = node.interfaces[&ep.interface].addresses.iter().any(|a| a.addr().is_ipv4());
                    (node.kind != NodeKind::Switch && has_v4 && node.name != fw.name)
                        .then(|| node.name.clone())
                })
            });
            if let Some(n) = neighbour.filter(|n| !out.contains(n) && !reps.contains(n)) {
                out.push(n);
            }
        }
    }
    out
}

/// Every IPv4 address a node has in this world: its own, and its DHCP leases.
fn addresses_of(world: &World, node: &str) -> Vec<IpAddr> {
    let own = world.node(node).addresses().map(|(_, a)| a.addr());
    let leased = world.leases.iter().filter(|(ep, _)| ep.node == node).map(|(_, l)| l.address.addr());
    own.chain(leased).filter(IpAddr::is_ipv4).collect()
}

/// The other representatives with a fixed address of the family, and the source's own
/// gateway of that family.
fn targets(design: &Design, world: &World, from: &str, reps: &[String], family: Family) -> Vec<TargetNode> {
    // An IPv6 check needs an IPv6 source too.
    if family == Family::V6 && ipv6_of(design, from).is_none() {
        return Vec::new();
    }
    let mut out: Vec<TargetNode> = reps
        .iter()
        .filter(|r| r.as_str() != from)
        .filter_map(|r| {
            let node = &design.nodes[r];
            let address = match family {
                // A leased address is not known before the lab runs.
                Family::V4 => {
                    let fixed = node.interfaces.values().any(|i| !i.dhcp && !i.addresses.is_empty());
                    node.primary_address().filter(|a| fixed && a.is_ipv4())?
                }
                Family::V6 => ipv6_of(design, r)?,
            };
            Some(TargetNode { node: r.clone(), address, representative: true })
        })
        .collect();
    let gateway = world.node(from).gateways.iter().find(|g| g.is_ipv4() == (family == Family::V4)).copied();
    if let Some((gw, owner)) = gateway.and_then(|g| world.owner(g).map(|o| (g, o.name.clone())))
        && !out.iter().any(|t| t.node == owner)
    {
        out.push(TargetNode { node: owner, address: gw, representative: false });
    }
    out
}

/// A node's IPv6 address on a cabled interface, if it has one.
fn ipv6_of(design: &Design, node: &str) -> Option<IpAddr> {
    design.nodes[node]
        .interfaces
        .values()
        .filter(|i| i.name != "lo")
        .flat_map(|i| i.addresses.iter())
        .map(IpNet::addr)
        .find(|a| a.is_ipv6() && !crate::design::is_link_local(*a))
}

fn target(to: &TargetNode) -> Target {
    Target { label: to.node.clone(), address: to.address }
}

/// Whether a firewall with a policy lies between the two (the target itself not
/// counted).
fn crosses_firewall(world: &World, pair: &Pair<'_>) -> bool {
    let tcp = world.round_trip(pair.from, pair.to.address, Flow::Tcp(UNLISTED_PORTS[0]));
    [&pair.icmp, &tcp]
        .iter()
        .any(|trip| trip.there.transit().iter().any(|n| world.node(n).firewall.is_some()))
}

/// The ports a node serves, as the design says.
fn services(design: &Design, node: &str) -> Vec<(Transport, u16)> {
    let s = &design.nodes[node].services;
    let mut out = Vec::new();
    if let Some(h) = &s.http {
        out.push((Transport::Tcp, h.port));
        if h.has_tls() {
            out.push((Transport::Tcp, h.tls_port));
        }
    }
    if let Some(ssh) = &s.ssh {
        out.push((Transport::Tcp, ssh.port));
    }
    if s.dns.is_some() {
        out.push((Transport::Udp, 53));
    }
    out
}

/// TCP ports that the firewalls on the way allow by name (where they filter by port at
/// all), that the target does not serve: asbuilt listens there itself to show the
/// policy lets them through.
fn policy_ports(design: &Design, world: &World, pair: &Pair<'_>) -> Vec<u16> {
    let served: Vec<u16> = services(design, &pair.to.node).into_iter().map(|(_, p)| p).collect();
    let mut ports = Vec::new();
    let probe_path = world.round_trip(pair.from, pair.to.address, Flow::Tcp(UNLISTED_PORTS[0]));
    // Where any port gets through, naming some says nothing about the policy.
    if !probe_path.blocked_by_policy() {
        return ports;
    }
    for fw in probe_path.there.transit().iter().filter_map(|n| world.node(n).firewall.as_ref()) {
        for rule in fw.rules.iter().filter(|r| r.verdict == Verdict::Accept) {
            if let Service::Tcp { ports: ranges } = &rule.service {
                ports.extend(ranges.iter().map(|r| r.first));
            }
        }
    }
    ports.sort_unstable();
    ports.dedup();
    ports
        .into_iter()
        .filter(|p| !served.contains(p))
        .filter(|&p| world.round_trip(pair.from, pair.to.address, Flow::Tcp(p)).ok())
        .take(MAX_POLICY_PORTS)
        .collect()
}

fn flow(protocol: Transport, port: u16) -> Flow {
    match protocol {
        Transport::Tcp => Flow::Tcp(port),
        Transport::Udp => Flow::Udp(port),
    }
}

fn port_id(from: &str, to: &str, protocol: Transport, port: u16, open: bool, family: Family) -> String {
    let six = family.suffix();
    format!("port{six}/{from}/{to}/{protocol}/{port}/{}", if open { "open" } else { "closed" })
}

fn port_probe(
    world: &World,
    pair: &Pair<'_>,
    protocol: Transport,
    port: u16,
    open: bool,
    listen: Option<ListenAt>,
) -> ProbeSpec {
    let stopped = (!open).then(|| world.enforcement(pair.from, pair.to.address, flow(protocol, port)));
    ProbeSpec::Port {
        from: pair.from.to_string(),
        to: target(&pair.to),
        protocol,
        port,
        open,
        listen,
        stopped,
    }
}

fn service_name(protocol: Transport, port: u16) -> String {
    format!("{protocol}/{port}")
}

/// Port asbuilt sends injected packets to: a traceroute port, that nothing serves.
const INJECT_PORT: u16 = 33_434;

/// Checks that a firewall blocks what routing would never bring to it: the internet
/// towards a masqueraded LAN. For each firewall interface with a neighbour, and each
/// way out of the firewall, the first representative there that the neighbour's own
/// traffic cannot reach anyway; asbuilt injects a packet at the neighbour's end of the
/// cable. The probe watches for the packet in the firewall (it must get there) and in
/// the target (it must not arrive).
fn inbound(design: &Design, world: &World, reps: &[String]) -> Vec<Draft> {
    let mut out = Vec::new();
    for fw in design.nodes.values() {
        let Some(policy) = &fw.firewall else { continue };
        for iface in fw.interfaces.values().filter(|i| i.segment.is_some()) {
            let me = Endpoint { node: fw.name.clone(), interface: iface.name.clone() };
            let neighbour = world.domains.neighbours(&me).find_map(|ep| {
                let node = world.node(&ep.node);
                let v4 = node.interfaces[&ep.interface].addresses.iter().find(|a| a.addr().is_ipv4())?;
                (node.kind != NodeKind::Switch).then(|| (ep.clone(), v4.addr()))
            });
            let Some((from, source)) = neighbour else { continue };
            let mut exits_done: Vec<String> = Vec::new();
            for target in reps.iter().filter(|r| **r != from.node) {
                let node = &design.nodes[target];
                let Some(address) =
                    node.primary_address().filter(|_| node.interfaces.values().any(|i| !i.dhcp))
                else {
                    continue;
                };
                let Some(exit) = world.fibs[&fw.name].lookup(address).map(|r| r.interface.clone()) else {
                    continue;
                };
                if exit == iface.name || exits_done.contains(&exit) {
                    continue;
                }
                let normal = world.send(&from.node, address, Flow::Udp(INJECT_PORT));
                if normal.hops.contains(&fw.name) {
                    continue;
                }
                let injected = world.inject(&fw.name, &iface.name, source, address, Flow::Udp(INJECT_PORT));
                let dropped_here =
                    matches!(&injected.stop, Some(Stop::Dropped { node, .. }) if *node == fw.name);
                if !dropped_here {
                    continue;
                }
                exits_done.push(exit);
                let zone =
                    policy.zones.iter().find(|(_, ifs)| ifs.contains(&iface.name)).map(|(z, _)| z.clone());
                let side = match &zone {
                    Some(z) => format!("{z} ({}:{})", fw.name, iface.name),
                    None => format!("{}:{}", fw.name, iface.name),
                };
                let probe = ProbeSpec::Inject {
                    from: from.clone(),
                    firewall: me.clone(),
                    source,
                    to: Target { label: target.clone(), address },
                    target: target.clone(),
                    port: INJECT_PORT,
                };
                let id = format!("denied/{}/{}/{target}", fw.name, iface.name);
                let text = texts::denied(&side, target, &from.to_string());
                out.push(Draft::new(id, text, Area::Network, probe));
            }
        }
    }
    out
}

/// One check per masquerading firewall: the first pair whose traffic it translates.
fn nat(design: &Design, world: &World, pairs: &[Pair<'_>]) -> Vec<Draft> {
    let mut out = Vec::new();
    let mut done: Vec<String> = Vec::new();
    for pair in pairs.iter().filter(|p| p.to.representative) {
        let port = NAT_PORT_BASE + out.len() as u16;
        let trip = world.round_trip(pair.from, pair.to.address, Flow::Tcp(port));
        let Some((fw, public)) = trip.there.masqueraded_by().filter(|_| trip.ok()) else { continue };
        if done.iter().any(|d| d == fw) {
            continue;
        }
        done.push(fw.to_string());
        let (from, to) = (pair.from, &pair.to.node);
        let shown = public.to_string();
        let probe = ProbeSpec::Nat {
            from: from.to_string(),
            to: target(&pair.to),
            target: to.clone(),
            port,
            source: public,
        };
        let reveal = design.faults.is_empty();
        out.push(
            Draft::new(
                format!("nat/{from}/{to}"),
                texts::nat(from, to, reveal.then_some(&shown)),
                Area::Network,
                probe,
            )
            .reveal(reveal),
        );
    }
    out
}

/// One check per port forward, from the first representative whose traffic to the
/// forwarding interface reaches the inside server.
fn port_forwards(design: &Design, world: &World, reps: &[String]) -> Vec<Draft> {
    let mut out = Vec::new();
    for fw in design.nodes.values() {
        let Some(nat) = &fw.nat else { continue };
        for pf in &nat.port_forwards {
            let Some(address) = fw
                .interfaces
                .get(&pf.interface)
                .and_then(|i| i.addresses.iter().find(|a| a.addr().is_ipv4()))
            else {
                continue;
            };
            let Some(inside) = world.owner(pf.to).map(|n| n.name.clone()) else { continue };
            let from = reps.iter().find(|r| {
                let trip = world.round_trip(r, address.addr(), flow(pf.protocol, pf.port));
                trip.ok() && trip.there.receiver() == Some(inside.as_str())
            });
            let Some(from) = from else { continue };
            let label = format!("{}:{}", fw.name, pf.interface);
            let service = service_name(pf.protocol, pf.port);
            let probe = ProbeSpec::Port {
                from: from.clone(),
                to: Target { label, address: address.addr() },
                protocol: pf.protocol,
                port: pf.port,
                open: true,
                listen: Some(ListenAt { node: inside.clone(), port: pf.to_port }),
                stopped: None,
            };
            let id = format!("forward/{}/{}/{}", fw.name, pf.protocol, pf.port);
            out.push(Draft::new(id, texts::forward(&fw.name, &service, &inside, from), Area::Network, probe));
        }
    }
    out
}
