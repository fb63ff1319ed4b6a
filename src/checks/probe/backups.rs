//! Evidence for a configuration backup: what the node runs now, read with its own
//! tools as root, and the backup file on the server.

use std::time::Duration;

use super::{Gathered, ProbeError, Probes};
use crate::checks::observation::{BackupFacts, Observation};
use crate::design::ConfigSource;

pub async fn gather(
    probes: &Probes<'_>,
    node: &str,
    server: &str,
    file: &str,
    source: ConfigSource,
    timeout: Duration,
) -> Result<Gathered, ProbeError> {
    let (running, running_evidence) = probes.exec(node, source.command(), timeout).await?;
    if !running.success() || running.stdout.trim().is_empty() {
        let why = format!(
            "`{}` on {node} printed no configuration: {}",
            source.command().join(" "),
            running.stderr.trim()
        );
        return Ok(Gathered { observation: Observation::Backup(Err(why)), evidence: vec![running_evidence] });
    }
    // `cat` alone cannot tell a missing file from an unreadable one: test first.
    let read = "if [ -f \"$1\" ]; then cat -- \"$1\"; else exit 3; fi";
    let (saved, saved_evidence) = probes.exec(server, &["sh", "-c", read, "sh", file], timeout).await?;
    let observation = match saved.exit_code {
        0 => Ok(BackupFacts { running: running.stdout, saved: Some(saved.stdout) }),
        3 => Ok(BackupFacts { running: running.stdout, saved: None }),
        code => {
            Err(format!("{file} on {server} could not be read (exit status {code}): {}", saved.stderr.trim()))
        }
    };
    Ok(Gathered {
        observation: Observation::Backup(observation),
        evidence: vec![running_evidence, saved_evidence],
    })
}
