//! What a check run reports while it goes: settling, each check starting and finishing.
//!
//! One run, several watchers: the CLI prints these as progress, and the service will
//! stream them to a page. Both read the same events; neither runs checks itself.

use serde::Serialize;

use super::outcome::Status;

/// One step of a run, in the order they happen.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "event", rename_all = "kebab-case")]
pub enum RunEvent {
    /// Waiting for OSPF on these routers to stop converging before grading.
    Settling { routers: Vec<String> },
    /// Done waiting.
    Settled(Settling),
    /// A check's probe started.
    Started { id: String },
    /// A check has its outcome; `done` of `total` are finished.
    Finished { id: String, status: Status, done: usize, total: usize },
}

/// How the wait for routing to settle went; kept in the report, so a reader knows
/// whether the lab was still converging when it was graded.
#[derive(Debug, Clone, PartialEq, Serialize, serde::Deserialize)]
pub struct Settling {
    /// The routers whose OSPF the checks look at.
    pub routers: Vec<String>,
    pub waited_ms: u64,
    /// False: OSPF was still busy when the wait ran out, and checks of it may fail for
    /// that reason.
    pub settled: bool,
}

/// Where a run sends its events; nowhere, when nobody watches.
pub type Events<'a> = Option<&'a tokio::sync::mpsc::UnboundedSender<RunEvent>>;

/// Sends an event to whoever watches; a watcher that went away is no reason to stop.
pub fn emit(events: Events<'_>, event: RunEvent) {
    if let Some(tx) = events {
        let _ = tx.send(event);
    }
}
