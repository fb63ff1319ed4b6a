//! What a student (or, for a cable, the teacher) does to repair a fault: the commands a
//! scripted solution types on the node. Written per fault kind from the design, not per
//! lab, so that every troubleshooting lab and every fault of a pool is held to being
//! repairable the way the lab's task says.

#![allow(dead_code)]

use asbuilt::design::{Design, Fault, FaultKind};
use asbuilt::kind::NodeKind;

/// How a fault is repaired.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Repair {
    /// A shell command, as root, on the node.
    Command { node: String, run: String },
    /// The cable is the teacher's to mend (`asbuilt link`); a student only reports it.
    Cable,
    /// No scripted repair is known for this kind of fault.
    Unknown,
}

/// The repair of `fault` in a lab designed as `design`.
pub fn repair(design: &Design, fault: &Fault) -> Repair {
    let command = |node: &str, run: String| Repair::Command { node: node.to_string(), run };
    match &fault.kind {
        FaultKind::Shutdown { at } => command(&at.node, format!("ip link set dev {} up", at.interface)),
        FaultKind::WrongAddress { at, address } => {
            let node = &design.nodes[&at.node];
            let mut run = format!("ip address del {address} dev {}", at.interface);
            for designed in &node.interfaces[&at.interface].addresses {
                run.push_str(&format!(" && ip address add {designed} dev {}", at.interface));
            }
            // Taking the address away took the routes through it, the default one too.
            for gateway in node.gateways.iter().filter(|g| g.is_ipv4()) {
                run.push_str(&format!(" && ip route replace default via {gateway}"));
            }
            command(&at.node, run)
        }
        FaultKind::WrongGateway { node, .. } => {
            let gateway = design.nodes[node].gateways.iter().find(|g| g.is_ipv4()).expect("a designed gateway");
            command(node, format!("ip route replace default via {gateway}"))
        }
        FaultKind::RemoveRoute { node, to } => {
            let route = design.nodes[node].routes.iter().find(|r| r.to == *to).expect("the designed route");
            match design.nodes[node].kind {
                NodeKind::Router | NodeKind::Firewall => command(
                    node,
                    format!("vtysh -c 'configure terminal' -c 'ip route {} {}'", route.to, route.via),
                ),
                _ => command(node, format!("ip route add {} via {}", route.to, route.via)),
            }
        }
        // Started, and back in the boot lists: a stopped service may have been taken out
        // of them too (`plan::boot`), and a repair must outlive a restart.
        FaultKind::Stop { node, service } => match service.daemon() {
            Some(daemon) => command(node, format!("systemctl enable --now {daemon}")),
            // OSPF's daemons switched back on inside FRR, which ran on.
            None => command(
                node,
                "sed -i 's/^ospf\\(6\\?\\)d=no/ospf\\1d=yes/' /etc/frr/daemons && asbuilt-service restart frr".into(),
            ),
        },
        FaultKind::OspfPassive { at } => command(
            &at.node,
            format!(
                "vtysh -c 'configure terminal' -c 'router ospf' -c 'no passive-interface {}'",
                at.interface
            ),
        ),
        FaultKind::LinkDown { .. } | FaultKind::Loss { .. } | FaultKind::Delay { .. } => Repair::Cable,
        // The extra rule carries its text as its nftables comment, as every rule asbuilt
        // writes: take its line out of the rule set the node loads, and load that again.
        FaultKind::Block { node, rule } => {
            assert!(!rule.text.contains(['"', '%', '\\', '\'']), "a rule text sed can match as it is: {}", rule.text);
            command(
                node,
                format!(
                    "sed -i '0,\\%comment \"{0}\"%{{\\%comment \"{0}\"%d}}' /etc/nftables.conf \
                     && asbuilt-service reload nftables",
                    rule.text
                ),
            )
        }
    }
}
