//! Planning the example labs: the configuration asbuilt deploys follows the design,
//! leaves the student's parts blank, and writes faults in.

use std::path::Path;

use asbuilt::design::{Design, Lab};
use asbuilt::plan::{ImageChoice, InstanceId, Plan, plan};
use asbuilt::topology::Source;

/// Every example lab in topologies/.
const EXAMPLES: [&str; 13] = [
    "eerste-lan.yml",
    "statisch-routeren.yml",
    "ospf.yml",
    "dmz.yml",
    "dhcp-dns.yml",
    "vlans.yml",
    "storingen.yml",
    "bgp-drie-as.yml",
    "kathara-stijl.yml",
    "rip.yml",
    "ospf-multi-area.yml",
    "dual-stack.yml",
    "ospf-dual-stack.yml",
];

fn design(name: &str, student: Option<&str>) -> Design {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("topologies").join(name);
    Lab::load(&Source::read(&path).unwrap()).unwrap().design_for(student)
}

fn planned(name: &str) -> Plan {
    let d = design(name, None);
    plan(&d, InstanceId::for_lab(&d.lab, None))
}

fn file<'a>(p: &'a Plan, node: &str, path: &str) -> Option<&'a str> {
    p.node(node)?.files.iter().find(|f| f.path == path).map(|f| f.content.as_str())
}

#[test]
fn prebuilt_routers_get_their_addresses_in_frr_and_student_routes_stay_blank() {
    let p = planned("statisch-routeren.yml");
    let frr = file(&p, "r1", "/etc/frr/frr.conf").unwrap();
    assert!(frr.contains("interface eth1\n ip address 10.0.12.1/30\nexit"), "{frr}");
    assert!(!frr.contains("ip route"), "the student builds r1's routes:\n{frr}");
    assert!(frr.contains("hostname r1"));
}

#[test]
fn ospf_is_configured_per_interface_with_passive_lans() {
    let d = design("ospf.yml", None);
    // Make the student's part prebuilt to see what asbuilt would configure.
    let mut d = d;
    for n in d.nodes.values_mut() {
        n.student_builds.clear();
    }
    let p = plan(&d, InstanceId::for_lab("ospf", None));
    let frr = file(&p, "r1", "/etc/frr/frr.conf").unwrap();
    assert!(frr.contains(" ip ospf area 0.0.0.0"), "{frr}");
    assert!(frr.contains("router ospf\n ospf router-id 10.255.255.1\n passive-interface eth3\n"), "{frr}");
    assert!(frr.contains("interface lo\n ip address 10.255.255.1/32"), "{frr}");
}

#[test]
fn the_firewall_ruleset_follows_the_policy() {
    let mut d = design("dmz.yml", None);
    d.nodes["fw"].student_builds.clear();
    let p = plan(&d, InstanceId::for_lab("dmz", None));
    let nft = file(&p, "fw", "/etc/nftables.conf").unwrap();
    assert!(nft.contains("policy drop;"), "{nft}");
    assert!(nft.contains("ct state established,related accept"));
    assert!(nft.contains(r#"iifname "eth3" oifname "eth2" tcp dport { 80, 443 } accept comment "allow lan -> dmz tcp/80,443""#), "{nft}");
    assert!(nft.contains(r#"iifname "eth1" oifname "eth2" tcp dport 80 accept"#), "{nft}");
    assert!(nft.contains(r#"oifname "eth1" masquerade"#), "{nft}");
}

fn fixture(name: &str) -> Design {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/checks").join(name);
    Lab::load(&Source::read(&path).unwrap()).unwrap().design_for(None)
}

#[test]
fn a_nat_router_gets_its_masquerade_and_port_forward_in_nftables_and_no_filter() {
    let mut d = fixture("router-nat.yml");
    d.nodes["edge"].student_builds.clear();
    let p = plan(&d, InstanceId::for_lab("router-nat", None));
    let nft = file(&p, "edge", "/etc/nftables.conf").expect("a rule set for the router's NAT");
    assert!(nft.contains(r#"oifname "eth1" masquerade"#), "{nft}");
    assert!(nft.contains(r#"iifname "eth1" tcp dport 8080 dnat ip to 192.168.1.10:80"#), "{nft}");
    assert!(!nft.contains("policy drop") && !nft.contains("chain input"), "a router filters nothing:\n{nft}");
    let script = p.node("edge").unwrap().configure.as_deref().unwrap();
    assert!(script.contains("asbuilt-service reload nftables"), "{script}");
}

#[test]
fn a_routers_nat_that_the_student_builds_is_left_blank() {
    let d = fixture("router-nat.yml");
    let p = plan(&d, InstanceId::for_lab("router-nat", None));
    assert!(file(&p, "edge", "/etc/nftables.conf").is_none());
    assert!(file(&p, "isp", "/etc/nftables.conf").is_none(), "a router without NAT gets no rule set");
}

#[test]
fn a_student_built_firewall_gets_no_rules_and_no_addresses() {
    let p = planned("dmz.yml");
    let fw = p.node("fw").unwrap();
    assert!(
        file(&p, "fw", "/etc/nftables.conf").is_none(),
        "no firewall config for a student-built firewall"
    );
    let frr = file(&p, "fw", "/etc/frr/frr.conf").unwrap();
    assert!(!frr.contains("ip address"), "{frr}");
    assert_eq!(fw.interfaces, ["eth1", "eth2", "eth3"]);
}

#[test]
fn hosts_are_configured_with_ip_and_servers_get_their_services() {
    let p = planned("dhcp-dns.yml");
    let web = p.node("web").unwrap();
    let script = web.configure.as_deref().unwrap();
    assert!(script.contains("ip address add 192.168.50.3/24 dev eth1"), "{script}");
    assert!(script.contains("ip -4 route replace default via 192.168.50.1"), "{script}");
    assert!(file(&p, "web", "/var/www/html/index.html").unwrap().contains("Veenstra intranet"));
    // srv's dhcp and dns are the student's: no dnsmasq configuration.
    assert!(file(&p, "srv", "/etc/dnsmasq.d/asbuilt.conf").is_none());
    // DHCP clients ask once everything is configured.
    assert!(p.node("pc1").unwrap().after_all.as_deref().unwrap().contains("dhclient -nw"));
}

#[test]
fn faults_are_written_into_the_configuration_or_applied_after_it() {
    let p = planned("storingen.yml");
    let r1 = file(&p, "r1", "/etc/frr/frr.conf").unwrap();
    assert!(!r1.contains("ip route 10.1.2.0/24"), "the removed route is not configured:\n{r1}");
    let r2 = file(&p, "r2", "/etc/frr/frr.conf").unwrap();
    assert!(r2.contains("ip route 192.168.1.0/24 10.1.12.1"), "{r2}");
    let pc2 = p.node("pc2").unwrap().configure.as_deref().unwrap();
    assert!(pc2.contains("192.168.2.22/24") && !pc2.contains("192.168.1.22/24"), "{pc2}");
    let agenda = p.node("agenda").unwrap().break_faults.as_deref().unwrap();
    assert!(agenda.contains("asbuilt-service stop nginx"), "{agenda}");
    assert_eq!(p.links.len(), 1);
    assert_eq!(p.links[0].1.loss_percent, 40.0);
}

#[test]
fn nodes_get_only_their_kinds_privileges_and_every_cable_end_a_fabric_port() {
    for lab in EXAMPLES {
        let p = planned(lab);
        for node in &p.nodes {
            let has_sys_admin = node.capabilities.iter().any(|c| c == "SYS_ADMIN");
            assert_eq!(has_sys_admin, node.kind.routes(), "{lab}: {}", node.name);
            assert!(matches!(node.image, ImageChoice::Builtin(_)));
            for iface in &node.interfaces {
                let ep = asbuilt::design::Endpoint { node: node.name.clone(), interface: iface.clone() };
                assert!(p.port_of(&ep).is_some(), "{lab}: {ep} has no fabric port");
            }
        }
    }
}

#[test]
fn switches_get_a_vlan_aware_bridge() {
    let mut d = design("vlans.yml", None);
    d.nodes["sw1"].student_builds.clear();
    let p = plan(&d, InstanceId::for_lab("vlans", None));
    let sw = p.node("sw1").unwrap().configure.as_deref().unwrap();
    assert!(sw.contains("ip link add br0 type bridge mcast_snooping 0 vlan_filtering 1"), "{sw}");
    assert!(sw.contains("bridge vlan add dev eth2 vid 10 pvid untagged"), "{sw}");
    assert!(sw.contains("bridge vlan add dev eth1 vid 20"), "{sw}");
    let r1 = p.node("r1").unwrap().configure.as_deref().unwrap();
    assert!(r1.contains("ip link add link eth1 name eth1.10 type vlan id 10"), "{r1}");
}

#[test]
fn a_plan_and_its_design_survive_a_round_trip_through_json() {
    for lab in EXAMPLES {
        let d = design(lab, Some("s1"));
        let p = plan(&d, InstanceId::for_lab(&d.lab, Some("s1")));
        let back: Design = serde_json::from_str(&serde_json::to_string(&d).unwrap()).unwrap();
        assert_eq!(back, d, "{lab}");
        let plan_back: Plan = serde_json::from_str(&serde_json::to_string(&p).unwrap()).unwrap();
        assert_eq!(serde_json::to_value(&plan_back).unwrap(), serde_json::to_value(&p).unwrap(), "{lab}");
    }
}

#[test]
fn a_switch_without_vlans_is_a_plain_bridge_any_kernel_supports() {
    let p = plan(&design("eerste-lan.yml", None), InstanceId::for_lab("x", None));
    let sw = p.node("sw1").unwrap().configure.as_deref().unwrap();
    assert!(sw.contains("ip link add br0 type bridge mcast_snooping 0\n"), "{sw}");
    assert!(!sw.contains("vlan_filtering"), "{sw}");
    assert!(!p.needs_vlans);
}
