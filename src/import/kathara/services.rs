//! Servers a Kathará lab runs from files in a device's folder: a web page under
//! `/var/www/html` (apache2 or nginx) and BIND's zones under `/etc/bind`, read into
//! the design's `http` and `dns` services.

use indexmap::IndexMap;

use crate::import::report::Place;

/// A zone BIND is the master of, as the design's DNS service.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Zone {
    pub domain: String,
    /// Records by name relative to the domain (`@`, `www`), each as the design writes
    /// it: an address, `cname www`, `mx 10 mail`, `ns ns1`, `txt "..."`.
    pub records: IndexMap<String, Vec<String>>,
    /// Records that do not fit (outside the zone, of other types), with their places.
    pub lost: Vec<(Place, String)>,
}

/// `zone "example.com" { type master; file "/etc/bind/db.example.com"; };` in a
/// named.conf: each master zone's name, its file, and where the statement stands.
pub fn named_zones(text: &str, file: &str) -> Vec<(String, String, Place)> {
    let mut out = Vec::new();
    let mut offset = 0;
    while let Some(found) = text[offset..].find("zone") {
        let start = offset + found;
        offset = start + 4;
        let before_ok = start == 0 || !text.as_bytes()[start - 1].is_ascii_alphanumeric();
        let rest = &text[offset..];
        let Some(open) = rest.find('{') else { break };
        let Some(close) = rest.find("};") else { break };
        if !before_ok || close < open {
            continue;
        }
        let name = rest[..open].trim().trim_matches('"').to_string();
        let body = &rest[open + 1..close];
        let master = body.contains("type master") || body.contains("type primary");
        let zone_file = body
            .split(';')
            .find_map(|s| s.trim().strip_prefix("file").map(|f| f.trim().trim_matches('"').to_string()));
        let line = text[..start].matches('\n').count() + 1;
        let col = start - text[..start].rfind('\n').map_or(0, |n| n + 1) + 1;
        if let (true, Some(zone_file)) = (master, zone_file) {
            out.push((name, zone_file, Place::new(file, line, col)));
        }
        offset += close;
    }
    out
}

/// A zone file: `$ORIGIN`, `$TTL`, the SOA (over several lines in parentheses), and
/// A, AAAA, CNAME, MX, NS, TXT records.
pub fn zone(domain: &str, text: &str, file: &str) -> Zone {
    let domain = domain.trim_end_matches('.').to_lowercase();
    let mut zone = Zone { domain: domain.clone(), ..Zone::default() };
    let mut origin = domain.clone();
    let mut last_name = "@".to_string();
    let mut in_parens = false;
    for (i, raw) in text.lines().enumerate() {
        let line = raw.split(';').next().unwrap_or("");
        if in_parens {
            in_parens = !line.contains(')');
            continue;
        }
        if line.trim().is_empty() {
            continue;
        }
        let place = Place::new(file, i + 1, raw.len() - raw.trim_start().len() + 1);
        let mut w: Vec<&str> = line.split_whitespace().collect();
        if w[0] == "$ORIGIN" {
            origin = w.get(1).map(|o| o.trim_end_matches('.').to_lowercase()).unwrap_or(origin);
            continue;
        }
        if w[0].starts_with('$') {
            continue;
        }
        let name = if raw.starts_with(char::is_whitespace) {
            last_name.clone()
        } else {
            let n = relative(w.remove(0), &origin, &domain);
            last_name = n.clone().unwrap_or_else(|| "?".into());
            match n {
                Some(n) => n,
                None => {
                    zone.lost.push((place, format!("`{}` lies outside the zone {domain}", raw.trim())));
                    continue;
                }
            }
        };
        // The TTL and class are optional and in either order.
        while let Some(first) = w.first() {
            if first.chars().all(|c| c.is_ascii_digit()) || matches!(*first, "IN" | "in") {
                w.remove(0);
            } else {
                break;
            }
        }
        let Some((kind, data)) = w.split_first() else { continue };
        let kind = kind.to_uppercase();
        let value = match (kind.as_str(), data) {
            ("SOA", _) => {
                in_parens = line.contains('(') && !line.contains(')');
                continue;
            }
            ("A" | "AAAA", [addr]) if addr.parse::<std::net::IpAddr>().is_ok() => addr.to_string(),
            ("CNAME", [target]) => match relative(target, &origin, &domain) {
                Some(t) => format!("cname {t}"),
                None => {
                    zone.lost.push((place, format!("the alias `{target}` lies outside the zone {domain}")));
                    continue;
                }
            },
            ("NS", [host]) | ("MX", [_, host]) => match relative(host, &origin, &domain) {
                Some(h) if kind == "NS" => format!("ns {h}"),
                Some(h) => format!("mx {} {h}", data[0]),
                None => {
                    zone.lost.push((place, format!("`{host}` lies outside the zone {domain}")));
                    continue;
                }
            },
            ("TXT", parts) if !parts.is_empty() => format!("txt {}", parts.join(" ")),
            _ => {
                zone.lost.push((place, format!("the record `{}` is not one the design has", raw.trim())));
                continue;
            }
        };
        zone.records.entry(name).or_default().push(value);
    }
    zone
}

/// A name relative to the zone: `@`, `www`; `None` for a name outside it.
fn relative(name: &str, origin: &str, domain: &str) -> Option<String> {
    let name = name.to_lowercase();
    let full = if name == "@" {
        origin.to_string()
    } else if let Some(abs) = name.strip_suffix('.') {
        abs.to_string()
    } else {
        format!("{name}.{origin}")
    };
    if full == domain {
        Some("@".into())
    } else {
        full.strip_suffix(&format!(".{domain}")).map(str::to_string)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn master_zones_are_found_in_named_conf() {
        let conf = "options { directory \"/var/cache/bind\"; };\nzone \"lab.example\" {\n    type master;\n    file \"/etc/bind/db.lab.example\";\n};\nzone \".\" { type hint; file \"/usr/share/dns/root.hints\"; };\n";
        let zones = named_zones(conf, "dns/etc/bind/named.conf");
        assert_eq!(zones.len(), 1);
        assert_eq!(zones[0].0, "lab.example");
        assert_eq!(zones[0].1, "/etc/bind/db.lab.example");
        assert_eq!(zones[0].2.to_string(), "dns/etc/bind/named.conf:2:1");
    }

    #[test]
    fn a_zone_file_becomes_records() {
        let text = "$TTL 60\n@ IN SOA ns1.lab.example. root.lab.example. (\n 1 ; serial\n 60 60 60 60 )\n@ IN NS ns1\n  IN MX 10 mail.lab.example.\nns1 IN A 10.0.0.53\nwww 60 IN A 10.0.0.80\nweb IN CNAME www\nmail IN A 10.0.0.25\nextern.other.org. IN A 1.2.3.4\nx IN SRV 0 0 80 www\n";
        let zone = zone("lab.example", text, "db");
        assert_eq!(zone.records["@"], ["ns ns1", "mx 10 mail"]);
        assert_eq!(zone.records["www"], ["10.0.0.80"]);
        assert_eq!(zone.records["web"], ["cname www"]);
        let lost: Vec<usize> = zone.lost.iter().map(|(p, _)| p.line).collect();
        assert_eq!(lost, [11, 12]);
    }
}

/// A DHCP server's pool, as the design's `dhcp` service.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DhcpPool {
    pub first: String,
    pub last: String,
    pub gateway: Option<String>,
    pub dns: Vec<String>,
    pub lease_seconds: Option<u64>,
    /// Statements that do not fit, with their places.
    pub lost: Vec<(Place, String)>,
}

/// ISC's `dhcpd.conf`: the first `subnet ... { range A B; option routers R;
/// option domain-name-servers D; default-lease-time T; }`; `None` when it has no range.
pub fn dhcpd(text: &str, file: &str) -> Option<DhcpPool> {
    let mut pool = DhcpPool::default();
    let mut found = false;
    let mut depth = 0usize;
    let mut in_first = false;
    let mut global_lease = None;
    for (i, raw) in text.lines().enumerate() {
        let line = raw.split('#').next().unwrap_or("").trim();
        if line.is_empty() {
            continue;
        }
        let place = Place::new(file, i + 1, raw.len() - raw.trim_start().len() + 1);
        for statement in line.split_inclusive(['{', '}', ';']) {
            let s = statement.trim();
            let body = s.trim_end_matches([';', '{', '}']).trim();
            let words: Vec<&str> = body.split_whitespace().collect();
            if s.ends_with('{') {
                depth += 1;
                if words.first() == Some(&"subnet") && depth == 1 {
                    if found {
                        pool.lost.push((
                            place.clone(),
                            format!("`{body}` is left out: a DHCP server in the design serves one range"),
                        ));
                    }
                    in_first = !found;
                }
                continue;
            }
            if s.ends_with('}') {
                if depth == 1 && in_first {
                    found = true;
                    in_first = false;
                }
                depth = depth.saturating_sub(1);
                if body.is_empty() {
                    continue;
                }
            }
            if body.is_empty() {
                continue;
            }
            let list = |w: &[&str]| {
                w.iter()
                    .flat_map(|x| x.split(','))
                    .filter(|x| !x.is_empty())
                    .map(str::to_string)
                    .collect::<Vec<_>>()
            };
            match words.as_slice() {
                ["range", a, b] if in_first => {
                    pool.first = a.to_string();
                    pool.last = b.to_string();
                }
                ["option", "routers", rest @ ..] if in_first => pool.gateway = list(rest).into_iter().next(),
                // The subnet's servers win over the ones given for every subnet.
                ["option", "domain-name-servers", rest @ ..]
                    if in_first || (depth == 0 && pool.dns.is_empty()) =>
                {
                    pool.dns = list(rest);
                }
                ["option", "domain-name-servers", ..] => {}
                ["default-lease-time", t] => {
                    let t = t.parse::<u64>().ok();
                    if in_first {
                        pool.lease_seconds = t
                    } else if depth == 0 {
                        global_lease = t
                    }
                }
                ["max-lease-time", _]
                | ["authoritative"]
                | ["ddns-update-style", _]
                | ["option", "subnet-mask", _]
                | ["option", "broadcast-address", _] => {}
                _ if depth == 0 || in_first => pool.lost.push((
                    place.clone(),
                    format!("`{body}` is not one the design's DHCP server has: left out"),
                )),
                _ => {}
            }
        }
    }
    if pool.lease_seconds.is_none() {
        pool.lease_seconds = global_lease;
    }
    (!pool.first.is_empty()).then_some(pool)
}

#[cfg(test)]
mod dhcp_tests {
    use super::*;

    #[test]
    fn the_first_subnet_of_dhcpd_conf_becomes_the_pool() {
        let text = "default-lease-time 600;\nmax-lease-time 7200;\noption domain-name \"lab.example\";\nsubnet 192.168.1.0 netmask 255.255.255.0 {\n  range 192.168.1.100 192.168.1.199;\n  option routers 192.168.1.1;\n  option domain-name-servers 192.168.1.53, 192.168.1.54;\n}\nsubnet 10.0.0.0 netmask 255.0.0.0 { range 10.0.0.10 10.0.0.20; }\n";
        let pool = dhcpd(text, "dhcpd.conf").unwrap();
        assert_eq!((pool.first.as_str(), pool.last.as_str()), ("192.168.1.100", "192.168.1.199"));
        assert_eq!(pool.gateway.as_deref(), Some("192.168.1.1"));
        assert_eq!(pool.dns, ["192.168.1.53", "192.168.1.54"]);
        assert_eq!(pool.lease_seconds, Some(600));
        let lost: Vec<String> = pool.lost.iter().map(|(p, _)| p.to_string()).collect();
        assert_eq!(lost, ["dhcpd.conf:3:1", "dhcpd.conf:9:1"]);
        assert!(dhcpd("ddns-update-style none;\n", "x").is_none());
    }
}
