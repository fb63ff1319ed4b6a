//! Where the manager keeps its instances across restarts: a trait the service
//! implements over its database, and an in-memory one for tests.

use std::collections::BTreeMap;
use std::sync::Mutex;

use async_trait::async_trait;

use super::state::StoredLab;
use crate::plan::InstanceId;

/// A store that could not be read or written. Messages read after "failed to".
#[derive(Debug, thiserror::Error)]
#[error("{doing}: {source}")]
pub struct StoreError {
    pub doing: String,
    #[source]
    pub source: Box<dyn std::error::Error + Send + Sync>,
}

/// What the manager keeps: every instance with its request and state. The manager
/// calls `save` on every change of state, before it tells anyone, and never two calls at
/// once, so a store needs no ordering of its own.
#[async_trait]
pub trait LifecycleStore: Send + Sync {
    /// Every instance stored, in any order.
    async fn load(&self) -> Result<Vec<StoredLab>, StoreError>;
    /// Stores an instance, replacing what was stored of it.
    async fn save(&self, lab: &StoredLab) -> Result<(), StoreError>;
}

/// A store in memory: for tests, and for a service that need not survive a restart.
#[derive(Debug, Default)]
pub struct MemoryStore {
    labs: Mutex<BTreeMap<InstanceId, StoredLab>>,
}

impl MemoryStore {
    pub fn new() -> MemoryStore {
        MemoryStore::default()
    }

    /// What is stored of one instance.
    pub fn get(&self, instance: &InstanceId) -> Option<StoredLab> {
        self.labs.lock().expect("not poisoned").get(instance).cloned()
    }
}

#[async_trait]
impl LifecycleStore for MemoryStore {
    async fn load(&self) -> Result<Vec<StoredLab>, StoreError> {
        Ok(self.labs.lock().expect("not poisoned").values().cloned().collect())
    }

    async fn save(&self, lab: &StoredLab) -> Result<(), StoreError> {
        self.labs.lock().expect("not poisoned").insert(lab.instance().clone(), lab.clone());
        Ok(())
    }
}
