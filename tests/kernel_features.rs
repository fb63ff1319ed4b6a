//! What needs a kernel feature this host may lack: 802.1Q VLANs and bridge VLAN
//! filtering, which a school server usually has and asbuilt's own build machines do not.
//!
//! Each trial finds out at run time whether the host has what it needs, and when it does
//! not, shows as *ignored* with the reason in the summary, never as passed. Where a host
//! lacks a feature, the trial that checks asbuilt's refusal runs instead: on every host,
//! one of each pair runs.

mod common;
#[path = "support/image_lab.rs"]
mod image_lab;
#[path = "support/netns_lab.rs"]
#[allow(dead_code)]
mod netns_lab;

use std::process::Command;

use asbuilt::checks::probe::{netlink, netns};
use asbuilt::engine::{DeployRequest, Engine, EngineError, Quiet};
use asbuilt::kind::NodeKind;
use asbuilt::plan::{InstanceId, plan};
use common::{Deployed, address, all_prebuilt, engine, example};
use image_lab::{Image, Lab, NET};
use libtest_mimic::{Arguments, Completion, Failed, Trial};

/// Why this host cannot do VLANs, or `None` when it can: tried in a namespace of its own.
fn missing_vlans() -> Option<String> {
    let ns = format!("asbuilt-vlancheck-{}", std::process::id());
    let sh = |script: &str| Command::new("sh").args(["-c", script]).output().map(|o| o.status.success());
    let _ = sh(&format!("ip netns add {ns}"));
    let filtering = sh(&format!("ip -n {ns} link add b type bridge vlan_filtering 1")).unwrap_or(false);
    let tagging = sh(&format!(
        "ip -n {ns} link add d type dummy && ip -n {ns} link add link d name d.10 type vlan id 10"
    ))
    .unwrap_or(false);
    let _ = sh(&format!("ip netns del {ns}"));
    match (filtering, tagging) {
        (true, true) => None,
        (false, _) => Some("this kernel has no bridge VLAN filtering (CONFIG_BRIDGE_VLAN_FILTERING)".into()),
        (true, false) => Some("this kernel has no 802.1Q VLAN support (module 8021q)".into()),
    }
}

type Body = fn() -> Result<Completion, Failed>;

fn main() {
    let args = Arguments::from_args();
    let trials: Vec<(&str, Body)> = vec![
        ("a_vlan_lab_deploys_and_routes_between_its_vlans", vlan_lab_routes),
        (
            "on_a_kernel_without_vlans_a_vlan_lab_names_the_missing_feature_and_leaves_nothing",
            vlan_lab_refused,
        ),
        ("a_switch_keeps_hosts_in_different_vlans_apart", switch_separates_vlans),
        ("a_switch_bridges_two_hosts_in_an_access_vlan", switch_access_vlan),
        ("netlink_reads_the_vlans_of_a_filtering_bridge_port", bridge_port_vlans),
    ];
    let trials = trials.into_iter().map(|(name, body)| Trial::ignorable_test(name, body)).collect();
    libtest_mimic::run(&args, trials).exit();
}

fn block_on<T>(work: impl std::future::Future<Output = T>) -> T {
    tokio::runtime::Runtime::new().expect("a tokio runtime").block_on(work)
}

fn vlan_lab_routes() -> Result<Completion, Failed> {
    if let Some(why) = missing_vlans() {
        return Ok(Completion::ignored_with(why));
    }
    block_on(async {
        let design = all_prebuilt(example("vlans.yml").design_for(None));
        let lab = Deployed::new(design.clone(), "t-kf-vlans").await;
        if lab.pings("pc-adm", &address(&design, "pc-wp", "eth1"), 20).await {
            Ok(Completion::Completed)
        } else {
            Err("the VLANs are not routed between".into())
        }
    })
}

fn vlan_lab_refused() -> Result<Completion, Failed> {
    if missing_vlans().is_none() {
        return Ok(Completion::ignored_with("this kernel has VLANs, so the lab deploys (the trial above)"));
    }
    block_on(async {
        let design = all_prebuilt(example("vlans.yml").design_for(None));
        let engine = engine().await;
        let instance = InstanceId::parse("t-kf-novlans").unwrap();
        let plan = plan(&design, instance.clone());
        let error = engine
            .deploy(DeployRequest { plan: &plan, design: &design, workers: 4 }, &Quiet)
            .await
            .err()
            .ok_or("a VLAN lab deployed on a kernel without VLANs")?;
        let text = error.to_string();
        if !(text.contains("kernel") && text.contains("VLAN")) {
            return Err(format!("the error does not name the missing feature: {text}").into());
        }
        if !matches!(error, EngineError::Deploy { ref rollback_errors, .. } if rollback_errors.is_empty()) {
            return Err(format!("the rollback failed: {error}").into());
        }
        if engine.nodes(&instance).await.is_ok() {
            return Err("something of the failed deploy is left".into());
        }
        Ok(Completion::Completed)
    })
}

fn switch_separates_vlans() -> Result<Completion, Failed> {
    if let Some(why) = missing_vlans() {
        return Ok(Completion::ignored_with(why));
    }
    block_on(async {
        let mut lab = Lab::new().await;
        let switch = lab.start(Image::Node(NodeKind::Switch), "sw2").await;
        let h1 = lab.start(Image::Node(NodeKind::Host), "h3").await;
        let h2 = lab.start(Image::Node(NodeKind::Host), "h4").await;
        lab.wire(&h1, "eth1", &switch, "eth1").await;
        lab.wire(&h2, "eth1", &switch, "eth2").await;
        lab.ok(
            &switch,
            "ip link add br0 type bridge vlan_filtering 1 && ip link set br0 up \
             && ip link set eth1 master br0 && ip link set eth2 master br0 \
             && bridge vlan del dev eth1 vid 1 && bridge vlan add dev eth1 vid 10 pvid untagged \
             && bridge vlan del dev eth2 vid 1 && bridge vlan add dev eth2 vid 20 pvid untagged",
        )
        .await;
        lab.ok(&h1, &format!("ip addr add {NET}.21/24 dev eth1")).await;
        lab.ok(&h2, &format!("ip addr add {NET}.22/24 dev eth1")).await;
        // The positive control is the trial below: the same wiring in one VLAN passes.
        let ping = lab.sh(&h1, &format!("ping -c 3 -i 0.2 -W 1 {NET}.22")).await;
        if ping.code == 0 {
            return Err(format!("hosts in VLAN 10 and VLAN 20 reached each other:\n{}", ping.text).into());
        }
        Ok(Completion::Completed)
    })
}

fn switch_access_vlan() -> Result<Completion, Failed> {
    if let Some(why) = missing_vlans() {
        return Ok(Completion::ignored_with(why));
    }
    block_on(async {
        let mut lab = Lab::new().await;
        let switch = lab.start(Image::Node(NodeKind::Switch), "sw1").await;
        let h1 = lab.start(Image::Node(NodeKind::Host), "h1").await;
        let h2 = lab.start(Image::Node(NodeKind::Host), "h2").await;
        lab.wire(&h1, "eth1", &switch, "eth1").await;
        lab.wire(&h2, "eth1", &switch, "eth2").await;
        // Both ports untagged in VLAN 10, as the engine wires an access VLAN.
        lab.ok(
            &switch,
            "ip link add br0 type bridge vlan_filtering 1 && ip link set br0 up \
             && for p in eth1 eth2; do ip link set $p master br0 \
                && bridge vlan del dev $p vid 1 && bridge vlan add dev $p vid 10 pvid untagged; done",
        )
        .await;
        lab.ok(&h1, &format!("ip addr add {NET}.11/24 dev eth1")).await;
        lab.ok(&h2, &format!("ip addr add {NET}.12/24 dev eth1")).await;
        lab.wait_for(&h1, &format!("ping -c 1 -W 1 {NET}.12"), std::time::Duration::from_secs(20)).await;
        Ok(Completion::Completed)
    })
}

fn bridge_port_vlans() -> Result<Completion, Failed> {
    if let Some(why) = missing_vlans() {
        return Ok(Completion::ignored_with(why));
    }
    block_on(async {
        let mut lab = netns_lab::NetnsLab::new();
        lab.add_node("sw1");
        lab.add_node("pc1");
        lab.segment(&[("sw1", "eth1"), ("pc1", "eth1")]);
        lab.sh("sw1", "ip link add br0 type bridge vlan_filtering 1 && ip link set eth1 master br0");
        let (vlans, raw) = netns::run_in(&lab.at("sw1"), || netlink::bridge_vlans("eth1")).await.unwrap();
        match vlans {
            Some(list) if list.iter().any(|v| v.vid == 1 && v.pvid) => Ok(Completion::Completed),
            other => Err(format!("VLAN 1 is not listed as the port's own: {other:?} {raw}").into()),
        }
    })
}
