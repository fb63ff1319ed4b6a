//! Gathering the facts of an instance's health on Docker: the state of each container,
//! and the fabric's links as the fabric itself lists them.

use std::time::Duration;

use super::{DockerEngine, containers, exec};
use crate::engine::health::{FABRIC_FACTS, InfraProblem, add_fabric_problems};
use crate::engine::labels::{self, NODE, ROLE};
use crate::engine::{EngineError, InstanceRecord, NodeState};

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
    add_fabric_problems(&mut problems, record, &out.stdout);
    Ok(problems)
}
