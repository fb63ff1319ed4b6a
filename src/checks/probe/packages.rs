//! Evidence for a package: dpkg's own database in the node, as root. `ii` is installed;
//! anything else (removed, configuration files left, never there) is not.

use std::time::Duration;

use super::{Gathered, ProbeError, Probes};
use crate::checks::observation::Observation;

pub async fn gather(
    probes: &Probes<'_>,
    node: &str,
    name: &str,
    timeout: Duration,
) -> Result<Gathered, ProbeError> {
    let format = "${db:Status-Abbrev}|${Version}";
    let (out, evidence) = probes.exec(node, &["dpkg-query", "-W", "-f", format, "--", name], timeout).await?;
    let observation = if out.success() {
        Ok(installed_version(&out.stdout))
    } else if out.stderr.contains("no packages found") {
        Ok(None)
    } else {
        Err(format!("`dpkg-query` on {node} failed (exit status {}): {}", out.exit_code, out.stderr.trim()))
    };
    Ok(Gathered { observation: Observation::Package(observation), evidence: vec![evidence] })
}

/// The version from `ii |1.8.0-1`; `None` for any other state (`rc`, `un`).
fn installed_version(line: &str) -> Option<String> {
    let (status, version) = line.trim().split_once('|')?;
    (status.trim() == "ii").then(|| version.trim().to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_a_package_in_state_ii_counts_as_installed() {
        assert_eq!(installed_version("ii |2.1.0-2"), Some("2.1.0-2".into()));
        assert_eq!(installed_version("rc |2.1.0-2"), None, "removed, its configuration kept");
        assert_eq!(installed_version("un |"), None);
        assert_eq!(installed_version(""), None);
    }
}
