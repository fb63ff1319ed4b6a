//! Assignments: a lab version published to a class, with an opening time, a deadline
//! and the lifetime of its instances. Data only: deploying is the lifecycle's job.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::routing::get;
use axum::{Json, Router};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::service::auth::CurrentUser;
use crate::service::authz::{self, Access, AssignmentRow};
use crate::service::error::{ApiError, ErrorBody};
use crate::service::state::AppState;
use crate::service::time::{format_rfc3339, now, parse_rfc3339};

pub fn router() -> Router<AppState> {
    Router::new().route("/api/assignments", get(list).post(create)).route("/api/assignments/{id}", get(show))
}

/// A lab published to a class.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct AssignmentView {
    pub id: i64,
    pub class_id: i64,
    pub lab_id: i64,
    pub lab_version: i64,
    pub title: String,
    /// RFC 3339, UTC.
    pub opens_at: String,
    /// RFC 3339, UTC.
    pub deadline: String,
    /// `upcoming`, `open` or `closed` (after the deadline).
    pub state: String,
    /// An instance nobody used for this long is removed.
    pub idle_ttl_secs: i64,
    /// No instance lives longer than this.
    pub max_lifetime_secs: i64,
}

impl From<AssignmentRow> for AssignmentView {
    fn from(row: AssignmentRow) -> AssignmentView {
        let now = now();
        let state = if now < row.opens_at {
            "upcoming"
        } else if now < row.deadline {
            "open"
        } else {
            "closed"
        };
        AssignmentView {
            id: row.id,
            class_id: row.class_id,
            lab_id: row.lab_id,
            lab_version: row.version,
            title: row.title,
            opens_at: format_rfc3339(row.opens_at),
            deadline: format_rfc3339(row.deadline),
            state: state.to_string(),
            idle_ttl_secs: row.idle_ttl_secs,
            max_lifetime_secs: row.max_lifetime_secs,
        }
    }
}

/// Publishing a lab version to a class.
#[derive(Debug, Deserialize, ToSchema)]
pub struct NewAssignment {
    pub class_id: i64,
    pub lab_id: i64,
    /// The version to publish; the newest when left out.
    pub lab_version: Option<i64>,
    /// Shown to students; the lab's name when left out.
    pub title: Option<String>,
    /// RFC 3339 in UTC, such as `2026-09-01T08:30:00Z`.
    pub opens_at: String,
    /// RFC 3339 in UTC; after `opens_at`.
    pub deadline: String,
    /// Seconds an unused instance lives (default 2 hours).
    pub idle_ttl_secs: Option<i64>,
    /// Seconds any instance lives at most (default 8 hours).
    pub max_lifetime_secs: Option<i64>,
}

/// The assignments the caller may see; a student sees those of their classes that
/// have opened.
#[utoipa::path(get, path = "/api/assignments", tag = "assignments",
    responses((status = 200, body = Vec<AssignmentView>), (status = 401, body = ErrorBody)))]
pub async fn list(
    State(state): State<AppState>,
    user: CurrentUser,
) -> Result<Json<Vec<AssignmentView>>, ApiError> {
    let rows = authz::visible_assignments(&state.db, &user).await?;
    Ok(Json(rows.into_iter().map(AssignmentView::from).collect()))
}

/// One assignment.
#[utoipa::path(get, path = "/api/assignments/{id}", tag = "assignments",
    params(("id" = i64, Path, description = "assignment id")),
    responses((status = 200, body = AssignmentView), (status = 404, body = ErrorBody)))]
pub async fn show(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<i64>,
) -> Result<Json<AssignmentView>, ApiError> {
    Ok(Json(authz::assignment(&state.db, &user, id, Access::Read).await?.into()))
}

/// Publishes a version of one of the caller's labs to one of the caller's classes.
#[utoipa::path(post, path = "/api/assignments", tag = "assignments", request_body = NewAssignment,
    responses((status = 201, body = AssignmentView), (status = 400, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody)))]
pub async fn create(
    State(state): State<AppState>,
    user: CurrentUser,
    Json(new): Json<NewAssignment>,
) -> Result<(StatusCode, Json<AssignmentView>), ApiError> {
    authz::create_teaching_material(&user)?;
    authz::class(&state.db, &user, new.class_id, Access::Write).await?;
    let lab = authz::lab(&state.db, &user, new.lab_id, Access::Write).await?;
    let opens_at = parse_rfc3339(&new.opens_at).ok_or_else(|| {
        ApiError::BadRequest(format!("opens_at {:?} is not an RFC 3339 time in UTC", new.opens_at))
    })?;
    let deadline = parse_rfc3339(&new.deadline).ok_or_else(|| {
        ApiError::BadRequest(format!("deadline {:?} is not an RFC 3339 time in UTC", new.deadline))
    })?;
    if deadline <= opens_at {
        return Err(ApiError::BadRequest("the deadline must come after the opening time".into()));
    }
    let idle = new.idle_ttl_secs.unwrap_or(2 * 3600);
    let lifetime = new.max_lifetime_secs.unwrap_or(8 * 3600);
    if idle <= 0 || lifetime <= 0 {
        return Err(ApiError::BadRequest("idle_ttl_secs and max_lifetime_secs must be positive".into()));
    }
    let version: Option<(i64, i64)> = match new.lab_version {
        Some(v) => {
            sqlx::query_as("SELECT id, version FROM lab_versions WHERE lab_id = ? AND version = ?")
                .bind(lab.id)
                .bind(v)
                .fetch_optional(&state.db)
                .await?
        }
        None => {
            sqlx::query_as(
                "SELECT id, version FROM lab_versions WHERE lab_id = ? ORDER BY version DESC LIMIT 1",
            )
            .bind(lab.id)
            .fetch_optional(&state.db)
            .await?
        }
    };
    let (version_id, _) =
        version.ok_or_else(|| ApiError::BadRequest("the lab has no such version".into()))?;
    let title =
        new.title.as_deref().map(str::trim).filter(|t| !t.is_empty()).unwrap_or(&lab.name).to_string();
    let id = sqlx::query(
        "INSERT INTO assignments (class_id, lab_version_id, title, opens_at, deadline, idle_ttl_secs, \
         max_lifetime_secs, created_by, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
    )
    .bind(new.class_id)
    .bind(version_id)
    .bind(&title)
    .bind(opens_at)
    .bind(deadline)
    .bind(idle)
    .bind(lifetime)
    .bind(user.id)
    .bind(now())
    .execute(&state.db)
    .await?
    .last_insert_rowid();
    tracing::info!(by = %user.username, assignment = id, %title, "published assignment");
    Ok((StatusCode::CREATED, Json(authz::assignment(&state.db, &user, id, Access::Read).await?.into())))
}
