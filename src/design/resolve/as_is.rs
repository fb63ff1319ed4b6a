//! The lab as it is (`design::as_is`): files, startup commands, a router's own FRR
//! configuration, MAC addresses, kernel settings, IPv6 on or off, name servers, and
//! the shared folder. Files named with `from:` are read here, from beside the topology
//! (`topology::beside`), and inlined, so the design holds all a deploy needs.

use std::collections::HashMap;
use std::net::IpAddr;

use super::Resolver;
use crate::confine::WRITABLE_DIRS;
use crate::design::as_is::{FrrPassthrough, NodeAsIs, NodeFile, Resolv};
use crate::diagnostic::{Diagnostic, Loc, did_you_mean};
use crate::kind::NodeKind;
use crate::path;
use crate::topology::beside;
use crate::topology::locate::Path;
use crate::topology::wire::{FileWire, NodeWire};

/// What all files and startup commands of one lab may add up to: the design that holds
/// them is stored with every instance.
pub const LAB_BYTES: usize = 4 << 20;

/// The FRR daemons a router may switch on; zebra, staticd and mgmtd always run.
pub const FRR_DAEMONS: [&str; 5] = ["bgpd", "ospfd", "ospf6d", "ripd", "ripngd"];

/// Where the shared folder goes unless the file says otherwise (Kathará's `/shared` is
/// not writable here: the root file system is read-only).
pub const SHARED_DEFAULT: &str = "/srv/shared";

/// `confine::WRITABLE_DIRS`, as a teacher reads them in a message.
const WRITABLE_LIST: &str = "/etc, /var, /root, /home, /srv, /opt, /tmp";

impl Resolver<'_> {
    pub(super) fn as_is(&mut self) {
        let file = self.file;
        let mut bytes = 0usize;
        let mut macs: HashMap<String, Path> = HashMap::new();
        let shared = self.shared_files(&mut bytes);
        for (name, wire) in &file.nodes {
            let Some(node) = self.nodes.get(name) else { continue };
            let kind = node.kind;
            let custom = node.image.is_some();
            let mut as_is = NodeAsIs::default();
            for (path, spec) in &wire.files {
                let at = path!["nodes", name.as_str(), "files", path.as_str()];
                if let Some(f) = self.node_file(path, spec, &at, &mut bytes) {
                    as_is.files.push(f);
                }
            }
            for f in &shared {
                if let Some(own) = as_is.files.iter().find(|o| o.path == f.path) {
                    let at = path!["nodes", name.as_str(), "files", own.path.as_str()];
                    self.report(
                        Diagnostic::error(
                            "conflicting-keys",
                            format!("`{}` is also in the shared folder", f.path),
                        )
                        .at(Loc::key(at))
                        .help("give the file one place: the node's `files` or `shared.files`"),
                    );
                    continue;
                }
                as_is.files.push(f.clone());
            }
            for (i, command) in wire.startup.iter().enumerate() {
                bytes += command.len();
                if command.trim().is_empty() {
                    self.report(
                        Diagnostic::error("invalid-value", "a startup command is empty")
                            .at(Loc::value(path!["nodes", name.as_str(), "startup", i]))
                            .help("write a shell command, or leave the line out"),
                    );
                    continue;
                }
                as_is.startup.push(command.clone());
            }
            for (i, other) in wire.startup_after.iter().enumerate() {
                let at = Loc::value(path!["nodes", name.as_str(), "startup-after", i]);
                if other == name {
                    self.report(
                        Diagnostic::error("startup-cycle", format!("`{name}` cannot start after itself"))
                            .at(at)
                            .help("name the nodes whose startup commands must finish first"),
                    );
                } else if self.node_kind(other, at).is_some() && !as_is.startup_after.contains(other) {
                    as_is.startup_after.push(other.clone());
                }
            }
            if let Some(frr) = &wire.frr {
                as_is.frr = self.frr(name, kind, custom, frr, &mut bytes);
            }
            for (iface, mac) in &wire.macs {
                let at = path!["nodes", name.as_str(), "macs", iface.as_str()];
                if let Some(mac) = self.mac(name, iface, mac, &at) {
                    if let Some(first) = macs.get(&mac) {
                        self.report(
                            Diagnostic::error("duplicate-mac", format!("MAC address {mac} is given twice"))
                                .at(Loc::value(at))
                                .label("second time")
                                .related(Loc::value(first.clone()), "first time")
                                .help("every interface of a lab needs its own MAC address"),
                        );
                        continue;
                    }
                    macs.insert(mac.clone(), at);
                    as_is.macs.insert(iface.clone(), mac);
                }
            }
            as_is.sysctls = self.sysctls(name, wire);
            as_is.ipv6 = wire.ipv6;
            as_is.resolv = self.resolv(name, wire);
            if as_is.resolv.is_some() && as_is.files.iter().any(|f| f.path == "/etc/resolv.conf") {
                self.report(
                    Diagnostic::error(
                        "conflicting-keys",
                        format!("node `{name}` gives /etc/resolv.conf twice"),
                    )
                    .at(Loc::key(path!["nodes", name.as_str(), "resolv"]))
                    .help("write the name servers under `resolv` or the file under `files`, not both"),
                );
            }
            if let Some(node) = self.nodes.get_mut(name) {
                node.as_is = as_is;
            }
        }
        self.startup_cycles();
        if bytes > LAB_BYTES {
            self.report(
                Diagnostic::error(
                    "file-too-big",
                    format!(
                        "the lab's files and startup commands add up to {} KiB; at most {} KiB",
                        bytes / 1024,
                        LAB_BYTES / 1024
                    ),
                )
                .at(Loc::key(path!["nodes"]))
                .help("every instance stores them; put large data in the node's image"),
            );
        }
    }

    /// `startup-after` must leave an order to start in: a cycle is an error at the
    /// first node of it, naming the whole round.
    fn startup_cycles(&mut self) {
        let after: Vec<(String, Vec<String>)> =
            self.nodes.iter().map(|(n, node)| (n.clone(), node.as_is.startup_after.clone())).collect();
        let waits = |node: &str| after.iter().find(|(n, _)| n == node).map_or(&[][..], |(_, a)| a.as_slice());
        let mut reported: Vec<String> = Vec::new();
        for (start, _) in &after {
            // Depth-first from `start`, following the first way back to it.
            let mut path = vec![start.clone()];
            let mut seen = vec![start.clone()];
            if cycle_from(start, start, &waits, &mut path, &mut seen) && !reported.contains(start) {
                reported.extend(path.iter().cloned());
                let round = path.join(" → ");
                self.report(
                    Diagnostic::error(
                        "startup-cycle",
                        format!("the startup order goes round: {round} → {start}"),
                    )
                    .at(Loc::key(path!["nodes", start.as_str(), "startup-after"]))
                    .help("one node of the round must not wait for the next"),
                );
            }
        }
    }

    /// The shared folder's files, each as every node gets it.
    fn shared_files(&mut self, bytes: &mut usize) -> Vec<NodeFile> {
        let file = self.file;
        let Some(shared) = &file.shared else { return Vec::new() };
        let folder = shared.path.clone().unwrap_or_else(|| SHARED_DEFAULT.to_string());
        if shared.path.is_some() && !self.writable_path(&folder, Loc::value(path!["shared", "path"])) {
            return Vec::new();
        }
        let mut out = Vec::new();
        for (rel, spec) in &shared.files {
            let at = path!["shared", "files", rel.as_str()];
            let normal =
                !rel.is_empty() && rel.split('/').all(|part| !part.is_empty() && part != "." && part != "..");
            if !normal {
                self.report(
                    Diagnostic::error(
                        "file-not-writable",
                        format!("`{rel}` is not a path inside the shared folder"),
                    )
                    .at(Loc::key(at))
                    .help("name the file relative to the folder, without `..`: `hosts.txt`, `keys/lab.pub`"),
                );
                continue;
            }
            let full = format!("{}/{rel}", folder.trim_end_matches('/'));
            if let Some(f) = self.file_content(&full, spec, &at, bytes) {
                out.push(f);
            }
        }
        out
    }

    fn node_file(&mut self, path: &str, spec: &FileWire, at: &Path, bytes: &mut usize) -> Option<NodeFile> {
        if !self.writable_path(path, Loc::key(at.clone())) {
            return None;
        }
        self.file_content(path, spec, at, bytes)
    }

    /// Whether a node may be given a file at `path`; reports why not.
    pub(super) fn writable_path(&mut self, path: &str, loc: Loc) -> bool {
        let normal = path.starts_with('/')
            && path[1..].split('/').all(|part| !part.is_empty() && part != "." && part != "..");
        if !normal {
            self.report(
                Diagnostic::error("file-not-writable", format!("`{path}` is not an absolute path"))
                    .at(loc)
                    .label("not a path in the node")
                    .help("write the full path in the node, without `..` or `//`: `/etc/frr/frr.conf`"),
            );
            return false;
        }
        let inside =
            WRITABLE_DIRS.iter().any(|dir| path.strip_prefix(dir).is_some_and(|rest| rest.starts_with('/')));
        if !inside {
            self.report(
                Diagnostic::error(
                    "file-not-writable",
                    format!("`{path}` is not in a folder a node may write"),
                )
                .at(loc)
                .label("read-only in every node")
                .help(format!("a node's root file system is read-only; files can go in {WRITABLE_LIST}")),
            );
        }
        inside
    }

    /// A file's content (read from beside the topology for `from:`), owner and mode.
    fn file_content(
        &mut self,
        path: &str,
        spec: &FileWire,
        at: &Path,
        bytes: &mut usize,
    ) -> Option<NodeFile> {
        let content = self.content(spec, at, bytes)?;
        let mode = match &spec.mode {
            None => 0o644,
            Some(mode) => match parse_mode(mode.as_str()) {
                Some(m) => m,
                None => {
                    let mut p = at.clone();
                    p.push("mode".into());
                    self.report(
                        Diagnostic::error("invalid-mode", format!("`{mode}` is not a file mode"))
                            .at(Loc::value(p))
                            .label("expected octal digits")
                            .help("write the mode in octal, quoted: `mode: \"0640\"`"),
                    );
                    return None;
                }
            },
        };
        if let Some(owner) = &spec.owner
            && !valid_owner(owner)
        {
            let mut p = at.clone();
            p.push("owner".into());
            self.report(
                Diagnostic::error("invalid-owner", format!("`{owner}` is not an owner"))
                    .at(Loc::value(p))
                    .label("expected user or user:group")
                    .help("write `user:group` or `user`, by name as in the node's /etc/passwd (`frr:frr`) or by number (`0:0`)"),
            );
            return None;
        }
        Some(NodeFile { path: path.to_string(), content, owner: spec.owner.clone(), mode })
    }

    /// The text of `content:` or of the file `from:` names.
    fn content(&mut self, spec: &FileWire, at: &Path, bytes: &mut usize) -> Option<String> {
        let sub = |key: &str| {
            let mut p = at.clone();
            if !spec.bare {
                p.push(key.into());
            }
            p
        };
        let text = match (&spec.content, &spec.from) {
            (Some(_), Some(_)) => {
                self.report(
                    Diagnostic::error("conflicting-keys", "a file has both `content` and `from`")
                        .at(Loc::key(sub("from")))
                        .help("write the text inline with `content`, or name a file beside the topology with `from`"),
                );
                return None;
            }
            (None, None) => {
                self.report(
                    Diagnostic::error("missing-key", "a file needs `content` or `from`")
                        .at(Loc::value(at.clone()))
                        .help("write the text inline with `content: |`, or name a file beside the topology with `from: r1/etc/motd`"),
                );
                return None;
            }
            (Some(text), None) => text.clone(),
            (None, Some(from)) => match beside::read(self.folder.as_deref(), from) {
                Ok(text) => text,
                Err(err) => {
                    let code = match err {
                        beside::BesideError::Escapes => "from-outside-folder",
                        beside::BesideError::Missing => "from-missing",
                        beside::BesideError::TooBig => "file-too-big",
                        beside::BesideError::NoFolder => "from-without-folder",
                        _ => "from-unreadable",
                    };
                    self.report(
                        Diagnostic::error(code, err.message(from))
                            .at(Loc::value(sub("from")))
                            .help(err.help()),
                    );
                    return None;
                }
            },
        };
        if text.len() > beside::FILE_BYTES {
            self.report(
                Diagnostic::error(
                    "file-too-big",
                    format!("the file is larger than {} KiB", beside::FILE_BYTES / 1024),
                )
                .at(Loc::value(sub("content")))
                .help("files put into nodes are configuration, not data: keep them small"),
            );
            return None;
        }
        *bytes += text.len();
        Some(text)
    }

    fn frr(
        &mut self,
        name: &str,
        kind: NodeKind,
        custom: bool,
        frr: &crate::topology::wire::FrrWire,
        bytes: &mut usize,
    ) -> Option<FrrPassthrough> {
        let at = path!["nodes", name, "frr"];
        if !matches!(kind, NodeKind::Router | NodeKind::Firewall) || custom {
            self.report(
                Diagnostic::error("wrong-kind", format!("node `{name}` runs no FRR of asbuilt's"))
                    .at(Loc::key(at))
                    .help("an own FRR configuration is for routers and firewalls on asbuilt's images; for another node put its files under `files`"),
            );
            return None;
        }
        if frr.config.owner.is_some() || frr.config.mode.is_some() {
            self.report(
                Diagnostic::error("invalid-value", "the FRR configuration's owner and mode are FRR's")
                    .at(Loc::value(path!["nodes", name, "frr", "config"]))
                    .help("leave out `owner` and `mode`: asbuilt writes frr.conf as frr:frr, 0640"),
            );
        }
        let config = self.content(&frr.config, &path!["nodes", name, "frr", "config"], bytes)?;
        let mut daemons = Vec::new();
        for (i, daemon) in frr.daemons.iter().enumerate() {
            if !FRR_DAEMONS.contains(&daemon.as_str()) {
                let help = did_you_mean(daemon, FRR_DAEMONS)
                    .unwrap_or_else(|| format!("the router's FRR has {}", FRR_DAEMONS.join(", ")));
                self.report(
                    Diagnostic::error(
                        "unknown-daemon",
                        format!("`{daemon}` is not an FRR daemon asbuilt's routers have"),
                    )
                    .at(Loc::value(path!["nodes", name, "frr", "daemons", i]))
                    .help(help),
                );
                continue;
            }
            if !daemons.contains(daemon) {
                daemons.push(daemon.clone());
            }
        }
        Some(FrrPassthrough { config, daemons })
    }

    /// A MAC address for an interface the node has, lowercase.
    fn mac(&mut self, node: &str, iface: &str, mac: &str, at: &Path) -> Option<String> {
        let cabled =
            self.nodes[node].interfaces.get(iface).is_some_and(|i| i.segment.is_some() && i.vlan.is_none());
        if !cabled {
            let names: Vec<String> = self.nodes[node]
                .interfaces
                .values()
                .filter(|i| i.segment.is_some() && i.vlan.is_none())
                .map(|i| i.name.clone())
                .collect();
            let help = did_you_mean(iface, names.iter().map(String::as_str))
                .unwrap_or_else(|| format!("`{node}` has the cabled interfaces: {}", names.join(", ")));
            self.report(
                Diagnostic::error("unknown-interface", format!("`{node}` has no cabled interface `{iface}`"))
                    .at(Loc::key(at.clone()))
                    .help(help),
            );
            return None;
        }
        match parse_mac(mac) {
            Ok(octets) => Some(octets.iter().map(|o| format!("{o:02x}")).collect::<Vec<_>>().join(":")),
            Err(why) => {
                self.report(
                    Diagnostic::error("invalid-mac", format!("`{mac}` is not a MAC address an interface can have: {why}"))
                        .at(Loc::value(at.clone()))
                        .help("write six hexadecimal pairs with colons, a unicast address such as `02:00:00:00:01:01` (02 marks it locally administered)"),
                );
                None
            }
        }
    }

    fn sysctls(&mut self, node: &str, wire: &NodeWire) -> Vec<(String, String)> {
        let mut out = Vec::new();
        for (key, value) in &wire.sysctls {
            let at = path!["nodes", node, "sysctls", key.as_str()];
            if let Err(why) = sysctl_allowed(key) {
                self.report(
                    Diagnostic::error("forbidden-sysctl", format!("`{key}` cannot be set in a node: {why}"))
                        .at(Loc::key(at))
                        .help("a node may set the kernel settings of its own network namespace: net.ipv4.*, net.ipv6.* (for all, default or lo) and net.core.somaxconn; per-interface settings go in `startup` (`sysctl -w net.ipv4.conf.eth1.rp_filter=0`)"),
                );
                continue;
            }
            let v = value.as_str();
            if v.is_empty()
                || v.len() > 64
                || !v.chars().all(|c| c.is_ascii_alphanumeric() || " .:-_".contains(c))
            {
                self.report(
                    Diagnostic::error("invalid-value", format!("`{v}` is not a kernel setting's value"))
                        .at(Loc::value(at))
                        .help("write a number or a short word: `net.ipv4.ip_forward: 1`"),
                );
                continue;
            }
            out.push((key.clone(), v.to_string()));
        }
        out
    }

    fn resolv(&mut self, node: &str, wire: &NodeWire) -> Option<Resolv> {
        let resolv = wire.resolv.as_ref()?;
        let mut out = Resolv { nameservers: Vec::new(), search: Vec::new() };
        for (i, ns) in resolv.nameservers.iter().enumerate() {
            match ns.parse::<IpAddr>() {
                Ok(addr) => out.nameservers.push(addr),
                Err(_) => self.report(
                    Diagnostic::error("invalid-address", format!("`{ns}` is not an address"))
                        .at(Loc::value(path!["nodes", node, "resolv", "nameservers", i]))
                        .help("name servers are written as addresses: `192.0.2.53`"),
                ),
            }
        }
        for (i, domain) in resolv.search.iter().enumerate() {
            let ok = !domain.is_empty()
                && domain.len() <= 253
                && domain
                    .split('.')
                    .all(|l| !l.is_empty() && l.chars().all(|c| c.is_ascii_alphanumeric() || c == '-'));
            if !ok {
                self.report(
                    Diagnostic::error("invalid-value", format!("`{domain}` is not a domain"))
                        .at(Loc::value(path!["nodes", node, "resolv", "search", i]))
                        .help("write a domain such as `jansen.local`"),
                );
                continue;
            }
            out.search.push(domain.clone());
        }
        Some(out)
    }
}

/// Octal permission bits: `0640`, `640`, `"0755"`.
pub(super) fn parse_mode(text: &str) -> Option<u32> {
    let digits = text.strip_prefix("0o").unwrap_or(text);
    if digits.is_empty() || digits.len() > 4 || !digits.chars().all(|c| ('0'..='7').contains(&c)) {
        return None;
    }
    u32::from_str_radix(digits, 8).ok()
}

/// `user`, `user:group`, by name or number.
pub(super) fn valid_owner(owner: &str) -> bool {
    let part = |p: &str| {
        !p.is_empty()
            && p.len() <= 32
            && (p.chars().all(|c| c.is_ascii_digit())
                || (p.starts_with(|c: char| c.is_ascii_lowercase() || c == '_')
                    && p.chars()
                        .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_' || c == '-')))
    };
    match owner.split_once(':') {
        Some((user, group)) => part(user) && part(group),
        None => part(owner),
    }
}

/// Six octets, unicast and not all zeros.
fn parse_mac(text: &str) -> Result<[u8; 6], &'static str> {
    let parts: Vec<&str> = text.split(':').collect();
    if parts.len() != 6 {
        return Err("it needs six pairs separated by colons");
    }
    let mut out = [0u8; 6];
    for (o, p) in out.iter_mut().zip(&parts) {
        if p.len() != 2 {
            return Err("each part is two hexadecimal digits");
        }
        *o = u8::from_str_radix(p, 16).map_err(|_| "each part is two hexadecimal digits")?;
    }
    if out[0] & 1 == 1 {
        return Err("it is a multicast address (the first octet is odd)");
    }
    if out == [0; 6] {
        return Err("all zeros is no address");
    }
    Ok(out)
}

/// Whether Docker lets a container set `key`: only settings of its own network
/// namespace, and per interface only those that exist when the node starts, before
/// its cables are in.
fn sysctl_allowed(key: &str) -> Result<(), &'static str> {
    if key.is_empty()
        || !key.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || "._-".contains(c))
    {
        return Err("it is not a kernel setting's name");
    }
    if key == "net.core.somaxconn" {
        return Ok(());
    }
    let Some(rest) = key.strip_prefix("net.ipv4.").or_else(|| key.strip_prefix("net.ipv6.")) else {
        return Err(
            "only net.ipv4.*, net.ipv6.* and net.core.somaxconn belong to a node's own network namespace",
        );
    };
    for table in ["conf.", "neigh."] {
        if let Some(iface) = rest.strip_prefix(table) {
            let iface = iface.split('.').next().unwrap_or("");
            if !matches!(iface, "all" | "default" | "lo") {
                return Err(
                    "the node's cabled interfaces do not exist yet when its kernel settings are made",
                );
            }
        }
    }
    Ok(())
}

/// Whether following `waits` from `at` comes back to `start`; `path` then holds the
/// nodes on the way.
fn cycle_from<'a>(
    start: &str,
    at: &str,
    waits: &impl Fn(&str) -> &'a [String],
    path: &mut Vec<String>,
    seen: &mut Vec<String>,
) -> bool {
    for next in waits(at) {
        if next == start {
            return true;
        }
        if seen.contains(next) {
            continue;
        }
        seen.push(next.clone());
        path.push(next.clone());
        if cycle_from(start, next, waits, path, seen) {
            return true;
        }
        path.pop();
    }
    false
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn modes_owners_macs_and_sysctls() {
        assert_eq!(parse_mode("0640"), Some(0o640));
        assert_eq!(parse_mode("755"), Some(0o755));
        assert_eq!(parse_mode("0999"), None);
        assert_eq!(parse_mode("rw-r--r--"), None);
        assert!(valid_owner("frr:frr") && valid_owner("0:0") && valid_owner("www-data"));
        assert!(!valid_owner("frr:") && !valid_owner("Root") && !valid_owner("a b"));
        assert_eq!(parse_mac("02:00:00:00:01:0A"), Ok([2, 0, 0, 0, 1, 10]));
        assert!(parse_mac("01:00:5e:00:00:01").is_err());
        assert!(parse_mac("00:00:00:00:00:00").is_err());
        assert!(parse_mac("02:00:00:00:01").is_err());
        assert!(sysctl_allowed("net.ipv4.ip_forward").is_ok());
        assert!(sysctl_allowed("net.ipv6.conf.all.disable_ipv6").is_ok());
        assert!(sysctl_allowed("net.ipv4.conf.eth1.rp_filter").is_err());
        assert!(sysctl_allowed("kernel.panic").is_err());
        assert!(sysctl_allowed("net.core.rmem_max").is_err());
    }
}
