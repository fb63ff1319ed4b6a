//! Evidence that services answer: web pages, DNS answers, DHCP offers and SSH
//! greetings, asked for by asbuilt itself from inside the nodes.

use std::net::{IpAddr, SocketAddr};
use std::time::Duration;

use super::net::Net;
use super::{Gathered, ProbeError, Probes, by_asbuilt, dns, http, parse};
use crate::checks::model::{ProbeSpec, url_host};
use crate::checks::observation::{DnsFacts, Observation, PortFact, SiteFacts};
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
            let net = probes.need_net(&client.node, "a DHCP check").await?;
            // No server runs: said at once, rather than after waiting for an offer.
            if let Some(server_net) = probes.net(server).await?
                && !server_net.listening(Transport::Udp, 67).await?
            {
                let evidence = by_asbuilt(
                    format!("the UDP sockets in the network namespace of {server}"),
                    format!("nothing listens on udp/67 on {server}"),
                );
                return Ok(Gathered { observation: Observation::Dhcp(None), evidence: vec![evidence] });
            }
            let offer = net.dhcp_discover(&client.interface, timeout).await?;
            let evidence = by_asbuilt(
                format!("DHCPDISCOVER by asbuilt from {client}, in the network namespace of {}", client.node),
                format!("{offer:?}"),
            );
            Ok(Gathered { observation: Observation::Dhcp(offer), evidence: vec![evidence] })
        }
        ProbeSpec::Ssh { node, address, port } => {
            ssh(probes, node, SocketAddr::new(*address, *port), timeout).await
        }
        ProbeSpec::Site { node, address, port, name, tls, .. } => {
            site(probes, node, SocketAddr::new(*address, *port), name, *tls, timeout).await
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
    let net = if url.starts_with("http://") { probes.net(from).await? } else { None };
    let Some(net) = net else {
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
    let result = match net.http(to, method, &host, &http::url_path(url), timeout).await? {
        Ok(page) => page,
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

/// Asks the web server on `node` for the site `name`, on its own address, over https
/// where the site is served so. Only asbuilt's own client does this: the node's curl
/// would report what it was made to report.
async fn site(
    probes: &Probes<'_>,
    node: &str,
    to: SocketAddr,
    name: &str,
    tls: bool,
    timeout: Duration,
) -> Result<Gathered, ProbeError> {
    let net = probes.need_net(node, "a web site check").await?;
    let scheme = if tls { "https" } else { "http" };
    let result = if tls {
        net.https(to, name, "/", timeout).await?
    } else {
        net.http(to, "GET", name, "/", timeout)
            .await?
            .map(|page| page.map(|page| SiteFacts { page, certificate: None }))
    };
    let result = result.unwrap_or_else(|fact| Err(describe_refusal(&fact)));
    let raw = match &result {
        Ok(facts) => {
            let certificate = facts.certificate.as_ref().map_or(String::new(), |c| {
                format!(
                    "certificate for {}; valid {} to {}\n",
                    if c.names.is_empty() { "no DNS name".to_string() } else { c.names.join(", ") },
                    c.not_before.as_deref().unwrap_or("?"),
                    c.not_after.as_deref().unwrap_or("?"),
                )
            });
            let body = crate::checks::judge::excerpt(&facts.page.body, 2000);
            format!("{certificate}status {}\n{body}", facts.page.status)
        }
        Err(e) => e.clone(),
    };
    let evidence = by_asbuilt(
        format!("{scheme}://{name}/ asked of {to} (Host: {name}) from the network namespace of {node}"),
        raw,
    );
    Ok(Gathered { observation: Observation::Site(result), evidence: vec![evidence] })
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
    let Some(net) = probes.net(from).await? else {
        let secs = timeout.as_secs().max(1).to_string();
        let at = format!("@{server}");
        let argv = ["dig", &format!("+time={secs}"), "+tries=1", &at, name, kind.name()];
        let (out, e) = probes.exec(from, &argv, timeout + Duration::from_secs(2)).await?;
        evidence.push(e);
        let facts = parse::dig(&out.stdout, server).ok_or_else(|| "no answer".to_string());
        return Ok((facts, evidence));
    };
    let (result, raw) = query(&net, server, name, kind, timeout).await?;
    evidence.push(by_asbuilt(
        format!(
            "DNS query for the {kind} records of {name} from the network namespace of {from} to {server}"
        ),
        raw,
    ));
    Ok((result, evidence))
}

async fn query(
    net: &Net,
    server: IpAddr,
    name: &str,
    kind: RecordKind,
    timeout: Duration,
) -> Result<(Result<DnsFacts, String>, String), ProbeError> {
    let id = super::fresh::echo_id();
    let (fact, reply) =
        net.exchange_fresh(SocketAddr::new(server, 53), dns::query(id, name, kind), timeout).await?;
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
    let Some(net) = probes.net(node).await? else {
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
    let greeting = match net.greeting(to, timeout).await? {
        Ok(line) => line,
        Err(fact) => Err(describe_refusal(&fact)),
    };
    let raw = match &greeting {
        Ok(g) | Err(g) => g.clone(),
    };
    let evidence =
        by_asbuilt(format!("TCP connect from the network namespace of {node} to {to}, first line read"), raw);
    Ok(Gathered { observation: Observation::Ssh(greeting), evidence: vec![evidence] })
}
