//! The deadline run: when an assignment's deadline passes, every student's instance
//! that exists is graded and its running configuration saved (`asbuilt save`), both
//! stored as evidence.
//!
//! Exactly once: the run is claimed by inserting its `grading_runs` row, which a unique
//! index allows once per assignment. A service that was down at the deadline claims it
//! at its next start; one killed during the run finishes it at its next start, grading
//! only the students the run has no report of yet.

use std::collections::HashSet;
use std::sync::Arc;
use std::time::Duration;

use sqlx::SqlitePool;

use super::runs::{AfterEach, execute};
use super::{Target, targets};
use crate::engine::{Engine, save};
use crate::service::error::ApiError;
use crate::service::state::AppState;
use crate::service::time::now;

/// How often the service looks for a deadline that passed: a run starts at most this
/// late, and the query is cheap.
const POLL: Duration = Duration::from_secs(1);

/// Watches for deadlines until the service shuts down. Without an engine there is
/// nothing to grade: no run is claimed, so the next start with an engine does them.
pub fn spawn(state: &AppState) {
    let Some(engine) = state.engine.clone() else {
        tracing::warn!("no lab engine: deadline runs wait for a start with one");
        return;
    };
    let state = state.clone();
    state.tasks.clone().spawn(async move {
        if let Err(error) = resume_unfinished(&state, &engine).await {
            tracing::error!(%error, "could not resume unfinished deadline runs");
        }
        loop {
            if let Err(error) = claim_due(&state, &engine).await {
                tracing::error!(%error, "deadline runs");
            }
            tokio::select! {
                _ = state.shutdown.cancelled() => break,
                _ = tokio::time::sleep(POLL) => {}
            }
        }
    });
}

/// Claims and runs each assignment whose deadline passed and has no deadline run.
async fn claim_due(state: &AppState, engine: &Arc<dyn Engine>) -> Result<(), ApiError> {
    let due: Vec<i64> = sqlx::query_scalar(
        "SELECT a.id FROM assignments a WHERE a.deadline <= ? AND NOT EXISTS \
         (SELECT 1 FROM grading_runs r WHERE r.assignment_id = a.id AND r.kind = 'deadline') ORDER BY a.deadline",
    )
    .bind(now())
    .fetch_all(&state.db)
    .await?;
    for assignment_id in due {
        // OR IGNORE: another claim got there first (the unique index); then it is theirs.
        let claimed = sqlx::query(
            "INSERT OR IGNORE INTO grading_runs (assignment_id, kind, started_at) VALUES (?, 'deadline', ?)",
        )
        .bind(assignment_id)
        .bind(now())
        .execute(&state.db)
        .await?;
        if claimed.rows_affected() == 1 {
            let run_id = claimed.last_insert_rowid();
            tracing::info!(
                assignment = assignment_id,
                run = run_id,
                "deadline passed: grading every instance"
            );
            run(state, engine, assignment_id, run_id).await?;
        }
    }
    Ok(())
}

/// Finishes the deadline runs a stopped service left unfinished.
async fn resume_unfinished(state: &AppState, engine: &Arc<dyn Engine>) -> Result<(), ApiError> {
    let unfinished: Vec<(i64, i64)> = sqlx::query_as(
        "SELECT id, assignment_id FROM grading_runs WHERE kind = 'deadline' AND finished_at IS NULL",
    )
    .fetch_all(&state.db)
    .await?;
    for (run_id, assignment_id) in unfinished {
        tracing::info!(assignment = assignment_id, run = run_id, "finishing a deadline run");
        run(state, engine, assignment_id, run_id).await?;
    }
    Ok(())
}

/// Grades and saves every existing instance of the assignment the run has no report
/// of yet.
async fn run(
    state: &AppState,
    engine: &Arc<dyn Engine>,
    assignment_id: i64,
    run_id: i64,
) -> Result<(), ApiError> {
    let existing: HashSet<String> =
        engine.instances().await?.into_iter().map(|i| i.instance.to_string()).collect();
    let done: HashSet<i64> = sqlx::query_scalar("SELECT student_id FROM reports WHERE run_id = ?")
        .bind(run_id)
        .fetch_all(&state.db)
        .await?
        .into_iter()
        .collect();
    let todo: Vec<Target> = targets(&state.db, &state.config.lab_prefix, assignment_id)
        .await?
        .into_iter()
        .filter(|t| existing.contains(t.instance.as_str()) && !done.contains(&t.student_id))
        .collect();
    let db = state.db.clone();
    let save_each: AfterEach = Arc::new(move |engine, target, run_id| {
        let db = db.clone();
        Box::pin(async move { save_config(&db, engine.as_ref(), &target, run_id).await })
    });
    state.runs.open_if_absent(run_id);
    execute(
        &state.db,
        &state.runs,
        engine.clone(),
        run_id,
        None,
        todo,
        state.config.grading_workers,
        state.shutdown.clone(),
        Some(save_each),
    )
    .await;
    Ok(())
}

/// Reads the instance's running configuration and stores it.
pub async fn save_config(
    db: &SqlitePool,
    engine: &dyn Engine,
    target: &Target,
    run_id: i64,
) -> Result<(), ApiError> {
    let files = save::save(engine, &target.instance).await?;
    let files: Vec<serde_json::Value> = files
        .into_iter()
        .map(|f| serde_json::json!({ "node": f.node, "name": f.name, "content": f.content }))
        .collect();
    sqlx::query(
        "INSERT INTO saved_configs (assignment_id, student_id, run_id, instance, saved_at, files_json) \
         VALUES (?, ?, ?, ?, ?, ?)",
    )
    .bind(target.assignment_id)
    .bind(target.student_id)
    .bind(run_id)
    .bind(target.instance.as_str())
    .bind(now())
    .bind(serde_json::Value::Array(files).to_string())
    .execute(db)
    .await?;
    Ok(())
}
