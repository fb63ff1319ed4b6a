//! Evidence of configuration state: interfaces and routes over netlink (or `ip -j`),
//! OSPF from FRR, bridge VLANs, command output and files.

use std::time::Duration;

use super::{Gathered, ProbeError, Probes, by_asbuilt, parse};
use crate::checks::access::RunAs;
use crate::checks::model::ProbeSpec;
use crate::checks::observation::{FileFacts, Observation, RouteFact};

pub async fn gather(
    probes: &Probes<'_>,
    probe: &ProbeSpec,
    timeout: Duration,
) -> Result<Gathered, ProbeError> {
    match probe {
        ProbeSpec::Address { node, interface, .. } => address(probes, node, interface, timeout).await,
        ProbeSpec::Gateway { node, .. }
        | ProbeSpec::Route { node, .. }
        | ProbeSpec::RouteTable { node, .. }
        | ProbeSpec::OspfRoute { node, .. }
        | ProbeSpec::RipRoute { node, .. } => routes(probes, node, timeout).await,
        ProbeSpec::OspfNeighbour { node, .. } => {
            let (neighbours, evidence) =
                probes.vtysh(node, "show ip ospf neighbor json", timeout, parse::ospf_neighbours).await?;
            Ok(Gathered { observation: Observation::OspfNeighbours(neighbours), evidence: vec![evidence] })
        }
        ProbeSpec::Ospf6Neighbour { node, .. } => {
            let (neighbours, evidence) =
                probes.vtysh(node, "show ipv6 ospf6 neighbor json", timeout, parse::ospf6_neighbours).await?;
            Ok(Gathered { observation: Observation::OspfNeighbours(neighbours), evidence: vec![evidence] })
        }
        ProbeSpec::OspfRouterId { node, .. } => {
            let (id, evidence) =
                probes.vtysh(node, "show ip ospf json", timeout, parse::ospf_router_id).await?;
            Ok(Gathered { observation: Observation::OspfRouterId(id), evidence: vec![evidence] })
        }
        ProbeSpec::Vlan { switch, port, .. } => vlans(probes, switch, port, timeout).await,
        ProbeSpec::Command { node, run, as_root, .. } => {
            let (out, evidence) = probes.exec_as(node, run_as(*as_root), &["sh", "-c", run], timeout).await?;
            let output = format!("{}{}", out.stdout, out.stderr);
            Ok(Gathered {
                observation: Observation::Command { status: out.exit_code as i32, output },
                evidence: vec![evidence],
            })
        }
        ProbeSpec::File { node, path, contains, as_root, .. } => {
            let who = run_as(*as_root);
            let (out, stat_evidence) =
                probes.exec_as(node, who, &["stat", "-c", "%U %G %a", "--", path], timeout).await?;
            let Some(mut facts) = out.success().then(|| FileFacts::from_stat(&out.stdout)).flatten() else {
                return Ok(Gathered { observation: Observation::File(None), evidence: vec![stat_evidence] });
            };
            let mut evidence = vec![stat_evidence];
            // The content only when the check asks about it: a file may be unreadable to
            // the check's user and still have the right owner and mode.
            if contains.is_some() {
                let (out, cat_evidence) = probes.exec_as(node, who, &["cat", "--", path], timeout).await?;
                facts.content = out.success().then_some(out.stdout);
                evidence.push(cat_evidence);
            }
            Ok(Gathered { observation: Observation::File(Some(facts)), evidence })
        }
        _ => unreachable!("the dispatcher sends only state probes here"),
    }
}

/// A teacher's command runs unprivileged unless the check says `user: root`.
fn run_as(as_root: bool) -> RunAs {
    if as_root { RunAs::Root } else { RunAs::Checker }
}

async fn address(
    probes: &Probes<'_>,
    node: &str,
    interface: &str,
    timeout: Duration,
) -> Result<Gathered, ProbeError> {
    if let Some(net) = probes.net(node).await? {
        let (facts, raw) = net.interface(interface).await?;
        let evidence = by_asbuilt(format!("netlink in the network namespace of {node}"), raw);
        return Ok(Gathered { observation: Observation::Interface(facts), evidence: vec![evidence] });
    }
    let (out, evidence) =
        probes.exec(node, &["ip", "-j", "address", "show", "dev", interface], timeout).await?;
    // `ip` exits non-zero for an interface that does not exist.
    let facts = if out.success() { parse::ip_address(&out.stdout, interface) } else { None };
    Ok(Gathered { observation: Observation::Interface(facts), evidence: vec![evidence] })
}

async fn routes(probes: &Probes<'_>, node: &str, timeout: Duration) -> Result<Gathered, ProbeError> {
    if let Some(net) = probes.net(node).await? {
        let (routes, raw) = net.routes().await?;
        let evidence = by_asbuilt(format!("netlink in the network namespace of {node}"), raw);
        return Ok(Gathered { observation: Observation::Routes(routes), evidence: vec![evidence] });
    }
    let mut routes: Vec<RouteFact> = Vec::new();
    let mut evidence = Vec::new();
    for family in ["-4", "-6"] {
        let (out, e) =
            probes.exec(node, &["ip", "-j", family, "route", "show", "table", "main"], timeout).await?;
        routes.extend(parse::ip_routes(&out.stdout));
        evidence.push(e);
    }
    Ok(Gathered { observation: Observation::Routes(routes), evidence })
}

async fn vlans(
    probes: &Probes<'_>,
    switch: &str,
    port: &str,
    timeout: Duration,
) -> Result<Gathered, ProbeError> {
    if let Some(net) = probes.net(switch).await? {
        let (vlans, raw) = net.bridge_vlans(port).await?;
        let evidence =
            by_asbuilt(format!("netlink (bridge VLANs) in the network namespace of {switch}"), raw);
        return Ok(Gathered { observation: Observation::Vlans(vlans), evidence: vec![evidence] });
    }
    let (out, evidence) =
        probes.exec(switch, &["bridge", "-j", "vlan", "show", "dev", port], timeout).await?;
    let vlans = if out.success() { parse::bridge_vlans(&out.stdout, port) } else { None };
    Ok(Gathered { observation: Observation::Vlans(vlans), evidence: vec![evidence] })
}
