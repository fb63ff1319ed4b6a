//! BGP without a lab running: the FRR configuration asbuilt renders for the three-AS
//! example, the checks derived from it, and what the simulation expects when a part is
//! left blank.

use std::path::Path;

use asbuilt::checks::derive;
use asbuilt::checks::model::{PartRef, ProbeSpec};
use asbuilt::design::{Design, Lab, Part};
use asbuilt::plan::{InstanceId, Plan, plan};
use asbuilt::topology::Source;

fn design(student: Option<&str>) -> Design {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("topologies/bgp-drie-as.yml");
    Lab::load(&Source::read(&path).unwrap()).unwrap().design_for(student)
}

fn frr(p: &Plan, node: &str) -> String {
    p.node(node).unwrap().files.iter().find(|f| f.path == "/etc/frr/frr.conf").unwrap().content.clone()
}

#[test]
fn the_solution_renders_bgp_with_its_policy_for_frr() {
    let d = design(None).solution();
    let p = plan(&d, InstanceId::for_lab(&d.lab, None));
    let r1 = frr(&p, "r1");
    for line in [
        "ip prefix-list r2-lan seq 5 permit 198.51.100.0/26\n",
        "ip prefix-list host-routes seq 5 permit 0.0.0.0/0 ge 32\n",
        "route-map from-r3 deny 10\n match ip address prefix-list host-routes\nexit\n",
        "route-map from-r3 permit 20\n match ip address prefix-list r2-lan\n set local-preference 200\nexit\n",
        "route-map from-r3 permit 30\nexit\n",
        "router bgp 65001\n bgp router-id 203.0.113.194\n no bgp ebgp-requires-policy\n no bgp default ipv4-unicast\n",
        " neighbor 192.0.2.194 remote-as 65002\n",
        " neighbor 203.0.113.193 remote-as 65003\n",
        " address-family ipv4 unicast\n  network 192.0.2.0/26\n  network 192.0.2.192/30\n  network 203.0.113.192/30\n",
        "  neighbor 192.0.2.194 activate\n  neighbor 192.0.2.194 route-map from-r2 in\n",
        "  neighbor 203.0.113.193 activate\n  neighbor 203.0.113.193 route-map from-r3 in\n",
        " exit-address-family\nexit\n",
    ] {
        assert!(r1.contains(line), "r1 lacks {line:?}:\n{r1}");
    }
    // No IPv6 in this lab: no IPv6 address family.
    assert!(!r1.contains("ipv6 unicast"), "{r1}");
    assert!(p.node("r1").unwrap().frr_daemons.contains(&"bgpd".to_string()));
    assert!(!p.node("pc1").unwrap().frr_daemons.contains(&"bgpd".to_string()));
}

#[test]
fn a_student_who_builds_bgp_gets_bgpd_running_and_no_bgp_configuration() {
    let d = design(Some("s1"));
    let p = plan(&d, InstanceId::for_lab(&d.lab, Some("s1")));
    let r1 = frr(&p, "r1");
    assert!(!r1.contains("router bgp") && !r1.contains("route-map") && !r1.contains("prefix-list"), "{r1}");
    let node = p.node("r1").unwrap();
    assert!(node.frr_daemons.contains(&"bgpd".to_string()));
    assert!(node.configure.as_deref().unwrap().contains("bgpd=yes"));
    // r2 and r3 are prebuilt.
    assert!(frr(&p, "r2").contains("router bgp 65002\n"));
}

#[test]
fn sessions_routes_and_the_policys_choice_are_derived() {
    let d = design(None);
    let suite = derive::suite(&d);
    for id in [
        "bgp-session/r1/r2",
        "bgp-session/r2/r1",
        "bgp-session/r1/r3",
        "bgp-session/r3/r1",
        "bgp-session/r2/r3",
        "bgp-session/r3/r2",
    ] {
        let check = suite.check(id).unwrap_or_else(|| panic!("{id} is derived"));
        assert_eq!(check.trains[0].0, "B1-K2-W1");
    }
    let session = suite.check("bgp-session/r1/r2").unwrap();
    assert!(
        matches!(&session.probe, ProbeSpec::BgpSession { remote_as: 65002, address, .. } if address.to_string() == "192.0.2.194")
    );
    // Local preference 200 on r3's path beats the shorter path straight to AS 65002.
    let policy = suite.check("bgp-route/r1/198.51.100.0/26").unwrap();
    assert!(
        matches!(&policy.probe, ProbeSpec::BgpRoute { as_paths, .. } if as_paths == &vec![vec![65003, 65002]])
    );
    // Without a policy the shortest path wins: r3 goes straight to r2's LAN.
    let direct = suite.check("bgp-route/r3/198.51.100.0/26").unwrap();
    assert!(matches!(&direct.probe, ProbeSpec::BgpRoute { as_paths, .. } if as_paths == &vec![vec![65002]]));
    // r1's prefix list keeps r3's host route out; r2 has it.
    assert!(suite.check("bgp-route/r1/203.0.113.255/32").is_none());
    assert!(suite.check("bgp-route/r2/203.0.113.255/32").is_some());
    // Reachability across the ASes is expected, over BGP's routes.
    assert!(
        suite.check("reach/pc1/pc2").is_some(),
        "{:?}",
        suite.checks.iter().map(|c| &c.id).collect::<Vec<_>>()
    );
}

#[test]
fn a_blank_bgp_part_takes_down_its_sessions_routes_and_the_reachability_resting_on_them() {
    let d = design(Some("s1"));
    let suite = derive::suite(&d);
    let r1 = PartRef { node: "r1".into(), part: Part::Bgp };
    let depends = |id: &str| suite.check(id).unwrap_or_else(|| panic!("{id}")).depends_on.contains(&r1);
    assert!(depends("bgp-session/r1/r2") && depends("bgp-session/r2/r1"));
    assert!(depends("bgp-route/r1/198.51.100.0/26"));
    assert!(depends("bgp-route/r2/192.0.2.0/26"), "r1 announces its LAN");
    assert!(depends("reach/pc1/pc2"));
    assert!(!depends("bgp-session/r2/r3"), "r2 and r3 keep their session");
    assert!(!depends("bgp-route/r3/198.51.100.0/26"));
    assert!(!depends("reach/pc2/pc3"), "r2 and r3 reach each other's LANs without r1");
}

#[test]
fn a_dual_stack_peering_has_one_session_per_family_each_with_its_own_networks() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/labs/bgp-dual-stack.yml");
    let d = Lab::load(&Source::read(&path).unwrap()).unwrap().design_for(None).solution();
    let p = plan(&d, InstanceId::for_lab(&d.lab, None));
    let r1 = frr(&p, "r1");
    for line in [
        " neighbor 192.0.2.2 remote-as 65002\n",
        " neighbor 2001:db8:12::2 remote-as 65002\n",
        " address-family ipv4 unicast\n  network 198.51.100.0/25\n  neighbor 192.0.2.2 activate\n exit-address-family\n",
        " address-family ipv6 unicast\n  network 2001:db8:1::/64\n  neighbor 2001:db8:12::2 activate\n exit-address-family\n",
    ] {
        assert!(r1.contains(line), "{line:?} in\n{r1}");
    }
    let suite = derive::suite(&d);
    let ids: Vec<&str> = suite.checks.iter().map(|c| c.id.as_str()).collect();
    for id in [
        "bgp-session/r1/r2",
        "bgp-session6/r1/r2",
        "bgp-route/r1/2001:db8:2::/64",
        "bgp-route/r2/198.51.100.0/25",
    ] {
        assert!(ids.contains(&id), "{id} in {ids:?}");
    }
    let mut unique = ids.clone();
    unique.sort();
    unique.dedup();
    assert_eq!(unique.len(), ids.len(), "one id per check: {ids:?}");
    let world = asbuilt::checks::sim::World::of(&d);
    for c in &suite.checks {
        assert!(asbuilt::checks::sim::holds::holds(&world, &c.probe), "{}", c.id);
    }
}
