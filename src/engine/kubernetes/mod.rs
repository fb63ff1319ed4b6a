//! The Kubernetes engine: each lab instance a namespace of its own on a cluster, a pod
//! per node and one for the fabric, the cables VXLAN tunnels between them
//! ([`crate::plan::tunnel`]), all through the cluster's API (kube-rs).
//!
//! It builds the same plan as the Docker engine, with the same scripts
//! ([`crate::engine::steps`]), so a lab looks and grades the same on both. What differs
//! is written down in docs/kubernetes.md: where the disks live, and what the cluster
//! must allow.

mod agent;
mod deploy;
mod exec;
pub mod manifests;
mod pods;
mod underlay;

use std::path::PathBuf;
use std::time::Duration;

use async_trait::async_trait;
use k8s_openapi::api::core::v1::{ConfigMap, Namespace, Pod};
use kube::api::{ListParams, PostParams};
use kube::config::{KubeConfigOptions, Kubeconfig};
use kube::{Api, Client, Config};

use self::exec::InPod;
use self::manifests::{
    FABRIC_CONTAINER, FABRIC_POD, NODE_CONTAINER, PROBE_CONTAINER, RECORD_CONFIG_MAP, RECORD_KEY, Settings,
    namespace_name, node_pod,
};
use super::health::{FABRIC_FACTS, InfraProblem, add_fabric_problems};
use super::labels::{INSTANCE, LAB, STUDENT};
use super::lock::Locks;
use super::steps::{self, Shell, Target};
use super::{
    DeployProgress, DeployRequest, Deployed, DestroyReport, Engine, EngineError, ExecOutput, InstanceRecord,
    InstanceState, InstanceSummary, NodeState, NodeStatus, Terminal,
};
use crate::checks::access::AgentChannel;
use crate::design::Endpoint;
use crate::plan::files_script::{File, write_files};
use crate::plan::{ConfigFile, InstanceId, LinkSetting, fabric};

/// How long removing an instance's namespace may take before destroy gives up waiting.
const DELETE_TIMEOUT: Duration = Duration::from_secs(180);

/// Labs on a Kubernetes cluster.
pub struct KubernetesEngine {
    client: Client,
    settings: Settings,
    locks: Locks,
}

/// Where to find the cluster: a kubeconfig context, or what kube-rs infers (the
/// `KUBECONFIG` files, `~/.kube/config`, or the service account inside a cluster).
pub async fn client(context: Option<&str>) -> Result<Client, EngineError> {
    let config = match context {
        Some(context) => {
            let options =
                KubeConfigOptions { context: Some(context.to_string()), ..KubeConfigOptions::default() };
            Config::from_kubeconfig(&options)
                .await
                .map_err(EngineError::backend(format!("read the kubeconfig context {context}")))?
        }
        None => Config::infer().await.map_err(EngineError::backend("find a Kubernetes cluster"))?,
    };
    Client::try_from(config).map_err(EngineError::backend("make a client for the cluster"))
}

/// Whether this machine has a kubeconfig to reach a cluster with (the conformance test
/// runs only then).
pub fn kubeconfig_present() -> bool {
    Kubeconfig::read().is_ok()
}

impl KubernetesEngine {
    pub async fn connect(context: Option<&str>, settings: Settings) -> Result<KubernetesEngine, EngineError> {
        Ok(KubernetesEngine { client: client(context).await?, settings, locks: Locks::from_env() })
    }

    fn namespace(&self, instance: &InstanceId) -> Result<String, EngineError> {
        namespace_name(&self.settings, instance).map_err(|e| EngineError::Backend {
            doing: format!("name the namespace of {instance}"),
            source: Box::new(e),
        })
    }

    fn pods(&self, instance: &InstanceId) -> Result<Api<Pod>, EngineError> {
        Ok(Api::namespaced(self.client.clone(), &self.namespace(instance)?))
    }

    fn namespaces(&self) -> Api<Namespace> {
        Api::all(self.client.clone())
    }

    fn shell(&self, instance: &InstanceId) -> Result<KubeShell, EngineError> {
        Ok(KubeShell { pods: self.pods(instance)? })
    }

    async fn read_record(&self, instance: &InstanceId) -> Result<InstanceRecord, EngineError> {
        let ns = self.namespace(instance)?;
        let maps: Api<ConfigMap> = Api::namespaced(self.client.clone(), &ns);
        let record = |detail: String| EngineError::Record { instance: instance.clone(), detail };
        let found = maps
            .get_opt(RECORD_CONFIG_MAP)
            .await
            .map_err(EngineError::backend(format!("read the record of {instance}")))?;
        let Some(map) = found else {
            // Only now is the namespace asked after: a record is read for every check
            // run and console, and is nearly always there.
            let exists =
                self.namespaces().get_opt(&ns).await.map_err(EngineError::backend("look up a namespace"))?;
            return Err(match exists {
                None => EngineError::NoSuchInstance(instance.clone()),
                Some(_) => record("it has none (the deploy did not finish)".into()),
            });
        };
        let text =
            map.data.as_ref().and_then(|d| d.get(RECORD_KEY)).ok_or_else(|| record("it is empty".into()))?;
        serde_json::from_str(text).map_err(|e| record(e.to_string()))
    }

    /// What is broken of the instance `record` describes (the record read already).
    async fn health_of(&self, record: &InstanceRecord) -> Result<Vec<InfraProblem>, EngineError> {
        let pods = self.pods(&record.plan.instance)?;
        let listed =
            pods.list(&ListParams::default()).await.map_err(EngineError::backend("list the pods"))?;
        let state_of = |name: &str, container: &str| {
            listed
                .items
                .iter()
                .find(|p| p.metadata.name.as_deref() == Some(name))
                .map(|p| pods::state(p, container))
                .unwrap_or(NodeState::Missing)
        };
        let mut problems = Vec::new();
        for node in &record.plan.nodes {
            let state = state_of(&node_pod(&node.name), NODE_CONTAINER);
            if state != NodeState::Running {
                problems.push(InfraProblem::NodeNotRunning { node: node.name.clone(), state });
            }
        }
        let fabric_state = state_of(FABRIC_POD, FABRIC_CONTAINER);
        if fabric_state != NodeState::Running {
            problems.insert(0, InfraProblem::FabricNotRunning { state: fabric_state });
            return Ok(problems);
        }
        let shell = KubeShell { pods };
        let argv = ["sh".to_string(), "-c".to_string(), FABRIC_FACTS.to_string()];
        let out = shell.run(Target::Fabric, &argv, None, Duration::from_secs(20)).await?;
        add_fabric_problems(&mut problems, record, &out.stdout);
        Ok(problems)
    }

    /// Stores the record, replacing the one there.
    async fn write_record(&self, record: &InstanceRecord) -> Result<(), EngineError> {
        let ns = self.namespace(&record.plan.instance)?;
        let maps: Api<ConfigMap> = Api::namespaced(self.client.clone(), &ns);
        let json = serde_json::to_string(record).expect("records serialise");
        let mut map = ConfigMap {
            metadata: kube::api::ObjectMeta {
                name: Some(RECORD_CONFIG_MAP.into()),
                namespace: Some(ns.clone()),
                labels: Some([(INSTANCE.to_string(), record.plan.instance.to_string())].into()),
                ..Default::default()
            },
            data: Some([(RECORD_KEY.to_string(), json)].into()),
            ..ConfigMap::default()
        };
        let doing = format!("store the record of {}", record.plan.instance);
        match maps.get_opt(RECORD_CONFIG_MAP).await.map_err(EngineError::backend(doing.clone()))? {
            Some(old) => {
                map.metadata.resource_version = old.metadata.resource_version;
                maps.replace(RECORD_CONFIG_MAP, &PostParams::default(), &map).await
            }
            None => maps.create(&PostParams::default(), &map).await,
        }
        .map(|_| ())
        .map_err(EngineError::backend(doing))
    }

    /// Why a call on a node's pod failed: the cluster's 404 becomes "no such instance"
    /// or "no such node" (naming the nodes there are), read from the record only then,
    /// so that the many commands of a check cost no extra calls.
    async fn explain(&self, instance: &InstanceId, node: &str, error: EngineError) -> EngineError {
        let not_found = matches!(error.backend_source::<kube::Error>(), Some(kube::Error::Api(status)) if status.code == 404);
        if !not_found {
            return error;
        }
        match self.read_record(instance).await {
            Ok(record) if record.plan.node(node).is_none() => EngineError::NoSuchNode {
                instance: instance.clone(),
                node: node.to_string(),
                known: record.plan.nodes.iter().map(|n| n.name.as_str()).collect::<Vec<_>>().join(", "),
            },
            Ok(_) => error,
            Err(missing) => missing,
        }
    }

    /// Deletes an instance's namespace and waits until the cluster has removed it and
    /// everything in it.
    async fn delete_namespace(&self, instance: &InstanceId) -> DestroyReport {
        let mut report = DestroyReport::default();
        let ns = match self.namespace(instance) {
            Ok(ns) => ns,
            Err(e) => {
                report.errors.push(e.to_string());
                return report;
            }
        };
        let pods = self.pods(instance).expect("named above");
        let count = pods.list(&ListParams::default()).await.map(|l| l.items.len()).unwrap_or(0);
        match self.namespaces().delete(&ns, &kube::api::DeleteParams::background()).await {
            Ok(_) => {}
            Err(kube::Error::Api(e)) if e.code == 404 => return report,
            Err(e) => {
                report.errors.push(format!("delete namespace {ns}: {e}"));
                return report;
            }
        }
        let deadline = tokio::time::Instant::now() + DELETE_TIMEOUT;
        loop {
            match self.namespaces().get_opt(&ns).await {
                Ok(None) => break,
                Ok(Some(_)) if tokio::time::Instant::now() < deadline => {
                    tokio::time::sleep(Duration::from_millis(500)).await
                }
                Ok(Some(_)) => {
                    report.errors.push(format!(
                        "namespace {ns} is still being removed after {} s",
                        DELETE_TIMEOUT.as_secs()
                    ));
                    return report;
                }
                Err(e) => {
                    report.errors.push(format!("wait for namespace {ns} to go: {e}"));
                    return report;
                }
            }
        }
        report.instances.push(instance.clone());
        report.containers = count;
        report
    }
}

/// Commands and files into the pods of one instance.
pub(super) struct KubeShell {
    pods: Api<Pod>,
}

impl KubeShell {
    fn at<'a>(&'a self, target: Target<'a>, pod: &'a str) -> InPod<'a> {
        let container = match target {
            Target::Node(_) => NODE_CONTAINER,
            Target::Fabric => FABRIC_CONTAINER,
        };
        InPod { pods: &self.pods, pod, container }
    }

    fn pod(target: Target<'_>) -> String {
        match target {
            Target::Node(node) => node_pod(node),
            Target::Fabric => FABRIC_POD.to_string(),
        }
    }
}

#[async_trait]
impl Shell for KubeShell {
    async fn run(
        &self,
        target: Target<'_>,
        argv: &[String],
        stdin: Option<&str>,
        timeout: Duration,
    ) -> Result<ExecOutput, EngineError> {
        let pod = Self::pod(target);
        exec::run(&self.at(target, &pod), argv, stdin.map(str::as_bytes), timeout).await
    }

    async fn upload(&self, node: &str, files: &[ConfigFile]) -> Result<(), EngineError> {
        if files.is_empty() {
            return Ok(());
        }
        let files: Vec<File<'_>> = files
            .iter()
            .map(|f| File { path: &f.path, content: &f.content, mode: f.mode, owner: None })
            .collect();
        steps::run_script(self, Target::Node(node), "write the configuration files", &write_files(&files))
            .await
    }
}

#[async_trait]
impl Engine for KubernetesEngine {
    async fn deploy(
        &self,
        request: DeployRequest<'_>,
        progress: &dyn DeployProgress,
    ) -> Result<Deployed, EngineError> {
        deploy::deploy(self, request, progress).await
    }

    async fn instances(&self) -> Result<Vec<InstanceSummary>, EngineError> {
        let listed = self
            .namespaces()
            .list(&ListParams::default().labels(INSTANCE))
            .await
            .map_err(EngineError::backend("list asbuilt's namespaces"))?;
        let pods: Api<Pod> = Api::all(self.client.clone());
        let all_pods = pods
            .list(&ListParams::default().labels(INSTANCE))
            .await
            .map_err(EngineError::backend("list asbuilt's pods"))?;
        let mut out = Vec::new();
        for ns in listed.items {
            let labels = ns.metadata.labels.clone().unwrap_or_default();
            let Some(instance) = labels.get(INSTANCE).and_then(|i| InstanceId::parse(i).ok()) else {
                continue;
            };
            // Only this asbuilt's: another, with another prefix, may share the cluster.
            if self.namespace(&instance).ok().as_deref() != ns.metadata.name.as_deref() {
                continue;
            }
            let ours: Vec<&Pod> = all_pods
                .items
                .iter()
                .filter(|p| p.metadata.namespace.as_deref() == ns.metadata.name.as_deref())
                .collect();
            let running = !ours.is_empty()
                && ours.iter().all(|p| pods::state(p, pods::main_container(p)) == NodeState::Running);
            out.push(InstanceSummary {
                instance,
                lab: labels.get(LAB).cloned().unwrap_or_default(),
                student: ns
                    .metadata
                    .annotations
                    .as_ref()
                    .and_then(|a| a.get(STUDENT))
                    .filter(|s| !s.is_empty())
                    .cloned(),
                nodes: ours.iter().filter(|p| pods::role(p) == Some("node")).count(),
                state: if running { InstanceState::Running } else { InstanceState::NotAllRunning },
            });
        }
        out.sort_by(|a, b| a.instance.cmp(&b.instance));
        Ok(out)
    }

    async fn record(&self, instance: &InstanceId) -> Result<InstanceRecord, EngineError> {
        self.read_record(instance).await
    }

    async fn health(&self, instance: &InstanceId) -> Result<Vec<InfraProblem>, EngineError> {
        let record = self.read_record(instance).await?;
        self.health_of(&record).await
    }

    async fn nodes(&self, instance: &InstanceId) -> Result<Vec<NodeStatus>, EngineError> {
        let record = self.read_record(instance).await?;
        let listed = self
            .pods(instance)?
            .list(&ListParams::default())
            .await
            .map_err(EngineError::backend("list the pods"))?;
        Ok(record
            .plan
            .nodes
            .iter()
            .map(|node| {
                let pod =
                    listed.items.iter().find(|p| p.metadata.name.as_deref() == Some(&node_pod(&node.name)));
                NodeStatus {
                    node: node.name.clone(),
                    kind: Some(node.kind),
                    state: pod.map(|p| pods::state(p, NODE_CONTAINER)).unwrap_or(NodeState::Missing),
                    image: pod.map(|p| pods::image(p, NODE_CONTAINER)).unwrap_or_default(),
                }
            })
            .collect())
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
        let pod = node_pod(node);
        let pods = self.pods(instance)?;
        let at = InPod { pods: &pods, pod: &pod, container: NODE_CONTAINER };
        match exec::run(&at, &exec::as_user(user, argv), stdin.map(str::as_bytes), timeout).await {
            Err(e) => Err(self.explain(instance, node, e).await),
            done => done,
        }
    }

    async fn terminal(
        &self,
        instance: &InstanceId,
        node: &str,
        argv: &[String],
        size: (u16, u16),
    ) -> Result<Terminal, EngineError> {
        let pod = node_pod(node);
        let pods = self.pods(instance)?;
        match exec::terminal(&InPod { pods: &pods, pod: &pod, container: NODE_CONTAINER }, argv, size).await {
            Err(e) => Err(self.explain(instance, node, e).await),
            done => done,
        }
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
        let port = record.plan.port_of(endpoint).ok_or_else(no_link)?;
        let script = fabric::link_script(record.plan.segment_of(port), port, setting);
        let shell = self.shell(instance)?;
        steps::run_script(&shell, Target::Fabric, &format!("set cable end {endpoint}"), &script).await?;
        record.links.retain(|(e, _)| e != endpoint);
        if !setting.is_default() {
            record.links.push((endpoint.clone(), setting));
        }
        self.write_record(&record).await
    }

    async fn netns(&self, _instance: &InstanceId, _node: &str) -> Result<Option<PathBuf>, EngineError> {
        // The node runs on some machine of the cluster: probes go through the agent.
        Ok(None)
    }

    /// The agent runs in the node's probe container: in the node's network, out of
    /// reach of its files and processes. asbuilt copies itself there on first use.
    async fn agent(&self, instance: &InstanceId, node: &str) -> Result<Option<AgentChannel>, EngineError> {
        let pod = node_pod(node);
        let pods = self.pods(instance)?;
        let at = InPod { pods: &pods, pod: &pod, container: PROBE_CONTAINER };
        match agent::start(&at, node).await {
            Err(e) => Err(self.explain(instance, node, e).await),
            Ok(channel) => Ok(Some(channel)),
        }
    }

    async fn destroy(&self, instance: &InstanceId) -> DestroyReport {
        let _lock = match self.locks.lock(instance.as_str()).await {
            Ok(lock) => lock,
            Err(e) => return DestroyReport { errors: vec![e.to_string()], ..DestroyReport::default() },
        };
        self.delete_namespace(instance).await
    }

    async fn destroy_all(&self) -> DestroyReport {
        // Nothing outlives its namespace, so nothing is stranded beside the instances.
        super::destroy_each(self).await
    }
}
