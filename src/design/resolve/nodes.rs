//! Nodes: names, kinds, images, limits, and what the student builds on each.

use std::collections::BTreeSet;

use indexmap::IndexMap;

use super::Resolver;
use crate::design::model::{Node, Part, Services};
use crate::diagnostic::{Diagnostic, Loc, did_you_mean};
use crate::kind::{Limits, NodeKind};
use crate::path;
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
            let limits = self.limits(name, kind, wire.limits.as_ref());
            let student_builds = self.build_parts(name, kind, wire);
            self.nodes.insert(
                name.clone(),
                Node {
                    name: name.clone(),
                    kind,
                    image: wire.image.clone(),
                    limits,
                    student_builds,
                    interfaces: IndexMap::new(),
                    gateways: Vec::new(),
                    routes: Vec::new(),
                    ospf: None,
                    firewall: None,
                    nat: None,
                    services: Services::default(),
                    vlans: IndexMap::new(),
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

    fn limits(&mut self, name: &str, kind: NodeKind, wire: Option<&LimitsWire>) -> Limits {
        let mut limits = kind.default_limits();
        let Some(wire) = wire else { return limits };
        if let Some(memory) = &wire.memory {
            match memory_mib(memory.as_str()) {
                Some(mib) if mib >= 16 => limits.memory_mib = mib,
                _ => self.report(
                    Diagnostic::error(
                        "invalid-value",
                        format!("`{memory}` is not a memory size of at least 16M"),
                    )
                    .at(Loc::value(path!["nodes", name, "limits", "memory"]))
                    .help("write for example `256M` or `1G`"),
                ),
            }
        }
        if let Some(cpus) = wire.cpus {
            if cpus > 0.0 && cpus <= 64.0 {
                limits.cpus = cpus;
            } else {
                self.report(
                    Diagnostic::error("invalid-value", format!("`{cpus}` is not a number of CPU cores"))
                        .at(Loc::value(path!["nodes", name, "limits", "cpus"]))
                        .help("write for example `0.5` for half a core"),
                );
            }
        }
        if let Some(pids) = wire.pids {
            if pids >= 16 {
                limits.pids = pids;
            } else {
                self.report(
                    Diagnostic::error(
                        "invalid-value",
                        format!("a limit of {pids} processes is too low to start the node"),
                    )
                    .at(Loc::value(path!["nodes", name, "limits", "pids"]))
                    .help("use at least 16"),
                );
            }
        }
        limits
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

/// `256M`, `1G`, `512Mi`, `2GiB`, or a bare number of MiB.
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
}
