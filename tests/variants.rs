//! Per-student variants: deterministic per (lab, student), different between students,
//! and consistent everywhere an address appears.

use std::collections::HashSet;
use std::net::IpAddr;
use std::path::Path;

use asbuilt::design::{Design, Lab, Probe, Selector};
use asbuilt::topology::Source;
use ipnet::IpNet;

fn lab(name: &str) -> Lab {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("topologies").join(name);
    Lab::load(&Source::read(&path).unwrap()).unwrap()
}

fn subnets(design: &Design) -> HashSet<IpNet> {
    design.nodes.values().flat_map(|n| n.addresses().map(|(_, a)| a.trunc())).collect()
}

#[test]
fn the_same_student_gets_the_same_plan_twice() {
    let dmz = lab("dmz.yml");
    assert_eq!(dmz.design_for(Some("a")), dmz.design_for(Some("a")));
    let reloaded = lab("dmz.yml");
    assert_eq!(dmz.design_for(Some("a")), reloaded.design_for(Some("a")));
}

#[test]
fn two_students_get_different_plans() {
    let dmz = lab("dmz.yml");
    let a = dmz.design_for(Some("a"));
    let b = dmz.design_for(Some("b"));
    assert_ne!(subnets(&a), subnets(&b));
    assert_ne!(a.variant.as_ref().unwrap().seed, b.variant.as_ref().unwrap().seed);
}

#[test]
fn without_a_student_the_teachers_plan_is_used_as_written() {
    let dmz = lab("dmz.yml");
    let plan = dmz.design_for(None);
    assert!(plan.variant.is_none());
    let web = plan.node("web").unwrap();
    assert_eq!(web.interfaces["eth1"].addresses[0].to_string(), "172.16.1.10/24");
}

#[test]
fn a_students_plan_is_consistent_everywhere() {
    let dmz = lab("dmz.yml");
    for student in ["a", "b", "s123456", "jan.de.vries"] {
        let d = dmz.design_for(Some(student));
        let swaps = &d.variant.as_ref().unwrap().subnets;
        assert_eq!(swaps.len(), 2);
        for swap in swaps {
            assert!(swap.student != swap.teacher || student.is_empty());
            // Nothing of the teacher's varying subnets is left anywhere in the design.
            let text = serde_json::to_string(&d.nodes).unwrap();
            let teacher_prefix = swap.teacher.to_string().rsplit_once('.').unwrap().0.to_string();
            assert!(
                !text.contains(&format!("\"{teacher_prefix}.")),
                "{student}: {teacher_prefix} left in {text}"
            );
        }
        let web = d.node("web").unwrap().interfaces["eth1"].addresses[0];
        let fw_dmz = d.node("fw").unwrap().interfaces["eth2"].addresses[0];
        let pc1 = d.node("pc1").unwrap();
        let fw_lan = d.node("fw").unwrap().interfaces["eth3"].addresses[0];
        // Each segment is still one subnet, and gateways point into it.
        assert_eq!(web.trunc(), fw_dmz.trunc());
        assert_eq!(pc1.interfaces["eth1"].addresses[0].trunc(), fw_lan.trunc());
        assert_eq!(pc1.gateways, vec![fw_lan.addr()]);
        assert_eq!(d.node("web").unwrap().gateways, vec![fw_dmz.addr()]);
        // The provider's route to the DMZ follows the student's DMZ.
        let isp_route = d.node("isp").unwrap().routes[0];
        assert_eq!(isp_route.to, web.trunc());
        // The task text names the student's own web server.
        assert!(d.task.nl.as_ref().unwrap().contains(&format!("curl http://{}/", web.addr())));
        // Checks probe the student's own addresses.
        for check in &d.checks {
            if let Probe::Http { url, .. } = &check.probe {
                assert_eq!(url, &format!("http://{}/", web.addr()));
            }
        }
        // Firewall rules that name hosts follow them too.
        let fw = d.node("fw").unwrap().firewall.as_ref().unwrap();
        for rule in &fw.rules {
            if let Selector::Hosts { nets, .. } = &rule.to {
                assert!(nets.iter().all(|n| !swaps.iter().any(|s| s.teacher.contains(&n.addr()))));
            }
        }
    }
}

#[test]
fn students_never_get_a_subnet_that_clashes_with_a_fixed_one() {
    let dmz = lab("dmz.yml");
    for i in 0..300 {
        let d = dmz.design_for(Some(&format!("student-{i}")));
        let nets: Vec<IpNet> = d
            .nodes
            .values()
            .flat_map(|n| n.addresses().map(|(_, a)| a.trunc()))
            .collect::<HashSet<_>>()
            .into_iter()
            .collect();
        for (x, a) in nets.iter().enumerate() {
            for b in &nets[x + 1..] {
                assert!(!a.contains(b) && !b.contains(a), "student-{i}: {a} overlaps {b}");
            }
        }
    }
}

#[test]
fn the_first_lan_lab_moves_the_gateway_with_the_lan() {
    let first = lab("eerste-lan.yml");
    let d = first.design_for(Some("s1"));
    let r1: IpAddr = d.node("r1").unwrap().interfaces["eth1"].addresses[0].addr();
    assert_eq!(d.node("pc1").unwrap().gateways, vec![r1]);
    assert!(d.task.en.as_ref().unwrap().contains(&r1.to_string()));
}

#[test]
fn a_students_dhcp_range_moves_with_their_subnet_in_the_design_and_the_task() {
    let office = lab("dhcp-dns.yml");
    let teacher = office.design_for(None).nodes["srv"].services.dhcp.clone().unwrap();
    assert_eq!(teacher.first.to_string(), "192.168.50.100");
    for student in ["s1", "s2"] {
        let d = office.design_for(Some(student));
        let dhcp = d.node("srv").unwrap().services.dhcp.clone().unwrap();
        let lan = d.node("r1").unwrap().interfaces["eth1"].addresses[0].trunc();
        assert_ne!(dhcp.subnet, teacher.subnet, "{student} gets their own LAN");
        assert_eq!(dhcp.subnet, lan);
        assert!(lan.contains(&IpAddr::V4(dhcp.first)) && lan.contains(&IpAddr::V4(dhcp.last)));
        // `.100` stays `.100`: the range keeps its place in the subnet.
        assert_eq!(dhcp.first.octets()[3], 100);
        assert_eq!(dhcp.last.octets()[3], 199);
        // The task names the student's own range, not the teacher's.
        for text in [d.task.nl.as_ref().unwrap(), d.task.en.as_ref().unwrap()] {
            assert!(
                text.contains(&format!("`{}`", dhcp.first)) && text.contains(&format!("`{}`", dhcp.last)),
                "{text}"
            );
            assert!(!text.contains("192.168.50.") && !text.contains("{dhcp-"), "{text}");
        }
    }
}

/// BGP's addresses move with their subnets: neighbours, networks and prefix lists.
#[test]
fn bgp_facts_move_with_the_students_subnets() {
    let bgp = lab("bgp-drie-as.yml");
    let teacher = bgp.design_for(None);
    let mut moved = 0;
    for student in ["a", "b", "c", "s123456", "jan.de.vries"] {
        let d = bgp.design_for(Some(student));
        for node in d.nodes.values() {
            let Some(b) = &node.bgp else { continue };
            for net in &b.networks {
                assert!(
                    node.addresses().any(|(_, a)| a.trunc() == *net),
                    "{student}: {} announces {net}, which it is not on",
                    node.name
                );
            }
            for n in &b.neighbours {
                assert!(
                    node.addresses().any(|(i, a)| i.name != "lo" && a.contains(&n.address)),
                    "{student}: {}'s neighbour {} is on none of its subnets",
                    node.name,
                    n.address
                );
                let peer = d.node(n.node.as_deref().unwrap()).unwrap();
                assert!(
                    peer.addresses().any(|(_, a)| a.addr() == n.address),
                    "{student}: not {}'s",
                    peer.name
                );
            }
        }
        let r2_lan = d.node("r2").unwrap().interfaces["eth3"].addresses[0].trunc();
        let r1 = d.node("r1").unwrap().bgp.as_ref().unwrap();
        assert_eq!(r1.prefix_lists["r2-lan"][0].prefix, r2_lan, "{student}");
        if d.node("r1").unwrap().bgp != teacher.node("r1").unwrap().bgp {
            moved += 1;
        }
    }
    assert!(moved > 0, "some student's BGP differs from the teacher's");
}
