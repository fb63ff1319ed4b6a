//! A node's network, wherever asbuilt can work in it: every operation a probe does in
//! a node (read the kernel, send its own packets, listen, watch), done either from this
//! process in the node's namespace, or by asbuilt's probe agent running in the node
//! ([`super::agent`]), which does the very same thing there and answers in JSON.
//!
//! The local way is the reference: the agent serves each request by calling the same
//! method on `Net::Local(Namespace::Current)`, so the two cannot drift apart.

use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;
use std::time::Duration;

use tokio::io::AsyncReadExt;

use super::ProbeError;
use super::agent::{Op, Session};
use super::icmp::{self, Burst};
use super::netns::{self, Namespace};
use super::watch::{self, Sought};
use super::{dhcp, http, inject, netlink, tls, transport};
use crate::checks::observation::{
    DhcpOffer, HttpFacts, InterfaceFacts, PingFacts, PortFact, RouteFact, SiteFacts, TraceFacts, VlanFact,
};
use crate::design::Transport;

/// Where a probe works in one node's network.
#[derive(Clone)]
pub enum Net {
    /// In this process, in the namespace given.
    Local(Namespace),
    /// Through asbuilt's probe agent in the node.
    Agent(Arc<Session>),
}

/// What a TCP connection or an HTTP request found instead of a server: the port's fact.
pub type Refused = PortFact;

/// What was read from the kernel, and its raw text for the evidence.
pub type Shown<T> = (T, String);

impl Net {
    pub async fn interface(&self, name: &str) -> Result<Shown<Option<InterfaceFacts>>, ProbeError> {
        match self {
            Net::Local(ns) => {
                let name = name.to_string();
                Ok(netns::run_in(ns, move || netlink::interface(&name)).await?)
            }
            Net::Agent(s) => s.call(Op::Interface { name: name.into() }, QUICK).await,
        }
    }

    pub async fn routes(&self) -> Result<Shown<Vec<RouteFact>>, ProbeError> {
        match self {
            Net::Local(ns) => Ok(netns::run_in(ns, netlink::routes).await?),
            Net::Agent(s) => s.call(Op::Routes, QUICK).await,
        }
    }

    pub async fn bridge_vlans(&self, port: &str) -> Result<Shown<Option<Vec<VlanFact>>>, ProbeError> {
        match self {
            Net::Local(ns) => {
                let port = port.to_string();
                Ok(netns::run_in(ns, move || netlink::bridge_vlans(&port)).await?)
            }
            Net::Agent(s) => s.call(Op::BridgeVlans { port: port.into() }, QUICK).await,
        }
    }

    /// An interface's index and hardware address; `None` when there is no such
    /// interface.
    pub async fn link_address(&self, name: &str) -> Result<Option<(u32, Vec<u8>)>, ProbeError> {
        match self {
            Net::Local(ns) => {
                let name = name.to_string();
                Ok(netns::run_in(ns, move || netlink::link_address(&name)).await?)
            }
            Net::Agent(s) => s.call(Op::LinkAddress { name: name.into() }, QUICK).await,
        }
    }

    pub async fn ping(&self, dst: IpAddr, id: u16, burst: Burst) -> Result<PingFacts, ProbeError> {
        match self {
            Net::Local(ns) => Ok(icmp::ping(ns, dst, id, burst).await?),
            Net::Agent(s) => {
                let takes = burst.interval * u32::from(burst.count) + burst.wait;
                s.call(Op::Ping { dst, id, burst }, takes).await
            }
        }
    }

    pub async fn traceroute(
        &self,
        dst: IpAddr,
        max_hops: u32,
        per_hop: Duration,
        budget: Duration,
    ) -> Result<TraceFacts, ProbeError> {
        match self {
            Net::Local(ns) => Ok(icmp::traceroute(ns, dst, max_hops, per_hop, budget).await?),
            Net::Agent(s) => s.call(Op::Traceroute { dst, max_hops, per_hop, budget }, budget).await,
        }
    }

    /// Whether anything in the node listens on `port`.
    pub async fn listening(&self, protocol: Transport, port: u16) -> Result<bool, ProbeError> {
        match self {
            Net::Local(ns) => Ok(transport::listening(ns, protocol, port).await?),
            Net::Agent(s) => s.call(Op::Listening { protocol, port }, QUICK).await,
        }
    }

    /// A socket bound to a fresh source port, for a flow whose key must be known
    /// before it is sent (so it can be watched for).
    pub async fn bind_fresh(&self, protocol: Transport, to: SocketAddr) -> Result<Bound, ProbeError> {
        match self {
            Net::Local(ns) => Ok(Bound::Local(transport::bind_fresh(ns, protocol, to).await?)),
            Net::Agent(s) => {
                let (handle, port): (u64, u16) = s.call(Op::BindFresh { protocol, to }, QUICK).await?;
                Ok(Bound::Remote { handle: Handle::new(s, handle), port })
            }
        }
    }

    /// Connects a bound TCP socket: the connection's own address, or what the port did
    /// instead. The connection is closed at once.
    pub async fn connect(
        &self,
        bound: Bound,
        to: SocketAddr,
        timeout: Duration,
    ) -> Result<Result<Option<SocketAddr>, Refused>, ProbeError> {
        match (self, bound) {
            (Net::Local(_), Bound::Local(bound)) => {
                Ok(transport::connect_bound(bound, to, timeout).await?.map(|stream| stream.local_addr().ok()))
            }
            (Net::Agent(s), Bound::Remote { handle, .. }) => {
                s.call(Op::Connect { socket: handle.id, to, timeout }, timeout).await
            }
            _ => Err(mixed()),
        }
    }

    /// Sends one datagram from a bound UDP socket and waits for an answer.
    pub async fn exchange(
        &self,
        bound: Bound,
        to: SocketAddr,
        payload: Vec<u8>,
        timeout: Duration,
    ) -> Result<(PortFact, Vec<u8>), ProbeError> {
        match (self, bound) {
            (Net::Local(_), Bound::Local(bound)) => {
                Ok(transport::exchange_bound(bound, to, payload, timeout).await?)
            }
            (Net::Agent(s), Bound::Remote { handle, .. }) => {
                s.call(Op::Exchange { socket: handle.id, to, payload, timeout }, timeout).await
            }
            _ => Err(mixed()),
        }
    }

    /// A TCP connection from a fresh source port; see [`Net::connect`].
    pub async fn connect_fresh(
        &self,
        to: SocketAddr,
        timeout: Duration,
    ) -> Result<Result<Option<SocketAddr>, Refused>, ProbeError> {
        let bound = self.bind_fresh(Transport::Tcp, to).await?;
        self.connect(bound, to, timeout).await
    }

    /// One datagram from a fresh source port; see [`Net::exchange`].
    pub async fn exchange_fresh(
        &self,
        to: SocketAddr,
        payload: Vec<u8>,
        timeout: Duration,
    ) -> Result<(PortFact, Vec<u8>), ProbeError> {
        let bound = self.bind_fresh(Transport::Udp, to).await?;
        self.exchange(bound, to, payload, timeout).await
    }

    /// An HTTP request over a connection from a fresh source port: the page, or why
    /// none came (`Err` inside), or what the port did instead of accepting.
    pub async fn http(
        &self,
        to: SocketAddr,
        method: &str,
        host: &str,
        path: &str,
        timeout: Duration,
    ) -> Result<Result<Result<HttpFacts, String>, Refused>, ProbeError> {
        match self {
            Net::Local(ns) => match transport::connect(ns, to, timeout).await? {
                Ok(stream) => Ok(Ok(http::request(stream, method, host, path, timeout)
                    .await
                    .map_err(|e| e.to_string()))),
                Err(fact) => Ok(Err(fact)),
            },
            Net::Agent(s) => {
                let op =
                    Op::Http { to, method: method.into(), host: host.into(), path: path.into(), timeout };
                s.call(op, timeout * 2).await
            }
        }
    }

    /// An https GET for `name` over a connection from a fresh source port: the page and
    /// the certificate presented, or why none came (`Err` inside), or what the port did
    /// instead of accepting.
    pub async fn https(
        &self,
        to: SocketAddr,
        name: &str,
        path: &str,
        timeout: Duration,
    ) -> Result<Result<Result<SiteFacts, String>, Refused>, ProbeError> {
        match self {
            Net::Local(ns) => match transport::connect(ns, to, timeout).await? {
                Ok(stream) => {
                    Ok(Ok(tls::request(stream, name, path, timeout).await.map_err(|e| e.to_string())))
                }
                Err(fact) => Ok(Err(fact)),
            },
            Net::Agent(s) => {
                let op = Op::Https { to, name: name.into(), path: path.into(), timeout };
                s.call(op, timeout * 2).await
            }
        }
    }

    /// The first line a server sends after a TCP connect (an SSH greeting), or why none
    /// came (`Err` inside), or what the port did instead of accepting.
    pub async fn greeting(
        &self,
        to: SocketAddr,
        timeout: Duration,
    ) -> Result<Result<Result<String, String>, Refused>, ProbeError> {
        match self {
            Net::Local(ns) => {
                let mut stream = match transport::connect(ns, to, timeout).await? {
                    Ok(stream) => stream,
                    Err(fact) => return Ok(Err(fact)),
                };
                let mut buf = vec![0u8; 256];
                let line = match tokio::time::timeout(timeout, stream.read(&mut buf)).await {
                    Ok(Ok(n)) if n > 0 => {
                        Ok(String::from_utf8_lossy(&buf[..n]).lines().next().unwrap_or("").to_string())
                    }
                    Ok(Ok(_)) => Err("the server closed the connection without a greeting".to_string()),
                    Ok(Err(e)) => Err(e.to_string()),
                    Err(_) => Err("no greeting in time".to_string()),
                };
                Ok(Ok(line))
            }
            Net::Agent(s) => s.call(Op::Greeting { to, timeout }, timeout * 2).await,
        }
    }

    /// Broadcasts a DHCPDISCOVER from `interface`; the first offer.
    pub async fn dhcp_discover(
        &self,
        interface: &str,
        timeout: Duration,
    ) -> Result<Option<DhcpOffer>, ProbeError> {
        match self {
            Net::Local(ns) => Ok(dhcp::discover(ns, interface, timeout).await?),
            Net::Agent(s) => s.call(Op::DhcpDiscover { interface: interface.into(), timeout }, timeout).await,
        }
    }

    /// Starts watching every interface of the node for a packet.
    pub async fn watch(&self, sought: Sought) -> Result<Watch, ProbeError> {
        match self {
            Net::Local(ns) => Ok(Watch::Local(watch::Watch::start(ns, sought).await?)),
            Net::Agent(s) => {
                let id: u64 = s.call(Op::Watch { sought }, QUICK).await?;
                Ok(Watch::Remote(Handle::new(s, id)))
            }
        }
    }

    /// Listens on `port` of every address of the node; `None` when the node itself
    /// listens there.
    pub async fn listen(&self, protocol: Transport, port: u16) -> Result<Option<Listener>, ProbeError> {
        match self {
            Net::Local(ns) => Ok(transport::listen(ns, protocol, port).await?.map(Listener::Local)),
            Net::Agent(s) => {
                let id: Option<u64> = s.call(Op::Listen { protocol, port }, QUICK).await?;
                Ok(id.map(|id| Listener::Remote(Handle::new(s, id))))
            }
        }
    }

    /// Puts an IP packet on `ifindex`, addressed to the hardware address `mac`.
    pub async fn send_frame(&self, ifindex: u32, mac: Vec<u8>, packet: Vec<u8>) -> Result<(), ProbeError> {
        match self {
            Net::Local(ns) => Ok(inject::send_frame(ns, ifindex, mac, packet).await?),
            Net::Agent(s) => s.call(Op::SendFrame { ifindex, mac, packet }, QUICK).await,
        }
    }
}

/// How long a quick request to an agent may take: reading the kernel, opening a socket.
const QUICK: Duration = Duration::from_secs(2);

fn mixed() -> ProbeError {
    ProbeError::Agent { node: String::new(), reason: "a socket used in another node than its own".into() }
}

/// Something the agent holds for a probe, released when the probe drops it.
pub struct Handle {
    session: Arc<Session>,
    pub(super) id: u64,
}

impl Handle {
    fn new(session: &Arc<Session>, id: u64) -> Handle {
        Handle { session: session.clone(), id }
    }
}

impl Drop for Handle {
    fn drop(&mut self) {
        self.session.release(self.id);
    }
}

/// A socket bound to a fresh source port, not yet used.
pub enum Bound {
    Local(transport::Bound),
    Remote { handle: Handle, port: u16 },
}

impl Bound {
    pub fn port(&self) -> u16 {
        match self {
            Bound::Local(b) => b.port,
            Bound::Remote { port, .. } => *port,
        }
    }
}

/// A capture running in a node until dropped.
pub enum Watch {
    Local(watch::Watch),
    Remote(Handle),
}

impl Watch {
    /// Whether the packet has come by, waiting up to `grace` for one still on its way.
    /// A watch that can no longer be asked has seen nothing.
    pub async fn seen(&self, grace: Duration) -> bool {
        match self {
            Watch::Local(w) => w.seen(grace).await,
            Watch::Remote(h) => h.session.call(Op::Seen { watch: h.id, grace }, grace).await.unwrap_or(false),
        }
    }
}

/// A port asbuilt listens on in a node until dropped.
pub enum Listener {
    Local(transport::Listener),
    Remote(Handle),
}

impl Listener {
    /// The first peer that came, waiting up to `timeout` for one.
    pub async fn first_peer(&self, timeout: Duration) -> Option<SocketAddr> {
        match self {
            Listener::Local(l) => l.first_peer(timeout).await,
            Listener::Remote(h) => {
                h.session.call(Op::FirstPeer { listener: h.id, timeout }, timeout).await.ok().flatten()
            }
        }
    }
}
