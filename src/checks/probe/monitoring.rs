//! Evidence for monitoring: a message logged on a node that turns up on the log server,
//! what an SNMP agent answers to its community and to `public`, what a time server
//! answers, and which source a node's chrony follows.

use std::net::{IpAddr, SocketAddr};
use std::time::Duration;

use super::{Gathered, ProbeError, Probes, by_asbuilt, snmp};
use crate::checks::access::RunAs;
use crate::checks::model::ProbeSpec;
use crate::checks::observation::{Observation, PortFact};
use crate::checks::outcome::Evidence;
use crate::service::auth::secret::{random_bytes, random_token};

/// The port NTP servers answer on.
const NTP_PORT: u16 = 123;

/// The community every agent is also asked, to see that it answers only its own.
pub const WELL_KNOWN_COMMUNITY: &str = "public";

/// How long an agent may take to answer `public` before it counts as refusing. An agent
/// that answers at all answers a GET of one value within milliseconds.
const REFUSAL_WAIT: Duration = Duration::from_millis(1500);

pub async fn gather(
    probes: &Probes<'_>,
    probe: &ProbeSpec,
    timeout: Duration,
) -> Result<Gathered, ProbeError> {
    match probe {
        ProbeSpec::Syslog { from, server, .. } => syslog(probes, from, server, timeout).await,
        ProbeSpec::Snmp { node, address, port, community } => {
            snmp_agent(probes, node, SocketAddr::new(*address, *port), community, timeout).await
        }
        ProbeSpec::NtpServer { node, address } => ntp_server(probes, node, *address, timeout).await,
        ProbeSpec::NtpFollows { node, address, .. } => time_sources(probes, node, *address, timeout).await,
        _ => unreachable!("the dispatcher sends only monitoring probes here"),
    }
}

/// Logs a message no one can guess on `from`, as its check user, and looks for it in
/// every file under /var/log on `server`: wherever the server's configuration puts it.
async fn syslog(
    probes: &Probes<'_>,
    from: &str,
    server: &str,
    timeout: Duration,
) -> Result<Gathered, ProbeError> {
    let marker = format!("asbuilt-check-{}", random_token());
    let (sent, sent_evidence) =
        probes.exec_as(from, RunAs::Checker, &["logger", "-t", "asbuilt-check", &marker], timeout).await?;
    if !sent.success() {
        let why = format!("`logger` on {from} failed: {}", sent.stderr.trim());
        return Ok(Gathered { observation: Observation::Syslog(Err(why)), evidence: vec![sent_evidence] });
    }
    // One exec that looks twice a second until the time is up, rather than an exec per look.
    let tries = (timeout.as_millis() / 500).max(1).to_string();
    let look = "i=0; while [ \"$i\" -lt \"$2\" ]; do grep -rlsF -- \"$1\" /var/log && exit 0; \
                sleep 0.5; i=$((i+1)); done; exit 1";
    let (found, found_evidence) = probes
        .exec(server, &["sh", "-c", look, "sh", &marker, &tries], timeout + Duration::from_secs(3))
        .await?;
    let file = found.success().then(|| found.stdout.lines().next().unwrap_or_default().trim().to_string());
    Ok(Gathered { observation: Observation::Syslog(Ok(file)), evidence: vec![sent_evidence, found_evidence] })
}

/// Asks the agent for sysName.0 with its community, then with `public`: from the node's
/// own network namespace with asbuilt's packets, or with the node's `snmpget` where the
/// engine gives no way in.
async fn snmp_agent(
    probes: &Probes<'_>,
    node: &str,
    to: SocketAddr,
    community: &str,
    timeout: Duration,
) -> Result<Gathered, ProbeError> {
    let mut evidence = Vec::new();
    let name = ask(probes, node, to, community, timeout, &mut evidence).await?;
    let public_answered = if community == WELL_KNOWN_COMMUNITY {
        None
    } else {
        let wait = timeout.min(REFUSAL_WAIT);
        Some(matches!(ask(probes, node, to, WELL_KNOWN_COMMUNITY, wait, &mut evidence).await?, Ok(Some(_))))
    };
    Ok(Gathered { observation: Observation::Snmp { name, public_answered }, evidence })
}

/// The name the agent gives for `community`: `Ok(None)` when it does not answer.
async fn ask(
    probes: &Probes<'_>,
    node: &str,
    to: SocketAddr,
    community: &str,
    timeout: Duration,
    evidence: &mut Vec<Evidence>,
) -> Result<Result<Option<String>, String>, ProbeError> {
    let Some(net) = probes.net(node).await? else {
        let secs = timeout.as_secs().max(1).to_string();
        let host = match to.ip() {
            IpAddr::V6(a) => format!("udp6:[{a}]:{}", to.port()),
            IpAddr::V4(a) => format!("{a}:{}", to.port()),
        };
        let argv =
            ["snmpget", "-v2c", "-c", community, "-t", &secs, "-r", "0", "-Oqv", &host, "1.3.6.1.2.1.1.5.0"];
        let (out, e) = probes.exec(node, &argv, timeout + Duration::from_secs(2)).await?;
        evidence.push(e);
        let value = out.stdout.trim().trim_matches('"').to_string();
        return Ok(Ok((out.success() && !value.is_empty()).then_some(value)));
    };
    // A request id of this run's own, as DNS queries have: a late answer to an earlier
    // request cannot pass for this one. (SNMP's ids are signed: kept positive.)
    let id = super::fresh::mark() & 0x7fff_ffff;
    let (fact, reply) = net.exchange_fresh(to, snmp::get_sys_name(community, id), timeout).await?;
    let method = format!(
        "SNMPv2c GET sysName.0 with community `{community}` from the network namespace of {node} to {to}"
    );
    let (result, raw) = match fact {
        PortFact::Open => match snmp::parse_answer(&reply, id) {
            Some(answer) => {
                let raw = format!("error-status {}, sysName {:?}", answer.error_status, answer.name);
                (Ok(Some(answer.name.unwrap_or_default())), raw)
            }
            None => {
                (Err("an answer that is not SNMP".to_string()), format!("{} bytes, not SNMP", reply.len()))
            }
        },
        PortFact::Silent => (Ok(None), "no answer".to_string()),
        PortFact::Refused => (Ok(None), "port unreachable: nothing listens there".to_string()),
        PortFact::Unreachable(why) => (Ok(None), why),
    };
    evidence.push(by_asbuilt(method, raw));
    Ok(result)
}

/// Asks the time server for the time with asbuilt's own NTP packet, from the node's
/// own network namespace to its own address.
async fn ntp_server(
    probes: &Probes<'_>,
    node: &str,
    address: IpAddr,
    timeout: Duration,
) -> Result<Gathered, ProbeError> {
    let net = probes.need_net(node, "an NTP check").await?;
    let to = SocketAddr::new(address, NTP_PORT);
    let mut request = [0u8; 48];
    // Leap indicator 0, version 4, mode 3 (client); a transmit time no one can guess,
    // which the answer must echo as its origin time.
    request[0] = 0x23;
    let origin = random_bytes::<8>();
    request[40..48].copy_from_slice(&origin);
    let (fact, reply) = net.exchange_fresh(to, request.to_vec(), timeout).await?;
    let answer =
        (fact == PortFact::Open && reply.len() >= 48 && reply[0] & 0x07 == 4 && reply[24..32] == origin)
            .then(|| (reply[1], reply[0] >> 6 == 3));
    let raw = match answer {
        Some((stratum, alarm)) => {
            format!("stratum {stratum}{}", if alarm { ", clock not synchronised" } else { "" })
        }
        None => format!("{fact:?}: no NTP answer"),
    };
    let evidence =
        by_asbuilt(format!("NTP client request from the network namespace of {node} to {to}"), raw);
    let observation =
        Observation::NtpAnswer { stratum: answer.map(|(s, _)| s), alarm: answer.is_some_and(|(_, a)| a) };
    Ok(Gathered { observation, evidence: vec![evidence] })
}

/// chrony's sources on `node`. While the designed server is listed and answering but not
/// chosen yet (chrony takes a few polls), asks again once a second within the time. A
/// node without it, or without chrony, is answered at once, and a server that has not
/// answered after a few seconds too: waiting would not change that.
async fn time_sources(
    probes: &Probes<'_>,
    node: &str,
    server: IpAddr,
    timeout: Duration,
) -> Result<Gathered, ProbeError> {
    let start = tokio::time::Instant::now();
    let deadline = start + timeout.saturating_sub(Duration::from_secs(2));
    let wanted = server.to_string();
    loop {
        let argv = ["chronyc", "-n", "-c", "sources"];
        let (out, evidence) = probes.exec(node, &argv, Duration::from_secs(2)).await?;
        let seen = if out.success() {
            Ok(parse_sources(&out.stdout))
        } else {
            Err(format!("chronyc: {}", out.stderr.trim()))
        };
        let pending = seen
            .as_ref()
            .ok()
            .and_then(|s| s.iter().find(|source| source.address == wanted))
            .filter(|source| source.state != '*');
        // A first answer comes within a poll or two of a (re)start.
        let worth_waiting =
            pending.is_some_and(|source| source.answered || start.elapsed() < Duration::from_secs(5));
        if !worth_waiting || tokio::time::Instant::now() >= deadline {
            let seen = seen.map(|s| s.into_iter().map(|source| (source.address, source.state)).collect());
            return Ok(Gathered { observation: Observation::TimeSources(seen), evidence: vec![evidence] });
        }
        tokio::time::sleep(Duration::from_secs(1)).await;
    }
}

/// One source chrony has.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TimeSource {
    pub address: String,
    /// `*` selected, `+` combined, `?` unusable, and so on.
    pub state: char,
    /// Whether any of the last eight polls was answered.
    pub answered: bool,
}

/// The sources in `chronyc -n -c sources` (comma-separated: mode, state, address,
/// stratum, poll, reach as an octal register, ...).
pub fn parse_sources(csv: &str) -> Vec<TimeSource> {
    csv.lines()
        .filter_map(|line| {
            let fields: Vec<&str> = line.split(',').collect();
            let state = fields.get(1)?.chars().next()?;
            let address = fields.get(2)?.to_string();
            let answered = fields.get(5).is_some_and(|reach| reach.trim() != "0");
            Some(TimeSource { address, state, answered })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chrony_sources_give_address_state_and_whether_they_answered() {
        let csv = "^,*,10.20.0.1,8,1,377,1,-0.000001,0.000002,0.000010\n^,?,10.20.0.9,0,1,0,-,0.0,0.0,0.0\n";
        let sources = parse_sources(csv);
        assert_eq!(sources[0], TimeSource { address: "10.20.0.1".into(), state: '*', answered: true });
        assert_eq!(sources[1], TimeSource { address: "10.20.0.9".into(), state: '?', answered: false });
    }
}
