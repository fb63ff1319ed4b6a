//! `asbuilt import lab-checker`: a kathara-lab-checker configuration the project wrote
//! (tests/fixtures/import/lab-checker/ospf-web-dns.yaml, one test of every kind asbuilt
//! maps, for the Kathará lab tests/fixtures/import/kathara/ospf-web-dns) becomes the
//! topology's checks: each test a check, or a finding at its line and column. On the
//! real Docker engine the imported lab with these checks scores full marks, and a wrong
//! address in a startup file fails exactly the imported checks that look at it.

mod common;
#[path = "support/verdicts.rs"]
mod verdicts;

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use asbuilt::checks::derive;
use asbuilt::checks::model::{Origin, ProbeSpec};
use asbuilt::design::Lab;
use asbuilt::import::{FindingKind, kathara, lab_checker};
use asbuilt::topology::Source;
use common::Deployed;
use verdicts::{explain, not_passed};

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/import")
}

fn config() -> String {
    std::fs::read_to_string(fixtures().join("lab-checker/ospf-web-dns.yaml")).unwrap()
}

fn kinds(checks: &[serde_yaml::Value]) -> Vec<&str> {
    let mut out: Vec<&str> = checks.iter().filter_map(|c| c.as_mapping()?.keys().next()?.as_str()).collect();
    out.sort();
    out.dedup();
    out
}

#[test]
fn every_test_becomes_a_check_or_a_finding_at_its_place() {
    let imported = lab_checker::import("ospf-web-dns.yaml", &config()).unwrap();
    assert_eq!(kinds(&imported.checks), vec!["command", "dns", "http", "ping"]);
    assert_eq!(imported.checks.len(), 24, "{}", imported.yaml());
    let yaml = imported.yaml();
    for expected in [
        r"matches: \sinet\s192\.168\.1\.1/24\s",
        "run: pgrep -x bgpd",
        "run: sysctl -n net.ipv4.icmp_echo_ignore_broadcasts",
        "grep -qw -- 'via 10.0.12.2'",
        "expect: blocked",
        "http: pc2 -> http://192.168.1.80/",
        "dns: pc2 -> www.lab.example",
        "type: SOA",
        "user: root",
    ] {
        assert!(yaml.contains(expected), "{expected} in\n{yaml}");
    }
    let report = imported.report.render();
    assert!(
        report.contains(
            "ospf-web-dns.yaml:7:3: mapped-with-loss: left out: asbuilt runs a node's startup commands"
        ),
        "{report}"
    );
    assert!(report.contains("ospf-web-dns.yaml:4:1: mapped-with-loss: left out: asbuilt waits"), "{report}");
    assert!(imported.report.dropped_anything());
}

#[test]
fn bgp_tests_and_unknown_ones_are_mapped_or_listed() {
    let text = r#"{
  "test": {
    "protocols": {
      "bgpd": {
        "neighbors": { "as1r1": [ { "ip": "10.0.0.2", "asn": 2 } ] },
        "routes": { "as1r1": [ { "route": "200.0.0.0/16", "aspath": [[2]] } ] },
        "injections": { "as1r1": [ "connected", "!ospf" ] }
      },
      "evpn": { "vteps": { "leaf1": [ "10.0.0.1" ] } }
    },
    "bridges": { "s1": [] },
    "custom_commands": { "as1r1": [ { "command": "vtysh -e 'show bgp summary'", "regex_match": "Established" } ] }
  }
}"#;
    let imported = lab_checker::import("correction.json", text).unwrap();
    let yaml = imported.yaml();
    assert!(yaml.contains("show bgp neighbors 10.0.0.2 json"), "{yaml}");
    assert!(yaml.contains(r#""remoteAs":2,"#), "{yaml}");
    assert!(yaml.contains(r#""path":"2""#), "{yaml}");
    assert!(yaml.contains("grep -Eq -- '^ +redistribute ospf( |$)'"), "{yaml}");
    assert!(yaml.contains("run: vtysh -e 'show bgp summary'"), "run as written: {yaml}");
    assert_eq!(imported.checks.len(), 5);
    let report = imported.report.render();
    assert!(
        report.contains(
            "correction.json:9:17: mapped-with-loss: left out: lab-checker's `vteps` tests of evpn"
        ),
        "{report}"
    );
    assert!(
        report.contains("correction.json:11:5: mapped-with-loss: left out: lab-checker's `bridges` tests"),
        "{report}"
    );
    assert!(!report.contains("vtysh"), "a custom command is carried over exactly: {report}");
    assert!(imported.report.findings.iter().all(|f| f.kind == FindingKind::MappedWithLoss));
}

#[test]
fn a_broken_configuration_is_an_error_at_its_place() {
    let errors = lab_checker::import("broken.yaml", "test:\n  daemons:\n    r1: [ospfd\n").unwrap_err();
    assert_eq!(errors.len(), 1);
    assert_eq!(errors[0].place.file, "broken.yaml");
    assert!(errors[0].place.line >= 3, "{:?}", errors[0]);
    let errors = lab_checker::import("list.yaml", "- a\n- b\n").unwrap_err();
    assert!(errors[0].message.contains("`test`"), "{errors:?}");
}

#[test]
fn checks_go_into_a_topologys_list_and_keep_its_text() {
    let imported = lab_checker::import("c.yaml", "test:\n  daemons:\n    r1: [ospfd]\n").unwrap();
    let with_list = "lab: x\n# the teacher's note\nchecks:\n    - ping: pc1 -> r1\n";
    let merged = imported.merge_into(with_list);
    assert!(
        merged.starts_with(
            "lab: x\n# the teacher's note\nchecks:\n    - command: r1\n      run: pgrep -x ospfd\n"
        ),
        "{merged}"
    );
    assert!(merged.ends_with("    - ping: pc1 -> r1\n"), "{merged}");
    let merged = imported.merge_into("lab: x\n");
    assert!(merged.starts_with("lab: x\n\nchecks:\n  - command: r1\n"), "{merged}");
}

/// The Kathará lab in `dir` imported, with the lab-checker configuration's checks.
fn imported_with_checks(dir: &Path) -> Lab {
    let lab = kathara::import(dir, dir).unwrap_or_else(|e| panic!("{e:?}"));
    let checks = lab_checker::import("ospf-web-dns.yaml", &config()).unwrap();
    let path = dir.join("asbuilt.yml");
    std::fs::write(&path, checks.merge_into(&lab.yaml)).unwrap();
    Lab::load(&Source::read(&path).unwrap()).unwrap_or_else(|e| panic!("{e:#?}"))
}

#[tokio::test(flavor = "multi_thread")]
async fn the_imported_checks_pass_on_the_lab_and_a_wrong_address_fails_exactly_those_that_see_it() {
    let _cleanup = common::DestroyOnDrop("imp-lc-");
    let tmp = tempfile::tempdir().unwrap();
    let good = tmp.path().join("good");
    common::copy_dir(&fixtures().join("kathara/ospf-web-dns"), &good);
    let design = imported_with_checks(&good).design_for(None);
    let suite = derive::suite(&design);
    let explicit: Vec<&str> =
        suite.checks.iter().filter(|c| c.origin == Origin::Explicit).map(|c| c.id.as_str()).collect();
    assert_eq!(explicit.len(), 24, "{explicit:?}");

    // pc2 gets 192.168.2.11 from its startup file instead of .10: deployed beside the
    // good lab and graded against the teacher's design.
    let seeded = tmp.path().join("seeded");
    common::copy_dir(&fixtures().join("kathara/ospf-web-dns"), &seeded);
    let startup = std::fs::read_to_string(seeded.join("pc2.startup")).unwrap();
    assert!(startup.contains("192.168.2.10/24"), "{startup}");
    std::fs::write(seeded.join("pc2.startup"), startup.replace("192.168.2.10/24", "192.168.2.11/24"))
        .unwrap();
    let student = imported_with_checks(&seeded).design_for(None);
    let (lab, broken) =
        tokio::join!(Deployed::new(design.clone(), "imp-lc-full"), Deployed::new(student, "imp-lc-seeded"));
    let (report, seeded_report) = tokio::join!(lab.grade(&design, &suite), broken.grade(&design, &suite));
    assert_eq!(report.score.percent, 100.0, "{}", explain(&report));
    // Of the imported checks, the two that look at that address fail: its ip_mapping
    // and pc1's ping of it.
    let sees_the_address = |probe: &ProbeSpec| match probe {
        ProbeSpec::Command { node, run, .. } => node == "pc2" && run.contains("dev eth0"),
        ProbeSpec::Ping { from, to, .. } => from == "pc1" && to.address.to_string() == "192.168.2.10",
        _ => false,
    };
    let expected: BTreeSet<String> = suite
        .checks
        .iter()
        .filter(|c| c.origin == Origin::Explicit && sees_the_address(&c.probe))
        .map(|c| c.id.clone())
        .collect();
    assert_eq!(expected.len(), 2, "{expected:?}");
    let failed_explicit: BTreeSet<String> = not_passed(&seeded_report)
        .into_iter()
        .filter(|id| suite.check(id).is_some_and(|c| c.origin == Origin::Explicit))
        .collect();
    assert_eq!(failed_explicit, expected, "{}", explain(&seeded_report));
}
