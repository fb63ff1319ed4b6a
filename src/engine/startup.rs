//! The teacher's startup commands: run as root in each node after its configuration,
//! fed on standard input so the script never lands on the node's disk, and their output
//! kept for the teacher in the instance's record. A command that fails is recorded and
//! the deploy goes on, as in Kathará.

use std::time::Duration;

use futures::StreamExt;

use super::steps::{Shell, Target};
use crate::plan::as_is::{CommandLog, StartupLog, read_startup_output, startup_script};
use crate::plan::{NodePlan, Plan};

/// How long one node's startup commands may take together.
const STARTUP_TIMEOUT: Duration = Duration::from_secs(120);

/// Runs the startup commands of `nodes` (those that have any), at most `workers` at a
/// time, each node once those it starts after (`startup-after`) have finished; what
/// each did, in plan order. A node waits only for nodes of `nodes`: when a repair runs
/// one node's commands again, the others ran theirs long ago.
pub async fn run(shell: &dyn Shell, plan: &Plan, nodes: &[&NodePlan], workers: usize) -> Vec<StartupLog> {
    let mut waiting: Vec<&NodePlan> = nodes.iter().copied().filter(|n| !n.startup.is_empty()).collect();
    let mut unfinished: Vec<&str> = waiting.iter().map(|n| n.name.as_str()).collect();
    let mut running = futures::stream::FuturesUnordered::new();
    let mut logs = Vec::new();
    loop {
        // The language refuses cycles, so something is always ready while nodes wait.
        while running.len() < workers.max(1) {
            let Some(i) = waiting
                .iter()
                .position(|n| n.startup_after.iter().all(|before| !unfinished.contains(&before.as_str())))
            else {
                break;
            };
            running.push(run_one(shell, waiting.remove(i)));
        }
        let Some(log) = running.next().await else { break };
        unfinished.retain(|n| *n != log.node);
        logs.push(log);
    }
    // Left waiting only if the plan had a cycle the language would have refused.
    for node in waiting {
        logs.push(not_run(node, "it waits for a node that waits for it (`startup-after` goes round)"));
    }
    logs.sort_by_key(|log| plan.nodes.iter().position(|n| n.name == log.node));
    logs
}

/// A node whose commands did not run, and why.
fn not_run(node: &NodePlan, why: &str) -> StartupLog {
    StartupLog {
        node: node.name.clone(),
        commands: node
            .startup
            .iter()
            .map(|command| CommandLog { command: command.clone(), status: None, output: String::new() })
            .collect(),
        error: Some(why.to_string()),
    }
}

async fn run_one(shell: &dyn Shell, node: &NodePlan) -> StartupLog {
    let script = startup_script(&node.startup);
    let argv = ["sh".to_string(), "-s".to_string()];
    match shell.run(Target::Node(&node.name), &argv, Some(&script), STARTUP_TIMEOUT).await {
        Ok(out) => {
            let mut log = read_startup_output(&node.name, &node.startup, &out.stdout);
            if !out.success() && log.commands.iter().all(|c| c.status.is_some()) {
                log.error = Some(format!("the startup script ended with exit status {}", out.exit_code));
            }
            log
        }
        Err(e) => not_run(node, &e.to_string()),
    }
}
