//! The Docker engine's [`Shell`]: commands through Docker's exec, files through its
//! archive upload, into the containers of one instance.

use std::time::Duration;

use async_trait::async_trait;
use bollard::Docker;

use super::{exec, files};
use crate::engine::labels;
use crate::engine::steps::{Shell, Target};
use crate::engine::{EngineError, ExecOutput};
use crate::plan::{ConfigFile, InstanceId};

pub struct DockerShell<'a> {
    pub docker: &'a Docker,
    pub instance: &'a InstanceId,
}

impl DockerShell<'_> {
    fn container(&self, target: Target<'_>) -> String {
        match target {
            Target::Node(node) => labels::node_container(self.instance, node),
            Target::Fabric => labels::fabric_container(self.instance),
        }
    }
}

#[async_trait]
impl Shell for DockerShell<'_> {
    async fn run(
        &self,
        target: Target<'_>,
        argv: &[String],
        stdin: Option<&str>,
        timeout: Duration,
    ) -> Result<ExecOutput, EngineError> {
        exec::run(self.docker, &self.container(target), None, argv, stdin, timeout).await
    }

    async fn upload(&self, node: &str, files: &[ConfigFile]) -> Result<(), EngineError> {
        files::upload(self.docker, &self.container(Target::Node(node)), files).await
    }
}
