//! Containers of an instance: creating node and fabric containers with only the
//! privileges and resources their kind needs, finding them by label, removing them.

use std::collections::HashMap;

use bollard::Docker;
use bollard::models::{
    ContainerCreateBody, ContainerSummary, HostConfig, HostConfigCgroupnsModeEnum, HostConfigLogConfig,
    Mount, MountType, ResourcesUlimits,
};
use bollard::query_parameters::{
    CreateContainerOptionsBuilder, InspectContainerOptions, ListContainersOptionsBuilder,
    RemoveContainerOptionsBuilder, StartContainerOptions,
};

use crate::confine;
use crate::engine::disks::Disk;
use crate::engine::labels::{self, INSTANCE};
use crate::engine::{EngineError, NodeState};
use crate::kind::{FABRIC_CAPABILITIES, Limits};
use crate::plan::{CableTransport, InstanceId, NodePlan, Plan};

/// The fabric needs little: bridges, and a relay per impaired cable.
const FABRIC_LIMITS: Limits = Limits::new(128, 0.5, 256, 64);

/// Creates and starts a node's container on no network: its only interfaces will be
/// the cables asbuilt gives it (in VXLAN mode: on the instance's underlay alone, which
/// the node's init step takes out of the lab's view). `writable` are the folders that
/// come from its disk.
pub async fn create_node(
    docker: &Docker,
    plan: &Plan,
    node: &NodePlan,
    image: &str,
    disk: &Disk,
    writable: &[String],
) -> Result<(), EngineError> {
    let name = labels::node_container(&plan.instance, &node.name);
    let labels = labels::labels(
        &plan.instance,
        &plan.lab,
        plan.student.as_deref(),
        Some((&node.name, node.kind.name())),
    );
    for path in writable {
        // A disk made before the image declared this folder: an empty one.
        let on_disk = disk.dir(path);
        if !on_disk.exists() {
            std::fs::create_dir_all(&on_disk).map_err(|source| EngineError::Io {
                doing: format!("create {}", on_disk.display()),
                source,
            })?;
        }
    }
    let writable: Vec<&str> = writable.iter().map(String::as_str).collect();
    let host_config = HostConfig {
        sysctls: Some(node.sysctls.iter().cloned().collect::<HashMap<_, _>>()),
        network_mode: Some(network_mode(plan)),
        ..confined(Confined {
            capabilities: &node.capabilities,
            no_new_privileges: node.no_new_privileges,
            limits: node.limits,
            disk,
            writable: &writable,
            own_files: true,
        })
    };
    let body = ContainerCreateBody {
        image: Some(image.to_string()),
        hostname: Some(node.name.clone()),
        labels: Some(labels),
        host_config: Some(host_config),
        ..Default::default()
    };
    create_and_start(docker, &name, body, &format!("node {}", node.name)).await
}

/// Creates and starts the fabric container: no network, no node, NET_ADMIN to build
/// bridges and NET_RAW for the impairment relay and captures.
pub async fn create_fabric(
    docker: &Docker,
    plan: &Plan,
    image: &str,
    disk: &Disk,
) -> Result<(), EngineError> {
    let name = labels::fabric_container(&plan.instance);
    let labels = labels::labels(&plan.instance, &plan.lab, plan.student.as_deref(), None);
    let capabilities: Vec<String> = FABRIC_CAPABILITIES.iter().map(|c| c.to_string()).collect();
    let host_config = HostConfig {
        sysctls: Some(HashMap::from([
            ("net.ipv6.conf.all.disable_ipv6".to_string(), "1".to_string()),
            ("net.ipv6.conf.default.disable_ipv6".to_string(), "1".to_string()),
        ])),
        network_mode: Some(network_mode(plan)),
        ..confined(Confined {
            capabilities: &capabilities,
            no_new_privileges: true,
            limits: FABRIC_LIMITS,
            disk,
            writable: confine::FABRIC_WRITABLE_DIRS,
            own_files: false,
        })
    };
    let body = ContainerCreateBody {
        image: Some(image.to_string()),
        hostname: Some("fabric".into()),
        labels: Some(labels),
        host_config: Some(host_config),
        ..Default::default()
    };
    create_and_start(docker, &name, body, "the fabric").await
}

/// The network a container of the plan starts on: none, or its instance's underlay.
fn network_mode(plan: &Plan) -> String {
    match plan.transport {
        CableTransport::Veth => "none".into(),
        CableTransport::Vxlan => super::underlay::network(&plan.instance),
    }
}

/// What one container is allowed, as `confined` turns it into Docker's terms.
struct Confined<'a> {
    /// The exact set: Docker's default set is dropped first.
    capabilities: &'a [String],
    no_new_privileges: bool,
    limits: Limits,
    disk: &'a Disk,
    writable: &'a [&'a str],
    /// Whether the container gets its own hostname, hosts and resolv.conf files
    /// instead of the ones Docker writes from the host's.
    own_files: bool,
}

/// The host configuration every asbuilt container starts from: no network, never
/// privileged, only the given capabilities, asbuilt's seccomp profile, its own cgroup
/// namespace, a read-only root with its own disk for what it writes, and limits on
/// memory, CPU, processes, open files and the log.
fn confined(c: Confined<'_>) -> HostConfig {
    let mut security_opt = vec![format!("seccomp={}", confine::seccomp::profile())];
    if c.no_new_privileges {
        security_opt.push("no-new-privileges=true".to_string());
    }
    let mut mounts: Vec<Mount> = c
        .writable
        .iter()
        .map(|dir| Mount {
            target: Some(dir.to_string()),
            // The disk's folder already holds the image's files (it was copied from the
            // image's disk template), so a plain bind mount: no volume for Docker to
            // make, fill and later remove.
            source: Some(c.disk.dir(dir).display().to_string()),
            typ: Some(MountType::BIND),
            ..Default::default()
        })
        .collect();
    if c.own_files {
        for (path, _) in confine::own_files("") {
            mounts.push(Mount {
                target: Some(path.to_string()),
                source: Some(c.disk.own_file(path).display().to_string()),
                typ: Some(MountType::BIND),
                ..Default::default()
            });
        }
    }
    let (run_dir, run_mib) = confine::RUN_DIR;
    let memory = (c.limits.memory_mib * 1024 * 1024) as i64;
    HostConfig {
        network_mode: Some("none".into()),
        privileged: Some(false),
        cap_drop: Some(vec!["ALL".into()]),
        cap_add: Some(c.capabilities.to_vec()),
        security_opt: Some(security_opt),
        cgroupns_mode: Some(HostConfigCgroupnsModeEnum::PRIVATE),
        readonly_rootfs: Some(true),
        mounts: Some(mounts),
        tmpfs: Some(HashMap::from([(run_dir.to_string(), format!("size={run_mib}m,mode=755"))])),
        shm_size: Some((confine::SHM_MIB * 1024 * 1024) as i64),
        memory: Some(memory),
        // No swap: a node that outgrows its memory should fail visibly, not crawl.
        memory_swap: Some(memory),
        nano_cpus: Some((c.limits.cpus * 1e9) as i64),
        pids_limit: Some(c.limits.pids),
        ulimits: Some(vec![ResourcesUlimits {
            name: Some("nofile".into()),
            soft: Some(confine::OPEN_FILES as i64),
            hard: Some(confine::OPEN_FILES as i64),
        }]),
        log_config: Some(HostConfigLogConfig {
            typ: Some("json-file".into()),
            config: Some(HashMap::from([
                ("max-size".to_string(), format!("{}m", confine::LOG_MIB)),
                ("max-file".to_string(), "1".to_string()),
            ])),
        }),
        ..Default::default()
    }
}

async fn create_and_start(
    docker: &Docker,
    name: &str,
    body: ContainerCreateBody,
    what: &str,
) -> Result<(), EngineError> {
    let options = CreateContainerOptionsBuilder::default().name(name).build();
    docker
        .create_container(Some(options), body)
        .await
        .map_err(EngineError::backend(format!("create the container of {what}")))?;
    docker
        .start_container(name, None::<StartContainerOptions>)
        .await
        .map_err(EngineError::backend(format!("start the container of {what}")))
}

/// The process id of a running container, whose namespaces the cables go into.
pub async fn pid(docker: &Docker, name: &str) -> Result<u32, EngineError> {
    let info = docker
        .inspect_container(name, None::<InspectContainerOptions>)
        .await
        .map_err(EngineError::backend(format!("inspect container {name}")))?;
    match info.state.and_then(|s| s.pid) {
        Some(pid) if pid > 0 => Ok(pid as u32),
        _ => Err(EngineError::NotRunning {
            doing: "find the process of a container".into(),
            container: name.to_string(),
        }),
    }
}

/// Every asbuilt container of one instance (or of all instances), running or not.
pub async fn list(
    docker: &Docker,
    instance: Option<&InstanceId>,
) -> Result<Vec<ContainerSummary>, EngineError> {
    let filter = match instance {
        Some(i) => format!("{INSTANCE}={i}"),
        None => INSTANCE.to_string(),
    };
    let options = ListContainersOptionsBuilder::default()
        .all(true)
        .filters(&HashMap::from([("label".to_string(), vec![filter])]))
        .build();
    docker.list_containers(Some(options)).await.map_err(EngineError::backend("list asbuilt's containers"))
}

/// Removes a container, its anonymous volumes with it.
pub async fn remove(docker: &Docker, id: &str) -> Result<(), bollard::errors::Error> {
    let options = RemoveContainerOptionsBuilder::default().force(true).v(true).build();
    match docker.remove_container(id, Some(options)).await {
        // Gone already: what destroy wanted.
        Err(bollard::errors::Error::DockerResponseServerError { status_code: 404, .. }) => Ok(()),
        other => other,
    }
}

/// A container's state in the engine-neutral words (`NodeState`).
pub fn state(c: &ContainerSummary) -> NodeState {
    match c.state.as_ref().map(|s| s.to_string()).as_deref() {
        Some("running") => NodeState::Running,
        Some("created" | "restarting") => NodeState::Starting,
        Some("paused") => NodeState::Paused,
        Some("exited" | "dead" | "removing") => NodeState::Stopped,
        _ => NodeState::Unknown,
    }
}

/// A label of a listed container.
pub fn label<'a>(container: &'a ContainerSummary, key: &str) -> Option<&'a str> {
    container.labels.as_ref()?.get(key).map(String::as_str)
}

/// The container's name without Docker's leading slash.
pub fn name(container: &ContainerSummary) -> String {
    container
        .names
        .as_ref()
        .and_then(|n| n.first())
        .map(|n| n.trim_start_matches('/').to_string())
        .unwrap_or_default()
}
