//! The lab as it is on the real Docker engine: one lab with every construct of
//! `design::as_is` (files and their owners, the shared folder, startup commands and
//! their kept output, a router's own frr.conf, MACs, sysctls, IPv6 off, resolv.conf, a
//! one-member segment), each proven in the running nodes, each with a positive
//! control where its absence would also pass.

mod common;
#[path = "support/verdicts.rs"]
mod verdicts;

use asbuilt::checks::derive;
use asbuilt::checks::judge::Names;
use asbuilt::checks::report::Report;
use asbuilt::checks::runner::{self, RunOptions};
use asbuilt::design::Lab;
use asbuilt::engine::Engine;
use asbuilt::engine::access::InstanceAccess;
use asbuilt::topology::Source;
use common::{Deployed, example};

const LAB: &str = r#"
lab: as-is
title: { nl: Het lab zoals het is, en: The lab as it is }
trains: [B1-K2-W1]
nodes:
  r1:
    kind: router
    frr: { config: { from: r1/frr.conf }, daemons: [ripd] }
    files:
      /etc/frr/notitie.txt: { content: "van de docent\n", owner: "frr:frr", mode: "0640" }
  pc1:
    kind: host
    macs: { eth1: "02:00:00:aa:bb:01" }
    sysctls: { net.ipv4.ip_default_ttl: 33 }
    ipv6: false
    resolv: { nameservers: [192.0.2.53], search: [lab.example] }
    files:
      /srv/data/info.txt: { content: "alleen voor nobody\n", owner: "nobody:nogroup", mode: "0600" }
      /opt/zichtbaar.txt: "zichtbaar-bestand-9c41\n"
    startup:
      - 'echo "gateway {gw pc1}" > /root/startup.txt  # geheim-startup-7f3a'
      - echo "naar stderr" >&2; false
      - cd /root
      - echo "na de fout in $(pwd)" > na.txt
  pc2:
    kind: host
links:
  - r1:eth1 -- pc1:eth1
  - r1:eth2 -- pc2:eth1
segments:
  stub: [r1:eth3]
shared:
  files:
    notes.txt: { from: shared/notes.txt }
design:
  addresses:
    r1:eth1: 192.168.1.1/24
    pc1:eth1: 192.168.1.10/24
    r1:eth2: [192.168.2.1/24, 2001:db8:2::1/64]
    pc2:eth1: [192.168.2.10/24, 2001:db8:2::10/64]
  gateways: { pc1: r1, pc2: r1 }
"#;

const R1_FRR: &str = "frr defaults traditional
hostname r1
service integrated-vtysh-config
!
ip route 203.0.113.0/24 blackhole
!
interface eth1
 ip address 192.168.1.1/24
exit
!
interface eth2
 ip address 192.168.2.1/24
 ipv6 address 2001:db8:2::1/64
exit
!
router rip
 network 192.168.2.0/24
exit
!
end
";

/// The lab, read from a folder with its files beside it, as `asbuilt deploy` reads it.
fn lab() -> (tempfile::TempDir, Lab) {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(dir.path().join("r1")).unwrap();
    std::fs::create_dir_all(dir.path().join("shared")).unwrap();
    std::fs::write(dir.path().join("r1/frr.conf"), R1_FRR).unwrap();
    std::fs::write(dir.path().join("shared/notes.txt"), "gedeeld-4b2e\n").unwrap();
    std::fs::write(dir.path().join("as-is.yml"), LAB).unwrap();
    let source = Source::read(&dir.path().join("as-is.yml")).unwrap();
    let lab = Lab::load(&source).unwrap_or_else(|e| panic!("the lab loads: {e:#?}"));
    (dir, lab)
}

async fn out(lab: &Deployed, node: &str, command: &str) -> String {
    let run = lab.run(node, command).await;
    assert!(run.success(), "{node}: `{command}` failed: {} {}", run.stdout, run.stderr);
    run.stdout.trim().to_string()
}

#[tokio::test(flavor = "multi_thread")]
async fn every_as_is_construct_is_there_in_the_running_lab() {
    let _cleanup = common::DestroyOnDrop("t-as-is");
    let (_dir, lab) = lab();
    let lab = Deployed::new(lab.design_for(None), "t-as-is").await;

    // Files: content, owner and mode, as the node sees them.
    assert_eq!(out(&lab, "pc1", "stat -c '%U:%G %a' /srv/data/info.txt").await, "nobody:nogroup 600");
    assert_eq!(out(&lab, "pc1", "cat /srv/data/info.txt").await, "alleen voor nobody");
    assert_eq!(out(&lab, "r1", "stat -c '%U:%G %a' /etc/frr/notitie.txt").await, "frr:frr 640");
    // The shared folder, on every node.
    for node in ["r1", "pc1", "pc2"] {
        assert_eq!(out(&lab, node, "cat /srv/shared/notes.txt").await, "gedeeld-4b2e", "{node}");
    }

    // The router's own frr.conf runs (its blackhole route is nowhere in the design),
    // and the daemon it asked for is on; the design's router without one has no ripd.
    let running = out(&lab, "r1", "vtysh -c 'show running-config'").await;
    assert!(running.contains("ip route 203.0.113.0/24 blackhole"), "{running}");
    assert!(running.contains("router rip"), "{running}");
    assert!(lab.run("r1", "pgrep -x ripd").await.success(), "ripd runs on r1");
    assert!(lab.pings("pc1", "192.168.1.1", 20).await, "the own config's addresses are up");

    // MAC, with the other pc as control.
    assert_eq!(out(&lab, "pc1", "cat /sys/class/net/eth1/address").await, "02:00:00:aa:bb:01");
    assert_ne!(out(&lab, "pc2", "cat /sys/class/net/eth1/address").await, "02:00:00:aa:bb:01");
    // Kernel settings and IPv6 off; pc2 keeps the defaults (the lab has IPv6).
    assert_eq!(out(&lab, "pc1", "cat /proc/sys/net/ipv4/ip_default_ttl").await, "33");
    assert_eq!(out(&lab, "pc2", "cat /proc/sys/net/ipv4/ip_default_ttl").await, "64");
    assert_eq!(out(&lab, "pc1", "cat /proc/sys/net/ipv6/conf/all/disable_ipv6").await, "1");
    assert_eq!(out(&lab, "pc2", "cat /proc/sys/net/ipv6/conf/all/disable_ipv6").await, "0");
    assert!(out(&lab, "pc2", "ip -6 -o address show dev eth1").await.contains("2001:db8:2::10"));
    // resolv.conf; pc2 has the empty default.
    assert_eq!(out(&lab, "pc1", "cat /etc/resolv.conf").await, "search lab.example\nnameserver 192.0.2.53");
    assert_eq!(out(&lab, "pc2", "cat /etc/resolv.conf").await, "");

    // The one-member segment: the interface is there and up, on its own bridge.
    let stub = out(&lab, "r1", "ip -o link show eth3").await;
    assert!(stub.contains("state UP"), "{stub}");

    // Startup commands ran in order in one shell, past the one that failed.
    assert_eq!(out(&lab, "pc1", "cat /root/startup.txt").await, "gateway 192.168.1.1");
    assert_eq!(out(&lab, "pc1", "cat /root/na.txt").await, "na de fout in /root");
    let record = lab.engine.record(&lab.instance).await.unwrap();
    let log = record.startup.iter().find(|l| l.node == "pc1").expect("pc1's startup log is kept");
    let statuses: Vec<Option<i32>> = log.commands.iter().map(|c| c.status).collect();
    assert_eq!(statuses, [Some(0), Some(1), Some(0), Some(0)]);
    assert_eq!(log.commands[1].output, "naar stderr\n");
    assert!(log.commands[0].command.contains("geheim-startup-7f3a"), "the teacher sees the command");
    assert!(!log.succeeded());
    assert!(record.startup.iter().all(|l| l.node == "pc1"), "only nodes with commands have a log");

    // The student, root in the node, finds the script nowhere; the same search finds a
    // file the teacher put there, so the search itself works.
    let search = "grep -rl --exclude-dir=proc --exclude-dir=sys {} /etc /var /root /home /srv /opt /tmp /run";
    let hidden = lab.run("pc1", &search.replace("{}", "geheim-startup-7f3a")).await;
    assert!(!hidden.success() && hidden.stdout.trim().is_empty(), "found: {}", hidden.stdout);
    let control = lab.run("pc1", &search.replace("{}", "zichtbaar-bestand-9c41")).await;
    assert_eq!(control.stdout.trim(), "/opt/zichtbaar.txt");
    let processes = out(&lab, "pc1", "cat /proc/[0-9]*/cmdline | tr '\\0' ' '").await;
    assert!(!processes.contains("geheim-startup-7f3a"), "{processes}");
}

/// A lab in Kathará's style, whose routers bring their own frr.conf, is still graded on
/// its design: built completely, it scores full marks on the real engine.
#[tokio::test(flavor = "multi_thread")]
async fn the_kathara_style_example_built_completely_scores_full_marks() {
    let _cleanup = common::DestroyOnDrop("t-kathara-style");
    let design = example("kathara-stijl.yml").design_for(Some("s1")).solution();
    let suite = derive::suite(&design);
    let lab = Deployed::new(design.clone(), "t-kathara-style").await;
    let access = InstanceAccess::open(lab.engine.clone(), &lab.instance).await.unwrap();
    let results = runner::run(&suite, &access, &Names::of(&design), &RunOptions::default()).await;
    let report = Report::build(&suite, &results, "2026-12-01T12:00:00Z");
    assert_eq!(report.score.percent, 100.0, "{}", verdicts::explain(&report));
    // The startup commands ran, with the student's gateway filled in.
    assert_eq!(
        out(&lab, "pc1", "cat /root/opstart.txt").await,
        format!("opgestart met gateway {}", common::address(&design, "r1", "eth2"))
    );
    assert!(out(&lab, "pc1", "cat /srv/shared/LEESMIJ.txt").await.contains("Kathará"));
}

/// `startup-after` (Kathará's lab.dep): `late`'s commands start once `first`'s have
/// finished; `free`, which waits for nobody, runs beside `first` (the control that shows
/// the deploy would otherwise run them together).
#[tokio::test(flavor = "multi_thread")]
async fn a_nodes_startup_commands_wait_for_those_it_starts_after() {
    const ORDERED: &str = r#"
lab: startup-order
title: Startup order
trains: [B1-K2-W1]
nodes:
  first: { kind: host, startup: ["sleep 2", "date +%s%N"] }
  late: { kind: host, startup: ["date +%s%N"], startup-after: [first] }
  free: { kind: host, startup: ["date +%s%N"] }
segments:
  lan: [first:eth1, late:eth1, free:eth1]
design:
  addresses:
    first:eth1: 192.0.2.1/24
    late:eth1: 192.0.2.2/24
    free:eth1: 192.0.2.3/24
"#;
    let _cleanup = common::DestroyOnDrop("t-startup-order");
    let lab = Lab::load(&Source::new("startup-order.yml", ORDERED)).unwrap_or_else(|e| panic!("{e:#?}"));
    let lab = Deployed::new(lab.design_for(None), "t-startup-order").await;
    let record = lab.engine.record(&lab.instance).await.unwrap();
    let finished = |node: &str| -> u128 {
        let log = record.startup.iter().find(|l| l.node == node).unwrap_or_else(|| panic!("{node} ran"));
        let last = log.commands.last().unwrap();
        assert_eq!(last.status, Some(0), "{node}: {log:?}");
        last.output.trim().parse().unwrap_or_else(|_| panic!("{node} printed a time: {log:?}"))
    };
    let (first, late, free) = (finished("first"), finished("late"), finished("free"));
    assert!(late >= first, "late ran after first finished: {late} < {first}");
    assert!(free < first, "free did not wait: {free} >= {first}");
}
