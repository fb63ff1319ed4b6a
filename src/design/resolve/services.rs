//! Services: web (nginx, its sites in `web`), DNS and DHCP (dnsmasq), SSH (OpenSSH);
//! logging and SNMP are resolved in `monitoring`. A server runs them at boot; any other node kind but a
//! switch runs the ones its design gives it (a router that also serves a web page).

use std::net::{IpAddr, Ipv4Addr};

use ipnet::{IpNet, Ipv4Net};

use super::Resolver;
use super::refs::HostRef;
use crate::design::model::{Dhcp, Endpoint, Ssh, SshUser};
use crate::design::syntax;
use crate::diagnostic::{Diagnostic, Loc};
use crate::kind::NodeKind;
use crate::path;
use crate::topology::wire::{DhcpWire, ServicesWire, SshWire};

impl Resolver<'_> {
    pub(super) fn services(&mut self) {
        let file = self.file;
        for (node, wire) in &file.design.services {
            let at = path!["design", "services", node];
            let Some(kind) = self.node_kind(node, Loc::key(at.clone())) else {
                continue;
            };
            if kind == NodeKind::Switch {
                self.report(
                    Diagnostic::error(
                        "wrong-kind",
                        format!("`{node}` is a switch; a switch has no address to offer services on"),
                    )
                    .at(Loc::key(at))
                    .label("a switch")
                    .help("put the services on a server, host, router or firewall cabled to the switch"),
                );
                continue;
            }
            self.resolve_services(node, wire);
        }
    }

    fn resolve_services(&mut self, node: &str, wire: &ServicesWire) {
        if let Some(http) = &wire.http {
            self.nodes[node].services.http = self.http(node, http);
        }
        if let Some(dns) = &wire.dns {
            self.nodes[node].services.dns = self.dns(node, dns);
        }
        if let Some(ssh) = &wire.ssh {
            self.nodes[node].services.ssh = self.ssh(node, ssh);
        }
        if let Some(syslog) = &wire.syslog {
            self.nodes[node].services.syslog = Some(self.syslog_server(syslog));
        }
        if let Some(server) = &wire.logs_to {
            self.nodes[node].services.logs_to = self.logs_to(node, server);
        }
        if let Some(snmp) = &wire.snmp {
            self.nodes[node].services.snmp = self.snmp(node, snmp);
        }
        self.nodes[node].services.ntp = wire.ntp.is_some();
        if let Some(server) = &wire.time_from {
            self.nodes[node].services.time_from = self.time_from(node, server);
        }
        if let Some(backups) = &wire.backups {
            self.nodes[node].services.backups = self.backups(node, backups);
        }
        // DHCP last: its default DNS server is this node when it runs DNS.
        if let Some(dhcp) = &wire.dhcp {
            self.nodes[node].services.dhcp = self.dhcp(node, dhcp);
        }
        // Boot last of all: it must not turn off what the rest of the design runs.
        if let Some(boot) = &wire.boot {
            self.nodes[node].services.boot = self.boot(node, boot);
        }
    }

    fn dhcp(&mut self, node: &str, wire: &DhcpWire) -> Option<Dhcp> {
        let range_loc = Loc::value(path!["design", "services", node, "dhcp", "range"]);
        let range_help = "write the range as `192.168.10.100 - 192.168.10.199`";
        let Some((first, last)) = wire.range.split_once('-') else {
            self.report(
                Diagnostic::error(
                    "invalid-dhcp-range",
                    format!("`{}` is not a range of addresses", wire.range),
                )
                .at(range_loc)
                .help(range_help),
            );
            return None;
        };
        let (first, last) = match (first.trim().parse::<Ipv4Addr>(), last.trim().parse::<Ipv4Addr>()) {
            (Ok(a), Ok(b)) if a <= b => (a, b),
            (Ok(_), Ok(_)) => {
                self.report(
                    Diagnostic::error(
                        "invalid-dhcp-range",
                        "the range runs backwards: the first address is above the last",
                    )
                    .at(range_loc)
                    .help("write the lower address first: `192.168.10.100 - 192.168.10.199`"),
                );
                return None;
            }
            _ => {
                self.report(
                    Diagnostic::error(
                        "invalid-dhcp-range",
                        format!("`{}` is not a range of IPv4 addresses", wire.range),
                    )
                    .at(range_loc)
                    .help(range_help),
                );
                return None;
            }
        };
        // The server's interface in the range's subnet, or the one the teacher named.
        let candidates: Vec<(String, IpNet)> = self.nodes[node]
            .interfaces
            .values()
            .flat_map(|i| i.addresses.iter().map(move |a| (i.name.clone(), *a)))
            .filter(|(name, a)| {
                name != "lo" && a.contains(&IpAddr::V4(first)) && a.contains(&IpAddr::V4(last))
            })
            .collect();
        let chosen = match &wire.interface {
            Some(iface) => {
                let loc = Loc::value(path!["design", "services", node, "dhcp", "interface"]);
                if !self.nodes[node].interfaces.contains_key(iface) {
                    let ep = Endpoint { node: node.to_string(), interface: iface.clone() };
                    let diag = self.unknown_interface(&ep, loc);
                    self.report(diag);
                    return None;
                }
                candidates.into_iter().find(|(name, _)| name == iface)
            }
            None => candidates.into_iter().next(),
        };
        let Some((interface, own)) = chosen else {
            self.report(
                Diagnostic::error(
                    "dhcp-range-outside",
                    format!("the range {first} - {last} is not inside a subnet of `{node}`"),
                )
                .at(range_loc)
                .label("not on any of its subnets")
                .help("a DHCP server hands out addresses of a subnet it is on itself"),
            );
            return None;
        };
        let IpNet::V4(own4) = own else { return None };
        let subnet = own.trunc();
        if first == own4.network() || last == own4.broadcast() {
            self.report(
                Diagnostic::error(
                    "dhcp-range-outside",
                    format!("the range includes the network or broadcast address of {subnet}"),
                )
                .at(range_loc.clone())
                .help("start the range above the network address and end it below the broadcast address, e.g. `.100 - .199`"),
            );
        }
        let own_addr = own4.addr();
        if (first..=last).contains(&own_addr) {
            self.report(
                Diagnostic::error(
                    "dhcp-range-overlap",
                    format!("the range includes the server's own address {own_addr}"),
                )
                .at(range_loc.clone())
                .help("start the range above the addresses given to servers and routers"),
            );
        }
        let ep = Endpoint { node: node.to_string(), interface: interface.clone() };
        let gateway = match &wire.gateway {
            Some(text) => {
                let loc = Loc::value(path!["design", "services", node, "dhcp", "gateway"]);
                Some(self.dhcp_gateway(text, own4, loc)?)
            }
            None => self.router_on_segment(&ep, own4.trunc().into()),
        };
        let dns = match &wire.dns {
            Some(list) => {
                let mut out = Vec::new();
                for (i, text) in list.iter().enumerate() {
                    let loc = Loc::value(path!["design", "services", node, "dhcp", "dns", i]);
                    out.extend(self.dhcp_dns_server(text, own4, loc).map(IpAddr::V4));
                }
                out
            }
            None if self.nodes[node].services.dns.is_some() => vec![own_addr.into()],
            None => Vec::new(),
        };
        let lease_seconds = match &wire.lease {
            None => 3600,
            Some(text) => match syntax::duration_ms(text) {
                Ok(ms) if ms >= 120_000 => (ms / 1000) as u32,
                _ => {
                    self.report(
                        Diagnostic::error(
                            "invalid-value",
                            format!("`{text}` is not a lease time of at least two minutes"),
                        )
                        .at(Loc::value(path!["design", "services", node, "dhcp", "lease"]))
                        .help("write for example `1h` or `30m`"),
                    );
                    3600
                }
            },
        };
        Some(Dhcp { interface, subnet, first, last, gateway, dns, lease_seconds })
    }

    /// The gateway DHCP hands out: an address in the range's subnet, or the address a
    /// named node (or `node:interface`) has there. A node's first address is not
    /// enough: a router is on several subnets, and clients can only use its address on
    /// theirs.
    fn dhcp_gateway(&mut self, text: &str, subnet: Ipv4Net, loc: Loc) -> Option<Ipv4Addr> {
        let net = subnet.trunc();
        let (owner, candidates) = match self.host_ref(text, loc.clone())? {
            HostRef::Address(IpAddr::V4(gw)) if subnet.contains(&gw) => return Some(gw),
            HostRef::Address(other) => {
                self.report(
                    Diagnostic::error(
                        "gateway-unreachable",
                        format!("gateway {other} is not in the DHCP subnet {net}"),
                    )
                    .at(loc)
                    .label("not on the subnet")
                    .help(format!("clients can only reach a gateway in their own subnet: give an address in {net}, or name the router")),
                );
                return None;
            }
            HostRef::Node(name) => {
                let found = self.v4_in(&name, None, net);
                (name, found)
            }
            HostRef::Interface(ep) => {
                let found = self.v4_in(&ep.node, Some(&ep.interface), net);
                (ep.node, found)
            }
        };
        if let Some(gw) = candidates.first() {
            return Some(*gw);
        }
        let elsewhere: Vec<String> = self.nodes[&owner]
            .addresses()
            .filter(|(i, a)| i.name != "lo" && a.addr().is_ipv4())
            .map(|(i, a)| format!("{a} on {}", i.name))
            .collect();
        let on_subnet = self.v4_in(&owner, None, net);
        let help = if !on_subnet.is_empty() {
            format!("`{owner}` has {} in {net}: name it as `{owner}` alone", on_subnet[0])
        } else if elsewhere.is_empty() {
            format!("`{owner}` has no IPv4 address; give it one in {net} under `design.addresses`")
        } else {
            format!(
                "clients can only reach a gateway in their own subnet; `{owner}` has {}: give it an address in {net}, or name the router that has one",
                elsewhere.join(", ")
            )
        };
        self.report(
            Diagnostic::error(
                "gateway-unreachable",
                format!("`{text}` has no address in the DHCP subnet {net}"),
            )
            .at(loc)
            .label("not on the DHCP subnet")
            .help(help),
        );
        None
    }

    /// A DNS server DHCP hands out: an IPv4 address (DHCP for IPv4 carries no other).
    /// For a named node, its address on the range's subnet when it has one, as clients
    /// reach that without a router; else its own address, reached through the gateway.
    fn dhcp_dns_server(&mut self, text: &str, subnet: Ipv4Net, loc: Loc) -> Option<Ipv4Addr> {
        let net = subnet.trunc();
        let (owner, address) = match self.host_ref(text, loc.clone())? {
            HostRef::Address(IpAddr::V4(a)) => return Some(a),
            HostRef::Address(IpAddr::V6(a)) => {
                self.report(
                    Diagnostic::error(
                        "invalid-value",
                        format!("{a} is an IPv6 address; DHCP hands out IPv4 DNS servers"),
                    )
                    .at(loc)
                    .label("IPv6")
                    .help("give the DNS server's IPv4 address, or its name"),
                );
                return None;
            }
            HostRef::Node(name) => {
                let node = &self.nodes[&name];
                let primary = node.primary_address().and_then(|a| match a {
                    IpAddr::V4(v4) => Some(v4),
                    IpAddr::V6(_) => None,
                });
                let found = self.v4_in(&name, None, net).first().copied().or(primary);
                (name, found)
            }
            HostRef::Interface(ep) => {
                let found = self.nodes[&ep.node].interfaces[&ep.interface].addresses.iter().find_map(|a| {
                    match a.addr() {
                        IpAddr::V4(v4) => Some(v4),
                        IpAddr::V6(_) => None,
                    }
                });
                (ep.node, found)
            }
        };
        let Some(address) = address else {
            self.report(
                Diagnostic::error("no-address", format!("`{text}` has no fixed IPv4 address to hand out as DNS server"))
                    .at(loc)
                    .label("no IPv4 address in the design")
                    .help("give it an IPv4 address under `design.addresses` (a DHCP address is not known in advance)"),
            );
            return None;
        };
        let runs_dns = self.file.design.services.get(&owner).is_some_and(|s| s.dns.is_some());
        let kind = self.nodes[&owner].kind;
        if !runs_dns && kind != NodeKind::Custom {
            self.report(
                Diagnostic::warning(
                    "no-dns-server",
                    format!("`{owner}` runs no DNS server, so clients would ask it in vain"),
                )
                .at(loc)
                .help(format!("add `dns:` to the services of `{owner}`, or name the server that runs DNS")),
            );
        }
        Some(address)
    }

    /// The IPv4 addresses of `node` (on one interface, or any but the loopback) in `net`.
    fn v4_in(&self, node: &str, interface: Option<&str>, net: Ipv4Net) -> Vec<Ipv4Addr> {
        self.nodes[node]
            .interfaces
            .values()
            .filter(|i| interface.map_or(i.name != "lo", |name| i.name == name))
            .flat_map(|i| i.addresses.iter())
            .filter_map(|a| match a.addr() {
                IpAddr::V4(v4) if net.contains(&v4) => Some(v4),
                _ => None,
            })
            .collect()
    }

    /// The address of the one router or firewall in `subnet` on `ep`'s segment.
    fn router_on_segment(&self, ep: &Endpoint, subnet: IpNet) -> Option<Ipv4Addr> {
        let mut routers =
            self.domains().neighbours(ep).filter(|n| self.nodes[&n.node].kind.routes()).flat_map(|n| {
                self.nodes[&n.node].interfaces[&n.interface].addresses.iter().filter_map(|a| match a.addr() {
                    IpAddr::V4(v4) if subnet.contains(&a.addr()) => Some(v4),
                    _ => None,
                })
            });
        let first = routers.next();
        if routers.next().is_some() { None } else { first }
    }

    fn ssh(&mut self, node: &str, wire: &SshWire) -> Option<Ssh> {
        let mut users = Vec::new();
        for (name, password) in &wire.users {
            let loc = Loc::key(path!["design", "services", node, "ssh", "users", name]);
            if !self.user_name(name, loc.clone()) {
                continue;
            }
            if password.is_empty() {
                self.report(
                    Diagnostic::error("invalid-value", format!("user `{name}` has an empty password"))
                        .at(loc)
                        .help("give the user a password: `{ beheer: Welkom01 }`"),
                );
                continue;
            }
            users.push(SshUser { name: name.clone(), password: password.clone() });
        }
        if users.is_empty() && wire.users.is_empty() {
            self.report(
                Diagnostic::warning("empty-service", format!("the SSH server on `{node}` has no users"))
                    .at(Loc::key(path!["design", "services", node, "ssh"]))
                    .help("add `users: { beheer: Welkom01 }` so someone can log in"),
            );
        }
        Some(Ssh { port: wire.port.unwrap_or(22), users })
    }
}

#[cfg(test)]
mod tests {
    use std::net::IpAddr;

    use crate::design::Lab;
    use crate::design::resolve::codes;
    use crate::topology::Source;

    /// An office LAN whose DHCP server names the router and the name server by node;
    /// both are on a second subnet too, which comes first in their interface lists.
    fn office(dhcp: &str) -> Result<Lab, Vec<crate::diagnostic::Diagnostic>> {
        let yaml = format!(
            r#"
lab: t
title: T
trains: [B1-K2-W1]
nodes:
  r1: {{ kind: router }}
  ns: {{ kind: server }}
  srv: {{ kind: server }}
  pc1: {{ kind: host }}
  sw1: {{ kind: switch }}
links:
  - r1:eth1 -- ns:eth1
  - r1:eth3 -- sw1:eth1
  - srv:eth1 -- sw1:eth2
  - pc1:eth1 -- sw1:eth3
  - ns:eth2 -- sw1:eth4
design:
  addresses:
    r1:eth1: 10.0.5.1/24
    ns:eth1: 10.0.5.53/24
    r1:eth3: 192.168.50.1/24
    srv:eth1: 192.168.50.2/24
    ns:eth2: 192.168.50.53/24
    pc1:eth1: dhcp
  gateways: {{ srv: r1 }}
  services:
    ns:
      dns: {{ records: {{ www: ns }} }}
    srv:
      dhcp: {dhcp}
"#
        );
        Lab::load(&Source::new("office.yml", yaml))
    }

    #[test]
    fn a_dhcp_gateway_named_by_node_is_its_address_on_the_dhcp_subnet() {
        let lab = office("{ range: 192.168.50.100 - 192.168.50.199, gateway: r1 }").unwrap();
        let dhcp = lab.design_for(None).nodes["srv"].services.dhcp.clone().unwrap();
        assert_eq!(dhcp.gateway, Some("192.168.50.1".parse().unwrap()));
    }

    #[test]
    fn a_dhcp_gateway_interface_off_the_subnet_is_an_error() {
        let errors = office("{ range: 192.168.50.100 - 192.168.50.199, gateway: r1:eth1 }").unwrap_err();
        assert_eq!(codes(&errors), ["gateway-unreachable"]);
        assert!(errors[0].help.as_deref().unwrap().contains("name it as `r1` alone"), "{errors:?}");
    }

    #[test]
    fn a_dhcp_dns_server_named_by_node_is_its_address_on_the_dhcp_subnet() {
        let lab = office("{ range: 192.168.50.100 - 192.168.50.199, dns: ns }").unwrap();
        let dhcp = lab.design_for(None).nodes["srv"].services.dhcp.clone().unwrap();
        assert_eq!(dhcp.dns, vec!["192.168.50.53".parse::<IpAddr>().unwrap()]);
        assert!(lab.warnings.iter().all(|w| w.code != "no-dns-server"));
    }

    #[test]
    fn a_dhcp_dns_server_that_runs_no_dns_gets_a_warning_and_ipv6_an_error() {
        let lab = office("{ range: 192.168.50.100 - 192.168.50.199, dns: r1 }").unwrap();
        assert!(lab.warnings.iter().any(|w| w.code == "no-dns-server"), "{:?}", lab.warnings);
        let errors =
            office("{ range: 192.168.50.100 - 192.168.50.199, dns: [\"2001:db8::53\"] }").unwrap_err();
        assert_eq!(codes(&errors), ["invalid-value"]);
    }
}
