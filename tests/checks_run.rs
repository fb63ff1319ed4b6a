//! The runner against example labs built in network namespaces: a lab built as
//! designed scores full marks, a blank student part fails exactly the checks that
//! depend on it, each fault of the troubleshooting lab fails its own checks, and
//! every student is graded against their own plan. Needs root.
//!
//! The labs with OSPF (no FRR on the test machine) and switch VLANs (no bridge VLAN
//! filtering in its kernel) are covered by the engine's integration tests instead.

mod support;

use std::collections::BTreeSet;
use std::time::Duration;

use asbuilt::checks::derive::{self, affected_by};
use asbuilt::checks::judge::Names;
use asbuilt::checks::model::Suite;
use asbuilt::checks::report::Report;
use asbuilt::checks::runner::{self, RunOptions};
use asbuilt::checks::sim;
use asbuilt::design::{Design, FaultKind};
use asbuilt::plan::faults::misconfigured;
use support::deploy::{self, Breakage};
use support::example;
use support::netns_lab::NetnsLab;
use support::verdicts::{depending_on, explain, not_passed, student_parts};

const BUILDABLE: [&str; 5] =
    ["eerste-lan.yml", "statisch-routeren.yml", "dmz.yml", "dhcp-dns.yml", "storingen.yml"];

/// The buildable example labs, and a fixture with a port forward and an SSH server.
fn buildable() -> Vec<(&'static str, Design)> {
    let mut labs: Vec<(&str, Design)> = BUILDABLE.iter().map(|n| (*n, example(n, None))).collect();
    labs.push(("port-forward.yml", support::fixture("port-forward.yml")));
    labs
}

async fn grade(lab: &NetnsLab, design: &Design, suite: &Suite) -> Report {
    let options =
        RunOptions { parallel: 32, retry_delay: Duration::from_millis(300), ..RunOptions::default() };
    let results = runner::run(suite, lab, &Names::of(design), &options).await;
    Report::build(suite, &results, "2026-01-01T00:00:00Z")
}

#[tokio::test]
async fn every_buildable_example_lab_built_as_designed_scores_full_marks() {
    for (name, design) in buildable() {
        let suite = derive::suite(&design);
        let built = deploy::deploy(&design).await;
        let report = grade(&built.lab, &design, &suite).await;
        assert_eq!(report.score.percent, 100.0, "{name}:\n{}", explain(&report));
        assert_eq!(report.exit_code(), 0);
    }
}

#[tokio::test]
async fn leaving_the_student_parts_blank_fails_exactly_the_checks_that_depend_on_them() {
    for (name, design) in buildable().into_iter().filter(|(n, _)| *n != "storingen.yml") {
        let suite = derive::suite(&design);
        let student_parts = student_parts(&design);
        assert!(!student_parts.is_empty(), "{name} has student parts");
        let blank = student_parts.iter().fold(design.clone(), |d, part| sim::without(&d, part));
        let built = deploy::deploy(&blank).await;
        let report = grade(&built.lab, &design, &suite).await;
        let expected = depending_on(&suite, &student_parts);
        assert!(!expected.is_empty(), "{name}: some checks depend on the student's work");
        assert_eq!(not_passed(&report), expected, "{name}:\n{}", explain(&report));
        assert_eq!(
            report.exit_code(),
            1,
            "{name}: failures, and nothing that could not run:\n{}",
            explain(&report)
        );
    }
}

#[tokio::test]
async fn each_fault_a_namespace_lab_can_build_fails_its_own_checks_and_repairing_it_passes_them() {
    let design = example("storingen.yml", None);
    let suite = derive::suite(&design);
    let mut tested = 0;
    for fault in &design.faults {
        // Loss and delay are made by the fabric's relay, which only the engine's fabric
        // has: they are tested on Docker (checks_docker.rs), not here.
        if matches!(fault.kind, FaultKind::Loss { .. } | FaultKind::Delay { .. }) {
            continue;
        }
        let mut one = design.clone();
        one.faults = vec![fault.clone()];
        let mut broken = misconfigured(&one);
        broken.faults.clear();
        let mut breakage = Breakage::default();
        match &fault.kind {
            FaultKind::Shutdown { at } => breakage.shut.push(at.clone()),
            FaultKind::Stop { node, service } => breakage.stopped.push((node.clone(), *service)),
            _ => {}
        }
        let built = deploy::deploy_broken(&broken, &breakage).await;
        let report = grade(&built.lab, &design, &suite).await;
        let expected: BTreeSet<String> = affected_by(&design, &suite.checks, fault).into_iter().collect();
        assert!(!expected.is_empty(), "{fault:?} breaks something");
        assert_eq!(not_passed(&report), expected, "{fault:?}:\n{}", explain(&report));
        drop(built);
        // Repaired: the lab as designed.
        let repaired = deploy::deploy(&design).await;
        let again = grade(&repaired.lab, &design, &suite).await;
        let back: BTreeSet<String> = not_passed(&again).intersection(&expected).cloned().collect();
        assert!(back.is_empty(), "repairing {fault:?} passes its checks again:\n{}", explain(&again));
        tested += 1;
    }
    assert_eq!(tested, 3, "remove-route, wrong-address and stop are built here");
}

#[tokio::test]
async fn two_students_are_each_graded_against_their_own_plan() {
    let anna = example("dmz.yml", Some("s100001"));
    let bram = example("dmz.yml", Some("s100002"));
    assert_ne!(anna.variant.as_ref().unwrap().seed, bram.variant.as_ref().unwrap().seed);
    let (anna_suite, bram_suite) = (derive::suite(&anna), derive::suite(&bram));
    let ids = |s: &Suite| s.checks.iter().map(|c| c.id.clone()).collect::<Vec<_>>();
    assert_eq!(ids(&anna_suite), ids(&bram_suite), "the same checks, by the same ids");

    let built = deploy::deploy(&anna).await;
    let own = grade(&built.lab, &anna, &anna_suite).await;
    assert_eq!(own.score.percent, 100.0, "{}", explain(&own));
    assert_eq!(own.student.as_deref(), Some("s100001"));
    assert_eq!(own.seed, anna.variant.as_ref().map(|v| v.seed.clone()));
    let other = grade(&built.lab, &bram, &bram_suite).await;
    assert!(other.score.percent < 60.0, "Anna's lab does not pass Bram's plan: {}", other.score.percent);
    assert!(not_passed(&other).contains("address/fw:eth3"));
}

#[tokio::test]
async fn the_grading_call_runs_in_a_task_of_its_own_reports_every_check_and_stops_when_cancelled() {
    use asbuilt::checks::events::RunEvent;
    use asbuilt::checks::grade::{GradeError, GradeOptions, grade};
    use tokio_util::sync::CancellationToken;

    let design = example("statisch-routeren.yml", None).solution();
    let built = deploy::deploy(&design).await;
    let total = derive::suite(&design).checks.len();
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
    // Moved into a task: it owns the lab's access and the design.
    let run = tokio::spawn(grade(
        built.lab.clone(),
        design.clone(),
        GradeOptions::at("2026-12-01T12:00:00Z"),
        Some(tx),
        CancellationToken::new(),
    ));
    let report = run.await.unwrap().expect("graded");
    assert_eq!(report.score.percent, 100.0, "{}", explain(&report));
    let mut started = 0;
    let mut finished = Vec::new();
    while let Ok(event) = rx.try_recv() {
        match event {
            RunEvent::Started { .. } => started += 1,
            RunEvent::Finished { done, total: of, .. } => finished.push((done, of)),
            _ => {}
        }
    }
    assert_eq!(started, total);
    assert_eq!(finished.len(), total);
    assert_eq!(finished.last(), Some(&(total, total)), "the last event says all are done");

    // Cancelled: no report.
    let cancel = CancellationToken::new();
    let graded = grade(built.lab.clone(), design, GradeOptions::at("x"), None, cancel.clone());
    cancel.cancel();
    assert_eq!(graded.await.unwrap_err(), GradeError::Cancelled);
}
