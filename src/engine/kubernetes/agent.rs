//! The probe agent on a cluster: asbuilt copies itself into the probe container beside
//! a node (once per pod and program) and runs `asbuilt probe-agent` there through exec.
//! The agent is the very program that asks, so the two always speak the same protocol.

use std::sync::OnceLock;
use std::time::Duration;

use sha2::Digest;

use super::exec::{self, InPod, Streams};
use super::manifests::AGENT_DIR;
use crate::checks::access::AgentChannel;
use crate::engine::EngineError;

/// This program, as the kernel has it.
const SELF: &str = "/proc/self/exe";

/// How long copying the program into a pod may take.
const COPY_TIMEOUT: Duration = Duration::from_secs(300);

/// The agent's file name in the probe container: named by a hash of the program, so an
/// upgraded asbuilt copies itself again instead of talking to an older agent.
fn agent_name() -> Result<&'static str, EngineError> {
    static NAME: OnceLock<Result<String, String>> = OnceLock::new();
    NAME.get_or_init(|| {
        let bytes = std::fs::read(SELF).map_err(|e| e.to_string())?;
        let digest = sha2::Sha256::digest(&bytes);
        Ok(format!("asbuilt-{}", digest.iter().take(8).map(|b| format!("{b:02x}")).collect::<String>()))
    })
    .as_deref()
    .map_err(|why| read_failed(why.clone()))
}

fn read_failed(why: String) -> EngineError {
    EngineError::Io { doing: "read asbuilt's own program".into(), source: std::io::Error::other(why) }
}

/// Starts the agent in the probe container `at`, copying it there first if it is not.
pub async fn start(at: &InPod<'_>, node: &str) -> Result<AgentChannel, EngineError> {
    let path = format!("{AGENT_DIR}/{}", agent_name()?);
    let present =
        exec::run(at, &["test".into(), "-x".into(), path.clone()], None, Duration::from_secs(20)).await?;
    if !present.success() {
        let bytes = std::fs::read(SELF).map_err(|e| read_failed(e.to_string()))?;
        // Under a temporary name first: an agent is never started half-copied.
        let install = format!("cat > {path}.part && chmod 755 {path}.part && mv {path}.part {path}");
        let out = exec::run(at, &["sh".into(), "-c".into(), install], Some(&bytes), COPY_TIMEOUT).await?;
        if !out.success() {
            return Err(EngineError::Script {
                doing: "copy the probe agent".into(),
                node: node.to_string(),
                step: "copy".into(),
                output: out.stderr,
            });
        }
    }
    let streams = Streams { stdin: true, stderr: false, tty: false };
    let mut process = exec::start(at, &[path, "probe-agent".into()], streams).await?;
    let requests = process.stdin().expect("attached");
    let answers = process.stdout().expect("attached");
    Ok(AgentChannel { requests: Box::pin(requests), answers: Box::pin(answers), keep: Box::new(process) })
}
