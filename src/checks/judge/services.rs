//! Judging services: web pages, DNS answers, DHCP offers, SSH greetings.

use std::net::IpAddr;

use super::{excerpt, verdict};
use crate::checks::content;
use crate::checks::derive::texts::t;
use crate::checks::model::ProbeSpec;
use crate::checks::observation::DnsFacts;
use crate::checks::observation::Observation;
use crate::checks::outcome::Outcome;
use crate::design::{DnsExpect, RecordKind, Text};

pub fn judge(probe: &ProbeSpec, seen: &Observation) -> Option<Outcome> {
    Some(match (probe, seen) {
        (ProbeSpec::Http { url, method, status, contains, matches, .. }, Observation::Http(result)) => {
            let expected = page_expected(method, *status, contains.as_deref(), matches.as_deref());
            match result {
                Err(why) => verdict(
                    false,
                    0.0,
                    expected,
                    t(format!("{url} antwoordt niet: {why}"), format!("{url} does not answer: {why}")),
                ),
                Ok(page) => {
                    let has = contains.as_deref().is_none_or(|c| content::contains(&page.body, c))
                        && matches
                            .as_deref()
                            .is_none_or(|m| regex::Regex::new(m).is_ok_and(|re| re.is_match(&page.body)));
                    let shown = excerpt(&content::visible_text(&page.body), 120);
                    let observed = t(
                        format!("status {}: {shown}", page.status),
                        format!("status {}: {shown}", page.status),
                    );
                    // The server answers but with other content: the service works, the
                    // page is not the designed one.
                    let credit = if page.status == *status { 0.5 } else { 0.0 };
                    verdict(page.status == *status && has, credit, expected, observed)
                }
            }
        }
        (ProbeSpec::Dns { name, record, .. }, Observation::Dns(Ok(facts)))
            if record.kind != RecordKind::A && facts.rcode == 0 =>
        {
            records(name, record, facts)
        }
        (ProbeSpec::Dns { name, expect, record, .. }, Observation::Dns(result)) => {
            let expected = match (record.kind, expect) {
                (RecordKind::A, Some(a)) => t(format!("{name} is {a}"), format!("{name} is {a}")),
                (RecordKind::A, None) => {
                    t(format!("een adres voor {name}"), format!("an address for {name}"))
                }
                (kind, _) => record_expected(name, record, kind),
            };
            match result {
                Err(why) => verdict(
                    false,
                    0.0,
                    expected,
                    t(format!("geen antwoord: {why}"), format!("no answer: {why}")),
                ),
                Ok(facts) if facts.rcode == 3 => verdict(
                    false,
                    0.0,
                    expected,
                    t(
                        format!("{} kent {name} niet", facts.server),
                        format!("{} does not know {name}", facts.server),
                    ),
                ),
                Ok(facts) if facts.rcode != 0 => verdict(
                    false,
                    0.0,
                    expected,
                    t(
                        format!("{} antwoordt met foutcode {}", facts.server, facts.rcode),
                        format!("{} answers with error code {}", facts.server, facts.rcode),
                    ),
                ),
                Ok(facts) => {
                    let list = facts.answers.iter().map(IpAddr::to_string).collect::<Vec<_>>().join(", ");
                    let observed = if facts.answers.is_empty() {
                        t(
                            format!("{} geeft geen adres voor {name}", facts.server),
                            format!("{} gives no address for {name}", facts.server),
                        )
                    } else {
                        t(format!("{name} is {list}"), format!("{name} is {list}"))
                    };
                    let passed = match expect {
                        Some(a) => facts.answers.contains(a),
                        None => !facts.answers.is_empty(),
                    };
                    if passed && record.authoritative && !facts.authoritative {
                        return Some(not_authoritative(expected, facts));
                    }
                    verdict(passed, 0.0, expected, observed)
                }
            }
        }
        (ProbeSpec::Dhcp { range, .. }, Observation::Dhcp(offer)) => {
            let mut wanted = format!("{} - {}", range.first, range.last);
            if let Some(gw) = range.gateway {
                wanted.push_str(&format!(", gateway {gw}"));
            }
            let dns: Vec<String> = range.dns.iter().filter(|a| a.is_ipv4()).map(IpAddr::to_string).collect();
            if !dns.is_empty() {
                wanted.push_str(&format!(", DNS {}", dns.join(", ")));
            }
            let expected = t(format!("een aanbod uit {wanted}"), format!("an offer from {wanted}"));
            let Some(offer) = offer else {
                return Some(verdict(false, 0.0, expected, t("geen DHCP-aanbod", "no DHCP offer")));
            };
            let in_range = range.contains(offer.address);
            let gateway_ok = range.gateway.is_none_or(|g| offer.gateway == Some(g));
            let dns_ok = range
                .dns
                .iter()
                .filter_map(|a| match a {
                    IpAddr::V4(v4) => Some(v4),
                    IpAddr::V6(_) => None,
                })
                .all(|a| offer.dns.contains(a));
            let mut seen = offer.address.to_string();
            match offer.gateway {
                Some(g) => seen.push_str(&format!(", gateway {g}")),
                None => seen.push_str(", no gateway"),
            }
            if !offer.dns.is_empty() {
                let list = offer.dns.iter().map(ToString::to_string).collect::<Vec<_>>().join(", ");
                seen.push_str(&format!(", DNS {list}"));
            }
            let seen_nl = seen.replace("no gateway", "geen gateway");
            // The address is most of the work; gateway and DNS options a fifth each.
            let credit = if in_range {
                0.6 + if gateway_ok { 0.2 } else { 0.0 } + if dns_ok { 0.2 } else { 0.0 }
            } else {
                0.0
            };
            verdict(
                in_range && gateway_ok && dns_ok,
                credit,
                expected,
                t(format!("aanbod: {seen_nl}"), format!("offer: {seen}")),
            )
        }
        (ProbeSpec::Ssh { port, .. }, Observation::Ssh(greeting)) => {
            let expected =
                t(format!("een SSH-server op poort {port}"), format!("an SSH server on port {port}"));
            match greeting {
                Ok(banner) => verdict(
                    banner.starts_with("SSH-"),
                    0.0,
                    expected,
                    t(
                        format!("begroeting: {}", excerpt(banner, 80)),
                        format!("greeting: {}", excerpt(banner, 80)),
                    ),
                ),
                Err(why) => verdict(
                    false,
                    0.0,
                    expected,
                    t(format!("geen SSH-server: {why}"), format!("no SSH server: {why}")),
                ),
            }
        }
        _ => return None,
    })
}

/// What a web check wants, in words: the method when it is not GET, the status, and the
/// text and pattern the page must have.
fn page_expected(method: &str, status: u16, contains: Option<&str>, matches: Option<&str>) -> Text {
    let mut nl =
        if method == "GET" { format!("status {status}") } else { format!("{method}: status {status}") };
    let mut en = nl.clone();
    if let Some(c) = contains {
        nl.push_str(&format!(" met \"{c}\""));
        en.push_str(&format!(" with \"{c}\""));
    }
    if let Some(m) = matches {
        nl.push_str(&format!(", pagina past bij /{m}/"));
        en.push_str(&format!(", page matching /{m}/"));
    }
    t(nl, en)
}

/// A check of a record other than an address, against an answer without an error.
fn records(name: &str, record: &DnsExpect, facts: &DnsFacts) -> Outcome {
    let kind = record.kind;
    let expected = record_expected(name, record, kind);
    let found: Vec<&str> =
        facts.records.iter().filter(|(k, _)| *k == kind).map(|(_, d)| d.as_str()).collect();
    let observed = if found.is_empty() {
        t(
            format!("{} geeft geen {kind}-record voor {name}", facts.server),
            format!("{} gives no {kind} record for {name}", facts.server),
        )
    } else {
        let list = found.join(", ");
        t(format!("{name} {kind}: {list}"), format!("{name} {kind}: {list}"))
    };
    let passed = match &record.data {
        Some(want) => found.iter().any(|d| same_data(kind, d, want)),
        None => !found.is_empty(),
    };
    if passed && record.authoritative && !facts.authoritative {
        return not_authoritative(expected, facts);
    }
    verdict(passed, 0.0, expected, observed)
}

/// The same record data, as DNS compares it: names without regard to case or the
/// trailing dot, text exactly.
fn same_data(kind: RecordKind, seen: &str, want: &str) -> bool {
    match kind {
        RecordKind::Txt => seen == want,
        _ => {
            let norm = |s: &str| {
                s.split_whitespace()
                    .map(|w| w.trim_end_matches('.').to_lowercase())
                    .collect::<Vec<_>>()
                    .join(" ")
            };
            norm(seen) == norm(want)
        }
    }
}

fn record_expected(name: &str, record: &DnsExpect, kind: RecordKind) -> Text {
    let authority =
        if record.authoritative { (", met gezag (AA)", ", authoritative (AA)") } else { ("", "") };
    match &record.data {
        Some(d) => {
            t(format!("{name} {kind}: {d}{}", authority.0), format!("{name} {kind}: {d}{}", authority.1))
        }
        None => t(
            format!("een {kind}-record voor {name}{}", authority.0),
            format!("a {kind} record for {name}{}", authority.1),
        ),
    }
}

/// The right answer from a server that is not the authority: a resolver that caches or
/// forwards, where the design wants the zone's own server.
fn not_authoritative(expected: Text, facts: &DnsFacts) -> Outcome {
    verdict(
        false,
        0.5,
        expected,
        t(
            format!("{} geeft het juiste antwoord, maar niet als autoriteit (geen AA-vlag)", facts.server),
            format!("{} gives the right answer, but not as the authority (no AA flag)", facts.server),
        ),
    )
}
