//! Evidence of BGP: FRR's own view through vtysh, as for OSPF. Sessions and paths live
//! in bgpd; nothing in the kernel tells them.

use std::time::Duration;

use super::{Gathered, ProbeError, Probes};
use crate::checks::bgp_facts;
use crate::checks::model::ProbeSpec;
use crate::checks::observation::Observation;

pub async fn gather(
    probes: &Probes<'_>,
    probe: &ProbeSpec,
    timeout: Duration,
) -> Result<Gathered, ProbeError> {
    match probe {
        ProbeSpec::BgpSession { node, .. } => {
            let (list, evidence) =
                probes.vtysh(node, "show bgp neighbors json", timeout, bgp_facts::neighbours).await?;
            Ok(Gathered { observation: Observation::BgpNeighbours(list), evidence: vec![evidence] })
        }
        ProbeSpec::BgpRoute { node, to, .. } => {
            let family = if to.addr().is_ipv4() { "ipv4" } else { "ipv6" };
            let command = format!("show bgp {family} unicast json");
            let (paths, evidence) = probes.vtysh(node, &command, timeout, bgp_facts::table).await?;
            Ok(Gathered { observation: Observation::BgpTable(paths), evidence: vec![evidence] })
        }
        _ => unreachable!("the dispatcher sends only BGP probes here"),
    }
}
