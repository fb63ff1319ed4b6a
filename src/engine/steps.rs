//! The steps of a deploy that every engine takes the same way once its containers run:
//! scripts into the fabric and the nodes, configuration, faults and readiness. An engine
//! gives them a [`Shell`] into its containers; the steps never know which engine it is.

use std::time::{Duration, Instant, SystemTime};

use async_trait::async_trait;
use futures::{StreamExt, TryStreamExt};

use super::{DeployProgress, EngineError, ExecOutput, InstanceRecord, startup};
use crate::design::Design;
use crate::plan::script::failed_step;
use crate::plan::{ConfigFile, NodePlan, Plan, fabric};

/// How long a node may take to answer after it is configured. FRR and dnsmasq answer
/// within seconds; the margin is for a loaded school server.
pub const READY_TIMEOUT: Duration = Duration::from_secs(120);

/// How long one configuration script may run.
pub const SCRIPT_TIMEOUT: Duration = Duration::from_secs(120);

/// Where a command runs: a node's container, or the instance's fabric.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Target<'a> {
    Node(&'a str),
    Fabric,
}

impl Target<'_> {
    /// The name messages use.
    pub fn name(&self) -> &str {
        match self {
            Target::Node(node) => node,
            Target::Fabric => "fabric",
        }
    }
}

/// An engine's way into the containers of one instance.
#[async_trait]
pub trait Shell: Send + Sync {
    /// Runs `argv` as root in `target`, with `stdin` fed to it when given.
    async fn run(
        &self,
        target: Target<'_>,
        argv: &[String],
        stdin: Option<&str>,
        timeout: Duration,
    ) -> Result<ExecOutput, EngineError>;

    /// Writes the plan's configuration files into a node.
    async fn upload(&self, node: &str, files: &[ConfigFile]) -> Result<(), EngineError>;
}

/// Runs a script in `target` through `sh -s`, so it never lands on the node's disk.
/// A failure names the step the script was in and what it printed.
pub async fn run_script(
    shell: &dyn Shell,
    target: Target<'_>,
    doing: &str,
    script: &str,
) -> Result<(), EngineError> {
    let argv = ["sh".to_string(), "-s".to_string()];
    let output = shell.run(target, &argv, Some(script), SCRIPT_TIMEOUT).await?;
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
        node: target.name().to_string(),
        step,
        output: if tail.is_empty() { format!("exit status {}", output.exit_code) } else { tail },
    })
}

/// Everything after the cables: every node's files and scripts, the teacher's startup
/// commands, the faults, and the wait until every node answers. The instance's record,
/// for the engine to store.
pub async fn bring_up(
    shell: &dyn Shell,
    plan: &Plan,
    design: &Design,
    workers: usize,
    progress: &dyn DeployProgress,
) -> Result<InstanceRecord, EngineError> {
    let all: Vec<&NodePlan> = plan.nodes.iter().collect();
    progress.step("configuration");
    configure(shell, &all, workers, true, progress).await?;
    if plan.nodes.iter().any(|n| !n.startup.is_empty()) {
        progress.step("startup commands");
    }
    let startup_logs = startup::run(shell, plan, &all, workers).await;
    for log in startup_logs.iter().filter(|l| !l.succeeded()) {
        progress.node(&log.node, "a startup command failed (see `asbuilt startup-log`)");
    }
    if !plan.links.is_empty() || plan.nodes.iter().any(|n| n.break_faults.is_some()) {
        progress.step("faults");
    }
    apply_faults(shell, &all, workers).await?;
    apply_cable_faults(shell, plan).await?;
    progress.step("waiting for the nodes to answer");
    wait_ready(shell, &all, workers, progress).await?;
    if !plan.copies.is_empty() {
        progress.step("configuration backups and SSH keys");
        copy_between_nodes(shell, plan).await?;
    }
    Ok(InstanceRecord {
        plan: plan.clone(),
        design: design.clone(),
        deployed_at: humantime::format_rfc3339_seconds(SystemTime::now()).to_string(),
        links: plan.links.clone(),
        startup: startup_logs,
    })
}

/// Carries what one node makes to the node that keeps it (see `plan::copies`), once
/// the lab runs as deployed.
async fn copy_between_nodes(shell: &dyn Shell, plan: &Plan) -> Result<(), EngineError> {
    for copy in &plan.copies {
        let failed = |node: &str, step: &str, output: &ExecOutput| EngineError::Script {
            doing: format!("copying {}", copy.what),
            node: node.to_string(),
            step: step.to_string(),
            output: output.stderr.trim().to_string(),
        };
        let made = shell.run(Target::Node(&copy.from), &copy.command, None, SCRIPT_TIMEOUT).await?;
        if !made.success() {
            return Err(failed(&copy.from, "read", &made));
        }
        let kept = shell.run(Target::Node(&copy.to), &copy.store, Some(&made.stdout), SCRIPT_TIMEOUT).await?;
        if !kept.success() {
            return Err(failed(&copy.to, "store", &kept));
        }
    }
    Ok(())
}

/// Runs `work` for each of `nodes`, at most `workers` at a time, stopping at the first
/// error.
pub async fn for_each_of<'p, F, Fut>(
    nodes: &[&'p NodePlan],
    workers: usize,
    work: F,
) -> Result<(), EngineError>
where
    F: Fn(&'p NodePlan) -> Fut,
    Fut: std::future::Future<Output = Result<(), EngineError>>,
{
    futures::stream::iter(nodes.iter().map(|n| Ok::<_, EngineError>(*n)))
        .try_for_each_concurrent(workers.max(1), work)
        .await
}

/// Configures nodes: their files (when `with_files`) and scripts, then what needs the
/// others configured first (DHCP clients).
pub async fn configure(
    shell: &dyn Shell,
    nodes: &[&NodePlan],
    workers: usize,
    with_files: bool,
    progress: &dyn DeployProgress,
) -> Result<(), EngineError> {
    for_each_of(nodes, workers, |node| async move {
        if with_files {
            shell.upload(&node.name, &node.files).await?;
        }
        if let Some(script) = &node.configure {
            run_script(shell, Target::Node(&node.name), "configure", script).await?;
        }
        progress.node(&node.name, "configured");
        Ok(())
    })
    .await?;
    for_each_of(nodes, workers, |node| async move {
        if let Some(script) = &node.after_all {
            run_script(shell, Target::Node(&node.name), "configure", script).await?;
        }
        Ok(())
    })
    .await
}

/// The faults inside nodes (stopped services, shut interfaces).
pub async fn apply_faults(shell: &dyn Shell, nodes: &[&NodePlan], workers: usize) -> Result<(), EngineError> {
    for_each_of(nodes, workers, |node| async move {
        if let Some(script) = &node.break_faults {
            run_script(shell, Target::Node(&node.name), "apply a fault", script).await?;
        }
        Ok(())
    })
    .await
}

/// The plan's cable faults (pulled, lossy, slow), in the fabric.
pub async fn apply_cable_faults(shell: &dyn Shell, plan: &Plan) -> Result<(), EngineError> {
    for (endpoint, setting) in &plan.links {
        let port = plan.port_of(endpoint).expect("faults name cabled interfaces");
        let script = fabric::link_script(plan.segment_of(port), port, *setting);
        run_script(shell, Target::Fabric, &format!("apply a fault to {endpoint}"), &script).await?;
    }
    Ok(())
}

/// Waits until each node's readiness script succeeds.
pub async fn wait_ready(
    shell: &dyn Shell,
    nodes: &[&NodePlan],
    workers: usize,
    progress: &dyn DeployProgress,
) -> Result<(), EngineError> {
    let deadline = Instant::now() + READY_TIMEOUT;
    let waits: Vec<_> = nodes.iter().map(|node| wait_node_ready(shell, node, deadline, progress)).collect();
    let late: Vec<String> = futures::stream::iter(waits)
        .buffer_unordered(workers.max(1))
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
    shell: &dyn Shell,
    node: &NodePlan,
    deadline: Instant,
    progress: &dyn DeployProgress,
) -> Option<String> {
    let Some(script) = &node.ready else {
        progress.node(&node.name, "ready");
        return None;
    };
    let argv = ["sh".to_string(), "-s".to_string()];
    while Instant::now() < deadline {
        if let Ok(out) =
            shell.run(Target::Node(&node.name), &argv, Some(script), Duration::from_secs(10)).await
            && out.success()
        {
            progress.node(&node.name, "ready");
            return None;
        }
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
    Some(node.name.clone())
}
