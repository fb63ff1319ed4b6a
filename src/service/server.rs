//! `Service`: opens the database, makes the first admin if there is none, and serves
//! the router until told to stop.

use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use tokio::net::TcpListener;
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;

use super::auth::throttle::Throttle;
use super::config::Config;
use super::db::{self, DbError};
use super::grading::limit::CheckLimit;
use super::metrics::Metrics;
use super::routes;
use super::state::AppState;

pub use super::bootstrap::FirstAdmin;

/// Why the service could not start or stopped with an error.
#[derive(Debug, thiserror::Error)]
pub enum StartError {
    /// The database could not be opened or migrated.
    #[error(transparent)]
    Db(#[from] DbError),
    /// The first admin could not be made.
    #[error("failed to create the first admin: {0}")]
    Bootstrap(String),
    /// The listening address could not be bound.
    #[error("failed to listen on {address}: {source}")]
    Listen { address: SocketAddr, source: std::io::Error },
    /// Serving failed.
    #[error("failed to serve: {0}")]
    Serve(std::io::Error),
    /// The lab lifecycle could not read its store or list the engine's instances.
    #[error("failed to start the lab lifecycle: {0}")]
    Lifecycle(#[from] super::lifecycle::LifecycleError),
}

/// A service ready to serve. Set `state.engine` before `serve` for lab actions (the
/// CLI connects Docker; without one they answer 503).
pub struct Service {
    pub state: AppState,
}

impl Service {
    /// Opens the data directory's database (migrating it) and makes the first admin if
    /// there is none; that admin's password is returned here and nowhere else.
    pub async fn open(config: Config) -> Result<(Service, Option<FirstAdmin>), StartError> {
        let db = db::open(&config.data_dir).await?;
        let first_admin = super::bootstrap::ensure_admin(&db).await.map_err(StartError::Bootstrap)?;
        let throttle = Throttle::new(
            config.login_failures_per_account,
            config.login_failures_per_address,
            Duration::from_secs(config.login_window_secs),
        );
        let config_check_interval = config.check_interval_secs;
        let state = AppState {
            db,
            config: Arc::new(config),
            throttle: Arc::new(throttle),
            metrics: Arc::new(Metrics::default()),
            shutdown: CancellationToken::new(),
            tasks: TaskTracker::new(),
            engine: None,
            runs: Arc::default(),
            check_limit: Arc::new(CheckLimit::new(Duration::from_secs(config_check_interval))),
            lifecycle: None,
            consoles: Arc::default(),
            lab_views: Arc::default(),
        };
        state.metrics.register(Arc::new(super::grading::metrics::GradingMetrics));
        Ok((Service { state }, first_admin))
    }

    /// Starts the lab lifecycle on `engine` (src/service/lab_runtime.rs): brings back
    /// the ready labs a restart stopped, reconciles the database with what the engine
    /// runs, and logs what that found. Shutdown waits for its deploys to end.
    pub async fn start_labs(
        &mut self,
        engine: Arc<dyn crate::engine::Engine>,
    ) -> Result<super::lifecycle::ReconcileReport, StartError> {
        let state = &mut self.state;
        let started =
            super::lab_runtime::start(&state.db, &state.config, engine, state.shutdown.clone()).await?;
        let report = started.report;
        tracing::info!(
            recovered = started.recovered,
            kept = report.kept.len(),
            lost = report.lost.len(),
            requeued = report.requeued.len(),
            failed = report.failed.len(),
            unknown_destroyed = report.unknown.len(),
            "lab lifecycle started"
        );
        for error in started.not_recovered.iter().chain(&report.errors) {
            tracing::warn!(%error, "reconciling labs at start");
        }
        for instance in &report.unknown {
            tracing::warn!(%instance, "destroyed an instance the database did not know");
        }
        let lifecycle = started.lifecycle;
        state.metrics.register(Arc::new(super::lab_runtime::LifecycleMetrics(lifecycle.clone())));
        // The database closes only after this ends: deploys in flight finish or roll back.
        let stopping = lifecycle.clone();
        state.tasks.spawn(async move { stopping.stopped().await });
        state.lifecycle = Some(lifecycle);
        Ok(report)
    }

    /// Binds the configured address.
    pub async fn bind(&self) -> Result<TcpListener, StartError> {
        let address = self.state.config.listen;
        TcpListener::bind(address).await.map_err(|source| StartError::Listen { address, source })
    }

    /// Serves on `listener` until `stop` completes; then stops taking connections, lets
    /// requests in flight finish, cancels `state.shutdown`, waits for the work spawned
    /// on `state.tasks`, and closes the database cleanly (a WAL checkpoint).
    pub async fn serve(
        self,
        listener: TcpListener,
        stop: impl Future<Output = ()> + Send + 'static,
    ) -> Result<(), StartError> {
        let state = self.state.clone();
        super::grading::deadline::spawn(&state);
        let app = routes::router(self.state);
        let shutdown = state.shutdown.clone();
        if let Ok(address) = listener.local_addr() {
            tracing::info!(%address, "serving");
        }
        let result = axum::serve(listener, app.into_make_service_with_connect_info::<SocketAddr>())
            .with_graceful_shutdown(async move {
                stop.await;
                tracing::info!("shutting down: finishing requests in flight");
                shutdown.cancel();
            })
            .await;
        state.shutdown.cancel();
        // Background work (the lifecycle's deploys) sees the cancellation and finishes
        // or rolls back; the database must stay open until it has.
        state.tasks.close();
        if !state.tasks.is_empty() {
            tracing::info!(tasks = state.tasks.len(), "waiting for background work to finish");
        }
        state.tasks.wait().await;
        state.db.close().await;
        tracing::info!("stopped");
        result.map_err(StartError::Serve)
    }
}
