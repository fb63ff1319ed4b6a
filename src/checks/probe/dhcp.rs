//! Asking a DHCP server for an offer, as a client asbuilt plays itself on a node's
//! interface (RFC 2131). Only DISCOVER and OFFER: the offer shows the range, gateway
//! and DNS server; asbuilt never takes a lease, so no address is used up.

use std::net::{Ipv4Addr, SocketAddr, SocketAddrV4};
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::Duration;

use socket2::{Domain, Protocol, Socket, Type};
use tokio::net::UdpSocket;

use super::netns::{self, Namespace, NetnsError};
use crate::checks::observation::DhcpOffer;

const MAGIC_COOKIE: [u8; 4] = [99, 130, 83, 99];
const DISCOVER: u8 = 1;
const OFFER: u8 = 2;

static NEXT_XID: AtomicU32 = AtomicU32::new(0x4173_0000);

/// Broadcasts a DISCOVER from `interface` in the namespace and returns the first offer.
pub async fn discover(
    netns: &Namespace,
    interface: &str,
    timeout: Duration,
) -> Result<Option<DhcpOffer>, NetnsError> {
    let device = interface.to_string();
    let socket = netns::run_in(netns, move || {
        let socket = Socket::new(Domain::IPV4, Type::DGRAM, Some(Protocol::UDP))?;
        // A DHCP client on the node may hold port 68 too; broadcasts reach both.
        socket.set_reuse_address(true)?;
        socket.set_broadcast(true)?;
        socket.bind_device(Some(device.as_bytes()))?;
        socket.bind(&SocketAddr::V4(SocketAddrV4::new(Ipv4Addr::UNSPECIFIED, 68)).into())?;
        socket.set_nonblocking(true)?;
        Ok(socket)
    })
    .await?;
    let socket = UdpSocket::from_std(std::net::UdpSocket::from(socket))?;
    let xid = NEXT_XID.fetch_add(1, Ordering::Relaxed);
    let mac = client_mac(xid);
    socket.send_to(&discover_packet(xid, mac), SocketAddrV4::new(Ipv4Addr::BROADCAST, 67)).await?;
    let mut buf = vec![0u8; 1500];
    let wait = async {
        loop {
            let (n, _) = socket.recv_from(&mut buf).await?;
            if let Some(offer) = parse_offer(&buf[..n], xid) {
                return Ok::<_, std::io::Error>(offer);
            }
        }
    };
    match tokio::time::timeout(timeout, wait).await {
        Ok(Ok(offer)) => Ok(Some(offer)),
        Ok(Err(e)) => Err(NetnsError::Work(e)),
        Err(_elapsed) => Ok(None),
    }
}

/// A made-up, locally administered hardware address per request, so an offer to
/// asbuilt never disturbs the lease of the node it speaks from.
fn client_mac(xid: u32) -> [u8; 6] {
    let b = xid.to_be_bytes();
    [0x02, 0xa5, b[0], b[1], b[2], b[3]]
}

/// A DISCOVER asking for the answer by broadcast (the client has no address yet).
pub fn discover_packet(xid: u32, mac: [u8; 6]) -> Vec<u8> {
    let mut p = vec![0u8; 236];
    p[0] = 1; // request
    p[1] = 1; // ethernet
    p[2] = 6; // hardware address length
    p[4..8].copy_from_slice(&xid.to_be_bytes());
    p[10] = 0x80; // broadcast flag
    p[28..34].copy_from_slice(&mac);
    p.extend_from_slice(&MAGIC_COOKIE);
    p.extend_from_slice(&[53, 1, DISCOVER]);
    p.extend_from_slice(&[55, 4, 1, 3, 6, 54]); // ask for mask, router, DNS, server id
    p.push(255);
    p
}

/// The offer in a server's reply to `xid`; `None` for anything else.
pub fn parse_offer(p: &[u8], xid: u32) -> Option<DhcpOffer> {
    if p.len() < 240 || p[0] != 2 || p[4..8] != xid.to_be_bytes() || p[236..240] != MAGIC_COOKIE {
        return None;
    }
    let address = Ipv4Addr::new(p[16], p[17], p[18], p[19]);
    let mut offer = DhcpOffer { address, server: None, gateway: None, dns: Vec::new(), netmask: None };
    let mut kind = None;
    let mut at = 240;
    while at < p.len() {
        let code = p[at];
        if code == 255 {
            break;
        }
        if code == 0 {
            at += 1;
            continue;
        }
        let len = usize::from(*p.get(at + 1)?);
        let data = p.get(at + 2..at + 2 + len)?;
        let addrs = || data.chunks_exact(4).map(|c| Ipv4Addr::new(c[0], c[1], c[2], c[3]));
        match code {
            53 => kind = data.first().copied(),
            1 => offer.netmask = addrs().next(),
            3 => offer.gateway = addrs().next(),
            6 => offer.dns = addrs().collect(),
            54 => offer.server = addrs().next(),
            _ => {}
        }
        at += 2 + len;
    }
    (kind == Some(OFFER)).then_some(offer)
}

/// The OFFER a server with these settings sends for `discover`: for test servers.
pub fn offer_packet(discover: &[u8], offer: &DhcpOffer) -> Option<Vec<u8>> {
    if discover.len() < 240 || discover[0] != 1 {
        return None;
    }
    let mut p = discover[..236].to_vec();
    p[0] = 2;
    p[16..20].copy_from_slice(&offer.address.octets());
    p.extend_from_slice(&MAGIC_COOKIE);
    p.extend_from_slice(&[53, 1, OFFER]);
    let mut option = |code: u8, addrs: &[Ipv4Addr]| {
        if !addrs.is_empty() {
            p.push(code);
            p.push((addrs.len() * 4) as u8);
            addrs.iter().for_each(|a| p.extend_from_slice(&a.octets()));
        }
    };
    option(1, offer.netmask.as_slice());
    option(3, offer.gateway.as_slice());
    option(6, &offer.dns);
    option(54, offer.server.as_slice());
    p.push(255);
    Some(p)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_offer_for_our_discover_reads_back() {
        let discover = discover_packet(42, client_mac(42));
        let sent = DhcpOffer {
            address: Ipv4Addr::new(192, 168, 50, 100),
            server: Some(Ipv4Addr::new(192, 168, 50, 2)),
            gateway: Some(Ipv4Addr::new(192, 168, 50, 1)),
            dns: vec![Ipv4Addr::new(192, 168, 50, 2)],
            netmask: Some(Ipv4Addr::new(255, 255, 255, 0)),
        };
        let reply = offer_packet(&discover, &sent).unwrap();
        assert_eq!(parse_offer(&reply, 42), Some(sent));
        assert_eq!(parse_offer(&reply, 43), None, "another client's transaction");
        assert_eq!(parse_offer(&discover, 42), None, "a request is not an offer");
    }
}
