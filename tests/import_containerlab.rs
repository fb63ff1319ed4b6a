//! `asbuilt import containerlab`: a containerlab topology the project wrote
//! (tests/fixtures/import/containerlab/frr-lan: FRR routers with bound configurations,
//! settings from defaults, kinds and groups, a bridge, addresses on cable ends and in
//! `exec`, a vendor node and a published port) becomes an asbuilt topology with a
//! located report; on the real Docker engine it scores full marks, and a wrong address
//! in a node's `exec` fails exactly the checks that address affects.

mod common;
#[path = "support/verdicts.rs"]
mod verdicts;

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use asbuilt::checks::derive::{self, affected_by};
use asbuilt::design::{Endpoint, Fault, FaultKind, Lab};
use asbuilt::import::{FindingKind, containerlab};
use asbuilt::topology::Source;
use common::Deployed;
use verdicts::{explain, not_passed};

fn fixture() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/import/containerlab/frr-lan")
}

fn load(yaml: &str, dir: &Path) -> Lab {
    let mut source = Source::new(dir.join("lab.asbuilt.yml").display().to_string(), yaml.to_string());
    source.folder = Some(dir.to_path_buf());
    Lab::load(&source).unwrap_or_else(|e| panic!("the topology loads: {e:#?}\n{yaml}"))
}

#[test]
fn a_containerlab_topology_becomes_a_topology_with_a_located_report() {
    let imported = containerlab::import(&fixture().join("lab.clab.yml")).unwrap();
    let design = load(&imported.yaml, &fixture()).design_for(None);
    // Kinds by what the nodes run: FRR configurations make routers, a web page a server.
    let kind = |n: &str| design.nodes[n].kind.to_string();
    assert_eq!(
        (kind("r1"), kind("r2"), kind("web"), kind("pc1")),
        ("router".into(), "router".into(), "server".into(), "host".into())
    );
    assert!(!design.nodes.contains_key("leaf") && !design.nodes.contains_key("lan2"));
    // The bridge is a segment of three; the renamed interface is eth1; cable-end
    // addresses and MACs, `exec` addresses and bound FRR configurations are design facts.
    let lan2 = design.segments.iter().find(|s| s.name == "lan2").expect("the bridge's segment");
    assert_eq!(lan2.members.len(), 3);
    assert_eq!(design.nodes["pc1"].interfaces["eth1"].addresses[0].to_string(), "192.168.1.10/24");
    assert_eq!(design.nodes["pc2"].interfaces["eth1"].addresses[0].to_string(), "192.168.2.10/24");
    assert!(design.nodes["r2"].ospf.is_some(), "r2's startup-config is its frr.conf");
    assert_eq!(design.nodes["pc1"].limits.memory_mib, 256, "from the clients group");
    let report = imported.report.render();
    for line in [
        "lab.clab.yml:5:1: mapped-with-loss: the management network is left out",
        "lab.clab.yml:38:7: refused: `ports` publishes ports",
        "lab.clab.yml:50:5: refused: `nokia_srlinux` is a vendor's system",
        "lab.clab.yml:64:19: mapped-with-loss: `pc2:e1-1` is `pc2:eth1`",
        "lab.clab.yml:66:7: mapped-with-loss: a cable to a node that is not imported is left out",
    ] {
        assert!(report.contains(line), "{line}\nin\n{report}");
    }
    assert!(imported.report.findings.iter().all(|f| f.place.file == "lab.clab.yml"), "{report}");
    assert!(imported.report.count(FindingKind::Refused) == 2);
}

#[test]
fn binds_from_outside_the_topologys_folder_and_broken_files_are_located_errors() {
    let tmp = tempfile::tempdir().unwrap();
    let lab = tmp.path().join("lab");
    std::fs::create_dir_all(&lab).unwrap();
    std::fs::write(tmp.path().join("secret.txt"), "host file\n").unwrap();
    let file = lab.join("x.clab.yml");
    std::fs::write(
        &file,
        "name: x\ntopology:\n  nodes:\n    a:\n      kind: linux\n      binds:\n        - ../secret.txt:/root/secret.txt\n        - /etc/passwd:/root/passwd\n",
    )
    .unwrap();
    let imported = containerlab::import(&file).unwrap();
    let report = imported.report.render();
    assert!(
        report.contains(
            "x.clab.yml:7:11: refused: `../secret.txt` is not a file or folder beside the topology"
        ),
        "{report}"
    );
    assert!(report.contains("x.clab.yml:8:11: refused: `/etc/passwd`"), "{report}");
    assert!(!imported.yaml.contains("host file") && !imported.yaml.contains("root:x:0"), "{}", imported.yaml);

    std::fs::write(&file, "name: x\ntopology:\n  nodes: [\n").unwrap();
    let errors = containerlab::import(&file).unwrap_err();
    assert_eq!(errors[0].place.file, "x.clab.yml");
    assert!(errors[0].place.line >= 3, "{errors:?}");
    std::fs::write(&file, "name: x\n").unwrap();
    let errors = containerlab::import(&file).unwrap_err();
    assert!(errors[0].message.contains("`topology`"), "{errors:?}");
}

#[tokio::test(flavor = "multi_thread")]
async fn an_imported_containerlab_lab_scores_full_marks_and_a_seeded_error_fails_exactly_its_checks() {
    let _cleanup = common::DestroyOnDrop("imp-clab-");
    let imported = containerlab::import(&fixture().join("lab.clab.yml")).unwrap();
    let design = load(&imported.yaml, &fixture()).design_for(None);
    let suite = derive::suite(&design);

    // The same topology with a wrong address in pc2's `exec`, deployed beside it and
    // graded against the teacher's design.
    let tmp = tempfile::tempdir().unwrap();
    let seeded = tmp.path().join("frr-lan");
    common::copy_dir(&fixture(), &seeded);
    let text = std::fs::read_to_string(seeded.join("lab.clab.yml")).unwrap();
    std::fs::write(seeded.join("lab.clab.yml"), text.replace("192.168.2.10/24", "192.168.2.99/24")).unwrap();
    let student = containerlab::import(&seeded.join("lab.clab.yml")).unwrap();
    let student = load(&student.yaml, &seeded).design_for(None);
    let (lab, broken) = tokio::join!(
        Deployed::new(design.clone(), "imp-clab-full"),
        Deployed::new(student, "imp-clab-seeded")
    );
    let (report, seeded_report) = tokio::join!(lab.grade(&design, &suite), broken.grade(&design, &suite));
    assert_eq!(report.score.percent, 100.0, "{}", explain(&report));
    let page = lab.run("pc1", "curl -s http://192.168.2.80/").await;
    assert!(page.stdout.contains("Served from a containerlab lab"), "{}", page.stdout);
    let fault = Fault {
        kind: FaultKind::WrongAddress {
            at: Endpoint { node: "pc2".into(), interface: "eth1".into() },
            address: "192.168.2.99/24".parse().unwrap(),
        },
        note: None,
    };
    let expected: BTreeSet<String> = affected_by(&design, &suite.checks, &fault).into_iter().collect();
    assert!(expected.contains("address/pc2:eth1"), "{expected:?}");
    assert_eq!(not_passed(&seeded_report), expected, "{}", explain(&seeded_report));
}
