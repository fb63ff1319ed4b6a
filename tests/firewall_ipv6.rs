//! One firewall policy, two address families: a dual-stack lab's firewall is checked in
//! IPv6 as in IPv4 (`port6/...`, `blocked6/...`), in the simulation and on a real lab on
//! the Docker engine, where the firewall built by asbuilt scores full marks and the
//! student's blank firewall fails exactly the checks of that part.

mod common;
#[path = "support/verdicts.rs"]
mod verdicts;

use std::path::Path;

use asbuilt::checks::derive;
use asbuilt::checks::model::{ProbeSpec, Suite};
use asbuilt::checks::sim::{World, holds::holds};
use asbuilt::design::{Design, Lab};
use asbuilt::topology::Source;
use common::Deployed;
use verdicts::{depending_on, explain, not_passed, student_parts};

fn lab(student: Option<&str>) -> Design {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/labs/firewall-dual-stack.yml");
    Lab::load(&Source::read(&path).unwrap()).unwrap().design_for(student)
}

fn ids(suite: &Suite) -> Vec<&str> {
    suite.checks.iter().map(|c| c.id.as_str()).collect()
}

#[test]
fn the_policy_is_checked_in_both_families_with_the_same_verdicts() {
    let design = lab(None).solution();
    let suite = derive::suite(&design);
    let ids = ids(&suite);
    for (v4, v6) in [
        ("port/pc1/web/tcp/80/open", "port6/pc1/web/tcp/80/open"),
        ("port/klant/web/tcp/80/open", "port6/klant/web/tcp/80/open"),
        ("blocked/klant/pc1", "blocked6/klant/pc1"),
    ] {
        assert!(ids.contains(&v4), "{v4} in {ids:?}");
        assert!(ids.contains(&v6), "{v6} in {ids:?}");
    }
    assert!(ids.iter().any(|id| id.starts_with("port6/") && id.ends_with("/closed")), "{ids:?}");
    // The IPv6 checks aim at IPv6 addresses.
    let ProbeSpec::Port { to, .. } = &suite.check("port6/klant/web/tcp/80/open").unwrap().probe else {
        panic!()
    };
    assert_eq!(to.address, "2001:db8:16::10".parse::<std::net::IpAddr>().unwrap());
    let world = World::of(&design);
    for c in &suite.checks {
        assert!(holds(&world, &c.probe), "{} does not hold", c.id);
    }
    // Without the firewall's policy, what it must block gets through, in IPv6 too.
    let blank = derive::suite(&lab(None));
    let fails = depending_on(&blank, &student_parts(&lab(None)));
    assert!(fails.iter().any(|id| id.starts_with("blocked6/")), "{fails:?}");
}

#[test]
fn the_firewall_lets_neighbour_discovery_in_whatever_its_input_policy() {
    let design = lab(None).solution();
    let plan = asbuilt::plan::plan(&design, asbuilt::plan::InstanceId::for_lab(&design.lab, None));
    let nft = plan.node("fw").unwrap().files.iter().find(|f| f.path == "/etc/nftables.conf").unwrap();
    assert!(nft.content.contains("type filter hook input priority filter; policy drop;"), "{}", nft.content);
    assert!(nft.content.contains("icmpv6 type { nd-neighbor-solicit, nd-neighbor-advert"), "{}", nft.content);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_dual_stack_firewall_scores_full_marks_built_and_fails_its_checks_blank() {
    let built = lab(Some("s1")).solution();
    let suite = derive::suite(&built);
    let deployed = Deployed::new(built.clone(), "t-fw6-full").await;
    let report = deployed.grade(&built, &suite).await;
    assert_eq!(report.score.percent, 100.0, "{}", explain(&report));
    drop(deployed);

    let blank = lab(Some("s2"));
    let suite = derive::suite(&blank);
    let deployed = Deployed::new(blank.clone(), "t-fw6-part").await;
    let report = deployed.grade(&blank, &suite).await;
    let expected = depending_on(&suite, &student_parts(&blank));
    assert!(expected.iter().any(|id| id.starts_with("blocked6/")), "{expected:?}");
    assert_eq!(not_passed(&report), expected, "{}", explain(&report));
}
