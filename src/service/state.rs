//! `AppState`: what every handler can reach. Other parts of the service (the lab
//! lifecycle) get the database pool as `state.db` and the caller as a `CurrentUser`
//! argument, like every handler here.

use std::sync::Arc;

use sqlx::SqlitePool;

use crate::engine::Engine;
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;

use super::auth::throttle::Throttle;
use super::config::Config;
use super::error::ApiError;
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
    /// The lab engine, or `None` when it could not be reached at start-up: then lab
    /// actions answer 503 (`engine_unavailable`) and everything else (accounts, classes,
    /// stored reports) works as usual.
    pub engine: Option<Arc<dyn Engine>>,
    /// Running grading runs, for their progress streams.
    pub runs: Arc<crate::service::grading::runs::Runs>,
    /// How often each student may ask "check my work".
    pub check_limit: Arc<crate::service::grading::limit::CheckLimit>,
    /// The lab lifecycle, once `Service::start_labs` connected an engine; without one
    /// (no Docker on this host) lab actions answer 503 and the rest of the service works.
    pub lifecycle: Option<super::lifecycle::Lifecycle>,
    /// The screen-mode consoles open now, shared by everyone looking at one node.
    pub consoles: Arc<super::terminal::shared::SharedConsoles>,
    /// The lab pages' views, made once per lab version, student and language.
    pub lab_views: Arc<super::web::pages::student::lab::LabViews>,
}

impl AppState {
    /// The engine, for a lab action; 503 when there is none.
    pub fn engine(&self) -> Result<Arc<dyn Engine>, ApiError> {
        self.engine.clone().ok_or(ApiError::EngineUnavailable)
    }
}
