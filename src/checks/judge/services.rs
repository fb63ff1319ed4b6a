//! Judging services: web pages, DNS answers, DHCP offers, SSH greetings.

use std::net::IpAddr;

use super::{excerpt, verdict};
use crate::checks::content;
use crate::checks::derive::texts::t;
use crate::checks::model::ProbeSpec;
use crate::checks::observation::{DnsFacts, Observation, SiteFacts};
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
        (ProbeSpec::Site { name, tls, contains, .. }, Observation::Site(result)) => {
            site(name, *tls, contains.as_deref(), result)
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
/// A name-based site: the page for its name, and over https a certificate that names
/// it and is within its dates. The page and the certificate each earn half.
fn site(name: &str, tls: bool, contains: Option<&str>, result: &Result<SiteFacts, String>) -> Outcome {
    let scheme = if tls { "https" } else { "http" };
    let with = contains.map_or(String::new(), |c| format!(" (\"{c}\")"));
    let expected = if tls {
        t(
            format!("{scheme}://{name}/ geeft de pagina{with}, met een certificaat voor {name}"),
            format!("{scheme}://{name}/ gives the page{with}, with a certificate for {name}"),
        )
    } else {
        t(
            format!("{scheme}://{name}/ geeft de pagina{with}"),
            format!("{scheme}://{name}/ gives the page{with}"),
        )
    };
    let facts = match result {
        Ok(facts) => facts,
        Err(why) => {
            return verdict(
                false,
                0.0,
                expected,
                t(format!("geen pagina: {why}"), format!("no page: {why}")),
            );
        }
    };
    let page = &facts.page;
    let page_right = page.status == 200 && contains.is_none_or(|c| content::contains(&page.body, c));
    let shown = excerpt(&content::visible_text(&page.body), 120);
    let (mut nl, mut en) =
        (format!("status {}: {shown}", page.status), format!("status {}: {shown}", page.status));
    let certificate_right = match (tls, &facts.certificate) {
        (false, _) => true,
        (true, None) => {
            nl.push_str("; geen certificaat");
            en.push_str("; no certificate");
            false
        }
        (true, Some(c)) => {
            let names = if c.names.is_empty() { "-".to_string() } else { c.names.join(", ") };
            let from = c.not_before.as_deref().unwrap_or("?");
            let until = c.not_after.as_deref().unwrap_or("?");
            let (note_nl, note_en) = match (c.for_name, c.current) {
                (false, _) => (
                    format!("; het certificaat is voor {names}, niet voor {name}"),
                    format!("; the certificate is for {names}, not for {name}"),
                ),
                (true, false) => (
                    format!("; het certificaat is nu niet geldig (van {from} tot {until})"),
                    format!("; the certificate is not valid now (from {from} until {until})"),
                ),
                (true, true) => (
                    format!("; certificaat voor {names}, geldig tot {until}"),
                    format!("; certificate for {names}, valid until {until}"),
                ),
            };
            nl.push_str(&note_nl);
            en.push_str(&note_en);
            c.for_name && c.current
        }
    };
    let observed = t(nl, en);
    let credit = match (page_right, certificate_right) {
        (true, true) => 1.0,
        (false, false) => 0.0,
        // Without TLS the certificate part is void: a wrong page is a wrong site.
        (false, true) if !tls => {
            if page.status == 200 {
                0.5
            } else {
                0.0
            }
        }
        _ => 0.5,
    };
    verdict(page_right && certificate_right, credit, expected, observed)
}

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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::checks::observation::{CertificateFacts, HttpFacts};

    fn shop(body: &str, certificate: Option<CertificateFacts>) -> Observation {
        Observation::Site(Ok(SiteFacts { page: HttpFacts { status: 200, body: body.into() }, certificate }))
    }

    fn certificate(names: &[&str], for_name: bool, current: bool) -> CertificateFacts {
        CertificateFacts {
            names: names.iter().map(|n| n.to_string()).collect(),
            for_name,
            not_before: Some("2026-12-01 00:00:00 UTC".into()),
            not_after: Some("2027-12-01 00:00:00 UTC".into()),
            current,
        }
    }

    fn probe(tls: bool) -> ProbeSpec {
        ProbeSpec::Site {
            node: "web".into(),
            address: "10.0.0.80".parse().unwrap(),
            port: if tls { 443 } else { 80 },
            name: "www.a.nl".into(),
            tls,
            contains: Some("Winkel A".into()),
        }
    }

    fn credit(outcome: &Outcome) -> f64 {
        match outcome {
            Outcome::Pass { .. } => 1.0,
            Outcome::Fail { credit, .. } => *credit,
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn an_https_site_needs_its_page_and_a_current_certificate_for_its_name() {
        let right = certificate(&["www.a.nl"], true, true);
        assert_eq!(credit(&judge(&probe(true), &shop("<p>Winkel A</p>", Some(right.clone()))).unwrap()), 1.0);
        let other = certificate(&["shop.b.nl"], false, true);
        let outcome = judge(&probe(true), &shop("Winkel A", Some(other))).unwrap();
        assert_eq!(credit(&outcome), 0.5);
        let Outcome::Fail { observed, .. } = outcome else { unreachable!() };
        assert!(observed.en.unwrap().contains("is for shop.b.nl, not for www.a.nl"));
        let expired = certificate(&["www.a.nl"], true, false);
        assert_eq!(credit(&judge(&probe(true), &shop("Winkel A", Some(expired))).unwrap()), 0.5);
        assert_eq!(credit(&judge(&probe(true), &shop("Winkel B", Some(right))).unwrap()), 0.5);
        assert_eq!(credit(&judge(&probe(true), &shop("Winkel B", None)).unwrap()), 0.0);
    }

    #[test]
    fn a_plain_site_with_another_page_earns_half_and_no_answer_nothing() {
        assert_eq!(credit(&judge(&probe(false), &shop("Winkel A", None)).unwrap()), 1.0);
        assert_eq!(credit(&judge(&probe(false), &shop("Intranet", None)).unwrap()), 0.5);
        let refused = Observation::Site(Err("connection refused".into()));
        assert_eq!(credit(&judge(&probe(false), &refused).unwrap()), 0.0);
    }
}
