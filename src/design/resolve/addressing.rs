//! Interface addresses: the ones the teacher wrote, the ones drawn from the addressing
//! pools for subnets the teacher left empty, and the checks that every broadcast domain
//! is one subnet with no address used twice.

use std::collections::HashMap;
use std::net::IpAddr;

use ipnet::{IpNet, Ipv4Net};

use super::Resolver;
use crate::design::domains::Domains;
use crate::design::model::{Endpoint, Interface, VlanTag};
use crate::design::syntax::{self, Invalid};
use crate::diagnostic::{Diagnostic, Loc};
use crate::kind::NodeKind;
use crate::path;
use crate::topology::wire::PoolWire;

impl Resolver<'_> {
    pub(super) fn addresses(&mut self) {
        let file = self.file;
        for (key, values) in &file.design.addresses {
            let at = path!["design", "addresses", key];
            let Some(endpoint) = self.addressable_interface(key, Loc::key(at.clone())) else {
                continue;
            };
            for (i, value) in values.iter().enumerate() {
                let mut value_at = at.clone();
                value_at.push(i.into());
                let loc = Loc::value(value_at);
                if value == "dhcp" {
                    if endpoint.interface == "lo" {
                        self.report(
                            Diagnostic::error("invalid-address", "the loopback cannot use DHCP")
                                .at(loc)
                                .help("give `lo` a fixed address such as `10.255.0.1/32`; DHCP is for cabled interfaces"),
                        );
                        continue;
                    }
                    self.iface_mut(&endpoint).dhcp = true;
                    continue;
                }
                let net = match syntax::address_with_prefix(value)
                    .and_then(|net| usable_host_address(&net).map(|()| net))
                {
                    Ok(net) => net,
                    Err(invalid) => {
                        self.report(
                            Diagnostic::error("invalid-address", invalid.message)
                                .at(loc)
                                .label("not a usable address")
                                .help(invalid.help),
                        );
                        continue;
                    }
                };
                if self.iface_mut(&endpoint).addresses.contains(&net) {
                    self.report(
                        Diagnostic::error(
                            "duplicate-address",
                            format!("`{net}` is given twice for `{endpoint}`"),
                        )
                        .at(loc)
                        .help("list each address of an interface once"),
                    );
                    continue;
                }
                self.iface_mut(&endpoint).addresses.push(net);
                self.address_at.push((endpoint.clone(), net, loc));
            }
        }
    }

    /// The interface an `addresses` key names, creating the loopback and VLAN
    /// subinterfaces on first use.
    fn addressable_interface(&mut self, key: &str, loc: Loc) -> Option<Endpoint> {
        let (node, iface) = match syntax::endpoint(key) {
            Ok(parts) => parts,
            Err(message) => {
                self.report(
                    Diagnostic::error("invalid-endpoint", message)
                        .at(loc)
                        .label("expected node:interface")
                        .help("write an interface as `node:interface`, for example `r1:eth1`"),
                );
                return None;
            }
        };
        let kind = self.node_kind(node, loc.clone())?;
        if kind == NodeKind::Switch {
            self.report(
                Diagnostic::error(
                    "wrong-kind",
                    format!("`{node}` is a switch; switch ports have no addresses"),
                )
                .at(loc)
                .label("a switch port")
                .help("give the address to the router or host at the other end of the cable"),
            );
            return None;
        }
        let endpoint = Endpoint { node: node.to_string(), interface: iface.to_string() };
        if self.nodes[node].interfaces.contains_key(iface) {
            return Some(endpoint);
        }
        let created = if iface == "lo" {
            Some(Interface {
                name: "lo".into(),
                segment: None,
                vlan: None,
                addresses: Vec::new(),
                dhcp: false,
            })
        } else if let Some((parent, id)) = iface.split_once('.') {
            let parent_iface = self.nodes[node].interfaces.get(parent).filter(|p| p.vlan.is_none()).cloned();
            match (parent_iface, id.parse::<u16>()) {
                (Some(parent_iface), Ok(id)) if (1..=4094).contains(&id) && iface.len() <= 15 => {
                    Some(Interface {
                        name: iface.to_string(),
                        segment: parent_iface.segment.clone(),
                        vlan: Some(VlanTag { parent: parent.to_string(), id }),
                        addresses: Vec::new(),
                        dhcp: false,
                    })
                }
                (Some(_), _) => {
                    self.report(
                        Diagnostic::error("invalid-vlan", format!("`{iface}` is not a VLAN subinterface of `{parent}`"))
                            .at(loc)
                            .help("a VLAN subinterface is the cabled interface, a dot and a VLAN from 1 to 4094: `eth1.10`"),
                    );
                    return None;
                }
                (None, _) => None,
            }
        } else {
            None
        };
        match created {
            Some(interface) => {
                if iface != "lo" && !self.room_for_interface(node, &loc) {
                    return None;
                }
                self.nodes[node].interfaces.insert(iface.to_string(), interface);
                Some(endpoint)
            }
            None => {
                let diag = self.unknown_interface(&endpoint, loc);
                self.report(diag);
                None
            }
        }
    }

    fn iface_mut(&mut self, endpoint: &Endpoint) -> &mut Interface {
        self.nodes[&endpoint.node].interfaces.get_mut(&endpoint.interface).expect("interface was resolved")
    }

    /// Gives every broadcast domain that has no address of a family a subnet from that
    /// family's pools, and every router and firewall a loopback, as netlab does: IPv4
    /// from `lan`, `p2p` and `loopback`, IPv6 from `lan6`, `p2p6` and `loopback6`.
    pub(super) fn auto_addressing(&mut self) {
        let Some(wire) = &self.file.addressing else {
            return;
        };
        let v4 = [
            (wire.lan.as_ref(), "lan", 24),
            (wire.p2p.as_ref(), "p2p", 30),
            (wire.loopback.as_ref(), "loopback", 32),
        ];
        let v6 = [
            (wire.lan6.as_ref(), "lan6", 64),
            (wire.p2p6.as_ref(), "p2p6", 64),
            (wire.loopback6.as_ref(), "loopback6", 128),
        ];
        for (family, keys) in [(Family::V4, v4), (Family::V6, v6)] {
            let [lan, p2p, loopback] = keys.map(|(wire, which, prefix)| {
                self.pool(wire, which, family, prefix).map(|(net, prefix)| Pool { net, prefix, which })
            });
            self.draw_addresses(family, lan, p2p, loopback);
        }
    }

    fn draw_addresses(
        &mut self,
        family: Family,
        lan: Option<Pool>,
        p2p: Option<Pool>,
        loopback: Option<Pool>,
    ) {
        let mut taken: Vec<IpNet> = self.address_at.iter().map(|(_, net, _)| net.trunc()).collect();
        let domains = Domains::compute(&self.nodes, &self.segments);
        for domain in &domains.list {
            let has_family = domain.members.iter().any(|ep| {
                let iface = &self.nodes[&ep.node].interfaces[&ep.interface];
                iface.addresses.iter().any(|a| family.has(a))
            });
            if has_family {
                continue;
            }
            // A cable between two routers is a transit link; anything with hosts on it is a
            // LAN, even with one host, because hosts are what LANs are for.
            let transit =
                domain.members.len() == 2 && domain.members.iter().all(|m| self.nodes[&m.node].kind.routes());
            let pool = match (transit, &p2p, &lan) {
                (true, Some(p), _) => p,
                (_, _, Some(l)) => l,
                (_, _, None) => continue,
            };
            let mut members = domain.members.clone();
            members.sort_by_key(|ep| {
                (address_rank(self.nodes[&ep.node].kind), self.nodes.get_index_of(&ep.node))
            });
            let Some(subnet) = next_free(pool.net, pool.prefix, &taken) else {
                self.pool_exhausted(pool.which);
                return;
            };
            taken.push(subnet);
            let loc = Loc::value(path!["addressing", pool.which, "pool"]);
            let mut hosts = usable_hosts(subnet);
            for ep in members {
                // DHCP hands out IPv4 addresses; an IPv6 address is drawn as for others.
                if family == Family::V4 && self.nodes[&ep.node].interfaces[&ep.interface].dhcp {
                    continue;
                }
                let Some(host) = hosts.next() else {
                    self.pool_exhausted(pool.which);
                    return;
                };
                let net = IpNet::new(host, subnet.prefix_len()).expect("prefix from the pool");
                self.iface_mut(&ep).addresses.push(net);
                self.address_at.push((ep, net, loc.clone()));
            }
        }
        if let Some(pool) = loopback {
            let routers: Vec<String> =
                self.nodes.values().filter(|n| n.kind.routes()).map(|n| n.name.clone()).collect();
            for name in routers {
                let has = self.nodes[&name]
                    .interfaces
                    .get("lo")
                    .is_some_and(|lo| lo.addresses.iter().any(|a| family.has(a)));
                if has {
                    continue;
                }
                // Loopbacks are single addresses: take the pool's usable hosts in turn, so the
                // first router gets .1 rather than the pool's network address.
                let free = usable_hosts(pool.net)
                    .map(|h| IpNet::new(h, pool.prefix).expect("prefix checked"))
                    .find(|candidate| !taken.iter().any(|t| t.contains(candidate) || candidate.contains(t)));
                let Some(net) = free else {
                    self.pool_exhausted(pool.which);
                    return;
                };
                taken.push(net.trunc());
                let lo = self.nodes[&name].interfaces.entry("lo".into()).or_insert_with(|| Interface {
                    name: "lo".into(),
                    segment: None,
                    vlan: None,
                    addresses: Vec::new(),
                    dhcp: false,
                });
                lo.addresses.push(net);
                let ep = Endpoint { node: name.clone(), interface: "lo".into() };
                self.address_at.push((ep, net, Loc::value(path!["addressing", pool.which, "pool"])));
            }
        }
    }

    /// A pool of `family` and its prefix length, or an error at its place.
    fn pool(
        &mut self,
        wire: Option<&PoolWire>,
        which: &str,
        family: Family,
        default_prefix: u8,
    ) -> Option<(IpNet, u8)> {
        let wire = wire?;
        let at = path!["addressing", which];
        let pool = match syntax::subnet(&wire.pool) {
            Ok(net) if family.has(&net) => net,
            Ok(_) => {
                let (other, key) = match family {
                    Family::V4 => ("IPv6", which.to_string() + "6"),
                    Family::V6 => ("IPv4", which.trim_end_matches('6').to_string()),
                };
                self.report(
                    Diagnostic::error(
                        "invalid-pool",
                        format!("`{which}` is a pool of {} subnets", family.name()),
                    )
                    .at(Loc::value(path!["addressing", which, "pool"]))
                    .help(format!("put an {other} pool under `{key}`")),
                );
                return None;
            }
            Err(invalid) => {
                self.report(
                    Diagnostic::error("invalid-pool", invalid.message)
                        .at(Loc::value(path!["addressing", which, "pool"]))
                        .help(invalid.help),
                );
                return None;
            }
        };
        let prefix = wire.prefix.unwrap_or(default_prefix);
        let max = family.bits();
        if prefix < pool.prefix_len() || prefix > max {
            self.report(
                Diagnostic::error(
                    "invalid-pool",
                    format!("a pool of /{} cannot give /{prefix} subnets", pool.prefix_len()),
                )
                .at(Loc::value(if wire.prefix.is_some() { path!["addressing", which, "prefix"] } else { at }))
                .help(format!("use a prefix length from {} to {max}", pool.prefix_len())),
            );
            return None;
        }
        Some((pool, prefix))
    }

    fn pool_exhausted(&mut self, which: &str) {
        self.report(
            Diagnostic::error(
                "pool-exhausted",
                format!("the `{which}` pool has too few free subnets for this lab"),
            )
            .at(Loc::value(path!["addressing", which, "pool"]))
            .help("use a larger pool, or a longer prefix for each subnet"),
        );
    }

    /// Every broadcast domain is one subnet per address family, and no address is used
    /// twice where it would clash.
    pub(super) fn check_subnets(&mut self) {
        let mut first_in_domain: HashMap<(usize, bool), (IpNet, Loc)> = HashMap::new();
        let mut first_use: HashMap<IpAddr, (Endpoint, Loc, Option<usize>)> = HashMap::new();
        let entries = self.address_at.clone();
        for (ep, net, loc) in entries {
            let domain = self.domains().index_of(&ep);
            if let Some(d) = domain {
                let family = net.addr().is_ipv4();
                match first_in_domain.get(&(d, family)) {
                    None => {
                        first_in_domain.insert((d, family), (net, loc.clone()));
                    }
                    Some((first, first_loc)) if first.trunc() != net.trunc() => {
                        let (first, first_loc) = (*first, first_loc.clone());
                        self.report(
                            Diagnostic::error(
                                "mixed-subnets",
                                format!("`{ep}` has `{net}`, in subnet {}, but its network segment uses {}", net.trunc(), first.trunc()),
                            )
                            .at(loc.clone())
                            .label(format!("in {}", net.trunc()))
                            .related(first_loc, format!("this sets the segment's subnet to {}", first.trunc()))
                            .help("every interface on one segment needs an address in the same subnet, with the same prefix length"),
                        );
                    }
                    Some(_) => {}
                }
            }
            match first_use.get(&net.addr()) {
                None => {
                    first_use.insert(net.addr(), (ep, loc, domain));
                }
                Some((first_ep, first_loc, first_domain)) => {
                    let clash = domain.is_some() && domain == *first_domain
                        || ep.interface == "lo"
                        || first_ep.interface == "lo";
                    let (first_ep, first_loc) = (first_ep.clone(), first_loc.clone());
                    let diag = if clash {
                        Diagnostic::error(
                            "duplicate-address",
                            format!("`{}` is used by both `{first_ep}` and `{ep}`", net.addr()),
                        )
                        .help("every interface needs its own address")
                    } else {
                        Diagnostic::warning(
                            "duplicate-address",
                            format!("`{}` is used by both `{first_ep}` and `{ep}`, in different segments", net.addr()),
                        )
                        .help("legal behind NAT, but it confuses routing and students; use distinct subnets unless that is the lesson")
                    };
                    self.report(diag.at(loc).label("used again here").related(first_loc, "first used here"));
                }
            }
        }
    }
}

/// Routers and firewalls get the first addresses of a subnet, then servers, then hosts,
/// which is what students expect to find on a drawing.
fn address_rank(kind: NodeKind) -> u8 {
    match kind {
        NodeKind::Router | NodeKind::Firewall => 0,
        NodeKind::Server => 1,
        NodeKind::Custom => 2,
        NodeKind::Host | NodeKind::Switch => 3,
    }
}

/// The first subnet of `pool` with the given prefix that overlaps nothing taken.
fn next_free(pool: IpNet, prefix: u8, taken: &[IpNet]) -> Option<IpNet> {
    pool.subnets(prefix)
        .ok()?
        .find(|candidate| !taken.iter().any(|t| t.contains(candidate) || candidate.contains(t)))
}

/// The addresses of a subnet an interface may have, lowest first: IPv4 without network
/// and broadcast address, IPv6 without the subnet-router address (`::`).
fn usable_hosts(subnet: IpNet) -> Box<dyn Iterator<Item = IpAddr>> {
    match subnet {
        IpNet::V4(v4) => Box::new(v4.hosts().map(IpAddr::V4)),
        IpNet::V6(v6) if v6.prefix_len() < 127 => Box::new(v6.hosts().skip(1).map(IpAddr::V6)),
        IpNet::V6(v6) => Box::new(v6.hosts().map(IpAddr::V6)),
    }
}

/// A pool of subnets and the prefix length of each subnet drawn from it.
struct Pool {
    net: IpNet,
    prefix: u8,
    which: &'static str,
}

/// An address family.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Family {
    V4,
    V6,
}

impl Family {
    fn has(self, net: &IpNet) -> bool {
        net.addr().is_ipv4() == (self == Family::V4)
    }

    fn bits(self) -> u8 {
        match self {
            Family::V4 => 32,
            Family::V6 => 128,
        }
    }

    fn name(self) -> &'static str {
        match self {
            Family::V4 => "IPv4",
            Family::V6 => "IPv6",
        }
    }
}

/// Rejects addresses no interface can have: the subnet's own network or broadcast
/// address, loopback, multicast, unspecified.
fn usable_host_address(net: &IpNet) -> Result<(), Invalid> {
    let addr = net.addr();
    if addr.is_loopback() || addr.is_multicast() || addr.is_unspecified() {
        return Err(Invalid::new(
            format!("`{net}` is a loopback, multicast or unspecified address, which an interface cannot use"),
            "give the interface an address of its subnet, such as `192.168.1.10/24`",
        ));
    }
    if let IpNet::V4(v4) = net
        && v4.prefix_len() <= 30
    {
        let role = if v4.addr() == v4.network() {
            "network"
        } else if v4.addr() == v4.broadcast() {
            "broadcast"
        } else {
            return Ok(());
        };
        return Err(Invalid::new(
            format!("`{net}` is the {role} address of {}", v4.trunc()),
            format!("use an address from {} to {}", first_host(v4), last_host(v4)),
        ));
    }
    Ok(())
}

fn first_host(net: &Ipv4Net) -> std::net::Ipv4Addr {
    net.hosts().next().unwrap_or(net.network())
}

fn last_host(net: &Ipv4Net) -> std::net::Ipv4Addr {
    net.hosts().last().unwrap_or(net.broadcast())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn network_and_broadcast_addresses_are_not_usable() {
        let net: IpNet = "192.168.1.0/24".parse().unwrap();
        assert!(usable_host_address(&net).unwrap_err().message.contains("network address"));
        let net: IpNet = "192.168.1.255/24".parse().unwrap();
        assert!(usable_host_address(&net).unwrap_err().help.contains("192.168.1.1 to 192.168.1.254"));
        assert!(usable_host_address(&"10.0.0.0/31".parse().unwrap()).is_ok());
        assert!(usable_host_address(&"127.0.0.1/8".parse().unwrap()).is_err());
    }

    #[test]
    fn free_subnets_skip_taken_ones() {
        let taken = vec!["10.0.0.0/30".parse().unwrap()];
        let next = next_free("10.0.0.0/24".parse().unwrap(), 30, &taken).unwrap();
        assert_eq!(next.to_string(), "10.0.0.4/30");
    }
}
