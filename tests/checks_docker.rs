//! Built-as-designed checks against real labs on the Docker engine: a lab asbuilt built
//! completely scores full marks; a lab as students get it fails exactly the checks that
//! depend on their parts; each fault of the troubleshooting lab fails its own checks
//! until it is repaired the way a student (or, for a cable, the teacher) would; and every
//! student is graded against their own plan.

mod common;
#[path = "support/verdicts.rs"]
mod verdicts;

use std::collections::BTreeSet;

use asbuilt::checks::derive::{self, affected_by};
use asbuilt::checks::judge::Names;
use asbuilt::checks::model::{ProbeSpec, Suite};
use asbuilt::checks::report::Report;
use asbuilt::checks::runner::{self, RunOptions};
use asbuilt::design::{Design, FaultKind, Lab};
use asbuilt::engine::Engine;
use asbuilt::engine::access::InstanceAccess;
use asbuilt::plan::LinkSetting;
use asbuilt::topology::Source;
use common::{Deployed, address, all_prebuilt, example};
use verdicts::{depending_on, explain, not_passed, student_parts};

async fn grade(lab: &Deployed, design: &Design, suite: &Suite) -> Report {
    let access = InstanceAccess::open(lab.engine.clone(), &lab.instance).await.unwrap();
    // The command's own pace: checks of converging protocols retry once a second.
    let options = RunOptions::default();
    let results = runner::run(suite, &access, &Names::of(design), &options).await;
    Report::build(suite, &results, "2026-11-28T12:00:00Z")
}

/// The design with every part built by asbuilt and nothing broken: what
/// `asbuilt deploy --solution` builds.
fn complete(file: &str, student: Option<&str>) -> Design {
    example(file).design_for(student).solution()
}

#[tokio::test(flavor = "multi_thread")]
async fn every_example_lab_built_completely_by_asbuilt_scores_full_marks() {
    for (file, name) in [
        ("eerste-lan.yml", "t-full-first"),
        ("statisch-routeren.yml", "t-full-static"),
        ("ospf.yml", "t-full-ospf"),
        ("dmz.yml", "t-full-dmz"),
        ("dhcp-dns.yml", "t-full-dhcp"),
        ("storingen.yml", "t-full-faults"),
        ("dual-stack.yml", "t-full-dual"),
    ] {
        let design = complete(file, Some("s1"));
        let suite = derive::suite(&design);
        let lab = Deployed::new(design.clone(), name).await;
        let report = grade(&lab, &design, &suite).await;
        assert_eq!(report.score.percent, 100.0, "{file}:\n{}", explain(&report));
        assert_eq!(report.exit_code(), 0);
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_lab_as_students_get_it_fails_exactly_the_checks_of_their_parts() {
    for (file, name) in [
        ("eerste-lan.yml", "t-part-first"),
        ("statisch-routeren.yml", "t-part-static"),
        ("ospf.yml", "t-part-ospf"),
        ("dmz.yml", "t-part-dmz"),
        ("dhcp-dns.yml", "t-part-dhcp"),
        ("dual-stack.yml", "t-part-dual"),
    ] {
        let design = example(file).design_for(Some("s2"));
        let suite = derive::suite(&design);
        let student_parts = student_parts(&design);
        let lab = Deployed::new(design.clone(), name).await;
        let report = grade(&lab, &design, &suite).await;
        let expected = depending_on(&suite, &student_parts);
        assert!(!expected.is_empty(), "{file}: some checks depend on the student's work");
        assert_eq!(not_passed(&report), expected, "{file}:\n{}", explain(&report));
    }
}

/// Whether a check's evidence is traffic through the lab, rather than a node's state.
fn carries_traffic(probe: &ProbeSpec) -> bool {
    matches!(
        probe,
        ProbeSpec::Link { .. }
            | ProbeSpec::Ping { .. }
            | ProbeSpec::Traceroute { .. }
            | ProbeSpec::Port { .. }
            | ProbeSpec::Inject { .. }
            | ProbeSpec::Nat { .. }
            | ProbeSpec::Http { .. }
            | ProbeSpec::Dns { .. }
            | ProbeSpec::Dhcp { .. }
            | ProbeSpec::Ssh { .. }
    )
}

/// What a student types to repair a fault, or `None` for a cable fault, which only the
/// teacher can repair (with `asbuilt link`).
fn repair(kind: &FaultKind) -> Option<(&'static str, &'static str)> {
    match kind {
        FaultKind::RemoveRoute { .. } => {
            Some(("r1", "vtysh -c 'configure terminal' -c 'ip route 10.1.2.0/24 10.1.12.2'"))
        }
        FaultKind::WrongAddress { .. } => Some((
            "pc2",
            "ip address flush dev eth1 && ip address add 192.168.1.22/24 dev eth1 && ip route replace default via 192.168.1.1",
        )),
        FaultKind::Stop { .. } => Some(("agenda", "asbuilt-service start nginx")),
        _ => None,
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn each_fault_fails_its_own_checks_until_it_is_repaired() {
    let lab_design = example("storingen.yml").design_for(None);
    let answer_key = all_prebuilt(lab_design.clone());
    let suite = derive::suite(&answer_key);
    for (i, fault) in lab_design.faults.iter().enumerate() {
        let mut one = answer_key.clone();
        one.faults = vec![fault.clone()];
        let lab = Deployed::new(one, &format!("t-fault-{i}")).await;
        let expected: BTreeSet<String> = affected_by(&answer_key, &suite.checks, fault).into_iter().collect();
        assert!(!expected.is_empty(), "{fault:?} breaks something");
        let report = grade(&lab, &answer_key, &suite).await;
        let failed = not_passed(&report);
        if matches!(fault.kind, FaultKind::Loss { .. } | FaultKind::Delay { .. }) {
            // A lossy or slow cable fails its own cable check for certain; traffic that
            // crosses it (a web page over 40% loss) fails only by chance, as it would
            // for a real user. Those may fail too; state checks may not.
            assert!(failed.is_superset(&expected), "{fault:?}:\n{}", explain(&report));
            for id in failed.difference(&expected) {
                let check = suite.check(id).unwrap();
                assert!(
                    carries_traffic(&check.probe),
                    "{fault:?} fails {id}, which sends no traffic:\n{}",
                    explain(&report)
                );
            }
        } else {
            assert_eq!(failed, expected, "{fault:?}:\n{}", explain(&report));
        }

        match repair(&fault.kind) {
            Some((node, command)) => assert!(lab.run(node, command).await.success(), "{command}"),
            None => {
                let (FaultKind::Loss { at, .. } | FaultKind::Delay { at, .. } | FaultKind::LinkDown { at }) =
                    &fault.kind
                else {
                    panic!("no repair for {fault:?}")
                };
                lab.engine.set_link(&lab.instance, at, LinkSetting::default()).await.unwrap();
            }
        }
        let again = grade(&lab, &answer_key, &suite).await;
        assert_eq!(
            again.score.percent,
            100.0,
            "repairing {fault:?} passes every check again:\n{}",
            explain(&again)
        );
    }
}

/// A lab from tests/fixtures/checks/.
fn fixture(name: &str) -> Lab {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/checks").join(name);
    Lab::load(&Source::read(&path).unwrap()).unwrap()
}

#[tokio::test(flavor = "multi_thread")]
async fn a_routers_nat_works_and_passes_its_checks_when_prebuilt_and_fails_them_when_blank() {
    let office = fixture("router-nat.yml");

    // Built by asbuilt: the office reaches the provider's side behind the router's
    // address, and the outside reaches the web server through the port forward.
    let complete = all_prebuilt(office.design_for(Some("s1")));
    let suite = derive::suite(&complete);
    for id in ["nat/web/buiten", "forward/edge/tcp/8080"] {
        assert!(suite.check(id).is_some(), "{id} is derived for the router");
    }
    let lab = Deployed::new(complete.clone(), "t-lang-nat-full").await;
    let public = address(&complete, "edge", "eth1");
    let page = lab.run("buiten", &format!("curl -fsS --max-time 5 http://{public}:8080/")).await;
    assert!(page.stdout.contains("Kantoor Jansen"), "the port forward serves the page: {page:?}");
    assert!(
        lab.pings("pc1", &address(&complete, "buiten", "eth1"), 10).await,
        "the masqueraded LAN gets out"
    );
    let report = grade(&lab, &complete, &suite).await;
    assert_eq!(report.score.percent, 100.0, "{}", explain(&report));
    drop(lab);

    // As the student gets it: the router's NAT is blank, and exactly its checks fail.
    let student = office.design_for(Some("s1"));
    let suite = derive::suite(&student);
    let lab = Deployed::new(student.clone(), "t-lang-nat-blank").await;
    let report = grade(&lab, &student, &suite).await;
    let expected = depending_on(&suite, &student_parts(&student));
    for id in ["nat/web/buiten", "forward/edge/tcp/8080", "reach/pc1/buiten"] {
        assert!(expected.contains(id), "{id} rests on the router's NAT: {expected:?}");
    }
    assert_eq!(not_passed(&report), expected, "{}", explain(&report));
}

#[tokio::test(flavor = "multi_thread")]
async fn two_students_are_each_graded_against_their_own_plan() {
    let anna = complete("dmz.yml", Some("s100001"));
    let bram = complete("dmz.yml", Some("s100002"));
    let (anna_suite, bram_suite) = (derive::suite(&anna), derive::suite(&bram));
    let annas_lab = Deployed::new(anna.clone(), "t-anna").await;
    let bram_lab = Deployed::new(bram.clone(), "t-bram").await;
    let own = grade(&annas_lab, &anna, &anna_suite).await;
    assert_eq!(own.score.percent, 100.0, "{}", explain(&own));
    assert_eq!(own.student.as_deref(), Some("s100001"));
    assert_eq!(grade(&bram_lab, &bram, &bram_suite).await.score.percent, 100.0);
    let crossed = grade(&annas_lab, &bram, &bram_suite).await;
    assert!(crossed.score.percent < 60.0, "Anna's lab does not pass Bram's plan: {}", crossed.score.percent);
    // The record of each instance holds the student's own answer key.
    let record = annas_lab.engine.record(&annas_lab.instance).await.unwrap();
    assert_eq!(record.design, anna);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_student_who_chooses_their_own_router_id_keeps_their_neighbours() {
    let design = complete("ospf.yml", None);
    let suite = derive::suite(&design);
    let lab = Deployed::new(design.clone(), "t-own-router-id").await;
    // The design states no router ID: r2's student picks one and restarts OSPF.
    let set = lab
        .run(
            "r2",
            "vtysh -c 'configure terminal' -c 'router ospf' -c 'ospf router-id 9.9.9.9' -c 'end' \
             -c 'clear ip ospf process' && vtysh -c 'show ip ospf json'",
        )
        .await;
    assert!(set.stdout.contains("9.9.9.9"), "{}{}", set.stdout, set.stderr);
    let report = grade(&lab, &design, &suite).await;
    for id in ["ospf-neighbour/r1/r2", "ospf-neighbour/r3/r2"] {
        let status = report.checks.iter().find(|c| c.id == id).map(|c| c.status);
        assert_eq!(status, Some(asbuilt::checks::outcome::Status::Pass), "{id}:\n{}", explain(&report));
    }
    assert_eq!(report.score.percent, 100.0, "{}", explain(&report));
}
