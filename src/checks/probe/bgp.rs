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
            let argv = ["vtysh", "-c", "show bgp neighbors json"];
            let (out, evidence) = probes.exec(node, &argv, timeout).await?;
            let list = if out.success() { bgp_facts::neighbours(&out.stdout) } else { None };
            Ok(Gathered { observation: Observation::BgpNeighbours(list), evidence: vec![evidence] })
        }
        ProbeSpec::BgpRoute { node, to, .. } => {
            let family = if to.addr().is_ipv4() { "ipv4" } else { "ipv6" };
            let command = format!("show bgp {family} unicast json");
            let argv = ["vtysh", "-c", command.as_str()];
            let (out, evidence) = probes.exec(node, &argv, timeout).await?;
            let paths = if out.success() { bgp_facts::table(&out.stdout) } else { None };
            Ok(Gathered { observation: Observation::BgpTable(paths), evidence: vec![evidence] })
        }
        _ => unreachable!("the dispatcher sends only BGP probes here"),
    }
}
