//! The Docker engine: lab instances as containers on one Docker host, cabled through a
//! fabric container with veth pairs, all through the Docker API (bollard) and netlink.

mod containers;
mod deploy;
mod destroy;
mod disk_templates;
pub mod doctor;
mod exec;
mod files;
mod health;
mod shell;
mod underlay;

use std::path::PathBuf;
use std::time::Duration;

use async_trait::async_trait;
use bollard::Docker;

use super::disks::Disks;
use super::health::InfraProblem;
use super::labels::{self, NODE, ROLE};
use super::lock::Locks;
use super::netlink::HostLinks;
use super::steps;
use super::{
    DeployProgress, DeployRequest, Deployed, DestroyReport, Engine, EngineError, ExecOutput, InstanceRecord,
    InstanceState, InstanceSummary, NodeState, NodeStatus, Terminal,
};
use crate::design::Endpoint;
use crate::images::{self, BuildObserver, BuildOptions};
use crate::kind::NodeKind;
use crate::plan::{InstanceId, LinkSetting, fabric};

/// Where the fabric keeps the instance's record.
const RECORD_PATH: &str = "/var/lib/asbuilt/record.json";

/// The parts of the engine that removing an instance needs: cheap to clone, so that a
/// deploy dropped halfway can hand them to a task that removes what it made.
#[derive(Clone)]
pub(super) struct Cleanup {
    docker: Docker,
    links: HostLinks,
    disks: Disks,
}

/// Labs on the local Docker engine.
pub struct DockerEngine {
    docker: Docker,
    links: HostLinks,
    disks: Disks,
    locks: Locks,
    /// Held while a disk template is made (`disk_templates.rs`), so nodes of the same
    /// image wait for one template instead of each making their own.
    template_lock: tokio::sync::Mutex<()>,
    build_options: BuildOptions,
    build_observer: Box<dyn BuildObserver>,
}

impl DockerEngine {
    /// Runs a command in an instance's fabric (out of the students' reach): for tests
    /// that look at the cabling from where it is made. Not part of [`Engine`]: nothing
    /// outside this engine needs the fabric's shell.
    pub async fn fabric_exec(
        &self,
        instance: &InstanceId,
        argv: &[String],
        timeout: Duration,
    ) -> Result<ExecOutput, EngineError> {
        exec::run(&self.docker, &labels::fabric_container(instance), None, argv, None, timeout).await
    }

    /// Connects to the local Docker engine; `build_observer` sees image builds a deploy
    /// has to do first.
    pub async fn connect(build_observer: Box<dyn BuildObserver>) -> Result<DockerEngine, EngineError> {
        let docker = images::connect().await?;
        let links = HostLinks::connect().map_err(EngineError::backend("connect to the host's netlink"))?;
        Ok(DockerEngine {
            docker,
            links,
            disks: Disks::from_env(),
            locks: Locks::from_env(),
            template_lock: tokio::sync::Mutex::new(()),
            build_options: BuildOptions::from_env(),
            build_observer,
        })
    }

    /// What removing an instance needs, to hand to a task of its own.
    fn cleanup(&self) -> Cleanup {
        Cleanup { docker: self.docker.clone(), links: self.links.clone(), disks: self.disks.clone() }
    }

    async fn read_record(&self, instance: &InstanceId) -> Result<InstanceRecord, EngineError> {
        let container = labels::fabric_container(instance);
        let bytes = match files::download(&self.docker, &container, RECORD_PATH).await {
            Ok(Some(bytes)) => bytes,
            // Docker answers 404 both for a file that is not there and for a container
            // that is not: only an existing fabric without a record is half-built.
            Ok(None) if !self.container_exists(&container).await? => {
                return Err(EngineError::NoSuchInstance(instance.clone()));
            }
            Ok(None) => {
                return Err(EngineError::Record {
                    instance: instance.clone(),
                    detail: "the fabric holds no record (a half-built instance: destroy it)".into(),
                });
            }
            Err(e) if status_code(&e) == Some(404) => {
                return Err(EngineError::NoSuchInstance(instance.clone()));
            }
            Err(e) => return Err(e),
        };
        serde_json::from_slice(&bytes)
            .map_err(|e| EngineError::Record { instance: instance.clone(), detail: e.to_string() })
    }

    async fn container_exists(&self, container: &str) -> Result<bool, EngineError> {
        match self.docker.inspect_container(container, None).await {
            Ok(_) => Ok(true),
            Err(bollard::errors::Error::DockerResponseServerError { status_code: 404, .. }) => Ok(false),
            Err(e) => Err(EngineError::backend(format!("inspect {container}"))(e)),
        }
    }

    async fn write_record(&self, record: &InstanceRecord) -> Result<(), EngineError> {
        let content = serde_json::to_string(record).expect("records serialize");
        let file = crate::plan::ConfigFile { path: RECORD_PATH.into(), content, mode: 0o600 };
        files::upload(&self.docker, &labels::fabric_container(&record.plan.instance), &[file]).await
    }

    /// Runs `work` on a node's container. Most calls find it; only when Docker says there
    /// is no such container (or it is not running) is the instance listed, to say which
    /// nodes it does have. Checks exec hundreds of times, so the happy path makes no
    /// extra call.
    async fn on_node<T, F, Fut>(&self, instance: &InstanceId, node: &str, work: F) -> Result<T, EngineError>
    where
        F: FnOnce(String) -> Fut,
        Fut: std::future::Future<Output = Result<T, EngineError>>,
    {
        match work(labels::node_container(instance, node)).await {
            Err(e) if matches!(status_code(&e), Some(404 | 409)) => {
                Err(self.missing_node(instance, node).await)
            }
            other => other,
        }
    }

    /// Why a node could not be found: no instance at all, or no such node in it.
    async fn missing_node(&self, instance: &InstanceId, node: &str) -> EngineError {
        let all = match containers::list(&self.docker, Some(instance)).await {
            Ok(all) => all,
            Err(e) => return e,
        };
        if all.is_empty() {
            return EngineError::NoSuchInstance(instance.clone());
        }
        let nodes: Vec<&str> =
            all.iter().filter_map(|c| containers::label(c, NODE)).filter(|n| !n.is_empty()).collect();
        EngineError::NoSuchNode {
            instance: instance.clone(),
            node: node.to_string(),
            known: nodes.join(", "),
        }
    }
}

#[async_trait]
impl Engine for DockerEngine {
    async fn deploy(
        &self,
        request: DeployRequest<'_>,
        progress: &dyn DeployProgress,
    ) -> Result<Deployed, EngineError> {
        deploy::deploy(self, request, progress).await
    }

    async fn instances(&self) -> Result<Vec<InstanceSummary>, EngineError> {
        let all = containers::list(&self.docker, None).await?;
        let mut out: Vec<InstanceSummary> = Vec::new();
        for c in &all {
            let Some(instance) =
                containers::label(c, labels::INSTANCE).and_then(|i| InstanceId::parse(i).ok())
            else {
                continue;
            };
            let entry = match out.iter_mut().position(|s| s.instance == instance) {
                Some(i) => &mut out[i],
                None => {
                    out.push(InstanceSummary {
                        instance: instance.clone(),
                        lab: containers::label(c, labels::LAB).unwrap_or_default().to_string(),
                        student: containers::label(c, labels::STUDENT)
                            .filter(|s| !s.is_empty())
                            .map(str::to_string),
                        nodes: 0,
                        state: InstanceState::Running,
                    });
                    out.last_mut().expect("just pushed")
                }
            };
            if containers::label(c, ROLE) == Some("node") {
                entry.nodes += 1;
            }
            if containers::state(c) != NodeState::Running {
                entry.state = InstanceState::NotAllRunning;
            }
        }
        out.sort_by(|a, b| a.instance.cmp(&b.instance));
        Ok(out)
    }

    async fn record(&self, instance: &InstanceId) -> Result<InstanceRecord, EngineError> {
        // The record is on the fabric's disk, which is not mounted after a reboot.
        let _ = self.disks.mount(instance.as_str(), deploy::FABRIC_DISK).await;
        self.read_record(instance).await
    }

    async fn health(&self, instance: &InstanceId) -> Result<Vec<InfraProblem>, EngineError> {
        let record = self.read_record(instance).await?;
        health::gather(self, &record).await
    }

    async fn nodes(&self, instance: &InstanceId) -> Result<Vec<NodeStatus>, EngineError> {
        let all = containers::list(&self.docker, Some(instance)).await?;
        if all.is_empty() {
            return Err(EngineError::NoSuchInstance(instance.clone()));
        }
        let mut out: Vec<NodeStatus> = all
            .iter()
            .filter(|c| containers::label(c, ROLE) == Some("node"))
            .map(|c| NodeStatus {
                node: containers::label(c, NODE).unwrap_or_default().to_string(),
                kind: containers::label(c, labels::KIND)
                    .and_then(|k| NodeKind::ALL.into_iter().find(|x| x.name() == k)),
                state: containers::state(c),
                image: c.image.clone().unwrap_or_default(),
            })
            .collect();
        // Nodes the plan has but Docker has not: a half-built or damaged instance.
        if let Ok(record) = self.read_record(instance).await {
            for node in &record.plan.nodes {
                if !out.iter().any(|s| s.node == node.name) {
                    out.push(NodeStatus {
                        node: node.name.clone(),
                        kind: Some(node.kind),
                        state: NodeState::Missing,
                        image: String::new(),
                    });
                }
            }
            out.sort_by_key(|s| record.plan.nodes.iter().position(|n| n.name == s.node));
        }
        Ok(out)
    }

    async fn exec(
        &self,
        instance: &InstanceId,
        node: &str,
        user: Option<&str>,
        argv: &[String],
        stdin: Option<&str>,
        timeout: Duration,
    ) -> Result<ExecOutput, EngineError> {
        self.on_node(instance, node, |container| async move {
            exec::run(&self.docker, &container, user, argv, stdin, timeout).await
        })
        .await
    }

    async fn terminal(
        &self,
        instance: &InstanceId,
        node: &str,
        argv: &[String],
        size: (u16, u16),
    ) -> Result<Terminal, EngineError> {
        self.on_node(instance, node, |container| async move {
            exec::terminal(&self.docker, &container, argv, size).await
        })
        .await
    }

    async fn set_link(
        &self,
        instance: &InstanceId,
        endpoint: &Endpoint,
        setting: LinkSetting,
    ) -> Result<(), EngineError> {
        let _lock = self.locks.lock(instance.as_str()).await?;
        let mut record = self.read_record(instance).await?;
        let no_link =
            || EngineError::NoSuchLink { instance: instance.clone(), endpoint: endpoint.to_string() };
        let segment = record
            .plan
            .segments
            .iter()
            .find(|s| s.ports.iter().any(|p| &p.endpoint == endpoint))
            .ok_or_else(no_link)?;
        let port = segment.ports.iter().find(|p| &p.endpoint == endpoint).ok_or_else(no_link)?;
        let script = fabric::link_script(segment, port, setting);
        let shell = shell::DockerShell { docker: &self.docker, instance };
        steps::run_script(&shell, steps::Target::Fabric, &format!("set cable end {endpoint}"), &script)
            .await?;
        record.links.retain(|(e, _)| e != endpoint);
        if !setting.is_default() {
            record.links.push((endpoint.clone(), setting));
        }
        self.write_record(&record).await
    }

    async fn netns(&self, instance: &InstanceId, node: &str) -> Result<Option<PathBuf>, EngineError> {
        let pid =
            self.on_node(instance, node, |container| async move {
                containers::pid(&self.docker, &container).await
            })
            .await?;
        Ok(Some(PathBuf::from(format!("/proc/{pid}/ns/net"))))
    }

    async fn destroy(&self, instance: &InstanceId) -> DestroyReport {
        let _lock = match self.locks.lock(instance.as_str()).await {
            Ok(lock) => lock,
            Err(e) => return DestroyReport { errors: vec![e.to_string()], ..DestroyReport::default() },
        };
        destroy::instance(&self.cleanup(), instance).await
    }

    async fn destroy_all(&self) -> DestroyReport {
        // Instance by instance, each under its lock, then what a crash left anywhere.
        let mut report = super::destroy_each(self).await;
        report.absorb(destroy::all(&self.cleanup()).await);
        report.instances.sort();
        report.instances.dedup();
        report
    }
}

/// The HTTP status Docker answered with, when `error` is Docker's refusal.
fn status_code(error: &EngineError) -> Option<u16> {
    match error.backend_source::<bollard::errors::Error>()? {
        bollard::errors::Error::DockerResponseServerError { status_code, .. } => Some(*status_code),
        _ => None,
    }
}
