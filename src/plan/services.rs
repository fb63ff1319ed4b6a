//! Configuration of server daemons: nginx pages, dnsmasq DNS and DHCP, SSH users.

use std::fmt::Write;
use std::net::IpAddr;

use ipnet::IpNet;

use super::script::{Script, quote};
use crate::design::{Dhcp, Dns, Http, RecordData, Ssh};

/// The nginx site: one server answering on the designed port.
pub fn nginx_site(http: &Http, ipv6: bool) -> String {
    let mut out = format!(
        "# asbuilt: the web server of this lab's design.\nserver {{\n\tlisten {} default_server;\n",
        http.port
    );
    if ipv6 {
        let _ = writeln!(out, "\tlisten [::]:{} default_server;", http.port);
    }
    out.push_str("\troot /var/www/html;\n\tindex index.html;\n\tserver_name _;\n\tlocation / {\n\t\ttry_files $uri $uri/ =404;\n\t}\n}\n");
    out
}

/// dnsmasq's authoritative mode for `domain`: questions to the node's own addresses
/// about the zone get answers with the AA flag, an SOA and the zone's NS records (the
/// first named server is the primary).
fn zone_authority(out: &mut String, dns: &Dns, domain: &str, addresses: &[IpAddr]) {
    let servers: Vec<&str> = dns
        .other_records
        .iter()
        .filter_map(|r| match &r.data {
            RecordData::Ns { host } if r.name == domain => Some(host.as_str()),
            _ => None,
        })
        .collect();
    let Some((primary, others)) = servers.split_first() else { return };
    let _ = writeln!(out, "auth-zone={domain}");
    let listen: Vec<String> = addresses.iter().map(IpAddr::to_string).collect();
    let _ = writeln!(out, "auth-server={primary},{}", listen.join(","));
    if !others.is_empty() {
        let _ = writeln!(out, "auth-sec-servers={}", others.join(","));
    }
    let _ = writeln!(out, "auth-soa=1,hostmaster.{domain}");
}

/// The front page: the teacher's content, in a minimal HTML page unless it is HTML.
pub fn index_page(http: &Http, title: &str) -> String {
    let content = http.content.trim_end();
    if content.trim_start().starts_with('<') {
        return format!("{content}\n");
    }
    let escape = |s: &str| s.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;");
    format!(
        "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>{}</title></head>\n<body><p>{}</p></body></html>\n",
        escape(title),
        escape(content).replace('\n', "<br>\n")
    )
}

/// `/etc/dnsmasq.d/asbuilt.conf`: DNS records and/or a DHCP range. Without DNS in the
/// design, dnsmasq's DNS is switched off so it answers nothing it was not asked to.
/// `addresses`: the node's own, where an authoritative server answers as the authority.
pub fn dnsmasq(dns: Option<&Dns>, dhcp: Option<&Dhcp>, addresses: &[IpAddr]) -> String {
    let mut out = String::from("# asbuilt: DNS and DHCP of this lab's design.\n");
    match dns {
        Some(dns) => {
            // The lab has no internet: answer from the records, ask nobody else.
            out.push_str("no-resolv\nno-hosts\n");
            if let Some(domain) = &dns.domain {
                let _ = writeln!(out, "domain={domain}");
                if dns.authoritative {
                    zone_authority(&mut out, dns, domain, addresses);
                } else {
                    let _ = writeln!(out, "local=/{domain}/");
                }
            }
            for record in &dns.records {
                let _ = writeln!(out, "host-record={},{}", record.name, record.address);
            }
            for record in &dns.other_records {
                let name = &record.name;
                let _ = match &record.data {
                    RecordData::Cname { target } => writeln!(out, "cname={name},{target}"),
                    RecordData::Mx { preference, host } => {
                        writeln!(out, "mx-host={name},{host},{preference}")
                    }
                    // The zone's name servers are said by auth-server above.
                    RecordData::Ns { .. } => Ok(()),
                    RecordData::Txt { text } => {
                        writeln!(out, "txt-record={name},\"{}\"", text.replace('"', ""))
                    }
                    RecordData::Ptr { address, host } => {
                        writeln!(out, "ptr-record={},{host}", crate::design::reverse_name(*address))
                    }
                };
            }
        }
        None => out.push_str("port=0\n"),
    }
    if let Some(dhcp) = dhcp {
        let mask = match dhcp.subnet {
            IpNet::V4(v4) => v4.netmask().to_string(),
            IpNet::V6(_) => String::new(),
        };
        let _ = writeln!(out, "interface={}\ndhcp-authoritative", dhcp.interface);
        let _ = writeln!(out, "dhcp-range={},{},{mask},{}s", dhcp.first, dhcp.last, dhcp.lease_seconds);
        if let Some(gw) = dhcp.gateway {
            let _ = writeln!(out, "dhcp-option=option:router,{gw}");
        }
        let dns_servers: Vec<String> =
            dhcp.dns.iter().filter(|a| a.is_ipv4()).map(IpAddr::to_string).collect();
        if !dns_servers.is_empty() {
            let _ = writeln!(out, "dhcp-option=option:dns-server,{}", dns_servers.join(","));
        }
        if let Some(domain) = dns.and_then(|d| d.domain.as_ref()) {
            let _ = writeln!(out, "dhcp-option=option:domain-name,{domain}");
        }
    }
    out
}

/// SSH: the port, and the users with their passwords. The passwords are hashed by
/// chpasswd inside the node; the script itself is fed on stdin and never stored.
pub fn ssh(ssh: &Ssh, script: &mut Script) -> String {
    for user in &ssh.users {
        script.raw(format!(
            "id -u {0} >/dev/null 2>&1 || useradd --create-home --shell /bin/bash {0}",
            quote(&user.name)
        ));
        script
            .raw(format!("printf '%s\\n' {} | chpasswd", quote(&format!("{}:{}", user.name, user.password))));
    }
    format!(
        "# asbuilt: the SSH server of this lab's design.\nPort {}\nPasswordAuthentication yes\nPermitRootLogin no\n",
        ssh.port
    )
}
