//! Warnings: designs that are legal but probably not what the teacher meant.

use std::net::IpAddr;

use super::Resolver;
use crate::design::model::{Endpoint, Text};
use crate::diagnostic::{Diagnostic, Loc};
use crate::kind::NodeKind;
use crate::path;

impl Resolver<'_> {
    pub(super) fn warnings(&mut self) {
        self.warn_unconnected();
        self.warn_missing_addresses();
        self.warn_ospf_neighbours();
        self.warn_zones();
        self.warn_translations();
        self.warn_literal_variant_addresses();
        self.warn_nothing_to_do();
    }

    fn warn_unconnected(&mut self) {
        let lonely: Vec<String> = self
            .nodes
            .values()
            .filter(|n| !n.interfaces.values().any(|i| i.segment.is_some()))
            .map(|n| n.name.clone())
            .collect();
        for name in lonely {
            self.report(
                Diagnostic::warning("unconnected-node", format!("node `{name}` is not cabled to anything"))
                    .at(Loc::key(path!["nodes", name]))
                    .help("cable it under `links` or `segments`, or remove it"),
            );
        }
    }

    fn warn_missing_addresses(&mut self) {
        let domains = self.domains().clone();
        let v4_subnets = domains
            .list
            .iter()
            .filter(|d| {
                d.members
                    .iter()
                    .any(|m| self.iface(m).addresses.iter().any(|a| a.addr().is_ipv4()) || self.iface(m).dhcp)
            })
            .count();
        let mut found = Vec::new();
        for domain in &domains.list {
            let addressed = domain.members.iter().any(|m| !self.iface(m).addresses.is_empty());
            let has_dhcp_server = domain.members.iter().any(|m| {
                self.nodes[&m.node].services.dhcp.as_ref().is_some_and(|d| d.interface == m.interface)
            });
            for member in &domain.members {
                let iface = self.iface(member);
                if addressed && iface.addresses.is_empty() && !iface.dhcp {
                    found.push(
                        Diagnostic::warning(
                            "no-address",
                            format!("`{member}` has no address, while its segment has"),
                        )
                        .at(Loc::key(path!["nodes", &member.node]))
                        .help(format!("give `{member}` an address under `design.addresses`, or `dhcp`")),
                    );
                }
                if iface.dhcp && !has_dhcp_server {
                    found.push(
                        Diagnostic::warning(
                            "no-dhcp-server",
                            format!(
                                "`{member}` uses DHCP, but no DHCP server in the design serves its segment"
                            ),
                        )
                        .at(Loc::key(path!["design", "addresses", member.to_string()]))
                        .help("add a `dhcp` service on a server on that segment, or give a fixed address"),
                    );
                }
            }
        }
        if v4_subnets > 1 {
            for node in self.nodes.values() {
                let end_device = matches!(node.kind, NodeKind::Host | NodeKind::Server);
                let static_v4 = node.addresses().any(|(i, a)| i.name != "lo" && a.addr().is_ipv4());
                let uses_dhcp = node.interfaces.values().any(|i| i.dhcp);
                if end_device
                    && static_v4
                    && !uses_dhcp
                    && !node.gateways.iter().any(IpAddr::is_ipv4)
                    && node.routes.is_empty()
                {
                    found.push(
                        Diagnostic::warning(
                            "no-gateway",
                            format!(
                                "`{}` has no default gateway, so it reaches only its own subnet",
                                node.name
                            ),
                        )
                        .at(Loc::key(path!["nodes", &node.name]))
                        .help(format!("add `{}: <router>` under `design.gateways`", node.name)),
                    );
                }
            }
        }
        for diag in found {
            self.report(diag);
        }
    }

    fn warn_ospf_neighbours(&mut self) {
        let domains = self.domains().clone();
        let mut found = Vec::new();
        for node in self.nodes.values() {
            let Some(ospf) = &node.ospf else { continue };
            for oi in ospf.interfaces.iter().filter(|i| !i.passive && i.name != "lo") {
                let ep = Endpoint { node: node.name.clone(), interface: oi.name.clone() };
                let peers: Vec<(&Endpoint, std::net::Ipv4Addr)> = domains
                    .neighbours(&ep)
                    .filter_map(|n| {
                        let area = self.nodes[&n.node]
                            .ospf
                            .as_ref()?
                            .interfaces
                            .iter()
                            .find(|i| i.name == n.interface)?
                            .area;
                        Some((n, area))
                    })
                    .collect();
                let at = Loc::key(path!["design", "ospf", &node.name]);
                if peers.is_empty() {
                    found.push(
                        Diagnostic::warning(
                            "ospf-no-neighbour",
                            format!("OSPF on `{ep}` faces no other OSPF router"),
                        )
                        .at(at)
                        .help(format!(
                            "add `passive: [{}]` so it announces the subnet without sending hellos to hosts",
                            oi.name
                        )),
                    );
                } else if let Some((peer, area)) = peers.iter().find(|(_, a)| *a != oi.area) {
                    found.push(
                        Diagnostic::warning("ospf-area-mismatch", format!("`{ep}` is in area {} but its neighbour `{peer}` is in area {area}; they will never become neighbours", oi.area))
                            .at(at)
                            .help("put both ends of a link in the same area"),
                    );
                }
            }
        }
        for diag in found {
            self.report(diag);
        }
    }

    fn warn_zones(&mut self) {
        let mut found = Vec::new();
        for node in self.nodes.values() {
            let Some(fw) = &node.firewall else { continue };
            let at = Loc::key(path!["design", "firewall", &node.name]);
            if fw.rules.is_empty() && fw.default == crate::design::model::Verdict::Drop {
                found.push(
                    Diagnostic::warning(
                        "firewall-drops-everything",
                        format!("`{}` has no rules, so it forwards nothing", node.name),
                    )
                    .at(at.clone())
                    .help(if node.nat.is_some() {
                        format!("add rules such as `allow lan -> wan`; for NAT without filtering, `default: accept` or a router with `design.nat.{}`", node.name)
                    } else {
                        "add rules such as `allow lan -> wan`, or `default: accept` to forward what no rule denies".to_string()
                    }),
                );
            }
            if fw.zones.is_empty() {
                continue;
            }
            for iface in node.interfaces.values().filter(|i| i.segment.is_some()) {
                if !fw.zones.values().any(|z| z.contains(&iface.name)) {
                    found.push(
                        Diagnostic::warning(
                            "interface-without-zone",
                            format!(
                                "`{}:{}` is in no zone, so zone rules never match its traffic",
                                node.name, iface.name
                            ),
                        )
                        .at(Loc::key(path!["design", "firewall", &node.name, "zones"]))
                        .help(format!("add `{}` to a zone, for example `lan: [{}]`", iface.name, iface.name)),
                    );
                }
            }
        }
        for diag in found {
            self.report(diag);
        }
    }

    fn warn_translations(&mut self) {
        let file = self.file;
        let task = self.task.clone();
        if file.task.is_none() {
            self.report(
                Diagnostic::warning("no-task", "the lab has no task text for students")
                    .at(Loc::key(path!["lab"]))
                    .help("add `task: { nl: ..., en: ... }` describing what to build"),
            );
        } else if let Some(missing) = missing_language(&task) {
            self.report(
                Diagnostic::warning("missing-translation", format!("the task has no {missing} text"))
                    .at(Loc::key(path!["task"]))
                    .help("students see the other language instead"),
            );
        }
    }

    fn warn_literal_variant_addresses(&mut self) {
        if self.variant_rules.is_empty() {
            return;
        }
        let task = self.task.clone();
        for (lang, text) in [("nl", &task.nl), ("en", &task.en)] {
            let Some(text) = text else { continue };
            for word in text.split(|c: char| !(c.is_ascii_hexdigit() || c == '.' || c == ':' || c == '/')) {
                // An address that ends a sentence ("... is 192.168.10.1.") is one too.
                let word =
                    if word.parse::<IpAddr>().is_ok() { word } else { word.trim_end_matches(['.', ':']) };
                let addr_text = word.split('/').next().unwrap_or(word);
                let Ok(addr) = addr_text.parse::<IpAddr>() else {
                    continue;
                };
                if self.variant_rules.iter().any(|r| r.subnet.contains(&addr)) {
                    let at = if self.file.task.as_ref().is_some_and(|t| t.default.is_some()) {
                        path!["task"]
                    } else {
                        path!["task", lang]
                    };
                    let help = match self.placeholder_for(addr, word.contains('/')) {
                        Some(p) => format!("write `{p}` instead, so each student reads their own address"),
                        None => "write a placeholder such as `{r1:eth1}`, `{net pc1:eth1}` or `{dhcp-range srv}` so each student reads their own address".into(),
                    };
                    self.report(
                        Diagnostic::warning(
                            "literal-variant-address",
                            format!("the task mentions {word}, which differs per student"),
                        )
                        .at(Loc::find(at, word.to_string()))
                        .help(help),
                    );
                }
            }
        }
    }

    /// The placeholder that stands for a literal address of the teacher's plan: an
    /// interface's address, a subnet (`with_prefix`), or the bounds of a DHCP range.
    fn placeholder_for(&self, addr: IpAddr, with_prefix: bool) -> Option<String> {
        for node in self.nodes.values() {
            if let Some(dhcp) = &node.services.dhcp
                && let IpAddr::V4(v4) = addr
            {
                if v4 == dhcp.first {
                    return Some(format!("{{dhcp-first {}}}", node.name));
                }
                if v4 == dhcp.last {
                    return Some(format!("{{dhcp-last {}}}", node.name));
                }
                if (dhcp.first..=dhcp.last).contains(&v4) {
                    return Some(format!("{{dhcp-range {}}}", node.name));
                }
            }
        }
        let (iface, net) = self
            .nodes
            .values()
            .flat_map(|n| n.interfaces.values().flat_map(move |i| i.addresses.iter().map(move |a| (n, i, a))))
            .find(|(_, _, a)| a.addr() == addr || with_prefix && a.trunc().addr() == addr)
            .map(|(n, i, a)| (format!("{}:{}", n.name, i.name), *a))?;
        Some(match (with_prefix, net.addr() == addr) {
            (true, true) => format!("{{cidr {iface}}}"),
            (true, false) => format!("{{net {iface}}}"),
            (false, _) => format!("{{{iface}}}"),
        })
    }

    fn warn_nothing_to_do(&mut self) {
        let student_parts = self.nodes.values().any(|n| !n.student_builds.is_empty());
        // A lab whose work is written (a rubric item) gives the student something to do
        // even when the network is finished.
        if !student_parts && self.faults.is_empty() && self.fault_pool.is_none() && self.rubric.is_empty() {
            self.report(
                Diagnostic::warning("nothing-to-do", "every part is prebuilt and nothing is broken, so the student has nothing to do")
                    .at(Loc::key(path!["nodes"]))
                    .help("mark what the student builds with `build: student` (or a list of parts), add `faults`, or a `rubric` for written work"),
            );
        }
    }

    fn iface(&self, ep: &Endpoint) -> &crate::design::model::Interface {
        &self.nodes[&ep.node].interfaces[&ep.interface]
    }
}

fn missing_language(text: &Text) -> Option<&'static str> {
    match (&text.nl, &text.en) {
        (Some(_), None) => Some("English"),
        (None, Some(_)) => Some("Dutch"),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use crate::design::Lab;
    use crate::topology::Source;

    fn office_with_task(task: &str) -> Lab {
        let yaml = format!(
            r#"
lab: t
title: T
trains: [B1-K2-W1]
task: {{ nl: "{task}", en: "{task}" }}
nodes:
  r1: {{ kind: router }}
  srv: {{ kind: server }}
  pc1: {{ kind: host, build: [addresses] }}
  sw1: {{ kind: switch }}
links:
  - r1:eth1 -- sw1:eth1
  - srv:eth1 -- sw1:eth2
  - pc1:eth1 -- sw1:eth3
design:
  addresses: {{ r1:eth1: 192.168.50.1/24, srv:eth1: 192.168.50.2/24, pc1:eth1: dhcp }}
  gateways: {{ srv: r1 }}
  services:
    srv:
      dhcp: {{ range: 192.168.50.100 - 192.168.50.199 }}
variants:
  192.168.50.0/24: 192.168.0.0/16
"#
        );
        Lab::load(&Source::new("office.yml", yaml)).unwrap()
    }

    fn helps(lab: &Lab) -> Vec<&str> {
        lab.warnings
            .iter()
            .filter(|w| w.code == "literal-variant-address")
            .map(|w| w.help.as_deref().unwrap())
            .collect()
    }

    #[test]
    fn a_literal_dhcp_range_in_the_task_warns_and_names_its_placeholders() {
        let lab = office_with_task("Deel 192.168.50.100 tot 192.168.50.199 uit, niet 192.168.50.150.");
        let helps = helps(&lab);
        assert_eq!(helps.len(), 6, "three addresses in two languages: {helps:?}");
        assert!(helps[0].contains("`{dhcp-first srv}`"), "{helps:?}");
        assert!(helps[1].contains("`{dhcp-last srv}`"), "{helps:?}");
        assert!(helps[2].contains("`{dhcp-range srv}`"), "{helps:?}");
    }

    #[test]
    fn a_literal_address_or_subnet_in_the_task_names_the_placeholder_for_it() {
        let lab = office_with_task("De router is 192.168.50.1 op 192.168.50.0/24.");
        let helps = helps(&lab);
        assert!(helps[0].contains("`{r1:eth1}`"), "{helps:?}");
        assert!(helps[1].contains("`{net r1:eth1}`"), "{helps:?}");
    }

    #[test]
    fn a_task_with_dhcp_placeholders_does_not_warn() {
        let lab = office_with_task("Deel {dhcp-range srv} uit, vanaf {dhcp-first srv} tot {dhcp-last srv}.");
        assert!(helps(&lab).is_empty(), "{:?}", lab.warnings);
    }
}

#[cfg(test)]
mod firewall_tests {
    use crate::design::Lab;
    use crate::topology::Source;

    #[test]
    fn a_firewall_that_drops_everything_is_told_how_to_let_traffic_through() {
        let yaml = r#"
lab: t
title: T
trains: [B1-K2-W1]
nodes:
  fw: { kind: firewall }
  pc1: { kind: host }
links:
  - fw:eth1 -- pc1:eth1
design:
  firewall:
    fw: { masquerade: eth1 }
"#;
        let lab = Lab::load(&Source::new("fw.yml", yaml)).unwrap();
        let warning = lab.warnings.iter().find(|w| w.code == "firewall-drops-everything").unwrap();
        let help = warning.help.as_deref().expect("a help line");
        assert!(help.contains("allow lan -> wan") && help.contains("design.nat.fw"), "{help}");
    }
}
