//! A design with one part of one node left blank, as a student who did not build it
//! would leave the lab: what the planner then deploys for that part.

use crate::checks::model::PartRef;
use crate::design::{Design, Node, Part, PortVlans, Verdict};

/// The design with `part` of `node` not configured.
pub fn without(design: &Design, part: &PartRef) -> Design {
    let mut out = design.clone();
    let node = &mut out.nodes[&part.node];
    match part.part {
        Part::Addresses => {
            for iface in node.interfaces.values_mut() {
                iface.addresses.clear();
                // Without its addresses part a DHCP client never asks for one.
                iface.dhcp = false;
            }
        }
        Part::Gateway => node.gateways.clear(),
        Part::Routes => node.routes.clear(),
        Part::Ospf => node.ospf = None,
        Part::Rip => node.rip = None,
        Part::Firewall => {
            // An unconfigured nftables filters nothing.
            if let Some(fw) = node.firewall.as_mut() {
                fw.rules.clear();
                fw.default = Verdict::Accept;
                fw.input = Verdict::Accept;
            }
        }
        Part::Nat => node.nat = None,
        Part::Http => node.services.http = None,
        Part::Dns => node.services.dns = None,
        Part::Dhcp => node.services.dhcp = None,
        Part::Ssh => node.services.ssh = None,
        Part::Syslog => {
            node.services.syslog = None;
            node.services.logs_to = None;
        }
        Part::Snmp => node.services.snmp = None,
        // Unbuilt, an account the design wants gone is still there (`plan::accounts`).
        Part::Users => {
            node.accounts.retain(|a| a.absent);
            for leaver in &mut node.accounts {
                leaver.absent = false;
            }
        }
        Part::Ntp => {
            node.services.ntp = false;
            node.services.time_from = None;
        }
        Part::Backups => node.services.backups = None,
        Part::Boot => node.services.boot = None,
        Part::Packages => node.packages = None,
        Part::Vlans => node.vlans.clear(),
        Part::Bgp => node.bgp = None,
    }
    out
}

/// Whether the design says anything for this part of the node: blanking a part that
/// is empty anyway changes nothing.
pub fn is_present(node: &Node, part: Part) -> bool {
    if !part.applies_to(node.kind) {
        return false;
    }
    match part {
        Part::Addresses => node.interfaces.values().any(|i| !i.addresses.is_empty() || i.dhcp),
        Part::Gateway => !node.gateways.is_empty(),
        Part::Routes => !node.routes.is_empty(),
        Part::Ospf => node.ospf.is_some(),
        Part::Rip => node.rip.is_some(),
        Part::Firewall => {
            node.firewall.as_ref().is_some_and(|f| !f.rules.is_empty() || f.default == Verdict::Drop)
        }
        Part::Nat => node.nat.as_ref().is_some_and(|n| !n.is_empty()),
        Part::Http => node.services.http.is_some(),
        Part::Dns => node.services.dns.is_some(),
        Part::Dhcp => node.services.dhcp.is_some(),
        Part::Ssh => node.services.ssh.is_some(),
        Part::Syslog => node.services.syslog.is_some() || node.services.logs_to.is_some(),
        Part::Snmp => node.services.snmp.is_some(),
        Part::Users => !node.accounts.is_empty(),
        Part::Ntp => node.services.ntp || node.services.time_from.is_some(),
        Part::Backups => node.services.backups.is_some(),
        Part::Boot => node.services.boot.is_some(),
        Part::Packages => node.packages.is_some(),
        Part::Vlans => node.vlans.values().any(|v| *v != PortVlans::Access(1)),
        Part::Bgp => node.bgp.is_some(),
    }
}
