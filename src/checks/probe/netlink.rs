//! Reading a node's interfaces, addresses, routes and bridge VLANs from its kernel over
//! netlink, from the host. Blocking: call these inside [`super::netns::run_in`].
//!
//! Every reader also returns its raw evidence, in the style of `ip` output, so that a
//! report shows what was read.

use std::collections::HashMap;
use std::io;
use std::net::IpAddr;

use ipnet::IpNet;
use netlink_packet_core::{NLM_F_DUMP, NLM_F_REQUEST, NetlinkHeader, NetlinkMessage, NetlinkPayload};
use netlink_packet_route::address::{AddressAttribute, AddressMessage};
use netlink_packet_route::link::{
    AfSpecBridge, BridgeVlanInfoFlags, LinkAttribute, LinkExtentMask, LinkFlags, LinkMessage,
};
use netlink_packet_route::route::{RouteAddress, RouteAttribute, RouteMessage, RouteType};
use netlink_packet_route::{AddressFamily, RouteNetlinkMessage};
use netlink_sys::{Socket, SocketAddr, protocols::NETLINK_ROUTE};

use crate::checks::observation::{InterfaceFacts, RouteFact, RouteOrigin, VlanFact};

/// The kernel's main routing table.
const MAIN_TABLE: u32 = 254;

/// Sends one dump request and collects every message of the answer.
fn dump(request: RouteNetlinkMessage) -> io::Result<Vec<RouteNetlinkMessage>> {
    let mut socket = Socket::new(NETLINK_ROUTE)?;
    socket.bind_auto()?;
    socket.connect(&SocketAddr::new(0, 0))?;
    let mut header = NetlinkHeader::default();
    header.flags = NLM_F_REQUEST | NLM_F_DUMP;
    header.sequence_number = 1;
    let mut packet = NetlinkMessage::new(header, NetlinkPayload::from(request));
    packet.finalize();
    let mut buf = vec![0; packet.header.length as usize];
    packet.serialize(&mut buf[..]);
    socket.send(&buf[..], 0)?;

    let mut out = Vec::new();
    let mut receive = vec![0u8; 64 * 1024];
    loop {
        let size = socket.recv(&mut &mut receive[..], 0)?;
        let mut offset = 0;
        while offset < size {
            let message = NetlinkMessage::<RouteNetlinkMessage>::deserialize(&receive[offset..size])
                .map_err(|e| {
                    io::Error::new(io::ErrorKind::InvalidData, format!("bad netlink message: {e}"))
                })?;
            let length = message.header.length as usize;
            match message.payload {
                NetlinkPayload::Done(_) => return Ok(out),
                NetlinkPayload::Error(e) => {
                    let code = e.code.map_or(0, |c| -c.get());
                    return Err(io::Error::from_raw_os_error(code));
                }
                NetlinkPayload::InnerMessage(inner) => out.push(inner),
                _ => {}
            }
            if length == 0 {
                break;
            }
            offset += length;
        }
    }
}

/// One network interface as the kernel lists it.
struct Link {
    index: u32,
    name: String,
    up: bool,
    carrier: bool,
}

fn links() -> io::Result<Vec<Link>> {
    let messages = dump(RouteNetlinkMessage::GetLink(LinkMessage::default()))?;
    Ok(messages
        .into_iter()
        .filter_map(|m| match m {
            RouteNetlinkMessage::NewLink(link) => Some(link),
            _ => None,
        })
        .map(|link| {
            let name = link
                .attributes
                .iter()
                .find_map(|a| match a {
                    LinkAttribute::IfName(n) => Some(n.clone()),
                    _ => None,
                })
                .unwrap_or_default();
            let carrier = link.attributes.iter().any(|a| matches!(a, LinkAttribute::Carrier(1)))
                || link.header.flags.contains(LinkFlags::LowerUp);
            Link { index: link.header.index, name, up: link.header.flags.contains(LinkFlags::Up), carrier }
        })
        .collect())
}

fn addresses() -> io::Result<Vec<(u32, IpNet)>> {
    let messages = dump(RouteNetlinkMessage::GetAddress(AddressMessage::default()))?;
    let mut out = Vec::new();
    for m in messages {
        let RouteNetlinkMessage::NewAddress(addr) = m else { continue };
        // IFA_LOCAL is the address itself; IFA_ADDRESS is the peer on point-to-point
        // links, and the only one for IPv6.
        let local = addr.attributes.iter().find_map(|a| match a {
            AddressAttribute::Local(ip) => Some(*ip),
            _ => None,
        });
        let any = addr.attributes.iter().find_map(|a| match a {
            AddressAttribute::Address(ip) => Some(*ip),
            _ => None,
        });
        let Some(ip) = local.or(any) else { continue };
        // Link-local IPv6 addresses appear by themselves; no design has them.
        if crate::design::is_link_local(ip) {
            continue;
        }
        if let Ok(net) = IpNet::new(ip, addr.header.prefix_len) {
            out.push((addr.header.index, net));
        }
    }
    Ok(out)
}

/// One interface's state and addresses; `None` when the node has no such interface.
pub fn interface(name: &str) -> io::Result<(Option<InterfaceFacts>, String)> {
    let links = links()?;
    let Some(link) = links.iter().find(|l| l.name == name) else {
        let names: Vec<&str> = links.iter().map(|l| l.name.as_str()).collect();
        return Ok((None, format!("no interface {name}; interfaces: {}", names.join(" "))));
    };
    let addresses: Vec<IpNet> =
        addresses()?.into_iter().filter(|(index, _)| *index == link.index).map(|(_, net)| net).collect();
    let raw = format!(
        "{}: {} {}\n{}",
        link.name,
        if link.up { "UP" } else { "DOWN" },
        if link.carrier { "LOWER_UP" } else { "NO-CARRIER" },
        addresses.iter().map(|a| format!("    inet {a}")).collect::<Vec<_>>().join("\n")
    );
    Ok((Some(InterfaceFacts { up: link.up, carrier: link.carrier, addresses }), raw))
}

/// The main routing table, both families.
pub fn routes() -> io::Result<(Vec<RouteFact>, String)> {
    let names: HashMap<u32, String> = links()?.into_iter().map(|l| (l.index, l.name)).collect();
    let messages = dump(RouteNetlinkMessage::GetRoute(RouteMessage::default()))?;
    let mut out = Vec::new();
    for m in messages {
        let RouteNetlinkMessage::NewRoute(route) = m else { continue };
        let table = route
            .attributes
            .iter()
            .find_map(|a| match a {
                RouteAttribute::Table(t) => Some(*t),
                _ => None,
            })
            .unwrap_or(u32::from(route.header.table));
        if table != MAIN_TABLE || route.header.kind != RouteType::Unicast {
            continue;
        }
        let v4 = route.header.address_family == AddressFamily::Inet;
        let dst = route.attributes.iter().find_map(|a| match a {
            RouteAttribute::Destination(d) => route_ip(d),
            _ => None,
        });
        let base: IpAddr = dst.unwrap_or(if v4 { IpAddr::from([0u8; 4]) } else { IpAddr::from([0u16; 8]) });
        let Ok(to) = IpNet::new(base, route.header.destination_prefix_length) else { continue };
        let mut via = Vec::new();
        let mut interface = None;
        for a in &route.attributes {
            match a {
                RouteAttribute::Gateway(g) => via.extend(route_ip(g)),
                RouteAttribute::Oif(i) => interface = names.get(i).cloned(),
                RouteAttribute::MultiPath(hops) => {
                    for hop in hops {
                        via.extend(hop.attributes.iter().filter_map(|a| match a {
                            RouteAttribute::Gateway(g) => route_ip(g),
                            _ => None,
                        }));
                        interface = interface.or_else(|| names.get(&hop.interface_index).cloned());
                    }
                }
                _ => {}
            }
        }
        let origin = RouteOrigin::from_number(u8::from(route.header.protocol));
        out.push(RouteFact { to, via, interface, origin });
    }
    let raw = out.iter().map(show_route).collect::<Vec<_>>().join("\n");
    Ok((out, raw))
}

fn route_ip(addr: &RouteAddress) -> Option<IpAddr> {
    match addr {
        RouteAddress::Inet(v4) => Some(IpAddr::V4(*v4)),
        RouteAddress::Inet6(v6) => Some(IpAddr::V6(*v6)),
        _ => None,
    }
}

/// A route as `ip route` shows it.
pub fn show_route(r: &RouteFact) -> String {
    let to = if r.to.prefix_len() == 0 { "default".to_string() } else { r.to.to_string() };
    let mut line = to;
    for v in &r.via {
        line.push_str(&format!(" via {v}"));
    }
    if let Some(dev) = &r.interface {
        line.push_str(&format!(" dev {dev}"));
    }
    line.push_str(&format!(" proto {}", r.origin.name()));
    line
}

/// The VLANs of one bridge port; `None` when it is in no bridge that filters VLANs.
pub fn bridge_vlans(port: &str) -> io::Result<(Option<Vec<VlanFact>>, String)> {
    let mut request = LinkMessage::default();
    request.header.interface_family = AddressFamily::Bridge;
    request.attributes.push(LinkAttribute::ExtMask(vec![LinkExtentMask::Brvlan]));
    let messages = dump(RouteNetlinkMessage::GetLink(request))?;
    for m in messages {
        let RouteNetlinkMessage::NewLink(link) = m else { continue };
        let is_port = link.attributes.iter().any(|a| matches!(a, LinkAttribute::IfName(n) if n == port));
        if !is_port {
            continue;
        }
        let vlans: Vec<VlanFact> = link
            .attributes
            .iter()
            .filter_map(|a| match a {
                LinkAttribute::AfSpecBridge(spec) => Some(spec),
                _ => None,
            })
            .flatten()
            .filter_map(|s| match s {
                AfSpecBridge::VlanInfo(info) => Some(VlanFact {
                    vid: info.vid,
                    pvid: info.flags.contains(BridgeVlanInfoFlags::Pvid),
                    untagged: info.flags.contains(BridgeVlanInfoFlags::Untagged),
                }),
                _ => None,
            })
            .collect();
        if vlans.is_empty() {
            return Ok((None, format!("{port}: a bridge port without VLAN filtering")));
        }
        let raw = vlans
            .iter()
            .map(|v| {
                format!(
                    "{port} {}{}{}",
                    v.vid,
                    if v.pvid { " PVID" } else { "" },
                    if v.untagged { " Egress Untagged" } else { "" }
                )
            })
            .collect::<Vec<_>>()
            .join("\n");
        return Ok((Some(vlans), raw));
    }
    Ok((None, format!("{port}: not a bridge port")))
}

/// The index and hardware address of an interface.
pub fn link_address(name: &str) -> io::Result<Option<(u32, Vec<u8>)>> {
    let messages = dump(RouteNetlinkMessage::GetLink(LinkMessage::default()))?;
    for m in messages {
        let RouteNetlinkMessage::NewLink(link) = m else { continue };
        if !link.attributes.iter().any(|a| matches!(a, LinkAttribute::IfName(n) if n == name)) {
            continue;
        }
        let mac = link.attributes.iter().find_map(|a| match a {
            LinkAttribute::Address(mac) => Some(mac.clone()),
            _ => None,
        });
        return Ok(mac.map(|m| (link.header.index, m)));
    }
    Ok(None)
}
