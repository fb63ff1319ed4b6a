//! TCP and UDP from inside a node's namespace, with sockets asbuilt makes itself:
//! connecting to a port, exchanging a datagram, and listening where a check needs
//! something to answer.

use std::io;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use socket2::{Domain, Protocol, Socket, Type};
use tokio::net::{TcpSocket, TcpStream, UdpSocket};
use tokio::sync::Notify;
use tokio::task::JoinHandle;

use super::netns::{self, Namespace, NetnsError};
use crate::checks::observation::PortFact;
use crate::design::Transport;

fn domain(addr: IpAddr) -> Domain {
    if addr.is_ipv4() { Domain::IPV4 } else { Domain::IPV6 }
}

fn unspecified(v4: bool, port: u16) -> SocketAddr {
    if v4 {
        SocketAddr::new(IpAddr::V4(Ipv4Addr::UNSPECIFIED), port)
    } else {
        SocketAddr::new(IpAddr::V6(Ipv6Addr::UNSPECIFIED), port)
    }
}

/// How a failed connect reads to a student.
fn port_fact(err: &io::Error) -> PortFact {
    match err.raw_os_error() {
        Some(libc::ECONNREFUSED) => PortFact::Refused,
        Some(libc::EHOSTUNREACH) => PortFact::Unreachable("host unreachable".into()),
        Some(libc::ENETUNREACH) => PortFact::Unreachable("network unreachable".into()),
        Some(libc::EACCES | libc::EPERM) => PortFact::Unreachable("administratively prohibited".into()),
        _ => PortFact::Unreachable(err.to_string()),
    }
}

/// Whether anything in the namespace listens on `port` (any address, either family):
/// read from the kernel's socket tables as the namespace sees them. Lets a probe say at
/// once that no server runs, instead of waiting out its time for an answer.
pub async fn listening(netns: &Namespace, protocol: Transport, port: u16) -> Result<bool, NetnsError> {
    netns::run_in(netns, move || {
        let tables: &[&str] = match protocol {
            Transport::Tcp => &["tcp", "tcp6"],
            Transport::Udp => &["udp", "udp6"],
        };
        let mut found = false;
        for table in tables {
            // thread-self: the table of the namespace this thread has entered.
            let text = std::fs::read_to_string(format!("/proc/thread-self/net/{table}")).unwrap_or_default();
            found |= socket_table_has(&text, protocol, port);
        }
        Ok(found)
    })
    .await
}

/// Whether a `/proc/net/{tcp,udp}` table has a socket bound to `port`, listening (TCP)
/// or open (UDP).
fn socket_table_has(table: &str, protocol: Transport, port: u16) -> bool {
    const TCP_LISTEN: &str = "0A";
    table.lines().skip(1).any(|line| {
        let fields: Vec<&str> = line.split_whitespace().collect();
        let local_port =
            fields.get(1).and_then(|a| a.rsplit_once(':')).and_then(|(_, p)| u16::from_str_radix(p, 16).ok());
        let state = fields.get(3).copied().unwrap_or("");
        local_port == Some(port) && (protocol == Transport::Udp || state == TCP_LISTEN)
    })
}

/// A socket in a node's namespace, bound to a source port no earlier probe used (see
/// [`super::fresh`]): its flow is new to every firewall on the way.
pub struct Bound {
    socket: Socket,
    pub port: u16,
}

/// Makes a socket of `protocol` for talking to `to`, bound to a fresh source port.
pub async fn bind_fresh(netns: &Namespace, protocol: Transport, to: SocketAddr) -> Result<Bound, NetnsError> {
    netns::run_in(netns, move || {
        let (kind, proto) = match protocol {
            Transport::Tcp => (Type::STREAM, Protocol::TCP),
            Transport::Udp => (Type::DGRAM, Protocol::UDP),
        };
        let socket = Socket::new(domain(to.ip()), kind, Some(proto))?;
        socket.set_nonblocking(true)?;
        // A port the node itself uses is skipped; after a few, any port the kernel picks.
        for _ in 0..8 {
            let port = super::fresh::source_port();
            match socket.bind(&unspecified(to.is_ipv4(), port).into()) {
                Ok(()) => return Ok(Bound { socket, port }),
                Err(e) if e.raw_os_error() == Some(libc::EADDRINUSE) => continue,
                Err(e) => return Err(e),
            }
        }
        socket.bind(&unspecified(to.is_ipv4(), 0).into())?;
        let port = socket.local_addr()?.as_socket().map_or(0, |a| a.port());
        Ok(Bound { socket, port })
    })
    .await
}

/// Opens a TCP connection from the namespace, from a fresh source port; `Err` carries
/// what the port did instead.
pub async fn connect(
    netns: &Namespace,
    to: SocketAddr,
    timeout: Duration,
) -> Result<Result<TcpStream, PortFact>, NetnsError> {
    let bound = bind_fresh(netns, Transport::Tcp, to).await?;
    connect_bound(bound, to, timeout).await
}

/// Connects a bound TCP socket.
pub async fn connect_bound(
    bound: Bound,
    to: SocketAddr,
    timeout: Duration,
) -> Result<Result<TcpStream, PortFact>, NetnsError> {
    let socket = TcpSocket::from_std_stream(bound.socket.into());
    match tokio::time::timeout(timeout, socket.connect(to)).await {
        Ok(Ok(stream)) => Ok(Ok(stream)),
        Ok(Err(e)) => Ok(Err(port_fact(&e))),
        Err(_elapsed) => Ok(Err(PortFact::Silent)),
    }
}

/// Sends one datagram from the namespace, from a fresh source port, and waits for an
/// answer.
pub async fn exchange(
    netns: &Namespace,
    to: SocketAddr,
    payload: Vec<u8>,
    timeout: Duration,
) -> Result<(PortFact, Vec<u8>), NetnsError> {
    let bound = bind_fresh(netns, Transport::Udp, to).await?;
    exchange_bound(bound, to, payload, timeout).await
}

/// Sends one datagram from a bound UDP socket and waits for an answer.
pub async fn exchange_bound(
    bound: Bound,
    to: SocketAddr,
    payload: Vec<u8>,
    timeout: Duration,
) -> Result<(PortFact, Vec<u8>), NetnsError> {
    let socket = UdpSocket::from_std(std::net::UdpSocket::from(bound.socket))?;
    // A connected UDP socket reports an ICMP port unreachable as ECONNREFUSED.
    if let Err(e) = socket.connect(to).await {
        return Ok((port_fact(&e), Vec::new()));
    }
    if let Err(e) = socket.send(&payload).await {
        return Ok((port_fact(&e), Vec::new()));
    }
    let mut buf = vec![0u8; 4096];
    match tokio::time::timeout(timeout, socket.recv(&mut buf)).await {
        Ok(Ok(n)) => {
            buf.truncate(n);
            Ok((PortFact::Open, buf))
        }
        Ok(Err(e)) => Ok((port_fact(&e), Vec::new())),
        Err(_elapsed) => Ok((PortFact::Silent, Vec::new())),
    }
}

/// A port asbuilt listens on inside a node: TCP connections are accepted and closed,
/// UDP datagrams echoed; every peer address is remembered.
pub struct Listener {
    peers: Arc<Mutex<Vec<SocketAddr>>>,
    arrived: Arc<Notify>,
    task: JoinHandle<()>,
}

impl Drop for Listener {
    fn drop(&mut self) {
        self.task.abort();
    }
}

impl Listener {
    /// The first peer that came, waiting up to `timeout` for one.
    pub async fn first_peer(&self, timeout: Duration) -> Option<SocketAddr> {
        let deadline = tokio::time::Instant::now() + timeout;
        loop {
            let notified = self.arrived.notified();
            if let Some(p) = self.peers.lock().expect("not poisoned").first() {
                return Some(*p);
            }
            if tokio::time::timeout_at(deadline, notified).await.is_err() {
                return None;
            }
        }
    }
}

/// Listens on `port` of every address in the namespace; `None` when something in the
/// node listens there already (the port is the node's own).
pub async fn listen(ns: &Namespace, protocol: Transport, port: u16) -> Result<Option<Listener>, NetnsError> {
    let bound = netns::run_in(ns, move || bind_any(protocol, port)).await?;
    match bound {
        Some(socket) => Ok(Some(serve(socket, protocol)?)),
        None => Ok(None),
    }
}

/// Binds `port` on every address: one dual-stack socket, or IPv4 alone where the
/// namespace has no IPv6. `None` when something in the node holds the port already.
fn bind_any(protocol: Transport, port: u16) -> io::Result<Option<Socket>> {
    let in_use = |e: &io::Error| e.raw_os_error() == Some(libc::EADDRINUSE);
    let dual = Socket::new(Domain::IPV6, socket_type(protocol), None).and_then(|s| {
        s.set_only_v6(false)?;
        s.set_reuse_address(true)?;
        s.bind(&unspecified(false, port).into())?;
        Ok(s)
    });
    let socket = match dual {
        Ok(s) => s,
        Err(e) if in_use(&e) => return Ok(None),
        Err(_) => {
            let s = Socket::new(Domain::IPV4, socket_type(protocol), None)?;
            s.set_reuse_address(true)?;
            match s.bind(&unspecified(true, port).into()) {
                Ok(()) => s,
                Err(e) if in_use(&e) => return Ok(None),
                Err(e) => return Err(e),
            }
        }
    };
    finish(socket, protocol).map(Some)
}

fn socket_type(protocol: Transport) -> Type {
    match protocol {
        Transport::Tcp => Type::STREAM,
        Transport::Udp => Type::DGRAM,
    }
}

fn finish(socket: Socket, protocol: Transport) -> io::Result<Socket> {
    if protocol == Transport::Tcp {
        socket.listen(64)?;
    }
    socket.set_nonblocking(true)?;
    Ok(socket)
}

fn serve(socket: Socket, protocol: Transport) -> io::Result<Listener> {
    let peers = Arc::new(Mutex::new(Vec::new()));
    let arrived = Arc::new(Notify::new());
    let (p, a) = (peers.clone(), arrived.clone());
    let task = match protocol {
        Transport::Tcp => {
            let listener = tokio::net::TcpListener::from_std(socket.into())?;
            tokio::spawn(async move {
                while let Ok((stream, peer)) = listener.accept().await {
                    p.lock().expect("not poisoned").push(unmapped(peer));
                    a.notify_waiters();
                    drop(stream);
                }
            })
        }
        Transport::Udp => {
            let udp = UdpSocket::from_std(socket.into())?;
            tokio::spawn(async move {
                let mut buf = vec![0u8; 2048];
                while let Ok((n, peer)) = udp.recv_from(&mut buf).await {
                    p.lock().expect("not poisoned").push(unmapped(peer));
                    a.notify_waiters();
                    let _ = udp.send_to(&buf[..n], peer).await;
                }
            })
        }
    };
    Ok(Listener { peers, arrived, task })
}

/// An IPv4 peer seen on an IPv6 socket, as the IPv4 address it is.
fn unmapped(peer: SocketAddr) -> SocketAddr {
    match peer.ip() {
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => SocketAddr::new(IpAddr::V4(v4), peer.port()),
            None => peer,
        },
        IpAddr::V4(_) => peer,
    }
}

#[cfg(test)]
mod listening_tests {
    use super::*;

    #[test]
    fn a_socket_table_shows_who_listens() {
        let udp =
            "  sl  local_address rem_address   st\n   0: 00000000:0043 00000000:0000 07 00000000:00000000\n";
        assert!(socket_table_has(udp, Transport::Udp, 67));
        assert!(!socket_table_has(udp, Transport::Udp, 53));
        let tcp = "  sl  local_address rem_address   st\n   0: 0100007F:0050 00000000:0000 0A 00000000:00000000\n   1: 0A000001:D431 0A000002:0016 01\n";
        assert!(socket_table_has(tcp, Transport::Tcp, 80));
        assert!(!socket_table_has(tcp, Transport::Tcp, 54321), "an outgoing connection listens nowhere");
    }
}
