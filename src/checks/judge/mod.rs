//! Comparing what a probe observed with what a check expects, in words a student
//! understands. Pure: the same observation always gives the same outcome.

mod accounts;
mod backups;
mod bgp;
mod boot;
mod monitoring;
mod ospf_detail;
mod packages;
mod rip;
mod services;
mod state;
mod traffic;

use std::collections::HashMap;
use std::net::IpAddr;

use super::derive::texts::t;
use super::model::ProbeSpec;
use super::observation::Observation;
use super::outcome::Outcome;
use crate::design::{Design, Text};

/// Names for addresses, so an observation can say "r2" instead of "10.0.12.2".
#[derive(Debug, Clone, Default)]
pub struct Names {
    by_address: HashMap<IpAddr, String>,
}

impl Names {
    pub fn of(design: &Design) -> Names {
        let mut by_address = HashMap::new();
        for node in design.nodes.values() {
            for (_, net) in node.addresses() {
                by_address.entry(net.addr()).or_insert_with(|| node.name.clone());
            }
        }
        Names { by_address }
    }

    pub fn node(&self, addr: IpAddr) -> Option<&str> {
        self.by_address.get(&addr).map(String::as_str)
    }

    /// `r2 (10.0.12.2)`, or the bare address when nobody in the design has it.
    pub fn show(&self, addr: IpAddr) -> String {
        match self.node(addr) {
            Some(name) => format!("{name} ({addr})"),
            None => addr.to_string(),
        }
    }
}

/// The outcome of a check, given what its probe observed.
pub fn judge(probe: &ProbeSpec, seen: &Observation, names: &Names) -> Outcome {
    if let Observation::Unobservable(why) = seen {
        return Outcome::Skipped { reason: why.clone() };
    }
    let judged = match probe {
        ProbeSpec::OspfRoute { metric: Some(_), .. } | ProbeSpec::OspfInterface { .. } => {
            ospf_detail::judge(probe, seen)
        }
        ProbeSpec::Address { .. }
        | ProbeSpec::Gateway { .. }
        | ProbeSpec::Route { .. }
        | ProbeSpec::RouteTable { .. }
        | ProbeSpec::OspfNeighbour { .. }
        | ProbeSpec::Ospf6Neighbour { .. }
        | ProbeSpec::OspfRouterId { .. }
        | ProbeSpec::OspfRoute { .. }
        | ProbeSpec::Vlan { .. }
        | ProbeSpec::Command { .. }
        | ProbeSpec::File { .. } => state::judge(probe, seen),
        ProbeSpec::BgpSession { .. } | ProbeSpec::BgpRoute { .. } => bgp::judge(probe, seen),
        ProbeSpec::Link { .. }
        | ProbeSpec::Ping { .. }
        | ProbeSpec::Traceroute { .. }
        | ProbeSpec::Port { .. }
        | ProbeSpec::Inject { .. }
        | ProbeSpec::Nat { .. } => traffic::judge(probe, seen, names),
        ProbeSpec::Http { .. }
        | ProbeSpec::Site { .. }
        | ProbeSpec::Dns { .. }
        | ProbeSpec::Dhcp { .. }
        | ProbeSpec::Ssh { .. } => services::judge(probe, seen),
        ProbeSpec::RipRoute { .. } => rip::judge(probe, seen),
        ProbeSpec::Syslog { .. }
        | ProbeSpec::Snmp { .. }
        | ProbeSpec::NtpServer { .. }
        | ProbeSpec::NtpFollows { .. } => monitoring::judge(probe, seen),
        ProbeSpec::Backup { .. } => backups::judge(probe, seen),
        ProbeSpec::Boot { .. } => boot::judge(probe, seen),
        ProbeSpec::Package { .. } => packages::judge(probe, seen),
        ProbeSpec::Account { .. }
        | ProbeSpec::Sudo { .. }
        | ProbeSpec::Login { .. }
        | ProbeSpec::KeyLogin { .. } => accounts::judge(probe, seen),
    };
    judged.unwrap_or_else(|| Outcome::Error {
        why: t(
            "de meting gaf iets anders dan deze controle nodig heeft (fout in asbuilt)",
            "the probe observed something other than this check needs (a bug in asbuilt)",
        ),
    })
}

/// A verdict from an expectation and an observation, both in words.
pub(crate) fn verdict(passed: bool, credit: f64, expected: Text, observed: Text) -> Outcome {
    if passed {
        Outcome::Pass { observed }
    } else {
        Outcome::Fail { expected, observed, credit: credit.clamp(0.0, 0.99) }
    }
}

/// Shortens long output for a report line.
pub(crate) fn excerpt(text: &str, max: usize) -> String {
    let trimmed = text.trim();
    if trimmed.chars().count() <= max {
        return trimmed.to_string();
    }
    let cut: String = trimmed.chars().take(max).collect();
    format!("{cut}…")
}
