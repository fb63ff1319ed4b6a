//! Monitoring and management: a log server (rsyslog) and the nodes that send it their
//! logs (`logs-to`), SNMP agents (snmpd) with their community, and a time server
//! (chrony) with the nodes that follow it (`time-from`).

use std::net::IpAddr;

use ipnet::IpNet;

use super::Resolver;
use super::refs::HostRef;
use crate::design::model::{LogsTo, Snmp, Syslog, TimeFrom};
use crate::diagnostic::{Diagnostic, Loc};
use crate::path;
use crate::topology::wire::{SnmpWire, SyslogWire};

/// The port syslog is sent to unless the design names another (RFC 5426).
const SYSLOG_PORT: u16 = 514;
/// The port an SNMP agent answers on unless the design names another.
const SNMP_PORT: u16 = 161;

impl Resolver<'_> {
    pub(super) fn syslog_server(&mut self, wire: &SyslogWire) -> Syslog {
        Syslog { port: wire.port.unwrap_or(SYSLOG_PORT) }
    }

    /// Where `node` sends its logs: a node that runs `syslog`, by its primary address or
    /// the address of the interface named.
    pub(super) fn logs_to(&mut self, node: &str, text: &str) -> Option<LogsTo> {
        let loc = Loc::value(path!["design", "services", node, "logs-to"]);
        let (server, address) = self.named_server(node, text, loc.clone(), "log server")?;
        let port = self.file.design.services.get(&server).and_then(|s| s.syslog.as_ref()).map(|s| s.port);
        let Some(port) = port else {
            self.report(
                Diagnostic::error("no-syslog-server", format!("`{server}` runs no log server"))
                    .at(loc)
                    .label("no `syslog:` in its services")
                    .help(format!(
                        "add `syslog: {{}}` to the services of `{server}`, or name the node that runs it"
                    )),
            );
            return None;
        };
        Some(LogsTo { server, address, port: port.unwrap_or(SYSLOG_PORT) })
    }

    /// The node `text` names as the server `node` uses for something (`what`), and the
    /// address to reach it at: another node of the lab, by name or `node:interface`, with
    /// a fixed address. A bare address is refused: the checks look at the server itself.
    fn named_server(&mut self, node: &str, text: &str, loc: Loc, what: &str) -> Option<(String, IpAddr)> {
        let (server, address) = match self.host_ref(text, loc.clone())? {
            HostRef::Node(name) => {
                let address = self.nodes[&name].primary_address();
                (name, address)
            }
            HostRef::Interface(ep) => {
                let address =
                    self.nodes[&ep.node].interfaces[&ep.interface].addresses.first().map(IpNet::addr);
                (ep.node, address)
            }
            HostRef::Address(addr) => {
                self.report(
                    Diagnostic::error("invalid-value", format!("`{addr}` is an address, not a {what}"))
                        .at(loc)
                        .label("name the server")
                        .help(format!("name the {what}'s node or one of its interfaces (`node:eth1`): asbuilt checks it there")),
                );
                return None;
            }
        };
        if server == node {
            self.report(
                Diagnostic::error("invalid-value", format!("`{node}` would use itself as its {what}"))
                    .at(loc)
                    .label("the node itself")
                    .help(format!("name another node, the {what} of the lab")),
            );
            return None;
        }
        let Some(address) = address else {
            self.report(
                Diagnostic::error(
                    "no-address",
                    format!("`{text}` has no fixed address to reach the {what} at"),
                )
                .at(loc)
                .label("no address in the design")
                .help("give it an address under `design.addresses` (a DHCP address is not known in advance)"),
            );
            return None;
        };
        Some((server, address))
    }

    /// The time server `node` follows: a node that runs `ntp`, by its primary address or
    /// the address of the interface named.
    pub(super) fn time_from(&mut self, node: &str, text: &str) -> Option<TimeFrom> {
        let loc = Loc::value(path!["design", "services", node, "time-from"]);
        let (server, address) = self.named_server(node, text, loc.clone(), "time server")?;
        let serves = self.file.design.services.get(&server).is_some_and(|s| s.ntp.is_some());
        if !serves {
            self.report(
                Diagnostic::error("no-ntp-server", format!("`{server}` serves no time"))
                    .at(loc)
                    .label("no `ntp:` in its services")
                    .help(format!(
                        "add `ntp: {{}}` to the services of `{server}`, or name the node that runs it"
                    )),
            );
            return None;
        }
        Some(TimeFrom { server, address })
    }

    pub(super) fn snmp(&mut self, node: &str, wire: &SnmpWire) -> Option<Snmp> {
        if !valid_community(&wire.community) {
            self.report(
                Diagnostic::error(
                    "invalid-value",
                    format!("`{}` is not a community asbuilt can use", wire.community),
                )
                .at(Loc::value(path!["design", "services", node, "snmp", "community"]))
                .label("not a community")
                .help("use 1 to 32 letters, digits, `-`, `_` and `.`, such as `beheer-ro`"),
            );
            return None;
        }
        Some(Snmp { community: wire.community.clone(), port: wire.port.unwrap_or(SNMP_PORT) })
    }
}

/// A community that goes into snmpd.conf and a check unquoted and unescaped.
fn valid_community(community: &str) -> bool {
    (1..=32).contains(&community.len())
        && community.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
}

#[cfg(test)]
mod tests {
    use std::net::IpAddr;

    use crate::design::Lab;
    use crate::design::resolve::codes;
    use crate::topology::Source;

    fn office(services: &str) -> Result<Lab, Vec<crate::diagnostic::Diagnostic>> {
        let yaml = format!(
            r#"
lab: t
title: T
trains: [B1-K2-W2]
nodes:
  r1: {{ kind: router }}
  logsrv: {{ kind: server }}
links:
  - r1:eth1 -- logsrv:eth1
design:
  addresses:
    r1:eth1: 10.0.0.1/24
    logsrv:eth1: 10.0.0.5/24
  services:
{services}
"#
        );
        Lab::load(&Source::new("office.yml", yaml))
    }

    #[test]
    fn a_node_sends_its_logs_to_the_servers_address_and_port() {
        let lab = office("    logsrv: { syslog: { port: 1514 } }\n    r1: { logs-to: logsrv, snmp: { community: beheer-ro } }")
            .unwrap();
        let design = lab.design_for(None);
        let logs = design.nodes["r1"].services.logs_to.clone().unwrap();
        assert_eq!((logs.server.as_str(), logs.port), ("logsrv", 1514));
        assert!(owns(&design.nodes["logsrv"], logs.address));
        let snmp = design.nodes["r1"].services.snmp.clone().unwrap();
        assert_eq!((snmp.community.as_str(), snmp.port), ("beheer-ro", 161));
    }

    #[test]
    fn logs_to_a_node_without_a_log_server_an_address_or_itself_is_an_error() {
        assert_eq!(codes(&office("    r1: { logs-to: logsrv }").unwrap_err()), ["no-syslog-server"]);
        let errors = office("    logsrv: { syslog: {} }\n    r1: { logs-to: 10.0.0.5 }").unwrap_err();
        assert_eq!(codes(&errors), ["invalid-value"]);
        let errors = office("    logsrv: { syslog: {}, logs-to: logsrv }").unwrap_err();
        assert_eq!(codes(&errors), ["invalid-value"]);
        let errors = office("    logsrv: { syslog: {} }\n    r1: { logs-to: logsvr }").unwrap_err();
        assert_eq!(codes(&errors), ["unknown-node"]);
    }

    #[test]
    fn a_node_follows_a_time_server_that_serves_ntp() {
        let lab = office("    r1: { ntp: {} }\n    logsrv: { time-from: r1 }").unwrap();
        let design = lab.design_for(None);
        assert!(design.nodes["r1"].services.ntp);
        let time = design.nodes["logsrv"].services.time_from.clone().unwrap();
        assert_eq!(time.server, "r1");
        assert!(owns(&design.nodes["r1"], time.address));
        assert_eq!(codes(&office("    logsrv: { time-from: r1 }").unwrap_err()), ["no-ntp-server"]);
    }

    #[test]
    fn a_community_with_spaces_or_quotes_is_an_error() {
        for bad in ["\"two words\"", "\"it's\"", "\"\""] {
            let errors = office(&format!("    r1: {{ snmp: {{ community: {bad} }} }}")).unwrap_err();
            assert_eq!(codes(&errors), ["invalid-value"], "{bad}");
        }
    }

    /// Whether an address is on `node`'s own interfaces.
    fn owns(node: &crate::design::Node, address: IpAddr) -> bool {
        node.addresses().any(|(_, a)| a.addr() == address)
    }
}
