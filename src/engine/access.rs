//! The checks' way into a running instance: [`LabAccess`] over any [`Engine`].
//!
//! Node namespaces are looked up once when the access is opened, so the probes that run
//! from the host (netlink reads, asbuilt's own packets) need no engine call per check.

use std::collections::HashMap;
use std::path::PathBuf;
use std::time::Duration;

use async_trait::async_trait;

use super::{Engine, EngineError};
use crate::checks::access::{AccessError, ExecOutput, LabAccess};
use crate::plan::InstanceId;

/// One instance, as the check runner sees it.
pub struct InstanceAccess<'e> {
    engine: &'e dyn Engine,
    instance: InstanceId,
    namespaces: HashMap<String, PathBuf>,
}

impl<'e> InstanceAccess<'e> {
    /// Opens the instance: finds every running node's network namespace.
    pub async fn open(
        engine: &'e dyn Engine,
        instance: &InstanceId,
    ) -> Result<InstanceAccess<'e>, EngineError> {
        let mut namespaces = HashMap::new();
        for node in engine.nodes(instance).await? {
            if node.state != "running" {
                continue;
            }
            if let Some(path) = engine.netns(instance, &node.node).await? {
                namespaces.insert(node.node, path);
            }
        }
        Ok(InstanceAccess { engine, instance: instance.clone(), namespaces })
    }
}

#[async_trait]
impl LabAccess for InstanceAccess<'_> {
    async fn exec(&self, node: &str, argv: &[String], timeout: Duration) -> Result<ExecOutput, AccessError> {
        match self.engine.exec(&self.instance, node, argv, None, timeout).await {
            Ok(out) => {
                Ok(ExecOutput { status: out.exit_code as i32, stdout: out.stdout, stderr: out.stderr })
            }
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
}
