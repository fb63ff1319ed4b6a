//! Grading runs in the background: every student of a class (or one), a few at a
//! time, each report stored as it comes. A run's progress is a log of [`RunUpdate`]s
//! kept in memory while the service runs: a progress stream replays the log and then
//! follows it live, so a page that connects late misses nothing and sees it in order.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use serde::Serialize;
use sqlx::SqlitePool;
use tokio::sync::{Semaphore, broadcast};
use tokio_util::sync::CancellationToken;
use utoipa::ToSchema;

use super::{Grading, Target, grade_and_store};
use crate::checks::events::RunEvent;
use crate::engine::Engine;
use crate::service::error::ApiError;
use crate::service::time::now;

/// One step of a grading run, as its progress stream sends it.
#[derive(Debug, Clone, Serialize, ToSchema)]
#[serde(tag = "kind", rename_all = "kebab-case")]
pub enum RunUpdate {
    /// The run began with these students.
    RunStarted { run_id: i64, students: usize },
    /// Grading of one student's instance began.
    StudentStarted { student_id: i64, instance: String },
    /// A step of one student's grading, as the library's grading call reports it.
    Check {
        student_id: i64,
        #[schema(value_type = Object)]
        event: RunEvent,
    },
    /// One student's report is stored.
    StudentGraded { student_id: i64, report_id: i64, percent: f64 },
    /// One student was not graded, and why (no instance, a broken one).
    StudentSkipped { student_id: i64, code: String, reason: String },
    /// The run is over; nothing follows.
    RunFinished { run_id: i64, graded: usize, failed: usize },
}

/// How many finished runs keep their event log in memory.
const KEPT: usize = 64;

/// The event logs of the runs of this process.
#[derive(Default)]
pub struct Runs {
    logs: Mutex<HashMap<i64, RunLog>>,
}

struct RunLog {
    events: Vec<RunUpdate>,
    live: broadcast::Sender<RunUpdate>,
}

impl Runs {
    /// Starts the log of a run this process runs.
    pub fn open_if_absent(&self, run_id: i64) {
        let mut logs = self.logs.lock().unwrap_or_else(|e| e.into_inner());
        logs.entry(run_id).or_insert_with(|| RunLog { events: Vec::new(), live: broadcast::channel(1024).0 });
    }

    fn open(&self, run_id: i64) {
        let (live, _) = broadcast::channel(1024);
        let mut logs = self.logs.lock().unwrap_or_else(|e| e.into_inner());
        // The logs of finished runs are kept for pages that open a stream late, but not
        // for ever: beyond KEPT, the oldest finished ones go (their streams then send the
        // stored outcome only).
        let mut finished: Vec<i64> = logs
            .iter()
            .filter(|(_, log)| matches!(log.events.last(), Some(RunUpdate::RunFinished { .. })))
            .map(|(id, _)| *id)
            .collect();
        finished.sort_unstable();
        let excess = finished.len().saturating_sub(KEPT);
        for id in &finished[..excess] {
            logs.remove(id);
        }
        logs.insert(run_id, RunLog { events: Vec::new(), live });
    }

    fn publish(&self, run_id: i64, update: RunUpdate) {
        // Appending and sending under one lock: a subscriber either finds the update in
        // the log or receives it live, never both and never neither.
        let mut logs = self.logs.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(log) = logs.get_mut(&run_id) {
            log.events.push(update.clone());
            let _ = log.live.send(update);
        }
    }

    /// The run's updates so far and a receiver of the ones to come; `None` for a run
    /// this process did not start (one from before a restart).
    pub fn subscribe(&self, run_id: i64) -> Option<(Vec<RunUpdate>, broadcast::Receiver<RunUpdate>)> {
        let logs = self.logs.lock().unwrap_or_else(|e| e.into_inner());
        logs.get(&run_id).map(|log| (log.events.clone(), log.live.subscribe()))
    }
}

/// Records a run and starts it in the background on `tasks`; its id.
#[allow(clippy::too_many_arguments)]
pub async fn start(
    db: &SqlitePool,
    runs: Arc<Runs>,
    tasks: &tokio_util::task::TaskTracker,
    engine: Arc<dyn Engine>,
    assignment_id: i64,
    kind: &str,
    started_by: Option<i64>,
    targets: Vec<Target>,
    workers: usize,
    shutdown: CancellationToken,
) -> Result<i64, ApiError> {
    let run_id = sqlx::query(
        "INSERT INTO grading_runs (assignment_id, kind, started_by, started_at) VALUES (?, ?, ?, ?)",
    )
    .bind(assignment_id)
    .bind(kind)
    .bind(started_by)
    .bind(now())
    .execute(db)
    .await?
    .last_insert_rowid();
    runs.open(run_id);
    let db = db.clone();
    tasks.spawn(async move {
        execute(&db, &runs, engine, run_id, started_by, targets, workers, shutdown, None).await;
    });
    Ok(run_id)
}

/// Something done to each instance after it is graded (the deadline run saves its
/// configuration).
pub type AfterEach = Arc<
    dyn Fn(Arc<dyn Engine>, Target, i64) -> futures::future::BoxFuture<'static, Result<(), ApiError>>
        + Send
        + Sync,
>;

/// Grades every target, `workers` at a time, and marks the run finished. A target
/// whose instance is missing or broken is reported and skipped; the run goes on.
#[allow(clippy::too_many_arguments)]
pub async fn execute(
    db: &SqlitePool,
    runs: &Arc<Runs>,
    engine: Arc<dyn Engine>,
    run_id: i64,
    ran_by: Option<i64>,
    targets: Vec<Target>,
    workers: usize,
    shutdown: CancellationToken,
    after_each: Option<AfterEach>,
) {
    runs.publish(run_id, RunUpdate::RunStarted { run_id, students: targets.len() });
    let slots = Arc::new(Semaphore::new(workers.max(1)));
    let mut jobs = tokio::task::JoinSet::new();
    for target in targets {
        let (db, runs, engine, slots, cancel, after_each) =
            (db.clone(), runs.clone(), engine.clone(), slots.clone(), shutdown.clone(), after_each.clone());
        jobs.spawn(async move {
            let Ok(_slot) = slots.acquire_owned().await else { return false };
            let student_id = target.student_id;
            runs.publish(
                run_id,
                RunUpdate::StudentStarted { student_id, instance: target.instance.to_string() },
            );
            let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
            let forward = {
                let runs = runs.clone();
                tokio::spawn(async move {
                    while let Some(event) = rx.recv().await {
                        runs.publish(run_id, RunUpdate::Check { student_id, event });
                    }
                })
            };
            let how = Grading { ran_by, run_id: Some(run_id), student_view: false };
            let result = grade_and_store(&db, engine.clone(), &target, how, Some(tx), cancel).await;
            // The grading call dropped its sender: every check event is forwarded
            // before the student's last update.
            let _ = forward.await;
            let result = match (result, &after_each) {
                (Ok((report_id, report)), Some(after)) => {
                    after(engine, target.clone(), run_id).await.map(|()| (report_id, report))
                }
                (result, _) => result,
            };
            match result {
                Ok((report_id, report)) => {
                    runs.publish(
                        run_id,
                        RunUpdate::StudentGraded { student_id, report_id, percent: report.score.percent },
                    );
                    true
                }
                Err(error) => {
                    let (code, reason) = describe(&error);
                    if let ApiError::Internal(cause) = &error {
                        tracing::error!(run = run_id, student = student_id, %cause, "grading failed");
                    }
                    runs.publish(run_id, RunUpdate::StudentSkipped { student_id, code, reason });
                    false
                }
            }
        });
    }
    let (mut graded, mut failed) = (0, 0);
    while let Some(done) = jobs.join_next().await {
        match done {
            Ok(true) => graded += 1,
            _ => failed += 1,
        }
    }
    if shutdown.is_cancelled() {
        // Stopped half-way: the run stays unfinished in the database, so a deadline run
        // is finished at the next start for the students it has no report of.
        tracing::info!(run = run_id, graded, "grading run stopped by shutdown");
        runs.publish(run_id, RunUpdate::RunFinished { run_id, graded, failed });
        return;
    }
    let finished =
        sqlx::query("UPDATE grading_runs SET finished_at = ?, graded = ?, failed = ? WHERE id = ?")
            .bind(now())
            .bind(graded as i64)
            .bind(failed as i64)
            .bind(run_id)
            .execute(db)
            .await;
    if let Err(error) = finished {
        tracing::error!(run = run_id, %error, "could not mark the grading run finished");
    }
    tracing::info!(run = run_id, graded, failed, "grading run finished");
    runs.publish(run_id, RunUpdate::RunFinished { run_id, graded, failed });
}

/// The code and sentence a skipped student is reported with; internal causes are
/// logged, not streamed.
fn describe(error: &ApiError) -> (String, String) {
    let code = match error {
        ApiError::NoInstance => "no_instance",
        ApiError::InstanceBroken(_) => "instance_broken",
        ApiError::EngineUnavailable => "engine_unavailable",
        _ => "internal",
    };
    (code.to_string(), error.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_late_subscriber_gets_the_log_and_old_finished_logs_are_dropped() {
        let runs = Runs::default();
        for id in 0..(KEPT as i64 + 10) {
            runs.open(id);
            runs.publish(id, RunUpdate::RunStarted { run_id: id, students: 1 });
            runs.publish(id, RunUpdate::RunFinished { run_id: id, graded: 1, failed: 0 });
        }
        runs.open(1000);
        runs.publish(1000, RunUpdate::RunStarted { run_id: 1000, students: 2 });
        let (log, _) = runs.subscribe(1000).expect("a running run");
        assert_eq!(log.len(), 1);
        assert!(runs.subscribe(0).is_none(), "the oldest finished log is gone");
        assert!(runs.subscribe(KEPT as i64 + 9).is_some(), "a recent one is kept");
    }
}
