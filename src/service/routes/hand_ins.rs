//! Handing in: a student says they are done with an assignment before its deadline.
//! The service grades their lab at that moment (a full report, stored like a grader's)
//! and keeps the hand-in, so the class's teacher and graders see who handed in, when,
//! and with which score. A student hands in once.

use std::collections::BTreeMap;

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::{Deserialize, Serialize};
use sqlx::SqlitePool;
use utoipa::ToSchema;

use crate::design::Writing;
use crate::service::auth::{CurrentUser, Role};
use crate::service::authz::{self, Access};
use crate::service::error::{ApiError, ErrorBody};
use crate::service::grading::{self, Grading};
use crate::service::routes::labs;
use crate::service::state::AppState;
use crate::service::time::{format_rfc3339, now};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/api/assignments/{id}/hand-in", post(hand_in))
        .route("/api/assignments/{id}/hand-ins", get(list))
}

/// What a student hands in besides their lab: the texts the lab asks for, by id (a
/// ticket's `diagnosis`, `solution` and `tested`, and the lab's own `hand-in` texts).
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct HandInRequest {
    #[serde(default)]
    pub texts: BTreeMap<String, String>,
}

/// The longest text a student may hand in, in characters: a page or two.
pub const MAX_TEXT: usize = 20_000;

/// One student's hand-in.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct HandInView {
    pub assignment_id: i64,
    pub student_id: i64,
    /// RFC 3339, UTC.
    pub handed_in_at: String,
    /// `grading` (the report is being made), `graded` or `not_graded` (`error` says why).
    pub state: String,
    /// The report graded at hand-in.
    pub report_id: Option<i64>,
    pub percent: Option<f64>,
    pub error: Option<String>,
    /// The texts handed in, by id.
    pub texts: BTreeMap<String, String>,
}

#[derive(sqlx::FromRow)]
struct HandInRow {
    assignment_id: i64,
    student_id: i64,
    handed_in_at: i64,
    report_id: Option<i64>,
    grading_error: Option<String>,
    percent: Option<f64>,
    texts_json: String,
}

impl From<HandInRow> for HandInView {
    fn from(row: HandInRow) -> HandInView {
        let state = match (&row.report_id, &row.grading_error) {
            (Some(_), _) => "graded",
            (None, Some(_)) => "not_graded",
            (None, None) => "grading",
        };
        HandInView {
            assignment_id: row.assignment_id,
            student_id: row.student_id,
            handed_in_at: format_rfc3339(row.handed_in_at),
            state: state.to_string(),
            report_id: row.report_id,
            percent: row.percent,
            error: row.grading_error,
            // Written by this module from a map; unreadable only if the row was edited.
            texts: serde_json::from_str(&row.texts_json).unwrap_or_default(),
        }
    }
}

const HAND_IN_COLUMNS: &str = "SELECT h.assignment_id, h.student_id, h.handed_in_at, h.report_id, \
     h.grading_error, r.percent, h.texts_json FROM hand_ins h LEFT JOIN reports r ON r.id = h.report_id";

/// The caller's hand-in of an assignment, if they handed in.
pub async fn of_student(
    db: &SqlitePool,
    assignment_id: i64,
    student_id: i64,
) -> Result<Option<HandInView>, ApiError> {
    let query = format!("{HAND_IN_COLUMNS} WHERE h.assignment_id = ? AND h.student_id = ?");
    let row: Option<HandInRow> =
        sqlx::query_as(&query).bind(assignment_id).bind(student_id).fetch_optional(db).await?;
    Ok(row.map(HandInView::from))
}

/// The texts a student handed in with an assignment, by id; empty before they hand in.
pub async fn texts_of(
    db: &SqlitePool,
    assignment_id: i64,
    student_id: i64,
) -> Result<BTreeMap<String, String>, ApiError> {
    Ok(of_student(db, assignment_id, student_id).await?.map(|h| h.texts).unwrap_or_default())
}

/// Hands in the caller's work on an open assignment, with the texts the lab asks for
/// (optional body `{"texts": {"diagnosis": "..."}}`), and grades their lab now, in the
/// background (`state` is `grading` until the report is stored). 400 for a text the
/// lab does not ask for or one over 20,000 characters; 409 after the deadline or when
/// handed in already. Without a lab to grade the hand-in still counts, as `not_graded`
/// with the reason.
#[utoipa::path(post, path = "/api/assignments/{id}/hand-in", tag = "grading",
    params(("id" = i64, Path, description = "assignment id")),
    request_body(content = Option<HandInRequest>, description = "the texts the lab asks for, by id"),
    responses((status = 202, body = HandInView), (status = 400, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 409, body = ErrorBody)))]
pub async fn hand_in(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<i64>,
    body: Option<Json<HandInRequest>>,
) -> Result<(StatusCode, Json<HandInView>), ApiError> {
    authz::require_role(&user, &[Role::Student])?;
    let assignment = authz::assignment(&state.db, &user, id, Access::Read).await?;
    let at = now();
    if at >= assignment.deadline {
        return Err(ApiError::Conflict("the assignment's deadline has passed".into()));
    }
    let texts = body.map(|Json(b)| b.texts).unwrap_or_default();
    if !texts.is_empty() {
        let asked = labs::student_design(&state.db, assignment.lab_version_id, user.id).await?.hand_in;
        check_texts(&texts, &asked)?;
    }
    let texts_json = serde_json::to_string(&texts).map_err(|e| ApiError::Internal(e.to_string()))?;
    let inserted = sqlx::query(
        "INSERT INTO hand_ins (assignment_id, student_id, handed_in_at, texts_json) VALUES (?, ?, ?, ?) \
         ON CONFLICT (assignment_id, student_id) DO NOTHING",
    )
    .bind(id)
    .bind(user.id)
    .bind(at)
    .bind(texts_json)
    .execute(&state.db)
    .await?
    .rows_affected();
    if inserted == 0 {
        return Err(ApiError::Conflict("you handed this assignment in already".into()));
    }
    tracing::info!(by = %user.username, assignment = id, "handed in");
    let (db, student, engine) = (state.db.clone(), user.id, state.engine());
    let (prefix, cancel) = (state.config.lab_prefix.clone(), state.shutdown.child_token());
    state.tasks.spawn(async move {
        let graded = match engine {
            Ok(engine) => match grading::target(&db, &prefix, id, student).await {
                Ok(target) => {
                    let how = Grading { ran_by: Some(student), run_id: None, student_view: false };
                    grading::grade_and_store(&db, engine, &target, how, None, cancel).await.map(|(r, _)| r)
                }
                Err(error) => Err(error),
            },
            Err(error) => Err(error),
        };
        record_grading(&db, id, student, graded).await;
    });
    let view =
        of_student(&state.db, id, user.id).await?.ok_or(ApiError::Internal("hand-in vanished".into()))?;
    Ok((StatusCode::ACCEPTED, Json(view)))
}

/// Keeps what grading at hand-in gave: the report, or why there is none.
async fn record_grading(db: &SqlitePool, assignment_id: i64, student_id: i64, graded: Result<i64, ApiError>) {
    let (report, error) = match graded {
        Ok(report_id) => (Some(report_id), None),
        Err(error) => {
            if let ApiError::Internal(cause) = &error {
                tracing::error!(%cause, student = student_id, assignment = assignment_id, "grading a hand-in failed");
            }
            (None, Some(error.to_string()))
        }
    };
    let stored = sqlx::query(
        "UPDATE hand_ins SET report_id = ?, grading_error = ? WHERE assignment_id = ? AND student_id = ?",
    )
    .bind(report)
    .bind(error)
    .bind(assignment_id)
    .bind(student_id)
    .execute(db)
    .await;
    if let Err(error) = stored {
        tracing::error!(%error, student = student_id, assignment = assignment_id, "could not store a hand-in's grading");
    }
}

/// The hand-ins of an assignment: its class's teacher, graders and admins see every
/// student's; a student sees only their own.
#[utoipa::path(get, path = "/api/assignments/{id}/hand-ins", tag = "grading",
    params(("id" = i64, Path, description = "assignment id")),
    responses((status = 200, body = Vec<HandInView>), (status = 404, body = ErrorBody)))]
pub async fn list(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<i64>,
) -> Result<Json<Vec<HandInView>>, ApiError> {
    if user.role == Role::Student {
        authz::assignment(&state.db, &user, id, Access::Read).await?;
        return Ok(Json(of_student(&state.db, id, user.id).await?.into_iter().collect()));
    }
    authz::grade_assignment(&state.db, &user, id).await?;
    let query = format!("{HAND_IN_COLUMNS} WHERE h.assignment_id = ? ORDER BY h.handed_in_at, h.student_id");
    let rows: Vec<HandInRow> = sqlx::query_as(&query).bind(id).fetch_all(&state.db).await?;
    Ok(Json(rows.into_iter().map(HandInView::from).collect()))
}

/// Every text must be one the lab asks for, and of a reasonable length.
fn check_texts(texts: &BTreeMap<String, String>, asked: &[Writing]) -> Result<(), ApiError> {
    let mut problems = Vec::new();
    for (id, text) in texts {
        if !asked.iter().any(|w| w.id == *id) {
            let ids: Vec<&str> = asked.iter().map(|w| w.id.as_str()).collect();
            problems.push(if ids.is_empty() {
                format!("`{id}`: this lab asks for no texts")
            } else {
                format!("`{id}` is not a text this lab asks for; it asks for {}", ids.join(", "))
            });
        } else if text.chars().count() > MAX_TEXT {
            problems.push(format!("`{id}` is longer than {MAX_TEXT} characters"));
        }
    }
    if problems.is_empty() { Ok(()) } else { Err(ApiError::BadRequest(problems.join("; "))) }
}
