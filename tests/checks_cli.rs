//! The `checks` and `check` commands.

mod support;

use std::process::Command;

use asbuilt::checks::model::PartRef;
use asbuilt::checks::sim;
use asbuilt::cli::Outcome;
use asbuilt::cli::checks::{CheckArgs, check_instance};
use asbuilt::design::Part;
use clap::Parser;
use support::{deploy, example};

fn asbuilt(args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_asbuilt"))
        .args(args)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .unwrap()
}

#[test]
fn checks_lists_a_students_suite_without_running_it() {
    let out = asbuilt(&["checks", "topologies/dmz.yml", "--student", "s100001", "--format", "json"]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let suite: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(suite["student"], "s100001");
    let ids: Vec<&str> =
        suite["checks"].as_array().unwrap().iter().map(|c| c["id"].as_str().unwrap()).collect();
    assert!(ids.contains(&"nat/pc1/klant") && ids.contains(&"check-2"), "{ids:?}");

    let table = asbuilt(&["checks", "topologies/ospf.yml", "--lang", "en"]);
    let text = String::from_utf8_lossy(&table.stdout);
    assert!(text.contains("ospf-neighbour/r1/r2") && text.contains("node-tools"), "{text}");
    assert!(text.contains("depends on r1:addresses, r1:ospf"), "{text}");
}

#[test]
fn checks_of_an_invalid_lab_reports_its_errors_and_exits_1() {
    let out = asbuilt(&["checks", "tests/fixtures/invalid/self-link.yml"]);
    assert_eq!(out.status.code(), Some(1));
}

/// `asbuilt check` as the engine will wire it.
#[derive(Parser)]
struct Check {
    #[command(flatten)]
    args: CheckArgs,
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn check_writes_the_report_and_exits_by_the_outcome() {
    let design = example("eerste-lan.yml", None);
    let dir = tempfile::tempdir().unwrap();
    let junit = dir.path().join("report.xml");
    let args = Check::parse_from([
        "check",
        "eerste-lan-1",
        "--format",
        "junit",
        "-o",
        junit.to_str().unwrap(),
        "--lang",
        "en",
    ])
    .args;
    assert_eq!(args.instance, "eerste-lan-1");

    let built = deploy::deploy(&design).await;
    assert_eq!(check_instance(built.lab.clone(), &design, &args).await, Outcome::Success);
    let xml = std::fs::read_to_string(&junit).unwrap();
    assert!(roxmltree::Document::parse(&xml).is_ok());
    drop(built);

    let blank = sim::without(&design, &PartRef { node: "pc2".into(), part: Part::Addresses });
    let built = deploy::deploy(&blank).await;
    let html = dir.path().join("report.html");
    let view =
        Check::parse_from(["check", "x", "--format", "html", "-o", html.to_str().unwrap(), "--student-view"])
            .args;
    assert_eq!(
        check_instance(built.lab.clone(), &design, &view).await,
        Outcome::Invalid,
        "exit 1: some failed"
    );
    let page = std::fs::read_to_string(&html).unwrap();
    assert!(page.contains("leerlingweergave") && page.contains("address/pc2:eth1"));

    // Rubric scores are read before grading and checked against the lab's rubric after:
    // a missing file stops the command at once, a score for a lab without a rubric
    // writes no report.
    let scored = dir.path().join("scored.json");
    let missing = Check::parse_from([
        "check",
        "x",
        "-o",
        scored.to_str().unwrap(),
        "--rubric",
        "/nonexistent/scores.yml",
    ])
    .args;
    assert_eq!(check_instance(built.lab.clone(), &design, &missing).await, Outcome::Invalid);
    assert!(!scored.exists(), "no report without the scores asked for");
    let scores = dir.path().join("scores.yml");
    std::fs::write(&scores, "diagnosis: 2\n").unwrap();
    let wrong = Check::parse_from([
        "check",
        "x",
        "--format",
        "json",
        "-o",
        scored.to_str().unwrap(),
        "--rubric",
        scores.to_str().unwrap(),
    ])
    .args;
    assert_eq!(check_instance(built.lab.clone(), &design, &wrong).await, Outcome::Invalid);
    assert!(!scored.exists(), "no report with scores that do not fit it");
}

/// A report of the ticket lab as `check --format json` saves it, every check passed.
fn saved_ticket_report(dir: &std::path::Path) -> std::path::PathBuf {
    let design = example("melding-intranet.yml", Some("100001"));
    let suite = asbuilt::checks::derive::suite(&design);
    let results = support::passed::all_passed(&suite);
    let report = asbuilt::checks::report::Report::build(&suite, &results, "2026-12-02T12:00:00Z");
    let path = dir.join("100001.json");
    std::fs::write(&path, serde_json::to_string_pretty(&report).unwrap()).unwrap();
    path
}

#[test]
fn report_shows_a_saved_report_in_any_format_with_a_graders_rubric_scores() {
    let dir = tempfile::tempdir().unwrap();
    let saved = saved_ticket_report(dir.path());
    let saved = saved.to_str().unwrap();
    let stderr = |out: &std::process::Output| String::from_utf8_lossy(&out.stderr).into_owned();

    // Unscored: the table says what waits for the teacher, and the exit code is 1.
    let out = asbuilt(&["report", saved, "--lang", "en"]);
    let table = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    assert!(table.contains("3 to be scored") && table.contains("Scored by the teacher"), "{table}");

    let scores = dir.path().join("scores.yml");
    std::fs::write(
        &scores,
        "diagnosis: { points: 3, comment: \"cause and test named\" }\ntested: 2\ninstruction: 3\n",
    )
    .unwrap();
    let html = dir.path().join("100001.html");
    let out = asbuilt(&[
        "report",
        saved,
        "--rubric",
        scores.to_str().unwrap(),
        "--format",
        "html",
        "-o",
        html.to_str().unwrap(),
        "--lang",
        "en",
    ]);
    assert_eq!(out.status.code(), Some(0), "full marks: {}", stderr(&out));
    let page = std::fs::read_to_string(&html).unwrap();
    assert!(page.contains("100%") && page.contains("cause and test named"), "{page}");
    let out = asbuilt(&["report", saved, "--rubric", scores.to_str().unwrap(), "--format", "junit"]);
    let xml = String::from_utf8_lossy(&out.stdout);
    assert!(roxmltree::Document::parse(&xml).is_ok() && xml.contains(".rubric\""), "{xml}");

    // Wrong scores: every problem named with the file, and no report.
    std::fs::write(&scores, "diagnose: 3\ninstruction: 9\n").unwrap();
    let out = asbuilt(&["report", saved, "--rubric", scores.to_str().unwrap()]);
    let said = stderr(&out);
    assert_eq!(out.status.code(), Some(1));
    assert!(out.stdout.is_empty(), "no report with wrong scores");
    assert!(
        said.contains("scores.yml: `diagnose` is not an item") && said.contains("did you mean `diagnosis`"),
        "{said}"
    );
    assert!(said.contains("`instruction` gets 9 points, but may get from 0 to 3"), "{said}");

    // Not a report at all.
    let out = asbuilt(&["report", scores.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1));
    assert!(stderr(&out).contains("is not a report asbuilt wrote"), "{}", stderr(&out));
}
