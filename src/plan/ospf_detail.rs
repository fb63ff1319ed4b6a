//! The finer points of OSPF in FRR's configuration: cost, network type and priority
//! under the interface, stub and NSSA areas under `router ospf`.

use crate::design::{AreaKind, Ospf, OspfInterface, OspfVersion};

/// `ip ospf area 0.0.0.0` with what the design states of cost (`ip ospf cost 100`),
/// network type and priority; for OSPFv3 the same with `ipv6 ospf6`, where passive
/// interfaces are set too. FRR's defaults stay unwritten, as a student leaves them.
pub fn interface_lines(oi: &OspfInterface, version: OspfVersion) -> Vec<String> {
    let prefix = match version {
        OspfVersion::V2 => "ip ospf",
        OspfVersion::V3 => "ipv6 ospf6",
    };
    let mut lines = vec![format!(" {prefix} area {}", oi.area)];
    if let Some(cost) = oi.cost {
        lines.push(format!(" {prefix} cost {cost}"));
    }
    if let Some(network) = oi.network {
        lines.push(format!(" {prefix} network {}", network.name()));
    }
    if let Some(priority) = oi.priority {
        lines.push(format!(" {prefix} priority {priority}"));
    }
    if version == OspfVersion::V3 && oi.passive {
        lines.push(" ipv6 ospf6 passive".into());
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
