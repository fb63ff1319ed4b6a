//! Evidence of traffic: pings, paths, ports and NAT, with packets asbuilt sends itself
//! from inside the nodes (or the nodes' ping and traceroute where it cannot).

use std::net::{IpAddr, SocketAddr};
use std::time::Duration;

use super::icmp::Burst;
use super::net::Net;
use super::watch::{FlowKey, KeyKind, Sought};
use super::{Gathered, Listening, ProbeError, Probes, by_asbuilt, dns, fresh, inject, parse};
use crate::checks::derive::texts::t;
use crate::checks::model::{Enforcement, ListenAt, ProbeSpec};
use crate::checks::observation::{Observation, PortFact};
use crate::design::Transport;
use crate::design::{Endpoint, Text};

/// A reachability ping: up to three requests, done at the first reply.
const REACH: Burst =
    Burst { count: 3, interval: Duration::from_millis(250), wait: Duration::from_millis(750), enough: 1 };
/// A ping that must go unanswered: three requests, and a full wait.
const SILENCE: Burst =
    Burst { count: 3, interval: Duration::from_millis(250), wait: Duration::from_millis(750), enough: 3 };
/// A cable test: ten quick requests, for loss and delay. Quick enough not to be the
/// slowest check of a run; the wait after the last covers a cable made slow on purpose.
const CABLE: Burst =
    Burst { count: 10, interval: Duration::from_millis(20), wait: Duration::from_millis(500), enough: 10 };

pub async fn gather(
    probes: &Probes<'_>,
    probe: &ProbeSpec,
    timeout: Duration,
) -> Result<Gathered, ProbeError> {
    match probe {
        ProbeSpec::Ping { from, to, reach: false, stopped } => {
            blocked(probes, from, to.address, Flow::Echo, stopped.as_ref(), None, timeout).await
        }
        ProbeSpec::Ping { from, to, .. } => ping(probes, from, to.address, REACH, timeout).await,
        ProbeSpec::Port { from, to, protocol, port, open: false, listen, stopped } => {
            let flow = Flow::Port(SocketAddr::new(to.address, *port), *protocol);
            blocked(probes, from, to.address, flow, stopped.as_ref(), listen.as_ref(), timeout).await
        }
        ProbeSpec::Link { from, to, address } => {
            if let Some(why) = unaddressed_end(probes, from, to, *address).await? {
                return Ok(Gathered { observation: Observation::Unobservable(why), evidence: Vec::new() });
            }
            ping(probes, &from.node, *address, CABLE, timeout).await
        }
        ProbeSpec::Traceroute { from, to, .. } => traceroute(probes, from, to.address, timeout).await,
        ProbeSpec::Port { from, to, protocol, port, listen, .. } => {
            port_probe(probes, from, SocketAddr::new(to.address, *port), *protocol, listen.as_ref(), timeout)
                .await
        }
        ProbeSpec::Nat { from, to, target, port, .. } => {
            nat(probes, from, target, SocketAddr::new(to.address, *port), timeout).await
        }
        ProbeSpec::Inject { from, firewall, source, to, target, port } => {
            const WHAT: &str = "a firewall check by injection";
            let (IpAddr::V4(source), IpAddr::V4(destination)) = (*source, to.address) else {
                return Err(ProbeError::Unreadable {
                    node: firewall.node.clone(),
                    command: "inject".into(),
                    output: "injection is IPv4 only".into(),
                });
            };
            let from_net = probes.need_net(&from.node, WHAT).await?;
            let firewall_net = probes.need_net(&firewall.node, WHAT).await?;
            let target_net = probes.need_net(target, WHAT).await?;
            let plan = inject::Injection {
                from,
                from_net: &from_net,
                firewall,
                firewall_net: &firewall_net,
                target_net: &target_net,
                source,
                destination,
                port: *port,
            };
            let (arrival, raw) = inject::inject(&plan, timeout.min(Duration::from_millis(1500))).await?;
            let method = format!(
                "a packet put by asbuilt on {from} towards {firewall}, watched for in {} and in {target}",
                firewall.node
            );
            let deliverable = match arrival {
                inject::Arrival { arrived: false, reached_firewall: true } => {
                    Some(reaches(&firewall_net, to.address).await?)
                }
                _ => None,
            };
            let raw = match deliverable {
                Some(yes) => format!(
                    "{raw}; {} {} {target} itself",
                    firewall.node,
                    if yes { "reaches" } else { "does not reach" }
                ),
                None => raw,
            };
            Ok(Gathered {
                observation: Observation::Stopped {
                    reply: Box::new(Observation::Arrival { arrived: arrival.arrived }),
                    arrived: Some(arrival.arrived),
                    reached: Some(arrival.reached_firewall),
                    deliverable,
                },
                evidence: vec![by_asbuilt(method, raw)],
            })
        }
        _ => unreachable!("the dispatcher sends only traffic probes here"),
    }
}

/// Why a cable cannot be tested yet: an end without its address (the address check of
/// that end fails already). `None` when both ends are addressed, or asbuilt cannot look.
async fn unaddressed_end(
    probes: &Probes<'_>,
    from: &Endpoint,
    to: &Endpoint,
    address: IpAddr,
) -> Result<Option<Text>, ProbeError> {
    async fn addresses(probes: &Probes<'_>, ep: &Endpoint) -> Result<Option<Vec<ipnet::IpNet>>, ProbeError> {
        match probes.net(&ep.node).await? {
            Some(net) => {
                let (facts, _) = net.interface(&ep.interface).await?;
                Ok(Some(facts.map(|f| f.addresses).unwrap_or_default()))
            }
            None => Ok(None),
        }
    }
    let (Some(near), Some(far)) = (addresses(probes, from).await?, addresses(probes, to).await?) else {
        return Ok(None);
    };
    let missing = if !far.iter().any(|a| a.addr() == address) {
        Some(to)
    } else if !near.iter().any(|a| a.contains(&address)) {
        Some(from)
    } else {
        None
    };
    Ok(missing.map(|ep| {
        t(
            format!("{ep} heeft zijn adres nog niet, dus de kabel is nog niet te testen"),
            format!("{ep} does not have its address yet, so the cable cannot be tested"),
        )
    }))
}

/// What a negative check sends.
enum Flow {
    Echo,
    Port(SocketAddr, Transport),
}

/// Sends traffic that must be stopped, watching for it where the policy must stop it
/// and in the target (see [`watch`]). Every packet uses a fresh identifier or source
/// port, so no firewall can pass it as part of an earlier run's flow.
async fn blocked(
    probes: &Probes<'_>,
    from: &str,
    to: IpAddr,
    flow: Flow,
    stopped: Option<&Enforcement>,
    listen: Option<&ListenAt>,
    timeout: Duration,
) -> Result<Gathered, ProbeError> {
    const WHAT: &str = "a check that traffic is blocked";
    let net = probes.need_net(from, WHAT).await?;
    // Hold asbuilt's listener, if any, for as long as the probe runs: traffic that gets
    // through is then answered, whatever the target itself runs.
    let (_listener, note) = match (listen, &flow) {
        (Some(at), Flow::Port(_, protocol)) => listen_for(probes, at, *protocol).await?,
        _ => (None, String::new()),
    };
    // The socket first: a packet's key must be known before the watching starts.
    let (key, bound) = match &flow {
        Flow::Echo => (FlowKey { dst: to, kind: KeyKind::Echo { id: fresh::echo_id() } }, None),
        Flow::Port(addr, protocol) => {
            let bound = net.bind_fresh(*protocol, *addr).await?;
            let kind = match protocol {
                Transport::Tcp => KeyKind::Tcp { src_port: bound.port(), dst_port: addr.port() },
                Transport::Udp => KeyKind::Udp { src_port: bound.port(), dst_port: addr.port() },
            };
            (FlowKey { dst: to, kind }, Some(bound))
        }
    };
    let watch_at = match stopped {
        Some(e) => Some(probes.need_net(&e.at, WHAT).await?.watch(Sought::Flow(key)).await?),
        None => None,
    };
    let target = stopped.and_then(|e| e.target.as_ref()).filter(|t| stopped.is_some_and(|e| e.at != **t));
    let watch_target = match target {
        Some(t) => Some(probes.need_net(t, WHAT).await?.watch(Sought::Flow(key)).await?),
        None => None,
    };
    let (reply, said) = match (flow, bound) {
        (Flow::Echo, _) => {
            let KeyKind::Echo { id } = key.kind else { unreachable!("an echo key") };
            let facts = net.ping(to, id, SILENCE).await?;
            let said = format!("{} echo requests sent, {} answered", facts.sent, facts.received);
            (Observation::Pings(facts), said)
        }
        (Flow::Port(addr, Transport::Tcp), Some(bound)) => {
            let fact = match net.connect(bound, addr, timeout).await? {
                Ok(_) => PortFact::Open,
                Err(fact) => fact,
            };
            let said = format!("TCP connect from port {} to {addr}: {fact:?}", key_port(&key));
            (Observation::Port(fact), said)
        }
        (Flow::Port(addr, _), Some(bound)) => {
            let (fact, _) = net.exchange(bound, addr, udp_payload(addr), timeout).await?;
            let said = format!("UDP datagram from port {} to {addr}: {fact:?}", key_port(&key));
            (Observation::Port(fact), said)
        }
        (Flow::Port(..), None) => unreachable!("a port flow has a socket"),
    };
    // Packets on their way are given a moment to be seen.
    let grace = Duration::from_millis(150);
    let reached = match &watch_at {
        Some(w) => Some(w.seen(grace).await),
        None => None,
    };
    let arrived = match &watch_target {
        Some(w) => Some(w.seen(grace).await),
        // The policy point is the target itself: arriving there is the control.
        None if target.is_none() && stopped.is_some_and(|e| e.target.as_deref() == Some(e.at.as_str())) => {
            reached
        }
        None => None,
    };
    // Stopped where the policy is, and not arrived: the policy node must itself reach
    // the target, or its missing route, not its policy, stopped the traffic.
    let deliverable = match (stopped, reached, arrived) {
        (Some(e), Some(true), Some(false)) if target.is_some() => {
            Some(reaches(&probes.need_net(&e.at, WHAT).await?, to).await?)
        }
        _ => None,
    };
    let seen = |node: Option<&String>, saw: Option<bool>| match (node, saw) {
        (Some(n), Some(true)) => format!("; seen in {n}"),
        (Some(n), Some(false)) => format!("; not seen in {n}"),
        _ => String::new(),
    };
    let raw = format!(
        "{said}{}{}{}",
        seen(stopped.map(|e| &e.at), reached),
        seen(target, watch_target.as_ref().and(arrived)),
        match (stopped, deliverable) {
            (Some(e), Some(yes)) =>
                format!("; {} {} {to} itself", e.at, if yes { "reaches" } else { "does not reach" }),
            _ => String::new(),
        }
    );
    let method =
        format!("traffic from the network namespace of {from} to {to}{note}, watched for on its way");
    Ok(Gathered {
        observation: Observation::Stopped { reply: Box::new(reply), arrived, reached, deliverable },
        evidence: vec![by_asbuilt(method, raw)],
    })
}

/// Whether a node gets an answer from `to`: the control that its side of the path works.
async fn reaches(net: &Net, to: IpAddr) -> Result<bool, ProbeError> {
    Ok(net.ping(to, fresh::echo_id(), REACH).await?.received > 0)
}

fn key_port(key: &FlowKey) -> u16 {
    match key.kind {
        KeyKind::Tcp { src_port, .. } | KeyKind::Udp { src_port, .. } => src_port,
        KeyKind::Echo { id } => id,
    }
}

/// A DNS server answers only a DNS question; anything else gets an echo from
/// asbuilt's own listener or nothing.
fn udp_payload(to: SocketAddr) -> Vec<u8> {
    if to.port() == 53 {
        dns::query(fresh::echo_id(), ".", crate::design::RecordKind::A)
    } else {
        b"asbuilt-check".to_vec()
    }
}

/// Starts (or shares) asbuilt's listener at `at`; the note for the evidence.
async fn listen_for(
    probes: &Probes<'_>,
    at: &ListenAt,
    protocol: Transport,
) -> Result<(Option<std::sync::Arc<super::net::Listener>>, String), ProbeError> {
    Ok(match probes.listen(&at.node, protocol, at.port).await? {
        Listening::Asbuilt(l) => (Some(l), format!(" (asbuilt listened on {}:{} itself)", at.node, at.port)),
        Listening::Taken => (None, format!(" ({} itself listens on {})", at.node, at.port)),
    })
}

async fn ping(
    probes: &Probes<'_>,
    from: &str,
    to: IpAddr,
    burst: Burst,
    timeout: Duration,
) -> Result<Gathered, ProbeError> {
    if let Some(net) = probes.net(from).await? {
        let facts = net.ping(to, fresh::echo_id(), burst).await?;
        let raw = format!(
            "{} sent, {} received, round trips {:?} ms{}",
            facts.sent,
            facts.received,
            facts.rtt_ms.iter().map(|r| (r * 100.0).round() / 100.0).collect::<Vec<_>>(),
            facts.error_from.as_ref().map(|(a, w)| format!("; {a}: {w}")).unwrap_or_default()
        );
        let evidence = by_asbuilt(format!("ICMP echo from the network namespace of {from} to {to}"), raw);
        return Ok(Gathered { observation: Observation::Pings(facts), evidence: vec![evidence] });
    }
    let interval = format!("{:.2}", burst.interval.as_secs_f64());
    let count = burst.count.to_string();
    let target = to.to_string();
    let argv = ["ping", "-n", "-c", &count, "-i", &interval, "-W", "1", &target];
    let (out, evidence) = probes.exec(from, &argv, timeout.max(Duration::from_secs(3))).await?;
    let facts = parse::ping(&format!("{}{}", out.stdout, out.stderr));
    Ok(Gathered { observation: Observation::Pings(facts), evidence: vec![evidence] })
}

async fn traceroute(
    probes: &Probes<'_>,
    from: &str,
    to: IpAddr,
    timeout: Duration,
) -> Result<Gathered, ProbeError> {
    const MAX_HOPS: u32 = 16;
    if let Some(net) = probes.net(from).await? {
        let facts = net.traceroute(to, MAX_HOPS, Duration::from_millis(700), timeout).await?;
        let raw = facts
            .hops
            .iter()
            .enumerate()
            .map(|(i, h)| format!("{:2}  {}", i + 1, h.map_or("*".to_string(), |a| a.to_string())))
            .collect::<Vec<_>>()
            .join("\n");
        let evidence = by_asbuilt(
            format!("ICMP echo with rising TTL from the network namespace of {from} to {to}"),
            raw,
        );
        return Ok(Gathered { observation: Observation::Traceroute(facts), evidence: vec![evidence] });
    }
    let target = to.to_string();
    let argv = ["traceroute", "-n", "-I", "-q", "1", "-w", "1", "-m", "16", &target];
    let (out, evidence) = probes.exec(from, &argv, timeout.max(Duration::from_secs(20))).await?;
    Ok(Gathered {
        observation: Observation::Traceroute(parse::traceroute(&out.stdout, to)),
        evidence: vec![evidence],
    })
}

async fn port_probe(
    probes: &Probes<'_>,
    from: &str,
    to: SocketAddr,
    protocol: Transport,
    listen: Option<&ListenAt>,
    timeout: Duration,
) -> Result<Gathered, ProbeError> {
    // Hold the listener for as long as the probe runs.
    let (_listener, note) = match listen {
        Some(at) => listen_for(probes, at, protocol).await?,
        None => (None, String::new()),
    };
    let Some(net) = probes.net(from).await? else {
        if protocol == Transport::Udp || listen.is_some() {
            return Err(ProbeError::NeedsNamespace {
                what: "a UDP or firewall port check",
                node: from.to_string(),
            });
        }
        return tcp_by_bash(probes, from, to, timeout).await;
    };
    let fact = match protocol {
        Transport::Tcp => match net.connect_fresh(to, timeout).await? {
            Ok(_) => PortFact::Open,
            Err(fact) => fact,
        },
        Transport::Udp => {
            // A DNS server answers only a DNS question; anything else gets an echo
            // from asbuilt's own listener or nothing.
            let payload = if to.port() == 53 {
                dns::query(0x5a5a, ".", crate::design::RecordKind::A)
            } else {
                b"asbuilt-check".to_vec()
            };
            net.exchange_fresh(to, payload, timeout).await?.0
        }
    };
    let evidence = by_asbuilt(
        format!(
            "{} from the network namespace of {from} to {to}{note}",
            match protocol {
                Transport::Tcp => "TCP connect",
                Transport::Udp => "UDP datagram",
            }
        ),
        format!("{fact:?}"),
    );
    Ok(Gathered { observation: Observation::Port(fact), evidence: vec![evidence] })
}

/// A TCP connect with the node's bash, where asbuilt cannot get in itself.
async fn tcp_by_bash(
    probes: &Probes<'_>,
    from: &str,
    to: SocketAddr,
    timeout: Duration,
) -> Result<Gathered, ProbeError> {
    let secs = timeout.as_secs().max(1).to_string();
    let script = format!("</dev/tcp/{}/{}", to.ip(), to.port());
    let (out, evidence) = probes
        .exec(from, &["timeout", &secs, "bash", "-c", &script], timeout + Duration::from_secs(2))
        .await?;
    let fact = match out.exit_code {
        0 => PortFact::Open,
        124 => PortFact::Silent,
        _ if out.stderr.contains("Connection refused") => PortFact::Refused,
        _ => PortFact::Unreachable(out.stderr.lines().last().unwrap_or("").to_string()),
    };
    Ok(Gathered { observation: Observation::Port(fact), evidence: vec![evidence] })
}

async fn nat(
    probes: &Probes<'_>,
    from: &str,
    target: &str,
    to: SocketAddr,
    timeout: Duration,
) -> Result<Gathered, ProbeError> {
    let from_net = probes.need_net(from, "a NAT check").await?;
    let listener = match probes.listen(target, Transport::Tcp, to.port()).await? {
        Listening::Asbuilt(l) => l,
        Listening::Taken => return Err(ProbeError::PortInUse { node: target.to_string(), port: to.port() }),
    };
    let connected = from_net.connect_fresh(to, timeout).await?;
    let (observation, raw) = match connected {
        Ok(local) => {
            // The listener notes the peer when it accepts; the client may be quicker.
            let seen = listener.first_peer(Duration::from_millis(500)).await;
            let raw = format!(
                "{from} connected from {}; {target} saw the connection come from {}",
                local.map_or("?".into(), |a| a.to_string()),
                seen.map_or("nobody".into(), |a| a.to_string())
            );
            (Observation::Nat { connected: true, seen_source: seen.map(|s| s.ip()), failure: None }, raw)
        }
        Err(fact) => {
            let raw = format!("{fact:?}");
            (
                Observation::Nat {
                    connected: false,
                    seen_source: None,
                    failure: Some(format!("({fact:?})")),
                },
                raw,
            )
        }
    };
    let evidence = by_asbuilt(
        format!("TCP connect from the network namespace of {from} to {to}, received by asbuilt in {target}"),
        raw,
    );
    Ok(Gathered { observation, evidence: vec![evidence] })
}
