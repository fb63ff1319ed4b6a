//! The VXLAN transport on Docker (`deploy --transport vxlan`): the instance's nodes and
//! fabric on one underlay network of their own, and the cables as tunnels over it,
//! made by the same scripts a cluster runs ([`crate::plan::tunnel`]).
//!
//! The underlay leads nowhere but to the instance's own containers: it is an internal
//! network (Docker drops whatever would be forwarded out of it, and its resolver
//! forwards nothing from it), its bridge on the host has no IPv4 address and no IPv6 at
//! all, and the host drops everything that arrives for itself on any underlay bridge
//! (a student who is root in a node can still address the host's own IP addresses at
//! the bridge's MAC, and Linux answers ARP for them there). Every instance has its own.

use std::collections::{BTreeMap, HashMap};
use std::net::Ipv4Addr;

use bollard::Docker;
use bollard::models::{Ipam, IpamConfig, NetworkCreateRequest, NetworkDisconnectRequest};
use bollard::query_parameters::ListNetworksOptionsBuilder;
use futures::{StreamExt, TryStreamExt};

use super::shell::DockerShell;
use crate::engine::EngineError;
use crate::engine::labels::{self, INSTANCE};
use crate::engine::steps::{Target, run_script};
use crate::plan::tunnel::{self, Underlay};
use crate::plan::{InstanceId, Plan, PortPlan};

/// The Docker network an instance's containers share in VXLAN mode.
pub fn network(instance: &InstanceId) -> String {
    format!("asbuilt.{instance}.underlay")
}

/// An instance's name as 32 bits (FNV-1a): its bridge's name, and where its search for
/// a free subnet starts.
fn instance_hash(instance: &InstanceId) -> u32 {
    instance
        .as_str()
        .bytes()
        .fold(0x811c_9dc5, |hash, byte| (hash ^ u32::from(byte)).wrapping_mul(0x0100_0193))
}

/// The host's name of that network's bridge: at most 15 characters, so a hash.
fn bridge(instance: &InstanceId) -> String {
    format!("{BRIDGE_PREFIX}{:08x}", instance_hash(instance))
}

/// The prefix of every underlay bridge's name on the host.
const BRIDGE_PREFIX: &str = "asbu";

/// What the host drops: anything for itself that comes in on an underlay bridge. One
/// table, replaced whole, so loading it again changes nothing.
fn host_guard() -> String {
    format!(
        "table inet asbuilt_underlay\n\
         delete table inet asbuilt_underlay\n\
         table inet asbuilt_underlay {{\n\
         \x20 chain input {{\n\
         \x20   type filter hook input priority filter; policy accept;\n\
         \x20   iifname \"{BRIDGE_PREFIX}*\" drop\n\
         \x20 }}\n\
         }}\n"
    )
}

/// Loads [`host_guard`] into the host's nftables.
async fn guard_host() -> Result<(), EngineError> {
    use tokio::io::AsyncWriteExt;
    let doing = "keep the host out of the underlay's reach (nft)".to_string();
    let mut child = tokio::process::Command::new("nft")
        .args(["-f", "-"])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .map_err(|source| EngineError::Io { doing: doing.clone(), source })?;
    if let Some(mut stdin) = child.stdin.take() {
        stdin
            .write_all(host_guard().as_bytes())
            .await
            .map_err(|source| EngineError::Io { doing: doing.clone(), source })?;
    }
    let out =
        child.wait_with_output().await.map_err(|source| EngineError::Io { doing: doing.clone(), source })?;
    if !out.status.success() {
        return Err(EngineError::Backend {
            doing,
            source: String::from_utf8_lossy(&out.stderr).trim().to_string().into(),
        });
    }
    Ok(())
}

/// Where underlay subnets come from: the shared address space (RFC 6598), which a lab
/// is less likely to use than Docker's own pools (172.16/12, 192.168/16). A node's lab
/// address equal to its underlay address would be taken for the tunnels' own.
const UNDERLAY_POOL: (u8, u8) = (100, 64);
/// How many /24s the pool has (100.64.0.0/10), and how many asbuilt tries.
const POOL_SUBNETS: u32 = 1 << 14;
const TRIES: u32 = 64;

/// The `index`th /24 of the pool.
fn pool_subnet(index: u32) -> String {
    let index = index % POOL_SUBNETS;
    format!("{}.{}.{}.0/24", UNDERLAY_POOL.0, u32::from(UNDERLAY_POOL.1) + index / 256, index % 256)
}

/// Makes the instance's underlay network, on a /24 of the pool no other network of
/// this host has (starting where the instance's name points, so instances rarely try
/// the same one).
pub async fn create(docker: &Docker, plan: &Plan) -> Result<(), EngineError> {
    guard_host().await?;
    let bridge = bridge(&plan.instance);
    let start = instance_hash(&plan.instance);
    let mut last_error = None;
    for attempt in 0..TRIES {
        let subnet = pool_subnet(start.wrapping_add(attempt));
        let request = NetworkCreateRequest {
            name: network(&plan.instance),
            driver: Some("bridge".into()),
            internal: Some(true),
            enable_ipv6: Some(false),
            ipam: Some(Ipam {
                // Named: an unnamed driver makes dockerd log an error at every create.
                driver: Some("default".into()),
                config: Some(vec![IpamConfig { subnet: Some(subnet), ..Default::default() }]),
                ..Default::default()
            }),
            options: Some(HashMap::from([
                ("com.docker.network.bridge.name".to_string(), bridge.clone()),
                // The host keeps no address on it.
                ("com.docker.network.bridge.inhibit_ipv4".to_string(), "true".to_string()),
                ("com.docker.network.driver.mtu".to_string(), tunnel::UNDERLAY_MTU.to_string()),
            ])),
            labels: Some(labels::labels(&plan.instance, &plan.lab, plan.student.as_deref(), None)),
            ..Default::default()
        };
        match docker.create_network(request).await {
            Ok(_) => {
                last_error = None;
                break;
            }
            // Another network has that subnet: the next one.
            Err(e) if e.to_string().contains("overlap") => last_error = Some(e),
            Err(e) => {
                return Err(EngineError::backend(format!(
                    "create the underlay network of {}",
                    plan.instance
                ))(e));
            }
        }
    }
    if let Some(e) = last_error {
        return Err(EngineError::backend(format!(
            "find a free subnet in 100.64.0.0/10 for the underlay of {} ({TRIES} tried)",
            plan.instance
        ))(e));
    }
    // Nor a link-local IPv6 address the nodes could reach the host's services at.
    let sysctl = format!("/proc/sys/net/ipv6/conf/{bridge}/disable_ipv6");
    if std::path::Path::new(&sysctl).exists() {
        std::fs::write(&sysctl, "1")
            .map_err(|source| EngineError::Io { doing: format!("disable IPv6 on {bridge}"), source })?;
    }
    Ok(())
}

/// The underlay networks of an instance, or of every instance.
async fn networks(docker: &Docker, instance: Option<&InstanceId>) -> Result<Vec<String>, String> {
    let filter = match instance {
        Some(i) => format!("{INSTANCE}={i}"),
        None => INSTANCE.to_string(),
    };
    let options = ListNetworksOptionsBuilder::default()
        .filters(&HashMap::from([("label".to_string(), vec![filter])]))
        .build();
    let found =
        docker.list_networks(Some(options)).await.map_err(|e| format!("list asbuilt's networks: {e}"))?;
    Ok(found.into_iter().filter_map(|n| n.name).collect())
}

/// Takes every container off the underlay networks of an instance (or of every
/// instance) before they are removed. Removing a container still on a network once
/// left Docker counting an endpoint that no longer existed (in the deploy benchmark,
/// once in about twenty removals), and such a network cannot be removed until dockerd
/// restarts; a disconnect first goes Docker's own way out.
pub async fn disconnect_all(docker: &Docker, instance: Option<&InstanceId>) -> Vec<String> {
    let names = match networks(docker, instance).await {
        Ok(names) => names,
        Err(e) => return vec![e],
    };
    let mut errors = Vec::new();
    for name in names {
        let containers = match docker.inspect_network(&name, None).await {
            Ok(network) => network.containers.unwrap_or_default(),
            Err(e) => {
                errors.push(format!("inspect network {name}: {e}"));
                continue;
            }
        };
        for id in containers.into_keys() {
            let request = NetworkDisconnectRequest { container: id.clone(), force: Some(true) };
            if let Err(e) = docker.disconnect_network(&name, request).await {
                errors.push(format!("disconnect {id} from {name}: {e}"));
            }
        }
    }
    errors
}

/// Removes the underlay networks of an instance, or of every instance; the names of
/// those that could not be removed, with why.
pub async fn remove(docker: &Docker, instance: Option<&InstanceId>) -> Result<usize, Vec<String>> {
    let found = networks(docker, instance).await.map_err(|e| vec![e])?;
    let mut removed = 0;
    let mut errors = Vec::new();
    for name in found {
        match remove_one(docker, &name).await {
            Ok(()) => removed += 1,
            Err(e) => errors.push(format!("remove network {name}: {e}")),
        }
    }
    if errors.is_empty() { Ok(removed) } else { Err(errors) }
}

/// Removes one network. Docker lets go of a removed container's endpoint a moment after
/// the removal returns (seen: "has active endpoints" with no container left), so a
/// refusal for that reason is tried again for up to two seconds.
async fn remove_one(docker: &Docker, name: &str) -> Result<(), bollard::errors::Error> {
    let mut attempt = 0;
    loop {
        match docker.remove_network(name).await {
            Err(e) if e.to_string().contains("active endpoints") && attempt < 20 => {
                attempt += 1;
                tokio::time::sleep(std::time::Duration::from_millis(100)).await;
            }
            done => return done,
        }
    }
}

/// A container's place on the underlay, as Docker gave it (its first interface).
async fn place(docker: &Docker, plan: &Plan, container: &str) -> Result<Underlay, EngineError> {
    let inspected = docker
        .inspect_container(container, None)
        .await
        .map_err(EngineError::backend(format!("inspect {container}")))?;
    let endpoint = inspected
        .network_settings
        .and_then(|s| s.networks)
        .and_then(|mut n| n.remove(&network(&plan.instance)));
    let address =
        endpoint.as_ref().and_then(|e| e.ip_address.as_deref()).and_then(|a| a.parse::<Ipv4Addr>().ok());
    let prefix_len = endpoint.as_ref().and_then(|e| e.ip_prefix_len).and_then(|p| u8::try_from(p).ok());
    match (address, prefix_len) {
        (Some(address), Some(prefix_len)) => {
            Ok(Underlay { interface: "eth0".into(), address, prefix_len, gateway: None })
        }
        _ => Err(EngineError::Backend {
            doing: format!("find {container} on the underlay network"),
            source: "the container has no IPv4 address there".into(),
        }),
    }
}

/// Makes the cable ends `ports` as tunnels: each node of theirs runs its init step
/// (every cable end of the node), up to `workers` at a time, then the fabric its ends
/// of `ports`. Putting them on the bridges is the fabric's usual wiring.
pub async fn cable(
    docker: &Docker,
    plan: &Plan,
    ports: &[&PortPlan],
    workers: usize,
) -> Result<(), EngineError> {
    // Again at every cabling, not only when the network is made: the host's nftables
    // do not survive its restart, after which `recover` cables the nodes again.
    guard_host().await?;
    let fabric = place(docker, plan, &labels::fabric_container(&plan.instance)).await?;
    let mut names: Vec<String> = ports.iter().map(|p| p.endpoint.node.clone()).collect();
    names.sort();
    names.dedup();
    let nodes: BTreeMap<String, Ipv4Addr> = futures::stream::iter(names)
        .map(|node| init_step(docker, plan, node, fabric.address))
        .buffer_unordered(workers.max(1))
        .try_collect()
        .await?;
    let script = tunnel::fabric_script(plan, ports, &fabric, &nodes)
        .map_err(|why| EngineError::Backend { doing: "tunnel the cables".into(), source: why.into() })?;
    let shell = DockerShell { docker, instance: &plan.instance };
    run_script(&shell, Target::Fabric, "tunnel the cables", &script).await
}

/// Runs a node's init step; its underlay address.
async fn init_step(
    docker: &Docker,
    plan: &Plan,
    node: String,
    fabric: Ipv4Addr,
) -> Result<(String, Ipv4Addr), EngineError> {
    let container = labels::node_container(&plan.instance, &node);
    let underlay = place(docker, plan, &container).await?;
    let script = tunnel::node_script(plan, &node, &underlay, fabric);
    let shell = DockerShell { docker, instance: &plan.instance };
    run_script(&shell, Target::Node(&node), "make the cable ends as tunnels", &script).await?;
    Ok((node, underlay.address))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_host_guard_drops_what_comes_in_on_every_underlay_bridge() {
        let guard = host_guard();
        assert!(guard.contains("iifname \"asbu*\" drop"), "{guard}");
        assert!(guard.starts_with("table inet asbuilt_underlay\ndelete table inet asbuilt_underlay\n"));
        assert_eq!(pool_subnet(0), "100.64.0.0/24");
        assert_eq!(pool_subnet(POOL_SUBNETS - 1), "100.127.255.0/24");
        assert_eq!(pool_subnet(POOL_SUBNETS), "100.64.0.0/24", "it wraps within the pool");
        let name = bridge(&InstanceId::parse("dmz-basis-s123456").unwrap());
        assert!(name.starts_with(BRIDGE_PREFIX) && name.len() <= 15, "{name}");
    }
}
