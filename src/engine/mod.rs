//! Engines: what turns a [`Plan`] into a running lab instance, and everything done to
//! one afterwards.
//!
//! One interface, [`Engine`], implemented by Docker (one server) and, later,
//! Kubernetes (a cluster); the front ends pick one at start-up. What an engine stores
//! about an instance lives in the engine itself (labels, and a [`InstanceRecord`] kept in
//! the instance's fabric), so asbuilt can always rebuild its view after a crash.

pub mod access;
pub mod choice;
pub mod disks;
pub mod docker;
pub mod health;
pub mod kubernetes;
pub mod labels;
pub mod lock;
pub mod netlink;
pub mod node_files;
pub mod save;
pub mod startup;
pub mod steps;

use std::path::PathBuf;
use std::time::Duration;

use async_trait::async_trait;
use serde::{Deserialize, Serialize};

use crate::design::{Design, Endpoint};
use crate::kind::NodeKind;
use crate::plan::{InstanceId, LinkSetting, Plan};

/// What a deploy is asked to build.
pub struct DeployRequest<'a> {
    pub plan: &'a Plan,
    /// The design the instance is graded against (faults not applied).
    pub design: &'a Design,
    /// How many nodes are created and configured at the same time.
    pub workers: usize,
}

/// What a deploy did.
#[derive(Debug, Clone)]
pub struct Deployed {
    pub instance: InstanceId,
    /// The instance was there already, built from the same plan, and left alone.
    pub unchanged: bool,
    /// An instance of the same name, from another plan, was replaced.
    pub replaced: bool,
    /// The instance was there already, and these nodes were built again because its
    /// infrastructure was broken (a node restarted, the fabric stopped).
    pub repaired: Vec<String>,
    /// The instance was there already, and only the design it is graded against
    /// changed (new checks, say): the record was updated and the lab left alone.
    pub design_updated: bool,
    pub nodes: usize,
    pub elapsed: Duration,
}

impl Deployed {
    /// A deploy that built the instance anew (`replaced` one that was there).
    pub fn built(
        instance: InstanceId,
        replaced: bool,
        nodes: usize,
        started: std::time::Instant,
    ) -> Deployed {
        Deployed {
            instance,
            unchanged: false,
            replaced,
            repaired: Vec::new(),
            design_updated: false,
            nodes,
            elapsed: started.elapsed(),
        }
    }
}

/// Removes every instance `engine` lists, each through its `destroy` (so under its
/// lock); what an engine's `destroy_all` starts with.
pub async fn destroy_each(engine: &dyn Engine) -> DestroyReport {
    let mut report = DestroyReport::default();
    match engine.instances().await {
        Ok(all) => {
            for summary in all {
                report.absorb(engine.destroy(&summary.instance).await);
            }
        }
        Err(e) => report.errors.push(e.to_string()),
    }
    report
}

/// What an engine keeps about an instance, to inspect, check and change it later.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct InstanceRecord {
    pub plan: Plan,
    pub design: Design,
    /// When the deploy finished, RFC 3339.
    pub deployed_at: String,
    /// The current state of every cable end that is not plain (pulled, lossy, slow).
    pub links: Vec<(Endpoint, LinkSetting)>,
    /// What the teacher's startup commands did on each node that has any.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub startup: Vec<crate::plan::as_is::StartupLog>,
}

impl InstanceRecord {
    /// Refuses to deploy `plan` onto this instance when it is someone else's lab: a
    /// deploy never replaces another student's (or the teacher's) work.
    pub fn check_owner(&self, plan: &Plan) -> Result<(), EngineError> {
        if self.plan.student == plan.student {
            return Ok(());
        }
        let who = |s: &Option<String>| s.clone().unwrap_or_else(|| "the teacher's plan".into());
        Err(EngineError::Occupied {
            instance: plan.instance.clone(),
            owner: who(&self.plan.student),
            asked: who(&plan.student),
        })
    }

    /// Whether the instance was built from exactly `plan`.
    pub fn built_from(&self, plan: &Plan) -> bool {
        serde_json::to_value(&self.plan).ok() == serde_json::to_value(plan).ok()
    }

    /// Whether the instance is graded against exactly `design`.
    pub fn graded_against(&self, design: &Design) -> bool {
        serde_json::to_value(&self.design).ok() == serde_json::to_value(design).ok()
    }

    pub fn link_setting(&self, endpoint: &Endpoint) -> LinkSetting {
        self.links.iter().find(|(e, _)| e == endpoint).map(|(_, s)| *s).unwrap_or_default()
    }
}

/// One instance, as listed.
#[derive(Debug, Clone, Serialize)]
pub struct InstanceSummary {
    pub instance: InstanceId,
    pub lab: String,
    pub student: Option<String>,
    pub nodes: usize,
    pub state: InstanceState,
}

/// Whether all of an instance runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum InstanceState {
    /// Every node and the fabric run.
    Running,
    /// Some part does not run (`asbuilt inspect` says which).
    NotAllRunning,
}

impl std::fmt::Display for InstanceState {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            InstanceState::Running => "running",
            InstanceState::NotAllRunning => "not all containers run",
        })
    }
}

/// One node of an instance, as the engine sees it.
#[derive(Debug, Clone, Serialize)]
pub struct NodeStatus {
    pub node: String,
    pub kind: Option<NodeKind>,
    pub state: NodeState,
    pub image: String,
}

/// A node's state, in the words every engine maps its own onto (Docker's container
/// states, a pod's phase), so nothing outside an engine compares an engine's strings.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum NodeState {
    /// It runs: consoles open and checks look at it.
    Running,
    /// Being created or started again (Docker: created, restarting; a pod: pending).
    Starting,
    /// Frozen (Docker: paused).
    Paused,
    /// It ended (Docker: exited, dead, removing; a pod: succeeded, failed).
    Stopped,
    /// The plan has it, the engine does not.
    Missing,
    /// The engine said something asbuilt does not know.
    Unknown,
}

impl NodeState {
    pub fn name(self) -> &'static str {
        match self {
            NodeState::Running => "running",
            NodeState::Starting => "starting",
            NodeState::Paused => "paused",
            NodeState::Stopped => "stopped",
            NodeState::Missing => "missing",
            NodeState::Unknown => "unknown",
        }
    }
}

impl std::fmt::Display for NodeState {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

/// The most asbuilt keeps of what one command prints, per stream, whatever the engine.
/// A student can replace any program in their node with one that prints without end
/// (`yes`); asbuilt stops listening there instead of growing with it.
pub const MAX_EXEC_OUTPUT: usize = 4 << 20;

/// What a command printed and how it ended.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ExecOutput {
    /// The command's exit status; -1 when it was cut off.
    pub exit_code: i64,
    pub stdout: String,
    pub stderr: String,
    /// The command printed more than asbuilt reads from a node, and was left running;
    /// `stdout` and `stderr` hold the beginning.
    pub truncated: bool,
}

impl ExecOutput {
    pub fn success(&self) -> bool {
        self.exit_code == 0
    }
}

/// What `destroy` removed and what it could not.
#[derive(Debug, Default, Clone, Serialize)]
pub struct DestroyReport {
    pub instances: Vec<InstanceId>,
    pub containers: usize,
    pub links: usize,
    pub volumes: usize,
    pub errors: Vec<String>,
}

impl DestroyReport {
    pub fn absorb(&mut self, other: DestroyReport) {
        self.instances.extend(other.instances);
        self.containers += other.containers;
        self.links += other.links;
        self.volumes += other.volumes;
        self.errors.extend(other.errors);
    }
}

/// Changes a terminal's size: columns, rows.
pub type Resize =
    Box<dyn Fn(u16, u16) -> futures::future::BoxFuture<'static, Result<(), EngineError>> + Send + Sync>;

/// An interactive terminal on a node.
pub struct Terminal {
    pub output: std::pin::Pin<Box<dyn futures::Stream<Item = Result<bytes::Bytes, EngineError>> + Send>>,
    pub input: std::pin::Pin<Box<dyn tokio::io::AsyncWrite + Send>>,
    pub resize: Resize,
}

/// Reports progress of a deploy to whoever watches.
pub trait DeployProgress: Send + Sync {
    /// A step of the whole deploy started.
    fn step(&self, what: &str);
    /// One node got somewhere (`created`, `configured`, `ready`).
    fn node(&self, node: &str, state: &str);
}

/// A progress report nobody watches.
pub struct Quiet;

impl DeployProgress for Quiet {
    fn step(&self, _: &str) {}
    fn node(&self, _: &str, _: &str) {}
}

/// What went wrong in an engine. Messages read after "failed to".
#[derive(Debug, thiserror::Error)]
pub enum EngineError {
    /// The engine's own machinery failed (a call to the Docker engine, a netlink
    /// request for the cabling, a call to a cluster's API): each engine fills in its
    /// error, and `doing` says what asbuilt was doing.
    #[error("{doing}: {source}")]
    Backend {
        doing: String,
        #[source]
        source: Box<dyn std::error::Error + Send + Sync>,
    },
    /// Images could not be found or built.
    #[error(transparent)]
    Images(Box<crate::images::ImageError>),
    /// A node's disk could not be made, mounted or removed.
    #[error(transparent)]
    Disk(#[from] disks::DiskError),
    /// Reading or writing data on this host failed.
    #[error("{doing}: {source}")]
    Io {
        doing: String,
        #[source]
        source: std::io::Error,
    },
    /// A script inside a node or the fabric failed.
    #[error("{doing} on {node}: step \"{step}\" failed: {output}")]
    Script { doing: String, node: String, step: String, output: String },
    /// A container that should run does not (stopped, or never attached).
    #[error("{doing}: {container} is not running")]
    NotRunning { doing: String, container: String },
    /// Nodes did not answer in time after configuration.
    #[error("wait for {nodes} to be ready: no answer after {seconds} s")]
    NotReady { nodes: String, seconds: u64 },
    /// Something took longer than allowed.
    #[error("{doing}: no answer after {seconds} s")]
    Timeout { doing: String, seconds: u64 },
    /// There is no such instance.
    #[error("find instance {0}: there is no such instance (see `asbuilt inspect`)")]
    NoSuchInstance(InstanceId),
    /// The instance has no such node.
    #[error("find node {node} in instance {instance}: it has no such node (it has: {known})")]
    NoSuchNode { instance: InstanceId, node: String, known: String },
    /// The instance has no such cable end.
    #[error("find cable end {endpoint} in instance {instance}: no such cabled interface")]
    NoSuchLink { instance: InstanceId, endpoint: String },
    /// The stored record of an instance is missing or unreadable.
    #[error("read the record of instance {instance}: {detail}")]
    Record { instance: InstanceId, detail: String },
    /// The instance belongs to another student (or to the teacher's plan): a deploy
    /// never replaces someone else's lab.
    #[error("deploy {instance}: it is the lab of {owner}, not of {asked}; choose another --name")]
    Occupied { instance: InstanceId, owner: String, asked: String },
    /// An instance of the same name had to be replaced, and removing it failed; nothing
    /// new was created.
    #[error("replace instance {instance}: removing the old one failed: {}", errors.join("; "))]
    Replace { instance: InstanceId, errors: Vec<String> },
    /// A deploy failed; everything it created was removed again (or the errors say why not).
    #[error("deploy {instance}: {cause}{}", rollback_note(.rollback_errors))]
    Deploy { instance: InstanceId, cause: Box<EngineError>, rollback_errors: Vec<String> },
}

fn rollback_note(errors: &[String]) -> String {
    if errors.is_empty() {
        "; everything this deploy created was removed".to_string()
    } else {
        format!("; removing what it created also failed: {}", errors.join("; "))
    }
}

impl From<crate::images::ImageError> for EngineError {
    fn from(error: crate::images::ImageError) -> EngineError {
        EngineError::Images(Box::new(error))
    }
}

impl EngineError {
    /// Wraps an engine's own error, for `map_err`: what asbuilt was doing, and why it
    /// failed.
    pub fn backend<E>(doing: impl Into<String>) -> impl FnOnce(E) -> EngineError
    where
        E: std::error::Error + Send + Sync + 'static,
    {
        let doing = doing.into();
        move |source| EngineError::Backend { doing, source: Box::new(source) }
    }

    /// The engine's own error of this type, if this is one.
    pub fn backend_source<E: std::error::Error + 'static>(&self) -> Option<&E> {
        match self {
            EngineError::Backend { source, .. } => source.downcast_ref::<E>(),
            _ => None,
        }
    }
}

/// The interface every engine implements.
#[async_trait]
pub trait Engine: Send + Sync {
    /// Builds the instance, or converges an existing one: an instance of the same plan
    /// that runs is left alone; one that is broken or of another plan is replaced. On
    /// failure, everything this deploy created is removed.
    async fn deploy(
        &self,
        request: DeployRequest<'_>,
        progress: &dyn DeployProgress,
    ) -> Result<Deployed, EngineError>;

    /// Every instance the engine has.
    async fn instances(&self) -> Result<Vec<InstanceSummary>, EngineError>;

    /// What was stored about an instance at deploy.
    async fn record(&self, instance: &InstanceId) -> Result<InstanceRecord, EngineError>;

    /// What is broken of an instance's infrastructure (stopped containers, cables gone):
    /// nothing a student did or can repair. Empty when the instance is whole.
    async fn health(&self, instance: &InstanceId) -> Result<Vec<health::InfraProblem>, EngineError>;

    /// The state of each node of an instance.
    async fn nodes(&self, instance: &InstanceId) -> Result<Vec<NodeStatus>, EngineError>;

    /// Runs a command in a node as `user` (root, confined like the node, when `None`),
    /// with `stdin` fed to it when given.
    async fn exec(
        &self,
        instance: &InstanceId,
        node: &str,
        user: Option<&str>,
        argv: &[String],
        stdin: Option<&str>,
        timeout: Duration,
    ) -> Result<ExecOutput, EngineError>;

    /// Opens an interactive terminal running `argv` in a node.
    async fn terminal(
        &self,
        instance: &InstanceId,
        node: &str,
        argv: &[String],
        size: (u16, u16),
    ) -> Result<Terminal, EngineError>;

    /// Puts a cable end into a state: pulled, plugged in, lossy, slow.
    async fn set_link(
        &self,
        instance: &InstanceId,
        endpoint: &Endpoint,
        setting: LinkSetting,
    ) -> Result<(), EngineError>;

    /// The network namespace of a node as a file on this host, for probes asbuilt runs
    /// itself; `None` where the engine's nodes are not on this host.
    async fn netns(&self, instance: &InstanceId, node: &str) -> Result<Option<PathBuf>, EngineError>;

    /// Starts asbuilt's probe agent in a node's network namespace, for an engine whose
    /// nodes are not on this host (`netns` gives `None`); `None` where it cannot.
    async fn agent(
        &self,
        instance: &InstanceId,
        node: &str,
    ) -> Result<Option<crate::checks::access::AgentChannel>, EngineError> {
        let _ = (instance, node);
        Ok(None)
    }

    /// Removes everything of an instance, also of a half-built one. Goes on after an
    /// error and reports them all.
    async fn destroy(&self, instance: &InstanceId) -> DestroyReport;

    /// Removes every instance and everything stranded by a crash.
    async fn destroy_all(&self) -> DestroyReport;

    /// Brings one instance back after the engine or the host restarted (containers
    /// stopped, cables gone, disks not mounted): it is converged to its recorded plan,
    /// keeping what students saved. An instance that cannot be brought back stays as it
    /// is, for `destroy` or another try.
    async fn recover_instance(&self, instance: &InstanceId, workers: usize) -> Result<Deployed, EngineError> {
        let record = self.record(instance).await?;
        let request = DeployRequest { plan: &record.plan, design: &record.design, workers };
        self.deploy(request, &Quiet).await
    }

    /// [`Engine::recover_instance`] for every instance the engine has; one result each.
    async fn recover(&self, workers: usize) -> Vec<(InstanceId, Result<Deployed, EngineError>)> {
        let instances = match self.instances().await {
            Ok(all) => all,
            Err(e) => return vec![(InstanceId::parse("unknown").expect("a valid name"), Err(e))],
        };
        let mut out = Vec::new();
        for summary in instances {
            let result = self.recover_instance(&summary.instance, workers).await;
            out.push((summary.instance, result));
        }
        out
    }
}
