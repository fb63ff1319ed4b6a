//! The monitoring daemons: rsyslog as a log server or forwarding a node's logs, snmpd
//! answering one read-only community, chrony serving or following time; their
//! configuration, and when they start.

use super::script::Script;
use super::{ConfigFile, NodePlan};
use crate::design::{Builder, LogsTo, Node, Part, ServiceName, Snmp, Syslog, TimeFrom};

/// Where a log server keeps what it receives: a file per sender, named by the host name
/// in the message. (A check looks through all of `/var/log`, so a student's own layout
/// passes too.)
pub const REMOTE_LOGS: &str = "/var/log/remote";

/// rsyslog receiving over UDP: every message from another host goes to that host's own
/// file and not into the server's own logs.
pub fn rsyslog_server(syslog: &Syslog) -> String {
    format!(
        "# asbuilt: this node is the lab's log server. It receives syslog over UDP on port {port}\n\
         # and keeps each sender's messages in {REMOTE_LOGS}/<sender>.log.\n\
         module(load=\"imudp\")\n\
         input(type=\"imudp\" port=\"{port}\" ruleset=\"asbuilt-remote\")\n\
         template(name=\"asbuilt-remote-file\" type=\"string\" string=\"{REMOTE_LOGS}/%HOSTNAME%.log\")\n\
         ruleset(name=\"asbuilt-remote\") {{\n  action(type=\"omfile\" dynaFile=\"asbuilt-remote-file\")\n}}\n",
        port = syslog.port
    )
}

/// rsyslog sending every message of this node to the log server too, over UDP.
pub fn rsyslog_forward(logs: &LogsTo) -> String {
    format!(
        "# asbuilt: every message this node logs also goes to the log server {} over UDP.\n\
         *.* action(type=\"omfwd\" target=\"{}\" port=\"{}\" protocol=\"udp\")\n",
        logs.server, logs.address, logs.port
    )
}

/// snmpd answering version 1 and 2c requests with the one community, read-only, on every
/// address of the node. It replaces Debian's file, which answers `public` on loopback.
pub fn snmpd(snmp: &Snmp, node: &str, ipv6: bool) -> String {
    let mut agent = format!("udp:{}", snmp.port);
    let mut communities = format!("rocommunity {} default\n", snmp.community);
    if ipv6 {
        agent.push_str(&format!(",udp6:{}", snmp.port));
        communities.push_str(&format!("rocommunity6 {} default\n", snmp.community));
    }
    format!(
        "# asbuilt: the SNMP agent of this lab's design: read-only, community `{community}`.\n\
         agentAddress {agent}\n\
         {communities}\
         sysName {node}\n\
         sysLocation asbuilt lab\n\
         sysContact beheer\n",
        community = snmp.community
    )
}

/// chrony serving time to the lab from the node's own clock, and following the lab's
/// time server, as the design has them. It replaces Debian's file, which follows
/// Debian's pool (out of a lab's reach).
pub fn chrony(serves: bool, follows: Option<&TimeFrom>) -> String {
    let mut out = String::from("# asbuilt: time service of this lab's design.\n");
    if let Some(time) = follows {
        // Polled every 2 to 16 s, so a lab syncs within a minute, not an hour.
        out.push_str(&format!(
            "# Follow the lab's time server {}.\nserver {} iburst minpoll 1 maxpoll 4\n",
            time.server, time.address
        ));
    }
    if serves {
        out.push_str(
            "# Serve the node's own clock (the host's) to every node that asks.\nlocal stratum 8\nallow all\n",
        );
    }
    out.push_str("driftfile /var/lib/chrony/chrony.drift\n");
    out
}

/// rsyslog, snmpd and chrony where the design has logging, SNMP or time on the node:
/// configured for the parts asbuilt builds, and started at boot whoever builds them (with
/// Debian's own configuration where the student does), as a service that is installed
/// and enabled. Returns the daemons to start at boot.
pub fn daemons(
    node: &Node,
    ipv6: bool,
    plan: &mut NodePlan,
    script: &mut Script,
    ready: &mut Script,
    stopped: impl Fn(ServiceName) -> bool,
) -> Vec<&'static str> {
    let prebuilt = |part| node.builds(part) == Builder::Asbuilt;
    let s = &node.services;
    let mut started = Vec::new();
    if s.syslog.is_some() || s.logs_to.is_some() {
        if prebuilt(Part::Syslog) {
            if let Some(syslog) = &s.syslog {
                plan.files.push(ConfigFile {
                    path: "/etc/rsyslog.d/asbuilt-server.conf".into(),
                    content: rsyslog_server(syslog),
                    mode: 0o644,
                });
            }
            if let Some(logs) = &s.logs_to {
                plan.files.push(ConfigFile {
                    path: "/etc/rsyslog.d/asbuilt-forward.conf".into(),
                    content: rsyslog_forward(logs),
                    mode: 0o644,
                });
            }
            if !stopped(ServiceName::Syslog) {
                ready.run(&["asbuilt-service", "status", "rsyslog"]);
            }
        }
        start_daemon(script, "rsyslog", prebuilt(Part::Syslog));
        started.push("rsyslog");
    }
    if let Some(snmp) = &s.snmp {
        if prebuilt(Part::Snmp) {
            plan.files.push(ConfigFile {
                path: "/etc/snmp/snmpd.conf".into(),
                content: snmpd(snmp, &node.name, ipv6),
                mode: 0o600,
            });
            if !stopped(ServiceName::Snmp) {
                ready.run(&["asbuilt-service", "status", "snmpd"]);
            }
        }
        start_daemon(script, "snmpd", prebuilt(Part::Snmp));
        started.push("snmpd");
    }
    if s.ntp || s.time_from.is_some() {
        if prebuilt(Part::Ntp) {
            plan.files.push(ConfigFile {
                path: "/etc/chrony/chrony.conf".into(),
                content: chrony(s.ntp, s.time_from.as_ref()),
                mode: 0o644,
            });
            if !stopped(ServiceName::Ntp) {
                ready.run(&["asbuilt-service", "status", "chrony"]);
            }
        }
        start_daemon(script, "chrony", prebuilt(Part::Ntp));
        started.push("chrony");
    }
    started
}

/// Starts a daemon with the lab's configuration, which must work; or with Debian's own
/// where the student configures it, which is their starting point and not asbuilt's to
/// insist on.
fn start_daemon(script: &mut Script, daemon: &str, configured: bool) {
    script.step(&format!("start {daemon}"));
    if configured {
        script.run(&["asbuilt-service", "restart", daemon]);
    } else {
        script.raw(format!(
            "asbuilt-service restart {daemon} || echo '{daemon} did not start with its default configuration' >&2"
        ));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn snmpd_answers_on_every_address_with_the_one_community() {
        let snmp = Snmp { community: "beheer-ro".into(), port: 161 };
        let v4 = snmpd(&snmp, "r1", false);
        assert!(v4.contains("agentAddress udp:161\n"), "{v4}");
        assert!(v4.contains("rocommunity beheer-ro default\n") && !v4.contains("public"), "{v4}");
        assert!(v4.contains("sysName r1\n"), "{v4}");
        let v6 = snmpd(&snmp, "r1", true);
        assert!(v6.contains("udp6:161") && v6.contains("rocommunity6 beheer-ro default"), "{v6}");
    }

    #[test]
    fn chrony_follows_the_designed_server_and_serves_everyone() {
        let time = TimeFrom { server: "r1".into(), address: "10.0.0.1".parse().unwrap() };
        let client = chrony(false, Some(&time));
        assert!(client.contains("server 10.0.0.1 iburst") && !client.contains("allow"), "{client}");
        let server = chrony(true, None);
        assert!(server.contains("local stratum 8\nallow all\n") && !server.contains("server "), "{server}");
    }

    #[test]
    fn rsyslog_forwards_to_the_designed_address_and_port() {
        let logs = LogsTo { server: "logsrv".into(), address: "10.0.0.5".parse().unwrap(), port: 514 };
        assert!(rsyslog_forward(&logs).contains("target=\"10.0.0.5\" port=\"514\" protocol=\"udp\""));
        let server = rsyslog_server(&Syslog { port: 1514 });
        assert!(server.contains("port=\"1514\"") && server.contains("/var/log/remote/%HOSTNAME%.log"));
    }
}
