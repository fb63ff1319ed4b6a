//! `AppState`: what every handler can reach. Other parts of the service (the lab
//! lifecycle) get the database pool as `state.db` and the caller as a `CurrentUser`
//! argument, like every handler here.

use std::sync::Arc;

use sqlx::SqlitePool;
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;

use super::auth::throttle::Throttle;
use super::config::Config;
use super::metrics::Metrics;

/// Shared by every request; cheap to clone.
#[derive(Clone)]
pub struct AppState {
    pub db: SqlitePool,
    pub config: Arc<Config>,
    pub throttle: Arc<Throttle>,
    pub metrics: Arc<Metrics>,
    /// Cancelled when the service shuts down; background work watches it.
    pub shutdown: CancellationToken,
    /// Work that must end before the service does (a deploy finishing or rolling back):
    /// spawn it with `state.tasks.spawn(...)`. At shutdown the service stops taking
    /// requests, cancels `shutdown`, and waits for these before closing the database.
    pub tasks: TaskTracker,
    /// The lab lifecycle, once `Service::start_labs` connected an engine; without one
    /// (no Docker on this host) lab actions answer 503 and the rest of the service works.
    pub lifecycle: Option<super::lifecycle::Lifecycle>,
}
