//! The VXLAN transport's scripts (`plan::tunnel`), run for real in a lab of network
//! namespaces on an underlay of their own, as every engine runs them: the node's init
//! step in each node, the fabric's side and the usual bridges in the fabric. Needs root.

mod support;

use std::collections::BTreeMap;
use std::net::Ipv4Addr;
use std::path::Path;
use std::process::Command;

use asbuilt::design::Lab;
use asbuilt::plan::tunnel::{self, UNDERLAY_INTERFACE, UNDERLAY_MTU, Underlay};
use asbuilt::plan::{InstanceId, LinkSetting, Plan, fabric, plan};
use asbuilt::topology::Source;
use support::netns_lab::NetnsLab;

fn planned(name: &str) -> Plan {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("topologies").join(name);
    let design = Lab::load(&Source::read(&path).unwrap()).unwrap().design_for(None);
    plan(&design, InstanceId::for_lab(&design.lab, None))
}

fn ip(args: &[&str]) {
    let out = Command::new("ip").args(args).output().unwrap();
    assert!(out.status.success(), "ip {}: {}", args.join(" "), String::from_utf8_lossy(&out.stderr));
}

/// A lab whose every node and fabric sit on one underlay bridge (in the fabric's
/// namespace, whose own underlay address is on that bridge), each node's underlay
/// interface named `eth0`, as a runtime names it.
struct TunnelLab {
    lab: NetnsLab,
    plan: Plan,
    fabric: Underlay,
    nodes: BTreeMap<String, Ipv4Addr>,
}

impl TunnelLab {
    fn new(plan: Plan) -> TunnelLab {
        let mut lab = NetnsLab::new();
        let mtu = UNDERLAY_MTU.to_string();
        lab.sh("fabric", &format!("ip link add underlay type bridge && ip link set underlay mtu {mtu} up && ip address add 172.31.0.1/24 dev underlay"));
        let mut nodes = BTreeMap::new();
        for (i, node) in plan.nodes.iter().enumerate() {
            lab.add_node(&node.name);
            let address = Ipv4Addr::new(172, 31, 0, 10 + i as u8);
            let (a, b) = (format!("{}u{i}a", lab.ns("")), format!("{}u{i}b", lab.ns("")));
            ip(&["link", "add", &a, "mtu", &mtu, "type", "veth", "peer", "name", &b, "mtu", &mtu]);
            ip(&["link", "set", &a, "netns", &lab.ns(&node.name)]);
            ip(&["link", "set", &b, "netns", &lab.ns("fabric")]);
            lab.sh("fabric", &format!("ip link set {b} master underlay up"));
            lab.sh(
                &node.name,
                &format!(
                    "ip link set {a} name eth0 && ip address add {address}/24 dev eth0 && ip link set eth0 up"
                ),
            );
            nodes.insert(node.name.clone(), address);
        }
        let fabric = Underlay {
            interface: "underlay".into(),
            address: Ipv4Addr::new(172, 31, 0, 1),
            prefix_len: 24,
            gateway: None,
        };
        TunnelLab { lab, plan, fabric, nodes }
    }

    fn underlay_of(&self, node: &str) -> Underlay {
        Underlay { interface: "eth0".into(), address: self.nodes[node], prefix_len: 24, gateway: None }
    }

    /// Every node's init step, then the fabric's tunnels and bridges.
    fn cable(&self) {
        for node in self.nodes.keys() {
            self.lab.sh(
                node,
                &tunnel::node_script(&self.plan, node, &self.underlay_of(node), self.fabric.address),
            );
        }
        let ports: Vec<_> = self.plan.segments.iter().flat_map(|s| s.ports.iter()).collect();
        self.lab.sh("fabric", &tunnel::fabric_script(&self.plan, &ports, &self.fabric, &self.nodes).unwrap());
        self.lab.sh("fabric", &fabric::wire_script(&self.plan));
    }

    /// Gives the ends of every cable between two nodes addresses of their own, and
    /// returns them as (from node, to address) pairs.
    fn address_cables(&self) -> Vec<(String, String, String)> {
        let mut pairs = Vec::new();
        for (i, segment) in self.plan.segments.iter().enumerate().filter(|(_, s)| s.ports.len() == 2) {
            let (a, b) = (&segment.ports[0].endpoint, &segment.ports[1].endpoint);
            if a.node == b.node {
                continue;
            }
            for (j, end) in [a, b].into_iter().enumerate() {
                self.lab
                    .sh(&end.node, &format!("ip address add 10.250.{i}.{}/24 dev {}", j + 1, end.interface));
            }
            pairs.push((a.node.clone(), format!("10.250.{i}.2"), segment.name.clone()));
        }
        pairs
    }

    fn pings(&self, node: &str, to: &str, args: &str) -> bool {
        Command::new("ip")
            .args(["netns", "exec", &self.lab.ns(node), "sh", "-c"])
            .arg(format!("ping -n -q -c 2 -i 0.2 -W 1 {args} {to}"))
            .output()
            .unwrap()
            .status
            .success()
    }
}

#[test]
fn every_cable_of_a_lab_carries_full_size_frames_through_its_tunnels() {
    let lab = TunnelLab::new(planned("statisch-routeren.yml"));
    lab.cable();
    let cables = lab.address_cables();
    assert!(cables.len() >= 5, "three routers in a row and three PCs: {cables:?}");
    for (from, to, name) in &cables {
        assert!(lab.pings(from, to, ""), "{name}: {from} reaches {to}");
        // 1472 bytes of ICMP payload make a 1500-byte packet, which may not be split.
        assert!(lab.pings(from, to, "-M do -s 1472"), "{name}: a full-size frame crosses");
    }
    // Every cable end has the topology's name, its 1500 bytes, and is a VXLAN interface.
    let r2 = lab.lab.sh("r2", "ip -d link show eth1");
    assert!(r2.contains("mtu 1500") && r2.contains("vxlan id"), "{r2}");
}

#[test]
fn the_underlay_is_out_of_the_labs_view_and_reaches_nothing_from_it() {
    let lab = TunnelLab::new(planned("statisch-routeren.yml"));
    // Control: before the init step, the node's main table leads onto the underlay.
    let before = lab.lab.sh("pc1", "ip route get 172.31.0.1");
    assert!(before.contains("dev eth0"), "{before}");
    lab.cable();
    let main = lab.lab.sh("pc1", "ip route show table main");
    assert!(!main.contains("172.31."), "the lab's routing table shows only the lab: {main}");
    let links = lab.lab.sh("pc1", "ip -br link");
    assert!(links.contains(UNDERLAY_INTERFACE) && !links.contains("eth0"), "{links}");
    // From the lab's addresses, nothing on the underlay is reachable: no route at all.
    let out = Command::new("ip")
        .args(["netns", "exec", &lab.lab.ns("pc1"), "ip", "route", "get", "172.31.0.1"])
        .output()
        .unwrap();
    assert!(!out.status.success(), "{}", String::from_utf8_lossy(&out.stdout));
    assert!(String::from_utf8_lossy(&out.stderr).contains("unreachable"));
    // Only the tunnels' own address uses the underlay's table.
    let rules = lab.lab.sh("pc1", "ip rule show");
    assert!(
        rules.contains(&format!("from {} lookup {}", lab.nodes["pc1"], tunnel::UNDERLAY_TABLE)),
        "{rules}"
    );
}

#[test]
fn a_pulled_cable_and_a_node_back_with_another_address_behave_as_with_veths() {
    let mut lab = TunnelLab::new(planned("statisch-routeren.yml"));
    lab.cable();
    let cables = lab.address_cables();
    let (from, to, _) = cables.iter().find(|(from, _, _)| from == "r1").unwrap().clone();
    let port = lab
        .plan
        .segments
        .iter()
        .flat_map(|s| s.ports.iter())
        .find(|p| p.endpoint.node == from)
        .unwrap()
        .clone();
    let segment = lab.plan.segment_of(&port).clone();
    // Pulled in the fabric, as `asbuilt link` does.
    let down = LinkSetting { up: false, ..LinkSetting::default() };
    lab.lab.sh("fabric", &fabric::link_script(&segment, &port, down));
    assert!(!lab.pings(&from, &to, ""), "a pulled cable carries nothing");
    lab.lab.sh("fabric", &fabric::link_script(&segment, &port, LinkSetting::default()));
    assert!(lab.pings(&from, &to, ""), "plugged in again");
    // r1 comes back with another underlay address: its init step and its ends in the
    // fabric are made again, and its cables work as before.
    let moved = Ipv4Addr::new(172, 31, 0, 99);
    lab.lab.sh(
        &from,
        &format!(
            "ip address flush dev {UNDERLAY_INTERFACE} && ip address add {moved}/24 dev {UNDERLAY_INTERFACE}"
        ),
    );
    lab.nodes.insert(from.clone(), moved);
    let mut underlay = lab.underlay_of(&from);
    underlay.interface = UNDERLAY_INTERFACE.into();
    lab.lab.sh(&from, &tunnel::node_script(&lab.plan, &from, &underlay, lab.fabric.address));
    let ports: Vec<_> =
        lab.plan.segments.iter().flat_map(|s| s.ports.iter()).filter(|p| p.endpoint.node == from).collect();
    lab.lab.sh("fabric", &tunnel::fabric_script(&lab.plan, &ports, &lab.fabric, &lab.nodes).unwrap());
    lab.lab.sh("fabric", &fabric::attach_script(&lab.plan, &ports));
    // The node's script made its ends again, so their addresses are gone with them.
    lab.lab.sh(
        &from,
        &format!(
            "ip address add 10.250.{}.1/24 dev {}",
            lab.plan.segments.iter().position(|s| s.name == segment.name).unwrap(),
            port.endpoint.interface
        ),
    );
    assert!(lab.pings(&from, &to, ""), "r1 back on its cable");
}

#[test]
fn both_ends_of_every_cable_agree_on_a_network_identifier_no_other_cable_has() {
    let plan = planned("ospf-multi-area.yml");
    let ports: Vec<_> = plan.segments.iter().flat_map(|s| s.ports.iter()).collect();
    let vnis: std::collections::HashSet<u32> = ports.iter().map(|p| tunnel::vni(&plan, p)).collect();
    assert_eq!(vnis.len(), ports.len());
    let fabric = Underlay {
        interface: "eth0".into(),
        address: Ipv4Addr::new(172, 31, 0, 1),
        prefix_len: 24,
        gateway: None,
    };
    let some_node = &ports[0].endpoint.node;
    let nodes: BTreeMap<String, Ipv4Addr> = [(some_node.clone(), Ipv4Addr::new(172, 31, 0, 2))].into();
    let err = tunnel::fabric_script(&plan, &ports, &fabric, &nodes).unwrap_err();
    assert!(err.contains("has no underlay address"), "{err}");
}
