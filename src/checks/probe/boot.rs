//! Evidence for a service at boot: `asbuilt-service` in the node, as root, says whether
//! the service is in the boot lists and whether it runs now. The lists it reads are the
//! student's to change, as they are the truth of what starts at boot. The script itself
//! lies on the node's read-only root, except on a node whose design has `packages`
//! (its `/usr` is on its disk): evidence from the node's tools, as the report says.

use std::time::Duration;

use super::{Gathered, ProbeError, Probes};
use crate::checks::access::ExecOutput;
use crate::checks::observation::{BootFacts, Observation};

pub async fn gather(
    probes: &Probes<'_>,
    node: &str,
    service: &str,
    timeout: Duration,
) -> Result<Gathered, ProbeError> {
    let (at_boot, boot_evidence) =
        probes.exec(node, &["asbuilt-service", "is-enabled", service], timeout).await?;
    let (now, now_evidence) = probes.exec(node, &["asbuilt-service", "status", service], timeout).await?;
    let evidence = vec![boot_evidence, now_evidence];
    // 0 yes, 3 no; anything else (2: no such service, 127: no asbuilt-service) is not an
    // answer.
    let answer = |what: &str, out: &ExecOutput| match out.exit_code {
        0 => Ok(true),
        3 => Ok(false),
        code => Err(format!(
            "`asbuilt-service {what} {service}` on {node} failed (exit status {code}): {}",
            out.stderr.trim()
        )),
    };
    let observation = answer("is-enabled", &at_boot)
        .and_then(|enabled| Ok(BootFacts { enabled, running: answer("status", &now)? }));
    Ok(Gathered { observation: Observation::Boot(observation), evidence })
}
