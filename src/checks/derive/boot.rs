//! Checks of what starts at boot: every service the design names is enabled and
//! running, or disabled and stopped. On a client host it counts for setting up user
//! devices, elsewhere for maintaining applications, as accounts do.

use super::{Area, Draft, texts};
use crate::checks::model::ProbeSpec;
use crate::design::Design;
use crate::kind::NodeKind;

pub fn derive(design: &Design) -> Vec<Draft> {
    let mut out = Vec::new();
    for node in design.nodes.values() {
        let Some(boot) = &node.services.boot else { continue };
        let area = if node.kind == NodeKind::Host { Area::Client } else { Area::Maintenance };
        for (service, enabled) in boot.services() {
            let probe = ProbeSpec::Boot { node: node.name.clone(), service: service.to_string(), enabled };
            let text = texts::boot(&node.name, service, enabled);
            out.push(Draft::new(format!("boot/{}/{service}", node.name), text, area, probe));
        }
    }
    out
}
