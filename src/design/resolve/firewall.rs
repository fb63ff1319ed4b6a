//! Firewall zones and rules. A firewall's NAT, which it may write beside its rules, is
//! resolved with every other NAT in `nat.rs`.

use std::net::IpAddr;

use indexmap::IndexMap;
use ipnet::IpNet;

use super::Resolver;
use crate::design::model::{Firewall, PortRange, Rule, Selector, Service, Verdict};
use crate::design::syntax::{self, Word, split_arrow, words};
use crate::diagnostic::{Diagnostic, Loc, did_you_mean};
use crate::kind::NodeKind;
use crate::path;
use crate::topology::locate::Path;

impl Resolver<'_> {
    pub(super) fn firewalls(&mut self) {
        let file = self.file;
        for (node, wire) in &file.design.firewall {
            let at = path!["design", "firewall", node];
            let Some(kind) = self.node_kind(node, Loc::key(at.clone())) else {
                continue;
            };
            if kind != NodeKind::Firewall {
                let only_nat = wire.zones.is_empty()
                    && wire.rules.is_empty()
                    && wire.default.is_none()
                    && wire.input.is_none();
                // A router that only translates is a design asbuilt supports; it is
                // written elsewhere, and the teacher should learn where.
                let help = if kind.routes() && only_nat {
                    format!(
                        "a {kind} does NAT without a firewall policy: move `masquerade` and `port-forwards` to `design.nat.{node}`"
                    )
                } else {
                    format!("change `{node}` to `kind: firewall`")
                };
                self.report(
                    Diagnostic::error(
                        "wrong-kind",
                        format!("`{node}` is a {kind}; firewall policy needs a node of kind `firewall`"),
                    )
                    .at(Loc::key(at))
                    .label(format!("a {kind}"))
                    .help(help),
                );
                continue;
            }
            let zones = self.zones(node, &wire.zones);
            let mut rules = Vec::new();
            for (i, text) in wire.rules.iter().enumerate() {
                if let Some(rule) =
                    self.rule(node, &zones, text, path!["design", "firewall", node, "rules", i])
                {
                    rules.push(rule);
                }
            }
            let default = self.verdict(
                wire.default.as_deref(),
                Verdict::Drop,
                path!["design", "firewall", node, "default"],
            );
            let input = self.verdict(
                wire.input.as_deref(),
                Verdict::Accept,
                path!["design", "firewall", node, "input"],
            );
            self.nodes[node].firewall = Some(Firewall { zones, rules, default, input });
        }
    }

    fn zones(
        &mut self,
        node: &str,
        wire: &IndexMap<String, crate::topology::de::OneOrMany<String>>,
    ) -> IndexMap<String, Vec<String>> {
        let mut zones: IndexMap<String, Vec<String>> = IndexMap::new();
        let mut zone_of: IndexMap<String, String> = IndexMap::new();
        for (zone, ifaces) in wire {
            let at = path!["design", "firewall", node, "zones", zone];
            if !syntax::is_name(zone) || zone == "any" || zone == "self" {
                self.report(
                    Diagnostic::error("invalid-name", format!("`{zone}` cannot be a zone name"))
                        .at(Loc::key(at.clone()))
                        .help("use lowercase letters and digits (`lan`, `dmz`, `wan`); `any` and `self` are taken"),
                );
                continue;
            }
            if self.file.nodes.contains_key(zone) {
                self.report(
                    Diagnostic::error(
                        "ambiguous-name",
                        format!("zone `{zone}` has the name of a node, so rules naming it are ambiguous"),
                    )
                    .at(Loc::key(at.clone()))
                    .help("rename the zone"),
                );
                continue;
            }
            let mut list = Vec::new();
            for (i, iface) in ifaces.iter().enumerate() {
                let mut p = at.clone();
                p.push(i.into());
                let loc = Loc::value(p);
                if !self.own_interface(node, iface, loc.clone()) {
                    continue;
                }
                if let Some(other) = zone_of.get(iface) {
                    self.report(
                        Diagnostic::error(
                            "interface-in-two-zones",
                            format!("`{node}:{iface}` is in zone `{other}` and in zone `{zone}`"),
                        )
                        .at(loc)
                        .help("an interface belongs to one zone"),
                    );
                    continue;
                }
                zone_of.insert(iface.clone(), zone.clone());
                list.push(iface.clone());
            }
            zones.insert(zone.clone(), list);
        }
        zones
    }

    fn verdict(&mut self, text: Option<&str>, default: Verdict, at: Path) -> Verdict {
        match text {
            None => default,
            Some("drop" | "deny") => Verdict::Drop,
            Some("accept" | "allow") => Verdict::Accept,
            Some(other) => {
                self.report(
                    Diagnostic::error("invalid-value", format!("`{other}` is not a firewall policy"))
                        .at(Loc::value(at))
                        .help("use `drop` or `accept`"),
                );
                default
            }
        }
    }

    /// `allow lan -> dmz tcp/80,443`. Also used for the rules of `block` faults.
    pub(super) fn rule(
        &mut self,
        node: &str,
        zones: &IndexMap<String, Vec<String>>,
        text: &str,
        at: Path,
    ) -> Option<Rule> {
        let syntax_help = "write a rule as `allow lan -> dmz tcp/80,443` or `deny any -> lan`";
        let all = words(text);
        let Some(first) = all.first() else {
            self.report(
                Diagnostic::error("invalid-rule", "the rule is empty").at(Loc::value(at)).help(syntax_help),
            );
            return None;
        };
        let verdict = match first.text {
            "allow" | "accept" => Verdict::Accept,
            "deny" | "drop" => Verdict::Drop,
            other => {
                self.report(
                    Diagnostic::error(
                        "invalid-rule",
                        format!("a rule starts with `allow` or `deny`, not `{other}`"),
                    )
                    .at(Loc::within(at, first.range.clone()))
                    .label("allow or deny?")
                    .help(syntax_help),
                );
                return None;
            }
        };
        let offset = first.range.end;
        let (from, rest) = match split_arrow(&text[offset..], "->") {
            Ok(sides) => sides,
            Err(err) => {
                self.report(
                    Diagnostic::error("invalid-rule", format!("`{text}` is not a rule: {}", err.message))
                        .at(Loc::within(at, err.range.start + offset..err.range.end + offset))
                        .help(syntax_help),
                );
                return None;
            }
        };
        let from = shift(from, offset);
        let rest = shift(rest, offset);
        let rest_words: Vec<Word<'_>> =
            words(rest.text).into_iter().map(|w| shift(w, rest.range.start)).collect();
        let (to, service) = match rest_words.as_slice() {
            [to] => (to.clone(), None),
            [to, service] => (to.clone(), Some(service.clone())),
            [_, _, extra, ..] => {
                self.report(
                    Diagnostic::error(
                        "invalid-rule",
                        "a rule has one service at the end; make one rule per service",
                    )
                    .at(Loc::within(at, extra.range.start..rest.range.end))
                    .label("extra words")
                    .help(syntax_help),
                );
                return None;
            }
            [] => return None,
        };
        let from_sel = self.selector(node, zones, &from, &at, true)?;
        let to_sel = self.selector(node, zones, &to, &at, false)?;
        let service = match service {
            None => Service::Any,
            Some(word) => match parse_service(word.text) {
                Ok(s) => s,
                Err(message) => {
                    self.report(
                        Diagnostic::error("invalid-rule", message)
                            .at(Loc::within(at, word.range))
                            .label("unknown service")
                            .help("use `any`, `icmp`, `tcp/80`, `udp/53`, `tcp/80,443`, `tcp/1000-2000`, or `http`, `https`, `ssh`, `dns`"),
                    );
                    return None;
                }
            },
        };
        Some(Rule { verdict, from: from_sel, to: to_sel, service, text: text.to_string() })
    }

    /// One side of a rule: `any`, `self`, a zone, a node, `node:interface`, an address
    /// or a subnet.
    fn selector(
        &mut self,
        node: &str,
        zones: &IndexMap<String, Vec<String>>,
        word: &Word<'_>,
        at: &Path,
        is_source: bool,
    ) -> Option<Selector> {
        let loc = Loc::within(at.clone(), word.range.clone());
        let text = word.text;
        if text == "any" {
            return Some(Selector::Any);
        }
        if text == "self" || text == node {
            if is_source {
                self.report(
                    Diagnostic::error(
                        "invalid-rule",
                        "rules are about traffic through or to the firewall, not from it",
                    )
                    .at(loc)
                    .help("traffic the firewall sends itself is always allowed"),
                );
                return None;
            }
            return Some(Selector::Local);
        }
        if let Some(ifaces) = zones.get(text) {
            return Some(Selector::Zone { name: text.to_string(), interfaces: ifaces.clone() });
        }
        if let Ok(net) = text.parse::<IpNet>() {
            return Some(Selector::Hosts { name: text.to_string(), nets: vec![net.trunc()] });
        }
        if let Ok(addr) = text.parse::<IpAddr>() {
            return Some(Selector::Hosts { name: text.to_string(), nets: vec![IpNet::from(addr)] });
        }
        let node_name = text.split(':').next().unwrap_or(text);
        if !self.file.nodes.contains_key(node_name) {
            let candidates: Vec<&str> =
                zones.keys().map(String::as_str).chain(self.file.nodes.keys().map(String::as_str)).collect();
            let zone_list: Vec<&str> = zones.keys().map(String::as_str).collect();
            let help = did_you_mean(text, candidates.iter().copied()).unwrap_or_else(|| {
                if zone_list.is_empty() {
                    format!("`{node}` has no zones; name a node, an address, a subnet or `any`")
                } else {
                    format!("the zones of `{node}` are: {}; a side can also be a node, an address, a subnet or `any`", zone_list.join(", "))
                }
            });
            self.report(
                Diagnostic::error(
                    "unknown-zone",
                    format!("`{text}` is neither a zone of `{node}` nor a node"),
                )
                .at(loc)
                .label("unknown zone or node")
                .help(help),
            );
            return None;
        }
        let nets: Vec<IpNet> = match self.host_ref(text, loc.clone())? {
            super::refs::HostRef::Node(n) => self.nodes[&n]
                .addresses()
                .filter(|(i, _)| i.name != "lo")
                .map(|(_, a)| IpNet::from(a.addr()))
                .collect(),
            super::refs::HostRef::Interface(ep) => self.nodes[&ep.node].interfaces[&ep.interface]
                .addresses
                .iter()
                .map(|a| IpNet::from(a.addr()))
                .collect(),
            super::refs::HostRef::Address(a) => vec![IpNet::from(a)],
        };
        if nets.is_empty() {
            self.report(
                Diagnostic::error("no-address", format!("`{text}` has no fixed address for a rule to match"))
                    .at(loc)
                    .help("a node that uses DHCP has no address in advance; name its zone or subnet instead"),
            );
            return None;
        }
        Some(Selector::Hosts { name: text.to_string(), nets })
    }
}

/// The word moved `by` bytes to the right: for words found in a slice of the input.
pub(super) fn shift(w: Word<'_>, by: usize) -> Word<'_> {
    Word { text: w.text, range: w.range.start + by..w.range.end + by }
}

/// `any`, `icmp`, `tcp`, `udp/53`, `tcp/80,443`, `tcp/1000-2000`, and the names of the
/// services a beginner knows.
pub(super) fn parse_service(text: &str) -> Result<Service, String> {
    let ports = |list: &str| -> Result<Vec<PortRange>, String> {
        Ok(syntax::port_list(list)?.into_iter().map(|(first, last)| PortRange { first, last }).collect())
    };
    let one = |p: u16| vec![PortRange { first: p, last: p }];
    Ok(match text {
        "any" => Service::Any,
        "icmp" | "ping" => Service::Icmp,
        "tcp" => Service::Tcp { ports: Vec::new() },
        "udp" => Service::Udp { ports: Vec::new() },
        "http" => Service::Tcp { ports: one(80) },
        "https" => Service::Tcp { ports: one(443) },
        "ssh" => Service::Tcp { ports: one(22) },
        "dns" => Service::Udp { ports: one(53) },
        _ => match text.split_once('/') {
            Some(("tcp", list)) => Service::Tcp { ports: ports(list)? },
            Some(("udp", list)) => Service::Udp { ports: ports(list)? },
            _ => return Err(format!("`{text}` is not a service")),
        },
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn services_read_as_teachers_write_them() {
        assert_eq!(
            parse_service("tcp/80,443").unwrap(),
            Service::Tcp {
                ports: vec![PortRange { first: 80, last: 80 }, PortRange { first: 443, last: 443 }]
            }
        );
        assert_eq!(
            parse_service("ssh").unwrap(),
            Service::Tcp { ports: vec![PortRange { first: 22, last: 22 }] }
        );
        assert_eq!(parse_service("ping").unwrap(), Service::Icmp);
        assert!(parse_service("tcp/http").is_err());
        assert!(parse_service("gopher").is_err());
    }
}
