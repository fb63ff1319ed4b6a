//! Grading in the service: one instance graded and its report stored, whoever asked.
//!
//! - `limit.rs`: the per-student rate limit of "check my work".
//! - `runs.rs`: grading runs over a class in the background, and their event logs
//!   that the progress streams read.
//! - `deadline.rs`: the run at each assignment's deadline, exactly once.
//! - `export.rs`: a class's latest results per check and per work process.
//! - `metrics.rs`: reports, grading durations and running runs for `/metrics`.
//!
//! Every caller grades through [`grade_and_store`], which refuses an instance whose
//! infrastructure is broken (as `asbuilt check` does) and stores the report as
//! `checks::report::Report` serializes it.

pub mod deadline;
pub mod export;
pub mod limit;
pub mod metrics;
pub mod rubric;
pub mod runs;

use std::sync::Arc;

use sqlx::SqlitePool;
use tokio::sync::mpsc::UnboundedSender;
use tokio_util::sync::CancellationToken;

use crate::checks::events::RunEvent;
use crate::checks::grade::{GradeOptions, grade};
use crate::checks::report::Report;
use crate::engine::Engine;
use crate::engine::access::InstanceAccess;
use crate::plan::InstanceId;
use crate::service::error::ApiError;
use crate::service::instances::{instance_for, student_key};
use crate::service::time::{format_rfc3339, now};

/// One student's instance of an assignment.
#[derive(Debug, Clone)]
pub struct Target {
    pub assignment_id: i64,
    pub student_id: i64,
    pub instance: InstanceId,
}

/// The lab name an assignment's instances are named after.
pub async fn lab_name(db: &SqlitePool, assignment_id: i64) -> Result<String, ApiError> {
    sqlx::query_scalar(
        "SELECT l.name FROM assignments a JOIN lab_versions v ON v.id = a.lab_version_id \
         JOIN labs l ON l.id = v.lab_id WHERE a.id = ?",
    )
    .bind(assignment_id)
    .fetch_optional(db)
    .await?
    .ok_or(ApiError::NotFound)
}

/// The target of one student, who must be in the assignment's class.
pub async fn target(
    db: &SqlitePool,
    prefix: &str,
    assignment_id: i64,
    student_id: i64,
) -> Result<Target, ApiError> {
    let targets = targets(db, prefix, assignment_id).await?;
    targets.into_iter().find(|t| t.student_id == student_id).ok_or(ApiError::NotFound)
}

/// Every student of the assignment's class, with their instance's name.
/// `prefix` is the service's `lab-prefix`, under which the lifecycle deployed them.
pub async fn targets(db: &SqlitePool, prefix: &str, assignment_id: i64) -> Result<Vec<Target>, ApiError> {
    let lab = lab_name(db, assignment_id).await?;
    let students: Vec<(i64, Option<String>)> = sqlx::query_as(
        "SELECT u.id, u.student_number FROM users u JOIN class_students s ON s.user_id = u.id \
         JOIN assignments a ON a.class_id = s.class_id WHERE a.id = ? ORDER BY u.id",
    )
    .bind(assignment_id)
    .fetch_all(db)
    .await?;
    Ok(students
        .into_iter()
        .map(|(student_id, number)| Target {
            assignment_id,
            student_id,
            instance: instance_for(prefix, &lab, assignment_id, &student_key(number.as_deref(), student_id)),
        })
        .collect())
}

/// Who graded and how.
#[derive(Debug, Clone, Copy)]
pub struct Grading {
    /// The account that asked; `None` for the service's own deadline run.
    pub ran_by: Option<i64>,
    pub run_id: Option<i64>,
    pub student_view: bool,
}

/// Grades one instance against the design in its record and stores the report; the
/// stored report's id. Refuses an instance whose infrastructure is broken: that is no
/// student's doing, and a score of it would be wrong.
pub async fn grade_and_store(
    db: &SqlitePool,
    engine: Arc<dyn Engine>,
    target: &Target,
    how: Grading,
    events: Option<UnboundedSender<RunEvent>>,
    cancel: CancellationToken,
) -> Result<(i64, Report), ApiError> {
    let record = engine.record(&target.instance).await?;
    let problems = engine.health(&target.instance).await?;
    if !problems.is_empty() {
        return Err(ApiError::InstanceBroken(problems.iter().map(ToString::to_string).collect()));
    }
    let access = InstanceAccess::open(engine, &target.instance).await?;
    let options = GradeOptions { student_view: how.student_view, ..GradeOptions::at(format_rfc3339(now())) };
    let started = std::time::Instant::now();
    let mut report = grade(Arc::new(access), record.design, options, events, cancel)
        .await
        .map_err(|e| ApiError::Internal(e.to_string()))?;
    let id = store(db, target, how, &mut report, started.elapsed()).await?;
    Ok((id, report))
}

/// Stores the report with the rubric scores a grader gave so far put in (under the
/// write lock, so a score given meanwhile is not missed).
async fn store(
    db: &SqlitePool,
    target: &Target,
    how: Grading,
    report: &mut Report,
    took: std::time::Duration,
) -> Result<i64, ApiError> {
    let mut tx = db.begin_with("BEGIN IMMEDIATE").await?;
    let scores = rubric::given(&mut *tx, target.assignment_id, target.student_id).await?;
    rubric::put_into(report, &scores, None);
    let json = serde_json::to_string(report).map_err(|e| ApiError::Internal(format!("report json: {e}")))?;
    let id = sqlx::query(
        "INSERT INTO reports (assignment_id, student_id, run_id, instance, ran_by, ran_at, student_view, \
         earned, possible, percent, duration_ms, report_json) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
    )
    .bind(target.assignment_id)
    .bind(target.student_id)
    .bind(how.run_id)
    .bind(target.instance.as_str())
    .bind(how.ran_by)
    .bind(now())
    .bind(how.student_view)
    .bind(report.score.earned)
    .bind(report.score.possible)
    .bind(report.score.percent)
    .bind(took.as_millis() as i64)
    .bind(json)
    .execute(&mut *tx)
    .await?
    .last_insert_rowid();
    tx.commit().await?;
    Ok(id)
}
