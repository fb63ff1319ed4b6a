//! Echo requests sent by asbuilt itself from inside a node's network namespace: ping
//! and traceroute without the node's own (replaceable) programs.
//!
//! A raw ICMP socket sees every ICMP packet of its namespace, so each probe uses its
//! own identifier and ignores the rest; probes may run side by side in one node.

use std::io;
use std::mem::MaybeUninit;
use std::net::{IpAddr, SocketAddr};
use std::time::{Duration, Instant};

use socket2::{Domain, Protocol, SockAddr, Socket, Type};
use tokio::io::unix::AsyncFd;

use super::netns::{self, Namespace, NetnsError};
use crate::checks::observation::{PingFacts, TraceFacts};

/// A raw ICMP socket in a namespace, registered with tokio.
struct EchoSocket {
    fd: AsyncFd<Socket>,
    v4: bool,
    id: u16,
}

/// What came back for one of our echo requests.
#[derive(Debug, Clone, PartialEq)]
enum Reply {
    Echo {
        seq: u16,
    },
    /// A router answered instead: time exceeded (`ttl`) or unreachable.
    Error {
        seq: u16,
        from: IpAddr,
        what: String,
        time_exceeded: bool,
    },
}

impl EchoSocket {
    async fn open(netns: &Namespace, v4: bool, id: u16) -> Result<EchoSocket, NetnsError> {
        let socket = netns::run_in(netns, move || {
            let (domain, protocol) =
                if v4 { (Domain::IPV4, Protocol::ICMPV4) } else { (Domain::IPV6, Protocol::ICMPV6) };
            let socket = Socket::new(domain, Type::RAW, Some(protocol))?;
            socket.set_nonblocking(true)?;
            Ok(socket)
        })
        .await?;
        Ok(EchoSocket { fd: netns::register(socket)?, v4, id })
    }

    fn set_ttl(&self, ttl: u32) -> io::Result<()> {
        if self.v4 { self.fd.get_ref().set_ttl_v4(ttl) } else { self.fd.get_ref().set_unicast_hops_v6(ttl) }
    }

    async fn send(&self, dst: IpAddr, seq: u16) -> io::Result<()> {
        let packet = echo_request(self.v4, self.id, seq);
        let to = SockAddr::from(SocketAddr::new(dst, 0));
        loop {
            let mut guard = self.fd.writable().await?;
            match guard.try_io(|fd| fd.get_ref().send_to(&packet, &to)) {
                Ok(result) => return result.map(|_| ()),
                Err(_would_block) => continue,
            }
        }
    }

    /// The next reply that belongs to this socket's identifier.
    async fn receive(&self) -> io::Result<Reply> {
        let mut buf = [MaybeUninit::<u8>::uninit(); 2048];
        loop {
            let mut guard = self.fd.readable().await?;
            let received = guard.try_io(|fd| fd.get_ref().recv_from(&mut buf));
            let (len, from) = match received {
                Ok(result) => result?,
                Err(_would_block) => continue,
            };
            // SAFETY: recv_from initialised the first `len` bytes.
            let data: Vec<u8> = buf[..len].iter().map(|b| unsafe { b.assume_init() }).collect();
            let Some(from) = from.as_socket().map(|s| s.ip()) else { continue };
            if let Some(reply) = parse_reply(&data, self.v4, self.id, from) {
                return Ok(reply);
            }
        }
    }
}

/// How many echo requests to send, and how long to wait.
#[derive(Debug, Clone, Copy, serde::Serialize, serde::Deserialize)]
pub struct Burst {
    pub count: u16,
    pub interval: Duration,
    /// How long to wait for replies after the last request.
    pub wait: Duration,
    /// Stop as soon as this many replies are in.
    pub enough: u16,
}

/// Pings `dst` as `burst` says, with echo identifier `id` (see [`super::fresh`]).
pub async fn ping(netns: &Namespace, dst: IpAddr, id: u16, burst: Burst) -> Result<PingFacts, NetnsError> {
    let socket = EchoSocket::open(netns, dst.is_ipv4(), id).await?;
    let mut tally = Tally {
        sent_at: Vec::new(),
        answered: Vec::new(),
        facts: PingFacts { sent: 0, received: 0, rtt_ms: Vec::new(), error_from: None, local_error: None },
    };
    let enough = u32::from(burst.enough.min(burst.count));
    for seq in 0..burst.count {
        if let Err(e) = socket.send(dst, seq).await {
            // The node's own stack refuses: that is what the student sees too.
            match local_refusal(&e) {
                Some(why) => {
                    tally.facts.local_error = Some(why);
                    break;
                }
                None => return Err(NetnsError::Work(e)),
            }
        }
        tally.sent_at.push(Instant::now());
        tally.answered.push(false);
        tally.facts.sent += 1;
        let pause = if seq + 1 == burst.count { burst.wait } else { burst.interval };
        tally.collect(&socket, Instant::now() + pause, enough).await?;
        if tally.facts.received >= enough {
            break;
        }
    }
    Ok(tally.facts)
}

/// Replies counted so far.
struct Tally {
    sent_at: Vec<Instant>,
    answered: Vec<bool>,
    facts: PingFacts,
}

impl Tally {
    /// Takes replies until `deadline`, or until `enough` have come.
    async fn collect(
        &mut self,
        socket: &EchoSocket,
        deadline: Instant,
        enough: u32,
    ) -> Result<(), NetnsError> {
        while self.facts.received < enough {
            let budget = deadline.saturating_duration_since(Instant::now());
            if budget.is_zero() {
                break;
            }
            match tokio::time::timeout(budget, socket.receive()).await {
                Ok(Ok(Reply::Echo { seq })) => {
                    let i = usize::from(seq);
                    if i < self.answered.len() && !self.answered[i] {
                        self.answered[i] = true;
                        self.facts.received += 1;
                        self.facts.rtt_ms.push(self.sent_at[i].elapsed().as_secs_f64() * 1000.0);
                    }
                }
                Ok(Ok(Reply::Error { from, what, .. })) => self.facts.error_from = Some((from, what)),
                Ok(Err(e)) => return Err(NetnsError::Work(e)),
                Err(_elapsed) => break,
            }
        }
        Ok(())
    }
}

/// After this many silent hops in a row the path has ended: nobody further answers.
const SILENT_HOPS: usize = 3;

/// Sends echo requests with a growing TTL and notes who answers at each hop, until the
/// target answers, the path goes silent, or `budget` is spent.
pub async fn traceroute(
    netns: &Namespace,
    dst: IpAddr,
    max_hops: u32,
    per_hop: Duration,
    budget: Duration,
) -> Result<TraceFacts, NetnsError> {
    let socket = EchoSocket::open(netns, dst.is_ipv4(), super::fresh::echo_id()).await?;
    let mut facts = TraceFacts { hops: Vec::new(), reached: false };
    let deadline = Instant::now() + budget;
    for ttl in 1..=max_hops {
        let silent = facts.hops.iter().rev().take_while(|h| h.is_none()).count();
        if silent >= SILENT_HOPS || Instant::now() + per_hop > deadline {
            break;
        }
        socket.set_ttl(ttl)?;
        let seq = ttl as u16;
        if let Err(e) = socket.send(dst, seq).await {
            if local_refusal(&e).is_some() {
                break;
            }
            return Err(NetnsError::Work(e));
        }
        let answer = tokio::time::timeout(per_hop, async {
            loop {
                match socket.receive().await? {
                    Reply::Echo { seq: s } if s == seq => return Ok::<_, io::Error>(Some((dst, true))),
                    Reply::Error { seq: s, from, time_exceeded, .. } if s == seq => {
                        return Ok(Some((from, !time_exceeded)));
                    }
                    _ => {}
                }
            }
        })
        .await;
        match answer {
            Ok(Ok(Some((from, ends)))) => {
                facts.hops.push(Some(from));
                if ends {
                    facts.reached = from == dst;
                    break;
                }
            }
            Ok(Ok(None)) | Err(_) => facts.hops.push(None),
            Ok(Err(e)) => return Err(NetnsError::Work(e)),
        }
    }
    Ok(facts)
}

/// A send error that is the node's configuration speaking (no route, no address), not
/// a failure of asbuilt.
fn local_refusal(e: &io::Error) -> Option<String> {
    match e.raw_os_error()? {
        libc::ENETUNREACH => Some("network is unreachable (no route)".into()),
        libc::EHOSTUNREACH => Some("host is unreachable".into()),
        libc::EADDRNOTAVAIL => Some("no address to send from".into()),
        libc::EPERM | libc::EACCES => Some("sending was refused by a firewall in the node".into()),
        _ => None,
    }
}

/// An ICMP(v6) echo request. The kernel fills in the ICMPv6 checksum itself.
fn echo_request(v4: bool, id: u16, seq: u16) -> Vec<u8> {
    let kind = if v4 { 8 } else { 128 };
    let mut packet = vec![kind, 0, 0, 0];
    packet.extend_from_slice(&id.to_be_bytes());
    packet.extend_from_slice(&seq.to_be_bytes());
    packet.extend_from_slice(b"asbuilt-check-probe");
    if v4 {
        let sum = checksum(&packet);
        packet[2..4].copy_from_slice(&sum.to_be_bytes());
    }
    packet
}

/// The Internet checksum (RFC 1071).
pub fn checksum(data: &[u8]) -> u16 {
    let mut sum: u32 =
        data.chunks(2).map(|c| u32::from(u16::from_be_bytes([c[0], *c.get(1).unwrap_or(&0)]))).sum();
    while sum > 0xffff {
        sum = (sum & 0xffff) + (sum >> 16);
    }
    !(sum as u16)
}

/// Reads a received packet: an IPv4 raw socket gets the IP header too, an IPv6 one
/// only the ICMPv6 message.
fn parse_reply(data: &[u8], v4: bool, id: u16, from: IpAddr) -> Option<Reply> {
    let icmp = if v4 {
        let header = usize::from(data.first()? & 0x0f) * 4;
        data.get(header..)?
    } else {
        data
    };
    let (kind, code) = (*icmp.first()?, *icmp.get(1)?);
    let (echo_reply, unreachable, time_exceeded) = if v4 { (0, 3, 11) } else { (129, 1, 3) };
    if kind == echo_reply {
        let got_id = u16::from_be_bytes([*icmp.get(4)?, *icmp.get(5)?]);
        let seq = u16::from_be_bytes([*icmp.get(6)?, *icmp.get(7)?]);
        return (got_id == id).then_some(Reply::Echo { seq });
    }
    if kind != unreachable && kind != time_exceeded {
        return None;
    }
    // The error quotes our request: its IP header, then the echo header.
    let quoted = icmp.get(8..)?;
    let inner = if v4 { quoted.get(usize::from(quoted.first()? & 0x0f) * 4..)? } else { quoted.get(40..)? };
    let inner_id = u16::from_be_bytes([*inner.get(4)?, *inner.get(5)?]);
    if inner_id != id {
        return None;
    }
    let seq = u16::from_be_bytes([*inner.get(6)?, *inner.get(7)?]);
    let what = describe(v4, kind == time_exceeded, code);
    Some(Reply::Error { seq, from, what, time_exceeded: kind == time_exceeded })
}

fn describe(v4: bool, time_exceeded: bool, code: u8) -> String {
    if time_exceeded {
        return "time exceeded".into();
    }
    let text = match (v4, code) {
        (true, 0) | (false, 0) => "network unreachable",
        (true, 1) | (false, 3) => "host unreachable",
        (true, 3) | (false, 4) => "port unreachable",
        (true, 9 | 10 | 13) | (false, 1) => "administratively prohibited",
        _ => "unreachable",
    };
    text.to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_checksum_of_an_echo_request_verifies() {
        let packet = echo_request(true, 0x1234, 7);
        assert_eq!(checksum(&packet), 0, "a packet with its checksum in sums to zero");
    }

    #[test]
    fn replies_with_another_identifier_are_ignored() {
        let mut reply = vec![0x45u8; 20];
        reply.extend_from_slice(&[0, 0, 0, 0, 0x12, 0x34, 0, 1]);
        let from: IpAddr = "10.0.0.1".parse().unwrap();
        assert_eq!(parse_reply(&reply, true, 0x1234, from), Some(Reply::Echo { seq: 1 }));
        assert_eq!(parse_reply(&reply, true, 0x9999, from), None);
    }

    #[test]
    fn a_time_exceeded_message_names_the_router_and_our_sequence() {
        let outer_ip = [0x45u8; 20];
        let mut packet = outer_ip.to_vec();
        packet.extend_from_slice(&[11, 0, 0, 0, 0, 0, 0, 0]);
        packet.extend_from_slice(&[0x45u8; 20]);
        packet.extend_from_slice(&[8, 0, 0, 0, 0x12, 0x34, 0, 3]);
        let router: IpAddr = "10.0.12.2".parse().unwrap();
        assert_eq!(
            parse_reply(&packet, true, 0x1234, router),
            Some(Reply::Error { seq: 3, from: router, what: "time exceeded".into(), time_exceeded: true })
        );
    }
}
