//! What BGP would do in a lab built as designed: which sessions come up, which routes
//! each router learns, and which path it picks, as far as the design states what
//! decides it.
//!
//! Sessions form between two routers that name each other with the right AS over a
//! subnet both are on. Routes travel as in a path vector: each round every router
//! offers its best paths to its peers through the out and in route maps, until nothing
//! changes. The best path follows FRR's order: locally originated, highest
//! local-preference, shortest AS path, lowest origin, lowest MED (between paths from
//! the same neighbouring AS), eBGP over iBGP. What is left equal after that FRR decides
//! by the age of the path, which a design cannot state: every path still equal then is
//! [`BgpBest::tied`], and a check accepts any of them.

use std::collections::{BTreeMap, HashMap};
use std::net::IpAddr;

use indexmap::IndexMap;
use ipnet::IpNet;

use super::fib::{Fib, FibRoute, RouteSource, connected_interface};
use crate::design::bgp::prefix_list_permits;
use crate::design::domains::Domains;
use crate::design::{Bgp, BgpNeighbour, BgpRedistribute, Endpoint, Node};

/// Rounds of offering routes before giving up on a policy that never settles.
const MAX_ROUNDS: usize = 64;
/// FRR's default local-preference.
const DEFAULT_LOCAL_PREF: u32 = 100;

/// One path to a prefix in a router's BGP table.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BgpPath {
    /// AS numbers, nearest first; empty for a route of the router's own AS.
    pub as_path: Vec<u32>,
    pub local_pref: u32,
    pub med: u32,
    /// `network` routes are IGP (0), redistributed ones incomplete (2).
    pub origin: u8,
    /// The address to forward to; `None` for a route the router originates.
    pub next_hop: Option<IpAddr>,
    /// The session it came over: the peer's address; `None` when originated here.
    pub from: Option<IpAddr>,
    pub from_ibgp: bool,
}

impl BgpPath {
    fn local(&self) -> bool {
        self.from.is_none()
    }
}

/// A router's choice for one prefix.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BgpBest {
    pub best: BgpPath,
    /// Every path as good as the best by the rules a design can state (the best too).
    pub tied: Vec<BgpPath>,
}

/// An established session, seen from `node`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BgpSession {
    pub node: String,
    pub peer: String,
    /// The peer's address, as `node` names it.
    pub address: IpAddr,
    pub remote_as: u32,
    pub ibgp: bool,
}

/// What BGP would do in the lab.
#[derive(Debug, Clone, Default)]
pub struct BgpOutcome {
    pub sessions: Vec<BgpSession>,
    /// Per router, per prefix, the chosen path.
    pub tables: HashMap<String, BTreeMap<IpNet, BgpBest>>,
}

impl BgpOutcome {
    pub fn established(&self, node: &str, address: IpAddr) -> Option<&BgpSession> {
        self.sessions.iter().find(|s| s.node == node && s.address == address)
    }

    pub fn best(&self, node: &str, to: IpNet) -> Option<&BgpBest> {
        self.tables.get(node)?.get(&to)
    }
}

/// Sessions and tables for the lab. `fibs` hold each node's connected, static and
/// OSPF routes: what `redistribute` takes from, and what resolves an iBGP next hop.
pub fn bgp(nodes: &IndexMap<String, Node>, domains: &Domains, fibs: &HashMap<String, Fib>) -> BgpOutcome {
    let sessions = sessions(nodes, domains);
    let mut tables: HashMap<String, BTreeMap<IpNet, BgpBest>> = HashMap::new();
    let originated: HashMap<&str, Vec<(IpNet, BgpPath)>> = nodes
        .values()
        .filter_map(|n| Some((n.name.as_str(), originate(n.bgp.as_ref()?, &fibs[&n.name]))))
        .collect();
    for _ in 0..MAX_ROUNDS {
        let mut next: HashMap<String, BTreeMap<IpNet, BgpBest>> = HashMap::new();
        for node in nodes.values() {
            let Some(bgp) = &node.bgp else { continue };
            let mut candidates: BTreeMap<IpNet, Vec<BgpPath>> = BTreeMap::new();
            for (net, path) in &originated[node.name.as_str()] {
                candidates.entry(*net).or_default().push(path.clone());
            }
            for session in sessions.iter().filter(|s| s.node == node.name) {
                let peer = &nodes[&session.peer];
                let peer_bgp = peer.bgp.as_ref().expect("a session has BGP at both ends");
                let Some(theirs) = tables.get(&peer.name) else { continue };
                let mine = bgp.neighbour(session.address).expect("a session is a configured neighbour");
                let their_view = peer_bgp
                    .neighbours
                    .iter()
                    .find(|n| node.addresses().any(|(_, a)| a.addr() == n.address))
                    .expect("a session is configured at both ends");
                for (net, best) in theirs {
                    if let Some(path) =
                        offer(node, bgp, mine, peer_bgp, their_view, session, *net, &best.best, fibs)
                    {
                        candidates.entry(*net).or_default().push(path);
                    }
                }
            }
            let table =
                candidates.into_iter().filter_map(|(net, paths)| Some((net, choose(paths)?))).collect();
            next.insert(node.name.clone(), table);
        }
        if next == tables {
            break;
        }
        tables = next;
    }
    BgpOutcome { sessions, tables }
}

/// Both ends name each other, with each other's AS, on a subnet both are still on.
fn sessions(nodes: &IndexMap<String, Node>, domains: &Domains) -> Vec<BgpSession> {
    let mut out = Vec::new();
    for node in nodes.values() {
        let Some(bgp) = &node.bgp else { continue };
        for n in &bgp.neighbours {
            let Some(peer) = n.node.as_deref().and_then(|p| nodes.get(p)) else { continue };
            let Some(peer_bgp) = &peer.bgp else { continue };
            if peer_bgp.asn != n.remote_as {
                continue;
            }
            let back = peer_bgp.neighbours.iter().find(|theirs| {
                theirs.remote_as == bgp.asn && node.addresses().any(|(_, a)| a.addr() == theirs.address)
            });
            let Some(back) = back else { continue };
            if !linked(node, n.address, peer, back.address, domains) {
                continue;
            }
            out.push(BgpSession {
                node: node.name.clone(),
                peer: peer.name.clone(),
                address: n.address,
                remote_as: n.remote_as,
                ibgp: n.remote_as == bgp.asn,
            });
        }
    }
    out
}

/// Whether `mine` (where `node` has `their_addr`'s subnet) and `peer` (holding it) are
/// in one broadcast domain, so TCP between them needs no routing.
fn linked(node: &Node, their_addr: IpAddr, peer: &Node, my_addr: IpAddr, domains: &Domains) -> bool {
    let Some(my_if) = node.interfaces.values().find(|i| i.addresses.iter().any(|a| a.addr() == my_addr))
    else {
        return false;
    };
    let Some(their_if) =
        peer.interfaces.values().find(|i| i.addresses.iter().any(|a| a.addr() == their_addr))
    else {
        return false;
    };
    let me = Endpoint { node: node.name.clone(), interface: my_if.name.clone() };
    let them = Endpoint { node: peer.name.clone(), interface: their_if.name.clone() };
    domains.index_of(&me).is_some() && domains.index_of(&me) == domains.index_of(&them)
}

/// The routes a router puts into BGP itself: its networks (only those in its table, as
/// FRR's import check has it) and what it redistributes.
fn originate(bgp: &Bgp, fib: &Fib) -> Vec<(IpNet, BgpPath)> {
    let path = |origin| BgpPath {
        as_path: Vec::new(),
        local_pref: DEFAULT_LOCAL_PREF,
        med: 0,
        origin,
        next_hop: None,
        from: None,
        from_ibgp: false,
    };
    let mut out: Vec<(IpNet, BgpPath)> = Vec::new();
    for net in &bgp.networks {
        if fib.routes.iter().any(|r| r.to == *net) {
            out.push((*net, path(0)));
        }
    }
    for r in &bgp.redistribute {
        let source = match r {
            BgpRedistribute::Connected => RouteSource::Connected,
            BgpRedistribute::Static => RouteSource::Static,
            BgpRedistribute::Ospf => RouteSource::Ospf,
        };
        for route in fib.routes.iter().filter(|f| f.source == source) {
            // Link-local and host routes of the node's own addresses are not routes.
            if !out.iter().any(|(n, _)| *n == route.to) {
                out.push((route.to, path(2)));
            }
        }
    }
    out
}

/// The path `node` gets from `peer` for `net`, or `None` where policy, the family, a
/// loop or iBGP's split horizon keeps it out.
#[allow(clippy::too_many_arguments)]
fn offer(
    node: &Node,
    bgp: &Bgp,
    mine: &BgpNeighbour,
    peer_bgp: &Bgp,
    their_view: &BgpNeighbour,
    session: &BgpSession,
    net: IpNet,
    theirs: &BgpPath,
    fibs: &HashMap<String, Fib>,
) -> Option<BgpPath> {
    // A session carries its own family.
    if net.addr().is_ipv4() != session.address.is_ipv4() {
        return None;
    }
    // A route learned over iBGP is not passed to another iBGP peer.
    if session.ibgp && theirs.from_ibgp {
        return None;
    }
    // Not back to where it came from (FRR would send it; the receiver would not prefer
    // it over its own, and a loop check would drop it anyway for eBGP).
    if theirs.from.is_some_and(|from| node.addresses().any(|(_, a)| a.addr() == from)) {
        return None;
    }
    let mut path = theirs.clone();
    path.from = Some(session.address);
    path.from_ibgp = session.ibgp;
    // Sent: a MED does not leave its AS unless the out policy sets one (a route the
    // peer originates has its connected metric, 0).
    if !session.ibgp {
        path.med = 0;
    }
    if let Some(map) = &their_view.route_map_out {
        apply(peer_bgp, map, net, &mut path)?;
    }
    if !session.ibgp {
        path.as_path.insert(0, peer_bgp.asn);
        // Local preference stays inside an AS.
        path.local_pref = DEFAULT_LOCAL_PREF;
        path.next_hop = Some(session.address);
    } else if theirs.local() || path.next_hop.is_none() {
        path.next_hop = Some(session.address);
    }
    if path.as_path.contains(&bgp.asn) {
        return None;
    }
    // Received: our in policy.
    if let Some(map) = &mine.route_map_in {
        apply(bgp, map, net, &mut path)?;
    }
    // A next hop the router cannot reach makes the path unusable.
    let hop = path.next_hop?;
    let fib = &fibs[&node.name];
    let resolvable = connected_interface(node, hop).is_some()
        || fib.routes.iter().any(|r| r.to.contains(&hop) && r.source != RouteSource::Connected);
    resolvable.then_some(path)
}

/// A route map on a path: the first entry whose match holds decides; none denies.
fn apply(bgp: &Bgp, map: &str, net: IpNet, path: &mut BgpPath) -> Option<()> {
    let entries = bgp.route_maps.get(map)?;
    let entry = entries.iter().find(|e| match &e.match_prefix_list {
        Some(list) => bgp.prefix_lists.get(list).is_some_and(|l| prefix_list_permits(l, net)),
        None => true,
    })?;
    if !entry.permit {
        return None;
    }
    if let Some(pref) = entry.local_preference {
        path.local_pref = pref;
    }
    if let Some(med) = entry.metric {
        path.med = med;
    }
    let mut prepended = entry.prepend.clone();
    prepended.append(&mut path.as_path);
    path.as_path = prepended;
    Some(())
}

/// FRR's order, as far as a design states it; the rest is a tie.
fn choose(paths: Vec<BgpPath>) -> Option<BgpBest> {
    let mut tied: Vec<BgpPath> = Vec::new();
    for path in paths {
        match tied.first().map(|b| compare(&path, b)) {
            None => tied.push(path),
            Some(std::cmp::Ordering::Greater) => tied = vec![path],
            Some(std::cmp::Ordering::Equal) => tied.push(path),
            Some(std::cmp::Ordering::Less) => {}
        }
    }
    // Of the tied, the lowest peer address: FRR's last resort, used here only so that
    // the forwarding table has one next hop; checks accept every tied path.
    let best = tied.iter().min_by_key(|p| p.from)?.clone();
    Some(BgpBest { best, tied })
}

/// Which path is better: `Greater` when `a` is.
fn compare(a: &BgpPath, b: &BgpPath) -> std::cmp::Ordering {
    use std::cmp::Ordering;
    a.local()
        .cmp(&b.local())
        .then(a.local_pref.cmp(&b.local_pref))
        .then(b.as_path.len().cmp(&a.as_path.len()))
        .then(b.origin.cmp(&a.origin))
        .then_with(
            || {
                if a.as_path.first() == b.as_path.first() { b.med.cmp(&a.med) } else { Ordering::Equal }
            },
        )
        .then(b.from_ibgp.cmp(&a.from_ibgp))
}

/// The forwarding routes BGP's best paths give a router: learned ones only, through
/// the interface towards the next hop.
pub fn fib_routes(node: &Node, table: &BTreeMap<IpNet, BgpBest>, fib: &Fib) -> Vec<FibRoute> {
    let mut out = Vec::new();
    for (net, best) in table {
        let Some(hop) = best.best.next_hop.filter(|_| !best.best.local()) else { continue };
        // A prefix the router is on itself stays connected.
        if fib.find(*net, RouteSource::Connected).is_some() {
            continue;
        }
        let interface =
            connected_interface(node, hop).or_else(|| fib.lookup(hop).map(|r| r.interface.clone()));
        let Some(interface) = interface else { continue };
        out.push(FibRoute { to: *net, via: Some(hop), interface, source: RouteSource::Bgp });
    }
    out
}
