//! Kathará labs (3.8): `lab.conf`, `lab.dep`, `shared.startup`, `<device>.startup`,
//! `shared/` and a folder per device, imported as an asbuilt topology.
//!
//! `folder.rs` reads the lab's folder (the only I/O); `lab_conf.rs`, `startup.rs`,
//! `frr.rs`, `quagga.rs` and `services.rs` read its files; `device.rs` decides per
//! device what becomes design facts and what runs as it is; `emit.rs` writes the
//! topology. See docs/import.md for every construct and its mapping.

mod device;
pub mod emit;
pub(crate) mod folder;
pub mod frr;
pub mod lab_conf;
pub mod model;
pub mod names;
pub mod quagga;
pub mod services;
pub mod startup;

use std::collections::BTreeSet;
use std::path::Path;

use indexmap::IndexMap;

use self::folder::Folder;
use self::model::{FileText, LabOut};
use super::Imported;
use super::report::{FindingKind, ImportError, Place, Report};

/// The folder Kathará mounts `shared/` at, and where asbuilt puts it.
pub const SHARED_KATHARA: &str = "/shared";
pub const SHARED_ASBUILT: &str = "/srv/shared";

/// Whether a folder holds a Kathará lab.
pub fn is_lab(dir: &Path) -> bool {
    dir.join("lab.conf").is_file()
}

/// Imports the lab in `dir` for a topology that will be written in `out_folder`: files
/// the topology needs are named with `from:` when `dir` lies in `out_folder`, and
/// written inline otherwise.
pub fn import(dir: &Path, out_folder: &Path) -> Result<Imported, Vec<ImportError>> {
    import_folder(
        Folder::read(dir)?,
        dir,
        from_base(dir, out_folder),
        "a Kathará lab by `asbuilt import kathara`",
    )
}

/// Imports the lab in `dir` with every file the topology needs written inline, for a
/// topology that has no folder beside it (a lab uploaded to the service).
pub fn import_inline(dir: &Path) -> Result<Imported, Vec<ImportError>> {
    import_folder(Folder::read(dir)?, dir, None, "a Kathará lab by `asbuilt import kathara`")
}

/// A Kathará lab already read into memory, from `dir` (whose name the lab takes when
/// lab.conf names none); `from` says in the topology's header what it was imported
/// from (`containerlab` writes its labs as Kathará's to import them).
pub(crate) fn import_folder(
    folder: Folder,
    dir: &Path,
    base: Option<String>,
    from: &str,
) -> Result<Imported, Vec<ImportError>> {
    let mut report = Report::default();
    for (place, why) in &folder.skipped {
        report.add(place.clone(), FindingKind::Refused, why.clone());
    }
    let Some(conf_text) = folder.text("lab.conf") else {
        return Err(vec![ImportError {
            place: Place::file("lab.conf"),
            message: "there is no lab.conf: the folder is not a Kathará lab".into(),
        }]);
    };
    let conf = lab_conf::parse(conf_text, "lab.conf")?;
    let deps = match folder.text("lab.dep") {
        Some(dep) => lab_conf::parse_dep(dep, "lab.dep")?,
        None => Vec::new(),
    };
    if let Some(ext) = folder.text("lab.ext") {
        let lines: Vec<(usize, &str)> = ext
            .lines()
            .enumerate()
            .filter(|(_, l)| !l.trim().is_empty() && !l.trim().starts_with('#'))
            .collect();
        if lines.is_empty() {
            report.add(
                Place::file("lab.ext"),
                FindingKind::Refused,
                "lab.ext (links to the host's network) is refused: a lab never reaches outside itself",
            );
        }
        for (i, line) in lines {
            report.add(
                Place::new("lab.ext", i + 1, 1),
                FindingKind::Refused,
                format!(
                    "`{}` links the lab to the host's network: refused, a lab never reaches outside itself",
                    line.trim()
                ),
            );
        }
    }

    // Devices: those lab.conf names, then those with only a folder or a startup file.
    let mut devices: Vec<String> = conf.devices.keys().cloned().collect();
    for name in folder.device_candidates() {
        if !devices.contains(&name) {
            devices.push(name);
        }
    }
    let names = names::assign(&devices, &conf, &mut report);

    // Collision domains, in the order they first appear.
    let mut domains: IndexMap<String, Vec<String>> = IndexMap::new();
    for (device, dev) in &conf.devices {
        for iface in &dev.interfaces {
            domains
                .entry(iface.domain.clone())
                .or_default()
                .push(format!("{}:eth{}", names[device], iface.number));
        }
    }

    let mut lab = LabOut::default();
    let shared_files = folder.under("shared/");
    for (rel, text) in &shared_files {
        let inner = rel.strip_prefix("shared/").unwrap_or(rel).to_string();
        lab.shared.insert(inner, FileText::new(*text, base.as_ref().map(|b| format!("{b}{rel}"))));
    }
    let ipv6_lab = conf.devices.values().any(|d| d.option("ipv6").is_some_and(|v| truthy(&v.text)));
    for name in &devices {
        let empty = lab_conf::Device::default();
        let dev = conf.devices.get(name).unwrap_or(&empty);
        let input = device::Input {
            source_name: name,
            name: &names[name],
            conf: dev,
            folder: &folder,
            base: base.as_deref(),
            has_shared: !shared_files.is_empty(),
        };
        lab.nodes.push(device::import(&input, &mut report));
    }
    // IPv6 is off in Kathará unless a device asks for it; asbuilt switches it on in a
    // lab with IPv6 addresses, so every other node says it is off.
    let lab_has_v6 = lab.nodes.iter().any(|n| n.addresses.values().flatten().any(|a| a.contains(':')));
    for (node, device) in lab.nodes.iter_mut().zip(&devices) {
        let has_v6 = node.addresses.values().flatten().any(|a| a.contains(':'));
        if node.ipv6.is_none() && has_v6 {
            // Kathará would leave these addresses without IPv6 to live on: the lab
            // clearly means them, so IPv6 is on here.
            let place = conf
                .devices
                .get(device)
                .and_then(|d| d.place.clone())
                .unwrap_or_else(|| Place::file("lab.conf"));
            report.add(
                place,
                FindingKind::MappedWithLoss,
                format!("`{device}` has IPv6 addresses but does not ask for IPv6 (`{device}[ipv6]=\"true\"`): IPv6 is switched on in it"),
            );
            node.ipv6 = Some(true);
        } else if node.ipv6.is_none() && (lab_has_v6 || ipv6_lab) {
            node.ipv6 = Some(false);
        }
    }
    start_order(&mut lab, &deps, &names, &mut report);
    placeholders(&mut lab);
    variants_hint(&mut lab);
    cabling(&mut lab, domains);
    unclaimed(&folder, &devices, &mut report);
    metadata(&mut lab, &conf, dir, from);
    report.modes = lab
        .nodes
        .iter()
        .map(|n| (n.name.clone(), if n.passthrough { "passthrough" } else { "design" }.to_string()))
        .collect();
    Ok(Imported { yaml: emit::emit(&lab), report })
}

/// lab.dep's start order as `startup-after`: a device's startup commands run once those
/// of the devices it starts after have finished. (asbuilt configures what became design
/// facts, services among them, before any startup command runs.)
fn start_order(
    lab: &mut LabOut,
    deps: &[lab_conf::Dep],
    names: &IndexMap<String, String>,
    report: &mut Report,
) {
    for lab_conf::Dep { device, after, place } in deps {
        let Some(node) = names.get(device).and_then(|n| lab.nodes.iter_mut().find(|o| &o.name == n)) else {
            report.add(
                place.clone(),
                FindingKind::MappedWithLoss,
                format!("lab.dep names `{device}`, which is no device of the lab: left out"),
            );
            continue;
        };
        for before in after {
            match names.get(before) {
                Some(name) if name != &node.name && !node.startup_after.contains(name) => {
                    node.startup_after.push(name.clone());
                }
                Some(_) => {}
                None => report.add(
                    place.clone(),
                    FindingKind::MappedWithLoss,
                    format!("`{device}` starts after `{before}`, which is no device of the lab: left out"),
                ),
            }
        }
    }
}

/// In the commands of nodes that run them as they are, the lab's addresses become
/// placeholders (`{cidr pc2:eth0}`, `{r2:eth1}`, `{net r1:eth1}`), so that a student's
/// variant moves them with the design.
fn placeholders(lab: &mut LabOut) {
    let mut first: Vec<(ipnet::IpNet, String)> = Vec::new();
    for node in &lab.nodes {
        for (iface, addrs) in &node.addresses {
            if let Some(net) = addrs.first().and_then(|a| a.parse::<ipnet::IpNet>().ok()) {
                first.push((net, format!("{}:{iface}", node.name)));
            }
        }
    }
    let re = regex::Regex::new(r"\b(\d{1,3}(?:\.\d{1,3}){3})(/\d{1,2})?\b").expect("a valid pattern");
    for node in lab.nodes.iter_mut().filter(|n| n.passthrough) {
        for command in &mut node.startup {
            *command = re
                .replace_all(command, |c: &regex::Captures<'_>| {
                    let whole = c[0].to_string();
                    let Ok(addr) = c[1].parse::<std::net::IpAddr>() else { return whole };
                    match c.get(2).and_then(|p| p.as_str()[1..].parse::<u8>().ok()) {
                        Some(len) => {
                            if let Some((_, at)) =
                                first.iter().find(|(n, _)| n.addr() == addr && n.prefix_len() == len)
                            {
                                format!("{{cidr {at}}}")
                            } else if let Some((_, at)) =
                                first.iter().find(|(n, _)| n.trunc().addr() == addr && n.prefix_len() == len)
                            {
                                format!("{{net {at}}}")
                            } else {
                                whole
                            }
                        }
                        None => match first.iter().find(|(n, _)| n.addr() == addr) {
                            Some((_, at)) => format!("{{{at}}}"),
                            None => whole,
                        },
                    }
                })
                .into_owned();
        }
    }
}

/// The lab's IPv4 subnets in the private ranges, each with the range as its pool: a
/// `variants:` block the teacher can switch on.
fn variants_hint(lab: &mut LabOut) {
    let mut subnets: Vec<ipnet::Ipv4Net> = Vec::new();
    for node in &lab.nodes {
        for addrs in node.addresses.values() {
            for a in addrs {
                if let Ok(ipnet::IpNet::V4(net)) = a.parse::<ipnet::IpNet>()
                    && !subnets.contains(&net.trunc())
                    && net.prefix_len() < 32
                {
                    subnets.push(net.trunc());
                }
            }
        }
    }
    for net in subnets {
        let o = net.addr().octets();
        let pool = match o {
            [10, ..] => "10.0.0.0/8",
            [172, b, ..] if (16..32).contains(&b) => "172.16.0.0/12",
            [192, 168, ..] => "192.168.0.0/16",
            _ => continue,
        };
        lab.variants_hint.push((net.to_string(), pool.to_string()));
    }
    lab.fixed_addresses = lab.nodes.iter().filter(|n| n.frr.is_some()).map(|n| n.name.clone()).collect();
}

/// A word for the shell, quoted where needed.
fn quote(text: &str) -> String {
    crate::plan::script::quote(text)
}

/// Kathará's boolean option values.
fn truthy(text: &str) -> bool {
    matches!(text.to_lowercase().as_str(), "true" | "yes" | "1")
}

/// `from:` paths are relative to the topology's folder: the lab's folder as seen from
/// there, when it lies inside it.
fn from_base(dir: &Path, out_folder: &Path) -> Option<String> {
    let dir = dir.canonicalize().ok()?;
    let out = out_folder.canonicalize().ok()?;
    let rel = dir.strip_prefix(&out).ok()?;
    let mut base = String::new();
    for part in rel.components() {
        base.push_str(part.as_os_str().to_str()?);
        base.push('/');
    }
    Some(base)
}

/// Two members make a cable, more a shared segment, one a segment of one.
fn cabling(lab: &mut LabOut, domains: IndexMap<String, Vec<String>>) {
    let mut used = BTreeSet::new();
    for (domain, members) in domains {
        if members.len() == 2 {
            lab.links.push((members[0].clone(), members[1].clone()));
        } else {
            let name = names::unique(&names::sanitize(&domain, "cd-", 40), &mut used);
            lab.segments.push((name, members));
        }
    }
}

/// Files at the top of the lab that belong to nothing asbuilt imports.
fn unclaimed(folder: &Folder, devices: &[String], report: &mut Report) {
    for rel in folder.paths() {
        let top = rel.split('/').next().unwrap_or(rel);
        if rel.contains('/') {
            if top != "shared" && !devices.iter().any(|d| d == top) {
                report.add(
                    Place::file(rel),
                    FindingKind::MappedWithLoss,
                    format!("`{rel}` belongs to no device: not imported"),
                );
            }
            continue;
        }
        if let Some(device) = rel.strip_suffix(".shutdown") {
            report.add(
                Place::file(rel),
                FindingKind::MappedWithLoss,
                format!("`{device}`'s shutdown commands are not run: asbuilt removes a lab's nodes without running anything in them"),
            );
        }
    }
}

fn metadata(lab: &mut LabOut, conf: &lab_conf::LabConf, dir: &Path, from: &str) {
    let meta = |k: &str| conf.metadata.get(k).map(|v| v.text.clone()).filter(|t| !t.trim().is_empty());
    let folder_name =
        dir.canonicalize().ok().and_then(|d| d.file_name().map(|f| f.to_string_lossy().into_owned()));
    let name = meta("LAB_NAME").or(folder_name).unwrap_or_else(|| "kathara".into());
    lab.id = names::sanitize(&name, "lab-", 40);
    lab.title = meta("LAB_NAME").unwrap_or_else(|| name.clone());
    lab.header.push(format!("Imported from {from}; the import report"));
    lab.header.push("lists everything that was not carried over exactly, with its file and line.".into());
    let mut task = String::new();
    if let Some(d) = meta("LAB_DESCRIPTION") {
        task.push_str(&d);
        task.push_str("\n\n");
    }
    for (key, label) in
        [("LAB_AUTHOR", "Author"), ("LAB_EMAIL", "Email"), ("LAB_WEB", "Web"), ("LAB_VERSION", "Version")]
    {
        if let Some(v) = meta(key) {
            lab.header.push(format!("{key}: {v}"));
            task.push_str(&format!("- {label}: {v}\n"));
        }
    }
    if !task.is_empty() {
        lab.task = Some(format!("{}\n", task.trim_end()));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn from_paths_are_relative_to_the_topology_folder() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(dir.path().join("labs/x")).unwrap();
        assert_eq!(from_base(&dir.path().join("labs/x"), dir.path()).as_deref(), Some("labs/x/"));
        assert_eq!(from_base(dir.path(), dir.path()).as_deref(), Some(""));
        assert_eq!(from_base(dir.path(), &dir.path().join("labs")), None);
    }
}
