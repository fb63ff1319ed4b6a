//! Links and segments: which interface is cabled to which, each cable a segment.

use super::Resolver;
use crate::design::model::{Endpoint, Interface, Segment};
use crate::design::syntax::{self, Word};
use crate::diagnostic::{Diagnostic, Loc};
use crate::kind::bounds;
use crate::path;
use crate::topology::locate::Path;

impl Resolver<'_> {
    pub(super) fn cabling(&mut self) {
        let file = self.file;
        let cables = file.links.len() + file.segments.len();
        if cables > bounds::SEGMENTS {
            // The first one over the bound, counting links first, as they are in the file.
            let (at, what) = if file.links.len() > bounds::SEGMENTS {
                (Loc::value(path!["links", bounds::SEGMENTS]), "cable")
            } else {
                let (name, _) = file
                    .segments
                    .get_index(bounds::SEGMENTS - file.links.len())
                    .expect("over the bound in all");
                (Loc::key(path!["segments", name]), "segment")
            };
            self.report(
                Diagnostic::error(
                    "too-many-cables",
                    format!("the lab has {cables} cables and segments; a lab may have at most {}", bounds::SEGMENTS),
                )
                .at(at)
                .label(format!("{what} {}", bounds::SEGMENTS + 1))
                .help("each cable is a bridge and a pair of interfaces on the server; a switch joins many devices on one segment"),
            );
            self.over_bounds = true;
            return;
        }
        for (i, link) in file.links.iter().enumerate() {
            let at = path!["links", i];
            let (a, b) = match syntax::split_arrow(link, "--") {
                Ok(sides) => sides,
                Err(err) => {
                    self.report(
                        Diagnostic::error("invalid-link", format!("`{link}` is not a link: {}", err.message))
                            .at(Loc::within(at, err.range))
                            .label("not a link")
                            .help("write a cable as `r1:eth1 -- r2:eth1`; for three or more members use `segments`"),
                    );
                    continue;
                }
            };
            let (Some(ea), Some(eb)) = (self.cable_end(&a, &at), self.cable_end(&b, &at)) else {
                // Cable the good end anyway, so that the rest of the file does not also
                // report its interface as missing.
                let good = [(self.quiet_end(&a), a.range), (self.quiet_end(&b), b.range)];
                let ends = good
                    .into_iter()
                    .filter_map(|(ep, r)| ep.map(|ep| (ep, Loc::within(at.clone(), r))))
                    .collect();
                self.cable(format!("{link} (broken)"), false, ends);
                continue;
            };
            if ea.node == eb.node {
                self.report(
                    Diagnostic::error("self-link", format!("`{link}` cables node `{}` to itself", ea.node))
                        .at(Loc::value(at))
                        .label("both ends on one node")
                        .help("cable it to another node; for an address of its own a node has the loopback `lo`"),
                );
                continue;
            }
            let name = format!("{ea}--{eb}");
            let ends = vec![(ea, Loc::within(at.clone(), a.range)), (eb, Loc::within(at, b.range))];
            self.cable(name, false, ends);
        }
        for (name, members) in &file.segments {
            let at = path!["segments", name];
            if !syntax::is_name(name) {
                self.report(
                    Diagnostic::error("invalid-name", format!("`{name}` is not a valid segment name"))
                        .at(Loc::key(at.clone()))
                        .help("use lowercase letters, digits and dashes (`lan`, `dmz-1`)"),
                );
            }
            // One member is a stub: an interface that exists and is up, on a bridge of
            // its own, with nothing cabled to it yet (a Kathará collision domain of one).
            if members.is_empty() {
                self.report(
                    Diagnostic::error(
                        "segment-too-small",
                        format!("segment `{name}` has no members; a segment joins one or more interfaces"),
                    )
                    .at(Loc::value(at.clone()))
                    .label("no members")
                    .help("list the interfaces on this LAN: `lan: [r1:eth2, pc1:eth1]`, or one for an interface with nothing on it yet"),
                );
                continue;
            }
            let mut ends = Vec::new();
            for (j, member) in members.iter().enumerate() {
                let mut p = at.clone();
                p.push(j.into());
                let word = Word { text: member.as_str(), range: 0..member.len() };
                if let Some(ep) = self.cable_end(&word, &p) {
                    ends.push((ep, Loc::value(p)));
                }
            }
            self.cable(name.clone(), true, ends);
        }
    }

    /// One end of a cable: the node exists, and the interface name is one Linux accepts.
    fn cable_end(&mut self, word: &Word<'_>, at: &Path) -> Option<Endpoint> {
        let loc = Loc::within(at.clone(), word.range.clone());
        let (node, iface) = match syntax::endpoint(word.text) {
            Ok(parts) => parts,
            Err(message) => {
                self.report(
                    Diagnostic::error("invalid-endpoint", message)
                        .at(loc)
                        .label("expected node:interface")
                        .help("write an interface as `node:interface`, for example `r1:eth1`"),
                );
                return None;
            }
        };
        let node_loc = Loc::within(at.clone(), word.range.start..word.range.start + node.len());
        self.node_kind(node, node_loc)?;
        if !valid_interface_name(iface) {
            let iface_start = word.range.start + node.len() + 1;
            self.report(
                Diagnostic::error("invalid-name", format!("`{iface}` is not an interface name that can be cabled"))
                    .at(Loc::within(at.clone(), iface_start..word.range.end))
                    .label("not a cable interface")
                    .help("use a name such as `eth1`: lowercase letters then digits, at most 15 characters; VLAN subinterfaces (`eth1.10`) and `lo` are made by giving them an address"),
            );
            return None;
        }
        Some(Endpoint { node: node.to_string(), interface: iface.to_string() })
    }

    /// The endpoint a word names, if it names a node that exists; no errors.
    fn quiet_end(&self, word: &Word<'_>) -> Option<Endpoint> {
        let (node, iface) = syntax::endpoint(word.text).ok()?;
        (self.nodes.contains_key(node) && valid_interface_name(iface))
            .then(|| Endpoint { node: node.to_string(), interface: iface.to_string() })
    }

    /// Creates a segment and an interface on each member's node, skipping (with an
    /// error) interfaces that are cabled already.
    fn cable(&mut self, name: String, shared: bool, ends: Vec<(Endpoint, Loc)>) {
        let mut members = Vec::new();
        for (ep, loc) in ends {
            if let Some(first) = self.cabled_at.get(&ep) {
                let first = first.clone();
                self.report(
                    Diagnostic::error("interface-used-twice", format!("interface `{ep}` is cabled twice"))
                        .at(loc)
                        .label("cabled again here")
                        .related(first, "first cabled here")
                        .help("an interface takes one cable; use another interface, or a `segments` entry for a shared LAN"),
                );
                continue;
            }
            if !self.room_for_interface(&ep.node, &loc) {
                continue;
            }
            self.cabled_at.insert(ep.clone(), loc);
            let node = self.nodes.get_mut(&ep.node).expect("cable_end checked the node");
            let interface = Interface {
                name: ep.interface.clone(),
                segment: Some(name.clone()),
                vlan: None,
                addresses: Vec::new(),
                dhcp: false,
            };
            node.interfaces.insert(ep.interface.clone(), interface);
            members.push(ep);
        }
        self.segments.push(Segment { name, shared, members });
    }
}

impl Resolver<'_> {
    /// Whether `node` may get one more interface; reports the first one over
    /// [`bounds::INTERFACES`] on each node. The loopback is there anyway and not counted.
    pub(super) fn room_for_interface(&mut self, node: &str, loc: &Loc) -> bool {
        let count = self.nodes[node].interfaces.keys().filter(|name| *name != "lo").count();
        if count < bounds::INTERFACES {
            return true;
        }
        if self.crowded.insert(node.to_string()) {
            self.report(
                Diagnostic::error(
                    "too-many-interfaces",
                    format!("node `{node}` has more than {} interfaces", bounds::INTERFACES),
                )
                .at(loc.clone())
                .label(format!("interface {}", bounds::INTERFACES + 1))
                .help("cable the devices to a switch, which takes many on one interface; VLAN subinterfaces count too"),
            );
        }
        self.over_bounds = true;
        false
    }
}

/// Interface names Linux accepts and a teacher recognises: `eth1`, `ens3`, `wan0`.
fn valid_interface_name(name: &str) -> bool {
    let mut chars = name.chars();
    name.len() <= 15
        && name != "lo"
        && matches!(chars.next(), Some(c) if c.is_ascii_lowercase())
        && chars.all(|c| c.is_ascii_lowercase() || c.is_ascii_digit())
}
