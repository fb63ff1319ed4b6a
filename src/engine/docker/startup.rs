//! The teacher's startup commands: run as root in each node after its configuration,
//! fed on standard input so the script never lands on the node's disk, and their output
//! kept for the teacher in the instance's record. A command that fails is recorded and
//! the deploy goes on, as in Kathará.

use std::time::Duration;

use bollard::Docker;
use futures::StreamExt;

use super::exec;
use crate::engine::labels;
use crate::plan::as_is::{CommandLog, StartupLog, read_startup_output, startup_script};
use crate::plan::{NodePlan, Plan};

/// How long one node's startup commands may take together.
const STARTUP_TIMEOUT: Duration = Duration::from_secs(120);

/// Runs the startup commands of `nodes` (those that have any), at most `workers` at a
/// time; what each did, in plan order.
pub async fn run(docker: &Docker, plan: &Plan, nodes: &[&NodePlan], workers: usize) -> Vec<StartupLog> {
    // Collected first: a stream holding the iterator's closures across an await is not
    // `Send` for every lifetime, which the engine's async trait needs.
    let mut runs = Vec::new();
    for node in nodes {
        if !node.startup.is_empty() {
            runs.push(run_one(docker, plan, node));
        }
    }
    futures::stream::iter(runs).buffered(workers.max(1)).collect().await
}

async fn run_one(docker: &Docker, plan: &Plan, node: &NodePlan) -> StartupLog {
    let script = startup_script(&node.startup);
    let container = labels::node_container(&plan.instance, &node.name);
    let argv = ["sh".to_string(), "-s".to_string()];
    match exec::run(docker, &container, None, &argv, Some(&script), STARTUP_TIMEOUT).await {
        Ok(out) => {
            let mut log = read_startup_output(&node.name, &node.startup, &out.stdout);
            if !out.success() && log.commands.iter().all(|c| c.status.is_some()) {
                log.error = Some(format!("the startup script ended with exit status {}", out.exit_code));
            }
            log
        }
        Err(e) => StartupLog {
            node: node.name.clone(),
            commands: node
                .startup
                .iter()
                .map(|command| CommandLog { command: command.clone(), status: None, output: String::new() })
                .collect(),
            error: Some(e.to_string()),
        },
    }
}
