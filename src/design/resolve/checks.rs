//! Explicit checks: the ones the teacher writes beside those derived from the design.

use std::net::IpAddr;

use super::Resolver;
use crate::design::model::{Check, DnsExpect, Probe, RecordKind, RouteSet, Target, Transport};
use crate::design::syntax::{self, Word, split_arrow};
use crate::diagnostic::{Diagnostic, Loc};
use crate::kind::NodeKind;
use crate::path;
use crate::topology::locate::Path;
use crate::topology::wire::CheckWire;

/// The probe keys and the value keys each one takes.
const PROBES: [(&str, &[&str]); 9] = [
    ("ping", &["expect", "blocked-at"]),
    ("traceroute", &["via"]),
    ("tcp", &["expect", "blocked-at"]),
    ("udp", &["expect", "blocked-at"]),
    ("http", &["status", "contains", "matches", "method"]),
    ("dns", &["server", "expect", "type", "authoritative"]),
    ("command", &["run", "matches", "exit", "output", "user"]),
    ("file", &["contains", "owner", "mode", "user"]),
    ("routes", &["only"]),
];

/// Value keys that are required for a probe.
const REQUIRED: [(&str, &str); 2] = [("command", "run"), ("routes", "only")];

/// What a file check may be judged by; it needs at least one.
const FILE_EXPECTATIONS: [&str; 3] = ["contains", "owner", "mode"];

/// What a command check may be judged by; it needs at least one.
const COMMAND_EXPECTATIONS: [&str; 3] = ["matches", "output", "exit"];

/// The HTTP methods a web check may use.
const METHODS: [&str; 7] = ["GET", "HEAD", "POST", "PUT", "DELETE", "OPTIONS", "PATCH"];

impl Resolver<'_> {
    pub(super) fn checks(&mut self) {
        let file = self.file;
        for (i, wire) in file.checks.iter().enumerate() {
            let at = path!["checks", i];
            let Some(probe) = self.probe(wire, &at) else {
                continue;
            };
            let trains = self.trains_or_lab(wire.trains.as_deref(), &at);
            let weight = wire.weight.unwrap_or(1.0);
            if !(0.0..=100.0).contains(&weight) {
                let mut p = at.clone();
                p.push("weight".into());
                self.report(
                    Diagnostic::error("invalid-value", format!("a weight of {weight} is not from 0 to 100"))
                        .at(Loc::value(p))
                        .help("give points from 0 to 100; derived checks weigh 1"),
                );
                continue;
            }
            let timeout_ms = match &wire.timeout {
                None => 5_000,
                Some(text) => match syntax::duration_ms(text) {
                    Ok(ms) if (100..=300_000).contains(&ms) => ms,
                    _ => {
                        let mut p = at.clone();
                        p.push("timeout".into());
                        self.report(
                            Diagnostic::error(
                                "invalid-value",
                                format!("`{text}` is not a timeout from 100ms to 5m"),
                            )
                            .at(Loc::value(p))
                            .help("write for example `5s` or `30s`"),
                        );
                        continue;
                    }
                },
            };
            let Some(blocked_at) = self.blocked_at(wire, &probe, &at) else { continue };
            let title = wire.title.as_ref().map(|t| self.text(t)).unwrap_or_default();
            let hint = wire.hint.as_ref().map(|t| self.text(t)).unwrap_or_default();
            self.checks.push(Check {
                id: format!("check-{}", i + 1),
                probe,
                title,
                weight,
                hint,
                trains,
                retries: wire.retries.unwrap_or(0).min(100),
                timeout_ms,
                reveal: wire.reveal.unwrap_or(true),
                blocked_at,
            });
        }
    }

    fn probe(&mut self, wire: &CheckWire, at: &Path) -> Option<Probe> {
        let given: Vec<(&str, &String)> = [
            ("ping", &wire.ping),
            ("traceroute", &wire.traceroute),
            ("tcp", &wire.tcp),
            ("udp", &wire.udp),
            ("http", &wire.http),
            ("dns", &wire.dns),
            ("command", &wire.command),
            ("file", &wire.file),
            ("routes", &wire.routes),
        ]
        .into_iter()
        .filter_map(|(k, v)| v.as_ref().map(|v| (k, v)))
        .collect();
        let (kind, value) = match given.as_slice() {
            [one] => *one,
            [] => {
                self.report(
                    Diagnostic::error("invalid-check", "the check does not say what to test")
                        .at(Loc::value(at.clone()))
                        .help("start it with one of: ping, traceroute, tcp, udp, http, dns, command, file, routes"),
                );
                return None;
            }
            [_, second, ..] => {
                let mut p = at.clone();
                p.push(second.0.into());
                self.report(
                    Diagnostic::error("invalid-check", "one test per check: this one has two")
                        .at(Loc::key(p))
                        .help("make a separate `- ...` entry for each test"),
                );
                return None;
            }
        };
        if !self.check_params(wire, kind, at) {
            return None;
        }
        let mut probe_at = at.clone();
        probe_at.push(kind.into());
        let param = |name: &str| {
            let mut p = at.clone();
            p.push(name.into());
            p
        };
        let probe = match kind {
            "ping" | "traceroute" | "tcp" | "udp" | "http" | "dns" => {
                let (from, to) = match split_arrow(value, "->") {
                    Ok(sides) => sides,
                    Err(err) => {
                        self.report(
                            Diagnostic::error(
                                "invalid-check",
                                format!("`{value}` is not `from -> to`: {}", err.message),
                            )
                            .at(Loc::within(probe_at, err.range))
                            .help("write for example `pc1 -> web`"),
                        );
                        return None;
                    }
                };
                let from_node = self.probe_source(&from, &probe_at)?;
                match kind {
                    "ping" => {
                        let reach =
                            self.expectation(wire.expect.as_deref(), ("reach", "blocked"), param("expect"))?;
                        Probe::Ping { from: from_node, to: self.target(&to, &probe_at)?, reach }
                    }
                    "traceroute" => {
                        let mut via = Vec::new();
                        for (i, hop) in wire.via.iter().flatten().enumerate() {
                            let mut p = param("via");
                            p.push(i.into());
                            self.node_kind(hop, Loc::value(p))?;
                            via.push(hop.clone());
                        }
                        Probe::Traceroute { from: from_node, to: self.target(&to, &probe_at)?, via }
                    }
                    "tcp" | "udp" => {
                        let open =
                            self.expectation(wire.expect.as_deref(), ("open", "closed"), param("expect"))?;
                        let protocol = if kind == "tcp" { Transport::Tcp } else { Transport::Udp };
                        let (host, port) = self.host_port(&to, &probe_at)?;
                        Probe::Port { from: from_node, to: host, protocol, port, open }
                    }
                    "http" => {
                        if !(to.text.starts_with("http://") || to.text.starts_with("https://")) {
                            self.report(
                                Diagnostic::error("invalid-check", format!("`{}` is not a web address", to.text))
                                    .at(Loc::within(probe_at, to.range.clone()))
                                    .help("write it as `http://{web}/`, where `{web}` stands for the address of node web"),
                            );
                            return None;
                        }
                        let method = wire.method.as_deref().unwrap_or("GET").to_ascii_uppercase();
                        if !METHODS.contains(&method.as_str()) {
                            self.report(
                                Diagnostic::error(
                                    "invalid-check",
                                    format!("`{method}` is not an HTTP method asbuilt sends"),
                                )
                                .at(Loc::value(param("method")))
                                .help(format!("use one of {}", METHODS.join(", "))),
                            );
                            return None;
                        }
                        if let Some(m) = &wire.matches {
                            self.regex_param(m, param("matches"))?;
                        }
                        Probe::Http {
                            from: from_node,
                            url: to.text.to_string(),
                            method,
                            status: wire.status.unwrap_or(200),
                            contains: wire.contains.clone(),
                            matches: wire.matches.clone(),
                        }
                    }
                    _ => {
                        let server = match &wire.server {
                            Some(s) => {
                                Some(self.host_address(s, Loc::value(param("server")), "a DNS server")?)
                            }
                            None => None,
                        };
                        let kind = match &wire.record_type {
                            None => RecordKind::A,
                            Some(text) => match RecordKind::parse(text) {
                                Some(kind) => kind,
                                None => {
                                    let all: Vec<&str> = RecordKind::ALL.iter().map(|k| k.name()).collect();
                                    self.report(
                                        Diagnostic::error(
                                            "invalid-check",
                                            format!("`{text}` is not a DNS record type asbuilt asks for"),
                                        )
                                        .at(Loc::value(param("type")))
                                        .help(format!("use one of {}", all.join(", "))),
                                    );
                                    return None;
                                }
                            },
                        };
                        let mut record = DnsExpect {
                            kind,
                            data: None,
                            authoritative: wire.authoritative.unwrap_or(false),
                        };
                        // An address for A (and AAAA, which an address's family also
                        // says); the record's data as `dig +short` prints it otherwise.
                        let expect = match (&wire.expect, kind) {
                            (Some(e), RecordKind::A | RecordKind::Aaaa) => {
                                let a =
                                    self.host_address(e, Loc::value(param("expect")), "an expected answer")?;
                                if kind == RecordKind::Aaaa {
                                    record.kind = RecordKind::A;
                                }
                                Some(a)
                            }
                            (Some(e), _) => {
                                record.data = Some(e.trim().to_string());
                                None
                            }
                            (None, _) => None,
                        };
                        Probe::Dns {
                            from: from_node,
                            name: to.text.trim_end_matches('.').to_string(),
                            server,
                            expect,
                            record,
                        }
                    }
                }
            }
            "routes" => {
                let kind = self.node_kind(value, Loc::value(probe_at.clone()))?;
                if kind == NodeKind::Switch {
                    self.report(
                        Diagnostic::error(
                            "wrong-kind",
                            format!("`{value}` is a switch; a switch has no routes"),
                        )
                        .at(Loc::value(probe_at))
                        .help("check the routes of a router, firewall, server or host"),
                    );
                    return None;
                }
                let mut only = Vec::new();
                for (i, line) in wire.only.iter().flatten().enumerate() {
                    let mut p = param("only");
                    p.push(i.into());
                    let (to, via) = self.route_set(value, line, &p)?;
                    if only.iter().any(|s: &RouteSet| s.to == to) {
                        self.report(
                            Diagnostic::error("duplicate-route", format!("{to} is listed twice"))
                                .at(Loc::value(p))
                                .help("give each destination one line; list equal-cost next hops on it: `10.0.3.0/24 via r2, r3`"),
                        );
                        return None;
                    }
                    only.push(RouteSet { to, via });
                }
                Probe::Routes { node: value.clone(), only }
            }
            "command" => {
                self.node_kind(value, Loc::value(probe_at))?;
                let matches = wire.matches.clone().unwrap_or_default();
                self.regex_param(&matches, param("matches"))?;
                let as_root = self.check_user(wire, param("user"))?;
                Probe::Command {
                    node: value.clone(),
                    run: wire.run.clone().unwrap_or_default(),
                    matches,
                    as_root,
                    exit: wire.exit,
                    output: wire.output.clone(),
                }
            }
            _ => {
                let Some((node, path)) = value.split_once(':').filter(|(_, p)| p.starts_with('/')) else {
                    self.report(
                        Diagnostic::error("invalid-check", format!("`{value}` is not `node:/path/to/file`"))
                            .at(Loc::value(probe_at))
                            .help("write for example `web:/var/www/html/index.html`"),
                    );
                    return None;
                };
                let node_loc = Loc::within(probe_at, 0..node.len());
                self.node_kind(node, node_loc)?;
                let as_root = self.check_user(wire, param("user"))?;
                if let Some(owner) = &wire.owner
                    && !super::as_is::valid_owner(owner)
                {
                    self.report(
                        Diagnostic::error("invalid-owner", format!("`{owner}` is not an owner"))
                            .at(Loc::value(param("owner")))
                            .help("write `user` or `user:group`, by name as in the node's /etc/passwd: `www-data:www-data`"),
                    );
                    return None;
                }
                let mode = match &wire.mode {
                    None => None,
                    Some(text) => match super::as_is::parse_mode(&text.0) {
                        Some(mode) => Some(mode),
                        None => {
                            self.report(
                                Diagnostic::error("invalid-mode", format!("`{}` is not a file mode", text.0))
                                    .at(Loc::value(param("mode")))
                                    .help("write the permission bits in octal, quoted: `\"0640\"`"),
                            );
                            return None;
                        }
                    },
                };
                Probe::File {
                    node: node.to_string(),
                    path: path.to_string(),
                    contains: wire.contains.clone(),
                    owner: wire.owner.clone(),
                    mode,
                    as_root,
                }
            }
        };
        Some(probe)
    }

    /// Where a negative check's traffic must be stopped, as the teacher named it: a node
    /// of the lab, and only on a check that expects traffic to be blocked. `Some(None)`
    /// when not given; `None` after an error.
    fn blocked_at(&mut self, wire: &CheckWire, probe: &Probe, at: &Path) -> Option<Option<String>> {
        let Some(node) = &wire.blocked_at else { return Some(None) };
        let mut p = at.clone();
        p.push("blocked-at".into());
        let negative = matches!(probe, Probe::Ping { reach: false, .. } | Probe::Port { open: false, .. });
        if !negative {
            self.report(
                Diagnostic::error("invalid-check", "`blocked-at` belongs to a check that traffic is blocked")
                    .at(Loc::key(p))
                    .help("add `expect: blocked` (ping) or `expect: closed` (tcp, udp), or leave `blocked-at` out"),
            );
            return None;
        }
        self.node_kind(node, Loc::value(p))?;
        Some(Some(node.clone()))
    }

    /// Whether a command or file check runs as root. A topology file may come from
    /// anywhere, so its commands run as the node's unprivileged check user unless the
    /// teacher asks for root, which still gets only what the node itself may do.
    fn check_user(&mut self, wire: &CheckWire, at: Path) -> Option<bool> {
        match wire.user.as_deref() {
            None => Some(false),
            Some("root") => Some(true),
            Some(other) => {
                self.report(
                    Diagnostic::error("invalid-value", format!("a check cannot run as `{other}`"))
                        .at(Loc::value(at))
                        .help("leave `user` out to run as an unprivileged user, or write `user: root`"),
                );
                None
            }
        }
    }

    /// Value keys must belong to the probe, and required ones must be there.
    fn check_params(&mut self, wire: &CheckWire, kind: &str, at: &Path) -> bool {
        let takes = PROBES.iter().find(|(k, _)| *k == kind).map(|(_, t)| *t).unwrap_or(&[]);
        let present = [
            ("via", wire.via.is_some()),
            ("expect", wire.expect.is_some()),
            ("status", wire.status.is_some()),
            ("contains", wire.contains.is_some()),
            ("server", wire.server.is_some()),
            ("run", wire.run.is_some()),
            ("matches", wire.matches.is_some()),
            ("method", wire.method.is_some()),
            ("type", wire.record_type.is_some()),
            ("authoritative", wire.authoritative.is_some()),
            ("exit", wire.exit.is_some()),
            ("output", wire.output.is_some()),
            ("owner", wire.owner.is_some()),
            ("mode", wire.mode.is_some()),
            ("user", wire.user.is_some()),
            ("only", wire.only.is_some()),
            ("blocked-at", wire.blocked_at.is_some()),
        ];
        let mut ok = true;
        for (param, is_there) in present {
            let mut p = at.clone();
            p.push(param.into());
            if is_there && !takes.contains(&param) {
                self.report(
                    Diagnostic::error(
                        "invalid-check",
                        format!("`{param}` has no meaning for a `{kind}` check"),
                    )
                    .at(Loc::key(p))
                    .label("not used")
                    .help(if takes.is_empty() {
                        format!("a `{kind}` check takes no values")
                    } else {
                        format!("a `{kind}` check takes: {}", takes.join(", "))
                    }),
                );
                ok = false;
            }
            let required = REQUIRED.iter().any(|(k, r)| *k == kind && *r == param);
            if required && !is_there {
                let mut kp = at.clone();
                kp.push(kind.into());
                self.report(
                    Diagnostic::error("invalid-check", format!("a `{kind}` check needs `{param}`"))
                        .at(Loc::key(kp))
                        .help(format!("add `{param}: ...` to this check")),
                );
                ok = false;
            }
        }
        let about_file = [wire.contains.is_some(), wire.owner.is_some(), wire.mode.is_some()];
        if kind == "file" && !about_file.contains(&true) {
            let mut kp = at.clone();
            kp.push(kind.into());
            self.report(
                Diagnostic::error("invalid-check", "a `file` check needs something to judge the file by")
                    .at(Loc::key(kp))
                    .help(format!(
                        "add one or more of {}: text the file must contain, its owner (`www-data` or `www-data:www-data`), its mode (`\"0640\"`)",
                        FILE_EXPECTATIONS.join(", ")
                    )),
            );
            ok = false;
        }
        let judged = [wire.matches.is_some(), wire.output.is_some(), wire.exit.is_some()];
        if kind == "command" && !judged.contains(&true) {
            let mut kp = at.clone();
            kp.push(kind.into());
            self.report(
                Diagnostic::error("invalid-check", "a `command` check needs something to judge the command by")
                    .at(Loc::key(kp))
                    .help(format!(
                        "add one or more of {}: a regular expression for the output, the exact output, or the exit status",
                        COMMAND_EXPECTATIONS.join(", ")
                    )),
            );
            ok = false;
        }
        ok
    }

    /// A regular expression the teacher wrote under `key`, checked now so a typo is a
    /// located error and not a check that can never pass.
    fn regex_param(&mut self, text: &str, at: Path) -> Option<()> {
        if let Err(err) = regex::Regex::new(text) {
            self.report(
                Diagnostic::error(
                    "invalid-check",
                    format!("`matches` is not a valid regular expression: {}", first_line(&err.to_string())),
                )
                .at(Loc::value(at))
                .help("write a regular expression without look-around; put `\\` before `.`, `(`, `[`, `*` or `+` to match it as such"),
            );
            return None;
        }
        Some(())
    }

    /// The node a probe runs from: it must exist and have a network stack.
    fn probe_source(&mut self, word: &Word<'_>, at: &Path) -> Option<String> {
        let loc = Loc::within(at.clone(), word.range.clone());
        let kind = self.node_kind(word.text, loc.clone())?;
        if kind == NodeKind::Switch {
            self.report(
                Diagnostic::error(
                    "wrong-kind",
                    format!("`{}` is a switch; probes run from nodes with addresses", word.text),
                )
                .at(loc)
                .help("probe from a host, server or router cabled to the switch"),
            );
            return None;
        }
        Some(word.text.to_string())
    }

    fn target(&mut self, word: &Word<'_>, at: &Path) -> Option<Target> {
        let loc = Loc::within(at.clone(), word.range.clone());
        let address = self.host_address(word.text, loc, "a probe target")?;
        Some(Target { label: word.text.to_string(), address })
    }

    /// `web:80`, `web:eth1:80`, `10.0.0.5:80`, `[2001:db8::5]:80`.
    fn host_port(&mut self, word: &Word<'_>, at: &Path) -> Option<(Target, u16)> {
        let text = word.text;
        let split = if text.starts_with('[') { text.rfind("]:").map(|i| i + 1) } else { text.rfind(':') };
        let Some(colon) = split else {
            self.report(
                Diagnostic::error("invalid-check", format!("`{text}` has no port"))
                    .at(Loc::within(at.clone(), word.range.clone()))
                    .help("write it as `web:80`"),
            );
            return None;
        };
        let port_loc = Loc::within(at.clone(), word.range.start + colon + 1..word.range.end);
        let port = match syntax::port(&text[colon + 1..]) {
            Ok(p) => p,
            Err(message) => {
                self.report(
                    Diagnostic::error("invalid-check", message)
                        .at(port_loc)
                        .help("a port is a number from 1 to 65535: `web:80`"),
                );
                return None;
            }
        };
        let host = text[..colon].trim_start_matches('[').trim_end_matches(']');
        let host_word = Word { text: host, range: word.range.start..word.range.start + colon };
        if let Ok(addr) = host.parse::<IpAddr>() {
            return Some((Target { label: host.to_string(), address: addr }, port));
        }
        Some((self.target(&host_word, at)?, port))
    }

    /// `expect:` as one of two words; `true` for the first (the default).
    fn expectation(&mut self, text: Option<&str>, (yes, no): (&str, &str), at: Path) -> Option<bool> {
        match text {
            None => Some(true),
            Some(t) if t == yes => Some(true),
            Some(t) if t == no => Some(false),
            Some(other) => {
                self.report(
                    Diagnostic::error("invalid-check", format!("`{other}` is not an expectation here"))
                        .at(Loc::value(at))
                        .help(format!("use `{yes}` or `{no}`")),
                );
                None
            }
        }
    }
}

fn first_line(text: &str) -> &str {
    text.lines().last().unwrap_or(text).trim()
}
