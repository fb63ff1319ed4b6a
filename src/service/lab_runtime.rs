//! Starting the lab lifecycle inside the service: the engine brings back what a daemon
//! restart or a reboot stopped, the manager reconciles its store with the engine, and
//! its figures join `/metrics`.

use std::fmt::Write as _;
use std::sync::Arc;
use std::time::Duration;

use sqlx::SqlitePool;

use super::config::Config;
use super::lifecycle::{
    LabState, Lifecycle, LifecycleConfig, LifecycleError, LifecycleStore, Limits, ReconcileReport,
};
use super::lifecycle_store::SqliteStore;
use super::metrics::MetricsSource;
use crate::engine::Engine;
use tokio_util::sync::CancellationToken;

/// Nodes one deploy creates and configures at the same time.
const WORKERS: usize = 4;

/// What the lifecycle's start found, for the log.
pub struct Started {
    pub lifecycle: Lifecycle,
    pub report: ReconcileReport,
    /// Ready labs the engine converged again, and those it could not.
    pub recovered: usize,
    pub not_recovered: Vec<String>,
}

/// Brings back the service's ready labs, then starts the manager over the database.
///
/// Only labs the store holds as ready are recovered: a lab that was deploying when the
/// service died is removed and queued again by the reconcile anyway, so rebuilding it
/// first would be wasted work, and an operator's labs from the command line are not the
/// service's to touch.
pub async fn start(
    db: &SqlitePool,
    config: &Config,
    engine: Arc<dyn Engine>,
    shutdown: CancellationToken,
) -> Result<Started, LifecycleError> {
    let store = Arc::new(SqliteStore::new(db.clone()));
    let (recovered, not_recovered) = recover_ready(engine.as_ref(), store.as_ref()).await?;
    let lifecycle_config = LifecycleConfig {
        limits: Limits {
            // Zero would queue every lab forever: at least one of each.
            deploys: config.lab_deploys.max(1),
            nodes: config.lab_nodes.max(1),
            per_owner: config.lab_instances_per_student.max(1),
        },
        workers: WORKERS,
        reap_every: Duration::from_secs(config.lab_reap_secs.max(1)),
        scope: Some(config.lab_prefix.clone()),
        ..LifecycleConfig::default()
    };
    let (lifecycle, report) = Lifecycle::start(engine, store, lifecycle_config, shutdown).await?;
    Ok(Started { lifecycle, report, recovered, not_recovered })
}

/// Converges every stored ready lab the engine has to its recorded plan: containers
/// started, cables made again, what students saved kept.
async fn recover_ready(
    engine: &dyn Engine,
    store: &SqliteStore,
) -> Result<(usize, Vec<String>), LifecycleError> {
    let ready: Vec<_> = store
        .load()
        .await?
        .into_iter()
        .filter(|lab| lab.state == LabState::Ready)
        .map(|lab| lab.instance().clone())
        .collect();
    let present = engine.instances().await?;
    let mut recovered = 0;
    let mut errors = Vec::new();
    for summary in present.into_iter().filter(|s| ready.contains(&s.instance)) {
        match engine.recover_instance(&summary.instance, WORKERS).await {
            Ok(_) => recovered += 1,
            Err(e) => errors.push(format!("recover {}: {e}", summary.instance)),
        }
    }
    Ok((recovered, errors))
}

/// The lifecycle's figures at scrape time.
pub struct LifecycleMetrics(pub Lifecycle);

#[async_trait::async_trait]
impl MetricsSource for LifecycleMetrics {
    async fn write(&self, _: &SqlitePool, out: &mut String) -> Result<(), String> {
        let m = self.0.metrics().await;
        out.push_str("# HELP asbuilt_instances Lab instances by state.\n# TYPE asbuilt_instances gauge\n");
        for (state, count) in &m.by_state {
            let _ = writeln!(out, "asbuilt_instances{{state=\"{state}\"}} {count}");
        }
        out.push_str(
            "# HELP asbuilt_queue_length Lab requests waiting for room.\n# TYPE asbuilt_queue_length gauge\n",
        );
        let _ = writeln!(out, "asbuilt_queue_length {}", m.queue_length);
        out.push_str("# HELP asbuilt_nodes Nodes of labs that run, deploy or are being removed.\n");
        out.push_str("# TYPE asbuilt_nodes gauge\n");
        let _ = writeln!(out, "asbuilt_nodes {}", m.nodes);
        out.push_str(
            "# HELP asbuilt_deploys_running Lab deploys in progress.\n# TYPE asbuilt_deploys_running gauge\n",
        );
        let _ = writeln!(out, "asbuilt_deploys_running {}", m.deploys_running);
        out.push_str("# HELP asbuilt_deploy_seconds Durations of successful lab deploys since start.\n");
        out.push_str("# TYPE asbuilt_deploy_seconds summary\n");
        let _ = writeln!(out, "asbuilt_deploy_seconds_sum {}", m.deploys.total.as_secs_f64());
        let _ = writeln!(out, "asbuilt_deploy_seconds_count {}", m.deploys.count);
        out.push_str("# HELP asbuilt_deploy_seconds_max The longest lab deploy since start.\n");
        out.push_str("# TYPE asbuilt_deploy_seconds_max gauge\n");
        let _ = writeln!(out, "asbuilt_deploy_seconds_max {}", m.deploys.max.as_secs_f64());
        out.push_str("# HELP asbuilt_deploys_failed_total Lab deploys that failed since start.\n");
        out.push_str("# TYPE asbuilt_deploys_failed_total counter\n");
        let _ = writeln!(out, "asbuilt_deploys_failed_total {}", m.deploys.failed);
        out.push_str(
            "# HELP asbuilt_lifecycle_store_errors_total Lab changes the database failed to keep.\n",
        );
        out.push_str("# TYPE asbuilt_lifecycle_store_errors_total counter\n");
        let _ = writeln!(out, "asbuilt_lifecycle_store_errors_total {}", m.store_errors);
        Ok(())
    }
}
