//! Walking one packet through the lab, hop by hop: route lookup, firewall verdicts,
//! NAT (on routers and firewalls alike), and who answers for the next hop on each
//! broadcast domain. Replies to allowed traffic pass every firewall, as the planner's
//! `ct state established` rule lets them.

use std::net::IpAddr;

use super::World;
use super::policy::{self, Crossing, Flow};
use crate::design::{Endpoint, Node, Transport, Verdict};

/// Why a packet got no further.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Stop {
    /// The sending node has no address to send from.
    NoSourceAddress {
        node: String,
    },
    NoRoute {
        node: String,
    },
    /// Nobody on the link answers for the next hop.
    NoNeighbour {
        node: String,
        next_hop: IpAddr,
    },
    /// A host received a packet for someone else.
    NotForwarding {
        node: String,
    },
    Dropped {
        node: String,
        rule: Option<String>,
    },
    Loop,
}

impl Stop {
    /// Whether a firewall policy stopped it (rather than routing or addressing).
    pub fn is_policy(&self) -> bool {
        matches!(self, Stop::Dropped { .. })
    }
}

/// One packet's way through the lab.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Trip {
    /// Every node it visited, the sender first.
    pub hops: Vec<String>,
    pub stop: Option<Stop>,
    /// The source address the receiver saw.
    pub seen_source: Option<IpAddr>,
    /// The destination it was delivered to, after any port forward.
    pub delivered_to: Option<IpAddr>,
    /// The port it was delivered to, after any port forward.
    pub delivered_port: Option<u16>,
    translations: Vec<Translation>,
}

impl Trip {
    pub fn delivered(&self) -> bool {
        self.stop.is_none()
    }

    /// The node it was delivered to.
    pub fn receiver(&self) -> Option<&str> {
        self.delivered().then(|| self.hops.last().map(String::as_str)).flatten()
    }

    /// The router or firewall that masqueraded it on the way, and the address it used.
    pub fn masqueraded_by(&self) -> Option<(&str, IpAddr)> {
        self.translations
            .iter()
            .find(|t| t.kind == TranslationKind::Source)
            .map(|t| (t.node.as_str(), t.public))
    }

    /// The nodes it passed between sender and receiver (the node that stopped it
    /// included).
    pub fn transit(&self) -> &[String] {
        let end = if self.delivered() { self.hops.len().saturating_sub(1) } else { self.hops.len() };
        self.hops.get(1..end).unwrap_or(&[])
    }
}

/// A request and its reply.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RoundTrip {
    pub there: Trip,
    pub back: Option<Trip>,
}

impl RoundTrip {
    pub fn ok(&self) -> bool {
        self.there.delivered() && self.back.as_ref().is_some_and(Trip::delivered)
    }

    /// What stopped it, going or coming back.
    pub fn stop(&self) -> Option<&Stop> {
        self.there.stop.as_ref().or_else(|| self.back.as_ref().and_then(|b| b.stop.as_ref()))
    }

    /// Whether it failed only because a firewall dropped it: the network itself works.
    pub fn blocked_by_policy(&self) -> bool {
        self.stop().is_some_and(Stop::is_policy)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum TranslationKind {
    /// Masquerade: the source was replaced by `public`.
    Source,
    /// Port forward: the destination `public` was replaced.
    Destination,
}

/// An address a firewall rewrote, to be undone for the reply.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Translation {
    node: String,
    kind: TranslationKind,
    public: IpAddr,
    original: IpAddr,
}

/// Where a walk begins: at a sender, or (for a reply or an injected packet) with a
/// source already set.
struct Start<'a> {
    node: &'a str,
    /// Set when the packet arrives at `node` from a cable rather than starting there.
    arrived_on: Option<&'a str>,
    src: Option<IpAddr>,
    /// Replies pass every firewall, as established traffic.
    reply: bool,
}

/// At most this many hops: more is a routing loop.
const MAX_HOPS: usize = 64;

impl World {
    /// A packet from `from` to `dst`.
    pub fn send(&self, from: &str, dst: IpAddr, flow: Flow) -> Trip {
        self.walk(Start { node: from, arrived_on: None, src: None, reply: false }, dst, flow, &[])
    }

    /// A packet from `src` that arrives at `node` on `interface` as if a neighbour had
    /// sent it there, whatever the neighbour's routes say: how asbuilt tests a firewall
    /// policy for traffic that routing alone would never bring to it.
    pub fn inject(&self, node: &str, interface: &str, src: IpAddr, dst: IpAddr, flow: Flow) -> Trip {
        self.walk(Start { node, arrived_on: Some(interface), src: Some(src), reply: false }, dst, flow, &[])
    }

    /// A packet and the reply to it.
    pub fn round_trip(&self, from: &str, dst: IpAddr, flow: Flow) -> RoundTrip {
        let there = self.send(from, dst, flow);
        let back = match (&there.stop, there.receiver(), there.seen_source, there.delivered_to) {
            (None, Some(receiver), Some(src), Some(replier)) => {
                let start = Start { node: receiver, arrived_on: None, src: Some(replier), reply: true };
                Some(self.walk(start, src, flow, &there.translations))
            }
            _ => None,
        };
        RoundTrip { there, back }
    }

    fn walk(&self, start: Start<'_>, dst: IpAddr, flow: Flow, undo: &[Translation]) -> Trip {
        let reply = start.reply;
        let mut trip = Trip {
            hops: vec![start.node.to_string()],
            stop: None,
            seen_source: None,
            delivered_to: None,
            delivered_port: None,
            translations: Vec::new(),
        };
        let (mut dst, mut flow) = (dst, flow);
        let mut src: Option<IpAddr> = start.src;
        let mut at = start.node.to_string();
        let mut in_if: Option<String> = start.arrived_on.map(str::to_string);
        for _ in 0..MAX_HOPS {
            let node = self.node(&at);
            let mut forwarded_port = false;
            if let Some(arrived_on) = &in_if {
                if reply {
                    if let Some(t) = undo
                        .iter()
                        .find(|t| t.node == at && t.kind == TranslationKind::Source && t.public == dst)
                    {
                        dst = t.original;
                    }
                } else if let Some((to, port)) = port_forward(node, arrived_on, dst, flow) {
                    trip.translations.push(Translation {
                        node: at.clone(),
                        kind: TranslationKind::Destination,
                        public: dst,
                        original: to,
                    });
                    dst = to;
                    flow = with_port(flow, port);
                    forwarded_port = true;
                }
            }
            if owns(node, dst) {
                if let (Some(arrived_on), false, Some(fw)) = (&in_if, reply, &node.firewall) {
                    let decision = policy::input(fw, arrived_on, src.expect("set on the first hop"), flow);
                    if decision.verdict == Verdict::Drop {
                        trip.stop = Some(Stop::Dropped { node: at, rule: decision.rule });
                        return trip;
                    }
                }
                trip.seen_source = src.or(Some(dst));
                trip.delivered_to = Some(dst);
                trip.delivered_port = flow.port();
                return trip;
            }
            if in_if.is_some() && !node.kind.routes() {
                trip.stop = Some(Stop::NotForwarding { node: at });
                return trip;
            }
            let Some(route) = self.fibs[&at].lookup(dst) else {
                trip.stop = Some(Stop::NoRoute { node: at });
                return trip;
            };
            if src.is_none() {
                match source_address(node, &route.interface, route.to, dst) {
                    Some(s) => src = Some(s),
                    None => {
                        trip.stop = Some(Stop::NoSourceAddress { node: at });
                        return trip;
                    }
                }
            }
            let source = src.expect("chosen above");
            // Traffic a port forward let in is accepted, as the planner's
            // `ct status dnat accept` does.
            if let (Some(arrived_on), false, false, Some(fw)) =
                (&in_if, reply, forwarded_port, &node.firewall)
            {
                let crossing =
                    Crossing { in_if: arrived_on, out_if: &route.interface, src: source, dst, flow };
                let decision = policy::forward(fw, &crossing);
                if decision.verdict == Verdict::Drop {
                    trip.stop = Some(Stop::Dropped { node: at, rule: decision.rule });
                    return trip;
                }
            }
            if let (Some(_), false, Some(nat)) = (&in_if, reply, &node.nat)
                && nat.masquerade.contains(&route.interface)
                && let Some(public) = interface_address(node, &route.interface, dst.is_ipv4())
            {
                trip.translations.push(Translation {
                    node: at.clone(),
                    kind: TranslationKind::Source,
                    public,
                    original: source,
                });
                src = Some(public);
            }
            let next_hop = route.via.unwrap_or(dst);
            let out = Endpoint { node: at.clone(), interface: route.interface.clone() };
            let neighbour =
                self.domains.neighbours(&out).find(|m| owns(self.node(&m.node), next_hop)).cloned();
            let Some(neighbour) = neighbour else {
                trip.stop = Some(Stop::NoNeighbour { node: at, next_hop });
                return trip;
            };
            at = neighbour.node;
            in_if = Some(neighbour.interface);
            trip.hops.push(at.clone());
        }
        trip.stop = Some(Stop::Loop);
        trip
    }
}

fn owns(node: &Node, addr: IpAddr) -> bool {
    node.addresses().any(|(_, a)| a.addr() == addr)
}

/// The address the kernel sends from: the one on the route's subnet for a connected
/// route, else the first of the family on the outgoing interface, else any.
fn source_address(node: &Node, interface: &str, to: ipnet::IpNet, dst: IpAddr) -> Option<IpAddr> {
    let v4 = dst.is_ipv4();
    let iface = node.interfaces.get(interface)?;
    iface
        .addresses
        .iter()
        .find(|a| a.trunc() == to)
        .or_else(|| iface.addresses.iter().find(|a| a.addr().is_ipv4() == v4))
        .or_else(|| node.addresses().map(|(_, a)| a).find(|a| a.addr().is_ipv4() == v4))
        .map(|a| a.addr())
}

fn interface_address(node: &Node, interface: &str, v4: bool) -> Option<IpAddr> {
    node.interfaces.get(interface)?.addresses.iter().find(|a| a.addr().is_ipv4() == v4).map(|a| a.addr())
}

/// Where a port forward on the arrival interface sends this packet.
fn port_forward(node: &Node, arrived_on: &str, dst: IpAddr, flow: Flow) -> Option<(IpAddr, u16)> {
    let nat = node.nat.as_ref()?;
    let (protocol, port) = match flow {
        Flow::Tcp(p) => (Transport::Tcp, p),
        Flow::Udp(p) => (Transport::Udp, p),
        Flow::Icmp => return None,
    };
    nat.port_forwards
        .iter()
        .find(|pf| {
            pf.interface == arrived_on && pf.protocol == protocol && pf.port == port && owns(node, dst)
        })
        .map(|pf| (pf.to, pf.to_port))
}

fn with_port(flow: Flow, port: u16) -> Flow {
    match flow {
        Flow::Tcp(_) => Flow::Tcp(port),
        Flow::Udp(_) => Flow::Udp(port),
        Flow::Icmp => Flow::Icmp,
    }
}
