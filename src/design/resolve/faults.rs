//! Faults for troubleshooting labs: each names something the design has, and carries
//! exactly the values its kind needs.

use std::net::IpAddr;

use super::Resolver;
use crate::design::model::{Endpoint, Fault, FaultKind, FaultPool, Part, ServiceName};
use crate::design::syntax;
use crate::diagnostic::{Diagnostic, Loc, did_you_mean};
use crate::path;
use crate::topology::locate::Path;
use crate::topology::wire::{FaultPoolWire, FaultWire};

/// The fault keys, in the order the docs list them, with the value keys each needs.
const KINDS: [(&str, &[&str]); 10] = [
    ("shutdown", &[]),
    ("wrong-address", &["address"]),
    ("wrong-gateway", &["gateway"]),
    ("remove-route", &["to"]),
    ("block", &["rule"]),
    ("stop", &[]),
    ("link-down", &[]),
    ("loss", &["percent"]),
    ("delay", &["ms"]),
    ("ospf-passive", &[]),
];

impl Resolver<'_> {
    pub(super) fn faults(&mut self) {
        let file = self.file;
        for (i, wire) in file.faults.iter().enumerate() {
            let at = path!["faults", i];
            if let Some(kind) = self.fault(wire, &at) {
                self.faults.push(Fault { kind, note: wire.note.clone() });
            }
        }
        if let Some(pool) = &file.fault_pool {
            self.fault_pool(pool);
        }
    }

    /// A pool each student draws from: every fault valid on its own, and a draw that
    /// leaves students a choice to differ by.
    fn fault_pool(&mut self, wire: &FaultPoolWire) {
        let mut faults = Vec::new();
        for (i, fault) in wire.faults.iter().enumerate() {
            let at = path!["fault-pool", "faults", i];
            if let Some(kind) = self.fault(fault, &at) {
                faults.push(Fault { kind, note: fault.note.clone() });
            }
        }
        if wire.faults.is_empty() {
            self.report(
                Diagnostic::error("invalid-fault-pool", "the fault pool has no faults to draw from")
                    .at(Loc::value(path!["fault-pool", "faults"]))
                    .help("list two or more faults under `faults`, written as under the top-level `faults`"),
            );
            return;
        }
        let draw = wire.draw.unwrap_or(1);
        if draw < 1 || draw as usize > wire.faults.len() {
            self.report(
                Diagnostic::error(
                    "invalid-fault-pool",
                    format!("cannot draw {draw} of a pool of {} faults", wire.faults.len()),
                )
                .at(Loc::value(path!["fault-pool", "draw"]))
                .help(format!("draw from 1 to {} faults per student", wire.faults.len())),
            );
            return;
        }
        if draw as usize == wire.faults.len() {
            self.report(
                Diagnostic::warning(
                    "fault-pool-without-choice",
                    format!("every student draws all {draw} faults of the pool, so all get the same"),
                )
                .at(Loc::value(path!["fault-pool", "draw"]))
                .help("draw fewer than the pool holds, or list these faults under `faults`"),
            );
        }
        if faults.len() == wire.faults.len() {
            self.fault_pool = Some(FaultPool { draw: draw as usize, faults });
        }
    }

    fn fault(&mut self, wire: &FaultWire, at: &Path) -> Option<FaultKind> {
        let given: Vec<(&str, &String)> = [
            ("shutdown", &wire.shutdown),
            ("wrong-address", &wire.wrong_address),
            ("wrong-gateway", &wire.wrong_gateway),
            ("remove-route", &wire.remove_route),
            ("block", &wire.block),
            ("stop", &wire.stop),
            ("link-down", &wire.link_down),
            ("loss", &wire.loss),
            ("delay", &wire.delay),
            ("ospf-passive", &wire.ospf_passive),
        ]
        .into_iter()
        .filter_map(|(k, v)| v.as_ref().map(|v| (k, v)))
        .collect();
        let (kind, target) = match given.as_slice() {
            [one] => *one,
            [] => {
                let names: Vec<&str> = KINDS.iter().map(|(k, _)| *k).collect();
                self.report(
                    Diagnostic::error("invalid-fault", "the fault does not say what is broken")
                        .at(Loc::value(at.clone()))
                        .help(format!("start it with one of: {}", names.join(", "))),
                );
                return None;
            }
            [_, second, ..] => {
                let mut p = at.clone();
                p.push(second.0.into());
                self.report(
                    Diagnostic::error(
                        "invalid-fault",
                        "one fault per entry: this one says two things are broken",
                    )
                    .at(Loc::key(p))
                    .help("make a separate `- ...` entry for each fault"),
                );
                return None;
            }
        };
        let needs = KINDS.iter().find(|(k, _)| *k == kind).map(|(_, n)| *n).unwrap_or(&[]);
        let params: [(&str, bool); 6] = [
            ("address", wire.address.is_some()),
            ("gateway", wire.gateway.is_some()),
            ("to", wire.to.is_some()),
            ("rule", wire.rule.is_some()),
            ("percent", wire.percent.is_some()),
            ("ms", wire.ms.is_some()),
        ];
        let mut ok = true;
        for (param, present) in params {
            let mut p = at.clone();
            p.push(param.into());
            if present && !needs.contains(&param) {
                self.report(
                    Diagnostic::error(
                        "invalid-fault",
                        format!("`{param}` has no meaning for a `{kind}` fault"),
                    )
                    .at(Loc::key(p))
                    .label("not used")
                    .help(if needs.is_empty() {
                        format!("a `{kind}` fault takes nothing besides `note`; remove `{param}`")
                    } else {
                        format!("a `{kind}` fault takes {}; remove `{param}`", quoted(needs))
                    }),
                );
                ok = false;
            } else if !present && needs.contains(&param) {
                let mut kp = at.clone();
                kp.push(kind.into());
                self.report(
                    Diagnostic::error("invalid-fault", format!("a `{kind}` fault needs `{param}`"))
                        .at(Loc::key(kp))
                        .help(format!("add `{param}: ...` to this fault")),
                );
                ok = false;
            }
        }
        if !ok {
            return None;
        }
        let mut target_at = at.clone();
        target_at.push(kind.into());
        let target_loc = Loc::value(target_at);
        let param_loc = |param: &str| {
            let mut p = at.clone();
            p.push(param.into());
            Loc::value(p)
        };
        let fault = match kind {
            "shutdown" => FaultKind::Shutdown { at: self.cabled(target, target_loc)? },
            "link-down" => FaultKind::LinkDown { at: self.cabled(target, target_loc)? },
            "loss" => {
                let percent = wire.percent.unwrap_or_default();
                if !(percent > 0.0 && percent <= 100.0) {
                    self.report(
                        Diagnostic::error(
                            "invalid-fault",
                            format!("{percent}% is not a loss between 0 and 100"),
                        )
                        .at(param_loc("percent"))
                        .help("give the share of packets lost, more than 0 and at most 100: `percent: 30`"),
                    );
                    return None;
                }
                FaultKind::Loss { at: self.cabled(target, target_loc)?, percent }
            }
            "delay" => {
                let ms = wire.ms.unwrap_or_default();
                if ms == 0 || ms > 10_000 {
                    self.report(
                        Diagnostic::error(
                            "invalid-fault",
                            format!("{ms} ms is not a delay from 1 to 10000 ms"),
                        )
                        .at(param_loc("ms"))
                        .help("give the delay in milliseconds: `ms: 200`"),
                    );
                    return None;
                }
                FaultKind::Delay { at: self.cabled(target, target_loc)?, ms }
            }
            "wrong-address" => {
                let at = self.interface_ref(target, target_loc)?;
                let text = wire.address.as_deref().unwrap_or_default();
                let address = match syntax::address_with_prefix(text) {
                    Ok(a) => a,
                    Err(invalid) => {
                        self.report(
                            Diagnostic::error("invalid-address", invalid.message)
                                .at(param_loc("address"))
                                .help(invalid.help),
                        );
                        return None;
                    }
                };
                if self.nodes[&at.node].interfaces[&at.interface].addresses.contains(&address) {
                    self.report(
                        Diagnostic::error(
                            "invalid-fault",
                            format!("`{at}` is designed to have {address}; that is not a wrong address"),
                        )
                        .at(param_loc("address"))
                        .help("give an address the design does not have: another subnet, or another host number"),
                    );
                    return None;
                }
                self.touches_student_part(&at.node, Part::Addresses, at.to_string(), param_loc("address"));
                FaultKind::WrongAddress { at, address }
            }
            "wrong-gateway" => {
                self.node_kind(target, target_loc)?;
                let text = wire.gateway.as_deref().unwrap_or_default();
                let Ok(gateway) = text.parse::<IpAddr>() else {
                    self.report(
                        Diagnostic::error("invalid-address", format!("`{text}` is not an address"))
                            .at(param_loc("gateway"))
                            .help("write the wrong gateway as an address, without prefix length: `192.168.1.254`"),
                    );
                    return None;
                };
                if self.nodes[target].gateways.contains(&gateway) {
                    self.report(
                        Diagnostic::error(
                            "invalid-fault",
                            format!("{gateway} is `{target}`'s designed gateway; that is not a wrong one"),
                        )
                        .at(param_loc("gateway"))
                        .help("give an address other than the designed gateway"),
                    );
                    return None;
                }
                self.touches_student_part(target, Part::Gateway, target.to_string(), param_loc("gateway"));
                FaultKind::WrongGateway { node: target.to_string(), gateway }
            }
            "remove-route" => {
                self.node_kind(target, target_loc)?;
                let text = wire.to.as_deref().unwrap_or_default();
                let routes = &self.nodes[target].routes;
                let to = if text == "default" {
                    routes.iter().find(|r| r.to.prefix_len() == 0).map(|r| r.to)
                } else {
                    text.parse().ok().filter(|net| routes.iter().any(|r| r.to == *net))
                };
                let Some(to) = to else {
                    let designed: Vec<String> = routes.iter().map(|r| r.to.to_string()).collect();
                    let help = if designed.is_empty() {
                        format!("`{target}` has no static routes in the design")
                    } else {
                        format!("the designed routes of `{target}` go to: {}", designed.join(", "))
                    };
                    self.report(
                        Diagnostic::error(
                            "unknown-route",
                            format!("`{target}` has no designed route to `{text}` to remove"),
                        )
                        .at(param_loc("to"))
                        .help(help),
                    );
                    return None;
                };
                self.touches_student_part(target, Part::Routes, target.to_string(), param_loc("to"));
                FaultKind::RemoveRoute { node: target.to_string(), to }
            }
            "block" => {
                self.node_kind(target, target_loc.clone())?;
                let Some(firewall) = self.nodes[target].firewall.clone() else {
                    self.report(
                        Diagnostic::error(
                            "invalid-fault",
                            format!("`{target}` has no firewall policy in the design to add a rule to"),
                        )
                        .at(target_loc)
                        .help(format!("a `block` fault adds a rule to a firewall's policy: name a firewall, or give `{target}` a policy under `design.firewall`")),
                    );
                    return None;
                };
                let mut rule_at = at.clone();
                rule_at.push("rule".into());
                let rule =
                    self.rule(target, &firewall.zones, wire.rule.as_deref().unwrap_or_default(), rule_at)?;
                self.touches_student_part(target, Part::Firewall, target.to_string(), param_loc("rule"));
                FaultKind::Block { node: target.to_string(), rule }
            }
            "stop" => {
                let (node, service) = match syntax::endpoint(target) {
                    Ok(parts) => parts,
                    Err(_) => {
                        self.report(
                            Diagnostic::error("invalid-fault", format!("`{target}` is not `node:service`"))
                                .at(target_loc)
                                .help("write for example `web:http`, `srv:dns`, `srv:dhcp`, `srv:ssh` or `r1:ospf`"),
                        );
                        return None;
                    }
                };
                self.node_kind(node, target_loc.clone())?;
                let Some(service) = ServiceName::ALL.into_iter().find(|s| s.name() == service) else {
                    self.report(
                        Diagnostic::error(
                            "unknown-service",
                            format!("`{service}` is not a service asbuilt can stop"),
                        )
                        .at(target_loc)
                        .help(
                            did_you_mean(service, ServiceName::ALL.map(ServiceName::name))
                                .unwrap_or_else(|| "use http, dns, dhcp, ssh or ospf".into()),
                        ),
                    );
                    return None;
                };
                let n = &self.nodes[node];
                let has = match service {
                    ServiceName::Http => n.services.http.is_some(),
                    ServiceName::Dns => n.services.dns.is_some(),
                    ServiceName::Dhcp => n.services.dhcp.is_some(),
                    ServiceName::Ssh => n.services.ssh.is_some(),
                    ServiceName::Ospf => n.ospf.is_some(),
                    ServiceName::Syslog => n.services.syslog.is_some() || n.services.logs_to.is_some(),
                    ServiceName::Snmp => n.services.snmp.is_some(),
                    ServiceName::Ntp => n.services.ntp || n.services.time_from.is_some(),
                };
                if !has {
                    self.report(
                        Diagnostic::error(
                            "unknown-service",
                            format!("`{node}` runs no {} in the design", service.name()),
                        )
                        .at(target_loc)
                        .help("a stop fault stops a service the design gives the node"),
                    );
                    return None;
                }
                FaultKind::Stop { node: node.to_string(), service }
            }
            "ospf-passive" => {
                let at = self.interface_ref(target, target_loc.clone())?;
                let in_ospf = self.nodes[&at.node]
                    .ospf
                    .as_ref()
                    .is_some_and(|o| o.interfaces.iter().any(|i| i.name == at.interface && !i.passive));
                if !in_ospf {
                    self.report(
                        Diagnostic::error(
                            "invalid-fault",
                            format!("`{at}` is not an active OSPF interface in the design"),
                        )
                        .at(target_loc)
                        .help(format!(
                            "name an interface of `{}` that `design.ospf` has and that is not passive",
                            at.node
                        )),
                    );
                    return None;
                }
                self.touches_student_part(&at.node, Part::Ospf, at.to_string(), Loc::value(path!["faults"]));
                FaultKind::OspfPassive { at }
            }
            _ => unreachable!("every fault key is handled above"),
        };
        Some(fault)
    }

    /// A cabled interface (the fabric can only cut or slow a cable).
    fn cabled(&mut self, text: &str, loc: Loc) -> Option<Endpoint> {
        let ep = self.interface_ref(text, loc.clone())?;
        let iface = &self.nodes[&ep.node].interfaces[&ep.interface];
        if iface.segment.is_none() || iface.vlan.is_some() {
            self.report(
                Diagnostic::error(
                    "invalid-fault",
                    format!("`{ep}` is not cabled; this fault needs a cabled interface"),
                )
                .at(loc)
                .help("name the cabled interface itself, such as `r1:eth1`"),
            );
            return None;
        }
        Some(ep)
    }

    /// A fault on a part the student builds from scratch has nothing to break.
    fn touches_student_part(&mut self, node: &str, part: Part, what: String, loc: Loc) {
        if self.nodes[node].student_builds.contains(&part) {
            self.report(
                Diagnostic::warning(
                    "fault-on-student-part",
                    format!(
                        "the student builds the {part} of `{node}`, so this fault on `{what}` has no effect"
                    ),
                )
                .at(loc)
                .help("faults break prebuilt parts; remove the fault or make the part prebuilt"),
            );
        }
    }
}

/// Keys as a teacher writes them: `` `address`, `gateway` ``.
fn quoted(names: &[&str]) -> String {
    names.iter().map(|n| format!("`{n}`")).collect::<Vec<_>>().join(", ")
}
