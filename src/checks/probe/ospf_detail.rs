//! Evidence of OSPF's finer points, from FRR itself: route costs and next hops
//! (`show ip route ospf json`) and interfaces (`show ip ospf interface json`).

use std::net::IpAddr;
use std::time::Duration;

use serde_json::Value;

use super::{Gathered, ProbeError, Probes};
use crate::checks::model::ProbeSpec;
use crate::checks::observation::{Observation, OspfInterfaceFacts, RibRoute};
use crate::design::OspfVersion;

pub async fn gather(
    probes: &Probes<'_>,
    probe: &ProbeSpec,
    timeout: Duration,
) -> Result<Gathered, ProbeError> {
    match probe {
        ProbeSpec::OspfRoute { node, to, .. } => {
            let command =
                if to.addr().is_ipv4() { "show ip route ospf json" } else { "show ipv6 route ospf6 json" };
            let (routes, evidence) = probes.vtysh(node, command, timeout, rib_routes).await?;
            Ok(Gathered { observation: Observation::OspfRib(routes), evidence: vec![evidence] })
        }
        ProbeSpec::OspfInterface { node, interface, version, .. } => {
            let (facts, evidence) = match version {
                OspfVersion::V2 => {
                    let command = format!("show ip ospf interface {interface} json");
                    probes.vtysh(node, &command, timeout, |json| interface_facts(json, interface)).await?
                }
                OspfVersion::V3 => {
                    let command = format!("show ipv6 ospf6 interface {interface} json");
                    probes
                        .vtysh(node, &command, timeout, |json| ospf6_interface_facts(json, interface))
                        .await?
                }
            };
            Ok(Gathered { observation: Observation::OspfInterface(facts), evidence: vec![evidence] })
        }
        _ => unreachable!("the dispatcher sends only OSPF detail probes here"),
    }
}

/// FRR's `show ip route ospf json`: prefixes, each with a list of routes.
pub fn rib_routes(json: &str) -> Option<Vec<RibRoute>> {
    let value: Value = serde_json::from_str(json).ok()?;
    let mut out = Vec::new();
    for (prefix, list) in value.as_object()? {
        let Ok(to) = prefix.parse() else { continue };
        for r in list.as_array().into_iter().flatten() {
            let hops: Vec<&Value> = r["nexthops"]
                .as_array()
                .into_iter()
                .flatten()
                .filter(|n| n["active"].as_bool().unwrap_or(true))
                .collect();
            let via = hops
                .iter()
                .filter_map(|n| n["ip"].as_str().and_then(|ip| ip.parse::<IpAddr>().ok()))
                .collect();
            let interfaces =
                hops.iter().filter_map(|n| n["interfaceName"].as_str().map(str::to_string)).collect();
            out.push(RibRoute {
                to,
                metric: r["metric"].as_u64().unwrap_or(0) as u32,
                via,
                interfaces,
                selected: r["selected"].as_bool().unwrap_or(false),
            });
        }
    }
    Some(out)
}

/// FRR's `show ip ospf interface IF json`; `None` when OSPF does not run on it.
pub fn interface_facts(json: &str, interface: &str) -> Option<OspfInterfaceFacts> {
    let value: Value = serde_json::from_str(json).ok()?;
    // FRR 8 nests interfaces under "interfaces"; older ones put them at the top.
    let iface = value.get("interfaces").map_or(&value[interface], |i| &i[interface]);
    let cost = iface["cost"].as_u64()?;
    Some(OspfInterfaceFacts {
        cost: cost as u32,
        network: iface["networkType"].as_str().unwrap_or("").to_string(),
        state: iface["state"].as_str().unwrap_or("").to_string(),
        priority: iface["priority"].as_u64().map(|p| p as u32),
    })
}

/// FRR's `show ipv6 ospf6 interface IF json`, in the terms of OSPF version 2's facts
/// (ospf6d names the backup DR `BDR`, ospfd `Backup`); `None` when OSPFv3 does not run
/// on it.
pub fn ospf6_interface_facts(json: &str, interface: &str) -> Option<OspfInterfaceFacts> {
    let value: Value = serde_json::from_str(json).ok()?;
    let iface = value.get("interfaces").map_or(&value[interface], |i| &i[interface]);
    let cost = iface["cost"].as_u64()?;
    let state = iface["ospf6InterfaceState"].as_str().or_else(|| iface["state"].as_str());
    let state = match state.unwrap_or("") {
        "BDR" => "Backup",
        other => other,
    };
    Some(OspfInterfaceFacts {
        cost: cost as u32,
        network: iface["type"].as_str().or_else(|| iface["networkType"].as_str()).unwrap_or("").to_string(),
        state: state.to_string(),
        priority: iface["priority"].as_u64().map(|p| p as u32),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fixture(name: &str) -> String {
        let path =
            std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/checks/outputs").join(name);
        std::fs::read_to_string(path).unwrap()
    }

    #[test]
    fn ospf_routes_come_with_their_cost_and_next_hops() {
        let routes = rib_routes(&fixture("frr-8-ip-route-ospf.json")).unwrap();
        let remote = routes.iter().find(|r| r.to.to_string() == "10.255.0.2/32").unwrap();
        assert_eq!(remote.metric, 10);
        assert_eq!(remote.via, vec!["10.0.12.2".parse::<IpAddr>().unwrap()]);
        assert!(remote.selected);
        let connected = routes.iter().find(|r| r.to.to_string() == "10.0.12.0/30").unwrap();
        assert!(!connected.selected, "the connected route wins");
        assert_eq!(rib_routes("% OSPF not running"), None);
    }

    #[test]
    fn ospf6_routes_go_out_of_an_interface_to_a_link_local_next_hop() {
        let routes = rib_routes(&fixture("frr-8-ipv6-route-ospf6.json")).unwrap();
        let remote = routes.iter().find(|r| r.to.to_string() == "2001:db8:0:ffff::2/128").unwrap();
        assert_eq!(remote.metric, 20, "OSPFv3 gives the loopback a cost of its own");
        assert_eq!(remote.interfaces, vec!["eth1".to_string()]);
        assert!(remote.via.iter().all(|v| v.to_string().starts_with("fe80:")), "{:?}", remote.via);
        assert!(remote.selected);
    }

    #[test]
    fn an_ospf6_interface_gives_cost_network_type_and_state_in_ospfs_terms() {
        let facts = ospf6_interface_facts(&fixture("frr-8-ospf6-interface.json"), "eth2").unwrap();
        assert_eq!(facts.cost, 100);
        assert_eq!(facts.network, "BROADCAST");
        assert_eq!(facts.state, "Backup", "ospf6d's BDR");
        assert_eq!(facts.priority, Some(1));
        assert_eq!(ospf6_interface_facts(&fixture("frr-8-ospf6-interface.json"), "eth9"), None);
    }

    #[test]
    fn an_ospf_interface_gives_cost_network_type_and_state() {
        let json = r#"{"interfaces":{"eth1":{"ifUp":true,"area":"0.0.0.0","networkType":"POINTOPOINT","cost":100,"state":"Point-To-Point","priority":1}}}"#;
        let facts = interface_facts(json, "eth1").unwrap();
        assert_eq!(facts.cost, 100);
        assert_eq!(facts.network, "POINTOPOINT");
        assert_eq!(facts.state, "Point-To-Point");
        assert_eq!(interface_facts(r#"{"interfaces":{}}"#, "eth1"), None);
    }
}
