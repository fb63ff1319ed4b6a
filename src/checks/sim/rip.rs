//! What RIP would learn in a lab built as designed: distance vectors by hop count.
//!
//! A router hears a neighbour's updates over a broadcast domain when both run RIP on
//! their interfaces there, share a subnet of the family, and the neighbour's interface
//! is not passive (a passive interface still listens). Each router announces the
//! subnets of its RIP interfaces (metric 1) and what it redistributes; a route heard
//! from a neighbour costs one more than the neighbour's, and 16 is unreachable. The
//! steady state of RIP's exchange is the shortest path by hops, which is what is
//! computed here; every neighbour on such a path is a next hop the router may pick
//! (FRR keeps the first one it hears, so checks accept any of them).

use std::collections::{BTreeMap, HashMap};
use std::net::IpAddr;

use indexmap::IndexMap;
use ipnet::IpNet;

use super::fib::{Fib, FibRoute, RouteSource};
use crate::design::domains::Domains;
use crate::design::{Endpoint, Node, Redistribute};

/// RIP's "infinity": a route at this metric is unreachable.
pub const INFINITY: u8 = 16;

/// One route RIP would install.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RipRoute {
    /// The route the kernel gets: via the first of the equal next hops.
    pub route: FibRoute,
    /// Hop count as FRR shows it: 2 for a subnet on a neighbour.
    pub metric: u8,
    /// Every next hop at the best metric, with its interface.
    pub hops: Vec<(IpAddr, String)>,
}

/// What RIP would do in the lab.
#[derive(Debug, Clone, Default)]
pub struct RipOutcome {
    /// Per router, the routes learned through RIP.
    pub learned: HashMap<String, Vec<RipRoute>>,
}

/// A router hears updates from a neighbour's address on one of its interfaces.
#[derive(Debug, Clone)]
struct Hearing {
    listener: String,
    interface: String,
    speaker: String,
    speaker_address: IpAddr,
}

/// Whether the interface runs RIP at all, and whether it sends updates.
fn rip_interface(node: &Node, iface: &str) -> Option<bool> {
    node.rip.as_ref()?.interfaces.iter().find(|i| i.name == iface).map(|i| !i.passive)
}

/// Who hears whom, per family.
fn hearings(nodes: &IndexMap<String, Node>, domains: &Domains, v4: bool) -> Vec<Hearing> {
    let mut out = Vec::new();
    for node in nodes.values() {
        for iface in node.interfaces.values() {
            if rip_interface(node, &iface.name).is_none() {
                continue;
            }
            let mine: Vec<&IpNet> = iface.addresses.iter().filter(|a| a.addr().is_ipv4() == v4).collect();
            if mine.is_empty() {
                continue;
            }
            let me = Endpoint { node: node.name.clone(), interface: iface.name.clone() };
            for other in domains.neighbours(&me) {
                let peer = &nodes[&other.node];
                if peer.name == node.name || rip_interface(peer, &other.interface) != Some(true) {
                    continue;
                }
                let theirs = peer.interfaces[&other.interface]
                    .addresses
                    .iter()
                    .find(|a| a.addr().is_ipv4() == v4 && mine.iter().any(|m| m.contains(&a.addr())));
                if let Some(theirs) = theirs {
                    out.push(Hearing {
                        listener: node.name.clone(),
                        interface: iface.name.clone(),
                        speaker: peer.name.clone(),
                        speaker_address: theirs.addr(),
                    });
                }
            }
        }
    }
    out
}

/// The subnets a router puts into RIP for one family, each at metric 1.
fn announced(node: &Node, fib: &Fib, v4: bool) -> Vec<IpNet> {
    let Some(rip) = &node.rip else { return Vec::new() };
    let family = |n: &IpNet| n.addr().is_ipv4() == v4;
    let mut nets: Vec<IpNet> = rip
        .interfaces
        .iter()
        .filter_map(|ri| node.interfaces.get(&ri.name))
        .flat_map(|i| i.addresses.iter().filter(|a| family(a)).map(IpNet::trunc))
        .filter(|n| !is_link_local(n))
        .collect();
    for r in &rip.redistribute {
        match r {
            Redistribute::Connected => nets.extend(
                fib.routes
                    .iter()
                    .filter(|f| f.source == RouteSource::Connected && family(&f.to) && !is_link_local(&f.to))
                    .map(|f| f.to),
            ),
            Redistribute::Static => nets.extend(
                fib.routes
                    .iter()
                    .filter(|f| f.source == RouteSource::Static && f.to.prefix_len() > 0 && family(&f.to))
                    .map(|f| f.to),
            ),
            Redistribute::Default => {
                nets.push(if v4 { "0.0.0.0/0" } else { "::/0" }.parse().expect("the default route"))
            }
        }
    }
    nets.sort();
    nets.dedup();
    nets
}

fn is_link_local(net: &IpNet) -> bool {
    crate::design::is_link_local(net.addr())
}

/// RIP's steady state over the whole lab.
pub fn rip(
    nodes: &IndexMap<String, Node>,
    domains: &Domains,
    connected: &HashMap<String, Fib>,
) -> RipOutcome {
    let mut out = RipOutcome::default();
    for v4 in [true, false] {
        let heard = hearings(nodes, domains, v4);
        // Bellman-Ford to the fixed point: the metric each router has for each subnet.
        let mut metric: HashMap<&str, BTreeMap<IpNet, u8>> = HashMap::new();
        for node in nodes.values().filter(|n| n.rip.is_some()) {
            let own = announced(node, &connected[&node.name], v4).into_iter().map(|n| (n, 1)).collect();
            metric.insert(node.name.as_str(), own);
        }
        loop {
            let mut changed = false;
            for h in &heard {
                let offered: Vec<(IpNet, u8)> =
                    metric[h.speaker.as_str()].iter().map(|(n, m)| (*n, m + 1)).collect();
                let table = metric.get_mut(h.listener.as_str()).expect("a RIP router");
                for (net, m) in offered.into_iter().filter(|(_, m)| *m < INFINITY) {
                    if table.get(&net).is_none_or(|old| m < *old) {
                        table.insert(net, m);
                        changed = true;
                    }
                }
            }
            if !changed {
                break;
            }
        }
        for node in nodes.values().filter(|n| n.rip.is_some()) {
            let own = &connected[&node.name];
            let mine = announced(node, own, v4);
            let mut learned = Vec::new();
            for (net, m) in &metric[node.name.as_str()] {
                // Its own subnets and redistributed routes stay its own; the kernel
                // prefers its connected subnets anyway.
                if mine.contains(net) || own.find(*net, RouteSource::Connected).is_some() {
                    continue;
                }
                let hops: Vec<(IpAddr, String)> = heard
                    .iter()
                    .filter(|h| {
                        h.listener == node.name && metric[h.speaker.as_str()].get(net) == Some(&(m - 1))
                    })
                    .map(|h| (h.speaker_address, h.interface.clone()))
                    .collect();
                let Some((via, interface)) = hops.first().cloned() else { continue };
                learned.push(RipRoute {
                    route: FibRoute { to: *net, via: Some(via), interface, source: RouteSource::Rip },
                    metric: *m,
                    hops,
                });
            }
            out.learned.entry(node.name.clone()).or_default().extend(learned);
        }
    }
    out
}
