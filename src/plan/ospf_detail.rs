//! The finer points of OSPF in FRR's configuration: cost, network type and priority
//! under the interface, stub and NSSA areas under `router ospf`.

use crate::design::{AreaKind, Ospf, OspfInterface};

/// `ip ospf cost 100`, `ip ospf network point-to-point`, `ip ospf priority 0`: only
/// what the design states; FRR's defaults stay unwritten, as a student leaves them.
pub fn interface_lines(oi: &OspfInterface) -> Vec<String> {
    let mut lines = Vec::new();
    if let Some(cost) = oi.cost {
        lines.push(format!(" ip ospf cost {cost}"));
    }
    if let Some(network) = oi.network {
        lines.push(format!(" ip ospf network {}", network.name()));
    }
    if let Some(priority) = oi.priority {
        lines.push(format!(" ip ospf priority {priority}"));
    }
    lines
}

/// ` area 0.0.0.1 stub`, ` area 0.0.0.2 nssa no-summary`.
pub fn area_lines(ospf: &Ospf) -> String {
    let mut out = String::new();
    for s in &ospf.special_areas {
        let kind = match s.kind {
            AreaKind::Stub => "stub",
            AreaKind::Nssa => "nssa",
        };
        let suffix = if s.no_summary { " no-summary" } else { "" };
        out.push_str(&format!(" area {} {kind}{suffix}\n", s.area));
    }
    out
}
