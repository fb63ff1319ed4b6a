//! FRR's `frr.conf` (and each of Quagga's per-daemon files, which use the same
//! language): interface addresses, static routes, OSPF, RIP and BGP, read into facts
//! the design can state. Every line is either recognised, harmless (it changes nothing
//! the design grades: `hostname`, `log`, `line vty`), or unrecognised; a configuration
//! with an unrecognised line is loaded as it is (passthrough) beside the facts.

use std::net::IpAddr;

use ipnet::IpNet;

use crate::import::report::Place;

/// A line the importer does not understand, kept for the report.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Unrecognised {
    pub text: String,
    pub place: Place,
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Ospf {
    /// `network 10.0.0.0/24 area 0`.
    pub networks: Vec<(IpNet, String)>,
    /// `interface eth0` / `ip ospf area 0`.
    pub iface_areas: Vec<(String, String)>,
    pub passive: Vec<String>,
    pub passive_default: bool,
    pub not_passive: Vec<String>,
    pub router_id: Option<String>,
    pub redistribute: Vec<String>,
    pub cost: Vec<(String, u32)>,
    pub network_type: Vec<(String, String)>,
    pub priority: Vec<(String, u32)>,
    pub area_types: Vec<(String, String)>,
    pub place: Option<Place>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Rip {
    pub networks: Vec<IpNet>,
    pub ifaces: Vec<String>,
    pub passive: Vec<String>,
    pub redistribute: Vec<String>,
    pub version: Option<String>,
    pub place: Option<Place>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Bgp {
    pub asn: u32,
    pub router_id: Option<String>,
    pub neighbours: Vec<(IpAddr, u32)>,
    pub networks: Vec<IpNet>,
    pub redistribute: Vec<String>,
    pub place: Option<Place>,
}

/// What a configuration says that the design can state.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Facts {
    pub addresses: Vec<(String, IpNet, Place)>,
    /// Static routes; `None` is the default route.
    pub routes: Vec<(Option<IpNet>, IpAddr, Place)>,
    pub ospf: Option<Ospf>,
    pub rip: Option<Rip>,
    pub bgp: Option<Bgp>,
    pub unrecognised: Vec<Unrecognised>,
}

impl Facts {
    /// Adds what another file of the same router says (Quagga's per-daemon files).
    pub fn merge(&mut self, other: Facts) {
        self.addresses.extend(other.addresses);
        self.routes.extend(other.routes);
        if other.ospf.is_some() {
            self.ospf = other.ospf;
        }
        if other.rip.is_some() {
            self.rip = other.rip;
        }
        if other.bgp.is_some() {
            self.bgp = other.bgp;
        }
        self.unrecognised.extend(other.unrecognised);
    }
}

/// Lines that change nothing the design grades or the router's behaviour in a lab.
fn harmless(line: &str) -> bool {
    const PREFIXES: [&str; 17] = [
        "hostname",
        "log ",
        "frr version",
        "frr defaults",
        "service integrated-vtysh-config",
        "service password-encryption",
        "password",
        "enable password",
        "line vty",
        "no ipv6 forwarding",
        "ip forwarding",
        "ipv6 forwarding",
        "debug ",
        "description",
        "agentx",
        "no bgp ebgp-requires-policy",
        "no bgp network import-check",
    ];
    PREFIXES.iter().any(|p| line.starts_with(p))
        || matches!(line, "!" | "end" | "exit" | "quit" | "no shutdown" | "link-detect")
}

/// Statements that stand at the top level and end the block before them.
const TOP_LEVEL: [&str; 13] = [
    "router",
    "route-map",
    "access-list",
    "key",
    "vrf",
    "line",
    "hostname",
    "password",
    "enable",
    "log",
    "debug",
    "frr",
    "service",
];

enum Block {
    Top,
    Interface(String),
    Ospf,
    Rip,
    Bgp,
    /// A block the importer does not know (`router isis`, `route-map`): every line in
    /// it is unrecognised.
    Unknown,
    /// `line vty`: terminal settings, of no matter in a lab.
    Ignored,
}

/// Reads one configuration file.
pub fn parse(text: &str, file: &str) -> Facts {
    let mut facts = Facts::default();
    let mut block = Block::Top;
    for (i, raw) in text.lines().enumerate() {
        let indent = raw.len() - raw.trim_start().len();
        let line = raw.trim();
        if line.is_empty() || line.starts_with('!') || line.starts_with('#') {
            if line.starts_with('!') && indent == 0 && !matches!(block, Block::Interface(_) | Block::Top) {
                // Quagga ends blocks with `!` alone.
                block = Block::Top;
            }
            continue;
        }
        let place = Place::new(file, i + 1, indent + 1);
        let w: Vec<&str> = line.split_whitespace().collect();
        // A new block starts with a top-level statement, indented or not (Quagga's
        // files often indent nothing).
        match w.as_slice() {
            ["interface", name, ..] => {
                block = Block::Interface(name.to_string());
                continue;
            }
            ["router", "ospf"] => {
                block = Block::Ospf;
                facts.ospf.get_or_insert_with(Ospf::default).place = Some(place);
                continue;
            }
            ["router", "rip"] => {
                block = Block::Rip;
                facts.rip.get_or_insert_with(Rip::default).place = Some(place);
                continue;
            }
            ["router", "bgp", asn] if asn.parse::<u32>().is_ok() => {
                block = Block::Bgp;
                let bgp = facts.bgp.get_or_insert_with(Bgp::default);
                bgp.asn = asn.parse().unwrap_or_default();
                bgp.place = Some(place);
                continue;
            }
            ["ip" | "ipv6", "route", dest, via] => {
                block = Block::Top;
                match (route_dest(dest), via.parse::<IpAddr>()) {
                    (Some(dest), Ok(via)) => facts.routes.push((dest, via, place)),
                    _ => facts.unrecognised.push(Unrecognised { text: line.into(), place }),
                }
                continue;
            }
            _ if matches!(line, "exit" | "end") => {
                block = Block::Top;
                continue;
            }
            [first, ..]
                if TOP_LEVEL.contains(first)
                    || line.starts_with("ip prefix-list")
                    || line.starts_with("ipv6 prefix-list") =>
            {
                block = match *first {
                    "line" => Block::Ignored,
                    "router" | "route-map" | "key" | "vrf" => Block::Unknown,
                    _ => Block::Top,
                };
                if *first == "line" {
                    continue;
                }
            }
            _ => {}
        }
        if harmless(line) {
            continue;
        }
        let recognised = match &block {
            Block::Top => false,
            Block::Unknown => false,
            Block::Ignored => true,
            Block::Interface(iface) => interface_line(&mut facts, iface, &w, &place),
            Block::Ospf => ospf_line(facts.ospf.get_or_insert_with(Ospf::default), &w),
            Block::Rip => rip_line(facts.rip.get_or_insert_with(Rip::default), &w),
            Block::Bgp => bgp_line(facts.bgp.get_or_insert_with(Bgp::default), &w),
        };
        if !recognised {
            facts.unrecognised.push(Unrecognised { text: line.into(), place });
        }
    }
    facts
}

fn route_dest(word: &str) -> Option<Option<IpNet>> {
    let net: IpNet = word.parse().ok()?;
    Some(if net.prefix_len() == 0 { None } else { Some(net.trunc()) })
}

fn interface_line(facts: &mut Facts, iface: &str, w: &[&str], place: &Place) -> bool {
    let iface = iface.to_string();
    match w {
        ["ip" | "ipv6", "address", addr] => match addr.parse::<IpNet>() {
            Ok(net) => {
                facts.addresses.push((iface, net, place.clone()));
                true
            }
            Err(_) => false,
        },
        ["ip", "ospf", "area", area] => {
            facts.ospf.get_or_insert_with(Ospf::default).iface_areas.push((iface, area.to_string()));
            true
        }
        ["ip", "ospf", "passive"] => {
            facts.ospf.get_or_insert_with(Ospf::default).passive.push(iface);
            true
        }
        ["ip", "ospf", "cost", n] => {
            number(n).map(|n| facts.ospf.get_or_insert_with(Ospf::default).cost.push((iface, n))).is_some()
        }
        ["ip", "ospf", "priority", n] => number(n)
            .map(|n| facts.ospf.get_or_insert_with(Ospf::default).priority.push((iface, n)))
            .is_some(),
        ["ip", "ospf", "network", kind @ ("point-to-point" | "broadcast")] => {
            facts.ospf.get_or_insert_with(Ospf::default).network_type.push((iface, kind.to_string()));
            true
        }
        _ => false,
    }
}

fn number(word: &str) -> Option<u32> {
    word.parse().ok()
}

fn ospf_line(ospf: &mut Ospf, w: &[&str]) -> bool {
    match w {
        ["network", net, "area", area] => match net.parse::<IpNet>() {
            Ok(net) => {
                ospf.networks.push((net.trunc(), area.to_string()));
                true
            }
            Err(_) => false,
        },
        ["ospf", "router-id", id] | ["router-id", id] => {
            ospf.router_id = Some(id.to_string());
            true
        }
        ["passive-interface", "default"] => {
            ospf.passive_default = true;
            true
        }
        ["passive-interface", iface] => {
            ospf.passive.push(iface.to_string());
            true
        }
        ["no", "passive-interface", iface] => {
            ospf.not_passive.push(iface.to_string());
            true
        }
        ["redistribute", what @ ("connected" | "static")] => {
            ospf.redistribute.push(what.to_string());
            true
        }
        ["default-information", "originate", "always"] => {
            ospf.redistribute.push("default".into());
            true
        }
        ["area", area, kind @ ("stub" | "nssa")] => {
            ospf.area_types.push((area.to_string(), kind.to_string()));
            true
        }
        ["area", area, kind @ ("stub" | "nssa"), "no-summary"] => {
            ospf.area_types.push((area.to_string(), format!("{kind} no-summary")));
            true
        }
        _ => false,
    }
}

fn rip_line(rip: &mut Rip, w: &[&str]) -> bool {
    match w {
        ["version", v] => {
            rip.version = Some(v.to_string());
            *v == "2"
        }
        ["network", target] => {
            match target.parse::<IpNet>() {
                Ok(net) => rip.networks.push(net.trunc()),
                Err(_) => rip.ifaces.push(target.to_string()),
            }
            true
        }
        ["passive-interface", iface] if *iface != "default" => {
            rip.passive.push(iface.to_string());
            true
        }
        ["redistribute", what @ ("connected" | "static")] => {
            rip.redistribute.push(what.to_string());
            true
        }
        ["default-information", "originate"] => {
            rip.redistribute.push("default".into());
            true
        }
        _ => false,
    }
}

fn bgp_line(bgp: &mut Bgp, w: &[&str]) -> bool {
    match w {
        ["bgp", "router-id", id] => {
            bgp.router_id = Some(id.to_string());
            true
        }
        ["neighbor", addr, "remote-as", asn] => match (addr.parse::<IpAddr>(), asn.parse::<u32>()) {
            (Ok(addr), Ok(asn)) => {
                bgp.neighbours.push((addr, asn));
                true
            }
            _ => false,
        },
        // Every neighbour is activated in its address family by asbuilt.
        ["neighbor", _, "activate"] | ["neighbor", _, "description", ..] => true,
        ["address-family", "ipv4" | "ipv6", "unicast"] | ["exit-address-family"] => true,
        ["network", net] => match net.parse::<IpNet>() {
            Ok(net) => {
                bgp.networks.push(net);
                true
            }
            Err(_) => false,
        },
        ["redistribute", what @ ("connected" | "static" | "ospf")] => {
            bgp.redistribute.push(what.to_string());
            true
        }
        _ => false,
    }
}

/// Quagga's and FRR's `daemons` file: `ospfd=yes`, the daemons that are on.
pub fn daemons(text: &str) -> Vec<String> {
    text.lines()
        .filter_map(|l| l.trim().split_once('='))
        .filter(|(_, v)| v.trim().trim_matches('"') == "yes")
        .map(|(k, _)| k.trim().to_string())
        .filter(|d| d != "zebra" && d != "staticd" && d != "vtysh_enable")
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    const OSPF: &str = "frr defaults traditional
hostname r1
service integrated-vtysh-config
!
interface eth0
 ip address 10.0.12.1/30
 ip ospf cost 20
exit
!
interface lo
 ip address 10.255.0.1/32
!
router ospf
 ospf router-id 10.255.0.1
 network 10.0.12.0/30 area 0.0.0.0
 network 192.168.1.0/24 area 0
 passive-interface eth1
 redistribute connected
exit
!
ip route 10.9.0.0/16 10.0.12.2
!
line vty
!
";

    #[test]
    fn an_ospf_router_becomes_facts_without_unrecognised_lines() {
        let facts = parse(OSPF, "r1/etc/frr/frr.conf");
        assert_eq!(facts.unrecognised, []);
        assert_eq!(facts.addresses.len(), 2);
        assert_eq!(facts.addresses[1].0, "lo");
        let ospf = facts.ospf.unwrap();
        assert_eq!(ospf.networks.len(), 2);
        assert_eq!(ospf.router_id.as_deref(), Some("10.255.0.1"));
        assert_eq!(ospf.passive, ["eth1"]);
        assert_eq!(ospf.cost, [("eth0".to_string(), 20)]);
        assert_eq!(ospf.redistribute, ["connected"]);
        assert_eq!(facts.routes.len(), 1);
        assert_eq!(facts.routes[0].2, Place::new("r1/etc/frr/frr.conf", 21, 1));
    }

    #[test]
    fn rip_bgp_and_what_is_not_understood() {
        let text = "router rip\n version 2\n network 10.0.0.0/8\n network eth2\n!\nrouter bgp 65001\n bgp router-id 1.1.1.1\n neighbor 10.0.0.2 remote-as 65002\n address-family ipv4 unicast\n  network 192.0.2.0/24\n  neighbor 10.0.0.2 route-map IN in\n exit-address-family\n!\nroute-map IN permit 10\n set local-preference 200\n!\ninterface eth0\n ip ospf hello-interval 5\n";
        let facts = parse(text, "bgpd.conf");
        let rip = facts.rip.unwrap();
        assert_eq!(rip.networks, ["10.0.0.0/8".parse::<IpNet>().unwrap()]);
        assert_eq!(rip.ifaces, ["eth2"]);
        let bgp = facts.bgp.unwrap();
        assert_eq!(bgp.asn, 65001);
        assert_eq!(bgp.neighbours.len(), 1);
        let lines: Vec<usize> = facts.unrecognised.iter().map(|u| u.place.line).collect();
        assert_eq!(lines, [11, 14, 15, 18], "{:?}", facts.unrecognised);
    }

    #[test]
    fn the_daemons_file_names_the_daemons_that_are_on() {
        assert_eq!(daemons("zebra=yes\nospfd=yes\nbgpd=no\nripd=\"yes\"\n"), ["ospfd", "ripd"]);
    }
}
