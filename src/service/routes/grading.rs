//! Grading over HTTP: a student's "check my work", grading runs over a class with
//! their progress as server-sent events, stored reports, and a class's results.

use std::convert::Infallible;

use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::sse::{Event, KeepAlive, Sse};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use futures::{Stream, StreamExt};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::checks::report::Report;
use crate::service::auth::{CurrentUser, Role};
use crate::service::authz::{self, Access, ReportRow, RunRow};
use crate::service::error::{ApiError, ErrorBody};
use crate::service::grading::runs::{self, RunUpdate};
use crate::service::grading::{self, Grading, export};
use crate::service::state::AppState;
use crate::service::time::format_rfc3339;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/api/assignments/{id}/check", post(check_my_work))
        .route("/api/assignments/{id}/runs", post(start_run))
        .route("/api/assignments/{id}/reports", get(list_reports))
        .route("/api/assignments/{id}/results", get(results))
        .route("/api/assignments/{id}/saved-configs", get(saved_configs))
        .route("/api/runs/{id}", get(show_run))
        .route("/api/runs/{id}/events", get(run_events))
        .route("/api/reports/{id}", get(show_report))
}

/// A stored report.
#[derive(Debug, Serialize, ToSchema)]
pub struct ReportView {
    pub id: i64,
    pub assignment_id: i64,
    pub student_id: i64,
    /// Who asked for it; `null` for the service's deadline run.
    pub ran_by: Option<i64>,
    /// RFC 3339, UTC.
    pub ran_at: String,
    pub student_view: bool,
    pub percent: f64,
    /// The report as `asbuilt check --json` prints it, evidence included. A student
    /// always gets the student view of it.
    #[schema(value_type = Object)]
    pub report: serde_json::Value,
}

/// A report in a list, without its body.
#[derive(Debug, Serialize, ToSchema, sqlx::FromRow)]
pub struct ReportSummary {
    pub id: i64,
    pub student_id: i64,
    pub run_id: Option<i64>,
    pub ran_by: Option<i64>,
    pub ran_at: i64,
    pub student_view: bool,
    pub earned: f64,
    pub possible: f64,
    pub percent: f64,
}

/// What to grade in a run: one student, or the whole class when left out.
#[derive(Debug, Default, Deserialize, ToSchema)]
pub struct NewRun {
    pub student_id: Option<i64>,
}

/// A run that started.
#[derive(Debug, Serialize, ToSchema)]
pub struct RunStarted {
    pub run_id: i64,
    /// Where its progress streams (server-sent events).
    pub events: String,
}

/// A grading run.
#[derive(Debug, Serialize, ToSchema)]
pub struct RunView {
    pub id: i64,
    pub assignment_id: i64,
    /// `class`, `student` or `deadline`.
    pub kind: String,
    pub started_by: Option<i64>,
    pub started_at: String,
    /// `null` while it runs.
    pub finished_at: Option<String>,
    pub graded: i64,
    pub failed: i64,
}

impl From<RunRow> for RunView {
    fn from(row: RunRow) -> RunView {
        RunView {
            id: row.id,
            assignment_id: row.assignment_id,
            kind: row.kind,
            started_by: row.started_by,
            started_at: format_rfc3339(row.started_at),
            finished_at: row.finished_at.map(format_rfc3339),
            graded: row.graded,
            failed: row.failed,
        }
    }
}

/// How to export results.
#[derive(Debug, Deserialize, IntoParams)]
pub struct ResultsQuery {
    /// `json` (the default) or `csv`.
    pub format: Option<String>,
    /// For CSV: a row per `check` (the default) or per `work_process`.
    pub by: Option<String>,
}

fn view(row: ReportRow, for_student: bool) -> Result<ReportView, ApiError> {
    let report: Report = serde_json::from_str(&row.report_json)
        .map_err(|e| ApiError::Internal(format!("stored report {}: {e}", row.id)))?;
    // A grader's full report holds the expected values the teacher did not reveal.
    let report = if for_student && !row.student_view { report.student_view() } else { report };
    Ok(ReportView {
        id: row.id,
        assignment_id: row.assignment_id,
        student_id: row.student_id,
        ran_by: row.ran_by,
        ran_at: format_rfc3339(row.ran_at),
        student_view: for_student || row.student_view,
        percent: report.score.percent,
        report: serde_json::to_value(&report).map_err(|e| ApiError::Internal(e.to_string()))?,
    })
}

/// "Check my work": grades the caller's own instance of the assignment in the student
/// view and stores the report. Once per interval per student (429 with Retry-After);
/// a check that grades nothing (no instance, a broken one) does not count.
///
/// With `Accept: text/event-stream` the answer is a stream of server-sent events
/// instead, so a page shows each check as it finishes: `check` events (the grading
/// library's `RunEvent`s: `settling`, `settled`, `started`, `finished`), then one
/// `report` (the stored report, as the JSON answer) or one `error`
/// (`{"code", "message"}`, as an error body's `error`). Refusals before grading
/// starts (404, 429, 503...) are plain JSON errors either way.
#[utoipa::path(post, path = "/api/assignments/{id}/check", tag = "grading",
    params(("id" = i64, Path, description = "assignment id")),
    responses((status = 200, description = "the stored report, or its progress as server-sent events",
            content((ReportView = "application/json"), (String = "text/event-stream"))),
        (status = 404, body = ErrorBody), (status = 409, body = ErrorBody),
        (status = 429, body = ErrorBody), (status = 503, body = ErrorBody)))]
pub async fn check_my_work(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<i64>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    authz::require_role(&user, &[Role::Student])?;
    authz::assignment(&state.db, &user, id, Access::Read).await?;
    let engine = state.engine()?;
    let target = grading::target(&state.db, &state.config.lab_prefix, id, user.id).await?;
    state.check_limit.take(user.id).map_err(ApiError::RateLimited)?;
    if wants_events(&headers) {
        return Ok(check_with_progress(state, user, engine, target).into_response());
    }
    match check_once(&state, &user, engine, &target, None).await {
        Ok(view) => Ok(Json(view).into_response()),
        Err(error) => Err(error),
    }
}

fn wants_events(headers: &HeaderMap) -> bool {
    headers
        .get_all(header::ACCEPT)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .any(|v| v.contains("text/event-stream"))
}

/// One student's check, graded and stored; the student's view of the report. A check
/// that graded nothing gives its turn back.
async fn check_once(
    state: &AppState,
    user: &CurrentUser,
    engine: std::sync::Arc<dyn crate::engine::Engine>,
    target: &grading::Target,
    events: Option<tokio::sync::mpsc::UnboundedSender<crate::checks::events::RunEvent>>,
) -> Result<ReportView, ApiError> {
    let how = Grading { ran_by: Some(user.id), run_id: None, student_view: true };
    // Cancelled with the service: a check in flight does not hold up a shutdown.
    let cancel = state.shutdown.child_token();
    let graded = grading::grade_and_store(&state.db, engine, target, how, events, cancel).await;
    let result = match graded {
        Ok((report_id, _)) => match authz::report(&state.db, user, report_id).await {
            Ok(row) => view(row, true),
            Err(error) => Err(error),
        },
        Err(error) => Err(error),
    };
    if result.is_err() {
        state.check_limit.give_back(user.id);
    }
    result
}

/// The check in a task of its own (a page that goes away does not stop a check that
/// counts against the student's turns), its progress sent as it comes.
fn check_with_progress(
    state: AppState,
    user: CurrentUser,
    engine: std::sync::Arc<dyn crate::engine::Engine>,
    target: grading::Target,
) -> Sse<impl Stream<Item = Result<Event, Infallible>>> {
    let (out, received) = tokio::sync::mpsc::unbounded_channel::<Event>();
    let (events, mut progress) = tokio::sync::mpsc::unbounded_channel();
    let forward = {
        let out = out.clone();
        tokio::spawn(async move {
            while let Some(event) = progress.recv().await {
                let _ = out.send(Event::default().event("check").json_data(&event).unwrap_or_default());
            }
        })
    };
    let tasks = state.tasks.clone();
    tasks.spawn(async move {
        let result = check_once(&state, &user, engine, &target, Some(events)).await;
        // The grading call dropped its sender: every check event goes out before the end.
        let _ = forward.await;
        let last = match result {
            Ok(view) => Event::default().event("report").json_data(&view),
            Err(error) => {
                if let ApiError::Internal(cause) = &error {
                    tracing::error!(%cause, student = user.id, "check my work failed");
                }
                let body = serde_json::json!({ "code": error.code(), "message": error.to_string() });
                Event::default().event("error").json_data(&body)
            }
        };
        let _ = out.send(last.unwrap_or_default());
    });
    let stream = futures::stream::unfold(received, |mut received| async move {
        received.recv().await.map(|event| (Ok(event), received))
    });
    Sse::new(stream).keep_alive(KeepAlive::default())
}

/// Grades one student (`student_id`) or the whole class in the background; the run's
/// progress streams from `events`. Only instances that exist are graded; the others
/// are reported as skipped.
#[utoipa::path(post, path = "/api/assignments/{id}/runs", tag = "grading",
    params(("id" = i64, Path, description = "assignment id")), request_body = NewRun,
    responses((status = 202, body = RunStarted), (status = 404, body = ErrorBody), (status = 503, body = ErrorBody)))]
pub async fn start_run(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<i64>,
    body: Option<Json<NewRun>>,
) -> Result<(StatusCode, Json<RunStarted>), ApiError> {
    authz::grade_assignment(&state.db, &user, id).await?;
    let engine = state.engine()?;
    let new = body.map(|Json(b)| b).unwrap_or_default();
    let (kind, targets) = match new.student_id {
        Some(student) => {
            ("student", vec![grading::target(&state.db, &state.config.lab_prefix, id, student).await?])
        }
        None => ("class", grading::targets(&state.db, &state.config.lab_prefix, id).await?),
    };
    let run_id = runs::start(
        &state.db,
        state.runs.clone(),
        &state.tasks,
        engine,
        id,
        kind,
        Some(user.id),
        targets,
        state.config.grading_workers,
        state.shutdown.clone(),
    )
    .await?;
    tracing::info!(by = %user.username, assignment = id, run = run_id, kind, "grading run started");
    Ok((StatusCode::ACCEPTED, Json(RunStarted { run_id, events: format!("/api/runs/{run_id}/events") })))
}

/// One grading run.
#[utoipa::path(get, path = "/api/runs/{id}", tag = "grading", params(("id" = i64, Path, description = "run id")),
    responses((status = 200, body = RunView), (status = 404, body = ErrorBody)))]
pub async fn show_run(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<i64>,
) -> Result<Json<RunView>, ApiError> {
    Ok(Json(authz::run(&state.db, &user, id).await?.into()))
}

/// A run's progress as server-sent events, each a JSON `RunUpdate` (its `kind` field
/// is also the SSE event name): every update so far, then the rest live; the stream
/// ends after `run-finished`. A run from before a restart sends its `run-finished` only.
#[utoipa::path(get, path = "/api/runs/{id}/events", tag = "grading", params(("id" = i64, Path, description = "run id")),
    responses((status = 200, content_type = "text/event-stream", body = RunUpdate), (status = 404, body = ErrorBody)))]
pub async fn run_events(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<i64>,
) -> Result<Sse<impl Stream<Item = Result<Event, Infallible>>>, ApiError> {
    let row = authz::run(&state.db, &user, id).await?;
    let updates: futures::stream::BoxStream<'static, RunUpdate> = match state.runs.subscribe(id) {
        Some((history, live)) => {
            let live = futures::stream::unfold((live, false), |(mut live, ended)| async move {
                if ended {
                    return None;
                }
                loop {
                    match live.recv().await {
                        Ok(update) => {
                            let ended = matches!(update, RunUpdate::RunFinished { .. });
                            return Some((update, (live, ended)));
                        }
                        // A slow reader missed some: go on with what comes.
                        Err(tokio::sync::broadcast::error::RecvError::Lagged(_)) => continue,
                        Err(tokio::sync::broadcast::error::RecvError::Closed) => return None,
                    }
                }
            });
            let finished_already = history.iter().any(|u| matches!(u, RunUpdate::RunFinished { .. }));
            let history = futures::stream::iter(history);
            if finished_already { history.boxed() } else { history.chain(live).boxed() }
        }
        None => futures::stream::iter([RunUpdate::RunFinished {
            run_id: row.id,
            graded: row.graded as usize,
            failed: row.failed as usize,
        }])
        .boxed(),
    };
    let events = updates.map(|update| {
        let name = serde_json::to_value(&update)
            .ok()
            .and_then(|v| v["kind"].as_str().map(str::to_string))
            .unwrap_or_else(|| "update".into());
        Ok(Event::default().event(name).json_data(&update).unwrap_or_default())
    });
    Ok(Sse::new(events).keep_alive(KeepAlive::default()))
}

/// The stored reports of an assignment: a student sees their own, staff every
/// student's.
#[utoipa::path(get, path = "/api/assignments/{id}/reports", tag = "grading",
    params(("id" = i64, Path, description = "assignment id")),
    responses((status = 200, body = Vec<ReportSummary>), (status = 404, body = ErrorBody)))]
pub async fn list_reports(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<i64>,
) -> Result<Json<Vec<ReportSummary>>, ApiError> {
    authz::assignment(&state.db, &user, id, Access::Read).await?;
    // A student's own only; `?2 = ?2` keeps one bind list for both queries.
    let filter = if user.role == Role::Student { "student_id = ?2" } else { "?2 = ?2" };
    let query = format!(
        "SELECT id, student_id, run_id, ran_by, ran_at, student_view, earned, possible, percent \
         FROM reports WHERE assignment_id = ?1 AND {filter} ORDER BY id"
    );
    Ok(Json(sqlx::query_as(&query).bind(id).bind(user.id).fetch_all(&state.db).await?))
}

/// One stored report with its evidence.
#[utoipa::path(get, path = "/api/reports/{id}", tag = "grading", params(("id" = i64, Path, description = "report id")),
    responses((status = 200, body = ReportView), (status = 404, body = ErrorBody)))]
pub async fn show_report(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<i64>,
) -> Result<Json<ReportView>, ApiError> {
    let row = authz::report(&state.db, &user, id).await?;
    Ok(Json(view(row, user.role == Role::Student)?))
}

/// The class's latest results of the assignment (each student's newest full report):
/// JSON per student with every check and work process, or CSV with a row per check
/// (`by=check`) or per work process (`by=work_process`).
#[utoipa::path(get, path = "/api/assignments/{id}/results", tag = "grading",
    params(("id" = i64, Path, description = "assignment id"), ResultsQuery),
    responses((status = 200, body = Vec<export::StudentResults>), (status = 200, content_type = "text/csv", body = String),
        (status = 400, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn results(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<i64>,
    Query(query): Query<ResultsQuery>,
) -> Result<Response, ApiError> {
    authz::grade_assignment(&state.db, &user, id).await?;
    let results = export::latest(&state.db, id).await?;
    match (query.format.as_deref().unwrap_or("json"), query.by.as_deref().unwrap_or("check")) {
        ("json", _) => Ok(Json(results).into_response()),
        ("csv", "check") => Ok(csv_response(export::checks_csv(&results))),
        ("csv", "work_process") => Ok(csv_response(export::work_processes_csv(&results))),
        ("csv", other) => Err(ApiError::BadRequest(format!("by={other}: use check or work_process"))),
        (other, _) => Err(ApiError::BadRequest(format!("format={other}: use json or csv"))),
    }
}

/// A student's instance's configuration, saved by the deadline run.
#[derive(Debug, Serialize, ToSchema)]
pub struct SavedConfigView {
    pub id: i64,
    pub student_id: i64,
    pub run_id: Option<i64>,
    pub instance: String,
    /// RFC 3339, UTC.
    pub saved_at: String,
    /// Every file as `asbuilt save` writes it: `{"node", "name", "content"}`.
    #[schema(value_type = Vec<Object>)]
    pub files: serde_json::Value,
}

/// The configurations the deadline run saved of each student's instance (staff).
#[utoipa::path(get, path = "/api/assignments/{id}/saved-configs", tag = "grading",
    params(("id" = i64, Path, description = "assignment id")),
    responses((status = 200, body = Vec<SavedConfigView>), (status = 404, body = ErrorBody)))]
pub async fn saved_configs(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<i64>,
) -> Result<Json<Vec<SavedConfigView>>, ApiError> {
    authz::grade_assignment(&state.db, &user, id).await?;
    let rows: Vec<(i64, i64, Option<i64>, String, i64, String)> = sqlx::query_as(
        "SELECT id, student_id, run_id, instance, saved_at, files_json FROM saved_configs \
         WHERE assignment_id = ? ORDER BY student_id, id",
    )
    .bind(id)
    .fetch_all(&state.db)
    .await?;
    rows.into_iter()
        .map(|(id, student_id, run_id, instance, saved_at, files)| {
            let files = serde_json::from_str(&files)
                .map_err(|e| ApiError::Internal(format!("saved configuration {id}: {e}")))?;
            Ok(SavedConfigView {
                id,
                student_id,
                run_id,
                instance,
                saved_at: format_rfc3339(saved_at),
                files,
            })
        })
        .collect::<Result<Vec<_>, ApiError>>()
        .map(Json)
}

fn csv_response(text: String) -> Response {
    ([(header::CONTENT_TYPE, "text/csv; charset=utf-8")], text).into_response()
}
