//! RIP and OSPF detail, pure: the design of the example labs, the FRR configuration
//! asbuilt writes, the checks derived from them and what depends on the student's part.

use std::collections::BTreeSet;
use std::path::Path;

use asbuilt::checks::derive;
use asbuilt::checks::model::{ProbeSpec, Suite};
use asbuilt::checks::sim::{World, holds::holds};
use asbuilt::design::{Design, Lab};
use asbuilt::plan::{InstanceId, Plan, plan};
use asbuilt::topology::Source;

/// The example labs of this module.
const LABS: [&str; 3] = ["rip.yml", "ospf-multi-area.yml", "ospf-dual-stack.yml"];

fn example(name: &str, student: Option<&str>) -> Design {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("topologies").join(name);
    Lab::load(&Source::read(&path).unwrap()).unwrap().design_for(student)
}

fn inline(yaml: &str) -> Design {
    Lab::load(&Source::new("inline.yml", yaml.to_string()))
        .unwrap_or_else(|e| panic!("{e:?}"))
        .design_for(None)
}

fn planned(design: &Design) -> Plan {
    plan(design, InstanceId::for_lab(&design.lab, None))
}

fn frr<'a>(p: &'a Plan, node: &str) -> &'a str {
    let n = p.node(node).unwrap();
    n.files.iter().find(|f| f.path == "/etc/frr/frr.conf").map(|f| f.content.as_str()).unwrap()
}

fn ids(suite: &Suite) -> Vec<&str> {
    suite.checks.iter().map(|c| c.id.as_str()).collect()
}

#[test]
fn every_check_of_the_routing_labs_passes_in_the_simulated_lab() {
    for name in LABS {
        for student in [None, Some("s100001")] {
            let design = example(name, student);
            let suite = derive::suite(&design);
            let world = World::of(&design);
            for check in &suite.checks {
                let trip = match &check.probe {
                    ProbeSpec::Traceroute { from, to, .. } => {
                        format!("{:?}", world.round_trip(from, to.address, asbuilt::checks::sim::Flow::Icmp))
                    }
                    _ => String::new(),
                };
                assert!(
                    holds(&world, &check.probe),
                    "{name} for {student:?}: {} does not hold {trip}",
                    check.id
                );
                let family = check.id.split('/').next().unwrap();
                let derived = check.origin == asbuilt::checks::model::Origin::Derived;
                assert!(
                    !derived || asbuilt::design::Grading::FAMILIES.contains(&family),
                    "{name}: {}",
                    check.id
                );
            }
        }
    }
}

#[test]
fn a_prebuilt_rip_router_gets_router_rip_and_a_students_only_the_daemon() {
    let design = example("rip.yml", None);
    let p = planned(&design);
    let r1 = frr(&p, "r1");
    assert!(
        r1.contains("router rip\n version 2\n network eth1\n network eth2\n network eth3\n passive-interface eth3\nexit\n"),
        "{r1}"
    );
    assert!(!r1.contains("router ripng"), "no IPv6 in the lab: {r1}");
    assert_eq!(p.node("r1").unwrap().frr_daemons, vec!["ripd".to_string()]);
    let r2 = frr(&p, "r2");
    assert!(!r2.contains("router rip"), "the student builds RIP on r2:\n{r2}");
    assert_eq!(p.node("r2").unwrap().frr_daemons, vec!["ripd".to_string()], "but the daemon runs");
    assert!(p.node("pc1").unwrap().frr_daemons.is_empty());
}

#[test]
fn ipv6_interfaces_in_rip_get_ripng() {
    let design = inline(
        r#"
lab: ripng
title: RIPng
nodes:
  r1: { kind: router }
  r2: { kind: router }
links:
  - r1:eth1 -- r2:eth1
  - r1:eth2 -- r2:eth2
design:
  addresses:
    r1:eth1: [10.0.12.1/30, 2001:db8:12::1/64]
    r2:eth1: [10.0.12.2/30, 2001:db8:12::2/64]
    r1:eth2: 2001:db8:3::1/64
    r2:eth2: 2001:db8:3::2/64
  rip:
    r1: { passive: [eth2], redistribute: [static] }
    r2: { interfaces: [eth1] }
"#,
    );
    let p = planned(&design);
    let r1 = frr(&p, "r1");
    assert!(r1.contains("router rip\n version 2\n network eth1\n redistribute static\nexit\n"), "{r1}");
    assert!(
        r1.contains("router ripng\n network eth1\n network eth2\n passive-interface eth2\n redistribute static\nexit\n"),
        "{r1}"
    );
    assert_eq!(p.node("r1").unwrap().frr_daemons, vec!["ripd".to_string(), "ripngd".to_string()]);
    // r2 hears r1's passive eth2 subnet through eth1 only if r1 announces it: it does.
    let suite = derive::suite(&design);
    let check = suite.check("rip-route/r2/2001:db8:3::/64");
    assert!(check.is_none(), "r2 is on 2001:db8:3::/64 itself: {:?}", ids(&suite));
    let world = World::of(&design);
    assert!(world.rip.learned.get("r1").is_none_or(|r| r.is_empty()), "r2 announces nothing r1 lacks");
}

#[test]
fn rip_routes_follow_the_hop_count_and_accept_every_equal_next_hop() {
    let design = example("rip.yml", None);
    let suite = derive::suite(&design);
    let have = ids(&suite);
    let r1: Vec<&&str> = have.iter().filter(|i| i.starts_with("rip-route/r1/")).collect();
    // Three LANs and the two links r1 is not on.
    assert_eq!(r1.len(), 5, "{r1:?}");
    let next_to = suite.check("rip-route/r1/192.168.2.0/24").unwrap();
    let ProbeSpec::RipRoute { via, .. } = &next_to.probe else { panic!() };
    assert_eq!(via, &vec!["10.0.12.2".parse::<std::net::IpAddr>().unwrap()], "straight to r2");
    assert!(next_to.title.en.as_deref().unwrap().contains("from r2 (metric 2)"), "{:?}", next_to.title);
    let across = suite.check("rip-route/r1/192.168.3.0/24").unwrap();
    let ProbeSpec::RipRoute { via, .. } = &across.probe else { panic!() };
    let via: BTreeSet<String> = via.iter().map(ToString::to_string).collect();
    assert_eq!(
        via,
        BTreeSet::from(["10.0.12.2".to_string(), "10.0.41.1".to_string()]),
        "r2 or r4, both 3 hops"
    );
    assert!(across.retries >= 5, "RIP gets time to converge");
}

#[test]
fn rip_checks_depend_on_the_routers_on_the_way() {
    let design = example("rip.yml", None);
    let suite = derive::suite(&design);
    let parts = |id: &str| -> BTreeSet<String> {
        suite.check(id).unwrap().depends_on.iter().map(ToString::to_string).collect()
    };
    assert!(parts("rip-route/r1/192.168.2.0/24").contains("r2:rip"));
    assert!(parts("reach/pc1/pc2").contains("r2:rip"), "{:?}", parts("reach/pc1/pc2"));
    // Between r1 and r4 RIP is prebuilt at both ends: nothing the student does matters.
    let students = |parts: BTreeSet<String>| {
        parts.into_iter().filter(|p| p.starts_with("r2:") || p.starts_with("r3:")).count()
    };
    assert_eq!(
        students(parts("rip-route/r1/192.168.4.0/24")),
        0,
        "{:?}",
        parts("rip-route/r1/192.168.4.0/24")
    );
    assert_eq!(students(parts("reach/pc1/pc4")), 0, "{:?}", parts("reach/pc1/pc4"));
    // r3's LAN is reached through r4 when r2 is blank, but not when r3 is.
    let across = parts("rip-route/r1/192.168.3.0/24");
    assert!(across.contains("r3:rip") && !across.contains("r2:rip"), "{across:?}");
}

#[test]
fn rip_check_ids_are_the_teachers_and_probes_the_students() {
    let teacher = derive::suite(&example("rip.yml", None));
    let design = example("rip.yml", Some("s100001"));
    let student = derive::suite(&design);
    assert_eq!(ids(&student), ids(&teacher));
    let check = student.check("rip-route/r2/192.168.1.0/24").expect("named by the teacher's subnet");
    let ProbeSpec::RipRoute { to, .. } = &check.probe else { panic!() };
    assert_ne!(to.to_string(), "192.168.1.0/24", "but checks the student's own");
    assert_eq!(Some(*to), design.nodes["pc1"].interfaces["eth1"].addresses.first().map(|a| a.trunc()));
}

#[test]
fn ospf_costs_network_types_priorities_and_stub_areas_are_written_into_frr() {
    let design = example("ospf-multi-area.yml", None).solution();
    let p = planned(&design);
    let r1 = frr(&p, "r1");
    assert!(
        r1.contains(
            "interface eth1\n ip address 10.0.12.1/30\n ip ospf area 0.0.0.0\n ip ospf cost 100\nexit"
        ),
        "{r1}"
    );
    assert!(r1.contains("interface eth2\n ip address 10.0.13.1/30\n ip ospf area 0.0.0.0\n ip ospf cost 10\n ip ospf priority 200\nexit"), "{r1}");
    assert!(r1.contains(" default-information originate always\n"), "{r1}");
    let r2 = frr(&p, "r2");
    assert!(r2.contains(" area 0.0.0.1 stub no-summary\n"), "{r2}");
    let r3 = frr(&p, "r3");
    assert!(r3.contains(" ip ospf area 0.0.0.2\n ip ospf network point-to-point\n"), "{r3}");
    assert!(r3.contains(" ip ospf priority 0\n"), "{r3}");
    let r4 = frr(&p, "r4");
    assert!(r4.contains(" area 0.0.0.1 stub\n"), "{r4}");
    assert!(!r4.contains("no-summary"), "{r4}");
    // As students get it, r2 and r4 have no OSPF at all, but run the daemon.
    let handed_out = planned(&example("ospf-multi-area.yml", None));
    assert!(!frr(&handed_out, "r2").contains("router ospf"));
    assert!(handed_out.node("r2").unwrap().frr_daemons.contains(&"ospfd".to_string()));
}

#[test]
fn costs_decide_the_path_and_the_checked_route_cost() {
    let design = example("ospf-multi-area.yml", None);
    let suite = derive::suite(&design);
    // r1 reaches r2's side through r3: 10 + 10 beats the direct 100.
    let check = suite.check("ospf-route/r1/10.1.24.0/30").expect("r1 learns area 1's link");
    let ProbeSpec::OspfRoute { metric, via, .. } = &check.probe else { panic!() };
    assert_eq!(*metric, Some(30), "r1-r3 10, r3-r2 10, r2's eth3 10");
    assert_eq!(via, &vec!["10.0.13.2".parse::<std::net::IpAddr>().unwrap()]);
    // The totally stubby area gets only a default route from its border router.
    let default = suite.check("ospf-route/r4/0.0.0.0/0").expect("r4's default from r2");
    let ProbeSpec::OspfRoute { metric, .. } = &default.probe else { panic!() };
    assert_eq!(*metric, Some(11), "r4's eth1 10 and the stub default's 1");
    assert!(suite.check("ospf-route/r4/192.168.1.0/24").is_none(), "no summaries: {:?}", ids(&suite));
    assert!(suite.check("ospf-route/r4/192.168.5.0/24").is_none());
    // Area 2 is normal: r5 hears of everything, and of r1's external default.
    assert!(suite.check("ospf-route/r5/192.168.4.0/24").is_some(), "{:?}", ids(&suite));
    let external = suite.check("ospf-route/r5/0.0.0.0/0").expect("r1's default reaches area 2");
    let ProbeSpec::OspfRoute { metric, .. } = &external.probe else { panic!() };
    assert_eq!(*metric, Some(1), "an E2 default keeps FRR's metric for it");
    // The explicit traceroute follows the costs in the simulated lab.
    let trace = suite.checks.iter().find(|c| matches!(c.probe, ProbeSpec::Traceroute { .. })).unwrap();
    assert!(holds(&World::of(&design), &trace.probe));
}

#[test]
fn ospf_interfaces_are_checked_for_what_the_design_states() {
    let design = example("ospf-multi-area.yml", None);
    let suite = derive::suite(&design);
    let probe =
        |id: &str| suite.check(id).unwrap_or_else(|| panic!("{id} in {:?}", ids(&suite))).probe.clone();
    let ProbeSpec::OspfInterface { cost, network, role, .. } = probe("ospf-interface/r2:eth1") else {
        panic!()
    };
    assert_eq!((cost, network, role), (Some(100), None, None));
    let ProbeSpec::OspfInterface { network, .. } = probe("ospf-interface/r5:eth1") else { panic!() };
    assert_eq!(network, Some(asbuilt::design::NetworkType::PointToPoint));
    // Priorities 200 and 0 on the r1-r3 link decide the election.
    let ProbeSpec::OspfInterface { role, .. } = probe("ospf-interface/r1:eth2") else { panic!() };
    assert_eq!(role, Some(asbuilt::checks::model::DrRole::Dr));
    let ProbeSpec::OspfInterface { role, .. } = probe("ospf-interface/r3:eth1") else { panic!() };
    assert_eq!(role, Some(asbuilt::checks::model::DrRole::Drother));
    assert!(suite.check("ospf-interface/r4:eth1").is_none(), "nothing stated about it");
    // Without the student's OSPF on r2, its cost checks fail, and so does pc4's reach.
    let parts: BTreeSet<String> =
        suite.check("ospf-interface/r2:eth1").unwrap().depends_on.iter().map(ToString::to_string).collect();
    assert!(parts.contains("r2:ospf"), "{parts:?}");
    let reach: BTreeSet<String> =
        suite.check("reach/pc1/pc4").unwrap().depends_on.iter().map(ToString::to_string).collect();
    assert!(reach.contains("r2:ospf") && reach.contains("r4:ospf"), "{reach:?}");
}

#[test]
fn labs_without_costs_keep_their_plain_ospf_route_checks() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("topologies/ospf.yml");
    let design = Lab::load(&Source::read(&path).unwrap()).unwrap().design_for(None);
    let suite = derive::suite(&design);
    for c in &suite.checks {
        if let ProbeSpec::OspfRoute { metric, via, .. } = &c.probe {
            assert!(metric.is_none() && via.is_empty(), "{}", c.id);
        }
        assert!(!c.id.starts_with("ospf-interface/"), "{}", c.id);
    }
}

/// The IPv6 subnet of an interface in a resolved design.
fn subnet6(design: &Design, node: &str, iface: &str) -> ipnet::IpNet {
    design.nodes[node].interfaces[iface].addresses.iter().find(|a| a.addr().is_ipv6()).unwrap().trunc()
}

#[test]
fn dual_stack_interfaces_run_ospf_and_ospfv3_with_the_same_settings() {
    let design = example("ospf-dual-stack.yml", None).solution();
    let p = planned(&design);
    let r1 = frr(&p, "r1");
    assert!(
        r1.contains(
            " ip ospf area 0.0.0.0\n ip ospf cost 100\n ipv6 ospf6 area 0.0.0.0\n ipv6 ospf6 cost 100\n"
        ),
        "{r1}"
    );
    assert!(
        r1.contains(" ipv6 ospf6 area 0.0.0.0\n ipv6 ospf6 passive\nexit"),
        "eth3 is passive in both: {r1}"
    );
    assert!(r1.contains("router ospf\n ospf router-id 10.255.255."), "{r1}");
    assert!(r1.contains(" passive-interface eth3\n"), "{r1}");
    assert!(r1.contains("router ospf6\n ospf6 router-id 10.255.255."), "{r1}");
    assert_eq!(p.node("r1").unwrap().frr_daemons, vec!["ospfd".to_string(), "ospf6d".to_string()]);
    // As the students get it: both daemons run, nothing is configured.
    let handed_out = planned(&example("ospf-dual-stack.yml", None));
    let r2 = frr(&handed_out, "r2");
    assert!(!r2.contains("ospf"), "{r2}");
    assert_eq!(handed_out.node("r2").unwrap().frr_daemons, vec!["ospfd".to_string(), "ospf6d".to_string()]);
}

#[test]
fn ospfv3_checks_follow_the_costs_out_of_the_interface() {
    let design = example("ospf-dual-stack.yml", None);
    let suite = derive::suite(&design);
    for (a, b) in [("r1", "r2"), ("r2", "r1"), ("r2", "r3"), ("r3", "r1")] {
        let id = format!("ospf6-neighbour/{a}/{b}");
        let check = suite.check(&id).unwrap_or_else(|| panic!("{id} in {:?}", ids(&suite)));
        let ProbeSpec::Ospf6Neighbour { router_id, .. } = &check.probe else { panic!() };
        assert_eq!(*router_id, None, "a cable, and the router IDs are the student's to choose");
    }
    // r1 reaches pc3's LAN round through r2: 10 + 10 + 10 beats 100 + 10, in both families.
    let lan3 = subnet6(&design, "r3", "eth3");
    let check = suite.check(&format!("ospf-route/r1/{lan3}")).expect("r1 learns pc3's IPv6 LAN");
    let ProbeSpec::OspfRoute { metric, via, interfaces, .. } = &check.probe else { panic!() };
    assert_eq!((*metric, via.is_empty(), interfaces), (Some(30), true, &vec!["eth1".to_string()]));
    let ProbeSpec::OspfInterface { version, cost, .. } =
        &suite.check("ospf6-interface/r1:eth2").unwrap().probe
    else {
        panic!()
    };
    assert_eq!((*version, *cost), (asbuilt::design::OspfVersion::V3, Some(100)));
    assert!(suite.check("ospf-interface/r1:eth2").is_some());
    // pc1 reaches pc3 over IPv6 only through the students' OSPFv3.
    let reach: BTreeSet<String> =
        suite.check("reach6/pc1/pc3").unwrap().depends_on.iter().map(ToString::to_string).collect();
    assert!(reach.contains("r1:ospf") && reach.contains("r3:ospf"), "{reach:?}");
}

#[test]
fn an_ipv6_only_router_runs_only_ospfv3_and_needs_a_router_id() {
    let yaml = |router_id: &str| {
        format!(
            r#"
lab: ospf6-only
title: OSPFv3
nodes:
  r1: {{ kind: router }}
  r2: {{ kind: router }}
links:
  - r1:eth1 -- r2:eth1
  - r2:eth2 -- r1:eth2
design:
  addresses:
    r1:eth1: 2001:db8:12::1/64
    r2:eth1: 2001:db8:12::2/64
    r1:eth2: 2001:db8:21::1/64
    r2:eth2: 2001:db8:21::2/64
  ospf:
    r1: {{ {router_id} passive: [eth2] }}
    r2: {{ router-id: 2.2.2.2 }}
"#
        )
    };
    let design = inline(&yaml("router-id: 1.1.1.1,"));
    let p = planned(&design);
    let r1 = frr(&p, "r1");
    assert!(!r1.contains("ip ospf") && !r1.contains("router ospf\n"), "{r1}");
    assert!(r1.contains("router ospf6\n ospf6 router-id 1.1.1.1\n"), "{r1}");
    assert_eq!(p.node("r1").unwrap().frr_daemons, vec!["ospf6d".to_string()]);
    let suite = derive::suite(&design);
    let ProbeSpec::Ospf6Neighbour { router_id, interface, .. } =
        &suite.check("ospf6-neighbour/r2/r1").unwrap().probe
    else {
        panic!()
    };
    assert_eq!((*router_id, interface.as_str()), (Some("1.1.1.1".parse().unwrap()), "eth1"));
    assert!(suite.check("ospf6-neighbour/r1/r2").is_some());
    assert!(suite.check("ospf-neighbour/r1/r2").is_none(), "no OSPF version 2 without IPv4");
    let world = World::of(&design);
    assert!(suite.checks.iter().all(|c| holds(&world, &c.probe)));
    // Without IPv4 anywhere there is nothing to take a router ID from.
    let errors = Lab::load(&Source::new("inline.yml", yaml(""))).unwrap_err();
    assert!(format!("{errors:?}").contains("router ID"), "{errors:?}");
}

#[test]
fn an_nssa_passes_its_own_external_routes_out_and_takes_none_in() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/labs/ospf-nssa.yml");
    let design = Lab::load(&Source::read(&path).unwrap()).unwrap().design_for(None);
    let p = planned(&design);
    assert!(frr(&p, "r1").contains(" area 0.0.0.1 nssa\n"), "{}", frr(&p, "r1"));
    assert!(frr(&p, "r2").contains(" area 0.0.0.1 nssa\n"));
    let suite = derive::suite(&design);
    assert!(
        suite.check("ospf-route/r3/198.51.100.0/24").is_some(),
        "r2's LAN, through the border: {:?}",
        ids(&suite)
    );
    assert!(suite.check("ospf-route/r1/198.51.100.0/24").is_some());
    assert!(suite.check("ospf-route/r1/192.0.2.0/24").is_some(), "r3's LAN reaches the border router");
    assert!(suite.check("ospf-route/r2/192.0.2.0/24").is_none(), "but not into the NSSA: {:?}", ids(&suite));
    let world = World::of(&design);
    assert!(suite.checks.iter().all(|c| holds(&world, &c.probe)));
}

#[test]
fn ospfv3_checks_follow_a_students_ipv6_subnets_under_the_teachers_ids() {
    let lab = Lab::load(&Source::new(
        "ospf6-variants.yml",
        r#"
lab: ospf6-variants
title: OSPFv3 per student
nodes:
  r1: { kind: router, build: [ospf] }
  r2: { kind: router }
  pc1: { kind: host }
links:
  - r1:eth1 -- r2:eth1
  - r1:eth2 -- pc1:eth1
design:
  addresses:
    r1:eth1: [10.0.12.1/30, "2001:db8:12::1/64"]
    r2:eth1: [10.0.12.2/30, "2001:db8:12::2/64"]
    r1:eth2: "2001:db8:1::1/64"
    pc1:eth1: "2001:db8:1::10/64"
  ospf:
    r1: { area: 0, passive: [eth2] }
    r2: { area: 0 }
variants:
  "2001:db8:1::/64": "2001:db8:8000::/33"
"#
        .to_string(),
    ))
    .unwrap_or_else(|e| panic!("{e:?}"));
    let teacher: ipnet::IpNet = "2001:db8:1::/64".parse().unwrap();
    let mut moved = 0;
    for student in ["a", "b", "s123456"] {
        let design = lab.design_for(Some(student));
        let lan = subnet6(&design, "pc1", "eth1");
        moved += usize::from(lan != teacher);
        let suite = derive::suite(&design);
        let check = suite.check("ospf-route/r2/2001:db8:1::/64").expect("the id is the teacher's");
        let ProbeSpec::OspfRoute { to, .. } = &check.probe else { panic!() };
        assert_eq!(*to, lan, "{student}: the probe looks for the student's own subnet");
        let own = design.nodes["r1"].interfaces["eth2"].addresses[0];
        assert!(lan.contains(&own.addr()), "{student}: r1's LAN address moved with the subnet");
        let solved = planned(&design.clone().solution());
        let r1 = frr(&solved, "r1");
        assert!(
            r1.contains(&format!(
                "interface eth2
 ipv6 address {own}
 ipv6 ospf6 area 0.0.0.0
"
            )),
            "{r1}"
        );
        let world = World::of(&design.solution());
        assert!(holds(&world, &check.probe), "{student}");
    }
    assert!(moved > 0, "some student's LAN moved");
}
