//! Gathering the facts of an instance's health on Docker: the state of each container,
//! and the fabric's links as the fabric itself lists them.

use std::time::Duration;

use super::{DockerEngine, containers, exec};
use crate::engine::health::{InfraProblem, fabric_problems};
use crate::engine::labels::{self, NODE, ROLE};
use crate::engine::{EngineError, InstanceRecord, NodeState};

/// Lists the fabric's links, then the ports whose impairment relay is alive.
const FABRIC_FACTS: &str = "ip -j link show; echo; echo ---; \
    for f in /run/asbuilt/impair-*.pid; do [ -s \"$f\" ] && kill -0 \"$(cat \"$f\")\" 2>/dev/null \
    && basename \"$f\" .pid | sed 's/^impair-//'; done; true";

/// Everything wrong with the instance's infrastructure; empty when it is whole.
pub async fn gather(
    engine: &DockerEngine,
    record: &InstanceRecord,
) -> Result<Vec<InfraProblem>, EngineError> {
    let plan = &record.plan;
    let found = containers::list(&engine.docker, Some(&plan.instance)).await?;
    let state_of = |role: &str, node: &str| {
        found
            .iter()
            .find(|c| {
                containers::label(c, ROLE) == Some(role) && containers::label(c, NODE).unwrap_or("") == node
            })
            .map(containers::state)
            .unwrap_or(NodeState::Missing)
    };
    let mut problems = Vec::new();
    for node in &plan.nodes {
        let state = state_of("node", &node.name);
        if state != NodeState::Running {
            problems.push(InfraProblem::NodeNotRunning { node: node.name.clone(), state });
        }
    }
    let fabric_state = state_of("fabric", "");
    if fabric_state != NodeState::Running {
        problems.insert(0, InfraProblem::FabricNotRunning { state: fabric_state });
        return Ok(problems);
    }
    let argv = ["sh".to_string(), "-c".to_string(), FABRIC_FACTS.to_string()];
    let container = labels::fabric_container(&plan.instance);
    let out = exec::run(&engine.docker, &container, None, &argv, None, Duration::from_secs(20)).await?;
    let (links, relays) = out.stdout.split_once("\n---\n").unwrap_or((&out.stdout, ""));
    let relays: Vec<String> = relays.lines().map(str::to_string).filter(|l| !l.is_empty()).collect();
    for problem in fabric_problems(plan, &record.links, links.trim(), &relays) {
        // A stopped node's cables are gone with it: one problem, not two.
        let already = problem.node().is_some_and(|n| {
            problems.iter().any(|p| matches!(p, InfraProblem::NodeNotRunning { node, .. } if node == n))
        });
        if !already {
            problems.push(problem);
        }
    }
    Ok(problems)
}
