//! Reading pods: a container's state in asbuilt's words, and waiting until an
//! instance's pods run, or saying why one never will.

use std::time::Duration;

use k8s_openapi::api::core::v1::Pod;
use kube::Api;
use kube::api::ListParams;

use super::manifests::{FABRIC_CONTAINER, FABRIC_POD, NODE_CONTAINER};
use crate::engine::labels::ROLE;
use crate::engine::{EngineError, NodeState};

/// How long pods may take to be scheduled, pull their images and start: a cluster
/// that pulls the images for the first time needs a while.
pub const START_TIMEOUT: Duration = Duration::from_secs(600);

/// Reasons a container waits that waiting will not end.
const HOPELESS: &[&str] = &[
    "ErrImagePull",
    "ImagePullBackOff",
    "InvalidImageName",
    "CreateContainerConfigError",
    "CreateContainerError",
    "CrashLoopBackOff",
    "RunContainerError",
];

/// The pod's role label (`node`, `fabric`).
pub fn role(pod: &Pod) -> Option<&str> {
    pod.metadata.labels.as_ref()?.get(ROLE).map(String::as_str)
}

/// The container that is the pod's point: the node, or the fabric.
pub fn main_container(pod: &Pod) -> &'static str {
    if pod.metadata.name.as_deref() == Some(FABRIC_POD) { FABRIC_CONTAINER } else { NODE_CONTAINER }
}

/// The image a container of the pod runs.
pub fn image(pod: &Pod, container: &str) -> String {
    pod.spec
        .as_ref()
        .and_then(|s| s.containers.iter().find(|c| c.name == container))
        .and_then(|c| c.image.clone())
        .unwrap_or_default()
}

/// One container's state: the pod's phase, then the container's own.
pub fn state(pod: &Pod, container: &str) -> NodeState {
    let status = pod.status.as_ref();
    if pod.metadata.deletion_timestamp.is_some() {
        return NodeState::Stopped;
    }
    match status.and_then(|s| s.phase.as_deref()) {
        Some("Pending") => NodeState::Starting,
        Some("Succeeded" | "Failed") => NodeState::Stopped,
        Some("Running") => {
            let own = status
                .and_then(|s| s.container_statuses.as_ref())
                .and_then(|all| all.iter().find(|c| c.name == container));
            match own.and_then(|c| c.state.as_ref()) {
                Some(s) if s.running.is_some() => NodeState::Running,
                Some(s) if s.terminated.is_some() => NodeState::Stopped,
                Some(_) => NodeState::Starting,
                None => NodeState::Unknown,
            }
        }
        _ => NodeState::Unknown,
    }
}

/// Why a pod will not start, if it will not: a container (or init container) waiting
/// for a reason waiting does not cure, or an init container that failed.
pub fn hopeless(pod: &Pod) -> Option<String> {
    let status = pod.status.as_ref()?;
    let name = pod.metadata.name.as_deref().unwrap_or("?");
    let init = status.init_container_statuses.iter().flatten();
    for c in init.chain(status.container_statuses.iter().flatten()) {
        let Some(state) = &c.state else { continue };
        if let Some(waiting) = &state.waiting
            && let Some(reason) = waiting.reason.as_deref()
            && HOPELESS.contains(&reason)
        {
            let message = waiting.message.as_deref().unwrap_or("");
            return Some(format!("pod {name}, container {}: {reason} {message}", c.name).trim().to_string());
        }
        if let Some(ended) = &state.terminated
            && ended.exit_code != 0
            && status.phase.as_deref() == Some("Pending")
        {
            return Some(format!(
                "pod {name}, container {}: ended with exit status {} ({})",
                c.name,
                ended.exit_code,
                ended.message.as_deref().or(ended.reason.as_deref()).unwrap_or("no message")
            ));
        }
    }
    if status.phase.as_deref() == Some("Failed") {
        return Some(format!("pod {name} failed: {}", status.message.as_deref().unwrap_or("no message")));
    }
    None
}

/// Why a pod has not been placed on a machine of the cluster, if it has not.
fn unscheduled(pod: &Pod) -> Option<String> {
    let conditions = pod.status.as_ref()?.conditions.as_ref()?;
    let c = conditions.iter().find(|c| c.type_ == "PodScheduled" && c.status == "False")?;
    Some(format!(
        "pod {} is not scheduled: {}",
        pod.metadata.name.as_deref().unwrap_or("?"),
        c.message.as_deref().unwrap_or("no reason given")
    ))
}

/// Waits until every pod named runs its main container; fails as soon as one cannot.
pub async fn wait_running(pods: &Api<Pod>, names: &[String]) -> Result<(), EngineError> {
    let deadline = tokio::time::Instant::now() + START_TIMEOUT;
    loop {
        let listed = pods
            .list(&ListParams::default())
            .await
            .map_err(EngineError::backend("list the instance's pods"))?;
        let mut waiting = Vec::new();
        for name in names {
            match listed.items.iter().find(|p| p.metadata.name.as_deref() == Some(name)) {
                Some(pod) => {
                    if let Some(why) = hopeless(pod) {
                        return Err(EngineError::Backend {
                            doing: "start the pods".into(),
                            source: why.into(),
                        });
                    }
                    if state(pod, main_container(pod)) != NodeState::Running {
                        waiting.push(unscheduled(pod).unwrap_or_else(|| format!("pod {name} is starting")));
                    }
                }
                None => waiting.push(format!("pod {name} is missing")),
            }
        }
        if waiting.is_empty() {
            return Ok(());
        }
        if tokio::time::Instant::now() >= deadline {
            return Err(EngineError::Backend {
                doing: format!("start the pods within {} s", START_TIMEOUT.as_secs()),
                source: waiting.join("; ").into(),
            });
        }
        tokio::time::sleep(Duration::from_secs(1)).await;
    }
}
