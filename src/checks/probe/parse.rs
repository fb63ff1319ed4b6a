//! Reading the output of a node's own tools into observations: `ip -j`, `bridge -j`,
//! FRR's JSON, ping, traceroute, dig and curl. Pure; fixtures in
//! tests/fixtures/checks/outputs/ are real outputs of the node images.

use std::net::{IpAddr, Ipv4Addr};

use ipnet::IpNet;
use serde_json::Value;

use crate::checks::observation::{
    DnsFacts, HttpFacts, InterfaceFacts, NeighbourFact, PingFacts, RouteFact, RouteOrigin, TraceFacts,
    VlanFact,
};
use crate::design::RecordKind;

/// `ip -j address show [dev IF]`: the named interface, if listed.
pub fn ip_address(json: &str, interface: &str) -> Option<InterfaceFacts> {
    let list: Vec<Value> = serde_json::from_str(json).ok()?;
    let link = list.iter().find(|l| l["ifname"] == interface)?;
    let flags: Vec<&str> = link["flags"].as_array().into_iter().flatten().filter_map(Value::as_str).collect();
    let addresses = link["addr_info"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|a| {
            let ip: IpAddr = a["local"].as_str()?.parse().ok()?;
            let prefix = u8::try_from(a["prefixlen"].as_u64()?).ok()?;
            let link_local = a["scope"] == "link" && ip.is_ipv6();
            (!link_local).then(|| IpNet::new(ip, prefix).ok()).flatten()
        })
        .collect();
    Some(InterfaceFacts { up: flags.contains(&"UP"), carrier: flags.contains(&"LOWER_UP"), addresses })
}

/// `ip -j route show` (and `ip -j -6 route show`): the main table.
pub fn ip_routes(json: &str) -> Vec<RouteFact> {
    let list: Vec<Value> = serde_json::from_str(json).unwrap_or_default();
    list.iter()
        .filter(|r| r["type"].is_null() || r["type"] == "unicast")
        .filter_map(|r| {
            let dst = r["dst"].as_str()?;
            let gateway = r["gateway"].as_str().and_then(|g| g.parse::<IpAddr>().ok());
            let to = parse_destination(dst, gateway.is_none_or(|g| g.is_ipv4()))?;
            let mut via: Vec<IpAddr> = gateway.into_iter().collect();
            let mut interface = r["dev"].as_str().map(str::to_string);
            for hop in r["nexthops"].as_array().into_iter().flatten() {
                via.extend(hop["gateway"].as_str().and_then(|g| g.parse::<IpAddr>().ok()));
                interface = interface.or_else(|| hop["dev"].as_str().map(str::to_string));
            }
            let origin = RouteOrigin::from_name(r["protocol"].as_str().unwrap_or("boot"));
            Some(RouteFact { to, via, interface, origin })
        })
        .collect()
}

/// `default`, `10.0.3.0/24`, or a host route without a prefix length.
fn parse_destination(dst: &str, v4: bool) -> Option<IpNet> {
    if dst == "default" {
        return (if v4 { "0.0.0.0/0" } else { "::/0" }).parse().ok();
    }
    dst.parse::<IpNet>().ok().or_else(|| dst.parse::<IpAddr>().ok().map(IpNet::from))
}

/// `bridge -j vlan show`: the VLANs of one port; `None` when it is not listed (no
/// VLAN filtering, or not a bridge port).
pub fn bridge_vlans(json: &str, port: &str) -> Option<Vec<VlanFact>> {
    let list: Vec<Value> = serde_json::from_str(json).ok()?;
    let entry = list.iter().find(|p| p["ifname"] == port)?;
    let mut out = Vec::new();
    for v in entry["vlans"].as_array()? {
        let first = u16::try_from(v["vlan"].as_u64()?).ok()?;
        let last = v["vlanEnd"].as_u64().and_then(|e| u16::try_from(e).ok()).unwrap_or(first);
        let flags: Vec<&str> =
            v["flags"].as_array().into_iter().flatten().filter_map(Value::as_str).collect();
        for vid in first..=last {
            out.push(VlanFact {
                vid,
                pvid: flags.contains(&"PVID"),
                untagged: flags.contains(&"Egress Untagged"),
            });
        }
    }
    Some(out)
}

/// FRR's `show ip ospf neighbor json`; `None` when OSPF does not run (FRR prints an
/// empty object then).
pub fn ospf_neighbours(json: &str) -> Option<Vec<NeighbourFact>> {
    let value: Value = serde_json::from_str(json).ok()?;
    let neighbours = value.get("neighbors")?.as_object()?;
    let mut out = Vec::new();
    for (id, entries) in neighbours {
        let Ok(router_id) = id.parse::<Ipv4Addr>() else { continue };
        for entry in entries.as_array().into_iter().flatten() {
            let state =
                entry["nbrState"].as_str().or_else(|| entry["state"].as_str()).unwrap_or("").to_string();
            let address = entry["ifaceAddress"]
                .as_str()
                .or_else(|| entry["address"].as_str())
                .and_then(|a| a.parse::<IpAddr>().ok());
            // `eth1:10.0.12.1`: the interface and the router's own address on it.
            let interface = entry["ifaceName"].as_str().map(|i| i.split(':').next().unwrap_or(i).to_string());
            out.push(NeighbourFact { router_id, address, state, interface });
        }
    }
    Some(out)
}

/// FRR's `show ipv6 ospf6 neighbor json`: a list of neighbours with their router ID,
/// state and interface; `None` when OSPFv3 does not run.
pub fn ospf6_neighbours(json: &str) -> Option<Vec<NeighbourFact>> {
    let value: Value = serde_json::from_str(json).ok()?;
    let list = value.get("neighbors")?.as_array()?;
    let out = list
        .iter()
        .filter_map(|entry| {
            let router_id = entry["neighborId"].as_str()?.parse::<Ipv4Addr>().ok()?;
            // `Full`, with the neighbour's role on the link beside it (`ifState`).
            let state = match (entry["state"].as_str(), entry["ifState"].as_str()) {
                (Some(state), Some(role)) => format!("{state}/{role}"),
                (state, _) => state.unwrap_or("").to_string(),
            };
            let interface = entry["interfaceName"].as_str().map(str::to_string);
            Some(NeighbourFact { router_id, address: None, state, interface })
        })
        .collect();
    Some(out)
}

/// The router ID from `show ip ospf json`; `None` when OSPF does not run.
pub fn ospf_router_id(json: &str) -> Option<Ipv4Addr> {
    let value: Value = serde_json::from_str(json).ok()?;
    value.get("routerId")?.as_str()?.parse().ok()
}

/// iputils `ping` output.
pub fn ping(output: &str) -> PingFacts {
    let mut facts =
        PingFacts { sent: 0, received: 0, rtt_ms: Vec::new(), error_from: None, local_error: None };
    for line in output.lines() {
        if let Some((sent, rest)) = line.split_once(" packets transmitted, ") {
            facts.sent = sent.trim().parse().unwrap_or(0);
            facts.received = rest.split_whitespace().next().and_then(|r| r.parse().ok()).unwrap_or(0);
        } else if let Some(stats) = line.strip_prefix("rtt min/avg/max/mdev = ") {
            let avg = stats.split('/').nth(1).and_then(|a| a.parse::<f64>().ok());
            facts.rtt_ms = avg.map(|a| vec![a; facts.received as usize]).unwrap_or_default();
        } else if let Some(why) = line.strip_prefix("ping: ") {
            facts.local_error = Some(why.trim().to_lowercase());
        } else if let Some(rest) = line.strip_prefix("From ") {
            let mut words = rest.split_whitespace();
            let from = words.next().and_then(|w| w.parse::<IpAddr>().ok());
            let what: Vec<&str> = words.skip(1).collect();
            if let Some(from) = from {
                facts.error_from = Some((from, what.join(" ").to_lowercase()));
            }
        }
    }
    facts
}

/// `traceroute -n` output: one responding address (or `*`) per hop.
pub fn traceroute(output: &str, target: IpAddr) -> TraceFacts {
    let mut hops = Vec::new();
    for line in output.lines().skip_while(|l| l.starts_with("traceroute to")) {
        let mut words = line.split_whitespace();
        if words.next().and_then(|n| n.parse::<u32>().ok()).is_none() {
            continue;
        }
        hops.push(words.next().and_then(|w| w.parse::<IpAddr>().ok()));
    }
    let reached = hops.last().copied().flatten() == Some(target);
    TraceFacts { hops, reached }
}

/// `dig` output: status and the A/AAAA records of the answer section.
pub fn dig(output: &str, server: IpAddr) -> Option<DnsFacts> {
    let status = output
        .lines()
        .find_map(|l| l.split_once("status: ").map(|(_, s)| s.split(',').next().unwrap_or("")))?;
    let rcode = match status {
        "NOERROR" => 0,
        "FORMERR" => 1,
        "SERVFAIL" => 2,
        "NXDOMAIN" => 3,
        "NOTIMP" => 4,
        "REFUSED" => 5,
        _ => 2,
    };
    // `;; flags: qr aa rd ra;` says whether the answer is authoritative.
    let authoritative = output
        .lines()
        .find_map(|l| {
            l.strip_prefix(";; flags:")
                .map(|f| f.split(';').next().unwrap_or("").split_whitespace().any(|w| w == "aa"))
        })
        .unwrap_or(false);
    // `name. 300 IN MX 10 mail.x.` lines: the type in the fourth field, the data after.
    let records: Vec<(RecordKind, String)> = output
        .lines()
        .skip_while(|l| !l.starts_with(";; ANSWER SECTION"))
        .skip(1)
        .take_while(|l| !l.trim().is_empty())
        .filter_map(|l| {
            let f: Vec<&str> = l.split_whitespace().collect();
            let kind = RecordKind::parse(f.get(3)?)?;
            let data = f.get(4..)?.join(" ");
            let data = match kind {
                RecordKind::Txt => data.split('"').skip(1).step_by(2).collect::<String>(),
                RecordKind::Soa => {
                    f.get(4..6)?.iter().map(|n| n.trim_end_matches('.')).collect::<Vec<_>>().join(" ")
                }
                _ => data
                    .split(' ')
                    .map(|w| w.trim_end_matches('.').to_lowercase())
                    .collect::<Vec<_>>()
                    .join(" "),
            };
            Some((kind, data))
        })
        .collect();
    let answers = records
        .iter()
        .filter(|(k, _)| matches!(k, RecordKind::A | RecordKind::Aaaa))
        .filter_map(|(_, d)| d.parse().ok())
        .collect();
    Some(DnsFacts { server, rcode, answers, records, authoritative })
}

/// `curl -s -o - -w '\n%{http_code}'`: the body, then the status on the last line.
pub fn curl(output: &str) -> Option<HttpFacts> {
    let (body, status) = output.rsplit_once('\n').unwrap_or(("", output));
    let status: u16 = status.trim().parse().ok()?;
    (status != 0).then(|| HttpFacts { status, body: body.to_string() })
}

/// The name servers of a resolv.conf.
pub fn resolv_conf(text: &str) -> Vec<IpAddr> {
    text.lines()
        .filter_map(|l| l.trim().strip_prefix("nameserver"))
        .filter_map(|rest| rest.trim().parse().ok())
        .collect()
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
    fn ip_address_json_gives_state_and_addresses() {
        let eth1 = ip_address(&fixture("ip-address.json"), "eth1").unwrap();
        assert!(eth1.up && eth1.carrier);
        assert_eq!(eth1.addresses, vec!["10.0.12.1/30".parse::<IpNet>().unwrap()]);
        let lo = ip_address(&fixture("ip-address.json"), "lo").unwrap();
        assert!(lo.addresses.contains(&"10.255.0.1/32".parse().unwrap()));
        assert_eq!(ip_address(&fixture("ip-address.json"), "eth9"), None);
    }

    #[test]
    fn ip_route_json_gives_routes_with_origin_and_next_hop() {
        let routes = ip_routes(&fixture("ip-route.json"));
        let ospf = routes.iter().find(|r| r.origin == RouteOrigin::Ospf).unwrap();
        assert_eq!(ospf.to, "10.255.0.2/32".parse::<IpNet>().unwrap());
        assert_eq!(ospf.via, vec!["10.0.12.2".parse::<IpAddr>().unwrap()]);
        assert!(routes.iter().any(|r| r.origin == RouteOrigin::Kernel && r.via.is_empty()));
    }

    #[test]
    fn frr_neighbour_json_gives_router_ids_and_states() {
        let list = ospf_neighbours(&fixture("frr-8-ospf-neighbor-full.json")).unwrap();
        assert_eq!(
            list,
            vec![NeighbourFact {
                router_id: "10.255.0.2".parse().unwrap(),
                address: Some("10.0.12.2".parse().unwrap()),
                state: "Full/DR".into(),
                interface: Some("eth1".into()),
            }]
        );
        assert!(list[0].is_up());
        assert_eq!(ospf_neighbours(&fixture("frr-8-ospf-neighbor-none.json")), None);
    }

    #[test]
    fn frr_ospf6_neighbour_json_gives_router_ids_states_and_interfaces() {
        let list = ospf6_neighbours(&fixture("frr-8-ospf6-neighbor-full.json")).unwrap();
        assert_eq!(list.len(), 2);
        assert_eq!(list[0].router_id, "10.255.255.1".parse::<Ipv4Addr>().unwrap());
        assert_eq!(list[0].interface.as_deref(), Some("eth1"));
        assert_eq!(list[0].address, None, "OSPFv3 neighbours speak from link-local addresses");
        assert!(list.iter().all(NeighbourFact::is_up), "{list:?}");
        assert_eq!(ospf6_neighbours("% OSPFv3 instance not found"), None);
    }

    #[test]
    fn bridge_vlan_json_gives_access_and_trunk_ports() {
        let json = fixture("bridge-vlan-show.handwritten.json");
        let access = bridge_vlans(&json, "eth2").unwrap();
        assert_eq!(access, vec![VlanFact { vid: 10, pvid: true, untagged: true }]);
        let trunk = bridge_vlans(&json, "eth1").unwrap();
        assert_eq!(trunk.iter().map(|v| v.vid).collect::<Vec<_>>(), vec![10, 20]);
        assert_eq!(bridge_vlans(&json, "eth4").unwrap().len(), 3, "a range is expanded");
        assert_eq!(bridge_vlans("[]", "eth1"), None);
    }

    #[test]
    fn ping_output_gives_counts_and_round_trip() {
        let facts = ping(&fixture("ping-iputils-answered.txt"));
        assert_eq!((facts.sent, facts.received), (3, 3));
        assert_eq!(facts.rtt_ms.len(), 3);
        let none = ping(&fixture("ping-iputils-no-route.txt"));
        assert_eq!(none.received, 0);
        assert_eq!(none.local_error.as_deref(), Some("connect: network is unreachable"));
        let unreachable = ping(
            "From 10.0.1.1 icmp_seq=1 Destination Net Unreachable\n\n1 packets transmitted, 0 received, +1 errors, 100% packet loss, time 0ms\n",
        );
        assert_eq!(
            unreachable.error_from,
            Some(("10.0.1.1".parse().unwrap(), "destination net unreachable".into()))
        );
    }

    #[test]
    fn traceroute_output_gives_hops() {
        let trace = traceroute(&fixture("traceroute-icmp-loopback.txt"), "127.0.0.1".parse().unwrap());
        assert!(trace.reached);
        let partial = traceroute(" 1  10.0.1.1  0.05 ms\n 2  *\n", "10.0.3.10".parse().unwrap());
        assert_eq!(partial.hops, vec![Some("10.0.1.1".parse().unwrap()), None]);
        assert!(!partial.reached);
    }

    #[test]
    fn dig_output_gives_status_and_addresses() {
        let server: IpAddr = "127.0.0.1".parse().unwrap();
        let answer = dig(&fixture("dig-answer.txt"), server).unwrap();
        assert_eq!((answer.rcode, answer.answers.clone()), (0, vec!["192.168.50.3".parse().unwrap()]));
        assert_eq!(dig(&fixture("dig-nxdomain.txt"), server).unwrap().rcode, 3);
    }

    #[test]
    fn curl_output_gives_status_and_page() {
        let page = curl(&fixture("curl-page.txt")).unwrap();
        assert_eq!(page.status, 200);
        assert!(page.body.contains("Veenstra intranet"));
        assert_eq!(curl("\n000"), None, "curl prints 000 when it could not connect");
    }

    #[test]
    fn resolv_conf_gives_name_servers() {
        assert_eq!(
            resolv_conf(&fixture("resolv-conf.txt")),
            vec!["10.255.255.53".parse::<IpAddr>().unwrap()]
        );
    }
}
