//! The lab as it is, without an engine: placeholders in startup commands and name
//! servers follow each student's variant, `from:` works only beside a file on disk, and
//! the plan carries every construct to the engine.

use asbuilt::design::Lab;
use asbuilt::plan::{InstanceId, plan};
use asbuilt::topology::Source;

const LAB: &str = r#"
lab: as-is-variant
title: Varianten
trains: [B1-K2-W1]
nodes:
  r1:
    kind: router
    frr: { config: "hostname r1\nip route 203.0.113.0/24 blackhole\n", daemons: [bgpd] }
    sysctls: { net.ipv4.ip_forward: 0 }
  pc1:
    kind: host
    ipv6: true
    macs: { eth1: "02:00:00:00:01:0A" }
    resolv: { nameservers: [192.168.1.53] }
    startup:
      - ping -c 1 {r1:eth1}
  web:
    kind: server
    files:
      /var/www/html/index.html: "eigen pagina\n"
segments:
  lan: [r1:eth1, pc1:eth1, web:eth1]
shared:
  path: /opt/lab
  files:
    a.txt: "gedeeld\n"
variants:
  192.168.1.0/24: 10.0.0.0/8
design:
  addresses:
    r1:eth1: 192.168.1.1/24
    pc1:eth1: 192.168.1.10/24
    web:eth1: 192.168.1.80/24
  services:
    web: { http: { content: "van asbuilt" } }
"#;

fn lab() -> Lab {
    Lab::load(&Source::new("as-is.yml", LAB)).unwrap_or_else(|e| panic!("{e:#?}"))
}

#[test]
fn startup_placeholders_and_name_servers_follow_the_students_addresses() {
    let lab = lab();
    let teacher = lab.design_for(None);
    assert_eq!(teacher.nodes["pc1"].as_is.startup, ["ping -c 1 192.168.1.1"]);
    let mut seen = Vec::new();
    for student in ["s1", "s2"] {
        let design = lab.design_for(Some(student));
        let r1 = design.nodes["r1"].interfaces["eth1"].addresses[0];
        let pc1 = &design.nodes["pc1"];
        assert_eq!(pc1.as_is.startup, [format!("ping -c 1 {}", r1.addr())], "{student}");
        let ns = pc1.as_is.resolv.as_ref().unwrap().nameservers[0];
        assert!(r1.contains(&ns), "{student}: the name server {ns} moved into {r1}");
        assert_eq!(lab.design_for(Some(student)), design, "the same student gets the same");
        seen.push(r1.addr());
    }
    assert_ne!(seen[0], seen[1], "students differ");
}

#[test]
fn the_plan_carries_every_construct() {
    let design = lab().design_for(None);
    let plan = plan(&design, InstanceId::for_lab(&design.lab, None));
    let r1 = plan.node("r1").unwrap();
    let frr = r1.files.iter().find(|f| f.path == "/etc/frr/frr.conf").unwrap();
    assert!(frr.content.contains("203.0.113.0/24 blackhole"), "the own frr.conf replaces asbuilt's");
    assert!(r1.frr_daemons.contains(&"bgpd".to_string()));
    assert!(r1.sysctls.contains(&("net.ipv4.ip_forward".into(), "0".into())));
    assert_eq!(r1.sysctls.iter().filter(|(k, _)| k == "net.ipv4.ip_forward").count(), 1);
    assert!(r1.node_files.iter().any(|f| f.path == "/opt/lab/a.txt" && f.content == "gedeeld\n"));

    let pc1 = plan.node("pc1").unwrap();
    assert!(pc1.configure.as_ref().unwrap().contains("address 02:00:00:00:01:0a"), "MAC lowercased");
    assert!(pc1.sysctls.contains(&("net.ipv6.conf.all.disable_ipv6".into(), "0".into())));
    let resolv = pc1.node_files.iter().find(|f| f.path == "/etc/resolv.conf").unwrap();
    assert_eq!(resolv.content, "nameserver 192.168.1.53\n");
    assert_eq!(pc1.startup, ["ping -c 1 192.168.1.1"]);

    let web = plan.node("web").unwrap();
    assert!(!web.files.iter().any(|f| f.path == "/var/www/html/index.html"), "the teacher's page wins");
    assert!(web.node_files.iter().any(|f| f.path == "/var/www/html/index.html"));
}

#[test]
fn from_needs_the_folder_of_a_file_on_disk() {
    let text = LAB.replace(r#"a.txt: "gedeeld\n""#, "a.txt: { from: a.txt }");
    // Uploaded text (the service): no folder, so a located error that says to inline it.
    let errors = Lab::load(&Source::new("upload.yml", text.clone())).unwrap_err();
    assert_eq!(errors.iter().map(|e| e.code).collect::<Vec<_>>(), ["from-without-folder"]);
    assert!(errors[0].help.as_deref().unwrap().contains("content: |"));
    // The same text on disk, with the file beside it, loads and inlines the file.
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("a.txt"), "van schijf\n").unwrap();
    std::fs::write(dir.path().join("lab.yml"), &text).unwrap();
    let lab = Lab::load(&Source::read(&dir.path().join("lab.yml")).unwrap()).unwrap();
    let design = lab.design_for(None);
    let file = design.nodes["pc1"].as_is.files.iter().find(|f| f.path == "/opt/lab/a.txt").unwrap();
    assert_eq!(file.content, "van schijf\n");
    // The design (what the service and an instance record store) holds the text itself.
    assert!(serde_json::to_string(&design).unwrap().contains("van schijf"));
}
