//! The checks' way into a running instance: [`LabAccess`] over any [`Engine`].
//!
//! Node namespaces are looked up once when the access is opened, so the probes that run
//! from the host (netlink reads, asbuilt's own packets) need no engine call per check.

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;

use super::{Engine, EngineError};
use crate::checks::access::{AccessError, AgentChannel, ExecOutput, LabAccess, RunAs};
use crate::plan::InstanceId;

/// One instance, as the check runner sees it. It owns its handle on the engine, so a
/// grading run can be moved into a task of its own.
pub struct InstanceAccess {
    engine: Arc<dyn Engine>,
    instance: InstanceId,
    namespaces: HashMap<String, PathBuf>,
    /// Each node's unprivileged check user, from the instance's plan.
    check_users: HashMap<String, String>,
}

impl InstanceAccess {
    /// Opens the instance: finds every running node's network namespace.
    pub async fn open(engine: Arc<dyn Engine>, instance: &InstanceId) -> Result<InstanceAccess, EngineError> {
        let mut namespaces = HashMap::new();
        for node in engine.nodes(instance).await? {
            if node.state != super::NodeState::Running {
                continue;
            }
            if let Some(path) = engine.netns(instance, &node.node).await? {
                namespaces.insert(node.node, path);
            }
        }
        let record = engine.record(instance).await?;
        let check_users = record.plan.nodes.iter().map(|n| (n.name.clone(), n.check_user.clone())).collect();
        Ok(InstanceAccess { engine, instance: instance.clone(), namespaces, check_users })
    }
}

#[async_trait]
impl LabAccess for InstanceAccess {
    async fn exec(
        &self,
        node: &str,
        user: RunAs,
        argv: &[String],
        timeout: Duration,
    ) -> Result<ExecOutput, AccessError> {
        let user = match user {
            RunAs::Root => None,
            RunAs::Checker => {
                Some(self.check_users.get(node).map(String::as_str).unwrap_or(crate::plan::NOBODY))
            }
        };
        match self.engine.exec(&self.instance, node, user, argv, None, timeout).await {
            Ok(out) if out.truncated => Err(AccessError::Exec {
                node: node.to_string(),
                command: argv.join(" "),
                reason: format!(
                    "it printed more than {} MiB and was cut off",
                    crate::engine::MAX_EXEC_OUTPUT >> 20
                ),
            }),
            Ok(out) => Ok(out),
            Err(EngineError::NoSuchNode { .. }) => Err(AccessError::NoSuchNode(node.to_string())),
            Err(EngineError::Timeout { .. }) => {
                Err(AccessError::Timeout { node: node.to_string(), command: argv.join(" "), timeout })
            }
            Err(e) => Err(AccessError::Exec {
                node: node.to_string(),
                command: argv.join(" "),
                reason: e.to_string(),
            }),
        }
    }

    fn netns(&self, node: &str) -> Option<PathBuf> {
        self.namespaces.get(node).cloned()
    }

    async fn agent(&self, node: &str) -> Result<Option<AgentChannel>, AccessError> {
        self.engine.agent(&self.instance, node).await.map_err(|e| match e {
            EngineError::NoSuchNode { .. } => AccessError::NoSuchNode(node.to_string()),
            e => AccessError::Exec {
                node: node.to_string(),
                command: "asbuilt probe-agent".into(),
                reason: e.to_string(),
            },
        })
    }
}
