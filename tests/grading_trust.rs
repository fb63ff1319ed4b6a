//! Grading you can trust, on a teacher's own lab (tests/fixtures/labs/kantoor.yml: a
//! provider, a three-zone firewall with NAT and a DHCP/DNS server the student builds, two
//! DHCP clients), graded the way outside testers did: empty, as handed out, with a policy
//! that is too wide, complete, and right after a change. Every verdict is held against
//! what the packets really do.

mod common;
#[path = "support/verdicts.rs"]
mod verdicts;

use std::collections::BTreeSet;
use std::path::Path;

use asbuilt::checks::derive;
use asbuilt::checks::model::{ProbeSpec, Suite};
use asbuilt::checks::outcome::Status;
use asbuilt::checks::report::Report;
use asbuilt::design::{Design, Lab, Part};
use asbuilt::topology::Source;
use common::{Deployed, all_prebuilt};
use verdicts::explain;

fn kantoor() -> Design {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/labs/kantoor.yml");
    Lab::load(&Source::read(&path).unwrap()).unwrap().design_for(None)
}

/// The answer key: every part built, as the grade is always computed against.
fn complete() -> Design {
    all_prebuilt(kantoor())
}

/// Whether a check claims that traffic is stopped.
fn negative(probe: &ProbeSpec) -> bool {
    matches!(
        probe,
        ProbeSpec::Ping { reach: false, .. } | ProbeSpec::Port { open: false, .. } | ProbeSpec::Inject { .. }
    )
}

fn statuses(report: &Report, suite: &Suite, which: impl Fn(&ProbeSpec) -> bool) -> Vec<(String, Status)> {
    report
        .checks
        .iter()
        .filter(|c| suite.check(&c.id).is_some_and(|s| which(&s.probe)))
        .map(|c| (c.id.clone(), c.status))
        .collect()
}

/// The firewall's rule set with the rule that carries the teacher's wording `rule` left
/// out, loaded at once: what a student does who changes one rule.
async fn without_rule(lab: &Deployed, rule: &str) {
    let script = format!(
        "grep -v 'comment \"{rule}\"' /etc/nftables.conf > /tmp/ruleset && nft -f /tmp/ruleset && echo LOADED"
    );
    let out = lab.run("fw", &script).await;
    assert!(out.stdout.contains("LOADED"), "{}{}", out.stdout, out.stderr);
}

/// `asbuilt check` as a separate process, the way a student runs it twice in a row:
/// each run is a new process that starts its identifiers afresh.
fn check_by_cli(instance: &str) -> serde_json::Value {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_asbuilt"))
        .args(["check", instance, "--format", "json"])
        .output()
        .unwrap();
    serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!("{e}: {}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr))
    })
}

fn status_of(report: &serde_json::Value, id: &str) -> String {
    report["checks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["id"] == id)
        .map(|c| c["status"].as_str().unwrap().to_string())
        .unwrap_or_else(|| panic!("no check {id}"))
}

#[tokio::test(flavor = "multi_thread")]
async fn the_complete_lab_scores_full_marks() {
    let design = complete();
    let suite = derive::suite(&design);
    let lab = Deployed::new(design.clone(), "t-trust-full").await;
    let report = lab.grade(&design, &suite).await;
    assert_eq!(report.score.percent, 100.0, "{}", explain(&report));
}

#[tokio::test(flavor = "multi_thread")]
async fn a_flow_blocked_right_after_it_was_allowed_fails_in_the_very_next_run() {
    let design = complete();
    let lab = Deployed::new(design, "t-trust-flow").await;
    let first = check_by_cli("t-trust-flow");
    assert_eq!(status_of(&first, "reach/srv/inet"), "pass", "allowed at first");
    // The student takes the rule away; the firewall still remembers the last run's flows.
    without_rule(&lab, "allow lan -> wan").await;
    let second = check_by_cli("t-trust-flow");
    assert_eq!(status_of(&second, "reach/srv/inet"), "fail", "blocked now, at once");
    assert_eq!(status_of(&second, "port/srv/inet/tcp/80/open"), "fail");
    // And what packets really do, by hand, agrees.
    assert!(!lab.run("srv", "ping -c 2 -W 1 198.51.100.10").await.success());
}

#[tokio::test(flavor = "multi_thread")]
async fn negative_checks_never_pass_on_an_empty_lab_derived_or_the_teachers() {
    let answer_key = complete();
    let suite = derive::suite(&answer_key);
    // Nothing built at all: the student has not started.
    let mut empty = answer_key.clone();
    for node in empty.nodes.values_mut() {
        node.student_builds = Part::ALL.into_iter().filter(|p| p.applies_to(node.kind)).collect();
    }
    let lab = Deployed::new(empty, "t-trust-empty").await;
    let report = lab.grade(&answer_key, &suite).await;
    let negatives = statuses(&report, &suite, negative);
    assert!(negatives.len() >= 10, "the lab has derived and explicit negative checks: {negatives:?}");
    for explicit in ["check-1", "check-2", "check-3"] {
        assert!(negatives.iter().any(|(id, _)| id == explicit), "{explicit} is a negative check");
    }
    let passed: Vec<&(String, Status)> = negatives.iter().filter(|(_, s)| *s == Status::Pass).collect();
    assert!(
        passed.is_empty(),
        "nothing works, so nothing is shown blocked: {passed:?}\n{}",
        explain(&report)
    );
    // Skipped, with the reason, and no points.
    assert!(negatives.iter().all(|(_, s)| *s == Status::Skipped), "{negatives:?}");
    assert!(report.score.percent < 10.0, "{}", report.score.percent);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_policy_that_lets_everything_through_fails_every_negative_check() {
    let answer_key = complete();
    let suite = derive::suite(&answer_key);
    let lab = Deployed::new(answer_key.clone(), "t-trust-wide").await;
    // The student's firewall forwards everything (and keeps NAT): too wide.
    let wide =
        "nft flush chain inet asbuilt forward && nft add rule inet asbuilt forward accept && echo WIDE";
    assert!(lab.run("fw", wide).await.stdout.contains("WIDE"));
    let report = lab.grade(&answer_key, &suite).await;
    let negatives = statuses(&report, &suite, negative);
    let not_failed: Vec<&(String, Status)> = negatives.iter().filter(|(_, s)| *s != Status::Fail).collect();
    assert!(not_failed.is_empty(), "everything gets through: {not_failed:?}\n{}", explain(&report));
    // Every pair of zones the policy keeps apart is caught, both ways.
    let failed: BTreeSet<&str> = negatives.iter().map(|(id, _)| id.as_str()).collect();
    for (pair, found) in [
        ("wan -> lan", failed.contains("denied/fw/eth1/srv")),
        ("wan -> dmz on a closed port", failed.contains("denied/fw/eth1/web")),
        ("dmz -> wan", failed.contains("blocked/web/inet")),
        ("dmz -> lan", failed.contains("blocked/web/srv")),
        ("lan -> dmz on a closed port", failed.contains("port/srv/web/tcp/22/closed")),
    ] {
        assert!(found, "{pair} is checked: {failed:?}");
    }
    // A closed UDP port is judged by where the datagram went: web answers it with a
    // refusal (nothing listens), and it did arrive, so it was not blocked.
    assert!(failed.contains("check-2"), "udp to web:53 arrived: {failed:?}");
    assert!(report.score.percent < 100.0);
}

#[tokio::test(flavor = "multi_thread")]
async fn nodes_get_name_servers_only_from_the_design_or_a_lease() {
    let design = complete();
    let lab = Deployed::new(design.clone(), "t-trust-dns").await;
    // The positive control: the host has a name server, so a leak would show.
    let host = std::fs::read_to_string("/etc/resolv.conf").unwrap_or_default();
    let host_servers: Vec<&str> =
        host.lines().filter_map(|l| l.strip_prefix("nameserver")).map(str::trim).collect();
    for node in design.nodes.keys() {
        let resolv = lab.run(node, "cat /etc/resolv.conf").await.stdout;
        for server in &host_servers {
            assert!(!resolv.contains(server), "{node} has the host's name server {server}: {resolv}");
        }
        let servers: Vec<&str> = resolv.lines().filter(|l| l.starts_with("nameserver")).collect();
        match node.as_str() {
            // The DHCP clients get srv from their lease.
            "pc1" | "pc2" => assert_eq!(servers, ["nameserver 192.168.10.2"], "{node}: {resolv}"),
            _ => assert!(servers.is_empty(), "{node} names no server in the design: {resolv}"),
        }
    }
    assert!(!host_servers.is_empty() || host.is_empty(), "the host's resolv.conf is readable");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_dhcp_client_outside_its_range_fails_its_address_but_keeps_a_right_gateway() {
    let design = complete();
    let suite = derive::suite(&design);
    let lab = Deployed::new(design.clone(), "t-trust-lease").await;
    // What a student's hand-set address does: on the right subnet, outside the range,
    // with the right gateway.
    let out = lab
        .run(
            "pc1",
            "pkill dhclient; ip address flush dev eth1 && ip address add 192.168.10.99/24 dev eth1 \
             && ip route replace default via 192.168.10.1 && echo SET",
        )
        .await;
    assert!(out.stdout.contains("SET"), "{}{}", out.stdout, out.stderr);
    let report = lab.grade(&design, &suite).await;
    let status = |id: &str| report.checks.iter().find(|c| c.id == id).map(|c| c.status);
    assert_eq!(status("address/pc1:eth1"), Some(Status::Fail), "{}", explain(&report));
    assert_eq!(status("gateway/pc1"), Some(Status::Pass), "judged on its own: {}", explain(&report));
}
