//! Evidence of traffic: pings, paths, ports and NAT, with packets asbuilt sends itself
//! from inside the nodes (or the nodes' ping and traceroute where it cannot).

use std::net::{IpAddr, SocketAddr};
use std::time::Duration;

use super::icmp::{self, Burst};
use super::transport::{self, Listening};
use super::{Gathered, ProbeError, Probes, by_asbuilt, dns, inject, parse};
use crate::checks::model::{ListenAt, ProbeSpec};
use crate::checks::observation::{Observation, PortFact};
use crate::design::Transport;

/// A reachability ping: up to three requests, done at the first reply.
const REACH: Burst =
    Burst { count: 3, interval: Duration::from_millis(250), wait: Duration::from_millis(750), enough: 1 };
/// A ping that must go unanswered: three requests, and a full wait.
const SILENCE: Burst =
    Burst { count: 3, interval: Duration::from_millis(250), wait: Duration::from_millis(750), enough: 3 };
/// A cable test: ten quick requests, for loss and delay.
const CABLE: Burst =
    Burst { count: 10, interval: Duration::from_millis(50), wait: Duration::from_millis(500), enough: 10 };

pub async fn gather(
    probes: &Probes<'_>,
    probe: &ProbeSpec,
    timeout: Duration,
) -> Result<Gathered, ProbeError> {
    match probe {
        ProbeSpec::Ping { from, to, reach } => {
            ping(probes, from, to.address, if *reach { REACH } else { SILENCE }, timeout).await
        }
        ProbeSpec::Link { from, address, .. } => ping(probes, &from.node, *address, CABLE, timeout).await,
        ProbeSpec::Traceroute { from, to, .. } => traceroute(probes, from, to.address, timeout).await,
        ProbeSpec::Port { from, to, protocol, port, listen, .. } => {
            port_probe(probes, from, SocketAddr::new(to.address, *port), *protocol, listen.as_ref(), timeout)
                .await
        }
        ProbeSpec::Nat { from, to, target, port, .. } => {
            nat(probes, from, target, SocketAddr::new(to.address, *port), timeout).await
        }
        ProbeSpec::Inject { from, firewall, source, to, target, port } => {
            let needs = |node: &str| ProbeError::NeedsNamespace {
                what: "a firewall check by injection",
                node: node.to_string(),
            };
            let (IpAddr::V4(source), IpAddr::V4(destination)) = (*source, to.address) else {
                return Err(ProbeError::Unreadable {
                    node: firewall.node.clone(),
                    command: "inject".into(),
                    output: "injection is IPv4 only".into(),
                });
            };
            let from_netns = probes.netns(&from.node).ok_or_else(|| needs(&from.node))?;
            let firewall_netns = probes.netns(&firewall.node).ok_or_else(|| needs(&firewall.node))?;
            let target_netns = probes.netns(target).ok_or_else(|| needs(target))?;
            let plan = inject::Injection {
                from,
                from_netns: &from_netns,
                firewall,
                firewall_netns: &firewall_netns,
                target_netns: &target_netns,
                source,
                destination,
                port: *port,
            };
            let (arrived, raw) = inject::inject(&plan, timeout.min(Duration::from_millis(1500))).await?;
            let method =
                format!("a packet put by asbuilt on {from} towards {firewall}, watched for in {target}");
            Ok(Gathered {
                observation: Observation::Arrival { arrived },
                evidence: vec![by_asbuilt(method, raw)],
            })
        }
        _ => unreachable!("the dispatcher sends only traffic probes here"),
    }
}

async fn ping(
    probes: &Probes<'_>,
    from: &str,
    to: IpAddr,
    burst: Burst,
    timeout: Duration,
) -> Result<Gathered, ProbeError> {
    if let Some(ns) = probes.netns(from) {
        let facts = icmp::ping(&ns, to, burst).await?;
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
    if let Some(ns) = probes.netns(from) {
        let facts = icmp::traceroute(&ns, to, MAX_HOPS, Duration::from_millis(700), timeout).await?;
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
    let mut note = String::new();
    let _listener = match listen {
        Some(at) => {
            let ns = probes.netns(&at.node).ok_or_else(|| ProbeError::NeedsNamespace {
                what: "listening on a port for a firewall check",
                node: at.node.clone(),
            })?;
            match probes.listeners.listen(&ns, protocol, at.port).await? {
                Listening::Asbuilt(l) => {
                    note = format!(" (asbuilt listened on {}:{} itself)", at.node, at.port);
                    Some(l)
                }
                Listening::Taken => {
                    note = format!(" ({} itself listens on {})", at.node, at.port);
                    None
                }
            }
        }
        None => None,
    };
    let Some(ns) = probes.netns(from) else {
        if protocol == Transport::Udp || listen.is_some() {
            return Err(ProbeError::NeedsNamespace {
                what: "a UDP or firewall port check",
                node: from.to_string(),
            });
        }
        return tcp_by_bash(probes, from, to, timeout).await;
    };
    let fact = match protocol {
        Transport::Tcp => match transport::connect(&ns, to, timeout).await? {
            Ok(_stream) => PortFact::Open,
            Err(fact) => fact,
        },
        Transport::Udp => {
            // A DNS server answers only a DNS question; anything else gets an echo
            // from asbuilt's own listener or nothing.
            let payload =
                if to.port() == 53 { dns::query(0x5a5a, ".", false) } else { b"asbuilt-check".to_vec() };
            transport::exchange(&ns, to, payload, timeout).await?.0
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
    let fact = match out.status {
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
    let needs = |node: &str| ProbeError::NeedsNamespace { what: "a NAT check", node: node.to_string() };
    let target_ns = probes.netns(target).ok_or_else(|| needs(target))?;
    let from_ns = probes.netns(from).ok_or_else(|| needs(from))?;
    let listener = match probes.listeners.listen(&target_ns, Transport::Tcp, to.port()).await? {
        Listening::Asbuilt(l) => l,
        Listening::Taken => return Err(ProbeError::PortInUse { node: target.to_string(), port: to.port() }),
    };
    let connected = transport::connect(&from_ns, to, timeout).await?;
    let (observation, raw) = match connected {
        Ok(stream) => {
            let local = stream.local_addr().ok();
            // The listener notes the peer when it accepts; the client may be quicker.
            let seen = listener.wait_for(Duration::from_millis(500), |_| true).await;
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
