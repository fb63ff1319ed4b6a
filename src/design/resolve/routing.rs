//! Gateways, static routes and OSPF: everything about how packets leave a node.

use std::collections::HashMap;
use std::net::{IpAddr, Ipv4Addr};

use ipnet::IpNet;

use super::Resolver;
use crate::design::model::{Endpoint, Ospf, OspfInterface, Redistribute, Route, has_routed_address};
use crate::design::syntax::{self, Word, words};
use crate::diagnostic::{Diagnostic, Loc, did_you_mean};
use crate::kind::NodeKind;
use crate::path;
use crate::topology::locate::Path;

impl Resolver<'_> {
    pub(super) fn gateways(&mut self) {
        let file = self.file;
        for (node, values) in &file.design.gateways {
            let at = path!["design", "gateways", node];
            if !self.routed_node(node, Loc::key(at.clone()), "a gateway") {
                continue;
            }
            let mut gateways: Vec<IpAddr> = Vec::new();
            for (i, value) in values.iter().enumerate() {
                let mut p = at.clone();
                p.push(i.into());
                let loc = Loc::value(p);
                let found: Vec<IpAddr> = match value.parse::<IpAddr>() {
                    Ok(addr) => self.on_link(node, addr, loc.clone(), "gateway").into_iter().collect(),
                    Err(_) => self.neighbour_gateway(node, value, loc.clone()),
                };
                for gw in found {
                    if gateways.iter().any(|g| g.is_ipv4() == gw.is_ipv4()) {
                        self.report(
                            Diagnostic::error(
                                "duplicate-gateway",
                                format!("`{node}` gets two {} default gateways", family(gw)),
                            )
                            .at(loc.clone())
                            .help("a node has one default gateway per address family"),
                        );
                        continue;
                    }
                    gateways.push(gw);
                }
            }
            self.nodes[node].gateways = gateways;
        }
    }

    pub(super) fn routes(&mut self) {
        let file = self.file;
        for (node, lines) in &file.design.routes {
            let at = path!["design", "routes", node];
            if !self.routed_node(node, Loc::key(at.clone()), "static routes") {
                continue;
            }
            for (i, line) in lines.iter().enumerate() {
                let mut p = at.clone();
                p.push(i.into());
                let Some(route) = self.route(node, line, &p) else {
                    continue;
                };
                let node_ref = &self.nodes[node];
                let default = route.to.prefix_len() == 0;
                let clash = node_ref.routes.iter().any(|r| r.to == route.to)
                    || default && node_ref.gateways.iter().any(|g| g.is_ipv4() == route.to.addr().is_ipv4());
                if clash {
                    self.report(
                        Diagnostic::error(
                            "duplicate-route",
                            format!("`{node}` already has a route to {}", route.to),
                        )
                        .at(Loc::value(p))
                        .help("give each destination one route; a default route is also set by `gateways`"),
                    );
                    continue;
                }
                if !default && node_ref.addresses().any(|(i, a)| i.name != "lo" && a.trunc() == route.to) {
                    self.report(
                        Diagnostic::warning(
                            "route-to-connected",
                            format!("`{node}` is itself on {}; the route is never used", route.to),
                        )
                        .at(Loc::value(p.clone()))
                        .help("remove the route: a node reaches its own subnets without one"),
                    );
                }
                self.nodes[node].routes.push(route);
            }
        }
    }

    /// `10.0.3.0/24 via r2`, `default via 10.0.12.2`.
    fn route(&mut self, node: &str, line: &str, at: &Path) -> Option<Route> {
        let w = words(line);
        if w.len() != 3 || w[1].text != "via" {
            self.report(
                Diagnostic::error("invalid-route", format!("`{line}` is not a route"))
                    .at(Loc::value(at.clone()))
                    .label("not a route")
                    .help("write a route as `10.0.3.0/24 via 10.0.12.2`, `10.0.3.0/24 via r2` or `default via r2`"),
            );
            return None;
        }
        let to = self.destination(&w[0], at)?;
        let via = self.next_hop(node, &w[2], to, at)?;
        Some(Route { to: to.unwrap_or_else(|| default_route(via)), via })
    }

    /// `10.0.4.0/24 via r2, r3`: a destination and the set of next hops the node
    /// spreads its traffic over (one for a plain route, several for equal-cost paths).
    pub(super) fn route_set(&mut self, node: &str, line: &str, at: &Path) -> Option<(IpNet, Vec<IpAddr>)> {
        let w = words(line);
        // Hops may be written `r2, r3`, `r2,r3` or `r2 r3`: split every word on commas,
        // keeping each hop's place in the line for errors.
        let hops: Vec<Word<'_>> = w
            .iter()
            .skip(2)
            .flat_map(|word| {
                let mut start = word.range.start;
                word.text.split(',').filter_map(move |piece| {
                    let range = start..start + piece.len();
                    start += piece.len() + 1;
                    (!piece.is_empty()).then_some(Word { text: piece, range })
                })
            })
            .collect();
        if w.len() < 3 || w[1].text != "via" || hops.is_empty() {
            self.report(
                Diagnostic::error("invalid-route", format!("`{line}` is not a route"))
                    .at(Loc::value(at.clone()))
                    .label("not a route")
                    .help("write `10.0.3.0/24 via r2`, or for equal-cost paths `10.0.3.0/24 via r2, r3`"),
            );
            return None;
        }
        let to = self.destination(&w[0], at)?;
        let mut via = Vec::new();
        for hop in &hops {
            let addr = self.next_hop(node, hop, to, at)?;
            if !via.contains(&addr) {
                via.push(addr);
            }
        }
        let to = to.unwrap_or_else(|| default_route(via[0]));
        Some((to, via))
    }

    /// A route's destination: a subnet, or `None` for `default`.
    fn destination(&mut self, dest: &Word<'_>, at: &Path) -> Option<Option<IpNet>> {
        if dest.text == "default" {
            return Some(None);
        }
        match syntax::subnet(dest.text) {
            Ok(net) => Some(Some(net)),
            Err(invalid) => {
                self.report(
                    Diagnostic::error("invalid-route", invalid.message)
                        .at(Loc::within(at.clone(), dest.range.clone()))
                        .label("not a subnet")
                        .help(format!("{} A destination is a subnet or `default`.", invalid.help)),
                );
                None
            }
        }
    }

    /// A next hop towards `to` (`None`: the default route): an address on one of the
    /// node's subnets, or a neighbour by name (its address of the destination's family
    /// on a subnet they share).
    fn next_hop(&mut self, node: &str, hop: &Word<'_>, to: Option<IpNet>, at: &Path) -> Option<IpAddr> {
        let hop_loc = Loc::within(at.clone(), hop.range.clone());
        let via = match hop.text.parse::<IpAddr>() {
            Ok(addr) => self.on_link(node, addr, hop_loc.clone(), "next hop")?,
            Err(_) => {
                let want_v4 = to.is_none_or(|t| t.addr().is_ipv4());
                let found = self.neighbour_gateway(node, hop.text, hop_loc.clone());
                if found.is_empty() {
                    return None; // neighbour_gateway said why
                }
                let Some(addr) = found.into_iter().find(|a| a.is_ipv4() == want_v4) else {
                    let family = if want_v4 { "IPv4" } else { "IPv6" };
                    self.report(
                        Diagnostic::error(
                            "next-hop-unreachable",
                            format!(
                                "`{}` has no {family} address on a subnet it shares with `{node}`",
                                hop.text
                            ),
                        )
                        .at(hop_loc)
                        .label(format!("no {family} neighbour"))
                        .help(format!("give `{}` an {family} address on the subnet it shares with `{node}`, or route via an address", hop.text)),
                    );
                    return None;
                };
                addr
            }
        };
        if let Some(to) = to
            && to.addr().is_ipv4() != via.is_ipv4()
        {
            self.report(
                Diagnostic::error(
                    "invalid-route",
                    format!("the route to {to} goes via {via}, an address of the other family"),
                )
                .at(hop_loc)
                .help("IPv4 routes need an IPv4 next hop, IPv6 routes an IPv6 one"),
            );
            return None;
        }
        Some(via)
    }

    /// Whether `node` exists and can have routing configuration.
    fn routed_node(&mut self, node: &str, loc: Loc, what: &str) -> bool {
        match self.node_kind(node, loc.clone()) {
            Some(NodeKind::Switch) => {
                self.report(
                    Diagnostic::error("wrong-kind", format!("`{node}` is a switch; a switch has no {what}"))
                        .at(loc)
                        .label("a switch")
                        .help(format!(
                            "a switch only passes frames on; give {what} to the nodes cabled to it"
                        )),
                );
                false
            }
            Some(_) => true,
            None => false,
        }
    }

    /// Checks that `addr` is in a subnet `node` is directly on, and is not its own.
    fn on_link(&mut self, node: &str, addr: IpAddr, loc: Loc, what: &str) -> Option<IpAddr> {
        let n = &self.nodes[node];
        if n.addresses().any(|(_, a)| a.addr() == addr) {
            self.report(
                Diagnostic::error(
                    "gateway-unreachable",
                    format!("{addr} is `{node}`'s own address; it cannot be its own {what}"),
                )
                .at(loc)
                .label("its own address")
                .help(format!("name a neighbour's address on a subnet `{node}` is on")),
            );
            return None;
        }
        let on_link = n.addresses().any(|(i, a)| i.name != "lo" && a.contains(&addr));
        // A node that gets its address by DHCP is on-link wherever its segment is.
        let dhcp_link = self.dhcp_domain_contains(node, addr);
        if on_link || dhcp_link {
            return Some(addr);
        }
        let subnets: Vec<String> = n
            .addresses()
            .filter(|(i, a)| i.name != "lo" && a.addr().is_ipv4() == addr.is_ipv4())
            .map(|(i, a)| format!("{} on {}", a.trunc(), i.name))
            .collect();
        let code = if what == "next hop" { "next-hop-unreachable" } else { "gateway-unreachable" };
        let help = if subnets.is_empty() {
            format!("`{node}` has no {} address to reach it from", family(addr))
        } else {
            format!("`{node}` can only reach {what}s in its own subnets: {}", subnets.join(", "))
        };
        self.report(
            Diagnostic::error(code, format!("{what} {addr} is not in a subnet `{node}` is on"))
                .at(loc)
                .label("not directly reachable")
                .help(help),
        );
        None
    }

    /// Whether `addr` is in a subnet of a neighbour on a segment where `node` uses DHCP.
    fn dhcp_domain_contains(&self, node: &str, addr: IpAddr) -> bool {
        let domains = self.domains();
        self.nodes[node].interfaces.values().filter(|i| i.dhcp).any(|i| {
            let ep = Endpoint { node: node.to_string(), interface: i.name.clone() };
            domains.neighbours(&ep).any(|n| {
                self.nodes[&n.node].interfaces[&n.interface].addresses.iter().any(|a| a.contains(&addr))
            })
        })
    }

    /// The addresses (one per family) by which `node` reaches neighbour `other` on a
    /// shared segment: what "gateway: fw" or "via r2" means.
    fn neighbour_gateway(&mut self, node: &str, other: &str, loc: Loc) -> Vec<IpAddr> {
        if other == node {
            self.report(
                Diagnostic::error("gateway-unreachable", format!("`{node}` cannot be its own gateway"))
                    .at(loc)
                    .label("itself")
                    .help(format!("name the router on a subnet `{node}` is on")),
            );
            return Vec::new();
        }
        if self.node_kind(other, loc.clone()).is_none() {
            return Vec::new();
        }
        let mut found: Vec<IpAddr> = Vec::new();
        let domains = self.domains();
        for iface in self.nodes[node].interfaces.values() {
            let ep = Endpoint { node: node.to_string(), interface: iface.name.clone() };
            for n in domains.neighbours(&ep).filter(|n| n.node == other) {
                for theirs in &self.nodes[other].interfaces[&n.interface].addresses {
                    let ours_in_same_subnet = iface.addresses.iter().any(|a| a.contains(&theirs.addr()));
                    let ours_in_family =
                        iface.addresses.iter().any(|a| a.addr().is_ipv4() == theirs.addr().is_ipv4());
                    let usable =
                        ours_in_same_subnet || (!ours_in_family && iface.dhcp && theirs.addr().is_ipv4());
                    if usable && !found.iter().any(|f| f.is_ipv4() == theirs.addr().is_ipv4()) {
                        found.push(theirs.addr());
                    }
                }
            }
        }
        if found.is_empty() {
            self.report(
                Diagnostic::error("gateway-unreachable", format!("`{other}` shares no subnet with `{node}`"))
                    .at(loc)
                    .label("not a neighbour")
                    .help(format!("a gateway or next hop must be on a segment `{node}` is on, with an address in the same subnet")),
            );
        }
        found
    }

    pub(super) fn ospf(&mut self) {
        let file = self.file;
        let mut router_ids: HashMap<Ipv4Addr, (String, Loc)> = HashMap::new();
        for (node, wire) in &file.design.ospf {
            let at = path!["design", "ospf", node];
            let Some(kind) = self.node_kind(node, Loc::key(at.clone())) else {
                continue;
            };
            if !kind.routes() {
                self.report(
                    Diagnostic::error(
                        "wrong-kind",
                        format!("`{node}` is a {kind}; asbuilt runs OSPF on routers and firewalls"),
                    )
                    .at(Loc::key(at))
                    .label(format!("a {kind}"))
                    .help(format!("change `{node}` to `kind: router`, or give it a gateway under `design.gateways` instead")),
                );
                continue;
            }
            let default_area = match &wire.area {
                Some(area) => match parse_area(area.as_str()) {
                    Some(a) => a,
                    None => {
                        self.bad_area(area.as_str(), path!["design", "ospf", node, "area"]);
                        continue;
                    }
                },
                None => Ipv4Addr::UNSPECIFIED,
            };
            if wire.areas.is_some() && (wire.area.is_some() || wire.interfaces.is_some()) {
                self.report(
                    Diagnostic::error(
                        "conflicting-keys",
                        format!("OSPF on `{node}` gives both `areas` and `area`/`interfaces`"),
                    )
                    .at(Loc::key(path!["design", "ospf", node, "areas"]))
                    .help("use `area` with `interfaces` for one area, or `areas` alone for several"),
                );
                continue;
            }
            let mut wanted: Vec<(String, Ipv4Addr, Loc)> = Vec::new();
            match (&wire.areas, &wire.interfaces) {
                (Some(areas), _) => {
                    for (area_text, ifaces) in areas {
                        let area_at = path!["design", "ospf", node, "areas", area_text];
                        let Some(area) = parse_area(area_text) else {
                            self.report(
                                Diagnostic::error(
                                    "invalid-area",
                                    format!("`{area_text}` is not an OSPF area"),
                                )
                                .at(Loc::key(area_at))
                                .help("write an area as a number (`0`) or dotted (`0.0.0.1`)"),
                            );
                            continue;
                        };
                        for (i, iface) in ifaces.iter().enumerate() {
                            let mut p = area_at.clone();
                            p.push(i.into());
                            wanted.push((iface.clone(), area, Loc::value(p)));
                        }
                    }
                }
                (None, Some(ifaces)) => {
                    for (i, iface) in ifaces.iter().enumerate() {
                        wanted.push((
                            iface.clone(),
                            default_area,
                            Loc::value(path!["design", "ospf", node, "interfaces", i]),
                        ));
                    }
                }
                (None, None) => {
                    // Every interface with an address, as "network ... area 0" for all
                    // (OSPFv3 on those with an IPv6 one).
                    for iface in self.nodes[node].interfaces.values() {
                        if has_routed_address(iface, true) || has_routed_address(iface, false) {
                            wanted.push((iface.name.clone(), default_area, Loc::key(at.clone())));
                        }
                    }
                }
            }
            for (i, passive) in wire.passive.iter().enumerate() {
                if !wanted.iter().any(|(name, _, _)| name == passive) {
                    wanted.push((
                        passive.clone(),
                        default_area,
                        Loc::value(path!["design", "ospf", node, "passive", i]),
                    ));
                }
            }
            let mut interfaces = Vec::new();
            for (name, area, loc) in wanted {
                let ep = Endpoint { node: node.clone(), interface: name.clone() };
                let Some(iface) = self.nodes[node].interfaces.get(&name) else {
                    let diag = self.unknown_interface(&ep, loc);
                    self.report(diag);
                    continue;
                };
                if !has_routed_address(iface, true) && !has_routed_address(iface, false) {
                    self.report(
                        Diagnostic::error(
                            "ospf-no-address",
                            format!("OSPF runs on `{ep}`, which has no address"),
                        )
                        .at(loc)
                        .label("no address")
                        .help(format!(
                            "give `{ep}` an address under `design.addresses`, or leave it out of OSPF"
                        )),
                    );
                    continue;
                }
                if interfaces.iter().any(|i: &OspfInterface| i.name == name) {
                    self.report(
                        Diagnostic::error("duplicate-interface", format!("`{ep}` is listed twice in OSPF"))
                            .at(loc)
                            .help("list each interface once, in one area"),
                    );
                    continue;
                }
                interfaces.push(OspfInterface {
                    name: name.clone(),
                    area,
                    passive: wire.passive.contains(&name),
                    cost: None,
                    network: None,
                    priority: None,
                });
            }
            let redistribute = self.redistribute(node, &wire.redistribute);
            let router_id = match &wire.router_id {
                Some(text) => match text.parse::<Ipv4Addr>() {
                    Ok(id) => Some(id),
                    Err(_) => {
                        self.report(
                            Diagnostic::error("invalid-value", format!("`{text}` is not a router ID"))
                                .at(Loc::value(path!["design", "ospf", node, "router-id"]))
                                .help("a router ID is written like an IPv4 address: `1.1.1.1`"),
                        );
                        None
                    }
                },
                None => self.default_router_id(node),
            };
            let Some(router_id) = router_id else {
                if wire.router_id.is_none() {
                    self.report(
                        Diagnostic::error(
                            "ospf-no-address",
                            format!("`{node}` has no IPv4 address to take an OSPF router ID from"),
                        )
                        .at(Loc::key(path!["design", "ospf", node]))
                        .help("give it an IPv4 address, or a `router-id` (OSPFv3 also names routers with an IPv4-style ID)"),
                    );
                }
                continue;
            };
            let id_loc = Loc::key(path!["design", "ospf", node]);
            if let Some((other, other_loc)) = router_ids.get(&router_id) {
                let (other, other_loc) = (other.clone(), other_loc.clone());
                self.report(
                    Diagnostic::error("duplicate-router-id", format!("`{node}` and `{other}` have the same OSPF router ID {router_id}"))
                        .at(id_loc.clone())
                        .related(other_loc, "the same router ID")
                        .help("every OSPF router needs its own router ID; set `router-id` or give them distinct loopbacks"),
                );
            }
            router_ids.insert(router_id, (node.clone(), id_loc));
            let router_id_stated = wire.router_id.is_some();
            self.nodes[node].ospf = Some(Ospf {
                router_id,
                router_id_stated,
                interfaces,
                redistribute,
                special_areas: Vec::new(),
            });
        }
    }

    fn redistribute(&mut self, node: &str, words: &[String]) -> Vec<Redistribute> {
        let mut out = Vec::new();
        for (i, word) in words.iter().enumerate() {
            let r = match word.as_str() {
                "connected" => Redistribute::Connected,
                "static" => Redistribute::Static,
                "default" => Redistribute::Default,
                _ => {
                    self.report(
                        Diagnostic::error("invalid-value", format!("OSPF cannot redistribute `{word}`"))
                            .at(Loc::value(path!["design", "ospf", node, "redistribute", i]))
                            .help(
                                did_you_mean(word, ["connected", "static", "default"])
                                    .unwrap_or_else(|| "use `connected`, `static` or `default`".into()),
                            ),
                    );
                    continue;
                }
            };
            out.push(r);
        }
        out
    }

    /// The loopback's address, else the highest IPv4 address: FRR's own rule, made
    /// explicit so that checks know the ID in advance.
    pub(super) fn default_router_id(&self, node: &str) -> Option<Ipv4Addr> {
        let n = &self.nodes[node];
        let v4 = |a: &IpNet| match a.addr() {
            IpAddr::V4(v4) => Some(v4),
            IpAddr::V6(_) => None,
        };
        let lo = n.interfaces.get("lo").and_then(|lo| lo.addresses.iter().filter_map(v4).max());
        lo.or_else(|| n.addresses().filter_map(|(_, a)| v4(a)).max())
    }

    fn bad_area(&mut self, text: &str, at: Path) {
        self.report(
            Diagnostic::error("invalid-area", format!("`{text}` is not an OSPF area"))
                .at(Loc::value(at))
                .help("write an area as a number (`0`) or dotted (`0.0.0.1`)"),
        );
    }
}

/// `0`, `51`, `0.0.0.1`.
pub(super) fn parse_area(text: &str) -> Option<Ipv4Addr> {
    text.parse::<u32>().ok().map(Ipv4Addr::from).or_else(|| text.parse::<Ipv4Addr>().ok())
}

fn family(addr: IpAddr) -> &'static str {
    if addr.is_ipv4() { "IPv4" } else { "IPv6" }
}

/// The default route of a next hop's family.
fn default_route(via: IpAddr) -> IpNet {
    match via {
        IpAddr::V4(_) => "0.0.0.0/0".parse().expect("literal"),
        IpAddr::V6(_) => "::/0".parse().expect("literal"),
    }
}
