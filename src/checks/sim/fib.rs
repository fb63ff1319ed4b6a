//! Forwarding tables as the kernel would hold them in a lab built as designed:
//! connected subnets, default gateways and static routes whose next hop is on a
//! connected subnet (the kernel and FRR refuse the others), and the routes OSPF would
//! learn over the adjacencies the design allows.

use std::collections::HashMap;
use std::net::IpAddr;

use indexmap::IndexMap;
use ipnet::IpNet;

use crate::design::domains::Domains;
use crate::design::{Endpoint, Node, OspfVersion};
use crate::kind::NodeKind;

/// Where a route comes from, in the kernel's order of preference for equal prefixes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum RouteSource {
    Connected,
    Static,
    /// eBGP's distance (20) is below OSPF's; iBGP's (200) is above, but asbuilt's labs
    /// do not put one prefix in both.
    Bgp,
    Ospf,
    /// RIP's distance (120) is above OSPF's (110).
    Rip,
}

/// One route of a node.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FibRoute {
    pub to: IpNet,
    /// `None` for a connected subnet: the destination itself is the next hop.
    pub via: Option<IpAddr>,
    pub interface: String,
    pub source: RouteSource,
}

/// A node's routing table.
#[derive(Debug, Clone, Default)]
pub struct Fib {
    pub routes: Vec<FibRoute>,
}

impl Fib {
    /// The route the kernel would use: longest prefix, then connected before static
    /// before OSPF (their administrative distances).
    pub fn lookup(&self, dst: IpAddr) -> Option<&FibRoute> {
        self.routes
            .iter()
            .filter(|r| r.to.contains(&dst))
            .min_by_key(|r| (std::cmp::Reverse(r.to.prefix_len()), r.source))
    }

    pub fn find(&self, to: IpNet, source: RouteSource) -> Option<&FibRoute> {
        self.routes.iter().find(|r| r.to == to && r.source == source)
    }
}

/// The connected, static and gateway routes of one node.
pub fn local_routes(node: &Node) -> Fib {
    let mut fib = Fib::default();
    for iface in node.interfaces.values() {
        for addr in &iface.addresses {
            fib.routes.push(FibRoute {
                to: addr.trunc(),
                via: None,
                interface: iface.name.clone(),
                source: RouteSource::Connected,
            });
        }
    }
    let defaults = node.gateways.iter().map(|gw| {
        let to = if gw.is_ipv4() { "0.0.0.0/0" } else { "::/0" };
        (to.parse::<IpNet>().expect("a default route"), *gw)
    });
    let statics: Vec<(IpNet, IpAddr)> = defaults.chain(node.routes.iter().map(|r| (r.to, r.via))).collect();
    for (to, via) in statics {
        if let Some(iface) = connected_interface(node, via) {
            fib.routes.push(FibRoute { to, via: Some(via), interface: iface, source: RouteSource::Static });
        } else if to.prefix_len() == 0 && matches!(node.kind, NodeKind::Host | NodeKind::Server) {
            // The planner sets a host's gateway "on link" when a fault left it outside
            // the host's subnet (plan::host_networking), as a misconfigured PC has it:
            // configured, and not working. The kernel then has the route.
            if let Some(iface) = node.interfaces.values().find(|i| i.segment.is_some()) {
                fib.routes.push(FibRoute {
                    to,
                    via: Some(via),
                    interface: iface.name.clone(),
                    source: RouteSource::Static,
                });
            }
        }
    }
    fib
}

/// The interface whose subnet holds `addr`, if any.
pub fn connected_interface(node: &Node, addr: IpAddr) -> Option<String> {
    node.interfaces.values().find(|i| i.addresses.iter().any(|a| a.contains(&addr))).map(|i| i.name.clone())
}

/// Two OSPF routers that would become neighbours over one broadcast domain.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Adjacency {
    pub a: Endpoint,
    pub b: Endpoint,
    /// b's address on the shared subnet: a's next hop towards b. For OSPFv3, whose next
    /// hops are link-local addresses no design knows, one of b's IPv6 addresses there.
    pub b_address: IpAddr,
    pub a_address: IpAddr,
}

/// What OSPF would do in the lab: who neighbours whom, and what each router learns.
#[derive(Debug, Clone, Default)]
pub struct OspfOutcome {
    pub adjacencies: Vec<Adjacency>,
    /// Per router, the routes learned through OSPF.
    pub learned: HashMap<String, Vec<FibRoute>>,
    /// The same routes with their cost, class and every equal first hop.
    pub spf: HashMap<String, Vec<super::spf::SpfRoute>>,
}

impl OspfOutcome {
    pub fn neighbours(&self, a: &str, b: &str) -> bool {
        self.adjacencies.iter().any(|adj| adj.a.node == a && adj.b.node == b)
    }
}

/// Adjacencies form between active (not passive) interfaces where the version runs, in
/// the same area, in one broadcast domain: for OSPF version 2 on the same IPv4 subnet;
/// OSPFv3 talks over link-local addresses, so any IPv6 addresses will do. Each router
/// learns what [`super::spf`] computes over them: shortest paths by cost, per area.
pub fn ospf(
    nodes: &IndexMap<String, Node>,
    domains: &Domains,
    connected: &HashMap<String, Fib>,
    version: OspfVersion,
) -> OspfOutcome {
    let mut out = OspfOutcome::default();
    let active = |node: &Node, iface: &str| {
        let ospf = node.ospf.as_ref().filter(|o| o.runs_on(node, iface, version))?;
        ospf.interfaces.iter().find(|i| i.name == iface && !i.passive).map(|i| i.area)
    };
    let routed = |a: &&IpNet| version.routes(a.addr()) && !crate::design::is_link_local(a.addr());
    for node in nodes.values() {
        for iface in node.interfaces.values() {
            let Some(area) = active(node, &iface.name) else { continue };
            let Some(mine) = iface.addresses.iter().find(routed) else { continue };
            let me = Endpoint { node: node.name.clone(), interface: iface.name.clone() };
            for other in domains.neighbours(&me) {
                let peer = &nodes[&other.node];
                if peer.name == node.name || active(peer, &other.interface) != Some(area) {
                    continue;
                }
                let theirs = peer.interfaces[&other.interface]
                    .addresses
                    .iter()
                    .filter(routed)
                    .find(|a| !version.is_v2() || mine.contains(&a.addr()));
                if let Some(theirs) = theirs {
                    out.adjacencies.push(Adjacency {
                        a: me.clone(),
                        b: other.clone(),
                        b_address: theirs.addr(),
                        a_address: mine.addr(),
                    });
                }
            }
        }
    }
    let spf = super::spf::Spf::new(nodes, &out.adjacencies, version);
    let mut routes = HashMap::new();
    for router in nodes.values().filter(|n| n.ospf.as_ref().is_some_and(|o| o.runs(n, version))) {
        routes.insert(router.name.clone(), spf.routes(&router.name, connected));
    }
    for (router, list) in &routes {
        out.learned.insert(router.clone(), list.iter().map(|r| r.route.clone()).collect());
    }
    out.spf = routes;
    out
}
