//! Evidence that services answer: web pages, DNS answers, DHCP offers and SSH
//! greetings, asked for by asbuilt itself from inside the nodes.

use std::net::{IpAddr, SocketAddr};
use std::path::Path;
use std::time::Duration;

use tokio::io::AsyncReadExt;

use super::{Gathered, ProbeError, Probes, by_asbuilt, dhcp, dns, http, parse, transport};
use crate::checks::model::{ProbeSpec, url_host};
use crate::checks::observation::{DnsFacts, Observation, PortFact};
use crate::checks::outcome::Evidence;
use crate::checks::sim::holds::url_port;
use crate::design::{RecordKind, Transport};

pub async fn gather(
    probes: &Probes<'_>,
    probe: &ProbeSpec,
    timeout: Duration,
) -> Result<Gathered, ProbeError> {
    match probe {
        ProbeSpec::Http { from, url, method, .. } => web(probes, from, url, method, timeout).await,
        ProbeSpec::Dns { from, name, server, expect, record } => {
            // An address check asks for the expected address's family.
            let kind = match record.kind {
                RecordKind::A if expect.is_some_and(|e| e.is_ipv6()) => RecordKind::Aaaa,
                kind => kind,
            };
            let (result, evidence) = lookup(probes, from, name, *server, kind, timeout).await?;
            Ok(Gathered { observation: Observation::Dns(result), evidence })
        }
        ProbeSpec::Dhcp { server, client, .. } => {
            let ns = probes.netns(&client.node).ok_or_else(|| ProbeError::NeedsNamespace {
                what: "a DHCP check",
                node: client.node.clone(),
            })?;
            // No server runs: said at once, rather than after waiting for an offer.
            if let Some(server_ns) = probes.netns(server)
                && !transport::listening(&server_ns, Transport::Udp, 67).await?
            {
                let evidence = by_asbuilt(
                    format!("the UDP sockets in the network namespace of {server}"),
                    format!("nothing listens on udp/67 on {server}"),
                );
                return Ok(Gathered { observation: Observation::Dhcp(None), evidence: vec![evidence] });
            }
            let offer = dhcp::discover(&ns, &client.interface, timeout).await?;
            let evidence = by_asbuilt(
                format!("DHCPDISCOVER by asbuilt from {client}, in the network namespace of {}", client.node),
                format!("{offer:?}"),
            );
            Ok(Gathered { observation: Observation::Dhcp(offer), evidence: vec![evidence] })
        }
        ProbeSpec::Ssh { node, address, port } => {
            ssh(probes, node, SocketAddr::new(*address, *port), timeout).await
        }
        _ => unreachable!("the dispatcher sends only service probes here"),
    }
}

async fn web(
    probes: &Probes<'_>,
    from: &str,
    url: &str,
    method: &str,
    timeout: Duration,
) -> Result<Gathered, ProbeError> {
    let host = url_host(url).unwrap_or("").to_string();
    let ns = probes.netns(from).filter(|_| url.starts_with("http://"));
    let Some(ns) = ns else {
        // https, or no way in: the node's curl does it. (`-X HEAD` would wait for a body
        // that never comes; `--head` does not.)
        let secs = timeout.as_secs().max(1).to_string();
        let mut argv = vec!["curl", "-s", "-k", "-m", &secs, "-o", "-", "-w", "\n%{http_code}"];
        match method {
            "GET" => {}
            "HEAD" => argv.push("--head"),
            other => argv.extend(["-X", other]),
        }
        argv.push(url);
        let (out, evidence) = probes.exec(from, &argv, timeout + Duration::from_secs(2)).await?;
        let result = parse::curl(&out.stdout).ok_or_else(|| format!("curl exit status {}", out.exit_code));
        return Ok(Gathered { observation: Observation::Http(result), evidence: vec![evidence] });
    };
    let mut evidence = Vec::new();
    let address = match host.parse::<IpAddr>() {
        Ok(a) => a,
        Err(_) => {
            let (answer, found) = lookup(probes, from, &host, None, RecordKind::A, timeout).await?;
            evidence.extend(found);
            match answer.ok().and_then(|a| a.answers.first().copied()) {
                Some(a) => a,
                None => {
                    let result = Err(format!("{host} has no address for {from}"));
                    return Ok(Gathered { observation: Observation::Http(result), evidence });
                }
            }
        }
    };
    let to = SocketAddr::new(address, url_port(url));
    let result = match transport::connect(&ns, to, timeout).await? {
        Ok(stream) => http::request(stream, method, &host, &http::url_path(url), timeout)
            .await
            .map_err(|e| e.to_string()),
        Err(fact) => Err(describe_refusal(&fact)),
    };
    let raw = match &result {
        Ok(page) => format!("status {}\n{}", page.status, crate::checks::judge::excerpt(&page.body, 2000)),
        Err(e) => e.clone(),
    };
    evidence
        .push(by_asbuilt(format!("HTTP {method} {url} from the network namespace of {from} (to {to})"), raw));
    Ok(Gathered { observation: Observation::Http(result), evidence })
}

fn describe_refusal(fact: &PortFact) -> String {
    match fact {
        PortFact::Open => "connected".into(),
        PortFact::Refused => "connection refused".into(),
        PortFact::Silent => "no answer".into(),
        PortFact::Unreachable(what) => what.clone(),
    }
}

/// Asks `server` (or the node's own resolver) for `name`'s records of `kind`, from
/// inside the node.
async fn lookup(
    probes: &Probes<'_>,
    from: &str,
    name: &str,
    server: Option<IpAddr>,
    kind: RecordKind,
    timeout: Duration,
) -> Result<(Result<DnsFacts, String>, Vec<Evidence>), ProbeError> {
    let mut evidence = Vec::new();
    let server = match server {
        Some(s) => s,
        None => {
            // Which server a node asks is its own configuration; only it can say.
            let (out, e) = probes.exec(from, &["cat", "/etc/resolv.conf"], timeout).await?;
            evidence.push(e);
            match parse::resolv_conf(&out.stdout).first() {
                Some(s) => *s,
                None => return Ok((Err(format!("{from} has no DNS server in /etc/resolv.conf")), evidence)),
            }
        }
    };
    let Some(ns) = probes.netns(from) else {
        let secs = timeout.as_secs().max(1).to_string();
        let at = format!("@{server}");
        let argv = ["dig", &format!("+time={secs}"), "+tries=1", &at, name, kind.name()];
        let (out, e) = probes.exec(from, &argv, timeout + Duration::from_secs(2)).await?;
        evidence.push(e);
        let facts = parse::dig(&out.stdout, server).ok_or_else(|| "no answer".to_string());
        return Ok((facts, evidence));
    };
    let (result, raw) = query(&ns, server, name, kind, timeout).await?;
    evidence.push(by_asbuilt(
        format!(
            "DNS query for the {kind} records of {name} from the network namespace of {from} to {server}"
        ),
        raw,
    ));
    Ok((result, evidence))
}

async fn query(
    ns: &Path,
    server: IpAddr,
    name: &str,
    kind: RecordKind,
    timeout: Duration,
) -> Result<(Result<DnsFacts, String>, String), ProbeError> {
    let id = super::fresh::echo_id();
    let (fact, reply) =
        transport::exchange(ns, SocketAddr::new(server, 53), dns::query(id, name, kind), timeout).await?;
    if fact != PortFact::Open {
        let why = describe_refusal(&fact);
        return Ok((Err(why.clone()), why));
    }
    match dns::parse_response(&reply, id) {
        Some(r) => {
            let flags = if r.authoritative { ", authoritative" } else { "" };
            let records: Vec<String> = r.records.iter().map(|(k, d)| format!("{k} {d}")).collect();
            let raw = format!("rcode {}{flags}, answers [{}]", r.rcode, records.join("; "));
            let facts = DnsFacts {
                server,
                rcode: r.rcode,
                answers: r.addresses,
                records: r.records,
                authoritative: r.authoritative,
            };
            Ok((Ok(facts), raw))
        }
        None => {
            Ok((Err("not a DNS answer".into()), format!("{} bytes that are not a DNS answer", reply.len())))
        }
    }
}

async fn ssh(
    probes: &Probes<'_>,
    node: &str,
    to: SocketAddr,
    timeout: Duration,
) -> Result<Gathered, ProbeError> {
    let Some(ns) = probes.netns(node) else {
        let secs = timeout.as_secs().max(1).to_string();
        let script = format!("exec 3<>/dev/tcp/{}/{}; head -n 1 <&3", to.ip(), to.port());
        let (out, evidence) = probes
            .exec(node, &["timeout", &secs, "bash", "-c", &script], timeout + Duration::from_secs(2))
            .await?;
        let greeting = if out.success() {
            Ok(out.stdout.trim().to_string())
        } else {
            Err(out.stderr.trim().to_string())
        };
        return Ok(Gathered { observation: Observation::Ssh(greeting), evidence: vec![evidence] });
    };
    let greeting = match transport::connect(&ns, to, timeout).await? {
        Ok(mut stream) => {
            let mut buf = vec![0u8; 256];
            match tokio::time::timeout(timeout, stream.read(&mut buf)).await {
                Ok(Ok(n)) if n > 0 => {
                    Ok(String::from_utf8_lossy(&buf[..n]).lines().next().unwrap_or("").to_string())
                }
                Ok(Ok(_)) => Err("the server closed the connection without a greeting".to_string()),
                Ok(Err(e)) => Err(e.to_string()),
                Err(_) => Err("no greeting in time".to_string()),
            }
        }
        Err(fact) => Err(describe_refusal(&fact)),
    };
    let raw = match &greeting {
        Ok(g) | Err(g) => g.clone(),
    };
    let evidence =
        by_asbuilt(format!("TCP connect from the network namespace of {node} to {to}, first line read"), raw);
    Ok(Gathered { observation: Observation::Ssh(greeting), evidence: vec![evidence] })
}
