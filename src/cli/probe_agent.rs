//! `asbuilt probe-agent`: asbuilt's probes, served inside a node (started there by an
//! engine whose nodes asbuilt cannot enter from its own host). Requests come on
//! standard input, answers go to standard output, one JSON object per line; it ends
//! when its input closes. Not for people: `asbuilt check` starts it where it is needed.

use clap::Args;

use super::Outcome;
use crate::checks::probe::agent;

#[derive(Debug, Args)]
pub struct ProbeAgentArgs {}

pub fn probe_agent(_: &ProbeAgentArgs) -> Outcome {
    let runtime = match tokio::runtime::Builder::new_current_thread().enable_all().build() {
        Ok(r) => r,
        Err(e) => {
            eprintln!("asbuilt probe-agent: cannot start: {e}");
            return Outcome::Failed;
        }
    };
    match runtime.block_on(agent::serve(tokio::io::stdin(), tokio::io::stdout())) {
        Ok(()) => Outcome::Success,
        Err(e) => {
            eprintln!("asbuilt probe-agent: {e}");
            Outcome::Failed
        }
    }
}
