//! Checks that services answer: each is asked on its own address from inside its own
//! node, so that it tests the service and not the network (reachability has checks
//! of its own). A DHCP server is asked by a client asbuilt plays on a LAN it serves.

use super::{Area, Draft, texts};
use crate::checks::content;
use crate::checks::model::{DhcpRange, ProbeSpec};
use crate::checks::sim::World;
use crate::design::{Design, Endpoint, Node};

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
                status: 200,
                contains: (!snippet.is_empty()).then(|| snippet.clone()),
            };
            out.push(Draft::new(
                format!("http/{}", node.name),
                texts::http(&node.name, &snippet),
                Area::Services,
                probe,
            ));
        }
        if let Some(dns) = &s.dns {
            for record in &dns.records {
                let shown = record.address.to_string();
                let probe = ProbeSpec::Dns {
                    from: node.name.clone(),
                    name: record.name.clone(),
                    server: Some(address),
                    expect: Some(record.address),
                };
                let text = texts::dns(&node.name, &record.name, Some(&shown));
                out.push(Draft::new(
                    format!("dns/{}/{}", node.name, record.name),
                    text,
                    Area::Services,
                    probe,
                ));
            }
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
