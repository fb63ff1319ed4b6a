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
}
