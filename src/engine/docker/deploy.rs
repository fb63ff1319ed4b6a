//! Deploying an instance: images, fabric, nodes, cables, configuration, faults,
//! readiness; and on any failure, removing everything this deploy created. Deploying
//! an instance that exists converges it: what broke of its infrastructure is built
//! again, and nothing else is touched.

use std::time::{Duration, Instant};

use super::shell::DockerShell;
use super::{Cleanup, DockerEngine, containers, destroy, disk_templates, underlay};
use crate::confine;
use crate::engine::disks::Disk;
use crate::engine::health::InfraProblem;
use crate::engine::labels;
use crate::engine::lock::InstanceLock;
use crate::engine::netlink::HostLinks;
use crate::engine::startup;
use crate::engine::steps::{self, Target, run_script};
use crate::engine::{DeployProgress, DeployRequest, Deployed, EngineError, InstanceRecord};
use crate::images;
use crate::plan::InstanceId;
use crate::plan::{CableTransport, ImageChoice, NodePlan, Plan, PortPlan, fabric};

/// The fabric's disk: its record and scratch space. Node names start with a letter, so
/// this name never meets one.
pub(super) const FABRIC_DISK: &str = "_fabric";
const FABRIC_DISK_MIB: u64 = 64;

pub async fn deploy(
    engine: &DockerEngine,
    request: DeployRequest<'_>,
    progress: &dyn DeployProgress,
) -> Result<Deployed, EngineError> {
    let started = Instant::now();
    let plan = request.plan;
    let instance = plan.instance.clone();
    // One deploy, destroy or cable change of an instance at a time, in any process.
    let lock = engine.locks.lock(instance.as_str()).await?;
    let existing = containers::list(&engine.docker, Some(&instance)).await?;
    let mut replaced = false;
    if !existing.is_empty() || engine.disks.exists(instance.as_str()) {
        // After a reboot of the host the disks are not mounted, and the record lives on
        // the fabric's.
        let _ = engine.disks.mount(instance.as_str(), FABRIC_DISK).await;
        let record = engine.read_record(&instance).await;
        if let Ok(record) = &record {
            record.check_owner(plan)?;
        }
        if let Ok(record) = record
            && record.built_from(plan)
        {
            return converge(engine, &request, record, started, progress).await;
        }
        progress.step("replace the existing instance, which is incomplete or of another design");
        let report = destroy::instance(&engine.cleanup(), &instance).await;
        if !report.errors.is_empty() {
            return Err(EngineError::Replace { instance, errors: report.errors });
        }
        replaced = true;
    }
    // From here on, whatever this deploy made goes again if it does not finish: by the
    // error path below, or, when the deploy is dropped or cancelled, by the guard.
    let unfinished = Unfinished::new(engine.cleanup(), instance.clone(), lock);
    let built = build(engine, &request, progress).await;
    let lock = unfinished.settle();
    match built {
        Ok(()) => Ok(Deployed::built(instance, replaced, plan.nodes.len(), started)),
        Err(cause) => {
            progress.step("remove what this deploy created");
            let report = destroy::instance(&engine.cleanup(), &instance).await;
            drop(lock);
            Err(EngineError::Deploy { instance, cause: Box::new(cause), rollback_errors: report.errors })
        }
    }
}

/// A deploy under way. Dropped before [`Unfinished::settle`] (the deploy's future was
/// dropped or cancelled), it removes what the deploy made, holding the instance's lock
/// until that is done, so that no other deploy starts on a half-built instance.
struct Unfinished {
    pending: Option<(Cleanup, InstanceId, InstanceLock)>,
}

impl Unfinished {
    fn new(cleanup: Cleanup, instance: InstanceId, lock: InstanceLock) -> Unfinished {
        Unfinished { pending: Some((cleanup, instance, lock)) }
    }

    /// The deploy ran to its end (well or not): the caller takes over.
    fn settle(mut self) -> InstanceLock {
        self.pending.take().map(|(_, _, lock)| lock).expect("settled once")
    }
}

impl Drop for Unfinished {
    fn drop(&mut self) {
        let Some((cleanup, instance, lock)) = self.pending.take() else { return };
        let Ok(runtime) = tokio::runtime::Handle::try_current() else { return };
        runtime.spawn(async move {
            // Requests the deploy had sent are not taken back when it is dropped: a
            // container may still appear a moment later. So again, until nothing is left.
            for _ in 0..10 {
                destroy::instance(&cleanup, &instance).await;
                tokio::time::sleep(Duration::from_millis(500)).await;
                let left = containers::list(&cleanup.docker, Some(&instance)).await.map(|c| !c.is_empty());
                if !matches!(left, Ok(true)) && !cleanup.disks.exists(instance.as_str()) {
                    break;
                }
            }
            drop(lock);
        });
    }
}

/// An instance of the same plan exists: repair what is broken of its infrastructure
/// (keeping every node's disk, so what students saved stays), and store the design if
/// only that changed (new checks). A failed repair removes nothing: the student's work
/// is worth more than a clean slate.
async fn converge(
    engine: &DockerEngine,
    request: &DeployRequest<'_>,
    mut record: InstanceRecord,
    started: Instant,
    progress: &dyn DeployProgress,
) -> Result<Deployed, EngineError> {
    let plan = request.plan;
    for node in &plan.nodes {
        engine.disks.mount(plan.instance.as_str(), &node.name).await?;
    }
    let problems = super::health::gather(engine, &record).await?;
    let design_changed = !record.graded_against(request.design);
    let mut repaired = Vec::new();
    if !problems.is_empty() {
        for problem in &problems {
            progress.step(&format!("repair: {problem}"));
        }
        let mut startup_logs = Vec::new();
        repaired = repair(engine, request, &record, &problems, &mut startup_logs, progress).await?;
        // A rebuilt node ran its startup commands again: its log is the new one.
        record.startup.retain(|old| !startup_logs.iter().any(|new| new.node == old.node));
        record.startup.extend(startup_logs);
    }
    if design_changed || !repaired.is_empty() {
        record.design = request.design.clone();
        engine.write_record(&record).await?;
    }
    Ok(Deployed {
        instance: plan.instance.clone(),
        unchanged: repaired.is_empty() && !design_changed,
        replaced: false,
        design_updated: design_changed && repaired.is_empty(),
        repaired,
        nodes: plan.nodes.len(),
        elapsed: started.elapsed(),
    })
}

/// Builds again what the problems took out: the fabric if it went (and with it every
/// cable, so every node), and each node that stopped or lost a cable. A rebuilt node
/// starts from its own disk and is configured again as at deploy. The nodes rebuilt.
async fn repair(
    engine: &DockerEngine,
    request: &DeployRequest<'_>,
    record: &InstanceRecord,
    problems: &[InfraProblem],
    startup_logs: &mut Vec<crate::plan::as_is::StartupLog>,
    progress: &dyn DeployProgress,
) -> Result<Vec<String>, EngineError> {
    let plan = request.plan;
    let docker = &engine.docker;
    let fabric_broken = problems.iter().any(|p| p.node().is_none());
    let broken: Vec<&NodePlan> = plan
        .nodes
        .iter()
        .filter(|n| fabric_broken || problems.iter().any(|p| p.node() == Some(n.name.as_str())))
        .collect();
    let images = Images::ensure(engine, plan).await?;
    let instance = plan.instance.as_str();
    if fabric_broken {
        progress.step("fabric");
        let name = labels::fabric_container(&plan.instance);
        containers::remove(docker, &name).await.map_err(EngineError::backend(format!("remove {name}")))?;
        let disk = engine.disks.mount(instance, FABRIC_DISK).await?;
        containers::create_fabric(docker, plan, &images.fabric, &disk).await?;
    }
    progress.step("nodes");
    steps::for_each_of(&broken, request.workers, |node| {
        let image = images.of(node);
        async move {
            let name = labels::node_container(&plan.instance, &node.name);
            containers::remove(docker, &name)
                .await
                .map_err(EngineError::backend(format!("remove {name}")))?;
            let disk = engine.disks.mount(instance, &node.name).await?;
            let writable: Vec<&str> = node.writable.iter().map(String::as_str).collect();
            let layout = disk_templates::image_disk(docker, &image, &writable).await?;
            containers::create_node(docker, plan, node, &image, &disk, &layout.dirs).await?;
            progress.node(&node.name, "started again");
            Ok(())
        }
    })
    .await?;
    progress.step("cables");
    let ports: Vec<&PortPlan> = plan
        .segments
        .iter()
        .flat_map(|s| s.ports.iter())
        .filter(|p| broken.iter().any(|n| n.name == p.endpoint.node))
        .collect();
    cable(engine, plan, &ports, request.workers).await?;
    let shell = DockerShell { docker, instance: &plan.instance };
    let wiring = if fabric_broken { fabric::wire_script(plan) } else { fabric::attach_script(plan, &ports) };
    run_script(&shell, Target::Fabric, "connect the cables", &wiring).await?;
    for port in &ports {
        let setting = record.link_setting(&port.endpoint);
        if !setting.is_default() {
            let segment = plan.segment_of(port);
            let script = fabric::link_script(segment, port, setting);
            run_script(&shell, Target::Fabric, &format!("set cable end {}", port.endpoint), &script).await?;
        }
    }
    progress.step("configuration");
    // The files asbuilt wrote at deploy are on the node's disk still, possibly changed
    // by the student since: only the scripts run again.
    steps::configure(&shell, &broken, request.workers, false, progress).await?;
    *startup_logs = startup::run(&shell, plan, &broken, request.workers).await;
    steps::apply_faults(&shell, &broken, request.workers).await?;
    progress.step("waiting for the nodes to answer");
    steps::wait_ready(&shell, &broken, request.workers, progress).await?;
    Ok(broken.iter().map(|n| n.name.clone()).collect())
}

async fn build(
    engine: &DockerEngine,
    request: &DeployRequest<'_>,
    progress: &dyn DeployProgress,
) -> Result<(), EngineError> {
    let plan = request.plan;
    let docker = &engine.docker;
    let workers = request.workers.max(1);
    let all: Vec<&NodePlan> = plan.nodes.iter().collect();

    progress.step("images");
    let images = Images::ensure(engine, plan).await?;

    progress.step("fabric");
    if plan.transport == CableTransport::Vxlan {
        underlay::create(docker, plan).await?;
    }
    let instance = plan.instance.as_str();
    let fabric = disk_templates::image_disk(docker, &images.fabric, confine::FABRIC_WRITABLE_DIRS).await?;
    let template = disk_templates::template_for(engine, &images.fabric, &fabric, FABRIC_DISK_MIB).await?;
    let fabric_disk = engine.disks.create(instance, FABRIC_DISK, &template, &[]).await?;
    containers::create_fabric(docker, plan, &images.fabric, &fabric_disk).await?;

    progress.step("nodes");
    steps::for_each_of(&all, workers, |node| {
        let image = images.of(node);
        async move {
            let own_files = confine::own_files(&node.name);
            // One inspection of the image gives the template's key and the folders.
            let writable: Vec<&str> = node.writable.iter().map(String::as_str).collect();
            let layout = disk_templates::image_disk(docker, &image, &writable).await?;
            let template =
                disk_templates::template_for(engine, &image, &layout, node.limits.disk_mib).await?;
            let disk = engine.disks.create(instance, &node.name, &template, &own_files).await?;
            enable_frr_daemons(&disk, &node.frr_daemons)?;
            crate::engine::node_files::write(&disk, &node.name, &node.node_files)?;
            containers::create_node(docker, plan, node, &image, &disk, &layout.dirs).await?;
            progress.node(&node.name, "started");
            Ok(())
        }
    })
    .await?;

    progress.step("cables");
    let shell = DockerShell { docker, instance: &plan.instance };
    let ports: Vec<&PortPlan> = plan.segments.iter().flat_map(|s| s.ports.iter()).collect();
    cable(engine, plan, &ports, workers).await?;
    run_script(&shell, Target::Fabric, "connect the cables", &fabric::wire_script(plan)).await?;

    let record = steps::bring_up(&shell, plan, request.design, workers, progress).await?;
    engine.write_record(&record).await
}

/// Enables a node's extra FRR daemons on its disk before it starts, so FRR starts them
/// itself and `configure` has nothing to restart (a restart of every FRR daemon costs a
/// router about a second).
fn enable_frr_daemons(disk: &Disk, daemons: &[String]) -> Result<(), EngineError> {
    let path = disk.dir("/etc").join("frr/daemons");
    if daemons.is_empty() || !path.exists() {
        return Ok(());
    }
    let io = |source| EngineError::Io {
        doing: format!("enable {} in {}", daemons.join(", "), path.display()),
        source,
    };
    let text = std::fs::read_to_string(&path).map_err(io)?;
    let edited: String = text
        .lines()
        .map(|line| match line.split_once('=') {
            Some((name, "no")) if daemons.iter().any(|d| d == name) => format!("{name}=yes\n"),
            _ => format!("{line}\n"),
        })
        .collect();
    // Written in place: the file keeps FRR's owner and mode.
    std::fs::write(&path, edited).map_err(io)
}

/// The image references a plan needs: every builtin image it uses (built when
/// missing), the fabric's among them; custom images must exist already.
struct Images {
    builtin: Vec<(String, String)>,
    fabric: String,
}

impl Images {
    async fn ensure(engine: &DockerEngine, plan: &Plan) -> Result<Images, EngineError> {
        let mut builtin: Vec<&str> = vec!["fabric"];
        for node in &plan.nodes {
            match &node.image {
                ImageChoice::Builtin(name) if !builtin.contains(&name.as_str()) => builtin.push(name),
                ImageChoice::Builtin(_) => {}
                ImageChoice::Custom(image) => images::require_custom_image(&engine.docker, image).await?,
            }
        }
        images::ensure_images(
            &engine.docker,
            &builtin,
            &engine.build_options,
            engine.build_observer.as_ref(),
        )
        .await?;
        let builtin: Vec<(String, String)> = builtin
            .into_iter()
            .map(|name| (name.to_string(), images::image_ref(name).expect("builtin images have references")))
            .collect();
        let fabric = builtin.iter().find(|(n, _)| n == "fabric").map(|(_, r)| r.clone()).expect("ensured");
        Ok(Images { builtin, fabric })
    }

    fn of(&self, node: &NodePlan) -> String {
        match &node.image {
            ImageChoice::Builtin(name) => {
                self.builtin.iter().find(|(n, _)| n == name).map(|(_, r)| r.clone()).expect("ensured")
            }
            ImageChoice::Custom(image) => image.clone(),
        }
    }
}

/// Makes the cable ends `ports`, in whichever way the plan's transport says.
async fn cable(
    engine: &DockerEngine,
    plan: &Plan,
    ports: &[&PortPlan],
    workers: usize,
) -> Result<(), EngineError> {
    match plan.transport {
        CableTransport::Veth => veth_cables(engine, plan, ports).await,
        CableTransport::Vxlan => underlay::cable(&engine.docker, plan, ports, workers).await,
    }
}

/// A veth pair per cable end, made on the host and moved into the node and the fabric.
async fn veth_cables(engine: &DockerEngine, plan: &Plan, ports: &[&PortPlan]) -> Result<(), EngineError> {
    let docker = &engine.docker;
    let fabric_pid = containers::pid(docker, &labels::fabric_container(&plan.instance)).await?;
    let mut pids: Vec<(&str, u32)> = Vec::new();
    for port in ports {
        let node = port.endpoint.node.as_str();
        if !pids.iter().any(|(n, _)| *n == node) {
            pids.push((node, containers::pid(docker, &labels::node_container(&plan.instance, node)).await?));
        }
    }
    for port in ports {
        let pid =
            pids.iter().find(|(n, _)| *n == port.endpoint.node).map(|(_, p)| *p).expect("looked up above");
        let (a, b) = HostLinks::temp_names(plan.instance.as_str());
        let doing = format!("cable {}", port.endpoint);
        engine.links.create_veth(&a, &b).await.map_err(EngineError::backend(doing.clone()))?;
        engine
            .links
            .move_into(&a, pid, &port.endpoint.interface, true)
            .await
            .map_err(EngineError::backend(doing.clone()))?;
        engine
            .links
            .move_into(&b, fabric_pid, &port.port, false)
            .await
            .map_err(EngineError::backend(doing))?;
    }
    Ok(())
}
