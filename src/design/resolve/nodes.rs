//! Nodes: names, kinds, images, limits, and what the student builds on each.

use std::collections::BTreeSet;
use std::ops::RangeInclusive;

use indexmap::IndexMap;

use super::Resolver;
use crate::design::model::{Node, Part, Services};
use crate::diagnostic::{Diagnostic, Loc, did_you_mean};
use crate::kind::{Limits, NodeKind, bounds};
use crate::path;
use crate::topology::locate::Path;
use crate::topology::wire::{LimitsWire, NodeWire};

impl Resolver<'_> {
    pub(super) fn nodes(&mut self) {
        let file = self.file;
        if file.nodes.is_empty() {
            self.report(
                Diagnostic::error("no-nodes", "the lab has no nodes")
                    .at(Loc::value(path!["nodes"]))
                    .help("add the devices under `nodes`, for example `r1: { kind: router }`"),
            );
        }
        if let Some((first_over, _)) = file.nodes.get_index(bounds::NODES) {
            self.report(
                Diagnostic::error(
                    "too-many-nodes",
                    format!("the lab has {} nodes; a lab may have at most {}", file.nodes.len(), bounds::NODES),
                )
                .at(Loc::key(path!["nodes", first_over]))
                .label(format!("node {}", bounds::NODES + 1))
                .help("one server runs the labs of a whole class at once; split the network into labs a student can oversee"),
            );
            self.over_bounds = true;
            return;
        }
        for (name, wire) in &file.nodes {
            if !valid_node_name(name) {
                self.report(
                    Diagnostic::error("invalid-name", format!("`{name}` is not a valid node name"))
                        .at(Loc::key(path!["nodes", name]))
                        .label("not a node name")
                        .help("use lowercase letters, digits and dashes, at most 20 characters, starting with a letter (`r1`, `pc-3`)"),
                );
            }
            let Some(kind) = self.kind(name, wire) else {
                continue;
            };
            // A node whose image cannot be used keeps its kind, so that the rest of the
            // file is checked as usual; the error stops the lab from being used.
            let image = wire.image.clone().filter(|image| self.image(name, kind, image));
            let limits = self.limits(name, kind, wire.limits.as_ref());
            let student_builds = self.build_parts(name, kind, wire);
            self.nodes.insert(
                name.clone(),
                Node {
                    name: name.clone(),
                    kind,
                    image,
                    limits,
                    student_builds,
                    interfaces: IndexMap::new(),
                    gateways: Vec::new(),
                    routes: Vec::new(),
                    ospf: None,
                    bgp: None,
                    rip: None,
                    firewall: None,
                    nat: None,
                    services: Services::default(),
                    vlans: IndexMap::new(),
                    accounts: Vec::new(),
                    packages: None,
                    as_is: Default::default(),
                },
            );
        }
    }

    fn kind(&mut self, name: &str, wire: &NodeWire) -> Option<NodeKind> {
        let Some(kind_text) = &wire.kind else {
            if wire.image.is_some() {
                return Some(NodeKind::Custom);
            }
            self.report(
                Diagnostic::error("missing-key", format!("node `{name}` has no kind"))
                    .at(Loc::key(path!["nodes", name]))
                    .label("what is this node?")
                    .help("add `kind: router`, `firewall`, `server`, `host` or `switch`, or an `image`"),
            );
            return None;
        };
        let Some(kind) = NodeKind::ALL.into_iter().find(|k| k.name() == kind_text) else {
            let names = NodeKind::ALL.map(NodeKind::name);
            let help = did_you_mean(kind_text, names).unwrap_or_else(|| {
                "asbuilt has images for router, firewall, server, host and switch; for anything else use `kind: custom` with an `image` the engine has".into()
            });
            self.report(
                Diagnostic::error(
                    "unknown-kind",
                    format!("node `{name}` has kind `{kind_text}`, which asbuilt has no image for"),
                )
                .at(Loc::value(path!["nodes", name, "kind"]))
                .label("unknown kind")
                .help(help),
            );
            return None;
        };
        if kind == NodeKind::Custom && wire.image.is_none() {
            self.report(
                Diagnostic::error("image-missing", format!("node `{name}` is of kind `custom` but names no image"))
                    .at(Loc::value(path!["nodes", name, "kind"]))
                    .label("which image?")
                    .help("add `image: NAME:TAG` naming an image the engine has; asbuilt builds images only for router, firewall, server, host and switch"),
            );
            return None;
        }
        Some(kind)
    }

    /// The node's limits: its kind's defaults, overridden by what the file gives, each
    /// within `kind::bounds` so that no file can ask for the whole server (or, with a
    /// value that overflows, for no limit at all).
    fn limits(&mut self, name: &str, kind: NodeKind, wire: Option<&LimitsWire>) -> Limits {
        let mut limits = kind.default_limits();
        let Some(wire) = wire else { return limits };
        let defaults = kind.default_limits();
        if let Some(memory) = &wire.memory {
            let at = path!["nodes", name, "limits", "memory"];
            let range = (bounds::MEMORY_MIB, defaults.memory_mib);
            if let Some(mib) = self.size_limit(memory.as_str(), "memory", range, kind, at) {
                limits.memory_mib = mib;
            }
        }
        if let Some(disk) = &wire.disk {
            let at = path!["nodes", name, "limits", "disk"];
            let range = (bounds::DISK_MIB, defaults.disk_mib);
            if let Some(mib) = self.size_limit(disk.as_str(), "disk", range, kind, at) {
                limits.disk_mib = mib;
            }
        }
        if let Some(cpus) = wire.cpus {
            // `contains` is false for NaN too, which YAML can spell as `.nan`.
            if bounds::CPUS.contains(&cpus) {
                limits.cpus = cpus;
            } else {
                self.report(
                    Diagnostic::error(
                        "limit-out-of-range",
                        format!(
                            "{cpus} CPU cores is outside what a node may have: {} to {}",
                            bounds::CPUS.start(),
                            bounds::CPUS.end()
                        ),
                    )
                    .at(Loc::value(path!["nodes", name, "limits", "cpus"]))
                    .label("out of range")
                    .help(format!("a {kind} has {} by default; `0.5` is half a core", cores(defaults.cpus))),
                );
            }
        }
        if let Some(pids) = wire.pids {
            if bounds::PIDS.contains(&pids) {
                limits.pids = pids;
            } else {
                self.report(
                    Diagnostic::error(
                        "limit-out-of-range",
                        format!(
                            "a limit of {pids} processes is outside what a node may have: {} to {}",
                            bounds::PIDS.start(),
                            bounds::PIDS.end()
                        ),
                    )
                    .at(Loc::value(path!["nodes", name, "limits", "pids"]))
                    .label("out of range")
                    .help(format!(
                        "a {kind} has {} processes by default; fewer than {} cannot start the node",
                        defaults.pids,
                        bounds::PIDS.start()
                    )),
                );
            }
        }
        limits
    }

    /// A memory or disk size in MiB within `range`, or an error saying why not.
    fn size_limit(
        &mut self,
        text: &str,
        what: &str,
        (range, default): (RangeInclusive<u64>, u64),
        kind: NodeKind,
        at: Path,
    ) -> Option<u64> {
        let (low, high) = (size_text(*range.start()), size_text(*range.end()));
        let Some(mib) = memory_mib(text) else {
            self.report(
                Diagnostic::error("invalid-value", format!("`{text}` is not a {what} size"))
                    .at(Loc::value(at))
                    .label(format!("not a {what} size"))
                    .help(format!(
                        "write for example `256M` or `1G` (a bare number is MiB), from {low} to {high}"
                    )),
            );
            return None;
        };
        if !range.contains(&mib) {
            self.report(
                Diagnostic::error(
                    "limit-out-of-range",
                    format!("`{text}` is outside the {what} a node may have: {low} to {high}"),
                )
                .at(Loc::value(at))
                .label("out of range")
                .help(format!("a {kind} has {} by default", size_text(default))),
            );
            return None;
        }
        Some(mib)
    }

    fn build_parts(&mut self, name: &str, kind: NodeKind, wire: &NodeWire) -> BTreeSet<Part> {
        let mut parts = BTreeSet::new();
        let Some(build) = &wire.build else {
            return parts;
        };
        let words: Vec<&String> = build.iter().collect();
        if let [word] = words.as_slice() {
            match word.as_str() {
                "prebuilt" => return parts,
                "student" => {
                    return Part::ALL.into_iter().filter(|p| p.applies_to(kind)).collect();
                }
                _ => {}
            }
        }
        for (i, word) in words.iter().enumerate() {
            let at = path!["nodes", name, "build", i];
            let Some(part) = Part::parse(word) else {
                let choices = ["prebuilt", "student"].into_iter().chain(Part::ALL.map(Part::name));
                self.report(
                    Diagnostic::error("unknown-part", format!("`{word}` is not something a student can build"))
                        .at(Loc::value(at))
                        .label("unknown part")
                        .help(did_you_mean(word, choices).unwrap_or_else(|| {
                            "use `prebuilt`, `student`, or a list of: addresses, gateway, routes, ospf, firewall, nat, http, dns, dhcp, ssh, vlans".into()
                        })),
                );
                continue;
            };
            if !part.applies_to(kind) {
                self.report(
                    Diagnostic::error(
                        "part-not-applicable",
                        format!("node `{name}` is a {kind}; it has no `{part}` to build"),
                    )
                    .at(Loc::value(at))
                    .label(format!("a {kind} has no {part}"))
                    .help(parts_of(kind)),
                );
                continue;
            }
            parts.insert(part);
        }
        parts
    }
}

/// What a student can build on a node of `kind`, for the help of a part it has not.
fn parts_of(kind: NodeKind) -> String {
    let parts: Vec<&str> = Part::ALL.into_iter().filter(|p| p.applies_to(kind)).map(Part::name).collect();
    if parts.is_empty() {
        format!("a {kind} has nothing a student builds; leave `build` out")
    } else {
        format!("the parts of a {kind} are: {}", parts.join(", "))
    }
}

fn valid_node_name(name: &str) -> bool {
    let mut chars = name.chars();
    name.len() <= 20
        && matches!(chars.next(), Some(c) if c.is_ascii_lowercase())
        && chars.all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
}

/// `1 core`, `0.5 cores`.
fn cores(cpus: f64) -> String {
    if cpus == 1.0 { "1 core".to_string() } else { format!("{cpus} cores") }
}

/// `256M` or, for whole gibibytes, `4G`: sizes as a teacher writes them.
fn size_text(mib: u64) -> String {
    if mib >= 1024 && mib.is_multiple_of(1024) { format!("{}G", mib / 1024) } else { format!("{mib}M") }
}

/// `256M`, `1G`, `512Mi`, `2GiB`, or a bare number of MiB; `None` for anything else,
/// a number that does not fit included.
fn memory_mib(text: &str) -> Option<u64> {
    let text = text.trim();
    let split = text.find(|c: char| !c.is_ascii_digit()).unwrap_or(text.len());
    let (number, unit) = text.split_at(split);
    let n: u64 = number.parse().ok()?;
    let factor = match unit.trim().to_ascii_lowercase().as_str() {
        "" | "m" | "mi" | "mb" | "mib" => 1,
        "g" | "gi" | "gb" | "gib" => 1024,
        _ => return None,
    };
    n.checked_mul(factor)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn memory_sizes_read_like_docker_ones() {
        assert_eq!(memory_mib("256M"), Some(256));
        assert_eq!(memory_mib("1G"), Some(1024));
        assert_eq!(memory_mib("512"), Some(512));
        assert_eq!(memory_mib("2GiB"), Some(2048));
        assert_eq!(memory_mib("lots"), None);
    }

    #[test]
    fn sizes_too_big_to_count_are_not_sizes() {
        assert_eq!(memory_mib("99999999999999999999M"), None);
        assert_eq!(memory_mib(&format!("{}G", u64::MAX / 1000)), None);
        assert_eq!(memory_mib("-1G"), None);
    }

    #[test]
    fn the_schema_states_the_range_of_every_limit() {
        let schema =
            serde_json::to_value(schemars::schema_for!(crate::topology::wire::TopologyFile)).unwrap();
        let limits = &schema["$defs"]["LimitsWire"]["properties"];
        let described = |key: &str| limits[key]["description"].as_str().unwrap().to_string();
        let sizes =
            |r: RangeInclusive<u64>| format!("from {} to {}", size_text(*r.start()), size_text(*r.end()));
        assert!(described("memory").contains(&sizes(bounds::MEMORY_MIB)), "{}", described("memory"));
        assert!(described("disk").contains(&sizes(bounds::DISK_MIB)), "{}", described("disk"));
        let cpus = format!("from {} to {}", bounds::CPUS.start(), bounds::CPUS.end());
        assert!(described("cpus").contains(&cpus), "{}", described("cpus"));
        let pids = format!("from {} to {}", bounds::PIDS.start(), bounds::PIDS.end());
        assert!(described("pids").contains(&pids), "{}", described("pids"));
    }

    #[test]
    fn sizes_are_shown_as_they_are_written() {
        assert_eq!(size_text(16), "16M");
        assert_eq!(size_text(4096), "4G");
        assert_eq!(size_text(1536), "1536M");
    }
}
