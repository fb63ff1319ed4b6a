//! Which services start at boot, through `asbuilt-service enable|disable`, which keeps
//! the node's boot lists (`/etc/asbuilt/services`, `services.lab`).
//!
//! Where asbuilt builds the part, the node boots as designed: the enabled services on
//! and running, the disabled ones off and stopped. Where the student builds it, the
//! node starts the other way round, as a server fresh from installation: the services
//! the design wants are left running but out of the boot lists (gone after a restart),
//! and the ones it wants off run and start at boot. So every boot check fails until
//! the student has done their part, and a restart would show them why.

use super::script::Script;
use crate::design::{Builder, Design, Node, Part, ServiceName};

pub fn configure(design: &Design, node: &Node, script: &mut Script) {
    let Some(boot) = &node.services.boot else { return };
    if node.builds(Part::Boot) == Builder::Asbuilt {
        script.step("set which services start at boot");
        for service in &boot.enabled {
            // A service a fault stops does not come back at boot either.
            if stopped_by_fault(design, node, service) {
                script.run(&["asbuilt-service", "disable", service]);
            } else {
                script.run(&["asbuilt-service", "enable", "--now", service]);
            }
        }
        for service in &boot.disabled {
            script.run(&["asbuilt-service", "disable", "--now", service]);
        }
    } else {
        script.step("leave the boot lists for the student");
        for service in &boot.enabled {
            script.run(&["asbuilt-service", "disable", service]);
        }
        for service in &boot.disabled {
            script.run(&["asbuilt-service", "enable", "--now", service]);
        }
    }
}

fn stopped_by_fault(design: &Design, node: &Node, service: &str) -> bool {
    ServiceName::ALL
        .into_iter()
        .any(|s| s.daemon() == Some(service) && super::stopped_by_fault(design, node, s))
}
