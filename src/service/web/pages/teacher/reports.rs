//! `/teach/reports/{id}`: one stored report with every check's expectation, what was
//! observed and the evidence, for those who may grade its assignment.

use axum::Router;
use axum::extract::{Path, State};
use axum::http::Uri;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use serde::Serialize;

use super::staff;
use crate::checks::report::Report;
use crate::service::authz::{self, Access};
use crate::service::error::ApiError;
use crate::service::state::AppState;
use crate::service::time::format_rfc3339;
use crate::service::web::i18n::PageLang;
use crate::service::web::render::page_path;
use crate::service::web::render::{Page, PageError};
use crate::service::web::signed_in::SignedIn;

pub fn router() -> Router<AppState> {
    Router::new().route("/teach/reports/{id}", get(report_page))
}

#[derive(Serialize)]
struct CheckLine {
    id: String,
    title: String,
    status: String,
    earned: f64,
    weight: f64,
    trains: Vec<String>,
    expected: Option<String>,
    observed: Option<String>,
    reason: Option<String>,
    evidence: Vec<(String, String)>,
}

async fn report_page(
    State(state): State<AppState>,
    SignedIn(user): SignedIn,
    lang: PageLang,
    uri: Uri,
    Path(id): Path<i64>,
) -> Response {
    let path = page_path(&uri);
    match content(&state, &user, id, lang).await {
        Ok(context) => {
            let mut page = Page::new("teacher/report.html", lang, Some(&user), &path);
            for (key, value) in context {
                page = page.with(key, &value);
            }
            page.render()
        }
        Err(error) => PageError::new(error, lang, &path).into_response(),
    }
}

async fn content(
    state: &AppState,
    user: &crate::service::auth::CurrentUser,
    id: i64,
    lang: PageLang,
) -> Result<Vec<(&'static str, serde_json::Value)>, ApiError> {
    staff(user)?;
    let row = authz::report(&state.db, user, id).await?;
    let assignment = authz::assignment(&state.db, user, row.assignment_id, Access::Read).await?;
    let report: Report = serde_json::from_str(&row.report_json)
        .map_err(|e| ApiError::Internal(format!("stored report {id}: {e}")))?;
    let student: (String, Option<String>) =
        sqlx::query_as("SELECT display_name, student_number FROM users WHERE id = ?")
            .bind(row.student_id)
            .fetch_one(&state.db)
            .await?;
    let text = |t: &Option<crate::design::Text>| t.as_ref().and_then(|t| t.get(lang.0)).map(str::to_string);
    let checks: Vec<CheckLine> = report
        .checks
        .iter()
        .map(|c| CheckLine {
            id: c.id.clone(),
            title: c.title.get(lang.0).unwrap_or_default().to_string(),
            status: c.status.name().to_string(),
            earned: c.earned,
            weight: c.weight,
            trains: c.trains.iter().map(|t| t.0.clone()).collect(),
            expected: text(&c.expected),
            observed: text(&c.observed),
            reason: text(&c.reason),
            evidence: c.evidence.iter().map(|e| (e.method.clone(), e.raw.clone())).collect(),
        })
        .collect();
    // The faults this student's lab started with (drawn from a pool, for some labs):
    // what the grader needs to judge a ticket's diagnosis. Staff only, as is this page.
    let design =
        crate::service::routes::labs::student_design(&state.db, assignment.lab_version_id, row.student_id)
            .await?;
    let faults: Vec<serde_json::Value> = design
        .faults
        .iter()
        .map(|f| serde_json::json!({ "fault": f.kind.to_string(), "note": f.note }))
        .collect();
    // The rubric with the student's texts beside it, to score while reading them.
    let texts =
        crate::service::routes::hand_ins::texts_of(&state.db, row.assignment_id, row.student_id).await?;
    let rubric: Vec<serde_json::Value> = report
        .rubric
        .iter()
        .map(|i| {
            serde_json::json!({
                "id": i.id,
                "criterion": i.criterion.get(lang.0).unwrap_or_default(),
                "points": i.points,
                // As text for the form's field: "" until scored.
                "earned": i.earned.map(|e| e.to_string()).unwrap_or_default(),
                "comment": i.comment.clone().unwrap_or_default(),
                "about": i.about,
                "text": i.about.as_ref().and_then(|a| texts.get(a)).filter(|t| !t.trim().is_empty()),
            })
        })
        .collect();
    let json = |v: serde_json::Value| v;
    let work_processes = report
        .work_processes
        .iter()
        .map(|w| {
            serde_json::json!({ "code": w.code, "name": w.name.get(lang.0).unwrap_or_default(),
                "earned": w.score.earned, "possible": w.score.possible, "percent": w.score.percent })
        })
        .collect();
    Ok(vec![
        ("report_id", json(id.into())),
        ("assignment", serde_json::json!({ "id": assignment.id, "title": assignment.title })),
        ("student", serde_json::json!({ "id": row.student_id, "name": student.0, "number": student.1 })),
        ("rubric", serde_json::Value::Array(rubric)),
        ("faults", serde_json::Value::Array(faults)),
        ("ran_at", format_rfc3339(row.ran_at).into()),
        ("student_view", row.student_view.into()),
        ("score", serde_json::to_value(report.score).unwrap_or_default()),
        ("work_processes", serde_json::Value::Array(work_processes)),
        ("checks", serde_json::to_value(&checks).unwrap_or_default()),
    ])
}
