//! Containers of an instance: creating node and fabric containers with only the
//! privileges and resources their kind needs, finding them by label, removing them.

use std::collections::HashMap;

use bollard::Docker;
use bollard::models::{ContainerCreateBody, ContainerSummary, HostConfig};
use bollard::query_parameters::{
    CreateContainerOptionsBuilder, InspectContainerOptions, ListContainersOptionsBuilder,
    RemoveContainerOptionsBuilder, StartContainerOptions,
};

use crate::engine::EngineError;
use crate::engine::labels::{self, INSTANCE};
use crate::kind::{FABRIC_CAPABILITIES, Limits, NodeKind};
use crate::plan::{InstanceId, NodePlan, Plan};

/// The fabric needs little: bridges, and a relay per impaired cable.
const FABRIC_LIMITS: Limits = Limits::new(128, 0.5, 256, 64);

/// Creates and starts a node's container on no network: its only interfaces will be
/// the cables asbuilt gives it.
pub async fn create_node(
    docker: &Docker,
    plan: &Plan,
    node: &NodePlan,
    image: &str,
) -> Result<(), EngineError> {
    let name = labels::node_container(&plan.instance, &node.name);
    let labels = labels::labels(
        &plan.instance,
        &plan.lab,
        plan.student.as_deref(),
        Some((&node.name, node.kind.name())),
    );
    // Servers keep setuid working for their SSH users; no other node needs to gain
    // privileges through a program.
    let security_opt = (node.kind != NodeKind::Server).then(|| vec!["no-new-privileges:true".to_string()]);
    let host_config = HostConfig {
        network_mode: Some("none".into()),
        privileged: Some(false),
        cap_add: Some(node.capabilities.clone()),
        sysctls: Some(node.sysctls.iter().cloned().collect::<HashMap<_, _>>()),
        security_opt,
        ..limits(node.limits)
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
pub async fn create_fabric(docker: &Docker, plan: &Plan, image: &str) -> Result<(), EngineError> {
    let name = labels::fabric_container(&plan.instance);
    let host_config = HostConfig {
        network_mode: Some("none".into()),
        privileged: Some(false),
        cap_add: Some(FABRIC_CAPABILITIES.iter().map(|c| c.to_string()).collect()),
        security_opt: Some(vec!["no-new-privileges:true".to_string()]),
        sysctls: Some(HashMap::from([
            ("net.ipv6.conf.all.disable_ipv6".to_string(), "1".to_string()),
            ("net.ipv6.conf.default.disable_ipv6".to_string(), "1".to_string()),
        ])),
        ..limits(FABRIC_LIMITS)
    };
    let body = ContainerCreateBody {
        image: Some(image.to_string()),
        hostname: Some("fabric".into()),
        labels: Some(labels::labels(&plan.instance, &plan.lab, plan.student.as_deref(), None)),
        host_config: Some(host_config),
        ..Default::default()
    };
    create_and_start(docker, &name, body, "the fabric").await
}

fn limits(limits: Limits) -> HostConfig {
    let bytes = (limits.memory_mib * 1024 * 1024) as i64;
    HostConfig {
        memory: Some(bytes),
        // No swap: a node that outgrows its memory should fail visibly, not crawl.
        memory_swap: Some(bytes),
        nano_cpus: Some((limits.cpus * 1e9) as i64),
        pids_limit: Some(limits.pids),
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
        .map_err(EngineError::docker(format!("create the container of {what}")))?;
    docker
        .start_container(name, None::<StartContainerOptions>)
        .await
        .map_err(EngineError::docker(format!("start the container of {what}")))
}

/// The process id of a running container, whose namespaces the cables go into.
pub async fn pid(docker: &Docker, name: &str) -> Result<u32, EngineError> {
    let info = docker
        .inspect_container(name, None::<InspectContainerOptions>)
        .await
        .map_err(EngineError::docker(format!("inspect container {name}")))?;
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
    docker.list_containers(Some(options)).await.map_err(EngineError::docker("list asbuilt's containers"))
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
