//! Grading's part of `/metrics`, read from the database at scrape time so it is right
//! after a restart: stored reports by view, how long grading took, runs still going.

use std::fmt::Write as _;

use sqlx::SqlitePool;

use crate::service::metrics::MetricsSource;

/// Registered by `Service::open`.
pub struct GradingMetrics;

#[async_trait::async_trait]
impl MetricsSource for GradingMetrics {
    async fn write(&self, db: &SqlitePool, out: &mut String) -> Result<(), String> {
        let by_view: Vec<(bool, i64, i64)> = sqlx::query_as(
            "SELECT student_view, COUNT(*), COALESCE(SUM(duration_ms), 0) FROM reports GROUP BY student_view",
        )
        .fetch_all(db)
        .await
        .map_err(|e| e.to_string())?;
        let running: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM grading_runs WHERE finished_at IS NULL")
            .fetch_one(db)
            .await
            .map_err(|e| e.to_string())?;
        let view = |student: bool| if student { "student" } else { "full" };
        let _ =
            writeln!(out, "# HELP asbuilt_reports Stored grading reports, by view (student: check my work).");
        let _ = writeln!(out, "# TYPE asbuilt_reports gauge");
        for student in [false, true] {
            let count = by_view.iter().find(|r| r.0 == student).map_or(0, |r| r.1);
            let _ = writeln!(out, "asbuilt_reports{{view=\"{}\"}} {count}", view(student));
        }
        let _ = writeln!(out, "# HELP asbuilt_grading_duration_seconds Time spent grading one instance.");
        let _ = writeln!(out, "# TYPE asbuilt_grading_duration_seconds summary");
        for student in [false, true] {
            let (count, ms) = by_view.iter().find(|r| r.0 == student).map_or((0, 0), |r| (r.1, r.2));
            let label = view(student);
            let _ = writeln!(
                out,
                "asbuilt_grading_duration_seconds_sum{{view=\"{label}\"}} {}",
                ms as f64 / 1000.0
            );
            let _ = writeln!(out, "asbuilt_grading_duration_seconds_count{{view=\"{label}\"}} {count}");
        }
        let _ = writeln!(out, "# HELP asbuilt_grading_runs_running Grading runs not finished.");
        let _ = writeln!(out, "# TYPE asbuilt_grading_runs_running gauge");
        let _ = writeln!(out, "asbuilt_grading_runs_running {running}");
        Ok(())
    }
}
