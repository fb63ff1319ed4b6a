//! A class's latest results of an assignment: for each student the newest full report
//! (a grader's, a teacher's or the deadline run's; a student's own "check my work" is
//! practice and left out), per check and per work process, as JSON or CSV.

use serde::Serialize;
use sqlx::SqlitePool;
use utoipa::ToSchema;

use crate::checks::report::Report;
use crate::design::Lang;
use crate::service::error::ApiError;
use crate::service::time::format_rfc3339;

/// One student's latest results.
#[derive(Debug, Serialize, ToSchema)]
pub struct StudentResults {
    pub student_id: i64,
    pub student_number: Option<String>,
    pub name: String,
    pub report_id: i64,
    /// RFC 3339, UTC.
    pub graded_at: String,
    pub earned: f64,
    pub possible: f64,
    pub percent: f64,
    pub work_processes: Vec<WorkProcessResult>,
    pub checks: Vec<CheckResult>,
}

/// The score of one work process.
#[derive(Debug, Serialize, ToSchema)]
pub struct WorkProcessResult {
    pub code: String,
    pub earned: f64,
    pub possible: f64,
    pub percent: f64,
}

/// The outcome of one check.
#[derive(Debug, Serialize, ToSchema)]
pub struct CheckResult {
    pub id: String,
    pub title: String,
    /// `pass`, `fail`, `error` or `skipped`; for a rubric item (`rubric/ID`), `scored`
    /// or `pending`.
    pub status: String,
    pub earned: f64,
    pub weight: f64,
    /// The work processes the check counts for.
    pub work_processes: Vec<String>,
}

/// The latest full report of each student of the assignment who has one.
pub async fn latest(db: &SqlitePool, assignment_id: i64) -> Result<Vec<StudentResults>, ApiError> {
    let rows: Vec<(i64, Option<String>, String, i64, i64, String)> = sqlx::query_as(
        "SELECT u.id, u.student_number, u.display_name, r.id, r.ran_at, r.report_json FROM reports r \
         JOIN users u ON u.id = r.student_id \
         WHERE r.id IN (SELECT MAX(id) FROM reports WHERE assignment_id = ? AND student_view = 0 GROUP BY student_id) \
         ORDER BY u.student_number, u.id",
    )
    .bind(assignment_id)
    .fetch_all(db)
    .await?;
    rows.into_iter()
        .map(|(student_id, student_number, name, report_id, ran_at, json)| {
            let report: Report = serde_json::from_str(&json)
                .map_err(|e| ApiError::Internal(format!("stored report {report_id}: {e}")))?;
            let lang = report.language;
            Ok(StudentResults {
                student_id,
                student_number,
                name,
                report_id,
                graded_at: format_rfc3339(ran_at),
                earned: report.score.earned,
                possible: report.score.possible,
                percent: report.score.percent,
                work_processes: report
                    .work_processes
                    .iter()
                    .map(|w| WorkProcessResult {
                        code: w.code.clone(),
                        earned: w.score.earned,
                        possible: w.score.possible,
                        percent: w.score.percent,
                    })
                    .collect(),
                checks: report
                    .checks
                    .iter()
                    .map(|c| CheckResult {
                        id: c.id.clone(),
                        title: c.title.get(lang).or(c.title.get(Lang::En)).unwrap_or_default().to_string(),
                        status: c.status.name().to_string(),
                        earned: c.earned,
                        weight: c.weight,
                        work_processes: c.trains.iter().map(|t| t.to_string()).collect(),
                    })
                    // Rubric items are rows like checks, so an export carries the whole
                    // score: `rubric/ID`, `scored` or `pending`.
                    .chain(report.rubric.iter().map(|i| {
                        CheckResult {
                            id: format!("rubric/{}", i.id),
                            title: i
                                .criterion
                                .get(lang)
                                .or(i.criterion.get(Lang::En))
                                .unwrap_or_default()
                                .to_string(),
                            status: if i.earned.is_some() { "scored" } else { "pending" }.to_string(),
                            earned: i.earned.unwrap_or(0.0),
                            weight: i.points,
                            work_processes: i.trains.iter().map(|t| t.to_string()).collect(),
                        }
                    }))
                    .collect(),
            })
        })
        .collect()
}

/// One row per student and check.
pub fn checks_csv(results: &[StudentResults]) -> String {
    let mut out = csv::Writer::from_writer(Vec::new());
    let _ = out.write_record([
        "student_number",
        "name",
        "report_id",
        "graded_at",
        "check",
        "title",
        "status",
        "earned",
        "weight",
        "work_processes",
    ]);
    for s in results {
        for c in &s.checks {
            let _ = out.write_record([
                s.student_number.clone().unwrap_or_default(),
                s.name.clone(),
                s.report_id.to_string(),
                s.graded_at.clone(),
                c.id.clone(),
                c.title.clone(),
                c.status.clone(),
                c.earned.to_string(),
                c.weight.to_string(),
                c.work_processes.join(" "),
            ]);
        }
    }
    into_string(out)
}

/// One row per student and work process, and one with the student's total.
pub fn work_processes_csv(results: &[StudentResults]) -> String {
    let mut out = csv::Writer::from_writer(Vec::new());
    let _ = out.write_record([
        "student_number",
        "name",
        "report_id",
        "graded_at",
        "work_process",
        "earned",
        "possible",
        "percent",
    ]);
    for s in results {
        let total = ("total".to_string(), s.earned, s.possible, s.percent);
        let rows = s.work_processes.iter().map(|w| (w.code.clone(), w.earned, w.possible, w.percent));
        for (code, earned, possible, percent) in rows.chain(std::iter::once(total)) {
            let _ = out.write_record([
                s.student_number.clone().unwrap_or_default(),
                s.name.clone(),
                s.report_id.to_string(),
                s.graded_at.clone(),
                code,
                earned.to_string(),
                possible.to_string(),
                percent.to_string(),
            ]);
        }
    }
    into_string(out)
}

fn into_string(writer: csv::Writer<Vec<u8>>) -> String {
    // Writing to memory cannot fail, and every field is a Rust string (UTF-8).
    writer.into_inner().map(|bytes| String::from_utf8_lossy(&bytes).into_owned()).unwrap_or_default()
}
