//! containerlab topologies (`*.clab.yml`) imported as asbuilt topologies.
//!
//! containerlab describes what Kathará does in other words: nodes with an image, files
//! bound into them, commands run at start, and cables between their interfaces. So the
//! importer writes the topology as the Kathará lab it amounts to (lab.conf, a startup
//! file and a folder per node, in memory) and imports that with everything the Kathará
//! importer recognises: addresses, routes and gateways in commands, FRR configurations,
//! web and DNS servers. The report's places are then turned back into the topology's
//! own lines and the files it binds.
//!
//! Settings come from `defaults`, then `kinds`, then `groups`, then the node (a later
//! one wins; `binds`, `exec` and `env` add up). `linux` nodes run as routers, servers
//! or hosts by what they run; `bridge` and `ovs-bridge` nodes become shared segments;
//! vendor kinds (no vendor images here) and what reaches the host (`host` and
//! `ext-container` nodes, `ports`, host networking, binds from outside the topology's
//! folder) are refused.

use std::collections::{BTreeMap, HashMap};
use std::path::Path;

use serde_yaml::{Mapping, Value};

use super::Imported;
use super::kathara::{self, folder::Folder};
use super::report::{FindingKind, ImportError, Place, Report, YamlPlaces};
use crate::topology::beside::FILE_BYTES;
use crate::topology::locate::Seg;

/// Keys of a node (and of defaults, kinds and groups) asbuilt reads.
const READ: [&str; 14] = [
    "kind",
    "image",
    "group",
    "binds",
    "exec",
    "env",
    "sysctls",
    "startup-config",
    "memory",
    "cpu",
    "ports",
    "network-mode",
    "mgmt-ipv4",
    "mgmt-ipv6",
];

/// Whether a file is a containerlab topology, by its name.
pub fn is_topology(path: &Path) -> bool {
    let name = path.file_name().map(|n| n.to_string_lossy().to_lowercase()).unwrap_or_default();
    name.ends_with(".clab.yml") || name.ends_with(".clab.yaml")
}

/// Imports the containerlab topology in `path`.
pub fn import(path: &Path) -> Result<Imported, Vec<ImportError>> {
    let file = path.file_name().map_or_else(|| path.display().to_string(), |n| n.to_string_lossy().into());
    let error =
        |line, column, message: String| vec![ImportError { place: Place::new(&file, line, column), message }];
    let text = std::fs::read_to_string(path).map_err(|e| error(0, 0, format!("cannot read it: {e}")))?;
    if text.len() > FILE_BYTES * 4 {
        return Err(error(0, 0, "larger than a topology can be: not read".into()));
    }
    let dir = path.parent().filter(|p| !p.as_os_str().is_empty()).unwrap_or(Path::new("."));
    let doc: Value = serde_yaml::from_str(&text).map_err(|e| {
        let (line, column) = e.location().map_or((1, 1), |l| (l.line(), l.column()));
        error(line, column, format!("not a containerlab topology: {e}"))
    })?;
    let mut lab = Translation::new(&file, &text, dir);
    lab.read(&doc)?;
    lab.finish();
    let imported = kathara::import_folder(
        Folder::from_files(lab.files.clone()),
        dir,
        None,
        "a containerlab topology by `asbuilt import containerlab`",
    )?;
    let mut report = lab.report;
    for finding in imported.report.findings {
        report.add(lab.places.real(&finding.place), finding.kind, finding.message);
    }
    report.renamed.extend(imported.report.renamed);
    report.modes = imported.report.modes;
    Ok(Imported { yaml: imported.yaml, report })
}

/// A lab.conf line of one node, and where in the topology it comes from: (node, line,
/// path).
type ConfLine = (String, String, Vec<Seg>);
/// Commands per node, each with where in the topology it comes from.
type Commands = BTreeMap<String, Vec<(String, Vec<Seg>)>>;

/// Where the lines of the Kathará lab made in memory come from in the topology.
#[derive(Default)]
struct Places {
    /// (file of the made lab, line) to the place in the source.
    lines: HashMap<(String, usize), Place>,
    /// Files of the made lab to the file they were bound from.
    files: HashMap<String, String>,
}

impl Places {
    fn real(&self, made: &Place) -> Place {
        if let Some(p) = self.lines.get(&(made.file.clone(), made.line)) {
            return p.clone();
        }
        match self.files.get(&made.file) {
            Some(real) => Place { file: real.clone(), ..made.clone() },
            None => made.clone(),
        }
    }
}

/// One node's settings, merged from defaults, its kind, its group and itself.
#[derive(Default)]
struct Settings {
    scalars: BTreeMap<String, (Value, Vec<Seg>)>,
    binds: Vec<(String, Vec<Seg>)>,
    exec: Vec<(String, Vec<Seg>)>,
    env: Vec<(String, String, Vec<Seg>)>,
    sysctls: Vec<(String, String, Vec<Seg>)>,
}

impl Settings {
    fn layer(&mut self, m: &Mapping, at: &[Seg]) {
        for (k, v) in m {
            let Some(key) = k.as_str() else { continue };
            let mut path = at.to_vec();
            path.push(key.into());
            let indexed = |i: usize| {
                let mut p = path.clone();
                p.push(i.into());
                p
            };
            match key {
                "binds" | "exec" => {
                    let list: Vec<(String, Vec<Seg>)> = v
                        .as_sequence()
                        .into_iter()
                        .flatten()
                        .enumerate()
                        .map(|(i, x)| (text(x), indexed(i)))
                        .collect();
                    if key == "binds" { self.binds.extend(list) } else { self.exec.extend(list) }
                }
                "env" | "sysctls" => {
                    for (name, value) in v.as_mapping().into_iter().flatten() {
                        let mut p = path.clone();
                        p.push(text(name).into());
                        let entry = (text(name), text(value), p);
                        if key == "env" { self.env.push(entry) } else { self.sysctls.push(entry) }
                    }
                }
                _ => {
                    self.scalars.insert(key.to_string(), (v.clone(), path));
                }
            }
        }
    }

    fn get(&self, key: &str) -> Option<(String, &[Seg])> {
        self.scalars.get(key).map(|(v, p)| (text(v), p.as_slice()))
    }
}

fn text(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        Value::Number(n) => n.to_string(),
        Value::Bool(b) => b.to_string(),
        _ => String::new(),
    }
}

/// One cable end.
struct End {
    node: String,
    iface: String,
    mac: Option<String>,
    addresses: Vec<(String, Vec<Seg>)>,
    at: Vec<Seg>,
}

/// The topology being written as a Kathará lab.
struct Translation<'a> {
    file: String,
    yaml: YamlPlaces,
    dir: &'a Path,
    report: Report,
    places: Places,
    files: BTreeMap<String, String>,
    conf: Vec<String>,
}

impl<'a> Translation<'a> {
    fn new(file: &str, text: &str, dir: &'a Path) -> Translation<'a> {
        Translation {
            file: file.to_string(),
            yaml: YamlPlaces::new(file, text),
            dir,
            report: Report::default(),
            places: Places::default(),
            files: BTreeMap::new(),
            conf: Vec::new(),
        }
    }

    fn place(&self, path: &[Seg]) -> Place {
        self.yaml.at(path).unwrap_or_else(|| Place::file(&self.file))
    }

    fn note(&mut self, path: &[Seg], kind: FindingKind, message: impl Into<String>) {
        let place = self.place(path);
        self.report.add(place, kind, message);
    }

    /// A line of the made lab.conf, from `path` of the topology.
    fn conf_line(&mut self, line: String, path: &[Seg]) {
        self.conf.push(line);
        let place = self.place(path);
        self.places.lines.insert(("lab.conf".into(), self.conf.len()), place);
    }

    /// The whole topology: its top-level keys, its nodes, its cables, then each
    /// imported node with its interfaces.
    fn read(&mut self, doc: &Value) -> Result<(), Vec<ImportError>> {
        let top = |k: &str| doc.get(k);
        let name = top("name").map(text).unwrap_or_default();
        if !name.is_empty() {
            self.conf_line(format!("LAB_NAME=\"{}\"", name.replace('"', "'")), &["name".into()]);
        }
        for key in doc.as_mapping().into_iter().flatten().filter_map(|(k, _)| k.as_str()) {
            match key {
                "name" | "topology" => {}
                "mgmt" => self.note(&[key.into()], FindingKind::MappedWithLoss, "the management network is left out: asbuilt's nodes have none (consoles and checks reach them through the engine)"),
                "prefix" => self.note(&[key.into()], FindingKind::MappedWithLoss, "the container name prefix is left out: asbuilt names containers after the instance"),
                other => self.note(&[other.into()], FindingKind::MappedWithLoss, format!("`{other}` is left out: asbuilt has no such setting")),
            }
        }
        let Some(topology) = top("topology").and_then(Value::as_mapping) else {
            return Err(vec![ImportError {
                place: Place::new(&self.file, 1, 1),
                message: "a containerlab topology has a `topology` with `nodes`".into(),
            }]);
        };
        let (devices, bridges) = self.nodes(topology);
        let links = self.links(topology);
        let (interface_lines, mut addresses) = self.cabling(&links, &devices, &bridges);
        for (name, settings) in &devices {
            for (_, line, at) in interface_lines.iter().filter(|(n, _, _)| n == name) {
                self.conf_line(line.clone(), at);
            }
            self.device(name, settings, addresses.remove(name).unwrap_or_default());
        }
        Ok(())
    }

    /// Every node's settings, merged from defaults, kinds and groups: the `linux` nodes
    /// to import, and the bridges that become shared segments. The rest is refused.
    fn nodes(&mut self, topology: &Mapping) -> (Vec<(String, Settings)>, Vec<String>) {
        let section = |k: &str| topology.get(Value::from(k)).and_then(Value::as_mapping);
        let empty = Mapping::new();
        let defaults = section("defaults").unwrap_or(&empty);
        let kinds = section("kinds").unwrap_or(&empty);
        let groups = section("groups").unwrap_or(&empty);
        let nodes = section("nodes").unwrap_or(&empty);
        let mut devices: Vec<(String, Settings)> = Vec::new();
        let mut bridges: Vec<String> = Vec::new();
        for (name, node) in nodes {
            let name = text(name);
            let at: Vec<Seg> = vec!["topology".into(), "nodes".into(), name.as_str().into()];
            let mut s = Settings::default();
            s.layer(defaults, &["topology".into(), "defaults".into()]);
            let node_map = node.as_mapping().cloned().unwrap_or_default();
            let kind = node_map
                .get(Value::from("kind"))
                .map(text)
                .or_else(|| defaults.get(Value::from("kind")).map(text))
                .unwrap_or_else(|| "linux".into());
            if let Some(k) = kinds.get(Value::from(kind.as_str())).and_then(Value::as_mapping) {
                s.layer(k, &["topology".into(), "kinds".into(), kind.as_str().into()]);
            }
            let group = node_map.get(Value::from("group")).map(text);
            if let Some(g) =
                group.as_ref().and_then(|g| groups.get(Value::from(g.as_str()))).and_then(Value::as_mapping)
            {
                s.layer(
                    g,
                    &["topology".into(), "groups".into(), group.as_deref().unwrap_or_default().into()],
                );
            }
            s.layer(&node_map, &at);
            match kind.as_str() {
                "linux" => devices.push((name, s)),
                "bridge" | "ovs-bridge" => {
                    self.note(&at, FindingKind::MappedWithLoss, format!("the {kind} `{name}` becomes the shared segment `{name}`: what is cabled to it shares one broadcast domain"));
                    bridges.push(name);
                }
                "host" | "ext-container" => self.note(&at, FindingKind::Refused, format!("a `{kind}` node reaches outside the lab: refused, a lab never reaches outside itself; its cables are left out")),
                vendor => self.note(&at, FindingKind::Refused, format!("`{vendor}` is a vendor's system, whose image asbuilt does not have: refused, with its cables; rebuild it as a `linux` node with FRR")),
            }
        }
        (devices, bridges)
    }

    /// The cables, brief (`endpoints: ["r1:eth1", "r2:eth1"]`) or extended
    /// (`type: veth`), each as its two ends; other link types are refused.
    fn links(&mut self, topology: &Mapping) -> Vec<Vec<End>> {
        let mut ends_by_link: Vec<Vec<End>> = Vec::new();
        for (i, link) in
            topology.get(Value::from("links")).and_then(Value::as_sequence).into_iter().flatten().enumerate()
        {
            let at: Vec<Seg> = vec!["topology".into(), "links".into(), i.into()];
            if let Some(t) = link.get("type").map(text).filter(|t| t != "veth") {
                self.note(
                    &at,
                    FindingKind::Refused,
                    format!("a `{t}` link reaches outside the lab or into the host: refused"),
                );
                continue;
            }
            let mut ends = Vec::new();
            for (j, e) in link.get("endpoints").and_then(Value::as_sequence).into_iter().flatten().enumerate()
            {
                let mut end_at = at.clone();
                end_at.extend(["endpoints".into(), j.into()]);
                let (node, iface) = match e {
                    Value::String(s) => match s.split_once(':') {
                        Some((n, i)) => (n.to_string(), i.to_string()),
                        None => {
                            self.note(
                                &end_at,
                                FindingKind::MappedWithLoss,
                                format!("`{s}` is not `node:interface`: the cable is left out"),
                            );
                            continue;
                        }
                    },
                    other => (
                        other.get("node").map(text).unwrap_or_default(),
                        other.get("interface").map(text).unwrap_or_default(),
                    ),
                };
                let mut addresses = Vec::new();
                for family in ["ipv4", "ipv6"] {
                    if let Some(a) = e.get(family).map(text).filter(|a| !a.is_empty()) {
                        let mut p = end_at.clone();
                        p.push(family.into());
                        addresses.push((a, p));
                    }
                }
                ends.push(End { node, iface, mac: e.get("mac").map(text), addresses, at: end_at });
            }
            if ends.len() != 2 {
                self.note(&at, FindingKind::MappedWithLoss, "a link has two endpoints: left out");
                continue;
            }
            ends_by_link.push(ends);
        }
        ends_by_link
    }

    /// Each imported node's interfaces as lab.conf lines (`r1[1]="link1/MAC"`) and the
    /// cable ends' addresses as commands, per node. `eth<N>` keeps its number; other
    /// names get the next free one, reported. A cable to a bridge joins its segment; one
    /// to a node that is not imported is left out.
    fn cabling(
        &mut self,
        ends_by_link: &[Vec<End>],
        devices: &[(String, Settings)],
        bridges: &[String],
    ) -> (Vec<ConfLine>, Commands) {
        let mut numbers: HashMap<(String, String), u32> = HashMap::new();
        let mut next: HashMap<String, u32> = HashMap::new();
        for end in ends_by_link.iter().flatten() {
            if let Some(n) = end.iface.strip_prefix("eth").and_then(|n| n.parse::<u32>().ok()) {
                numbers.insert((end.node.clone(), end.iface.clone()), n);
                let m = next.entry(end.node.clone()).or_insert(1);
                *m = (*m).max(n + 1);
            }
        }
        let known = |n: &str| devices.iter().any(|(d, _)| d == n);
        let mut interface_lines: Vec<ConfLine> = Vec::new();
        let mut addresses: Commands = BTreeMap::new();
        for (i, ends) in ends_by_link.iter().enumerate() {
            // A cable to a bridge joins the bridge's segment; to a refused node, nothing.
            let domain = ends
                .iter()
                .find(|e| bridges.contains(&e.node))
                .map(|e| e.node.clone())
                .unwrap_or_else(|| format!("link{}", i + 1));
            if ends.iter().any(|e| !known(&e.node) && !bridges.contains(&e.node)) {
                let at = ends[0].at[..3].to_vec();
                self.note(
                    &at,
                    FindingKind::MappedWithLoss,
                    "a cable to a node that is not imported is left out",
                );
                continue;
            }
            for end in ends.iter().filter(|e| known(&e.node)) {
                let key = (end.node.clone(), end.iface.clone());
                let n = match numbers.get(&key) {
                    Some(n) => *n,
                    None => {
                        let slot = next.entry(end.node.clone()).or_insert(1);
                        let n = *slot;
                        *slot += 1;
                        numbers.insert(key.clone(), n);
                        self.note(
                            &end.at,
                            FindingKind::MappedWithLoss,
                            format!(
                                "`{}:{}` is `{}:eth{n}`: asbuilt names interfaces eth1, eth2...",
                                end.node, end.iface, end.node
                            ),
                        );
                        n
                    }
                };
                let value = match &end.mac {
                    Some(mac) => format!("{domain}/{mac}"),
                    None => domain.clone(),
                };
                interface_lines.push((
                    end.node.clone(),
                    format!("{}[{n}]=\"{value}\"", end.node),
                    end.at.clone(),
                ));
                for (a, p) in &end.addresses {
                    addresses
                        .entry(end.node.clone())
                        .or_default()
                        .push((format!("ip address add {a} dev eth{n}"), p.clone()));
                }
            }
        }
        (interface_lines, addresses)
    }

    /// One `linux` node: its options in lab.conf, its commands as its startup file, the
    /// files it binds in its folder.
    fn device(&mut self, name: &str, s: &Settings, mut startup: Vec<(String, Vec<Seg>)>) {
        // containerlab's containers have IPv6; Kathará's have it only when asked.
        let node_at: Vec<Seg> = vec!["topology".into(), "nodes".into(), name.into()];
        self.conf_line(format!("{name}[ipv6]=\"true\""), &node_at);
        if let Some((image, at)) = s.get("image") {
            self.conf_line(format!("{name}[image]=\"{image}\""), at);
        }
        if let Some((memory, at)) = s.get("memory") {
            // `512MB`, `1Gb`, `1.5GiB`: Kathará's `512m`.
            let lower = memory.to_lowercase();
            let digits: String = lower.chars().take_while(|c| c.is_ascii_digit() || *c == '.').collect();
            let mib = match (digits.parse::<f64>(), lower.trim_start_matches(&*digits).trim()) {
                (Ok(v), u) if u.starts_with('g') => Some(v * 1024.0),
                (Ok(v), u) if u.starts_with('m') || u.is_empty() => Some(v),
                (Ok(v), u) if u.starts_with('k') => Some(v / 1024.0),
                _ => None,
            };
            match mib {
                Some(m) => self.conf_line(format!("{name}[mem]=\"{}m\"", m.round().max(1.0) as u64), at),
                None => self.note(
                    at,
                    FindingKind::MappedWithLoss,
                    format!("`{memory}` is not an amount of memory: left out"),
                ),
            }
        }
        if let Some((cpu, at)) = s.get("cpu") {
            self.conf_line(format!("{name}[cpus]=\"{cpu}\""), at);
        }
        for (k, v, at) in &s.env {
            if v.contains('"') {
                self.note(at, FindingKind::MappedWithLoss, format!("`{k}` holds a double quote: left out"));
            } else {
                self.conf_line(format!("{name}[env]=\"{k}={v}\""), at);
            }
        }
        for (k, v, at) in &s.sysctls {
            self.conf_line(format!("{name}[sysctl]=\"{k}={v}\""), at);
        }
        if let Some((ports, at)) = s.scalars.get("ports")
            && ports.as_sequence().is_some_and(|p| !p.is_empty())
        {
            self.note(at, FindingKind::Refused, "`ports` publishes ports of the node on the host: refused, a lab never reaches outside itself");
        }
        if let Some((mode, at)) = s.get("network-mode") {
            self.note(at, FindingKind::Refused, format!("network-mode `{mode}` puts the node outside the lab's network: refused; it gets the lab's cables only"));
        }
        for key in ["mgmt-ipv4", "mgmt-ipv6"] {
            if let Some((_, at)) = s.get(key) {
                self.note(
                    at,
                    FindingKind::MappedWithLoss,
                    format!("`{key}` is left out: asbuilt's nodes have no management network"),
                );
            }
        }
        for (key, (_, at)) in &s.scalars {
            if !READ.contains(&key.as_str()) {
                self.note(
                    at,
                    FindingKind::MappedWithLoss,
                    format!("`{key}` is left out: asbuilt has no such node setting"),
                );
            }
        }
        for (bind, at) in &s.binds {
            self.bind(name, bind, at);
        }
        if let Some((config, at)) = s.get("startup-config") {
            self.bind(name, &format!("{config}:/etc/frr/frr.conf"), at);
        }
        // The cable ends' addresses first, as containerlab sets them before `exec` runs.
        startup.extend(s.exec.iter().cloned());
        if !startup.is_empty() {
            let file = format!("{name}.startup");
            let mut body = String::new();
            for (i, (line, at)) in startup.iter().enumerate() {
                body.push_str(line);
                body.push('\n');
                let place = self.place(at);
                self.places.lines.insert((file.clone(), i + 1), place);
            }
            self.files.insert(file, body);
        }
    }

    /// `host-path:node-path[:ro]`: a file (or a folder's files) of the topology's folder,
    /// copied into the node's folder of the made lab.
    fn bind(&mut self, node: &str, bind: &str, at: &[Seg]) {
        let mut parts = bind.splitn(3, ':');
        let (Some(from), Some(to)) = (parts.next(), parts.next()) else {
            self.note(
                at,
                FindingKind::MappedWithLoss,
                format!("`{bind}` is not `host-path:node-path`: left out"),
            );
            return;
        };
        let dir = self.dir.canonicalize().unwrap_or_else(|_| self.dir.to_path_buf());
        let source = dir.join(from);
        let inside = source.canonicalize().ok().filter(|p| p.starts_with(&dir));
        let Some(source) = inside else {
            self.note(at, FindingKind::Refused, format!("`{from}` is not a file or folder beside the topology: refused, a lab never reaches the host's files"));
            return;
        };
        let to = to.trim_start_matches('/').trim_end_matches('/');
        let mut copied = Vec::new();
        collect(&source, to, 0, &mut copied);
        if copied.is_empty() {
            self.note(
                at,
                FindingKind::MappedWithLoss,
                format!("`{from}` holds no text file: nothing to copy"),
            );
        }
        for (inner, text, real) in copied {
            let made = format!("{node}/{inner}");
            let rel = real
                .strip_prefix(&dir)
                .map_or_else(|_| real.display().to_string(), |r| r.display().to_string());
            self.places.files.insert(made.clone(), rel);
            self.files.insert(made, text);
        }
    }
}

/// Text files under `path` (or `path` itself), each with its path under `to` and where
/// it was read; bounded like a Kathará lab's folder.
fn collect(path: &Path, to: &str, depth: usize, out: &mut Vec<(String, String, std::path::PathBuf)>) {
    if depth > 8 || out.len() >= 500 {
        return;
    }
    if path.is_file() {
        if let Ok(text) =
            std::fs::read_to_string(path).map(|t| t.chars().take(FILE_BYTES).collect::<String>())
        {
            out.push((to.to_string(), text, path.to_path_buf()));
        }
        return;
    }
    let Ok(entries) = std::fs::read_dir(path) else { return };
    let mut entries: Vec<_> = entries.filter_map(Result::ok).collect();
    entries.sort_by_key(|e| e.file_name());
    for e in entries {
        let name = e.file_name().to_string_lossy().into_owned();
        if e.file_type().is_ok_and(|t| !t.is_symlink()) {
            collect(&e.path(), &format!("{to}/{name}"), depth + 1, out);
        }
    }
}

impl Translation<'_> {
    /// The made lab.conf, added to the files once every node is read.
    fn finish(&mut self) {
        let mut conf = self.conf.join("\n");
        conf.push('\n');
        self.files.insert("lab.conf".into(), conf);
    }
}
