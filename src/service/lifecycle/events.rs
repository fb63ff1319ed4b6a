//! What the manager tells whoever watches: typed events on one broadcast channel, so
//! that a page and a log are two consumers of the same events.

use serde::Serialize;
use tokio::sync::broadcast;

use super::state::LabState;
use crate::engine::DeployProgress;
use crate::plan::InstanceId;

/// One thing that happened to an instance. Events of one instance arrive in the order
/// they happened.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "event", rename_all = "kebab-case")]
pub enum LifecycleEvent {
    /// The instance entered a state.
    State { instance: InstanceId, owner: String, state: LabState, detail: Option<String> },
    /// A queued instance's place in the queue changed (1 is next).
    Position { instance: InstanceId, owner: String, position: usize },
    /// A step of its deploy started.
    Step { instance: InstanceId, owner: String, step: String },
    /// One node of its deploy got somewhere (`created`, `configured`, `ready`).
    Node { instance: InstanceId, owner: String, node: String, state: String },
}

impl LifecycleEvent {
    pub fn instance(&self) -> &InstanceId {
        match self {
            LifecycleEvent::State { instance, .. }
            | LifecycleEvent::Position { instance, .. }
            | LifecycleEvent::Step { instance, .. }
            | LifecycleEvent::Node { instance, .. } => instance,
        }
    }

    pub fn owner(&self) -> &str {
        match self {
            LifecycleEvent::State { owner, .. }
            | LifecycleEvent::Position { owner, .. }
            | LifecycleEvent::Step { owner, .. }
            | LifecycleEvent::Node { owner, .. } => owner,
        }
    }
}

/// Passes a deploy's progress on as events of its instance.
pub(super) struct Relay {
    pub(super) instance: InstanceId,
    pub(super) owner: String,
    pub(super) events: broadcast::Sender<LifecycleEvent>,
}

impl DeployProgress for Relay {
    fn step(&self, what: &str) {
        // Nobody listening is fine: events are for watchers, not a record.
        let _ = self.events.send(LifecycleEvent::Step {
            instance: self.instance.clone(),
            owner: self.owner.clone(),
            step: what.to_string(),
        });
    }

    fn node(&self, node: &str, state: &str) {
        let _ = self.events.send(LifecycleEvent::Node {
            instance: self.instance.clone(),
            owner: self.owner.clone(),
            node: node.to_string(),
            state: state.to_string(),
        });
    }
}
