//! `AppState`: what every handler can reach. Other parts of the service (the lab
//! lifecycle) get the database pool as `state.db` and the caller as a `CurrentUser`
//! argument, like every handler here.

use std::sync::Arc;

use sqlx::SqlitePool;
use tokio_util::sync::CancellationToken;

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
}
