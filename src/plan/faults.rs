//! Faults, split by where they live. Misconfigurations are written into the node's
//! configuration itself, so the student finds them where a real one would be; broken
//! state (an interface down, a stopped daemon) is applied by a script after
//! configuration; cable faults belong to the fabric.

use crate::design::{Design, Endpoint, FaultKind, Route, ServiceName};

use super::script::{Script, quote};

/// What the fabric does to one cable end.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct LinkSetting {
    pub up: bool,
    /// Share of frames dropped, 0 to 100, in each direction.
    pub loss_percent: f64,
    /// Extra delay, in each direction.
    pub delay_ms: u32,
}

impl Default for LinkSetting {
    fn default() -> Self {
        LinkSetting { up: true, loss_percent: 0.0, delay_ms: 0 }
    }
}

impl LinkSetting {
    pub fn is_default(&self) -> bool {
        *self == LinkSetting::default()
    }
}

/// The design with its misconfiguration faults written in: the configuration asbuilt
/// deploys. The unchanged design stays the answer key.
pub fn misconfigured(design: &Design) -> Design {
    let mut out = design.clone();
    for fault in &design.faults {
        match &fault.kind {
            FaultKind::WrongAddress { at, address } => {
                let iface = out.nodes[&at.node].interfaces.get_mut(&at.interface).expect("validated");
                // Replace the designed address of the same family, keep the others.
                let family = address.addr().is_ipv4();
                iface.addresses.retain(|a| a.addr().is_ipv4() != family);
                iface.addresses.insert(0, *address);
            }
            FaultKind::WrongGateway { node, gateway } => {
                let n = &mut out.nodes[node];
                n.gateways.retain(|g| g.is_ipv4() != gateway.is_ipv4());
                n.gateways.push(*gateway);
            }
            FaultKind::RemoveRoute { node, to } => {
                let n = &mut out.nodes[node];
                n.routes.retain(|r: &Route| r.to != *to);
                if to.prefix_len() == 0 {
                    n.gateways.retain(|g| g.is_ipv4() != to.addr().is_ipv4());
                }
            }
            FaultKind::Block { node, rule } => {
                if let Some(fw) = out.nodes[node].firewall.as_mut() {
                    fw.rules.insert(0, rule.clone());
                }
            }
            FaultKind::OspfPassive { at } => {
                if let Some(ospf) = out.nodes[&at.node].ospf.as_mut()
                    && let Some(oi) = ospf.interfaces.iter_mut().find(|i| i.name == at.interface)
                {
                    oi.passive = true;
                }
            }
            FaultKind::Shutdown { .. }
            | FaultKind::Stop { .. }
            | FaultKind::LinkDown { .. }
            | FaultKind::Loss { .. }
            | FaultKind::Delay { .. } => {}
        }
    }
    out
}

/// The script that breaks state inside `node` after it is configured, if any.
pub fn break_script(design: &Design, node: &str) -> Option<String> {
    let mut script = Script::new();
    for fault in design.faults.iter().filter(|f| f.kind.node() == node) {
        match &fault.kind {
            FaultKind::Shutdown { at } => {
                script.step(&format!("shut down {at}")).run(&["ip", "link", "set", &at.interface, "down"]);
            }
            FaultKind::Stop { service, .. } => {
                script.step(&format!("stop {}", service.name()));
                match service {
                    ServiceName::Http => script.run(&["asbuilt-service", "stop", "nginx"]),
                    ServiceName::Dns | ServiceName::Dhcp => {
                        script.run(&["asbuilt-service", "stop", "dnsmasq"])
                    }
                    ServiceName::Ssh => script.run(&["asbuilt-service", "stop", "ssh"]),
                    ServiceName::Syslog => script.run(&["asbuilt-service", "stop", "rsyslog"]),
                    ServiceName::Snmp => script.run(&["asbuilt-service", "stop", "snmpd"]),
                    ServiceName::Ntp => script.run(&["asbuilt-service", "stop", "chrony"]),
                    // The OSPF daemons (both versions) are switched off in FRR's daemons
                    // file, as after a careless edit: the student has to find and switch
                    // them back on.
                    ServiceName::Ospf => script
                        .raw(format!(
                            "sed -i {} /etc/frr/daemons",
                            quote("s/^ospf\\(6\\?\\)d=yes/ospf\\1d=no/")
                        ))
                        .run(&["asbuilt-service", "restart", "frr"]),
                };
            }
            _ => {}
        }
    }
    (!script.is_empty()).then(|| script.render())
}

/// What the fabric does to each cable end the faults touch.
pub fn link_settings(design: &Design) -> Vec<(Endpoint, LinkSetting)> {
    let mut out: Vec<(Endpoint, LinkSetting)> = Vec::new();
    for fault in &design.faults {
        let (at, change): (&Endpoint, &dyn Fn(&mut LinkSetting)) = match &fault.kind {
            FaultKind::LinkDown { at } => (at, &|s: &mut LinkSetting| s.up = false),
            FaultKind::Loss { at, percent } => (at, &move |s: &mut LinkSetting| s.loss_percent = *percent),
            FaultKind::Delay { at, ms } => (at, &move |s: &mut LinkSetting| s.delay_ms = *ms),
            _ => continue,
        };
        match out.iter_mut().find(|(e, _)| e == at) {
            Some((_, setting)) => change(setting),
            None => {
                let mut setting = LinkSetting::default();
                change(&mut setting);
                out.push((at.clone(), setting));
            }
        }
    }
    out
}
