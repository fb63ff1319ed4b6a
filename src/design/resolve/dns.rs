//! A DNS server's zone: address records, the other record types (CNAME, MX, NS, TXT,
//! PTR), and whether the server is the zone's authority.
//!
//! Each record is one string, as a teacher reads it in a zone file: `web` (an address
//! record for node web), `cname www`, `mx 10 mail`, `ns ns1`, `txt "v=spf1 -all"`,
//! and under an address, `ptr web`. Short names get the domain appended, `@` is the
//! domain itself.

use std::collections::HashMap;
use std::net::IpAddr;

use super::Resolver;
use crate::design::model::{Dns, DnsRecord, NamedRecord, RecordData, reverse_name};
use crate::design::syntax;
use crate::diagnostic::{Diagnostic, Loc};
use crate::path;
use crate::topology::locate::Path;
use crate::topology::wire::DnsWire;

/// The words a record other than an address starts with.
const TYPED: [&str; 5] = ["cname", "mx", "ns", "txt", "ptr"];

impl Resolver<'_> {
    pub(super) fn dns(&mut self, node: &str, wire: &DnsWire) -> Option<Dns> {
        let at = path!["design", "services", node, "dns"];
        let domain = wire.domain.as_ref().map(|d| d.trim_end_matches('.').to_lowercase());
        if let Some(d) = &domain
            && !valid_dns_name(d)
        {
            self.report(
                Diagnostic::error("invalid-dns-name", format!("`{d}` is not a domain name"))
                    .at(Loc::value(path!["design", "services", node, "dns", "domain"]))
                    .help("write a domain as labels of letters, digits and dashes joined by dots: `jansen.local`"),
            );
        }
        let authoritative = wire.authoritative.unwrap_or(false);
        if authoritative && domain.is_none() {
            self.report(
                Diagnostic::error(
                    "invalid-dns-zone",
                    "an authoritative server needs the domain it is the authority for",
                )
                .at(Loc::value(path!["design", "services", node, "dns", "authoritative"]))
                .help("add `domain: jansen.local` beside `authoritative: true`"),
            );
            return None;
        }
        let mut dns = Dns { domain, records: Vec::new(), other_records: Vec::new(), authoritative };
        // The names given, to find a name given twice without looking through all of
        // them each time (seconds, for a file of tens of thousands of records).
        let mut keys: HashMap<String, &str> = HashMap::new();
        for (key, values) in &wire.records {
            let record_at = path!["design", "services", node, "dns", "records", key];
            let Some(name) = self.record_name(key, dns.domain.as_deref(), &record_at) else { continue };
            if keys.insert(name.clone(), key).is_some() {
                self.report(
                    Diagnostic::error("duplicate-record", format!("`{name}` is given twice"))
                        .at(Loc::key(record_at))
                        .help("give all records of a name under one key, as a list; a short name and its full name are the same"),
                );
                continue;
            }
            let reverse_of = key.parse::<IpAddr>().ok();
            for (i, value) in values.iter().enumerate() {
                let mut value_at = record_at.clone();
                value_at.push(i.into());
                self.record(&mut dns, &name, reverse_of, value, value_at);
            }
            if values.len() > 1
                && dns
                    .other_records
                    .iter()
                    .any(|r| r.name == name && matches!(r.data, RecordData::Cname { .. }))
            {
                self.report(
                    Diagnostic::error("invalid-dns-record", format!("`{name}` is an alias (CNAME) and has other records too"))
                        .at(Loc::key(record_at))
                        .help("an alias stands for another name and has no records of its own: give it only `cname ...`"),
                );
            }
        }
        self.check_zone(node, &dns, &at, &keys);
        if dns.records.is_empty() && dns.other_records.is_empty() && wire.records.is_empty() {
            self.report(
                Diagnostic::warning("empty-service", format!("the DNS server on `{node}` has no records"))
                    .at(Loc::key(at))
                    .help("add `records: { www: web }` so there is something to look up"),
            );
        }
        Some(dns)
    }

    /// The full name a record key stands for.
    fn record_name(&mut self, key: &str, domain: Option<&str>, at: &Path) -> Option<String> {
        if let Ok(address) = key.parse::<IpAddr>() {
            return Some(reverse_name(address));
        }
        let name = if key == "@" {
            let Some(d) = domain else {
                self.report(
                    Diagnostic::error(
                        "invalid-dns-name",
                        "`@` stands for the domain, and this server has none",
                    )
                    .at(Loc::key(at.clone()))
                    .help("add `domain: jansen.local`, or write the full name"),
                );
                return None;
            };
            d.to_string()
        } else {
            qualify(key, domain)
        };
        if !valid_dns_name(&name) {
            self.report(
                Diagnostic::error("invalid-dns-name", format!("`{key}` is not a DNS name"))
                    .at(Loc::key(at.clone()))
                    .help("use letters, digits and dashes (`www`), a full name with dots, `@` for the domain, or an address for a reverse (ptr) record"),
            );
            return None;
        }
        Some(name)
    }

    /// One value of a record key: an address record or a typed one.
    fn record(&mut self, dns: &mut Dns, name: &str, reverse_of: Option<IpAddr>, value: &str, at: Path) {
        let words = syntax::words(value);
        // A typed record has data after its keyword; a single word is a node or an
        // address, so a node may well be called `ns` or `mail`.
        let keyword = words.first().filter(|_| words.len() > 1).map(|w| w.text.to_ascii_lowercase());
        let Some(keyword) = keyword.filter(|k| TYPED.contains(&k.as_str())) else {
            if reverse_of.is_some() {
                self.report(
                    Diagnostic::error("invalid-dns-record", "under an address only a reverse record fits")
                        .at(Loc::value(at))
                        .help(format!(
                            "write `ptr <name>`, e.g. `ptr www`, for the name {name} points back to"
                        )),
                );
                return;
            }
            if let Some(address) = self.host_address(value, Loc::value(at), "a DNS record") {
                dns.records.push(DnsRecord { name: name.to_string(), address });
                // A node (or interface) stands for its addresses: a dual-stack one gets
                // an AAAA record beside its A record.
                if let Some(v6) = self.ipv6_of(value).filter(|v6| *v6 != address) {
                    dns.records.push(DnsRecord { name: name.to_string(), address: v6 });
                }
            }
            return;
        };
        let args: Vec<&str> = words[1..].iter().map(|w| w.text).collect();
        let domain = dns.domain.as_deref();
        let host =
            |text: &str| if text == "@" { domain.unwrap_or(text).to_string() } else { qualify(text, domain) };
        let bad = |this: &mut Self, shape: &str, example: &str| {
            let kind = keyword.to_uppercase();
            this.report(
                Diagnostic::error("invalid-dns-record", format!("`{value}` is not a valid {kind} record"))
                    .at(Loc::value(at.clone()))
                    .help(format!("write it as `{shape}`, for example `{example}`")),
            );
        };
        let data = match (keyword.as_str(), args.as_slice()) {
            ("cname", [target]) => RecordData::Cname { target: host(target) },
            ("cname", _) => return bad(self, "cname <name>", "cname web"),
            ("mx", [preference, mail]) => match preference.parse::<u16>() {
                Ok(preference) => RecordData::Mx { preference, host: host(mail) },
                Err(_) => return bad(self, "mx <preference 0-65535> <name>", "mx 10 mail"),
            },
            ("mx", _) => return bad(self, "mx <preference> <name>", "mx 10 mail"),
            ("ns", [server]) => RecordData::Ns { host: host(server) },
            ("ns", _) => return bad(self, "ns <name>", "ns ns1"),
            ("txt", [_, ..]) => {
                // Everything after the keyword, as written, without surrounding quotes.
                let text = value.trim_start()[3..].trim();
                let text = text.strip_prefix('"').and_then(|t| t.strip_suffix('"')).unwrap_or(text);
                if text.len() > 255 {
                    return bad(self, "txt \"<at most 255 characters>\"", "txt \"v=spf1 -all\"");
                }
                RecordData::Txt { text: text.to_string() }
            }
            ("txt", _) => return bad(self, "txt \"<text>\"", "txt \"v=spf1 -all\""),
            ("ptr", [target]) => match reverse_of {
                Some(address) => RecordData::Ptr { address, host: host(target) },
                None => {
                    self.report(
                        Diagnostic::error(
                            "invalid-dns-record",
                            "a reverse (ptr) record belongs under the address it names",
                        )
                        .at(Loc::value(at))
                        .help(format!("write it as `192.168.10.5: ptr {target}` under `records`")),
                    );
                    return;
                }
            },
            _ => return bad(self, "ptr <name>", "ptr web"),
        };
        let hosts = match &data {
            RecordData::Cname { target: h }
            | RecordData::Mx { host: h, .. }
            | RecordData::Ns { host: h }
            | RecordData::Ptr { host: h, .. } => {
                vec![h.as_str()]
            }
            RecordData::Txt { .. } => Vec::new(),
        };
        if let Some(h) = hosts.into_iter().find(|h| !valid_dns_name(h)) {
            self.report(
                Diagnostic::error("invalid-dns-name", format!("`{h}` is not a DNS name"))
                    .at(Loc::value(at))
                    .help("use letters, digits and dashes (`web`), or a full name with dots"),
            );
            return;
        }
        dns.other_records.push(NamedRecord { name: name.to_string(), data });
    }

    /// What only the whole zone can tell: an alias points at a name this server knows
    /// (dnsmasq answers aliases only for its own names), and an authoritative zone has
    /// its name servers at the top and only names inside it.
    fn check_zone(&mut self, node: &str, dns: &Dns, at: &Path, keys: &HashMap<String, &str>) {
        let record_at = |name: &str| {
            let key = keys.get(name).map_or_else(|| name.to_string(), |k| k.to_string());
            let mut p = at.clone();
            p.push("records".into());
            p.push(key.into());
            p
        };
        let known = |name: &str| {
            dns.records.iter().any(|r| r.name == name) || dns.other_records.iter().any(|r| r.name == name)
        };
        for r in &dns.other_records {
            if let RecordData::Cname { target } = &r.data
                && !known(target)
            {
                self.report(
                    Diagnostic::error(
                        "invalid-dns-record",
                        format!(
                            "the alias `{}` points at `{target}`, which this server has no record for",
                            r.name
                        ),
                    )
                    .at(Loc::value(record_at(&r.name)))
                    .help(format!(
                        "add a record for `{}` on `{node}`, or point the alias at a name it has",
                        dns_key(target, dns.domain.as_deref())
                    )),
                );
            }
        }
        let domain = dns.domain.as_deref().unwrap_or("");
        let ns_at_top =
            dns.other_records.iter().any(|r| r.name == domain && matches!(r.data, RecordData::Ns { .. }));
        for r in &dns.other_records {
            if matches!(r.data, RecordData::Ns { .. }) && (!dns.authoritative || r.name != domain) {
                let help = if dns.authoritative {
                    "name servers of the zone go under `@`: `\"@\": ns ...`; a server of a subdomain is beyond asbuilt's zones".to_string()
                } else {
                    "name servers belong to a zone this server is the authority for: add `authoritative: true`".to_string()
                };
                self.report(
                    Diagnostic::error(
                        "invalid-dns-record",
                        format!("`{}` has a name server (NS) record", r.name),
                    )
                    .at(Loc::value(record_at(&r.name)))
                    .help(help),
                );
            }
        }
        if !dns.authoritative {
            return;
        }
        if !ns_at_top {
            self.report(
                Diagnostic::error("invalid-dns-zone", format!("the zone `{domain}` names no name server"))
                    .at(Loc::key(at.clone()))
                    .help("add `\"@\": ns ns1` and `ns1: <this server>` under `records`: the authority names itself"),
            );
        }
        let outside = dns
            .records
            .iter()
            .map(|r| &r.name)
            .chain(dns.other_records.iter().map(|r| &r.name))
            .find(|n| !in_zone(n, domain));
        if let Some(name) = outside {
            let help = if name.ends_with(".arpa") {
                "an authoritative server here answers only its own zone; leave `authoritative` out to also answer reverse lookups".to_string()
            } else {
                format!("an authority answers only inside `{domain}`: use a name ending in `.{domain}`")
            };
            self.report(
                Diagnostic::error("invalid-dns-zone", format!("`{name}` is outside the zone `{domain}`"))
                    .at(Loc::key(record_at(name)))
                    .help(help),
            );
        }
    }
}

impl Resolver<'_> {
    /// The first IPv6 address of a node's cabled interfaces (`web`) or of one interface
    /// (`web:eth1`); `None` for an address or a name without one.
    fn ipv6_of(&self, value: &str) -> Option<IpAddr> {
        let (node, iface) = match value.split_once(':') {
            Some((n, i)) if self.nodes.contains_key(n) => (n, Some(i)),
            _ => (value, None),
        };
        let node = self.nodes.get(node)?;
        node.interfaces
            .values()
            .filter(|i| iface.map_or(i.name != "lo", |name| i.name == name))
            .flat_map(|i| i.addresses.iter())
            .map(|a| a.addr())
            .find(IpAddr::is_ipv6)
    }
}

/// A name with the domain appended when it is short.
fn qualify(name: &str, domain: Option<&str>) -> String {
    match (domain, name.contains('.')) {
        (Some(d), false) => format!("{}.{d}", name.to_lowercase()),
        _ => name.trim_end_matches('.').to_lowercase(),
    }
}

/// The key a record of `name` was most likely written under, to point at it.
fn dns_key(name: &str, domain: Option<&str>) -> String {
    match domain {
        Some(d) if name == d => "@".to_string(),
        Some(d) => name.strip_suffix(&format!(".{d}")).unwrap_or(name).to_string(),
        None => name.to_string(),
    }
}

fn in_zone(name: &str, domain: &str) -> bool {
    name == domain || name.ends_with(&format!(".{domain}"))
}

pub(super) fn valid_dns_name(name: &str) -> bool {
    name.len() <= 253
        && name.split('.').all(|label| {
            !label.is_empty()
                && label.len() <= 63
                && !label.starts_with('-')
                && !label.ends_with('-')
                && label.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
        })
}
