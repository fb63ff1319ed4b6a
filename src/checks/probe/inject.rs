//! Putting a packet on a cable and watching whether it arrives: how asbuilt tests a
//! firewall policy for traffic that routing alone would never bring to the firewall
//! (the internet towards a masqueraded LAN).
//!
//! The packet leaves the neighbour's interface addressed to the firewall's hardware
//! address, as if the neighbour routed it there; a packet socket in the target node
//! sees it arrive, or not, before the target's own stack does anything with it.

use std::io;
use std::net::{IpAddr, Ipv4Addr};
use std::os::fd::FromRawFd;
use std::time::{Duration, Instant};

use socket2::Socket;

use super::ProbeError;
use super::icmp::checksum;
use super::net::Net;
use super::netns::{self, Namespace, NetnsError};
use super::watch::{FlowKey, KeyKind, Sought};
use crate::design::Endpoint;

/// Where to inject and where to watch.
pub struct Injection<'a> {
    pub from: &'a Endpoint,
    pub from_net: &'a Net,
    pub firewall: &'a Endpoint,
    pub firewall_net: &'a Net,
    pub target_net: &'a Net,
    pub source: Ipv4Addr,
    pub destination: Ipv4Addr,
    pub port: u16,
}

/// Where the injected packet was seen.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Arrival {
    /// In the target: the firewall let it through.
    pub arrived: bool,
    /// In the firewall: the packet did get there, so the firewall decided its fate.
    pub reached_firewall: bool,
}

/// Sends three copies and watches for `wait`. Returns where one was seen, and what was
/// done, for the evidence.
pub async fn inject(plan: &Injection<'_>, wait: Duration) -> Result<(Arrival, String), ProbeError> {
    let firewall = plan.firewall_net.link_address(&plan.firewall.interface).await?;
    let nowhere = Arrival { arrived: false, reached_firewall: false };
    let Some((_, firewall_mac)) = firewall else {
        return Ok((nowhere, format!("{} has no interface {}", plan.firewall.node, plan.firewall.interface)));
    };
    let sender = plan.from_net.link_address(&plan.from.interface).await?;
    let Some((ifindex, _)) = sender else {
        return Ok((nowhere, format!("{} has no interface {}", plan.from.node, plan.from.interface)));
    };
    let mark = format!("asbuilt-inject-{:08x}", super::fresh::mark());
    let in_target = plan.target_net.watch(Sought::Mark(mark.clone().into_bytes())).await?;
    // A fresh source port: no firewall knows this flow from an earlier run.
    let source_port = super::fresh::source_port();
    let key = FlowKey {
        dst: IpAddr::V4(plan.destination),
        kind: KeyKind::Udp { src_port: source_port, dst_port: plan.port },
    };
    let at_firewall = plan.firewall_net.watch(Sought::Flow(key)).await?;

    let packet = udp_packet(plan.source, plan.destination, source_port, plan.port, mark.as_bytes());
    let deadline = Instant::now() + wait;
    let mut arrived = false;
    for _ in 0..3 {
        plan.from_net.send_frame(ifindex, firewall_mac.clone(), packet.clone()).await?;
        let until = (Instant::now() + Duration::from_millis(200)).min(deadline);
        if in_target.seen(until.saturating_duration_since(Instant::now())).await {
            arrived = true;
            break;
        }
    }
    if !arrived {
        arrived = in_target.seen(deadline.saturating_duration_since(Instant::now())).await;
    }
    let reached_firewall = at_firewall.seen(Duration::from_millis(50)).await;
    let raw = format!(
        "UDP {}:{source_port} -> {}:{} put on {} towards {} ({}); {} in {}; {}",
        plan.source,
        plan.destination,
        plan.port,
        plan.from,
        plan.firewall,
        firewall_mac.iter().map(|b| format!("{b:02x}")).collect::<Vec<_>>().join(":"),
        if reached_firewall { "seen" } else { "not seen" },
        plan.firewall.node,
        if arrived { "it arrived" } else { "it did not arrive" }
    );
    Ok((Arrival { arrived, reached_firewall }, raw))
}

/// Puts an IP packet on interface `ifindex` of the namespace, addressed to `mac`.
pub async fn send_frame(
    ns: &Namespace,
    ifindex: u32,
    mac: Vec<u8>,
    packet: Vec<u8>,
) -> Result<(), NetnsError> {
    netns::run_in(ns, move || send_to_mac(&packet_socket()?, ifindex, &mac, &packet)).await
}

/// A packet socket for IPv4: link headers are added by the kernel.
fn packet_socket() -> io::Result<Socket> {
    let protocol = i32::from((libc::ETH_P_IP as u16).to_be());
    // SAFETY: plain socket(2); the descriptor is owned by the Socket from here on.
    let fd = unsafe { libc::socket(libc::AF_PACKET, libc::SOCK_DGRAM | libc::SOCK_CLOEXEC, protocol) };
    if fd < 0 {
        return Err(io::Error::last_os_error());
    }
    // SAFETY: fd is a fresh, valid descriptor nobody else owns.
    Ok(unsafe { Socket::from_raw_fd(fd) })
}

fn send_to_mac(socket: &Socket, ifindex: u32, mac: &[u8], packet: &[u8]) -> io::Result<()> {
    // SAFETY: sockaddr_ll is plain data; zero is a valid start for every field.
    let mut to: libc::sockaddr_ll = unsafe { std::mem::zeroed() };
    to.sll_family = libc::AF_PACKET as u16;
    to.sll_protocol = (libc::ETH_P_IP as u16).to_be();
    to.sll_ifindex = ifindex as i32;
    to.sll_halen = mac.len().min(8) as u8;
    to.sll_addr[..mac.len().min(8)].copy_from_slice(&mac[..mac.len().min(8)]);
    // SAFETY: the buffer and the address live for the call; sizes are their own.
    let sent = unsafe {
        libc::sendto(
            std::os::fd::AsRawFd::as_raw_fd(socket),
            packet.as_ptr().cast(),
            packet.len(),
            0,
            (&to as *const libc::sockaddr_ll).cast(),
            std::mem::size_of::<libc::sockaddr_ll>() as u32,
        )
    };
    if sent < 0 { Err(io::Error::last_os_error()) } else { Ok(()) }
}

/// An IPv4 UDP packet (no UDP checksum, which IPv4 allows).
fn udp_packet(src: Ipv4Addr, dst: Ipv4Addr, src_port: u16, dst_port: u16, payload: &[u8]) -> Vec<u8> {
    let total = 20 + 8 + payload.len();
    let mut p = vec![0u8; 20];
    p[0] = 0x45;
    p[2..4].copy_from_slice(&(total as u16).to_be_bytes());
    p[8] = 64; // TTL
    p[9] = 17; // UDP
    p[12..16].copy_from_slice(&src.octets());
    p[16..20].copy_from_slice(&dst.octets());
    let sum = checksum(&p);
    p[10..12].copy_from_slice(&sum.to_be_bytes());
    p.extend_from_slice(&src_port.to_be_bytes());
    p.extend_from_slice(&dst_port.to_be_bytes());
    p.extend_from_slice(&((8 + payload.len()) as u16).to_be_bytes());
    p.extend_from_slice(&[0, 0]);
    p.extend_from_slice(payload);
    p
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_injected_packet_has_a_valid_ip_header() {
        let p =
            udp_packet(Ipv4Addr::new(203, 0, 113, 1), Ipv4Addr::new(192, 168, 10, 20), 40_000, 33434, b"x");
        assert_eq!(checksum(&p[..20]), 0);
        assert_eq!(u16::from_be_bytes([p[2], p[3]]) as usize, p.len());
    }
}
