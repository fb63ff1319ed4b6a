//! Labs on the real Docker engine: deployed, cabled, configured and isolated as designed.
//!
//! Every test deploys its own instances under names starting with `t-` and removes them
//! when it ends. Images are built on first use (minutes) and reused after.

mod common;

use std::collections::BTreeSet;
use std::time::Duration;

use asbuilt::design::Endpoint;
use asbuilt::engine::health::InfraProblem;
use asbuilt::engine::{DeployRequest, Engine, EngineError, Quiet, save};
use asbuilt::plan::{InstanceId, LinkSetting, plan};
use common::{Deployed, address, all_prebuilt, example};
use futures::StreamExt;
use tokio::io::AsyncWriteExt;

/// The interfaces a node has, by name, as the node itself lists them.
async fn interfaces(lab: &Deployed, node: &str) -> BTreeSet<String> {
    let out = lab.run(node, "ip -o link show | cut -d: -f2 | cut -d@ -f1").await;
    out.stdout.lines().map(|l| l.trim().to_string()).filter(|l| !l.is_empty()).collect()
}

#[tokio::test(flavor = "multi_thread")]
async fn every_example_lab_deploys_cabled_exactly_as_drawn() {
    for (file, name) in [
        ("eerste-lan.yml", "t-ex-first"),
        ("statisch-routeren.yml", "t-ex-static"),
        ("ospf.yml", "t-ex-ospf"),
        ("dmz.yml", "t-ex-dmz"),
        ("dhcp-dns.yml", "t-ex-dhcp"),
        ("storingen.yml", "t-ex-faults"),
    ] {
        let design = example(file).design_for(Some("s1"));
        let lab = Deployed::new(design.clone(), name).await;
        let nodes = lab.engine.nodes(&lab.instance).await.unwrap();
        assert_eq!(nodes.len(), design.nodes.len(), "{file}");
        assert!(nodes.iter().all(|n| n.state == asbuilt::engine::NodeState::Running), "{file}: {nodes:?}");
        for node in design.nodes.values() {
            let mut expected: BTreeSet<String> = node.interfaces.keys().cloned().collect();
            expected.insert("lo".into());
            // A switch also has the bridge that makes it one.
            if node.kind == asbuilt::kind::NodeKind::Switch {
                expected.insert("br0".into());
            }
            assert_eq!(
                interfaces(&lab, &node.name).await,
                expected,
                "{file}: {} has exactly its designed interfaces",
                node.name
            );
        }
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn prebuilt_static_routing_reaches_across_three_routers() {
    let design = all_prebuilt(example("statisch-routeren.yml").design_for(None));
    let lab = Deployed::new(design.clone(), "t-static").await;
    let routes = lab.run("r1", "ip route").await.stdout;
    assert!(routes.contains("10.0.3.0/24 nhid") || routes.contains("10.0.3.0/24 via 10.0.12.2"), "{routes}");
    assert!(lab.pings("pc1", "10.0.3.10", 10).await, "pc1 reaches pc3");
    let trace = lab.run("pc1", "traceroute -n -w 1 -q 1 10.0.3.10").await.stdout;
    for hop in ["10.0.1.1", "10.0.12.2", "10.0.23.2"] {
        assert!(trace.contains(hop), "the path passes {hop}:\n{trace}");
    }
    assert_eq!(
        lab.run("r2", "ip -br -4 addr show eth2").await.stdout.split_whitespace().nth(2),
        Some("10.0.23.1/30")
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn prebuilt_ospf_converges_and_routes_around_a_pulled_cable() {
    let design = all_prebuilt(example("ospf.yml").design_for(None));
    let lab = Deployed::new(design.clone(), "t-ospf").await;
    let pc3 = address(&design, "pc3", "eth1");
    assert!(lab.pings("pc1", &pc3, 60).await, "OSPF converges");
    let neighbours = lab.run("r1", "vtysh -c 'show ip ospf neighbor'").await.stdout;
    assert_eq!(neighbours.matches("Full").count(), 2, "{neighbours}");
    // The triangle survives one cable: r1 reaches r3 through r2 instead.
    let r3_end = design
        .segments
        .iter()
        .find(|s| s.members.iter().any(|m| m.node == "r1") && s.members.iter().any(|m| m.node == "r3"))
        .unwrap();
    let r1_end = r3_end.members.iter().find(|m| m.node == "r1").unwrap().clone();
    lab.engine
        .set_link(&lab.instance, &r1_end, LinkSetting { up: false, ..LinkSetting::default() })
        .await
        .unwrap();
    assert!(lab.pings("pc1", &pc3, 80).await, "OSPF finds the way round");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_prebuilt_firewall_enforces_the_policy_and_nat() {
    let design = all_prebuilt(example("dmz.yml").design_for(Some("s7")));
    let lab = Deployed::new(design.clone(), "t-dmz").await;
    let web = address(&design, "web", "eth1");
    let pc1 = address(&design, "pc1", "eth1");
    let page = lab.run("pc1", &format!("curl -s -m 5 http://{web}/")).await.stdout;
    assert!(page.contains("Welkom bij Jansen BV"), "{page}");
    let from_outside = lab.run("klant", &format!("curl -s -m 5 http://{web}/")).await.stdout;
    assert!(from_outside.contains("Welkom"), "the internet reaches the DMZ on port 80");
    assert!(
        !lab.run("klant", &format!("ping -c 2 -W 1 {pc1}")).await.success(),
        "the internet cannot reach the LAN"
    );
    assert!(
        !lab.run("klant", &format!("nc -z -w 2 {web} 22")).await.success(),
        "the internet cannot reach the DMZ on port 22"
    );
    // Masquerade: klant sees pc1's connection come from the firewall's outside address.
    lab.run("klant", "(nc -lvn -p 7777 </dev/null >/tmp/peer 2>&1 &) ; sleep 0.3").await;
    assert!(
        lab.run("pc1", "echo hello | nc -q 0 -w 2 198.51.100.10 7777").await.success(),
        "the LAN reaches the internet"
    );
    let mut peer = String::new();
    for _ in 0..10 {
        peer = lab.run("klant", "cat /tmp/peer").await.stdout;
        if peer.contains("203.0.113") || peer.contains("onnection") {
            break;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    assert!(
        peer.contains("203.0.113.2") && !peer.contains(&pc1),
        "the LAN hides behind the firewall: {peer}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn prebuilt_dhcp_and_dns_serve_the_clients() {
    let design = all_prebuilt(example("dhcp-dns.yml").design_for(None));
    let lab = Deployed::new(design.clone(), "t-dhcp").await;
    let mut leased = String::new();
    for _ in 0..40 {
        leased = lab.run("pc1", "ip -4 -br addr show eth1").await.stdout;
        if leased.contains("192.168.50.1") {
            break;
        }
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
    let got: std::net::Ipv4Addr =
        leased.split_whitespace().nth(2).and_then(|a| a.split('/').next()).unwrap().parse().unwrap();
    assert!((100..=199).contains(&got.octets()[3]), "pc1 leased {got}, inside the range");
    let answer = lab.run("pc1", "dig +short @192.168.50.2 www.veenstra.local").await.stdout;
    assert_eq!(answer.trim(), "192.168.50.3");
    let page = lab
        .run(
            "pc2",
            "for i in $(seq 1 20); do curl -s -m 3 http://www.veenstra.local/ && break; sleep 0.5; done",
        )
        .await
        .stdout;
    assert!(
        page.contains("Veenstra intranet"),
        "pc2 resolves the name with the DNS server DHCP gave it: {page}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn student_parts_start_blank_with_their_interfaces_up() {
    let statics = Deployed::new(example("statisch-routeren.yml").design_for(None), "t-blank-routes").await;
    let routes = statics.run("r1", "ip -4 route").await.stdout;
    assert!(!routes.contains("10.0.3.0/24"), "the student adds r1's routes: {routes}");
    assert!(!statics.run("pc1", "ping -c 1 -W 1 10.0.3.10").await.success());
    let dmz = Deployed::new(example("dmz.yml").design_for(None), "t-blank-fw").await;
    let fw = dmz.run("fw", "ip -4 -o addr show | grep -v ' lo '").await.stdout;
    assert!(fw.trim().is_empty(), "the student addresses the firewall: {fw}");
    let up = dmz.run("fw", "ip -br link show | grep -c ' UP '").await.stdout;
    assert_eq!(up.trim(), "3", "its three interfaces are up");
    assert!(!dmz.run("fw", "nft list ruleset").await.stdout.contains("asbuilt"), "and its firewall is empty");
    let ospf = Deployed::new(example("ospf.yml").design_for(None), "t-blank-ospf").await;
    let config = ospf.run("r1", "vtysh -c 'show running-config'").await.stdout;
    assert!(!config.contains("router ospf") && config.contains("ip address"), "{config}");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_lab_reaches_nothing_outside_itself() {
    let design = all_prebuilt(example("dmz.yml").design_for(None));
    let lab = Deployed::new(design.clone(), "t-isolated").await;
    // The fabric holds bridges and cable ends, with no address and no route.
    assert_eq!(lab.fabric("ip -o -4 addr show | grep -v ' lo ' | wc -l").await.stdout.trim(), "0");
    assert_eq!(lab.fabric("ip -4 route show | wc -l").await.stdout.trim(), "0");
    // A router with no default route has no way to a documentation range.
    let lost = lab.run("isp", "ip route get 192.0.2.99 2>&1").await;
    assert!(!lost.success() && lost.stdout.to_lowercase().contains("unreachable"), "{lost:?}");
    // A listener on the host, on every host address: nothing from the lab arrives.
    let (listener, port) = common::host_listener();
    let host_addresses = common::host_addresses();
    for node in ["pc1", "web", "fw", "klant"] {
        for addr in &host_addresses {
            let route = lab.run(node, &format!("ip route get {addr} 2>&1")).await.stdout;
            assert!(
                !route.contains("dev eth0") && !route.contains("docker"),
                "{node} has a way out: {route}"
            );
            assert!(
                !lab.run(node, &format!("nc -z -w 1 {addr} {port}")).await.success(),
                "{node} reached the host at {addr}"
            );
        }
    }
    assert!(listener.accept().is_err(), "the host's listener got no connection");
}

#[tokio::test(flavor = "multi_thread")]
async fn two_instances_with_the_same_addresses_live_side_by_side() {
    let design = all_prebuilt(example("eerste-lan.yml").design_for(None));
    let a = Deployed::new(design.clone(), "t-twin-a").await;
    let b = Deployed::new(design.clone(), "t-twin-b").await;
    let r1 = address(&design, "r1", "eth1");
    assert!(a.pings("pc1", &r1, 5).await && b.pings("pc1", &r1, 5).await);
    let mac_a = a.run("r1", "cat /sys/class/net/eth1/address").await.stdout.trim().to_string();
    let mac_b = b.run("r1", "cat /sys/class/net/eth1/address").await.stdout.trim().to_string();
    assert_ne!(mac_a, mac_b);
    let neigh_a = a.run("pc1", &format!("ip neigh show {r1}")).await.stdout;
    assert!(neigh_a.contains(&mac_a) && !neigh_a.contains(&mac_b), "pc1 of a talks to r1 of a: {neigh_a}");
    let neigh_b = b.run("pc1", &format!("ip neigh show {r1}")).await.stdout;
    assert!(neigh_b.contains(&mac_b) && !neigh_b.contains(&mac_a), "pc1 of b talks to r1 of b: {neigh_b}");
}

#[tokio::test(flavor = "multi_thread")]
async fn deploy_converges_and_a_failed_deploy_removes_what_it_made() {
    let design = all_prebuilt(example("eerste-lan.yml").design_for(None));
    let lab = Deployed::new(design.clone(), "t-converge").await;
    let again = lab
        .engine
        .deploy(DeployRequest { plan: &lab.plan, design: &design, workers: 4 }, &Quiet)
        .await
        .unwrap();
    assert!(again.unchanged, "a second deploy of the same plan leaves the instance alone");
    let containers_before = lab.engine.nodes(&lab.instance).await.unwrap().len();
    assert_eq!(containers_before, design.nodes.len(), "and never duplicates a node");

    let instance = InstanceId::parse("t-broken").unwrap();
    let mut broken = plan(&design, instance.clone());
    let pc2 = broken.nodes.iter_mut().find(|n| n.name == "pc2").unwrap();
    pc2.configure =
        Some(format!("{}echo 'asbuilt-step: break on purpose'\nexit 3\n", pc2.configure.clone().unwrap()));
    let error = lab
        .engine
        .deploy(DeployRequest { plan: &broken, design: &design, workers: 4 }, &Quiet)
        .await
        .unwrap_err();
    let text = error.to_string();
    assert!(text.contains("pc2") && text.contains("break on purpose") && text.contains("removed"), "{text}");
    assert!(
        matches!(lab.engine.nodes(&instance).await, Err(EngineError::NoSuchInstance(_))),
        "nothing is left of it"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_deploy_that_is_dropped_halfway_removes_what_it_made() {
    let design = all_prebuilt(example("statisch-routeren.yml").design_for(None));
    let engine = std::sync::Arc::new(common::engine().await);
    let instance = InstanceId::parse("t-dropped").unwrap();
    let plan = plan(&design, instance.clone());
    let request = DeployRequest { plan: &plan, design: &design, workers: 2 };
    // Cancelled while the nodes come up: the future is dropped, nothing returns an error.
    let cut =
        tokio::time::timeout(std::time::Duration::from_millis(1200), engine.deploy(request, &Quiet)).await;
    assert!(cut.is_err(), "the deploy was still running when it was dropped");
    // The positive control: the drop happened after something existed.
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
    loop {
        let gone = matches!(engine.nodes(&instance).await, Err(EngineError::NoSuchInstance(_)));
        let disks = asbuilt::engine::disks::Disks::from_env();
        if gone && !disks.exists(instance.as_str()) {
            break;
        }
        assert!(std::time::Instant::now() < deadline, "the dropped deploy left things behind");
        tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_deploy_never_replaces_another_students_lab_and_two_at_once_build_it_once() {
    let lab = example("eerste-lan.yml");
    let anna = lab.design_for(Some("anna"));
    let instance = InstanceId::parse("t-occupied").unwrap();
    let engine = std::sync::Arc::new(common::engine().await);
    let anna_plan = plan(&anna, instance.clone());
    // Two deploys of the same lab at the same time: one builds, the other waits for it
    // and finds it done.
    let (a, b) = tokio::join!(
        engine.deploy(DeployRequest { plan: &anna_plan, design: &anna, workers: 4 }, &Quiet),
        engine.deploy(DeployRequest { plan: &anna_plan, design: &anna, workers: 4 }, &Quiet),
    );
    let (a, b) = (a.unwrap(), b.unwrap());
    assert!(a.unchanged != b.unchanged, "exactly one of them built it: {a:?} {b:?}");
    lab_is_anna_s(&engine, &instance).await;
    // Bram's deploy under the same name is refused, and Anna's lab stays.
    let bram = lab.design_for(Some("bram"));
    let bram_plan = plan(&bram, instance.clone());
    let refused = engine
        .deploy(DeployRequest { plan: &bram_plan, design: &bram, workers: 4 }, &Quiet)
        .await
        .unwrap_err();
    assert!(matches!(refused, EngineError::Occupied { .. }), "{refused}");
    lab_is_anna_s(&engine, &instance).await;
    engine.destroy(&instance).await;
}

async fn lab_is_anna_s(engine: &asbuilt::engine::docker::DockerEngine, instance: &InstanceId) {
    let record = engine.record(instance).await.unwrap();
    assert_eq!(record.plan.student.as_deref(), Some("anna"));
}

/// Restarts or stops a container behind asbuilt's back, as an admin or a crash would.
async fn behind_asbuilts_back(container: &str, stop: bool) {
    let docker = asbuilt::images::connect().await.unwrap();
    if stop {
        docker.stop_container(container, None).await.unwrap();
    } else {
        docker.restart_container(container, None).await.unwrap();
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_node_restarted_by_hand_is_reported_and_a_redeploy_repairs_it_keeping_its_disk() {
    let design = all_prebuilt(example("statisch-routeren.yml").design_for(None));
    let lab = Deployed::new(design.clone(), "t-restart").await;
    assert!(lab.engine.health(&lab.instance).await.unwrap().is_empty(), "a fresh instance is whole");
    lab.run("r2", "echo kept > /root/notes.txt").await;
    behind_asbuilts_back(&asbuilt::engine::labels::node_container(&lab.instance, "r2"), false).await;

    let problems = lab.engine.health(&lab.instance).await.unwrap();
    let missing: BTreeSet<String> = problems
        .iter()
        .map(|p| match p {
            InfraProblem::CableMissing { endpoint } => endpoint.to_string(),
            other => panic!("unexpected: {other}"),
        })
        .collect();
    assert_eq!(
        missing,
        ["r2:eth1", "r2:eth2", "r2:eth3"].map(String::from).into(),
        "r2 came back with only lo"
    );
    // The positive control of the repair: pc1 cannot reach pc3 through r2 now.
    assert!(!lab.pings("pc1", &address(&design, "pc3", "eth1"), 1).await);
    // Grading now would blame the student: check and inspect refuse with exit 2.
    for command in ["check", "inspect"] {
        let out = std::process::Command::new(env!("CARGO_BIN_EXE_asbuilt"))
            .args([command, "t-restart"])
            .output()
            .unwrap();
        let said =
            format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
        assert_eq!(out.status.code(), Some(2), "{command}: {said}");
        assert!(said.contains("r2:eth1") && said.contains("deploy"), "{command} names the problem: {said}");
    }

    let again = lab
        .engine
        .deploy(DeployRequest { plan: &lab.plan, design: &design, workers: 4 }, &Quiet)
        .await
        .unwrap();
    assert_eq!(again.repaired, vec!["r2".to_string()], "only r2 is built again");
    assert!(!again.unchanged && !again.replaced);
    assert!(lab.engine.health(&lab.instance).await.unwrap().is_empty());
    assert!(lab.pings("pc1", &address(&design, "pc3", "eth1"), 20).await, "routed through r2 again");
    assert_eq!(lab.run("r2", "cat /root/notes.txt").await.stdout.trim(), "kept", "what was saved stays");
}

#[tokio::test(flavor = "multi_thread")]
async fn an_instance_comes_back_after_a_reboot_with_what_students_saved() {
    let design = all_prebuilt(example("statisch-routeren.yml").design_for(None));
    let lab = Deployed::new(design.clone(), "t-reboot").await;
    lab.run("r2", "echo kept > /root/notes.txt").await;
    // What a reboot of the host leaves: every container stopped, every cable gone, and
    // the nodes' disks no longer mounted.
    for node in design.nodes.keys() {
        behind_asbuilts_back(&asbuilt::engine::labels::node_container(&lab.instance, node), true).await;
    }
    behind_asbuilts_back(&asbuilt::engine::labels::fabric_container(&lab.instance), true).await;
    let disks = asbuilt::engine::disks::Disks::from_env().root().join("t-reboot");
    let unmount = std::process::Command::new("sh")
        .arg("-c")
        .arg(format!(
            "for d in {}/*/; do umount \"$d\"; done; mount | grep -c t-reboot || true",
            disks.display()
        ))
        .output()
        .unwrap();
    assert_eq!(String::from_utf8_lossy(&unmount.stdout).trim(), "0", "every disk is unmounted");

    // As `asbuilt recover` does it, for this instance only (other tests' labs run too).
    let record = lab.engine.record(&lab.instance).await.expect("the record is read from an unmounted disk");
    let back = lab
        .engine
        .deploy(DeployRequest { plan: &record.plan, design: &record.design, workers: 4 }, &Quiet)
        .await
        .unwrap();
    assert_eq!(back.repaired.len(), design.nodes.len(), "{back:?}");
    assert!(lab.engine.health(&lab.instance).await.unwrap().is_empty());
    assert!(lab.pings("pc1", &address(&design, "pc3", "eth1"), 20).await, "routed as before");
    assert_eq!(lab.run("r2", "cat /root/notes.txt").await.stdout.trim(), "kept", "what was saved stays");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_stopped_fabric_is_reported_and_a_redeploy_rewires_every_node() {
    let design = all_prebuilt(example("eerste-lan.yml").design_for(None));
    let lab = Deployed::new(design.clone(), "t-fabric-stop").await;
    behind_asbuilts_back(&asbuilt::engine::labels::fabric_container(&lab.instance), true).await;
    let problems = lab.engine.health(&lab.instance).await.unwrap();
    assert!(matches!(problems.first(), Some(InfraProblem::FabricNotRunning { .. })), "{problems:?}");

    let again = lab
        .engine
        .deploy(DeployRequest { plan: &lab.plan, design: &design, workers: 4 }, &Quiet)
        .await
        .unwrap();
    assert_eq!(again.repaired.len(), design.nodes.len(), "every node lost its cables with the fabric");
    assert!(lab.engine.health(&lab.instance).await.unwrap().is_empty());
    assert!(lab.pings("pc1", &address(&design, "r1", "eth1"), 20).await);
}

#[tokio::test(flavor = "multi_thread")]
async fn inspect_json_lists_every_cable_with_its_state() {
    let design = all_prebuilt(example("eerste-lan.yml").design_for(None));
    let lab = Deployed::new(design.clone(), "t-inspect-json").await;
    let end = Endpoint { node: "pc1".into(), interface: "eth1".into() };
    lab.engine
        .set_link(&lab.instance, &end, LinkSetting { up: false, ..LinkSetting::default() })
        .await
        .unwrap();
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_asbuilt"))
        .args(["inspect", "t-inspect-json", "--json"])
        .output()
        .unwrap();
    let value: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let cables = value["cables"].as_array().expect("a list of cables");
    assert_eq!(cables.len(), design.segments.len(), "{value}");
    let ends: Vec<&serde_json::Value> = cables.iter().flat_map(|c| c["ends"].as_array().unwrap()).collect();
    let pulled = ends.iter().find(|e| e["end"] == "pc1:eth1").expect("pc1:eth1 is listed");
    assert_eq!(pulled["plugged_in"], false);
    assert!(ends.iter().filter(|e| e["end"] != "pc1:eth1").all(|e| e["plugged_in"] == true));
}

#[tokio::test(flavor = "multi_thread")]
async fn a_redeploy_after_only_the_checks_changed_stores_the_new_design() {
    let design = all_prebuilt(example("eerste-lan.yml").design_for(None));
    let lab = Deployed::new(design.clone(), "t-new-checks").await;
    let mut with_check = design.clone();
    let mut extra =
        with_check.checks.first().cloned().unwrap_or_else(|| panic!("eerste-lan has explicit checks"));
    extra.title = asbuilt::design::Text { nl: None, en: Some("a check added after the deploy".into()) };
    with_check.checks.push(extra);
    assert_eq!(plan(&with_check, lab.instance.clone()).nodes.len(), lab.plan.nodes.len());

    let again = lab
        .engine
        .deploy(DeployRequest { plan: &lab.plan, design: &with_check, workers: 4 }, &Quiet)
        .await
        .unwrap();
    assert!(again.design_updated && again.repaired.is_empty() && !again.replaced, "{again:?}");
    let stored = lab.engine.record(&lab.instance).await.unwrap().design;
    assert_eq!(stored.checks.len(), design.checks.len() + 1, "the record holds the new checks");
}

#[tokio::test(flavor = "multi_thread")]
async fn faults_are_in_place_and_cables_can_be_pulled_and_impaired() {
    let design = example("storingen.yml").design_for(None);
    let lab = Deployed::new(design.clone(), "t-faults").await;
    assert!(!lab.run("r1", "ip route").await.stdout.contains("10.1.2.0/24"), "r1's route is removed");
    assert!(
        lab.run("pc2", "ip -br addr show eth1").await.stdout.contains("192.168.2.22/24"),
        "pc2 has the wrong address"
    );
    assert_eq!(
        lab.run("agenda", "asbuilt-service status nginx").await.exit_code,
        3,
        "the web server is stopped"
    );
    let lossy =
        lab.run("r1", "ping -c 60 -i 0.05 -W 1 10.1.12.2 | grep -o '[0-9.]*% packet loss'").await.stdout;
    let loss: f64 = lossy.trim().trim_end_matches("% packet loss").parse().unwrap();
    assert!((20.0..=90.0).contains(&loss), "40% loss each way shows: {loss}%");

    let end = Endpoint { node: "r1".into(), interface: "eth1".into() };
    lab.engine.set_link(&lab.instance, &end, LinkSetting::default()).await.unwrap();
    assert!(lab.run("r1", "ping -c 20 -i 0.05 -W 1 10.1.12.2").await.stdout.contains(" 0% packet loss"));
    lab.engine
        .set_link(&lab.instance, &end, LinkSetting { up: false, ..LinkSetting::default() })
        .await
        .unwrap();
    assert!(
        lab.run("r1", "ip link show eth1").await.stdout.contains("NO-CARRIER"),
        "a pulled cable leaves no carrier"
    );
    lab.engine
        .set_link(&lab.instance, &end, LinkSetting { up: true, loss_percent: 0.0, delay_ms: 100 })
        .await
        .unwrap();
    lab.pings("r1", "10.1.12.2", 5).await;
    let rtt = lab.run("r1", "ping -c 3 -W 2 10.1.12.2 | tail -1 | cut -d/ -f5").await.stdout;
    let rtt: f64 = rtt.trim().parse().unwrap();
    assert!(rtt >= 190.0, "100 ms each way makes a round trip of 200 ms: {rtt}");
    let record = lab.engine.record(&lab.instance).await.unwrap();
    assert_eq!(record.link_setting(&end).delay_ms, 100, "the record keeps the cable's state");
}

#[tokio::test(flavor = "multi_thread")]
async fn save_reads_back_the_running_configuration_and_a_console_opens_vtysh() {
    let design = all_prebuilt(example("statisch-routeren.yml").design_for(None));
    let lab = Deployed::new(design, "t-save").await;
    let saved = save::save(lab.engine.as_ref(), &lab.instance).await.unwrap();
    let frr = saved.iter().find(|f| f.node == "r2" && f.name == "frr.conf").unwrap();
    assert!(
        frr.content.contains("ip address 10.0.23.1/30")
            && frr.content.contains("ip route 10.0.1.0/24 10.0.12.1"),
        "{}",
        frr.content
    );
    let pc = saved.iter().find(|f| f.node == "pc3" && f.name == "addresses.txt").unwrap();
    assert!(pc.content.contains("10.0.3.10/24"));

    let mut terminal =
        lab.engine.terminal(&lab.instance, "r1", &["vtysh".to_string()], (100, 30)).await.unwrap();
    terminal.input.write_all(b"show version\nexit\n").await.unwrap();
    let mut seen = String::new();
    let read = async {
        while let Some(chunk) = terminal.output.next().await {
            seen.push_str(&String::from_utf8_lossy(&chunk.unwrap()));
        }
    };
    tokio::time::timeout(Duration::from_secs(20), read).await.unwrap();
    assert!(seen.contains("FRRouting") && seen.contains("r1#"), "{seen}");
}
