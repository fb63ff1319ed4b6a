//! Switch ports: access ports in one VLAN, trunks carrying several.

use super::Resolver;
use crate::design::model::PortVlans;
use crate::diagnostic::{Diagnostic, Loc, did_you_mean};
use crate::kind::NodeKind;
use crate::path;

impl Resolver<'_> {
    pub(super) fn vlans(&mut self) {
        let file = self.file;
        for (switch, ports) in &file.design.vlans {
            let at = path!["design", "vlans", switch];
            let Some(kind) = self.node_kind(switch, Loc::key(at.clone())) else {
                continue;
            };
            if kind != NodeKind::Switch {
                self.report(
                    Diagnostic::error(
                        "wrong-kind",
                        format!("`{switch}` is a {kind}; only switches have VLAN ports"),
                    )
                    .at(Loc::key(at))
                    .label("not a switch")
                    .help("routers and servers use VLAN subinterfaces instead: give `eth1.10` an address"),
                );
                continue;
            }
            for (port, vlans) in ports {
                let port_at = path!["design", "vlans", switch, port];
                if !self.nodes[switch].interfaces.contains_key(port) {
                    let ports: Vec<&str> = self.nodes[switch].interfaces.keys().map(String::as_str).collect();
                    let help = did_you_mean(port, ports.iter().copied()).unwrap_or_else(|| {
                        format!("the cabled ports of `{switch}` are: {}", ports.join(", "))
                    });
                    self.report(
                        Diagnostic::error(
                            "unknown-interface",
                            format!("switch `{switch}` has no cabled port `{port}`"),
                        )
                        .at(Loc::key(port_at))
                        .label("no such port")
                        .help(help),
                    );
                    continue;
                }
                let mut ids = Vec::new();
                for (i, vlan) in vlans.iter().enumerate() {
                    match vlan.as_str().parse::<u16>() {
                        Ok(id) if (1..=4094).contains(&id) => ids.push(id),
                        _ => {
                            let mut p = port_at.clone();
                            p.push(i.into());
                            self.report(
                                Diagnostic::error("invalid-vlan", format!("`{vlan}` is not a VLAN number"))
                                    .at(Loc::value(p))
                                    .label("not a VLAN")
                                    .help("VLANs are numbered 1 to 4094"),
                            );
                        }
                    }
                }
                if ids.len() != vlans.len() || ids.is_empty() {
                    continue;
                }
                let setting = if vlans.listed { PortVlans::Trunk(ids) } else { PortVlans::Access(ids[0]) };
                self.nodes[switch].vlans.insert(port.clone(), setting);
            }
        }
        // Every other switch port is an access port in VLAN 1, as on a switch out of the box.
        for node in self.nodes.values_mut().filter(|n| n.kind == NodeKind::Switch) {
            let unset: Vec<String> =
                node.interfaces.keys().filter(|p| !node.vlans.contains_key(*p)).cloned().collect();
            for port in unset {
                node.vlans.insert(port, PortVlans::Access(1));
            }
        }
    }
}
