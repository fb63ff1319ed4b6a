//! BGP on real FRR routers on the Docker engine: the three-AS example lab built by
//! asbuilt scores full marks, sessions, routes and the policy's path choice included;
//! the lab as students get it (BGP on r1 blank) fails exactly the BGP checks of r1's
//! part and the reachability that rests on them; a student who configures r1 in vtysh
//! the designed way gets full marks again.

mod common;
#[path = "support/verdicts.rs"]
mod verdicts;

use asbuilt::checks::derive;
use asbuilt::checks::model::{ProbeSpec, Suite};
use asbuilt::design::Design;
use common::{Deployed, example};
use verdicts::{depending_on, explain, not_passed, student_parts};

const LAB: &str = "bgp-drie-as.yml";

fn families(suite: &Suite) -> (usize, usize, usize) {
    let count = |f: &dyn Fn(&ProbeSpec) -> bool| suite.checks.iter().filter(|c| f(&c.probe)).count();
    (
        count(&|p| matches!(p, ProbeSpec::BgpSession { .. })),
        count(&|p| matches!(p, ProbeSpec::BgpRoute { .. })),
        count(&|p| matches!(p, ProbeSpec::Ping { reach: true, .. })),
    )
}

#[tokio::test(flavor = "multi_thread")]
async fn the_three_as_lab_built_by_asbuilt_scores_full_marks() {
    let design = example(LAB).design_for(Some("s1")).solution();
    let suite = derive::suite(&design);
    let (sessions, routes, reach) = families(&suite);
    assert_eq!(sessions, 6, "three sessions, seen from both ends");
    assert!(routes >= 9 && reach > 0, "routes {routes}, reach {reach}");
    // The policy decides r1's path to r2's LAN: through AS 65003, not straight to 65002.
    let policy = suite.check("bgp-route/r1/198.51.100.0/26").expect("r1 learns r2's LAN");
    assert!(
        matches!(&policy.probe, ProbeSpec::BgpRoute { as_paths, .. } if as_paths == &vec![vec![65003, 65002]]),
        "{:?}",
        policy.probe
    );
    let lab = Deployed::new(design.clone(), "t-bgp-full").await;
    let report = lab.grade(&design, &suite).await;
    assert_eq!(report.score.percent, 100.0, "{}", explain(&report));
    // Positive control for the filter: r3's /32 reaches r2, which takes it; r1 refuses it.
    let r2 = lab.run("r2", "vtysh -c 'show bgp ipv4 unicast 203.0.113.255/32 json'").await;
    assert!(r2.stdout.contains("\"paths\""), "r2 has r3's management route: {}", r2.stdout);
    let r1 = lab.run("r1", "vtysh -c 'show bgp ipv4 unicast 203.0.113.255/32 json'").await;
    assert!(!r1.stdout.contains("\"paths\""), "r1's prefix list keeps host routes out: {}", r1.stdout);
}

#[tokio::test(flavor = "multi_thread")]
async fn the_lab_as_students_get_it_fails_exactly_the_bgp_checks_of_r1_until_r1_is_configured() {
    let design = example(LAB).design_for(Some("s2"));
    let suite = derive::suite(&design);
    let parts = student_parts(&design);
    let lab = Deployed::new(design.clone(), "t-bgp-part").await;
    // bgpd runs on r1, unconfigured, for the student to configure.
    let running = lab.run("r1", "pgrep -x bgpd").await;
    assert_eq!(running.exit_code, 0, "bgpd runs on the student's router");
    let report = lab.grade(&design, &suite).await;
    let expected = depending_on(&suite, &parts);
    assert!(expected.iter().any(|id| id.starts_with("bgp-session/r1/")), "{expected:?}");
    assert!(expected.iter().any(|id| id.starts_with("reach/")), "{expected:?}");
    assert_eq!(not_passed(&report), expected, "{}", explain(&report));

    // The student configures r1 as designed, in vtysh: everything passes.
    let r1 = design.node("r1").unwrap().bgp.as_ref().unwrap();
    let addr = |node: &str| r1.neighbours.iter().find(|n| n.node.as_deref() == Some(node)).unwrap().address;
    let lan = |node: &str, iface: &str| design.node(node).unwrap().interfaces[iface].addresses[0].trunc();
    let config = format!(
        "configure terminal\n\
         ip prefix-list r2-lan seq 5 permit {r2lan}\n\
         ip prefix-list host-routes seq 5 permit 0.0.0.0/0 ge 32\n\
         route-map from-r2 deny 10\n match ip address prefix-list host-routes\nexit\n\
         route-map from-r2 permit 20\nexit\n\
         route-map from-r3 deny 10\n match ip address prefix-list host-routes\nexit\n\
         route-map from-r3 permit 20\n match ip address prefix-list r2-lan\n set local-preference 200\nexit\n\
         route-map from-r3 permit 30\nexit\n\
         router bgp 65001\n\
         neighbor {r2} remote-as 65002\n\
         neighbor {r3} remote-as 65003\n\
         address-family ipv4 unicast\n\
         network {lan1}\n network {link12}\n network {link13}\n\
         neighbor {r2} route-map from-r2 in\n\
         neighbor {r3} route-map from-r3 in\n\
         exit-address-family\n\
         end\n",
        r2lan = lan("r2", "eth3"),
        r2 = addr("r2"),
        r3 = addr("r3"),
        lan1 = lan("r1", "eth3"),
        link12 = lan("r1", "eth1"),
        link13 = lan("r1", "eth2"),
    );
    // `frr defaults traditional` of the image requires a policy for eBGP: the student's
    // route maps in, none out; FRR then holds back what r1 announces. A student turns that
    // off as asbuilt does.
    let config = config.replace("router bgp 65001\n", "router bgp 65001\n no bgp ebgp-requires-policy\n");
    let script = config.lines().map(|l| format!("-c '{}'", l.trim())).collect::<Vec<_>>().join(" ");
    let applied = lab.run("r1", &format!("vtysh {script}")).await;
    assert_eq!(applied.exit_code, 0, "{}{}", applied.stdout, applied.stderr);
    let report = lab.grade(&design, &suite).await;
    assert_eq!(report.score.percent, 100.0, "{}", explain(&report));
}

/// Two ASes joined by a dual-stack cable, one session per family.
fn dual_stack(student: Option<&str>) -> Design {
    let path =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/labs/bgp-dual-stack.yml");
    asbuilt::design::Lab::load(&asbuilt::topology::Source::read(&path).unwrap()).unwrap().design_for(student)
}

#[tokio::test(flavor = "multi_thread")]
async fn ipv6_unicast_runs_over_its_own_session_and_is_graded_like_ipv4() {
    let built = dual_stack(None).solution();
    let suite = derive::suite(&built);
    for id in ["bgp-session/r1/r2", "bgp-session6/r1/r2", "bgp-session6/r2/r1"] {
        assert!(
            suite.check(id).is_some(),
            "{id}: {:?}",
            suite.checks.iter().map(|c| &c.id).collect::<Vec<_>>()
        );
    }
    let v6_route = suite.check("bgp-route/r1/2001:db8:2::/64").expect("r1 learns r2's IPv6 LAN");
    assert!(
        matches!(&v6_route.probe, ProbeSpec::BgpRoute { as_paths, .. } if as_paths == &vec![vec![65002]]),
        "{:?}",
        v6_route.probe
    );
    assert!(suite.check("reach6/pc1/pc2").is_some());
    let lab = Deployed::new(built.clone(), "t-bgp6-full").await;
    let report = lab.grade(&built, &suite).await;
    assert_eq!(report.score.percent, 100.0, "{}", explain(&report));
    let table = lab.run("r1", "vtysh -c 'show bgp ipv6 unicast 2001:db8:2::/64 json'").await;
    assert!(table.stdout.contains("\"paths\""), "{}", table.stdout);
    drop(lab);

    // As students get it: r1's BGP blank fails exactly its checks, in both families.
    let handed_out = dual_stack(Some("s2"));
    let suite = derive::suite(&handed_out);
    let lab = Deployed::new(handed_out.clone(), "t-bgp6-part").await;
    let report = lab.grade(&handed_out, &suite).await;
    let expected = depending_on(&suite, &student_parts(&handed_out));
    assert!(expected.iter().any(|id| id.starts_with("reach6/")), "{expected:?}");
    assert!(expected.iter().any(|id| id.starts_with("bgp-route/r2/")), "{expected:?}");
    assert_eq!(not_passed(&report), expected, "{}", explain(&report));
}
