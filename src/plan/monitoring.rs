//! Configuration of the monitoring daemons: rsyslog as a log server or forwarding a
//! node's logs, and snmpd answering one read-only community.

use crate::design::{LogsTo, Snmp, Syslog, TimeFrom};

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
