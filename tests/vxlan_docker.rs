//! The VXLAN transport on the real Docker engine (`deploy --transport vxlan`): the
//! example labs, cabled as tunnels over an underlay network of their own, pass the same
//! checks as with veth pairs, and the underlay leads nowhere outside the lab, even for a
//! student who is root in a node and routes onto it on purpose.

mod common;
#[path = "support/verdicts.rs"]
mod verdicts;

use asbuilt::checks::derive;
use asbuilt::engine::Engine;
use asbuilt::plan::CableTransport::Vxlan;
use asbuilt::plan::tunnel::UNDERLAY_INTERFACE;
use common::{Deployed, all_prebuilt, example};
use verdicts::{depending_on, explain, not_passed, student_parts};

/// Every deploy loads the host's guard. The one part of a test that takes the guard
/// away to see it come back holds this alone; the other tests hold it while they run.
static DEPLOYS: tokio::sync::RwLock<()> = tokio::sync::RwLock::const_new(());

#[tokio::test(flavor = "multi_thread")]
async fn example_labs_over_vxlan_score_full_marks_when_built_completely() {
    let _deploying = DEPLOYS.read().await;
    // OSPF's multicast, a firewall with NAT and injection, DHCP's broadcasts, a switch.
    for (file, name) in [
        ("ospf.yml", "t-vx-ospf"),
        ("dmz.yml", "t-vx-dmz"),
        ("dhcp-dns.yml", "t-vx-dhcp"),
        ("eerste-lan.yml", "t-vx-first"),
    ] {
        let design = example(file).design_for(Some("s1")).solution();
        let suite = derive::suite(&design);
        let lab = Deployed::with_transport(design.clone(), name, Vxlan).await;
        let report = lab.grade(&design, &suite).await;
        assert_eq!(report.score.percent, 100.0, "{file} over VXLAN:\n{}", explain(&report));
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_lab_over_vxlan_as_students_get_it_fails_exactly_the_checks_of_their_parts() {
    let _deploying = DEPLOYS.read().await;
    let design = example("statisch-routeren.yml").design_for(Some("s2"));
    let suite = derive::suite(&design);
    let lab = Deployed::with_transport(design.clone(), "t-vx-part", Vxlan).await;
    let report = lab.grade(&design, &suite).await;
    let expected = depending_on(&suite, &student_parts(&design));
    assert!(!expected.is_empty());
    assert_eq!(not_passed(&report), expected, "{}", explain(&report));
}

#[tokio::test(flavor = "multi_thread")]
async fn the_underlay_leads_nowhere_outside_the_lab_even_when_a_student_routes_onto_it() {
    let deploying = DEPLOYS.read().await;
    let design = all_prebuilt(example("dmz.yml").design_for(None));
    let lab = Deployed::with_transport(design.clone(), "t-vx-isolated", Vxlan).await;
    // The underlay's bridge on the host has no address of either family.
    let network = format!("asbuilt.{}.underlay", lab.instance);
    let bridge = std::process::Command::new("docker")
        .args([
            "network",
            "inspect",
            &network,
            "--format",
            "{{index .Options \"com.docker.network.bridge.name\"}}",
        ])
        .output()
        .unwrap();
    let bridge = String::from_utf8_lossy(&bridge.stdout).trim().to_string();
    assert!(!bridge.is_empty(), "the underlay network {network} exists");
    let on_bridge =
        std::process::Command::new("ip").args(["-o", "addr", "show", "dev", &bridge]).output().unwrap();
    assert!(on_bridge.status.success());
    assert_eq!(String::from_utf8_lossy(&on_bridge.stdout).trim(), "", "no host address on {bridge}");

    // A listener on the host, on every address; the positive control that it answers.
    let (listener, port) = common::host_listener();
    let host = common::host_addresses();
    assert!(!host.is_empty());

    let fabric_underlay =
        lab.fabric("ip -4 -o addr show dev eth0 | awk '{print $4}' | cut -d/ -f1").await.stdout;
    let fabric_underlay = fabric_underlay.trim().to_string();
    for node in ["pc1", "web", "fw", "isp"] {
        // The lab's own routing table knows nothing of the underlay.
        let main = lab.run(node, "ip -4 route show table main").await.stdout;
        assert!(!main.contains(UNDERLAY_INTERFACE), "{node}: {main}");
        // The attack: root in the node routes everything onto the underlay.
        let attack = format!(
            "ip route add 0.0.0.0/1 dev {UNDERLAY_INTERFACE} metric 1 && ip route add 128.0.0.0/1 dev {UNDERLAY_INTERFACE} metric 1"
        );
        assert!(lab.run(node, &attack).await.success(), "{node}: root may change its own routes");
        // Control: the route works; the fabric answers on the underlay.
        assert!(
            lab.run(node, &format!("ping -c 1 -W 2 {fabric_underlay}")).await.success(),
            "{node} reaches the fabric over its new route"
        );
        for addr in &host {
            assert!(
                !lab.run(node, &format!("nc -z -w 1 {addr} {port}")).await.success(),
                "{node} reached the host at {addr} over the underlay"
            );
        }
    }
    assert!(listener.accept().is_err(), "the host's listener got no connection");

    // The stronger attack: the host answers ARP for its own addresses even on a bridge
    // without one, so a node can address it at the bridge's MAC directly. A datagram
    // needs no answer to arrive: the host's UDP socket must get nothing.
    let udp = std::net::UdpSocket::bind("0.0.0.0:0").unwrap();
    udp.set_read_timeout(Some(std::time::Duration::from_millis(1500))).unwrap();
    let udp_port = udp.local_addr().unwrap().port();
    let mut buf = [0u8; 64];
    std::net::UdpSocket::bind("127.0.0.1:0").unwrap().send_to(b"control", ("127.0.0.1", udp_port)).unwrap();
    assert_eq!(udp.recv(&mut buf).ok(), Some(7), "control: the host's socket takes a datagram");
    let mac = std::fs::read_to_string(format!("/sys/class/net/{bridge}/address")).unwrap();
    for addr in &host {
        let send = format!(
            "ip neigh replace {addr} lladdr {} dev {UNDERLAY_INTERFACE} nud permanent && \
             ip route replace {addr}/32 dev {UNDERLAY_INTERFACE} && \
             for i in 1 2 3; do echo asbuilt-escape > /dev/udp/{addr}/{udp_port}; done",
            mac.trim()
        );
        let sent = lab.run("pc1", &format!("bash -c '{send}'")).await;
        assert!(sent.success(), "pc1 could send towards {addr}: {sent:?}");
    }
    assert!(
        udp.recv(&mut buf).is_err(),
        "the host got a datagram from the lab: {:?}",
        String::from_utf8_lossy(&buf)
    );
    let guarded = || {
        let out = std::process::Command::new("nft")
            .args(["list", "table", "inet", "asbuilt_underlay"])
            .output()
            .unwrap();
        String::from_utf8_lossy(&out.stdout).contains("iifname \"asbu*\" drop")
    };
    assert!(guarded());

    // The host's nftables do not survive a reboot; recovering the lab cables it again,
    // and loads the guard again. No other test deploys meanwhile (one would load the
    // guard too), and only this one attacks the host.
    drop(deploying);
    let _alone = DEPLOYS.write().await;
    let removed = std::process::Command::new("nft")
        .args(["delete", "table", "inet", "asbuilt_underlay"])
        .output()
        .unwrap();
    assert!(removed.status.success() && !guarded());
    let pc1 = format!("asbuilt.{}.pc1", lab.instance);
    assert!(std::process::Command::new("docker").args(["rm", "-f", &pc1]).output().unwrap().status.success());
    let request = asbuilt::engine::DeployRequest { plan: &lab.plan, design: &design, workers: 4 };
    let done = lab.engine.deploy(request, &asbuilt::engine::Quiet).await.unwrap();
    assert_eq!(done.repaired, vec!["pc1".to_string()]);
    assert!(guarded(), "the repair loaded the host's guard again");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_node_that_restarted_gets_its_tunnels_back_and_destroy_leaves_no_network() {
    let _deploying = DEPLOYS.read().await;
    let design = all_prebuilt(example("eerste-lan.yml").design_for(None));
    let instance;
    {
        let lab = Deployed::with_transport(design.clone(), "t-vx-repair", Vxlan).await;
        instance = lab.instance.clone();
        let r1 = common::address(&design, "r1", "eth1");
        assert!(lab.pings("pc1", &r1, 10).await);
        // pc1's container goes away; the next deploy of the same plan repairs it.
        let container = format!("asbuilt.{}.pc1", lab.instance);
        let removed = std::process::Command::new("docker").args(["rm", "-f", &container]).output().unwrap();
        assert!(removed.status.success());
        let request = asbuilt::engine::DeployRequest { plan: &lab.plan, design: &design, workers: 4 };
        let done = lab.engine.deploy(request, &asbuilt::engine::Quiet).await.unwrap();
        assert_eq!(done.repaired, vec!["pc1".to_string()]);
        assert!(lab.pings("pc1", &r1, 10).await, "pc1's cable is a tunnel again");
    }
    // Dropped: destroyed, and its underlay network with it.
    let networks = std::process::Command::new("docker")
        .args(["network", "ls", "--format", "{{.Name}}"])
        .output()
        .unwrap();
    let networks = String::from_utf8_lossy(&networks.stdout);
    assert!(!networks.contains(&format!("asbuilt.{instance}.")), "{networks}");
    let engine = common::engine().await;
    assert!(engine.instances().await.unwrap().iter().all(|i| i.instance != instance));
}
