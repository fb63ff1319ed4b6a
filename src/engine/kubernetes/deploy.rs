//! Deploying an instance on a cluster: its namespace and objects, the pods running,
//! the tunnels, then the same configuration steps as on Docker; on any failure the
//! namespace goes again, and with it everything the deploy made.
//!
//! An instance that is there already is converged: left alone when it is whole and of
//! the same plan; otherwise replaced. Unlike on Docker, a node's disk lives as long as
//! its pod (an `emptyDir`), so a rebuilt pod starts from its image again.

use std::collections::BTreeMap;
use std::net::Ipv4Addr;
use std::time::Instant;

use futures::{StreamExt, TryStreamExt};
use k8s_openapi::api::core::v1::{ConfigMap, Pod};
use k8s_openapi::api::networking::v1::NetworkPolicy;
use kube::Api;
use kube::api::PostParams;

use super::manifests::{self, Manifests};
use super::{KubeShell, KubernetesEngine, pods, underlay};
use crate::engine::steps::{self, Shell, Target, run_script};
use crate::engine::{DeployProgress, DeployRequest, Deployed, EngineError};
use crate::plan::tunnel::{self, Underlay};
use crate::plan::{CableTransport, NodePlan, Plan, PortPlan, fabric};

pub async fn deploy(
    engine: &KubernetesEngine,
    request: DeployRequest<'_>,
    progress: &dyn DeployProgress,
) -> Result<Deployed, EngineError> {
    let started = Instant::now();
    // On a cluster every cable is a tunnel, whatever the plan was made for.
    let mut plan = request.plan.clone();
    plan.transport = CableTransport::Vxlan;
    let plan = &plan;
    let instance = plan.instance.clone();
    let objects = manifests::manifests(plan, &engine.settings).map_err(|e| EngineError::Backend {
        doing: format!("describe {instance} for the cluster"),
        source: Box::new(e),
    })?;
    let lock = engine.locks.lock(instance.as_str()).await?;
    let ns = engine.namespace(&instance)?;
    let exists = engine
        .namespaces()
        .get_opt(&ns)
        .await
        .map_err(EngineError::backend("look up a namespace"))?
        .is_some();
    let mut replaced = false;
    if exists {
        let record = engine.read_record(&instance).await;
        if let Ok(record) = &record {
            record.check_owner(plan)?;
        }
        if let Ok(mut record) = record
            && record.built_from(plan)
            && engine.health_of(&record).await.is_ok_and(|p| p.is_empty())
        {
            let design_changed = !record.graded_against(request.design);
            if design_changed {
                record.design = request.design.clone();
                engine.write_record(&record).await?;
            }
            return Ok(Deployed {
                instance,
                unchanged: !design_changed,
                replaced: false,
                repaired: Vec::new(),
                design_updated: design_changed,
                nodes: plan.nodes.len(),
                elapsed: started.elapsed(),
            });
        }
        progress.step("replace the existing instance, which is incomplete, broken or of another design");
        let report = engine.delete_namespace(&instance).await;
        if !report.errors.is_empty() {
            return Err(EngineError::Replace { instance, errors: report.errors });
        }
        replaced = true;
    }
    let unfinished = Unfinished { engine, instance: Some(instance.clone()) };
    let built = build(engine, plan, request.design, &objects, request.workers, progress).await;
    unfinished.settle();
    match built {
        Ok(()) => {
            drop(lock);
            Ok(Deployed::built(instance, replaced, plan.nodes.len(), started))
        }
        Err(cause) => {
            progress.step("remove what this deploy created");
            let report = engine.delete_namespace(&instance).await;
            drop(lock);
            Err(EngineError::Deploy { instance, cause: Box::new(cause), rollback_errors: report.errors })
        }
    }
}

/// A deploy under way. Dropped before [`Unfinished::settle`] (the deploy's future was
/// dropped or cancelled), it has the cluster remove the instance's namespace.
struct Unfinished<'a> {
    engine: &'a KubernetesEngine,
    instance: Option<crate::plan::InstanceId>,
}

impl Unfinished<'_> {
    fn settle(mut self) {
        self.instance = None;
    }
}

impl Drop for Unfinished<'_> {
    fn drop(&mut self) {
        let Some(instance) = self.instance.take() else { return };
        let Ok(ns) = self.engine.namespace(&instance) else { return };
        let namespaces = self.engine.namespaces();
        if let Ok(runtime) = tokio::runtime::Handle::try_current() {
            // Deleting the namespace is one request; the cluster removes the rest.
            runtime.spawn(async move {
                let _ = namespaces.delete(&ns, &kube::api::DeleteParams::background()).await;
            });
        }
    }
}

async fn build(
    engine: &KubernetesEngine,
    plan: &Plan,
    design: &crate::design::Design,
    objects: &Manifests,
    workers: usize,
    progress: &dyn DeployProgress,
) -> Result<(), EngineError> {
    let ns = engine.namespace(&plan.instance)?;
    let client = engine.client.clone();
    let post = PostParams::default();
    progress.step("namespace");
    engine
        .namespaces()
        .create(&post, &objects.namespace)
        .await
        .map_err(EngineError::backend(format!("create namespace {ns}")))?;
    let policies: Api<NetworkPolicy> = Api::namespaced(client.clone(), &ns);
    for policy in &objects.policies {
        policies.create(&post, policy).await.map_err(EngineError::backend("create a NetworkPolicy"))?;
    }
    let maps: Api<ConfigMap> = Api::namespaced(client.clone(), &ns);
    for map in &objects.config_maps {
        maps.create(&post, map).await.map_err(EngineError::backend("create a ConfigMap"))?;
    }
    progress.step("pods");
    let pods: Api<Pod> = Api::namespaced(client.clone(), &ns);
    for pod in &objects.pods {
        let name = pod.metadata.name.clone().unwrap_or_default();
        pods.create(&post, pod).await.map_err(EngineError::backend(format!("create pod {name}")))?;
    }
    let names: Vec<String> = objects.pods.iter().filter_map(|p| p.metadata.name.clone()).collect();
    pods::wait_running(&pods, &names).await?;
    for node in &plan.nodes {
        progress.node(&node.name, "started");
    }

    let shell = KubeShell { pods };
    progress.step("cables");
    cable(&shell, plan, workers).await?;
    run_script(&shell, Target::Fabric, "connect the cables", &fabric::wire_script(plan)).await?;

    let record = steps::bring_up(&shell, plan, design, workers, progress).await?;
    engine.write_record(&record).await
}

/// Every node's init step (its cable ends as tunnels to the fabric, its underlay out of
/// the lab's way), then the fabric's ends of them.
async fn cable(shell: &KubeShell, plan: &Plan, workers: usize) -> Result<(), EngineError> {
    let fabric = place(shell, Target::Fabric).await?;
    let steps: Vec<_> = plan.nodes.iter().map(|node| init_step(shell, plan, node, fabric.address)).collect();
    let nodes: BTreeMap<String, Ipv4Addr> =
        futures::stream::iter(steps).buffer_unordered(workers.max(1)).try_collect().await?;
    let ports: Vec<&PortPlan> = plan.segments.iter().flat_map(|s| s.ports.iter()).collect();
    let script = tunnel::fabric_script(plan, &ports, &fabric, &nodes)
        .map_err(|why| EngineError::Backend { doing: "tunnel the cables".into(), source: why.into() })?;
    run_script(shell, Target::Fabric, "tunnel the cables", &script).await
}

/// A node's init step; its address on the cluster's network.
async fn init_step(
    shell: &KubeShell,
    plan: &Plan,
    node: &NodePlan,
    fabric: Ipv4Addr,
) -> Result<(String, Ipv4Addr), EngineError> {
    let target = Target::Node(&node.name);
    let underlay = place(shell, target).await?;
    let script = tunnel::node_script(plan, &node.name, &underlay, fabric);
    run_script(shell, target, "make the cable ends as tunnels", &script).await?;
    Ok((node.name.clone(), underlay.address))
}

/// A pod's place on the cluster's network, as the pod sees it.
async fn place(shell: &KubeShell, target: Target<'_>) -> Result<Underlay, EngineError> {
    let argv = ["sh".to_string(), "-c".to_string(), underlay::DISCOVER.to_string()];
    let out = shell.run(target, &argv, None, steps::SCRIPT_TIMEOUT).await?;
    underlay::parse(&out.stdout).map_err(|why| EngineError::Backend {
        doing: format!("find {} on the cluster's network", target.name()),
        source: why.into(),
    })
}
