//! `design.bgp`: each router's AS, neighbours, announced networks and route policy.
//!
//! Two passes: first every router's AS (so that a neighbour's AS can be held against
//! the AS that router itself states), then each router's policy and neighbours.

use std::collections::HashMap;
use std::net::{IpAddr, Ipv4Addr};

use indexmap::IndexMap;
use ipnet::IpNet;

use super::Resolver;
use crate::design::bgp::{Bgp, BgpNeighbour, BgpRedistribute, PrefixEntry, RouteMapEntry};
use crate::design::syntax::{self, Word, words};
use crate::design::{Endpoint, Node};
use crate::diagnostic::{Diagnostic, Loc, did_you_mean};
use crate::path;
use crate::topology::bgp::BgpWire;
use crate::topology::locate::Path;

/// AS 23456 stands in for 4-byte AS numbers towards old routers; no router has it.
const AS_TRANS: u64 = 23456;

impl Resolver<'_> {
    pub(super) fn bgp(&mut self) {
        let file = self.file;
        // Pass one: who is in which AS.
        let mut asns: HashMap<String, (u32, Loc)> = HashMap::new();
        for (node, wire) in &file.design.bgp {
            let at = path!["design", "bgp", node];
            let Some(kind) = self.node_kind(node, Loc::key(at.clone())) else { continue };
            if !kind.routes() {
                self.report(
                    Diagnostic::error(
                        "wrong-kind",
                        format!("`{node}` is a {kind}; asbuilt runs BGP on routers and firewalls"),
                    )
                    .at(Loc::key(at))
                    .label(format!("a {kind}"))
                    .help(format!("change `{node}` to `kind: router`, or leave it out of `design.bgp`")),
                );
                continue;
            }
            let loc = Loc::value(path!["design", "bgp", node, "as"]);
            if let Some(asn) = self.asn(wire.asn.as_str(), loc.clone()) {
                asns.insert(node.clone(), (asn, loc));
            }
        }
        // Pass two: everything else, for the routers whose AS is known.
        let mut router_ids: HashMap<Ipv4Addr, (String, Loc)> = HashMap::new();
        for (node, wire) in &file.design.bgp {
            let Some((asn, _)) = asns.get(node).cloned() else { continue };
            let prefix_lists = self.prefix_lists(node, wire);
            let route_maps = self.route_maps(node, wire, &prefix_lists);
            let neighbours = self.bgp_neighbours(node, wire, &asns, &route_maps);
            let networks = self.bgp_networks(node, wire);
            let redistribute = self.bgp_redistribute(node, wire);
            let id_loc = Loc::key(path!["design", "bgp", node]);
            let router_id = match &wire.router_id {
                Some(text) => match text.parse::<Ipv4Addr>() {
                    Ok(id) => Some(id),
                    Err(_) => {
                        self.report(
                            Diagnostic::error("invalid-value", format!("`{text}` is not a router ID"))
                                .at(Loc::value(path!["design", "bgp", node, "router-id"]))
                                .help("a router ID is written like an IPv4 address: `1.1.1.1`"),
                        );
                        continue;
                    }
                },
                None => self.default_router_id(node),
            };
            let Some(router_id) = router_id else {
                self.report(
                    Diagnostic::error(
                        "bgp-no-router-id",
                        format!("`{node}` has no IPv4 address to take a BGP router ID from"),
                    )
                    .at(id_loc)
                    .help("give it an IPv4 address (a loopback, say), or a `router-id`"),
                );
                continue;
            };
            if let Some((other, other_loc)) = router_ids.get(&router_id).cloned() {
                self.report(
                    Diagnostic::error(
                        "duplicate-router-id",
                        format!("`{node}` and `{other}` have the same BGP router ID {router_id}"),
                    )
                    .at(id_loc.clone())
                    .related(other_loc, "the same router ID")
                    .help("every BGP router needs its own router ID (a peer with yours is refused); set `router-id` or give them distinct loopbacks"),
                );
            }
            router_ids.insert(router_id, (node.clone(), id_loc));
            self.nodes[node].bgp = Some(Bgp {
                asn,
                router_id,
                router_id_stated: wire.router_id.is_some(),
                neighbours,
                networks,
                redistribute,
                prefix_lists,
                route_maps,
            });
        }
        self.one_sided_sessions();
    }

    fn asn(&mut self, text: &str, loc: Loc) -> Option<u32> {
        let parsed =
            text.parse::<u64>().ok().filter(|n| (1..=u64::from(u32::MAX)).contains(n) && *n != AS_TRANS);
        if parsed.is_none() {
            self.report(
                Diagnostic::error("invalid-as", format!("`{text}` is not an AS number a router can have"))
                    .at(loc)
                    .label("not an AS number")
                    .help("an AS number is from 1 to 4294967295 (not 23456); for a lab use a private AS, 64512 to 65534, or a documentation AS, 64496 to 64511"),
            );
        }
        parsed.map(|n| n as u32)
    }

    fn prefix_lists(&mut self, node: &str, wire: &BgpWire) -> IndexMap<String, Vec<PrefixEntry>> {
        let mut out = IndexMap::new();
        for (name, lines) in &wire.prefix_lists {
            let mut entries = Vec::new();
            for (i, line) in lines.iter().enumerate() {
                let at = path!["design", "bgp", node, "prefix-lists", name, i];
                if let Some(entry) = self.prefix_entry(line, at) {
                    entries.push(entry);
                }
            }
            out.insert(name.clone(), entries);
        }
        out
    }

    /// `permit 192.0.2.0/24`, `deny 10.0.0.0/8 le 32`, `permit 0.0.0.0/0 ge 8 le 24`.
    fn prefix_entry(&mut self, line: &str, at: Path) -> Option<PrefixEntry> {
        let w = words(line);
        let help = "write an entry as `permit 192.0.2.0/24`, or with a range of lengths: `deny 10.0.0.0/8 le 32`, `permit 0.0.0.0/0 ge 8 le 24`";
        let bad = |this: &mut Self, loc: Loc, message: String, label: &str| {
            this.report(Diagnostic::error("invalid-prefix-list", message).at(loc).label(label).help(help));
            None
        };
        let Some(permit) = w.first().and_then(|v| verdict(v.text)) else {
            return bad(
                self,
                Loc::value(at.clone()),
                format!("`{line}` is not a prefix-list entry"),
                "not `permit` or `deny` first",
            );
        };
        let Some(net_word) = w.get(1) else {
            return bad(self, Loc::value(at.clone()), format!("`{line}` names no prefix"), "no prefix");
        };
        let prefix = match syntax::subnet(net_word.text) {
            Ok(net) => net,
            Err(invalid) => {
                self.report(
                    Diagnostic::error("invalid-prefix-list", invalid.message)
                        .at(Loc::within(at.clone(), net_word.range.clone()))
                        .label("not a subnet")
                        .help(invalid.help),
                );
                return None;
            }
        };
        let (mut ge, mut le) = (None, None);
        let mut rest = w[2..].iter();
        while let Some(key) = rest.next() {
            let slot = match key.text {
                "ge" => &mut ge,
                "le" => &mut le,
                _ => {
                    return bad(
                        self,
                        Loc::within(at.clone(), key.range.clone()),
                        format!("`{}` is not `ge` or `le`", key.text),
                        "unexpected",
                    );
                }
            };
            let value = rest.next().and_then(|v| v.text.parse::<u8>().ok());
            let Some(value) = value.filter(|v| *v <= prefix.max_prefix_len() && *v > prefix.prefix_len())
            else {
                return bad(
                    self,
                    Loc::within(at.clone(), key.range.clone()),
                    format!(
                        "`{}` needs a prefix length from {} to {}",
                        key.text,
                        prefix.prefix_len() + 1,
                        prefix.max_prefix_len()
                    ),
                    "no valid length",
                );
            };
            *slot = Some(value);
        }
        if let (Some(g), Some(l)) = (ge, le)
            && g > l
        {
            return bad(
                self,
                Loc::value(at.clone()),
                format!("`ge {g}` is longer than `le {l}`: nothing matches"),
                "empty range",
            );
        }
        Some(PrefixEntry { permit, prefix, ge, le })
    }

    fn route_maps(
        &mut self,
        node: &str,
        wire: &BgpWire,
        lists: &IndexMap<String, Vec<PrefixEntry>>,
    ) -> IndexMap<String, Vec<RouteMapEntry>> {
        let mut out = IndexMap::new();
        for (name, lines) in &wire.route_maps {
            let mut entries = Vec::new();
            for (i, line) in lines.iter().enumerate() {
                let at = path!["design", "bgp", node, "route-maps", name, i];
                if let Some(entry) = self.route_map_entry(line, at, lists) {
                    entries.push(entry);
                }
            }
            out.insert(name.clone(), entries);
        }
        out
    }

    /// `permit match lan set local-preference 200 set community 65001:10`.
    fn route_map_entry(
        &mut self,
        line: &str,
        at: Path,
        lists: &IndexMap<String, Vec<PrefixEntry>>,
    ) -> Option<RouteMapEntry> {
        let w = words(line);
        let help = "write an entry as `permit|deny [match PREFIX-LIST] [set local-preference N] [set metric N] [set community AS:N] [set as-path prepend AS...]`";
        let invalid = |this: &mut Self, word: Option<&Word>, message: String| {
            let loc = match word {
                Some(word) => Loc::within(at.clone(), word.range.clone()),
                None => Loc::value(at.clone()),
            };
            this.report(Diagnostic::error("invalid-route-map", message).at(loc).help(help));
            None
        };
        let Some(permit) = w.first().and_then(|v| verdict(v.text)) else {
            return invalid(self, w.first(), format!("`{line}` does not start with `permit` or `deny`"));
        };
        let mut entry = RouteMapEntry {
            permit,
            match_prefix_list: None,
            local_preference: None,
            metric: None,
            communities: Vec::new(),
            prepend: Vec::new(),
            text: line.to_string(),
        };
        let mut i = 1;
        while i < w.len() {
            match w[i].text {
                "match" => {
                    let Some(name) = w.get(i + 1) else {
                        return invalid(self, Some(&w[i]), "`match` names no prefix list".into());
                    };
                    if !lists.contains_key(name.text) {
                        let help =
                            did_you_mean(name.text, lists.keys().map(String::as_str)).unwrap_or_else(|| {
                                if lists.is_empty() {
                                    "this router has no `prefix-lists`; add one with this name".to_string()
                                } else {
                                    format!(
                                        "the prefix lists of this router are: {}",
                                        lists.keys().cloned().collect::<Vec<_>>().join(", ")
                                    )
                                }
                            });
                        self.report(
                            Diagnostic::error(
                                "unknown-prefix-list",
                                format!("there is no prefix list `{}`", name.text),
                            )
                            .at(Loc::within(at.clone(), name.range.clone()))
                            .label("no such prefix list")
                            .help(help),
                        );
                        return None;
                    }
                    entry.match_prefix_list = Some(name.text.to_string());
                    i += 2;
                }
                "set" => {
                    let what = w.get(i + 1).map(|x| x.text);
                    let number = |k: usize| w.get(k).and_then(|x| x.text.parse::<u32>().ok());
                    match what {
                        Some("local-preference") => {
                            let Some(n) = number(i + 2) else {
                                return invalid(
                                    self,
                                    w.get(i + 1),
                                    "`set local-preference` needs a number".into(),
                                );
                            };
                            entry.local_preference = Some(n);
                            i += 3;
                        }
                        Some("metric" | "med") => {
                            let Some(n) = number(i + 2) else {
                                return invalid(self, w.get(i + 1), "`set metric` needs a number".into());
                            };
                            entry.metric = Some(n);
                            i += 3;
                        }
                        Some("community") => {
                            i += 2;
                            while let Some(c) = w.get(i).filter(|c| !matches!(c.text, "set" | "match")) {
                                if !is_community(c.text) {
                                    return invalid(
                                        self,
                                        Some(c),
                                        format!(
                                            "`{}` is not a community: write `65001:10`, `no-export` or `no-advertise`",
                                            c.text
                                        ),
                                    );
                                }
                                entry.communities.push(c.text.to_string());
                                i += 1;
                            }
                            if entry.communities.is_empty() {
                                return invalid(
                                    self,
                                    w.get(i - 1),
                                    "`set community` needs a community".into(),
                                );
                            }
                        }
                        Some("as-path") if w.get(i + 2).map(|x| x.text) == Some("prepend") => {
                            i += 3;
                            while let Some(n) =
                                w.get(i).and_then(|x| x.text.parse::<u32>().ok()).filter(|n| *n > 0)
                            {
                                entry.prepend.push(n);
                                i += 1;
                            }
                            if entry.prepend.is_empty() {
                                return invalid(
                                    self,
                                    w.get(i - 1),
                                    "`set as-path prepend` needs AS numbers".into(),
                                );
                            }
                        }
                        _ => {
                            let shown = w.get(i + 1).map_or("", |x| x.text);
                            return invalid(
                                self,
                                w.get(i + 1).or(w.get(i)),
                                format!(
                                    "`set {shown}` is not something a route map here sets: use `local-preference`, `metric`, `community` or `as-path prepend`"
                                ),
                            );
                        }
                    }
                }
                other => return invalid(self, Some(&w[i]), format!("`{other}` is not `match` or `set`")),
            }
        }
        if !entry.permit
            && (entry.local_preference.is_some()
                || entry.metric.is_some()
                || !entry.communities.is_empty()
                || !entry.prepend.is_empty())
        {
            return invalid(self, w.first(), "a `deny` entry drops the route; it sets nothing".into());
        }
        Some(entry)
    }

    fn bgp_neighbours(
        &mut self,
        node: &str,
        wire: &BgpWire,
        asns: &HashMap<String, (u32, Loc)>,
        maps: &IndexMap<String, Vec<RouteMapEntry>>,
    ) -> Vec<BgpNeighbour> {
        let mut out: Vec<BgpNeighbour> = Vec::new();
        for (key, peer) in &wire.neighbours {
            let at = path!["design", "bgp", node, "neighbours", key];
            let as_loc = if peer.short {
                Loc::value(at.clone())
            } else {
                Loc::value(path!["design", "bgp", node, "neighbours", key, "as"])
            };
            let Some(remote_as) = self.asn(peer.asn.as_str(), as_loc.clone()) else { continue };
            let Some((address, peer_node)) = self.peer_address(node, key, Loc::key(at.clone())) else {
                continue;
            };
            if let Some(name) = &peer_node
                && let Some((theirs, their_loc)) = asns.get(name)
                && *theirs != remote_as
            {
                self.report(
                    Diagnostic::error(
                        "as-mismatch",
                        format!(
                            "`{node}` expects `{name}` in AS {remote_as}, but `{name}` is in AS {theirs}"
                        ),
                    )
                    .at(as_loc)
                    .label(format!("AS {remote_as}"))
                    .related(their_loc.clone(), format!("`{name}`'s own AS"))
                    .help(format!("write AS {theirs} here, or change `{name}`'s `as`")),
                );
                continue;
            }
            if out.iter().any(|n| n.address == address) {
                self.report(
                    Diagnostic::error(
                        "duplicate-neighbour",
                        format!("`{node}` has {address} as a neighbour twice"),
                    )
                    .at(Loc::key(at))
                    .help("list each neighbour once, by name or by address"),
                );
                continue;
            }
            let mut map_ref = |which: &str, name: &Option<String>| -> Option<Option<String>> {
                let Some(name) = name else { return Some(None) };
                if maps.contains_key(name) {
                    return Some(Some(name.clone()));
                }
                let help = did_you_mean(name, maps.keys().map(String::as_str))
                    .unwrap_or_else(|| format!("define it under `design.bgp.{node}.route-maps`"));
                self.report(
                    Diagnostic::error("unknown-route-map", format!("`{node}` has no route map `{name}`"))
                        .at(Loc::value(path!["design", "bgp", node, "neighbours", key, which]))
                        .label("no such route map")
                        .help(help),
                );
                None
            };
            let Some(route_map_in) = map_ref("route-map-in", &peer.route_map_in) else { continue };
            let Some(route_map_out) = map_ref("route-map-out", &peer.route_map_out) else { continue };
            out.push(BgpNeighbour { address, remote_as, node: peer_node, route_map_in, route_map_out });
        }
        out
    }

    /// A neighbour by address (on a subnet `node` is on) or by node name (its address on
    /// the subnet both are on, IPv4 first).
    fn peer_address(&mut self, node: &str, key: &str, loc: Loc) -> Option<(IpAddr, Option<String>)> {
        let mine = &self.nodes[node];
        if let Ok(addr) = key.parse::<IpAddr>() {
            if mine.addresses().any(|(_, a)| a.addr() == addr) {
                self.report(
                    Diagnostic::error("unknown-neighbour", format!("{addr} is `{node}`'s own address"))
                        .at(loc)
                        .label("its own address")
                        .help("name the router at the other end of a link"),
                );
                return None;
            }
            if !mine.addresses().any(|(i, a)| i.name != "lo" && a.contains(&addr)) {
                let subnets: Vec<String> = mine
                    .addresses()
                    .filter(|(i, _)| i.name != "lo")
                    .map(|(i, a)| format!("{} on {}", a.trunc(), i.name))
                    .collect();
                self.report(
                    Diagnostic::error(
                        "unknown-neighbour",
                        format!("neighbour {addr} is not on a subnet `{node}` is on"),
                    )
                    .at(loc)
                    .label("not directly connected")
                    .help(format!(
                        "asbuilt peers over a shared subnet; `{node}` is on {}",
                        if subnets.is_empty() { "no subnet".to_string() } else { subnets.join(", ") }
                    )),
                );
                return None;
            }
            let owner = self
                .nodes
                .values()
                .find(|n| n.addresses().any(|(_, a)| a.addr() == addr))
                .map(|n| n.name.clone());
            return Some((addr, owner));
        }
        if key == node || !self.nodes.contains_key(key) {
            let others: Vec<&str> =
                self.file.design.bgp.keys().map(String::as_str).filter(|n| *n != node).collect();
            let help = did_you_mean(key, self.file.nodes.keys().map(String::as_str))
                .filter(|_| key != node)
                .unwrap_or_else(|| format!("name a router `{node}` shares a subnet with, or its address; the BGP routers are: {}", others.join(", ")));
            let message = if key == node {
                format!("`{node}` cannot be its own neighbour")
            } else {
                format!("there is no node `{key}`")
            };
            self.report(
                Diagnostic::error("unknown-neighbour", message).at(loc).label("no such neighbour").help(help),
            );
            return None;
        }
        match shared_address(&self.nodes[node], &self.nodes[key], self) {
            Some(addr) => Some((addr, Some(key.to_string()))),
            None => {
                self.report(
                    Diagnostic::error("unknown-neighbour", format!("`{key}` shares no subnet with `{node}`"))
                        .at(loc)
                        .label("not a neighbour")
                        .help(format!("asbuilt peers over a shared subnet: cable `{key}` to `{node}`, or name an address on a subnet `{node}` is on")),
                );
                None
            }
        }
    }

    /// `network` lines must name a subnet the router is on or routes statically: FRR
    /// announces only what is in its routing table.
    fn bgp_networks(&mut self, node: &str, wire: &BgpWire) -> Vec<IpNet> {
        let mut out = Vec::new();
        for (i, text) in wire.networks.iter().enumerate() {
            let loc = Loc::value(path!["design", "bgp", node, "networks", i]);
            let net = match syntax::subnet(text) {
                Ok(net) => net,
                Err(invalid) => {
                    self.report(
                        Diagnostic::error("invalid-network", invalid.message)
                            .at(loc)
                            .label("not a subnet")
                            .help(invalid.help),
                    );
                    continue;
                }
            };
            let n = &self.nodes[node];
            let local = n.addresses().any(|(_, a)| a.trunc() == net) || n.routes.iter().any(|r| r.to == net);
            if !local {
                let known: Vec<String> = n
                    .addresses()
                    .map(|(_, a)| a.trunc().to_string())
                    .chain(n.routes.iter().map(|r| r.to.to_string()))
                    .collect();
                self.report(
                    Diagnostic::error("network-not-local", format!("`{node}` announces {net}, which it has no route to"))
                        .at(loc)
                        .label("not in its routing table")
                        .help(format!(
                            "BGP announces a network only when the router has it: a subnet it is on or a static route. `{node}` has: {}",
                            if known.is_empty() { "nothing".into() } else { known.join(", ") }
                        )),
                );
                continue;
            }
            if out.contains(&net) {
                continue;
            }
            out.push(net);
        }
        out
    }

    fn bgp_redistribute(&mut self, node: &str, wire: &BgpWire) -> Vec<BgpRedistribute> {
        let mut out = Vec::new();
        for (i, word) in wire.redistribute.iter().enumerate() {
            let r = match word.as_str() {
                "connected" => BgpRedistribute::Connected,
                "static" => BgpRedistribute::Static,
                "ospf" => BgpRedistribute::Ospf,
                _ => {
                    self.report(
                        Diagnostic::error("invalid-value", format!("BGP cannot redistribute `{word}`"))
                            .at(Loc::value(path!["design", "bgp", node, "redistribute", i]))
                            .help(
                                did_you_mean(word, ["connected", "static", "ospf"])
                                    .unwrap_or_else(|| "use `connected`, `static` or `ospf`".into()),
                            ),
                    );
                    continue;
                }
            };
            if !out.contains(&r) {
                out.push(r);
            }
        }
        out
    }

    /// A session needs both ends: warn where a neighbour does not name this router back.
    fn one_sided_sessions(&mut self) {
        let mut warnings = Vec::new();
        for node in self.nodes.values() {
            let Some(bgp) = &node.bgp else { continue };
            for n in &bgp.neighbours {
                let Some(peer) = n.node.as_deref().and_then(|p| self.nodes.get(p)) else { continue };
                let back = peer.bgp.as_ref().is_some_and(|b| {
                    b.neighbours
                        .iter()
                        .any(|theirs| node.addresses().any(|(_, a)| a.addr() == theirs.address))
                });
                // A peer whose own BGP failed to resolve was reported already.
                let declared = self.file.design.bgp.contains_key(&peer.name);
                if !back && (peer.bgp.is_some() || !declared) {
                    let key = self.file.design.bgp[&node.name]
                        .neighbours
                        .keys()
                        .find(|k| **k == peer.name || k.parse::<IpAddr>().ok() == Some(n.address))
                        .cloned()
                        .unwrap_or_default();
                    warnings.push(
                        Diagnostic::warning(
                            "bgp-one-sided",
                            format!("`{}` peers with `{}`, but `{}` does not peer back", node.name, peer.name, peer.name),
                        )
                        .at(Loc::key(path!["design", "bgp", &node.name, "neighbours", key]))
                        .help(format!("a BGP session needs both ends: add `{}` to the neighbours of `{}` under `design.bgp`", node.name, peer.name)),
                    );
                }
            }
        }
        for w in warnings {
            self.report(w);
        }
    }
}

fn verdict(word: &str) -> Option<bool> {
    match word {
        "permit" => Some(true),
        "deny" => Some(false),
        _ => None,
    }
}

fn is_community(text: &str) -> bool {
    if matches!(text, "no-export" | "no-advertise" | "local-AS" | "no-peer" | "blackhole") {
        return true;
    }
    text.split_once(':').is_some_and(|(a, b)| a.parse::<u16>().is_ok() && b.parse::<u16>().is_ok())
}

/// `peer`'s address on a subnet `node` is on (IPv4 first), found over broadcast domains.
fn shared_address(node: &Node, peer: &Node, r: &Resolver) -> Option<IpAddr> {
    let domains = r.domains();
    let mut found: Vec<IpAddr> = Vec::new();
    for iface in node.interfaces.values().filter(|i| i.name != "lo") {
        let ep = Endpoint { node: node.name.clone(), interface: iface.name.clone() };
        for other in domains.neighbours(&ep).filter(|o| o.node == peer.name) {
            for theirs in &peer.interfaces[&other.interface].addresses {
                if iface.addresses.iter().any(|a| a.contains(&theirs.addr())) {
                    found.push(theirs.addr());
                }
            }
        }
    }
    found.iter().find(|a| a.is_ipv4()).or(found.first()).copied()
}
