//! Watching for one of asbuilt's own packets in a node: did it get there?
//!
//! A check that traffic is blocked cannot be judged by silence alone. Silence is also
//! what an empty lab gives (nothing is configured, nothing arrives anywhere), and what a
//! server that got the packet but chose not to answer gives. So a negative check watches
//! in two places while it sends: in the target (the packet must not arrive there) and
//! where the policy must stop it (the packet must get that far, or the network is not
//! working yet and the check proves nothing). A packet socket sees frames before the
//! node's own firewall and stack do anything with them, in both directions, on every
//! interface of the node.

use std::io;
use std::mem::MaybeUninit;
use std::net::IpAddr;
use std::os::fd::FromRawFd;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use socket2::Socket;
use tokio::task::JoinHandle;

use super::netns::{self, Namespace, NetnsError};

/// What identifies one probe's packets: the destination and the fresh identifier or
/// source port the probe chose (see [`super::fresh`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct FlowKey {
    pub dst: IpAddr,
    pub kind: KeyKind,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum KeyKind {
    /// An ICMP or ICMPv6 echo request with this identifier.
    Echo {
        id: u16,
    },
    Tcp {
        src_port: u16,
        dst_port: u16,
    },
    Udp {
        src_port: u16,
        dst_port: u16,
    },
}

impl FlowKey {
    /// Whether an IP packet (from its first byte) is one of this flow's.
    pub fn matches(&self, packet: &[u8]) -> bool {
        let Some((protocol, dst, l4)) = ip_header(packet) else { return false };
        if dst != self.dst {
            return false;
        }
        let port = |at: usize| l4.get(at..at + 2).map(|b| u16::from_be_bytes([b[0], b[1]]));
        match self.kind {
            KeyKind::Echo { id } => {
                let request = if self.dst.is_ipv4() { (1, 8) } else { (58, 128) };
                protocol == request.0 && l4.first() == Some(&request.1) && port(4) == Some(id)
            }
            KeyKind::Tcp { src_port, dst_port } => {
                protocol == 6 && port(0) == Some(src_port) && port(2) == Some(dst_port)
            }
            KeyKind::Udp { src_port, dst_port } => {
                protocol == 17 && port(0) == Some(src_port) && port(2) == Some(dst_port)
            }
        }
    }
}

/// What a watch looks for.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum Sought {
    /// A packet of one probe's flow.
    Flow(FlowKey),
    /// A packet carrying these bytes (an injected packet's mark).
    Mark(Vec<u8>),
}

impl Sought {
    pub fn matches(&self, packet: &[u8]) -> bool {
        match self {
            Sought::Flow(key) => key.matches(packet),
            Sought::Mark(mark) => !mark.is_empty() && packet.windows(mark.len()).any(|w| w == mark),
        }
    }
}

/// The transport protocol, destination and transport header of an IPv4 or IPv6 packet
/// (IPv6 extension headers are not followed: asbuilt's probes send none).
fn ip_header(packet: &[u8]) -> Option<(u8, IpAddr, &[u8])> {
    match packet.first()? >> 4 {
        4 => {
            let ihl = usize::from(packet[0] & 0x0f) * 4;
            let dst: [u8; 4] = packet.get(16..20)?.try_into().ok()?;
            Some((*packet.get(9)?, IpAddr::from(dst), packet.get(ihl..)?))
        }
        6 => {
            let dst: [u8; 16] = packet.get(24..40)?.try_into().ok()?;
            Some((*packet.get(6)?, IpAddr::from(dst), packet.get(40..)?))
        }
        _ => None,
    }
}

/// A capture running in one node until dropped.
pub struct Watch {
    seen: Arc<AtomicBool>,
    task: JoinHandle<()>,
}

impl Drop for Watch {
    fn drop(&mut self) {
        self.task.abort();
    }
}

impl Watch {
    /// Starts watching every interface of the node whose namespace is `netns`.
    pub async fn start(netns: &Namespace, sought: Sought) -> Result<Watch, NetnsError> {
        let socket = netns::register(netns::run_in(netns, packet_socket).await?)?;
        let seen = Arc::new(AtomicBool::new(false));
        let flag = seen.clone();
        let task = tokio::spawn(async move {
            let mut buf = [MaybeUninit::<u8>::uninit(); 2048];
            loop {
                let Ok(mut guard) = socket.readable().await else { return };
                match guard.try_io(|fd| fd.get_ref().recv(&mut buf)) {
                    Ok(Ok(n)) => {
                        // SAFETY: recv initialised the first `n` bytes.
                        let data: Vec<u8> = buf[..n].iter().map(|b| unsafe { b.assume_init() }).collect();
                        if sought.matches(&data) {
                            flag.store(true, Ordering::SeqCst);
                            return;
                        }
                    }
                    Ok(Err(_)) => return,
                    Err(_would_block) => continue,
                }
            }
        });
        Ok(Watch { seen, task })
    }

    /// Whether the packet has come by, waiting up to `grace` for one still on its way.
    pub async fn seen(&self, grace: Duration) -> bool {
        let deadline = tokio::time::Instant::now() + grace;
        loop {
            if self.seen.load(Ordering::SeqCst) {
                return true;
            }
            if tokio::time::Instant::now() >= deadline {
                return false;
            }
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
    }
}

/// A packet socket for every protocol, at the network layer (link headers removed),
/// seeing frames in and out of every interface of the namespace.
fn packet_socket() -> io::Result<Socket> {
    let protocol = i32::from((libc::ETH_P_ALL as u16).to_be());
    // SAFETY: plain socket(2); the descriptor is owned by the Socket from here on.
    let fd = unsafe { libc::socket(libc::AF_PACKET, libc::SOCK_DGRAM | libc::SOCK_CLOEXEC, protocol) };
    if fd < 0 {
        return Err(io::Error::last_os_error());
    }
    // SAFETY: fd is a fresh, valid descriptor nobody else owns.
    let socket = unsafe { Socket::from_raw_fd(fd) };
    socket.set_nonblocking(true)?;
    Ok(socket)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn v4_packet(protocol: u8, dst: [u8; 4], l4: &[u8]) -> Vec<u8> {
        let mut p = vec![0u8; 20];
        p[0] = 0x45;
        p[9] = protocol;
        p[16..20].copy_from_slice(&dst);
        p.extend_from_slice(l4);
        p
    }

    #[test]
    fn an_echo_request_matches_by_its_identifier() {
        let key = FlowKey { dst: "10.0.0.2".parse().unwrap(), kind: KeyKind::Echo { id: 0x1234 } };
        assert!(key.matches(&v4_packet(1, [10, 0, 0, 2], &[8, 0, 0, 0, 0x12, 0x34, 0, 1])));
        assert!(!key.matches(&v4_packet(1, [10, 0, 0, 2], &[8, 0, 0, 0, 0x12, 0x35, 0, 1])), "another id");
        assert!(!key.matches(&v4_packet(1, [10, 0, 0, 2], &[0, 0, 0, 0, 0x12, 0x34, 0, 1])), "a reply");
        assert!(!key.matches(&v4_packet(1, [10, 0, 0, 3], &[8, 0, 0, 0, 0x12, 0x34, 0, 1])), "elsewhere");
    }

    #[test]
    fn tcp_and_udp_match_by_both_ports() {
        let dst = "192.0.2.1".parse().unwrap();
        let tcp = FlowKey { dst, kind: KeyKind::Tcp { src_port: 40_000, dst_port: 22 } };
        let header = |src: u16, dst: u16| [src.to_be_bytes(), dst.to_be_bytes()].concat();
        assert!(tcp.matches(&v4_packet(6, [192, 0, 2, 1], &header(40_000, 22))));
        assert!(!tcp.matches(&v4_packet(17, [192, 0, 2, 1], &header(40_000, 22))), "udp is not tcp");
        assert!(!tcp.matches(&v4_packet(6, [192, 0, 2, 1], &header(40_001, 22))));
    }

    #[test]
    fn ipv6_echo_requests_are_icmpv6_type_128() {
        let dst: IpAddr = "2001:db8::2".parse().unwrap();
        let key = FlowKey { dst, kind: KeyKind::Echo { id: 7 } };
        let mut p = vec![0u8; 40];
        p[0] = 0x60;
        p[6] = 58;
        if let IpAddr::V6(v6) = dst {
            p[24..40].copy_from_slice(&v6.octets());
        }
        p.extend_from_slice(&[128, 0, 0, 0, 0, 7, 0, 0]);
        assert!(key.matches(&p));
    }
}
