//! A grader's scores for the rubric of an assignment's lab, kept per student and item,
//! and put into that student's stored reports so that every report, list and export of
//! the service shows the score with them.
//!
//! Writes that touch the scores and the reports take SQLite's write lock first
//! (`BEGIN IMMEDIATE`): a report stored while a grader scores gets the scores either
//! way, never a mix.

use sqlx::SqlitePool;

use crate::checks::report::{Report, ScoredItem};
use crate::checks::rubric::{self, ItemScore, RubricScores};
use crate::service::authz::AssignmentRow;
use crate::service::error::ApiError;
use crate::service::routes::labs::student_design;
use crate::service::time::now;

/// The scores given so far for one student of an assignment.
pub async fn given<'e>(
    db: impl sqlx::SqliteExecutor<'e>,
    assignment_id: i64,
    student_id: i64,
) -> Result<RubricScores, ApiError> {
    let rows: Vec<(String, f64, Option<String>)> = sqlx::query_as(
        "SELECT item, points, comment FROM rubric_scores WHERE assignment_id = ? AND student_id = ? ORDER BY item",
    )
    .bind(assignment_id)
    .bind(student_id)
    .fetch_all(db)
    .await?;
    Ok(rows
        .into_iter()
        .map(|(item, points, comment)| (item, ItemScore::WithComment { points, comment }))
        .collect())
}

/// Stores a grader's scores for one student and puts them into every stored report of
/// theirs for the assignment. Refused whole (400, every problem named) when a score is
/// for no item of the rubric or out of its range.
pub async fn give(
    db: &SqlitePool,
    assignment: &AssignmentRow,
    student_id: i64,
    grader_id: i64,
    scores: &RubricScores,
) -> Result<(), ApiError> {
    let design = student_design(db, assignment.lab_version_id, student_id).await?;
    let items: Vec<ScoredItem> = design.rubric.iter().map(ScoredItem::unscored).collect();
    let problems = rubric::problems(&items, &design.lab, scores);
    if !problems.is_empty() {
        return Err(ApiError::BadRequest(problems.join("; ")));
    }
    let mut tx = db.begin_with("BEGIN IMMEDIATE").await?;
    let at = now();
    for (item, score) in scores {
        sqlx::query(
            "INSERT INTO rubric_scores (assignment_id, student_id, item, points, comment, scored_by, scored_at) \
             VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (assignment_id, student_id, item) DO UPDATE SET \
             points = excluded.points, comment = excluded.comment, scored_by = excluded.scored_by, \
             scored_at = excluded.scored_at",
        )
        .bind(assignment.id)
        .bind(student_id)
        .bind(item)
        .bind(score.points())
        .bind(score.comment())
        .bind(grader_id)
        .bind(at)
        .execute(&mut *tx)
        .await?;
    }
    let all = given(&mut *tx, assignment.id, student_id).await?;
    let reports: Vec<(i64, String)> =
        sqlx::query_as("SELECT id, report_json FROM reports WHERE assignment_id = ? AND student_id = ?")
            .bind(assignment.id)
            .bind(student_id)
            .fetch_all(&mut *tx)
            .await?;
    for (id, json) in reports {
        let mut report: Report = serde_json::from_str(&json)
            .map_err(|e| ApiError::Internal(format!("stored report {id}: {e}")))?;
        put_into(&mut report, &all, Some(id));
        let json =
            serde_json::to_string(&report).map_err(|e| ApiError::Internal(format!("report json: {e}")))?;
        sqlx::query("UPDATE reports SET earned = ?, possible = ?, percent = ?, report_json = ? WHERE id = ?")
            .bind(report.score.earned)
            .bind(report.score.possible)
            .bind(report.score.percent)
            .bind(json)
            .bind(id)
            .execute(&mut *tx)
            .await?;
    }
    tx.commit().await?;
    tracing::info!(
        assignment = assignment.id,
        student = student_id,
        grader = grader_id,
        items = scores.len(),
        "rubric scored"
    );
    Ok(())
}

/// Puts the scores into a report. They were checked against the rubric of the same lab
/// version when given, so a refusal here means a stored report that is not of it:
/// logged, and the report left as it was.
pub fn put_into(report: &mut Report, scores: &RubricScores, report_id: Option<i64>) {
    if scores.is_empty() {
        return;
    }
    if let Err(problems) = report.score_rubric(scores) {
        tracing::error!(report = ?report_id, problems = %problems.join("; "), "rubric scores do not fit a stored report");
    }
}
