//! RIP and OSPF detail on real labs on the Docker engine: each routing example built
//! completely by asbuilt scores full marks; as students get it, it fails exactly the
//! checks of their parts; and the design's costs decide the path packets take.

mod common;
#[path = "support/verdicts.rs"]
mod verdicts;

use asbuilt::checks::derive;
use common::{Deployed, example};
use verdicts::{depending_on, explain, not_passed, student_parts};

#[tokio::test(flavor = "multi_thread")]
async fn the_rip_lab_built_by_asbuilt_scores_full_marks() {
    let design = example("rip.yml").design_for(Some("s1")).solution();
    let suite = derive::suite(&design);
    let lab = Deployed::new(design.clone(), "t-full-rip").await;
    let report = lab.grade(&design, &suite).await;
    assert_eq!(report.score.percent, 100.0, "rip.yml:\n{}", explain(&report));
    // What FRR itself says: r1 hears r2 and r4.
    let rip = lab.run("r1", "vtysh -c 'show ip rip status'").await;
    assert!(rip.stdout.contains("Routing Information Sources"), "{}", rip.stdout);
}

#[tokio::test(flavor = "multi_thread")]
async fn the_rip_lab_as_students_get_it_fails_exactly_the_checks_of_their_parts() {
    let design = example("rip.yml").design_for(Some("s2"));
    let suite = derive::suite(&design);
    let lab = Deployed::new(design.clone(), "t-part-rip").await;
    let report = lab.grade(&design, &suite).await;
    let expected = depending_on(&suite, &student_parts(&design));
    assert!(expected.iter().any(|id| id.starts_with("rip-route/")), "{expected:?}");
    assert!(expected.iter().any(|id| id.starts_with("reach/")), "{expected:?}");
    assert_eq!(not_passed(&report), expected, "rip.yml:\n{}", explain(&report));
}

#[tokio::test(flavor = "multi_thread")]
async fn the_multi_area_lab_built_by_asbuilt_scores_full_marks_and_the_cost_decides_the_path() {
    let design = example("ospf-multi-area.yml").design_for(Some("s1")).solution();
    let suite = derive::suite(&design);
    let lab = Deployed::new(design.clone(), "t-full-areas").await;
    let report = lab.grade(&design, &suite).await;
    assert_eq!(report.score.percent, 100.0, "ospf-multi-area.yml:\n{}", explain(&report));
    // Two links of cost 10 through r3 beat the direct link of cost 100 to r2.
    let r2 = common::address(&design, "r2", "eth3");
    let through_r3 = common::address(&design, "r3", "eth1");
    let route = lab.run("r1", &format!("ip route get {r2}")).await;
    assert!(route.stdout.contains(&format!("via {through_r3} dev eth2")), "{}", route.stdout);
    // The totally stubby area has a default route and nothing from area 2.
    let r4 = lab.run("r4", "ip route show proto ospf").await;
    // `default nhid 10 via 10.1.24.1 dev eth1`: iproute2 shows the next-hop group.
    assert!(r4.stdout.starts_with("default ") && r4.stdout.contains(" via "), "{}", r4.stdout);
    let area_2_lan = design.interface("r5", "eth2").unwrap().addresses[0].trunc().to_string();
    assert!(!r4.stdout.contains(&area_2_lan), "{}", r4.stdout);
}

#[tokio::test(flavor = "multi_thread")]
async fn the_multi_area_lab_as_students_get_it_fails_exactly_the_checks_of_their_parts() {
    let design = example("ospf-multi-area.yml").design_for(Some("s2"));
    let suite = derive::suite(&design);
    let lab = Deployed::new(design.clone(), "t-part-areas").await;
    let report = lab.grade(&design, &suite).await;
    let expected = depending_on(&suite, &student_parts(&design));
    assert!(expected.iter().any(|id| id.starts_with("ospf-interface/")), "{expected:?}");
    assert_eq!(not_passed(&report), expected, "ospf-multi-area.yml:\n{}", explain(&report));
}

#[tokio::test(flavor = "multi_thread")]
async fn the_dual_stack_ospf_lab_built_by_asbuilt_scores_full_marks_in_both_families() {
    let design = example("ospf-dual-stack.yml").design_for(Some("s1")).solution();
    let suite = derive::suite(&design);
    assert!(suite.checks.iter().any(|c| c.id.starts_with("ospf6-neighbour/")));
    let lab = Deployed::new(design.clone(), "t-full-ospf6").await;
    let report = lab.grade(&design, &suite).await;
    assert_eq!(report.score.percent, 100.0, "ospf-dual-stack.yml:\n{}", explain(&report));
    // The slow r1-r3 link (cost 100) loses to the way round through r2, in IPv6 too.
    let pc3 = design
        .interface("pc3", "eth1")
        .unwrap()
        .addresses
        .iter()
        .find(|a| a.addr().is_ipv6())
        .unwrap()
        .addr();
    let route = lab.run("r1", &format!("ip -6 route get {pc3}")).await;
    assert!(route.stdout.contains(" dev eth1 "), "via r2, out of eth1: {}", route.stdout);
    let neighbours = lab.run("r2", "vtysh -c 'show ipv6 ospf6 neighbor'").await;
    assert_eq!(neighbours.stdout.matches(" Full").count(), 2, "{}", neighbours.stdout);
}

#[tokio::test(flavor = "multi_thread")]
async fn the_dual_stack_ospf_lab_scores_full_marks_once_the_student_types_both_versions_into_vtysh() {
    let design = example("ospf-dual-stack.yml").design_for(Some("s2"));
    let suite = derive::suite(&design);
    let lab = Deployed::new(design.clone(), "t-part-ospf6").await;
    let report = lab.grade(&design, &suite).await;
    let expected = depending_on(&suite, &student_parts(&design));
    assert!(expected.iter().any(|id| id.starts_with("ospf6-neighbour/")), "{expected:?}");
    assert!(expected.iter().any(|id| id.starts_with("reach6/")), "{expected:?}");
    assert_eq!(not_passed(&report), expected, "ospf-dual-stack.yml:\n{}", explain(&report));
    // What the task tells the student to type, on each router.
    for router in ["r1", "r2", "r3"] {
        let id = design.nodes[router].ospf.as_ref().unwrap().router_id;
        let mut commands = vec![
            "configure terminal".to_string(),
            "router ospf".into(),
            format!("ospf router-id {id}"),
            "passive-interface eth3".into(),
            "exit".into(),
            "router ospf6".into(),
            format!("ospf6 router-id {id}"),
            "exit".into(),
        ];
        for iface in ["lo", "eth1", "eth2", "eth3"] {
            commands.extend([
                format!("interface {iface}"),
                "ip ospf area 0".into(),
                "ipv6 ospf6 area 0".into(),
            ]);
            if iface == "eth3" {
                commands.push("ipv6 ospf6 passive".into());
            }
            if router != "r2" && iface == "eth2" {
                commands.extend(["ip ospf cost 100".into(), "ipv6 ospf6 cost 100".into()]);
            }
            commands.push("exit".into());
        }
        let script: Vec<String> = commands.iter().map(|c| format!("-c '{c}'")).collect();
        let out = lab.run(router, &format!("vtysh {}", script.join(" "))).await;
        assert_eq!(out.exit_code, 0, "{router}: {}{}", out.stdout, out.stderr);
    }
    let report = lab.grade(&design, &suite).await;
    assert_eq!(report.score.percent, 100.0, "after the student's OSPF:\n{}", explain(&report));
}

#[tokio::test(flavor = "multi_thread")]
async fn an_nssa_passes_its_own_external_routes_out_and_takes_none_in_on_real_routers() {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/labs/ospf-nssa.yml");
    let design = asbuilt::design::Lab::load(&asbuilt::topology::Source::read(&path).unwrap())
        .unwrap()
        .design_for(None);
    let suite = derive::suite(&design);
    let lab = Deployed::new(design.clone(), "t-nssa").await;
    let report = lab.grade(&design, &suite).await;
    assert_eq!(report.score.percent, 100.0, "ospf-nssa.yml:\n{}", explain(&report));
    // r2's LAN crosses the border into the backbone (N2 translated to E2) ...
    let r3 = lab.run("r3", "ip route show proto ospf").await;
    assert!(r3.stdout.contains("198.51.100.0/24"), "{}", r3.stdout);
    // ... while r3's LAN reaches the border router (positive control) but not the NSSA.
    let r1 = lab.run("r1", "ip route show proto ospf").await;
    assert!(r1.stdout.contains("192.0.2.0/24"), "{}", r1.stdout);
    let r2 = lab.run("r2", "ip route show proto ospf").await;
    assert!(r2.stdout.contains("10.0.13.0/30"), "r2 hears the backbone's summary: {}", r2.stdout);
    assert!(!r2.stdout.contains("192.0.2.0/24"), "{}", r2.stdout);
}
