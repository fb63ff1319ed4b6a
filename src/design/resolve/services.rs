//! Services on servers: web (nginx), DNS and DHCP (dnsmasq), SSH (OpenSSH).

use std::collections::HashSet;
use std::net::{IpAddr, Ipv4Addr};

use ipnet::IpNet;

use super::Resolver;
use crate::design::model::{Dhcp, Dns, DnsRecord, Endpoint, Http, Ssh, SshUser};
use crate::design::syntax;
use crate::diagnostic::{Diagnostic, Loc};
use crate::kind::NodeKind;
use crate::path;
use crate::topology::wire::{DhcpWire, DnsWire, ServicesWire, SshWire};

impl Resolver<'_> {
    pub(super) fn services(&mut self) {
        let file = self.file;
        for (node, wire) in &file.design.services {
            let at = path!["design", "services", node];
            let Some(kind) = self.node_kind(node, Loc::key(at.clone())) else {
                continue;
            };
            if !matches!(kind, NodeKind::Server) {
                self.report(
                    Diagnostic::error(
                        "wrong-kind",
                        format!("`{node}` is a {kind}; services run on nodes of kind `server`"),
                    )
                    .at(Loc::key(at))
                    .label(format!("a {kind}"))
                    .help(format!("change `{node}` to `kind: server`")),
                );
                continue;
            }
            self.resolve_services(node, wire);
        }
    }

    fn resolve_services(&mut self, node: &str, wire: &ServicesWire) {
        if let Some(http) = &wire.http {
            let content = http.content.clone().unwrap_or_else(|| format!("{node}\n"));
            self.nodes[node].services.http = Some(Http { port: http.port.unwrap_or(80), content });
        }
        if let Some(dns) = &wire.dns {
            self.nodes[node].services.dns = self.dns(node, dns);
        }
        if let Some(ssh) = &wire.ssh {
            self.nodes[node].services.ssh = self.ssh(node, ssh);
        }
        // DHCP last: its default DNS server is this node when it runs DNS.
        if let Some(dhcp) = &wire.dhcp {
            self.nodes[node].services.dhcp = self.dhcp(node, dhcp);
        }
    }

    fn dns(&mut self, node: &str, wire: &DnsWire) -> Option<Dns> {
        let at = path!["design", "services", node, "dns"];
        let domain = wire.domain.as_ref().map(|d| d.trim_end_matches('.').to_lowercase());
        if let Some(d) = &domain
            && !valid_dns_name(d)
        {
            self.report(
                Diagnostic::error("invalid-dns-name", format!("`{d}` is not a domain name"))
                    .at(Loc::value(path!["design", "services", node, "dns", "domain"]))
                    .help("write a domain as labels of letters, digits and dashes joined by dots: `jansen.local`"),
            );
        }
        let mut records = Vec::new();
        // The names in `records`, to find a name given twice without looking through all
        // of them each time (seconds, for a file of tens of thousands of records).
        let mut seen = HashSet::new();
        for (name, value) in &wire.records {
            let record_at = path!["design", "services", node, "dns", "records", name];
            let fqdn = match (&domain, name.contains('.')) {
                (Some(d), false) => format!("{}.{d}", name.to_lowercase()),
                _ => name.trim_end_matches('.').to_lowercase(),
            };
            if !valid_dns_name(&fqdn) {
                self.report(
                    Diagnostic::error("invalid-dns-name", format!("`{name}` is not a DNS name"))
                        .at(Loc::key(record_at))
                        .help("use letters, digits and dashes (`www`), or a full name with dots"),
                );
                continue;
            }
            if seen.contains(&fqdn) {
                self.report(
                    Diagnostic::error("duplicate-record", format!("`{fqdn}` is given twice"))
                        .at(Loc::key(record_at)),
                );
                continue;
            }
            let Some(address) = self.host_address(value, Loc::value(record_at), "a DNS record") else {
                continue;
            };
            seen.insert(fqdn.clone());
            records.push(DnsRecord { name: fqdn, address });
        }
        if records.is_empty() && wire.records.is_empty() {
            self.report(
                Diagnostic::warning("empty-service", format!("the DNS server on `{node}` has no records"))
                    .at(Loc::key(at))
                    .help("add `records: { www: web }` so there is something to look up"),
            );
        }
        Some(Dns { domain, records })
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
                    .at(range_loc),
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
                .at(range_loc.clone()),
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
                match self.host_address(text, loc.clone(), "a DHCP gateway")? {
                    IpAddr::V4(gw) if own4.contains(&gw) => Some(gw),
                    other => {
                        self.report(
                            Diagnostic::error(
                                "gateway-unreachable",
                                format!("gateway {other} is not in the DHCP subnet {subnet}"),
                            )
                            .at(loc)
                            .help("clients can only reach a gateway in their own subnet"),
                        );
                        return None;
                    }
                }
            }
            None => self.router_on_segment(&ep, own4.trunc().into()),
        };
        let dns = match &wire.dns {
            Some(list) => {
                let mut out = Vec::new();
                for (i, text) in list.iter().enumerate() {
                    let loc = Loc::value(path!["design", "services", node, "dhcp", "dns", i]);
                    out.extend(self.host_address(text, loc, "a DNS server"));
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
            if !valid_user_name(name) {
                self.report(
                    Diagnostic::error("invalid-name", format!("`{name}` is not a user name"))
                        .at(loc)
                        .help("use lowercase letters, digits, `-` and `_`, starting with a letter, at most 32 characters; `root` is not allowed"),
                );
                continue;
            }
            if password.is_empty() {
                self.report(
                    Diagnostic::error("invalid-value", format!("user `{name}` has an empty password"))
                        .at(loc),
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

fn valid_dns_name(name: &str) -> bool {
    name.len() <= 253
        && name.split('.').all(|label| {
            !label.is_empty()
                && label.len() <= 63
                && !label.starts_with('-')
                && !label.ends_with('-')
                && label.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
        })
}

fn valid_user_name(name: &str) -> bool {
    name != "root" && name.len() <= 32 && syntax::is_name(name)
}
