//! `asbuilt import kathara` on the real Docker engine: a Kathará lab the project wrote
//! (tests/fixtures/import/kathara/ospf-web-dns: FRR with OSPF, a web and a DNS server,
//! startup files in the common forms, a node that runs its commands as they are),
//! imported, deployed and graded, scores full marks; the same lab with one wrong
//! address in a startup file fails exactly the checks that address affects.

mod common;
#[path = "support/verdicts.rs"]
mod verdicts;

use std::collections::BTreeSet;
use std::path::Path;

use asbuilt::checks::derive::{self, affected_by};
use asbuilt::design::{Endpoint, Fault, FaultKind, Lab};
use asbuilt::engine::Engine;
use asbuilt::import::kathara;
use asbuilt::topology::Source;
use common::Deployed;
use verdicts::{explain, not_passed};

fn fixture() -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/import/kathara/ospf-web-dns")
}

/// Imports the lab in `dir`, writes the topology beside it as `asbuilt import` does,
/// and loads it as `asbuilt deploy` does.
fn import(dir: &Path) -> Lab {
    let imported = kathara::import(dir, dir).unwrap_or_else(|e| panic!("the lab imports: {e:?}"));
    let path = dir.join("asbuilt.yml");
    std::fs::write(&path, &imported.yaml).unwrap();
    Lab::load(&Source::read(&path).unwrap())
        .unwrap_or_else(|e| panic!("the topology loads: {e:#?}\n{}", imported.yaml))
}

async fn out(lab: &Deployed, node: &str, command: &str) -> String {
    let run = lab.run(node, command).await;
    assert!(run.success(), "{node}: `{command}` failed: {} {}", run.stdout, run.stderr);
    run.stdout.trim().to_string()
}

#[tokio::test(flavor = "multi_thread")]
async fn an_imported_kathara_lab_scores_full_marks_and_a_seeded_error_fails_exactly_its_checks() {
    let _cleanup = common::DestroyOnDrop("imp-ospf-");
    let tmp = tempfile::tempdir().unwrap();

    // The lab as its teacher wrote it: the answer key.
    let good = tmp.path().join("good");
    common::copy_dir(&fixture(), &good);
    let design = import(&good).design_for(None);
    let suite = derive::suite(&design);
    for id in
        ["address/pc1:eth0", "gateway/pc2", "ospf-neighbour/r1/r2", "http/web", "dns/dns/www.lab.example"]
    {
        assert!(
            suite.check(id).is_some() || suite.checks.iter().any(|c| c.id.starts_with(id)),
            "{id} is derived from the imported design: {:?}",
            suite.checks.iter().map(|c| &c.id).collect::<Vec<_>>()
        );
    }
    let lab = Deployed::new(design.clone(), "imp-ospf-full").await;
    let report = lab.grade(&design, &suite).await;
    assert_eq!(report.score.percent, 100.0, "{}", explain(&report));

    // What runs as it is ran: shared.startup and an `exec` option in design mode, all
    // of pc2's commands in passthrough, the shared folder and the environment.
    assert_eq!(out(&lab, "pc1", "cat /root/started.txt").await, "started");
    assert_eq!(out(&lab, "pc1", "cat /root/exec.txt").await, "exec-ran");
    assert_eq!(out(&lab, "pc2", "cat /root/ready.txt").await, "pc2 ready");
    assert_eq!(out(&lab, "pc2", "cat /root/note.txt").await, "pc2 is on 1 subnet");
    assert!(out(&lab, "pc2", "ip -o link show eth0").await.contains("mtu 1400"));
    assert_eq!(out(&lab, "pc2", "cat /sys/class/net/eth0/address").await, "02:00:00:00:02:10");
    assert_eq!(
        out(&lab, "web", "cat /srv/shared/README.txt").await,
        "This folder is on every device of the lab."
    );
    assert_eq!(out(&lab, "pc1", "cat /etc/environment").await, "LAB_ROLE=client");
    // Kathará's defaults: forwarding on in every device, IPv6 off where not asked for.
    assert_eq!(out(&lab, "pc1", "cat /proc/sys/net/ipv4/ip_forward").await, "1");
    assert_eq!(out(&lab, "pc2", "cat /proc/sys/net/ipv6/conf/all/disable_ipv6").await, "1");
    // r2 loads its own frr.conf, with the line the importer did not know.
    assert!(
        out(&lab, "r2", "vtysh -c 'show running-config'").await.contains("ip ospf retransmit-interval 6")
    );
    let record = lab.engine.record(&lab.instance).await.unwrap();
    let pc2 = record.startup.iter().find(|l| l.node == "pc2").expect("pc2's startup log is kept");
    assert!(pc2.commands.iter().any(|c| c.command.contains("mtu 1400") && c.status == Some(0)), "{pc2:?}");
    drop(lab);

    // The same lab with one wrong address in pc1's startup file, graded against the
    // teacher's design: exactly the checks that address affects fail.
    let seeded = tmp.path().join("seeded");
    common::copy_dir(&fixture(), &seeded);
    let startup = std::fs::read_to_string(seeded.join("pc1.startup")).unwrap();
    assert!(startup.contains("192.168.1.10/24"));
    std::fs::write(seeded.join("pc1.startup"), startup.replace("192.168.1.10/24", "192.168.1.99/24"))
        .unwrap();
    let student = import(&seeded).design_for(None);
    let lab = Deployed::new(student, "imp-ospf-seeded").await;
    let report = lab.grade(&design, &suite).await;
    let fault = Fault {
        kind: FaultKind::WrongAddress {
            at: Endpoint { node: "pc1".into(), interface: "eth0".into() },
            address: "192.168.1.99/24".parse().unwrap(),
        },
        note: None,
    };
    let expected: BTreeSet<String> = affected_by(&design, &suite.checks, &fault).into_iter().collect();
    assert!(expected.contains("address/pc1:eth0"), "{expected:?}");
    assert_eq!(not_passed(&report), expected, "{}", explain(&report));
}

/// The Quagga lab: one router's per-daemon files recognised whole (design mode), the
/// other's joined into one FRR configuration it loads as it is; RIP between them.
#[tokio::test(flavor = "multi_thread")]
async fn an_imported_quagga_lab_scores_full_marks() {
    let _cleanup = common::DestroyOnDrop("imp-quagga");
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("quagga-rip");
    common::copy_dir(&fixture().with_file_name("quagga-rip"), &dir);
    let design = import(&dir).design_for(None);
    let suite = derive::suite(&design);
    assert!(suite.checks.iter().any(|c| c.id.starts_with("rip-route/")), "RIP is graded");
    let lab = Deployed::new(design.clone(), "imp-quagga").await;
    let report = lab.grade(&design, &suite).await;
    assert_eq!(report.score.percent, 100.0, "{}", explain(&report));
    let running = out(&lab, "r2", "vtysh -c 'show running-config'").await;
    assert!(running.contains("timers basic 10 60 40"), "r2 runs its own configuration: {running}");
    assert!(lab.pings("host-1", "10.10.2.10", 20).await);
}

fn asbuilt(args: &[&str]) -> std::process::Output {
    std::process::Command::new(env!("CARGO_BIN_EXE_asbuilt"))
        .args(args)
        .stdin(std::process::Stdio::null())
        .output()
        .expect("run asbuilt")
}

/// `asbuilt deploy DIR` imports a Kathará lab on the fly; `asbuilt check` grades it.
#[tokio::test(flavor = "multi_thread")]
async fn deploy_takes_a_kathara_labs_folder_and_check_grades_it() {
    let _cleanup = common::DestroyOnDrop("imp-cli");
    let dir = fixture().with_file_name("quagga-rip");
    let dir = dir.to_str().unwrap();
    let deploy = asbuilt(&["deploy", dir, "--name", "imp-cli"]);
    let said = |o: &std::process::Output| {
        format!("{}{}", String::from_utf8_lossy(&o.stdout), String::from_utf8_lossy(&o.stderr))
    };
    assert!(deploy.status.success(), "{}", said(&deploy));
    assert!(
        said(&deploy).contains("r2/etc/quagga/ripd.conf:6:2: passthrough"),
        "the report is shown: {}",
        said(&deploy)
    );
    let check = asbuilt(&["check", "imp-cli"]);
    assert_eq!(check.status.code(), Some(0), "{}", said(&check));
    let destroy = asbuilt(&["destroy", "imp-cli"]);
    assert!(destroy.status.success(), "{}", said(&destroy));
}

/// Static routing between two Linux routers (no routing daemon, the folder's name for
/// the lab): each device that joins two subnets is a router, and its routes are the
/// design's.
#[tokio::test(flavor = "multi_thread")]
async fn an_imported_static_routing_lab_scores_full_marks() {
    let _cleanup = common::DestroyOnDrop("imp-static");
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("static-routing");
    common::copy_dir(&fixture().with_file_name("static-routing"), &dir);
    let design = import(&dir).design_for(None);
    assert_eq!(design.nodes["r1"].kind.to_string(), "router");
    let suite = derive::suite(&design);
    let lab = Deployed::new(design.clone(), "imp-static").await;
    let report = lab.grade(&design, &suite).await;
    assert_eq!(report.score.percent, 100.0, "{}", explain(&report));
    assert!(lab.pings("pc1", "10.2.2.10", 10).await);
}

/// The DHCP lab: ISC's dhcpd.conf becomes the design's DHCP server, `dhclient` the
/// design's DHCP clients; one pc runs its commands as they are, dhclient among them.
#[tokio::test(flavor = "multi_thread")]
async fn an_imported_dhcp_lab_scores_full_marks() {
    let _cleanup = common::DestroyOnDrop("imp-dhcp");
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("dhcp-lan");
    common::copy_dir(&fixture().with_file_name("dhcp-lan"), &dir);
    let design = import(&dir).design_for(None);
    let suite = derive::suite(&design);
    assert!(suite.checks.iter().any(|c| c.id.starts_with("dhcp/")), "DHCP is graded");
    let lab = Deployed::new(design.clone(), "imp-dhcp").await;
    let report = lab.grade(&design, &suite).await;
    assert_eq!(report.score.percent, 100.0, "{}", explain(&report));
    assert!(out(&lab, "pc2", "cat /root/lease.txt").await.starts_with("got 192.168.50."));
}
