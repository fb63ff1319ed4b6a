//! Tickets, fault pools, hand-in texts and rubrics, without a lab running: which fault
//! each student draws, which checks must keep working, and how a grader's rubric scores
//! enter the score and every report format.

mod support;

use std::collections::BTreeSet;

use asbuilt::checks::derive::{self, affected_by};
use asbuilt::checks::format::{self, Format};
use asbuilt::checks::model::{ProbeSpec, Suite};
use asbuilt::checks::outcome::{CheckResult, Outcome};
use asbuilt::checks::report::Report;
use asbuilt::checks::rubric;
use asbuilt::design::{Design, Lab, Lang, Text};
use asbuilt::topology::Source;

const TICKET_LAB: &str = "melding-intranet.yml";

fn lab(name: &str) -> Lab {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("topologies").join(name);
    Lab::load(&Source::read(&path).unwrap()).unwrap()
}

fn text(s: &str) -> Text {
    Text { nl: Some(s.into()), en: Some(s.into()) }
}

/// Every check passes, except those named, which fail.
fn results(suite: &Suite, failing: &[&str]) -> Vec<CheckResult> {
    let mut results = support::passed::all_passed(suite);
    for result in results.iter_mut().filter(|r| failing.contains(&r.id.as_str())) {
        result.outcome = Outcome::Fail { expected: text("up"), observed: text("down"), credit: 0.0 };
    }
    results
}

#[test]
fn each_student_draws_one_fault_of_the_pool_and_a_class_sees_them_all() {
    let lab = lab(TICKET_LAB);
    let pool = lab.design_for(None).fault_pool.expect("the ticket lab has a pool");
    assert!(pool.faults.len() >= 4, "a pool worth drawing from");
    let mut seen = BTreeSet::new();
    for n in 0..60 {
        let student = format!("s{n:06}");
        let design = lab.design_for(Some(&student));
        assert_eq!(design.faults.len(), 1, "{student} gets exactly one fault");
        assert_eq!(design.faults, lab.design_for(Some(&student)).faults, "and always the same one");
        // The drawn fault is the pool's, in the student's own addresses.
        let own_pool = design.fault_pool.as_ref().unwrap();
        let i = own_pool.faults.iter().position(|f| *f == design.faults[0]).expect("drawn from the pool");
        seen.insert(i);
    }
    assert_eq!(seen.len(), pool.faults.len(), "a class of 60 meets every fault: {seen:?}");
}

#[test]
fn what_worked_at_the_start_is_everything_the_students_fault_does_not_break() {
    let lab = lab(TICKET_LAB);
    let student = lab.design_for(Some("s1"));
    for fault in &student.fault_pool.as_ref().unwrap().faults {
        let mut one = student.clone();
        one.faults = vec![fault.clone()];
        let suite = derive::suite(&one);
        let broken: BTreeSet<String> = affected_by(&one, &suite.checks, fault).into_iter().collect();
        assert!(!broken.is_empty(), "{fault:?} breaks something");
        assert!(broken.contains("check-1"), "{fault:?} breaks the ticket's own symptom");
        let guarded: BTreeSet<String> =
            suite.checks.iter().filter(|c| c.worked_at_start).map(|c| c.id.clone()).collect();
        let judged: BTreeSet<String> = suite
            .checks
            .iter()
            .filter(|c| !matches!(c.probe, ProbeSpec::Command { .. } | ProbeSpec::File { .. }))
            .map(|c| c.id.clone())
            .collect();
        assert_eq!(guarded, &judged - &broken, "{fault:?}");
    }
}

#[test]
fn a_lab_without_faults_or_ticket_guards_nothing_and_reports_no_regressions() {
    let design = support::example("eerste-lan.yml", None);
    let suite = derive::suite(&design);
    assert!(suite.checks.iter().all(|c| !c.worked_at_start));
    let report = Report::build(&suite, &results(&suite, &[]), "t");
    assert_eq!(report.regressions, None);
    assert!(report.rubric.is_empty());
}

/// The ticket lab for one student, with their fault, and its suite.
fn ticket_suite() -> (Design, Suite) {
    let design = lab(TICKET_LAB).design_for(Some("s1"));
    let suite = derive::suite(&design);
    (design, suite)
}

#[test]
fn a_check_that_worked_at_the_start_and_fails_now_is_a_regression() {
    let (_, suite) = ticket_suite();
    let guarded = suite.checks.iter().find(|c| c.worked_at_start).expect("something worked").id.clone();
    let not_guarded =
        suite.checks.iter().find(|c| !c.worked_at_start).expect("something was broken").id.clone();
    let report = Report::build(&suite, &results(&suite, &[&guarded, &not_guarded]), "t");
    let regressions = report.regressions.clone().expect("a ticket lab reports regressions");
    assert_eq!(regressions.broken, vec![guarded.clone()], "only what worked counts as broken by the student");
    assert_eq!(regressions.guarded, suite.checks.iter().filter(|c| c.worked_at_start).count());
    for format in [Format::Table, Format::Html, Format::Junit, Format::Json] {
        let shown = format::render(&report, format, Lang::En, false);
        assert!(shown.contains(&guarded), "{format:?} names the regression");
    }
    let table = format::render(&report, Format::Table, Lang::En, false);
    assert!(table.contains("Broken: 1 of the"), "{table}");
    let repaired = Report::build(&suite, &results(&suite, &[]), "t");
    assert!(repaired.regressions.unwrap().broken.is_empty());
    let nl = format::render(&repaired_table_source(&suite), Format::Table, Lang::Nl, false);
    assert!(nl.contains("Niets stukgemaakt"), "{nl}");
}

fn repaired_table_source(suite: &Suite) -> Report {
    Report::build(suite, &results(suite, &[]), "t")
}

#[test]
fn rubric_items_wait_for_a_grader_and_then_count_per_work_process() {
    let (design, suite) = ticket_suite();
    assert_eq!(suite.rubric.len(), design.rubric.len());
    let mut report = Report::build(&suite, &results(&suite, &[]), "t");
    let checks: f64 = suite.checks.iter().map(|c| c.weight).sum();
    let rubric: f64 = design.rubric.iter().map(|i| i.points).sum();
    assert_eq!(report.score.possible, checks + rubric);
    assert_eq!(report.score.earned, checks, "unscored items earn nothing yet");
    assert_eq!(report.counts.pending, design.rubric.len());
    assert_eq!(report.exit_code(), 1, "not done while a grader still has to score");
    // B1-K1-W2 is trained by the instruction alone: nothing scored, nothing earned.
    let instructs = |r: &Report| r.work_processes.iter().find(|w| w.code == "B1-K1-W2").unwrap().score;
    assert_eq!((instructs(&report).earned, instructs(&report).possible), (0.0, 3.0));

    let scores =
        rubric::parse("diagnosis: 3\ntested: { points: 1.5, comment: \"pc2 not tried\" }\ninstruction: 3\n")
            .unwrap();
    report.score_rubric(&scores).unwrap();
    assert_eq!(report.counts.pending, 0);
    assert_eq!(report.score.earned, checks + 7.5);
    assert_eq!((instructs(&report).earned, instructs(&report).possible), (3.0, 3.0));
    let tested = report.rubric.iter().find(|i| i.id == "tested").unwrap();
    assert_eq!((tested.earned, tested.comment.as_deref()), (Some(1.5), Some("pc2 not tried")));
    assert_eq!(report.exit_code(), 1, "half a point short is not full marks");

    report.score_rubric(&rubric::parse("tested: 2").unwrap()).unwrap();
    assert_eq!((report.score.percent, report.exit_code()), (100.0, 0));
}

#[test]
fn wrong_rubric_scores_are_refused_whole_and_say_why() {
    let (_, suite) = ticket_suite();
    let mut report = Report::build(&suite, &results(&suite, &[]), "t");
    let before = report.clone();
    let problems = report
        .score_rubric(&rubric::parse("diagnosis: 2\ndiagnose: 1\ninstruction: 4\ntested: -1\n").unwrap())
        .unwrap_err();
    assert_eq!(report, before, "nothing is scored when any score is wrong");
    let all = problems.join("\n");
    assert!(all.contains("`diagnose` is not an item") && all.contains("did you mean `diagnosis`"), "{all}");
    assert!(all.contains("`instruction` gets 4 points, but may get from 0 to 3"), "{all}");
    assert!(all.contains("`tested` gets -1 points"), "{all}");
    assert!(rubric::parse("diagnosis: [1, 2]").is_err());
}

#[test]
fn every_report_format_shows_the_rubric_scored_or_not() {
    let (_, suite) = ticket_suite();
    let mut report = Report::build(&suite, &results(&suite, &[]), "t");
    report
        .score_rubric(&rubric::parse("diagnosis: { points: 2, comment: \"cause <named>\" }").unwrap())
        .unwrap();
    let table = format::render(&report, Format::Table, Lang::En, false);
    assert!(
        table.contains("Scored by the teacher") && table.contains("2 / 3") && table.contains("– / 3"),
        "{table}"
    );
    assert!(table.contains("comment: cause <named>"), "{table}");
    let html = format::render(&report, Format::Html, Lang::Nl, false);
    assert!(html.contains("Beoordeeld door de docent") && html.contains("cause &lt;named&gt;"), "{html}");
    assert!(html.contains("nog te beoordelen"), "{html}");
    let junit = format::render(&report, Format::Junit, Lang::En, false);
    assert!(junit.contains("classname=\"melding-intranet.rubric\""), "{junit}");
    assert!(
        junit.contains("<failure message=\"2 / 3 points; cause &lt;named&gt;\" type=\"rubric\"/>"),
        "{junit}"
    );
    assert!(junit.contains("<skipped message=\"to be scored by the teacher\"/>"), "{junit}");
    let cases = junit.matches("<testcase ").count();
    assert_eq!(cases, report.checks.len() + report.rubric.len());
    let json = format::render(&report, Format::Json, Lang::En, false);
    let back: Report = serde_json::from_str(&json).unwrap();
    assert_eq!(back, report);
    assert_eq!(back.rubric.iter().find(|i| i.id == "diagnosis").unwrap().earned, Some(2.0));
}

#[test]
fn a_ticket_asks_for_its_three_texts_and_the_lab_adds_its_own() {
    let design = lab(TICKET_LAB).design_for(Some("s1"));
    let ticket = design.ticket.as_ref().expect("the lab has a ticket");
    assert!(ticket.message.nl.as_deref().unwrap().contains("intranetsite"));
    let asked: Vec<&str> = design.hand_in.iter().map(|w| w.id.as_str()).collect();
    assert_eq!(asked, ["diagnosis", "solution", "tested", "instruction"]);
    for item in &design.rubric {
        let about = item.about.as_deref().unwrap();
        assert!(asked.contains(&about), "{} is about a text the lab asks for", item.id);
    }
}
