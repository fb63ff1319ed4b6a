//! Deploying an instance: images, fabric, nodes, cables, configuration, faults,
//! readiness; and on any failure, removing everything this deploy created.

use std::time::{Duration, Instant, SystemTime};

use bollard::Docker;
use futures::{StreamExt, TryStreamExt};

use super::{DockerEngine, containers, destroy, exec, files};
use crate::confine;
use crate::engine::labels;
use crate::engine::netlink::HostLinks;
use crate::engine::{DeployProgress, DeployRequest, Deployed, EngineError, InstanceRecord};
use crate::images;
use crate::plan::script::failed_step;
use crate::plan::{ImageChoice, NodePlan, Plan, fabric};

/// How long a node may take to answer after it is configured. FRR and dnsmasq answer
/// within seconds; the margin is for a loaded school server.
const READY_TIMEOUT: Duration = Duration::from_secs(120);
/// The fabric's disk: its record and scratch space. Node names start with a letter, so
/// this name never meets one.
pub(super) const FABRIC_DISK: &str = "_fabric";
const FABRIC_DISK_MIB: u64 = 64;
/// How long one configuration script may run.
const SCRIPT_TIMEOUT: Duration = Duration::from_secs(120);

pub async fn deploy(
    engine: &DockerEngine,
    request: DeployRequest<'_>,
    progress: &dyn DeployProgress,
) -> Result<Deployed, EngineError> {
    let started = Instant::now();
    let plan = request.plan;
    let instance = plan.instance.clone();
    let existing = containers::list(&engine.docker, Some(&instance)).await?;
    let mut replaced = false;
    if !existing.is_empty() {
        if let Ok(record) = engine.read_record(&instance).await {
            let same = serde_json::to_value(&record.plan).ok() == serde_json::to_value(plan).ok();
            let running = existing
                .iter()
                .filter(|c| c.state.as_ref().is_some_and(|s| s.to_string() == "running"))
                .count();
            if same && running == plan.nodes.len() + 1 {
                return Ok(Deployed {
                    instance,
                    unchanged: true,
                    replaced: false,
                    nodes: plan.nodes.len(),
                    elapsed: started.elapsed(),
                });
            }
        }
        progress.step("replace the existing instance, which is incomplete or of another design");
        let report = destroy::instance(engine, &instance).await;
        if !report.errors.is_empty() {
            return Err(EngineError::Replace { instance, errors: report.errors });
        }
        replaced = true;
    }
    match build(engine, &request, progress).await {
        Ok(()) => Ok(Deployed {
            instance,
            unchanged: false,
            replaced,
            nodes: plan.nodes.len(),
            elapsed: started.elapsed(),
        }),
        Err(cause) => {
            progress.step("remove what this deploy created");
            let report = destroy::instance(engine, &instance).await;
            Err(EngineError::Deploy { instance, cause: Box::new(cause), rollback_errors: report.errors })
        }
    }
}

async fn build(
    engine: &DockerEngine,
    request: &DeployRequest<'_>,
    progress: &dyn DeployProgress,
) -> Result<(), EngineError> {
    let plan = request.plan;
    let docker = &engine.docker;
    let workers = request.workers.max(1);

    progress.step("images");
    let references = images_for(engine, plan).await?;
    let image_of = |node: &NodePlan| match &node.image {
        ImageChoice::Builtin(name) => references
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, r)| r.clone())
            .expect("every builtin image was ensured"),
        ImageChoice::Custom(image) => image.clone(),
    };
    let fabric_image = references
        .iter()
        .find(|(n, _)| n == "fabric")
        .map(|(_, r)| r.clone())
        .expect("the fabric image was ensured");

    progress.step("fabric");
    let instance = plan.instance.as_str();
    let fabric_disk = engine
        .disks
        .create(instance, FABRIC_DISK, FABRIC_DISK_MIB, confine::FABRIC_WRITABLE_DIRS, &[])
        .await?;
    containers::create_fabric(docker, plan, &fabric_image, &fabric_disk).await?;

    progress.step("nodes");
    for_each_node(plan, workers, |node| {
        let image = image_of(node);
        async move {
            let own_files = confine::own_files(&node.name);
            let disk = engine
                .disks
                .create(instance, &node.name, node.limits.disk_mib, confine::WRITABLE_DIRS, &own_files)
                .await?;
            containers::create_node(docker, plan, node, &image, &disk).await?;
            progress.node(&node.name, "started");
            Ok(())
        }
    })
    .await?;

    progress.step("cables");
    cable(engine, plan).await?;
    let fabric_name = labels::fabric_container(&plan.instance);
    run_script(docker, &fabric_name, "fabric", "connect the cables", &fabric::wire_script(plan)).await?;

    progress.step("configuration");
    for_each_node(plan, workers, |node| async move {
        let container = labels::node_container(&plan.instance, &node.name);
        files::upload(docker, &container, &node.files).await?;
        if let Some(script) = &node.configure {
            run_script(docker, &container, &node.name, "configure", script).await?;
        }
        progress.node(&node.name, "configured");
        Ok(())
    })
    .await?;
    for_each_node(plan, workers, |node| async move {
        if let Some(script) = &node.after_all {
            run_script(
                docker,
                &labels::node_container(&plan.instance, &node.name),
                &node.name,
                "configure",
                script,
            )
            .await?;
        }
        Ok(())
    })
    .await?;

    if !plan.links.is_empty() || plan.nodes.iter().any(|n| n.break_faults.is_some()) {
        progress.step("faults");
    }
    for_each_node(plan, workers, |node| async move {
        if let Some(script) = &node.break_faults {
            run_script(
                docker,
                &labels::node_container(&plan.instance, &node.name),
                &node.name,
                "apply a fault",
                script,
            )
            .await?;
        }
        Ok(())
    })
    .await?;
    for (endpoint, setting) in &plan.links {
        let port = plan.port_of(endpoint).expect("faults name cabled interfaces");
        let segment = plan
            .segments
            .iter()
            .find(|s| s.ports.iter().any(|p| p.port == port.port))
            .expect("ports belong to segments");
        run_script(
            docker,
            &fabric_name,
            "fabric",
            &format!("apply a fault to {endpoint}"),
            &fabric::link_script(segment, port, *setting),
        )
        .await?;
    }

    progress.step("waiting for the nodes to answer");
    wait_ready(docker, plan, workers, progress).await?;

    let record = InstanceRecord {
        plan: plan.clone(),
        design: request.design.clone(),
        deployed_at: humantime::format_rfc3339_seconds(SystemTime::now()).to_string(),
        links: plan.links.clone(),
    };
    engine.write_record(&record).await
}

/// The image reference of every builtin image the plan uses, the fabric's included,
/// building what is missing; custom images must exist already.
async fn images_for(engine: &DockerEngine, plan: &Plan) -> Result<Vec<(String, String)>, EngineError> {
    let mut builtin: Vec<&str> = vec!["fabric"];
    for node in &plan.nodes {
        match &node.image {
            ImageChoice::Builtin(name) if !builtin.contains(&name.as_str()) => builtin.push(name),
            ImageChoice::Builtin(_) => {}
            ImageChoice::Custom(image) => images::require_custom_image(&engine.docker, image).await?,
        }
    }
    images::ensure_images(&engine.docker, &builtin, &engine.build_options, engine.build_observer.as_ref())
        .await?;
    Ok(builtin
        .into_iter()
        .map(|name| (name.to_string(), images::image_ref(name).expect("builtin images have references")))
        .collect())
}

/// Runs `work` for every node, at most `workers` at a time, stopping at the first error.
async fn for_each_node<'p, F, Fut>(plan: &'p Plan, workers: usize, work: F) -> Result<(), EngineError>
where
    F: Fn(&'p NodePlan) -> Fut,
    Fut: std::future::Future<Output = Result<(), EngineError>>,
{
    futures::stream::iter(plan.nodes.iter().map(Ok::<_, EngineError>))
        .try_for_each_concurrent(workers, work)
        .await
}

/// Makes every cable: a veth pair per cable end, one end in the node under the
/// interface's name, the other in the fabric under the port's name.
async fn cable(engine: &DockerEngine, plan: &Plan) -> Result<(), EngineError> {
    let docker = &engine.docker;
    let fabric_pid = containers::pid(docker, &labels::fabric_container(&plan.instance)).await?;
    let mut pids = Vec::new();
    for node in &plan.nodes {
        pids.push((
            node.name.as_str(),
            containers::pid(docker, &labels::node_container(&plan.instance, &node.name)).await?,
        ));
    }
    for segment in &plan.segments {
        for port in &segment.ports {
            let pid = pids
                .iter()
                .find(|(n, _)| *n == port.endpoint.node)
                .map(|(_, p)| *p)
                .expect("cable ends are nodes of the plan");
            let (a, b) = HostLinks::temp_names(plan.instance.as_str());
            let doing = format!("cable {}", port.endpoint);
            engine.links.create_veth(&a, &b).await.map_err(EngineError::netlink(doing.clone()))?;
            engine
                .links
                .move_into(&a, pid, &port.endpoint.interface, true)
                .await
                .map_err(EngineError::netlink(doing.clone()))?;
            engine
                .links
                .move_into(&b, fabric_pid, &port.port, false)
                .await
                .map_err(EngineError::netlink(doing))?;
        }
    }
    Ok(())
}

/// Runs a script in a container through `sh -s`, so it never lands on the node's disk.
/// A failure names the step the script was in and what it printed.
pub async fn run_script(
    docker: &Docker,
    container: &str,
    node: &str,
    doing: &str,
    script: &str,
) -> Result<(), EngineError> {
    let argv = ["sh".to_string(), "-s".to_string()];
    let output = exec::run(docker, container, None, &argv, Some(script), SCRIPT_TIMEOUT).await?;
    if output.success() {
        return Ok(());
    }
    let step = failed_step(&output.stdout).unwrap_or("start").to_string();
    let said: Vec<&str> = output
        .stderr
        .lines()
        .chain(output.stdout.lines())
        .filter(|l| !l.starts_with("asbuilt-step: "))
        .collect();
    let tail = said.iter().rev().take(6).rev().cloned().collect::<Vec<_>>().join(" / ");
    Err(EngineError::Script {
        doing: doing.to_string(),
        node: node.to_string(),
        step,
        output: if tail.is_empty() { format!("exit status {}", output.exit_code) } else { tail },
    })
}

/// Waits until every node's readiness script succeeds.
async fn wait_ready(
    docker: &Docker,
    plan: &Plan,
    workers: usize,
    progress: &dyn DeployProgress,
) -> Result<(), EngineError> {
    let deadline = Instant::now() + READY_TIMEOUT;
    let waits: Vec<_> =
        plan.nodes.iter().map(|node| wait_node_ready(docker, plan, node, deadline, progress)).collect();
    let late: Vec<String> = futures::stream::iter(waits)
        .buffer_unordered(workers)
        .filter_map(|late| async move { late })
        .collect()
        .await;
    if late.is_empty() {
        Ok(())
    } else {
        Err(EngineError::NotReady { nodes: late.join(", "), seconds: READY_TIMEOUT.as_secs() })
    }
}

/// Waits for one node; its name if it did not answer by the deadline.
async fn wait_node_ready(
    docker: &Docker,
    plan: &Plan,
    node: &NodePlan,
    deadline: Instant,
    progress: &dyn DeployProgress,
) -> Option<String> {
    let Some(script) = &node.ready else {
        progress.node(&node.name, "ready");
        return None;
    };
    let container = labels::node_container(&plan.instance, &node.name);
    let argv = ["sh".to_string(), "-s".to_string()];
    while Instant::now() < deadline {
        if let Ok(out) =
            exec::run(docker, &container, None, &argv, Some(script), Duration::from_secs(10)).await
            && out.success()
        {
            progress.node(&node.name, "ready");
            return None;
        }
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
    Some(node.name.clone())
}
