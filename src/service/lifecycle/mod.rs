//! The lab lifecycle of the service: students request labs, which wait in a queue
//! until the server has room, deploy, run until they expire or are destroyed, and can be
//! reset or extended. An [`Engine`](crate::engine::Engine) in, typed events out; no
//! HTTP and no SQL (the service implements [`LifecycleStore`] over its database).
//! docs/lifecycle.md explains the states, admission, the TTL and reconciling.

mod admission;
mod error;
mod events;
mod manager;
mod metrics;
mod reconcile;
mod state;
mod store;
mod table;
mod ttl;

pub use admission::{Limits, Refusal};
pub use error::LifecycleError;
pub use events::LifecycleEvent;
pub use manager::{Clock, Lifecycle, LifecycleConfig, SystemClock};
pub use metrics::{DeployDurations, Metrics};
pub use reconcile::ReconcileReport;
pub use state::{LabRequest, LabState, LabStatus, StoredLab, Ttl};
pub use store::{LifecycleStore, MemoryStore, StoreError};
pub use ttl::Expiry;
