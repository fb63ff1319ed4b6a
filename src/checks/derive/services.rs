//! Checks that services answer: each is asked on its own address from inside its own
//! node, so that it tests the service and not the network (reachability has checks
//! of its own). A DHCP server is asked by a client asbuilt plays on a LAN it serves.

use super::{Area, Draft, texts};
use crate::checks::content;
use crate::checks::model::{DhcpRange, ProbeSpec};
use crate::checks::sim::World;
use std::collections::HashMap;
use std::net::IpAddr;

use crate::design::{Design, Dns, DnsExpect, Endpoint, Node, RecordKind};

pub fn derive(design: &Design, world: &World) -> Vec<Draft> {
    let mut out = Vec::new();
    for node in design.nodes.values() {
        let Some(address) = node.primary_address() else { continue };
        let s = &node.services;
        if let Some(http) = &s.http {
            let host = match address {
                std::net::IpAddr::V6(a) => format!("[{a}]"),
                v4 => v4.to_string(),
            };
            let url = format!("http://{host}:{}/", http.port);
            let snippet = content::snippet(&http.content);
            let probe = ProbeSpec::Http {
                from: node.name.clone(),
                url,
                method: "GET".into(),
                status: 200,
                contains: (!snippet.is_empty()).then(|| snippet.clone()),
                matches: None,
            };
            out.push(Draft::new(
                format!("http/{}", node.name),
                texts::http(&node.name, &snippet),
                Area::Services,
                probe,
            ));
            for site in &http.sites {
                let snippet = content::snippet(&site.content);
                let port = if site.tls { http.tls_port } else { http.port };
                let probe = ProbeSpec::Site {
                    node: node.name.clone(),
                    address,
                    port,
                    name: site.name.clone(),
                    tls: site.tls,
                    contains: (!snippet.is_empty()).then(|| snippet.clone()),
                };
                out.push(Draft::new(
                    format!("site/{}/{}", node.name, site.name),
                    texts::site(&node.name, &site.name, site.tls, port, &snippet),
                    Area::Services,
                    probe,
                ));
            }
        }
        if let Some(dns) = &s.dns {
            out.extend(zone(node, dns, address));
        }
        if let Some(dhcp) = &s.dhcp {
            let Some(client) = dhcp_client(design, world, node) else { continue };
            let range = DhcpRange {
                subnet: dhcp.subnet,
                first: dhcp.first,
                last: dhcp.last,
                gateway: dhcp.gateway,
                dns: dhcp.dns.clone(),
            };
            let shown = format!("{} - {}", dhcp.first, dhcp.last);
            let text = texts::dhcp(&node.name, &client.to_string(), Some(&shown));
            let probe = ProbeSpec::Dhcp { server: node.name.clone(), client, range };
            out.push(
                Draft::new(format!("dhcp/{}", node.name), text, Area::Services, probe).patient(2, 5_000),
            );
        }
        if let Some(ssh) = &s.ssh {
            let probe = ProbeSpec::Ssh { node: node.name.clone(), address, port: ssh.port };
            out.push(Draft::new(
                format!("ssh/{}", node.name),
                texts::ssh(&node.name, ssh.port),
                Area::Services,
                probe,
            ));
        }
        out.extend(monitoring(node, address));
        out.extend(backups(node));
    }
    out
}

/// Checks of configuration backups, one per backed-up node, judged on the server.
fn backups(server: &Node) -> Vec<Draft> {
    let Some(backups) = &server.services.backups else { return Vec::new() };
    backups
        .of
        .iter()
        .map(|b| {
            let file = backups.file(&b.node);
            let probe = ProbeSpec::Backup {
                node: b.node.clone(),
                server: server.name.clone(),
                file: file.clone(),
                source: b.source,
            };
            Draft::new(
                format!("backup/{}/{}", server.name, b.node),
                texts::backup(&b.node, &server.name, &file, b.source),
                Area::Monitoring,
                probe,
            )
        })
        .collect()
}

/// Checks of logging and SNMP. A node's logs are checked where they must arrive, on the
/// log server; an SNMP agent is asked on its own address from inside its node, like the
/// other services.
fn monitoring(node: &Node, address: IpAddr) -> Vec<Draft> {
    let mut out = Vec::new();
    let s = &node.services;
    if let Some(logs) = &s.logs_to {
        let probe = ProbeSpec::Syslog {
            from: node.name.clone(),
            server: logs.server.clone(),
            address: logs.address,
            port: logs.port,
        };
        let text = texts::syslog(&node.name, &logs.server);
        // Patient: a log server's rsyslog writes within a moment, but not at once.
        out.push(
            Draft::new(format!("syslog/{}", node.name), text, Area::Monitoring, probe).patient(1, 5_000),
        );
    }
    if s.ntp {
        let probe = ProbeSpec::NtpServer { node: node.name.clone(), address };
        out.push(Draft::new(
            format!("ntp-server/{}", node.name),
            texts::ntp_server(&node.name),
            Area::Monitoring,
            probe,
        ));
    }
    if let Some(time) = &s.time_from {
        let probe = ProbeSpec::NtpFollows {
            node: node.name.clone(),
            server: time.server.clone(),
            address: time.address,
        };
        let text = texts::ntp_follows(&node.name, &time.server);
        // chrony takes a few polls before it chooses a source: the probe waits for that
        // itself, and only where the server is configured (`probe::monitoring`).
        out.push(Draft::new(format!("ntp/{}", node.name), text, Area::Monitoring, probe).patient(1, 30_000));
    }
    if let Some(snmp) = &s.snmp {
        let probe = ProbeSpec::Snmp {
            node: node.name.clone(),
            address,
            port: snmp.port,
            community: snmp.community.clone(),
        };
        let text = texts::snmp(&node.name, &snmp.community);
        out.push(Draft::new(format!("snmp/{}", node.name), text, Area::Monitoring, probe));
    }
    out
}

/// Checks of a DNS server's zone, each asked of the server on its own address: every
/// record, and for an authority its SOA with the AA flag.
///
/// Ids are the same for every student: `dns/<server>/<name>` for a name's first IPv4
/// address, with `/aaaa` for its first IPv6 one and `/<type>` for other types; a second
/// record of the same type gets a number (`/a2`, `/mx2`).
fn zone(node: &Node, dns: &Dns, address: IpAddr) -> Vec<Draft> {
    let mut out = Vec::new();
    let mut counts: HashMap<(String, RecordKind), usize> = HashMap::new();
    let mut id_for = |name: &str, kind: RecordKind| {
        let n = counts.entry((name.to_string(), kind)).or_default();
        *n += 1;
        let base = format!("dns/{}/{name}", node.name);
        match (kind, *n) {
            (RecordKind::A, 1) => base,
            (kind, 1) => format!("{base}/{}", kind.name().to_lowercase()),
            (kind, n) => format!("{base}/{}{n}", kind.name().to_lowercase()),
        }
    };
    for record in &dns.records {
        let shown = record.address.to_string();
        let kind = if record.address.is_ipv6() { RecordKind::Aaaa } else { RecordKind::A };
        let probe = ProbeSpec::Dns {
            from: node.name.clone(),
            name: record.name.clone(),
            server: Some(address),
            expect: Some(record.address),
            record: DnsExpect::default(),
        };
        let text = texts::dns(&node.name, &record.name, Some(&shown));
        out.push(Draft::new(id_for(&record.name, kind), text, Area::Services, probe));
    }
    for record in &dns.other_records {
        let kind = record.data.kind();
        let data = record.data.text();
        let probe = ProbeSpec::Dns {
            from: node.name.clone(),
            name: record.name.clone(),
            server: Some(address),
            expect: None,
            record: DnsExpect { kind, data: Some(data.clone()), authoritative: false },
        };
        let text = texts::dns_record(&node.name, &record.name, kind, &data);
        out.push(Draft::new(id_for(&record.name, kind), text, Area::Services, probe));
    }
    if let Some(domain) = dns.domain.as_ref().filter(|_| dns.authoritative) {
        let probe = ProbeSpec::Dns {
            from: node.name.clone(),
            name: domain.clone(),
            server: Some(address),
            expect: None,
            record: DnsExpect { kind: RecordKind::Soa, data: None, authoritative: true },
        };
        let text = texts::dns_authority(&node.name, domain);
        out.push(Draft::new(id_for(domain, RecordKind::Soa), text, Area::Services, probe));
    }
    out
}

/// The interface asbuilt sends its DHCP request from: a designed DHCP client on the
/// server's LAN if there is one, else any other interface there.
fn dhcp_client(design: &Design, world: &World, server: &Node) -> Option<Endpoint> {
    let dhcp = server.services.dhcp.as_ref()?;
    let me = Endpoint { node: server.name.clone(), interface: dhcp.interface.clone() };
    let members: Vec<&Endpoint> = world.domains.neighbours(&me).filter(|m| m.node != server.name).collect();
    let is_client = |ep: &&&Endpoint| design.nodes[&ep.node].interfaces[&ep.interface].dhcp;
    members.iter().find(is_client).or_else(|| members.first()).map(|ep| (*ep).clone())
}
