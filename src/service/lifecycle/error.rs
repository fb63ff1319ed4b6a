//! What the manager refuses or fails to do. Messages read after "failed to".

use super::admission::Refusal;
use super::state::LabState;
use super::store::StoreError;
use crate::engine::EngineError;
use crate::plan::InstanceId;

#[derive(Debug, thiserror::Error)]
pub enum LifecycleError {
    /// The request can never be admitted on this server.
    #[error("request lab {instance}: {refusal}")]
    Refused { instance: InstanceId, refusal: Refusal },
    /// The instance waits, runs or is being removed already.
    #[error("request lab {instance}: it is {state} already")]
    Exists { instance: InstanceId, state: LabState },
    /// The manager has no such instance.
    #[error("find lab {0}: there is no such lab")]
    NoSuchInstance(InstanceId),
    /// The operation does not apply in the instance's state (extend a queued lab).
    #[error("{doing} lab {instance}: it is {state}")]
    WrongState { doing: &'static str, instance: InstanceId, state: LabState },
    /// The manager is shutting down and takes no new work.
    #[error("{doing} lab {instance}: the service is shutting down")]
    ShuttingDown { doing: &'static str, instance: InstanceId },
    /// The store could not keep a change; the change was not made.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// The engine could not list its instances at start.
    #[error("reconcile with the engine: {0}")]
    Engine(#[from] EngineError),
}
