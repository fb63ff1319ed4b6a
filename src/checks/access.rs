//! How the check runner reaches into a running lab: the one interface an engine
//! implements for checks.
//!
//! Two ways in, because they differ in what the evidence is worth. `netns` lets asbuilt
//! act from outside the node (read the kernel over netlink, send its own packets from
//! the node's network stack), which the student cannot fake. `exec` runs the node's own
//! programs, which a student with root in the node could replace; evidence from it is
//! marked as such. An engine that cannot hand out namespaces (Kubernetes) returns
//! `None` from `netns` and starts asbuilt's probe agent in the node instead (`agent`);
//! only where neither works do the probes fall back to the node's tools through `exec`.

use std::path::PathBuf;
use std::time::Duration;

/// What the checks need from an engine, for one running lab instance.
///
/// `async_trait` because the runner holds it as `&dyn LabAccess` across tasks; native
/// async trait methods are not object safe.
#[async_trait::async_trait]
pub trait LabAccess: Send + Sync {
    /// Runs a command with the node's own tools (the student could have tampered
    /// with them), as `user`. A non-zero exit status is an `Ok`: the output says what
    /// happened.
    async fn exec(
        &self,
        node: &str,
        user: RunAs,
        argv: &[String],
        timeout: Duration,
    ) -> Result<ExecOutput, AccessError>;

    /// The node's network namespace file (`/proc/<pid>/ns/net`), for probes asbuilt
    /// runs itself from the host. `None` if the engine has none to give.
    fn netns(&self, node: &str) -> Option<PathBuf>;

    /// Starts asbuilt's probe agent (`asbuilt probe-agent`) in the node's network
    /// namespace and hands over its input and output. `None` where the engine cannot;
    /// asked only for nodes `netns` gives nothing for.
    async fn agent(&self, node: &str) -> Result<Option<AgentChannel>, AccessError> {
        let _ = node;
        Ok(None)
    }
}

pub use crate::checks::probe::agent::AgentChannel;

/// Who a command runs as inside a node. Either way it is confined like the node itself:
/// no check runs anything on the host.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RunAs {
    /// root: asbuilt's own fixed commands (FRR's state, a DHCP client), and a teacher's
    /// `command:` or `file:` check that says `user: root`.
    Root,
    /// The node's unprivileged check user: what a teacher's `command:` and `file:` checks
    /// run as by default, since a topology file may come from anywhere. On asbuilt's
    /// images it may use vtysh; in a custom image it is `nobody`.
    Checker,
}

/// What a command printed, and how it ended: the one type every engine answers with.
pub use crate::engine::ExecOutput;

/// Why the engine could not run a command.
#[derive(Debug, thiserror::Error)]
pub enum AccessError {
    /// The instance has no node of that name (or it is not running).
    #[error("no running node `{0}` in this lab instance")]
    NoSuchNode(String),
    /// The command did not end within its time.
    #[error("`{command}` in {node} did not finish within {} ms", timeout.as_millis())]
    Timeout { node: String, command: String, timeout: Duration },
    /// The engine failed to start or follow the command.
    #[error("failed to run `{command}` in {node}: {reason}")]
    Exec { node: String, command: String, reason: String },
}
