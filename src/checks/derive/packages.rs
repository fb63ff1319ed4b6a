//! Checks of a node's software: every package the design names is installed, or is
//! not. On a client host it counts for setting up user devices, on a server for
//! maintaining applications.

use super::{Area, Draft, texts};
use crate::checks::model::ProbeSpec;
use crate::design::Design;
use crate::kind::NodeKind;

pub fn derive(design: &Design) -> Vec<Draft> {
    let mut out = Vec::new();
    for node in design.nodes.values() {
        let Some(packages) = &node.packages else { continue };
        let area = if node.kind == NodeKind::Host { Area::Client } else { Area::Maintenance };
        for (name, installed) in packages.named() {
            let probe = ProbeSpec::Package { node: node.name.clone(), name: name.to_string(), installed };
            let text = texts::package(&node.name, name, installed);
            out.push(Draft::new(format!("package/{}/{name}", node.name), text, area, probe));
        }
    }
    out
}
