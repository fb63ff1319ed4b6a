//! The routes OSPF computes, by cost and by area.
//!
//! Per area, a shortest-path tree over the adjacencies in that area, each hop costing
//! what the sending interface costs (the design's `cost`, else [`DEFAULT_COST`]).
//! A router prefers a route inside its own area (intra-area) to one through an area
//! border router (inter-area) to an external one (redistributed, type E2 with metric
//! 20, 1 for an originated default; ties broken by the cost to the router that redistributes). Stub areas get no
//! external routes but a default route from their border routers; `no-summary` leaves
//! them only that default; NSSA areas keep the external routes of their own routers.
//! Equal costs give every first hop on a shortest path (FRR installs them all).

use std::collections::{BTreeMap, BTreeSet};
use std::net::{IpAddr, Ipv4Addr};

use indexmap::IndexMap;
use ipnet::IpNet;

use super::fib::{Adjacency, Fib, FibRoute, RouteSource};
use crate::design::{AreaKind, Node, OspfVersion, Redistribute};

/// FRR's cost for an interface the design gives no cost, as FRR 8 in the router image
/// shows it for a veth (`show ip route ospf`: 10 for a connected link, 10 more per
/// hop; tests/fixtures/checks/outputs/frr-8-ip-route-ospf.json). A loopback costs 0.
pub const DEFAULT_COST: u32 = 10;

/// The metric FRR gives a redistributed route (type E2).
pub const EXTERNAL_METRIC: u32 = 20;

/// The metric of the default route `default-information originate` announces (E2), as
/// FRR 8 shows it.
pub const DEFAULT_ORIGINATE_METRIC: u32 = 1;

const BACKBONE: Ipv4Addr = Ipv4Addr::UNSPECIFIED;

/// One route OSPF would install, with what the checks need to know about it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SpfRoute {
    pub route: FibRoute,
    /// The cost FRR shows for it (`show ip route ospf`).
    pub metric: u32,
    /// Every equal first hop: the neighbour's address and the interface towards it.
    pub hops: Vec<(IpAddr, String)>,
    pub class: RouteClass,
}

/// OSPF's order of preference, whatever the cost.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum RouteClass {
    IntraArea,
    InterArea,
    External,
}

/// The cost of an OSPF interface.
pub fn cost(node: &Node, iface: &str) -> u32 {
    node.ospf
        .as_ref()
        .and_then(|o| o.interfaces.iter().find(|i| i.name == iface))
        .and_then(|i| i.cost)
        .unwrap_or(DEFAULT_COST)
}

fn area_of(node: &Node, iface: &str) -> Option<Ipv4Addr> {
    node.ospf.as_ref()?.interfaces.iter().find(|i| i.name == iface).map(|i| i.area)
}

/// The areas of the interfaces where the version runs.
fn areas(node: &Node, version: OspfVersion) -> BTreeSet<Ipv4Addr> {
    let Some(ospf) = &node.ospf else { return BTreeSet::new() };
    ospf.interfaces.iter().filter(|i| ospf.runs_on(node, &i.name, version)).map(|i| i.area).collect()
}

fn is_abr(node: &Node, version: OspfVersion) -> bool {
    let a = areas(node, version);
    a.len() > 1 && a.contains(&BACKBONE)
}

/// What kind of area it is, as this router configures it.
fn kind(node: &Node, area: Ipv4Addr) -> Option<(AreaKind, bool)> {
    node.ospf.as_ref()?.area_kind(area).map(|s| (s.kind, s.no_summary))
}

/// The whole lab's OSPF, asked one router at a time.
pub struct Spf<'a> {
    nodes: &'a IndexMap<String, Node>,
    adjacencies: &'a [Adjacency],
    version: OspfVersion,
}

/// Distances within one area from one router, with the first hops that reach each.
struct Tree<'a> {
    dist: BTreeMap<&'a str, u32>,
    first: BTreeMap<&'a str, Vec<&'a Adjacency>>,
}

type Candidate<'a> = ((RouteClass, u32, u32), Vec<&'a Adjacency>);

impl<'a> Spf<'a> {
    pub fn new(
        nodes: &'a IndexMap<String, Node>,
        adjacencies: &'a [Adjacency],
        version: OspfVersion,
    ) -> Spf<'a> {
        Spf { nodes, adjacencies, version }
    }

    /// Dijkstra over the adjacencies of one area.
    fn tree(&self, from: &'a str, area: Ipv4Addr) -> Tree<'a> {
        let mut dist: BTreeMap<&str, u32> = BTreeMap::from([(from, 0)]);
        let mut first: BTreeMap<&str, Vec<&Adjacency>> = BTreeMap::new();
        let mut done: BTreeSet<&str> = BTreeSet::new();
        while let Some((&at, &d)) = dist.iter().filter(|(n, _)| !done.contains(*n)).min_by_key(|(_, d)| **d) {
            done.insert(at);
            for adj in self.adjacencies.iter().filter(|a| a.a.node == at) {
                let node = &self.nodes[at];
                if area_of(node, &adj.a.interface) != Some(area) {
                    continue;
                }
                let next = adj.b.node.as_str();
                let via = d + cost(node, &adj.a.interface);
                let hops: Vec<&Adjacency> = if at == from { vec![adj] } else { first[at].clone() };
                match dist.get(next) {
                    Some(&old) if via > old => {}
                    Some(&old) if via == old => {
                        let list = first.entry(next).or_default();
                        for h in hops {
                            if !list.contains(&h) {
                                list.push(h);
                            }
                        }
                    }
                    _ if done.contains(next) => {}
                    _ => {
                        dist.insert(next, via);
                        first.insert(next, hops);
                    }
                }
            }
        }
        Tree { dist, first }
    }

    /// The subnets of a router's interfaces in an area, with their interface cost.
    fn own_nets(&self, node: &str, area: Ipv4Addr) -> Vec<(IpNet, u32)> {
        let node = &self.nodes[node];
        let Some(ospf) = &node.ospf else { return Vec::new() };
        let version = self.version;
        ospf.interfaces
            .iter()
            .filter(|i| i.area == area)
            .filter_map(|oi| node.interfaces.get(&oi.name).map(|i| (oi, i)))
            .flat_map(|(oi, i)| {
                // OSPF version 2 announces a loopback at cost 0, OSPFv3 at its interface
                // cost (FRR 8: `show ipv6 route ospf6`, tests/fixtures/checks/outputs).
                let c = if i.name == "lo" && version.is_v2() { 0 } else { oi.cost.unwrap_or(DEFAULT_COST) };
                i.addresses
                    .iter()
                    .filter(move |a| version.routes(a.addr()) && !crate::design::is_link_local(a.addr()))
                    .map(move |a| (a.trunc(), c))
            })
            .collect()
    }

    /// What a router knows inside one area: every subnet there at its cost.
    fn intra(&self, router: &'a str, area: Ipv4Addr) -> BTreeMap<IpNet, u32> {
        let tree = self.tree(router, area);
        let mut out: BTreeMap<IpNet, u32> = BTreeMap::new();
        for (x, d) in &tree.dist {
            for (net, c) in self.own_nets(x, area) {
                let m = d + c;
                if out.get(&net).is_none_or(|old| m < *old) {
                    out.insert(net, m);
                }
            }
        }
        out
    }

    /// The summaries a border router puts into `area`, at its own cost to each.
    fn summaries(&self, abr: &'a str, area: Ipv4Addr) -> BTreeMap<IpNet, u32> {
        let node = &self.nodes[abr];
        let mut out: BTreeMap<IpNet, u32> = BTreeMap::new();
        let mut add = |net: IpNet, m: u32| {
            if out.get(&net).is_none_or(|old| m < *old) {
                out.insert(net, m);
            }
        };
        if let Some((AreaKind::Stub, _)) | Some((AreaKind::Nssa, true)) = kind(node, area) {
            add(self.version.default_route(), 1);
        }
        if let Some((_, true)) = kind(node, area) {
            return out;
        }
        for other in areas(node, self.version).into_iter().filter(|a| *a != area) {
            for (net, m) in self.intra(abr, other) {
                add(net, m);
            }
        }
        // Into a non-backbone area also what the backbone's other border routers sum up.
        if area != BACKBONE && areas(node, self.version).contains(&BACKBONE) {
            let tree = self.tree(abr, BACKBONE);
            for (b, d) in &tree.dist {
                if *b == abr || !is_abr(&self.nodes[*b], self.version) {
                    continue;
                }
                for other in
                    areas(&self.nodes[*b], self.version).into_iter().filter(|a| *a != BACKBONE && *a != area)
                {
                    for (net, m) in self.intra(b, other) {
                        add(net, d + m);
                    }
                }
            }
        }
        out
    }

    /// The cost from a router to another one, through border routers if they share no
    /// area, with the first hops.
    fn reach(&self, from: &'a str, to: &str) -> Option<(u32, Vec<&'a Adjacency>)> {
        let mut best: Option<(u32, Vec<&Adjacency>)> = None;
        let mut offer = |d: u32, hops: Vec<&'a Adjacency>| match &mut best {
            Some((old, list)) if d == *old => {
                for h in hops {
                    if !list.contains(&h) {
                        list.push(h);
                    }
                }
            }
            Some((old, _)) if d > *old => {}
            _ => best = Some((d, hops)),
        };
        for area in areas(&self.nodes[from], self.version) {
            let tree = self.tree(from, area);
            if let Some(d) = tree.dist.get(to) {
                if to != from {
                    offer(*d, tree.first[to].clone());
                }
                continue;
            }
            for (b, d) in &tree.dist {
                if *b == from || !is_abr(&self.nodes[*b], self.version) {
                    continue;
                }
                // The border router's own way there: a shared area, or the backbone to
                // a border router of the target's area.
                let beyond = areas(&self.nodes[*b], self.version)
                    .into_iter()
                    .filter_map(|a| self.tree(b, a).dist.get(to).copied())
                    .min()
                    .or_else(|| {
                        let backbone = self.tree(b, BACKBONE);
                        backbone
                            .dist
                            .iter()
                            .filter(|(b2, _)| is_abr(&self.nodes[**b2], self.version))
                            .filter_map(|(b2, d2)| {
                                areas(&self.nodes[*b2], self.version)
                                    .into_iter()
                                    .filter_map(|a| self.tree(b2, a).dist.get(to).map(|d3| d2 + d3))
                                    .min()
                            })
                            .min()
                    });
                if let Some(beyond) = beyond {
                    offer(d + beyond, tree.first[*b].clone());
                }
            }
        }
        best
    }

    /// The routes one router installs.
    pub fn routes(
        &self,
        router: &'a str,
        connected: &std::collections::HashMap<String, Fib>,
    ) -> Vec<SpfRoute> {
        let me = &self.nodes[router];
        let mut best: BTreeMap<IpNet, Candidate<'a>> = BTreeMap::new();
        let mut offer = |net: IpNet, key: (RouteClass, u32, u32), hops: Vec<&'a Adjacency>| {
            if hops.is_empty() {
                return;
            }
            match best.get_mut(&net) {
                Some((old, list)) if *old == key => {
                    for h in hops {
                        if !list.contains(&h) {
                            list.push(h);
                        }
                    }
                }
                Some((old, _)) if *old < key => {}
                _ => {
                    best.insert(net, (key, hops));
                }
            }
        };
        let my_areas = areas(me, self.version);
        for &area in &my_areas {
            let tree = self.tree(router, area);
            for (x, d) in &tree.dist {
                if *x == router {
                    continue;
                }
                for (net, c) in self.own_nets(x, area) {
                    offer(net, (RouteClass::IntraArea, d + c, 0), tree.first[x].clone());
                }
            }
            // A border router takes summaries from the backbone only.
            if is_abr(me, self.version) && area != BACKBONE {
                continue;
            }
            for (b, d) in &tree.dist {
                if *b == router || !is_abr(&self.nodes[*b], self.version) {
                    continue;
                }
                for (net, m) in self.summaries(b, area) {
                    offer(net, (RouteClass::InterArea, d + m, 0), tree.first[*b].clone());
                }
            }
        }
        // External routes: into every normal area, into an NSSA only from its own routers.
        let normal = |n: &Node, a: Ipv4Addr| kind(n, a).is_none();
        for asbr in self.nodes.values().filter(|n| n.name != router && n.ospf.is_some()) {
            let externals = external(asbr, &connected[&asbr.name], self.version);
            if externals.is_empty() {
                continue;
            }
            let theirs = areas(asbr, self.version);
            let from_normal = theirs.iter().any(|a| normal(asbr, *a));
            let shared_nssa = theirs
                .iter()
                .any(|a| my_areas.contains(a) && kind(asbr, *a).is_some_and(|k| k.0 == AreaKind::Nssa));
            let nssa_abr = theirs.iter().any(|a| kind(asbr, *a).is_some_and(|k| k.0 == AreaKind::Nssa));
            let i_get = (my_areas.iter().any(|a| normal(me, *a)) && (from_normal || nssa_abr)) || shared_nssa;
            if !i_get {
                continue;
            }
            let Some((d, hops)) = self.reach(router, &asbr.name) else { continue };
            for net in externals {
                let metric = if net.prefix_len() == 0 { DEFAULT_ORIGINATE_METRIC } else { EXTERNAL_METRIC };
                offer(net, (RouteClass::External, metric, d), hops.clone());
            }
        }
        let own = &connected[router];
        best.into_iter()
            .filter(|(net, _)| own.find(*net, RouteSource::Connected).is_none())
            .map(|(to, ((class, metric, _), mut hops))| {
                hops.sort_by(|a, b| (&a.a.interface, a.b_address).cmp(&(&b.a.interface, b.b_address)));
                let first = hops[0];
                SpfRoute {
                    route: FibRoute {
                        to,
                        via: Some(first.b_address),
                        interface: first.a.interface.clone(),
                        source: RouteSource::Ospf,
                    },
                    metric,
                    hops: hops.iter().map(|h| (h.b_address, h.a.interface.clone())).collect(),
                    class,
                }
            })
            .collect()
    }
}

/// What a router redistributes into this version of OSPF: the routes of its family.
fn external(node: &Node, fib: &Fib, version: OspfVersion) -> Vec<IpNet> {
    let Some(ospf) = node.ospf.as_ref().filter(|o| o.runs(node, version)) else { return Vec::new() };
    let family = |f: &&FibRoute| version.routes(f.to.addr()) && !crate::design::is_link_local(f.to.addr());
    let mut nets = Vec::new();
    for r in &ospf.redistribute {
        match r {
            Redistribute::Connected => nets.extend(
                fib.routes.iter().filter(family).filter(|f| f.source == RouteSource::Connected).map(|f| f.to),
            ),
            Redistribute::Static => nets.extend(
                fib.routes
                    .iter()
                    .filter(family)
                    .filter(|f| f.source == RouteSource::Static && f.to.prefix_len() > 0)
                    .map(|f| f.to),
            ),
            Redistribute::Default => nets.push(version.default_route()),
        }
    }
    // What OSPF already carries as the router's own is not external.
    let own: BTreeSet<IpNet> = ospf
        .interfaces
        .iter()
        .filter_map(|oi| node.interfaces.get(&oi.name))
        .flat_map(|i| i.addresses.iter().map(IpNet::trunc))
        .collect();
    nets.retain(|n| !own.contains(n));
    nets.sort();
    nets.dedup();
    nets
}
