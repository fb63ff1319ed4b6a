//! `asbuilt import kathara` without Docker: the fixture labs under
//! tests/fixtures/import/kathara/ import to topologies asbuilt accepts (snapshots of
//! the topology and the report in tests/snapshots/import/), with the design facts and
//! passthrough the docs promise; broken labs give located errors and refusals; and the
//! command's exit codes, `--strict` and `-o` behave as docs/cli.md says.

use std::path::{Path, PathBuf};
use std::process::Command;

use asbuilt::design::Lab;
use asbuilt::import::{FindingKind, Imported, kathara};
use asbuilt::topology::Source;

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/import/kathara").join(name)
}

fn import(name: &str) -> Imported {
    let dir = fixture(name);
    kathara::import(&dir, &dir).unwrap_or_else(|e| panic!("{name} imports: {e:?}"))
}

/// The imported topology, loaded as if written in the lab's folder.
fn load(name: &str, imported: &Imported) -> Lab {
    let dir = fixture(name);
    let mut source = Source::new(format!("{name}/asbuilt.yml"), imported.yaml.clone());
    source.folder = Some(dir);
    Lab::load(&source).unwrap_or_else(|e| panic!("{name}'s topology loads: {e:#?}\n{}", imported.yaml))
}

fn places(imported: &Imported, kind: FindingKind) -> Vec<String> {
    imported.report.findings.iter().filter(|f| f.kind == kind).map(|f| f.place.to_string()).collect()
}

#[test]
fn the_imported_topologies_and_reports_match_their_snapshots() {
    for name in ["ospf-web-dns", "quagga-rip", "bgp-ipv6", "dhcp-lan", "static-routing"] {
        let imported = import(name);
        load(name, &imported);
        insta::with_settings!({ snapshot_path => "snapshots/import", prepend_module_to_snapshot => false }, {
            insta::assert_snapshot!(format!("{name}.yml"), imported.yaml);
            insta::assert_snapshot!(format!("{name}.report"), imported.report.render());
        });
    }
}

#[test]
fn an_frr_lab_becomes_design_facts_and_keeps_what_it_does_not_understand_as_it_is() {
    let imported = import("ospf-web-dns");
    let design = load("ospf-web-dns", &imported).design_for(None);
    let node = |n: &str| &design.nodes[n];
    assert_eq!(node("r1").kind.to_string(), "router");
    assert_eq!(node("web").kind.to_string(), "server");
    assert_eq!(node("dns").kind.to_string(), "server");
    assert_eq!(node("pc1").kind.to_string(), "host");
    // Addresses from each form: ip, ifconfig with a netmask, ifconfig with a prefix, FRR.
    let addr =
        |n: &str, i: &str| node(n).interfaces[i].addresses.iter().map(|a| a.to_string()).collect::<Vec<_>>();
    assert_eq!(addr("pc1", "eth0"), ["192.168.1.10/24"]);
    assert_eq!(addr("web", "eth0"), ["192.168.1.80/24"]);
    assert_eq!(addr("pc2", "eth0"), ["192.168.2.10/24"]);
    assert_eq!(addr("r2", "eth1"), ["192.168.2.1/24"]);
    assert!(node("r1").ospf.is_some() && node("r2").ospf.is_some());
    assert!(node("web").services.http.is_some());
    assert!(node("dns").services.dns.is_some());
    // r1's frr.conf is recognised whole; r2's has a line that is not, so r2 loads it.
    assert!(node("r1").as_is.frr.is_none());
    let r2 = node("r2").as_is.frr.as_ref().expect("r2 runs its own frr.conf");
    assert!(r2.config.contains("ip ospf retransmit-interval 6"));
    assert_eq!(r2.daemons, ["ospfd"]);
    // pc1 is in design mode: only its harmless commands stay; pc2 runs all of its own.
    assert_eq!(
        node("pc1").as_is.startup,
        ["echo \"started\" > /root/started.txt", "export LAB_ROLE=client", "echo exec-ran > /root/exec.txt"]
    );
    assert_eq!(node("pc2").as_is.startup.len(), 6, "{:?}", node("pc2").as_is.startup);
    // A script keeps what Kathará gives every file of a device: it may be run.
    let script =
        node("pc2").as_is.files.iter().find(|f| f.path == "/root/note.sh").expect("the script is copied");
    assert_eq!(script.mode, 0o755);
    let modes: Vec<(&str, &str)> =
        imported.report.modes.iter().map(|(n, m)| (n.as_str(), m.as_str())).collect();
    assert!(
        modes.contains(&("r1", "design"))
            && modes.contains(&("r2", "passthrough"))
            && modes.contains(&("pc2", "passthrough"))
    );
    // The one-member collision domain is a segment of one.
    assert!(design.segments.iter().any(|s| s.members.len() == 1));
    let passthrough = places(&imported, FindingKind::Passthrough);
    assert!(passthrough.contains(&"pc2.startup:4:1".to_string()), "{passthrough:?}");
    assert!(passthrough.contains(&"r2/etc/frr/frr.conf:8:2".to_string()), "{passthrough:?}");
    let lossy = places(&imported, FindingKind::MappedWithLoss);
    for place in ["lab.conf:24:11", "lab.conf:28:17", "lab.conf:36:14"] {
        assert!(lossy.contains(&place.to_string()), "{place} in {lossy:?}");
    }
    // lab.dep's order is kept: each pc's startup commands run after its router's.
    assert!(!lossy.iter().any(|p| p.starts_with("lab.dep")), "{lossy:?}");
    let after = |node: &str| design.nodes[node].as_is.startup_after.clone();
    assert_eq!((after("pc1"), after("pc2")), (vec!["r1".to_string()], vec!["r2".to_string()]));
}

#[test]
fn quagga_per_daemon_files_become_one_frr_configuration() {
    let imported = import("quagga-rip");
    let design = load("quagga-rip", &imported).design_for(None);
    assert!(design.nodes["r1"].rip.is_some() && design.nodes["r2"].rip.is_some());
    assert!(design.nodes["r1"].as_is.frr.is_none(), "r1's files are recognised whole");
    let r2 = design.nodes["r2"].as_is.frr.as_ref().expect("r2 has `timers basic`, loaded as it is");
    assert!(
        r2.config.contains("! from r2/etc/quagga/ripd.conf") && r2.config.contains("timers basic 10 60 40")
    );
    assert!(!r2.config.contains("password"));
    assert_eq!(
        imported.report.renamed,
        [("Host_1".to_string(), "host-1".to_string()), ("Host_2".to_string(), "host-2".to_string())]
    );
    assert_eq!(design.nodes["r1"].as_is.ipv6, Some(true));
    assert!(places(&imported, FindingKind::MappedWithLoss).contains(&"Host_2.shutdown".to_string()));
}

#[test]
fn what_breaks_isolation_is_refused_at_its_place() {
    for (name, place) in [
        ("broken-bridged", "lab.conf:3:15"),
        ("broken-port", "lab.conf:3:12"),
        ("broken-volume", "lab.conf:3:14"),
        ("broken-ext", "lab.ext:2:1"),
    ] {
        let imported = import(name);
        assert_eq!(places(&imported, FindingKind::Refused), [place], "{name}:\n{}", imported.report.render());
        assert!(imported.report.dropped_anything());
        let design = load(name, &imported).design_for(None);
        assert_eq!(design.nodes.len(), 2, "{name}: the rest of the lab is imported");
    }
}

#[test]
fn syntax_errors_are_located_by_file_line_and_column() {
    let dir = fixture("broken-syntax");
    let errors = kathara::import(&dir, &dir).unwrap_err();
    let places: Vec<String> = errors.iter().map(|e| e.place.to_string()).collect();
    assert_eq!(
        places,
        ["lab.conf:3:5", "lab.conf:4:11", "lab.conf:5:1", "lab.conf:6:8", "lab.conf:7:1", "lab.conf:8:5"]
    );
    assert!(errors[0].message.contains("did you mean `image`"), "{}", errors[0].message);

    let dir = fixture("broken-dep");
    let errors = kathara::import(&dir, &dir).unwrap_err();
    assert_eq!(errors.iter().map(|e| e.place.to_string()).collect::<Vec<_>>(), ["lab.dep:2:1"]);
}

fn asbuilt(args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_asbuilt")).args(args).output().unwrap()
}

#[test]
fn the_command_writes_a_topology_that_validates_and_strict_fails_on_anything_dropped() {
    let tmp = tempfile::tempdir().unwrap();
    // Outside the lab's folder: the files go inline.
    let out = tmp.path().join("lab.yml");
    let dir = fixture("ospf-web-dns");
    let run = asbuilt(&["import", "kathara", dir.to_str().unwrap(), "-o", out.to_str().unwrap()]);
    assert!(run.status.success(), "{}", String::from_utf8_lossy(&run.stderr));
    let report = std::fs::read_to_string(tmp.path().join("lab.import.txt")).unwrap();
    assert!(report.contains("lab.conf:36:14: mapped-with-loss"), "{report}");
    let yaml = std::fs::read_to_string(&out).unwrap();
    assert!(!yaml.contains("from:"), "the lab's folder is not beside the topology");
    let validate = asbuilt(&["validate", out.to_str().unwrap()]);
    assert!(validate.status.success(), "{}", String::from_utf8_lossy(&validate.stderr));

    let json = asbuilt(&["import", "kathara", dir.to_str().unwrap(), "-o", out.to_str().unwrap(), "--json"]);
    let report: serde_json::Value = serde_json::from_slice(&json.stdout).expect("the report as JSON");
    let finding = &report["findings"].as_array().unwrap()[0];
    assert!(finding["place"]["line"].is_number() && finding["kind"].is_string(), "{finding}");

    let strict =
        asbuilt(&["import", "kathara", dir.to_str().unwrap(), "-o", out.to_str().unwrap(), "--strict"]);
    assert_eq!(strict.status.code(), Some(1));

    let broken = fixture("broken-syntax");
    let run = asbuilt(&["import", "kathara", broken.to_str().unwrap(), "-o", out.to_str().unwrap()]);
    assert_eq!(run.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&run.stderr).contains("lab.conf:3:5: error:"));

    let bridged = fixture("broken-bridged");
    let run =
        asbuilt(&["import", "kathara", bridged.to_str().unwrap(), "-o", out.to_str().unwrap(), "--strict"]);
    assert_eq!(run.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&run.stderr).contains("lab.conf:3:15: refused:"));

    // Commands that take a topology take a Kathará lab's folder too.
    let validate = asbuilt(&["validate", dir.to_str().unwrap()]);
    assert!(validate.status.success(), "{}", String::from_utf8_lossy(&validate.stderr));
    let checks = asbuilt(&["checks", dir.to_str().unwrap()]);
    assert!(checks.status.success(), "{}", String::from_utf8_lossy(&checks.stderr));
    assert!(String::from_utf8_lossy(&checks.stdout).contains("address/pc1:eth0"));
}

#[test]
fn bgp_and_ipv6_become_design_facts_and_ipv6_stays_off_where_not_asked_for() {
    let imported = import("bgp-ipv6");
    let design = load("bgp-ipv6", &imported).design_for(None);
    let r1 = design.nodes["r1"].bgp.as_ref().expect("r1 has BGP");
    assert_eq!(r1.asn, 65001);
    assert_eq!(r1.neighbours.len(), 1);
    assert!(design.nodes["r2"].bgp.is_some());
    assert!(design.nodes["r1"].as_is.frr.is_none(), "r1's frr.conf is recognised whole");
    let pc1 = &design.nodes["pc1"];
    assert_eq!(pc1.interfaces["eth0"].addresses.len(), 2);
    assert_eq!(pc1.as_is.ipv6, Some(true));
    assert_eq!(design.nodes["pc2"].as_is.ipv6, Some(false), "Kathará leaves IPv6 off unless asked");
}

#[test]
fn addresses_in_commands_that_run_as_they_are_move_with_a_students_variant() {
    let imported = import("ospf-web-dns");
    let with_variants = Imported {
        yaml: format!("{}\nvariants:\n  192.168.2.0/24: 192.168.0.0/16\n", imported.yaml),
        report: imported.report.clone(),
    };
    let lab = load("ospf-web-dns", &with_variants);
    let teacher = lab.design_for(None);
    assert!(teacher.nodes["pc2"].as_is.startup.contains(&"ifconfig eth0 192.168.2.10/24 up".to_string()));
    let student = lab.design_for(Some("s123456"));
    let pc2 = student.nodes["pc2"].interfaces["eth0"].addresses[0];
    assert_ne!(pc2.to_string(), "192.168.2.10/24", "the student's subnet differs");
    let gateway = student.nodes["r2"].interfaces["eth1"].addresses[0].addr();
    let startup = &student.nodes["pc2"].as_is.startup;
    assert!(startup.contains(&format!("ifconfig eth0 {pc2} up")), "{startup:?}");
    assert!(startup.contains(&format!("route add default gw {gateway} dev eth0")), "{startup:?}");
}

#[test]
fn a_lab_from_netkits_days_with_its_configuration_under_etc_zebra_is_read_too() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    std::fs::create_dir_all(dir.join("r1/etc/zebra")).unwrap();
    std::fs::write(dir.join("lab.conf"), "r1[0]=A\nr1[1]=B\npc1[0]=B\n").unwrap();
    std::fs::write(dir.join("r1/etc/zebra/daemons"), "zebra=yes\nospfd=yes\n").unwrap();
    std::fs::write(dir.join("r1/etc/zebra/zebra.conf"), "hostname zebra\n").unwrap();
    std::fs::write(
        dir.join("r1/etc/zebra/ospfd.conf"),
        "hostname ospfd\nrouter ospf\nnetwork 10.0.0.0/24 area 0.0.0.0\nnetwork 10.0.1.0/24 area 0.0.0.0\n",
    )
    .unwrap();
    std::fs::write(dir.join("r1.startup"), "ifconfig eth0 10.0.0.1 netmask 255.255.255.0 up\nifconfig eth1 10.0.1.1 netmask 255.255.255.0 up\n/etc/init.d/zebra start\n").unwrap();
    std::fs::write(
        dir.join("pc1.startup"),
        "ifconfig eth0 10.0.1.10 netmask 255.255.255.0 up\nroute add default gw 10.0.1.1 dev eth0\n",
    )
    .unwrap();
    let imported = kathara::import(dir, dir).unwrap();
    let mut source = Source::new("netkit/asbuilt.yml", imported.yaml.clone());
    source.folder = Some(dir.to_path_buf());
    let design = Lab::load(&source).unwrap_or_else(|e| panic!("{e:#?}\n{}", imported.yaml)).design_for(None);
    let ospf = design.nodes["r1"].ospf.as_ref().expect("r1 runs OSPF");
    assert_eq!(ospf.interfaces.len(), 2, "{:?}", ospf.interfaces);
    assert!(design.nodes["r1"].as_is.frr.is_none(), "recognised whole");
    assert_eq!(design.nodes["pc1"].gateways.len(), 1);
}

proptest::proptest! {
    /// Labs come from anywhere: no text makes a parser of the importer panic.
    #[test]
    fn no_text_makes_a_parser_panic(text in "[a-zA-Z0-9\\[\\]=\"'/:. \t\n#!{};()@$_-]{0,300}") {
        use asbuilt::import::kathara::{frr, lab_conf, services, startup};
        let _ = lab_conf::parse(&text, "lab.conf");
        let _ = lab_conf::parse_dep(&text, "lab.dep");
        let _ = startup::parse(&text, "x.startup");
        let _ = frr::parse(&text, "frr.conf");
        let _ = frr::daemons(&text);
        let _ = services::named_zones(&text, "named.conf");
        let _ = services::zone("lab.example", &text, "db");
    }
}
