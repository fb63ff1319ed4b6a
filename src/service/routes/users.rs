//! Accounts: an admin lists, creates and changes them, and sets passwords.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::routing::{get, patch, post};
use axum::{Json, Router};
use serde::{Deserialize, Serialize};
use sqlx::SqlitePool;
use utoipa::ToSchema;

use crate::service::auth::{CurrentUser, Role, password, session};
use crate::service::authz;
use crate::service::error::{ApiError, ErrorBody};
use crate::service::state::AppState;
use crate::service::time::now;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/api/users", get(list).post(create))
        .route("/api/users/{id}", patch(update))
        .route("/api/users/{id}/password", post(set_password))
        .route("/api/graders", get(graders))
}

/// A grader as teachers see them: enough to assign them to a class.
#[derive(Debug, Serialize, Deserialize, ToSchema, sqlx::FromRow)]
pub struct GraderView {
    pub id: i64,
    pub username: String,
    pub display_name: String,
}

/// The grader accounts, for a teacher assigning one to a class (teachers and admins).
#[utoipa::path(get, path = "/api/graders", tag = "users",
    responses((status = 200, body = Vec<GraderView>), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody)))]
pub async fn graders(
    State(state): State<AppState>,
    user: CurrentUser,
) -> Result<Json<Vec<GraderView>>, ApiError> {
    authz::list_graders(&user)?;
    let graders = sqlx::query_as(
        "SELECT id, username, display_name FROM users WHERE role = 'grader' AND disabled = 0 ORDER BY username",
    )
    .fetch_all(&state.db)
    .await?;
    Ok(Json(graders))
}

/// An account as the API shows it (never its password hash).
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema, sqlx::FromRow)]
pub struct UserView {
    pub id: i64,
    pub username: String,
    pub display_name: String,
    pub email: Option<String>,
    /// `admin`, `teacher`, `grader` or `student`.
    pub role: String,
    pub student_number: Option<String>,
    pub disabled: bool,
}

const USER_COLUMNS: &str =
    "SELECT id, username, display_name, email, role, student_number, disabled FROM users";

/// One account by id.
pub async fn view(db: &SqlitePool, id: i64) -> Result<UserView, ApiError> {
    sqlx::query_as(&format!("{USER_COLUMNS} WHERE id = ?"))
        .bind(id)
        .fetch_optional(db)
        .await?
        .ok_or(ApiError::NotFound)
}

/// A new account.
#[derive(Debug, Deserialize, ToSchema)]
pub struct NewUser {
    pub username: String,
    pub display_name: String,
    pub email: Option<String>,
    pub role: Role,
    /// At least 10 characters; leave out for an account that cannot log in yet.
    pub password: Option<String>,
    pub student_number: Option<String>,
}

/// Changes to an account; what is left out stays.
#[derive(Debug, Deserialize, ToSchema)]
pub struct UserChange {
    pub display_name: Option<String>,
    pub email: Option<String>,
    pub role: Option<Role>,
    /// The school's student number, the key of class list imports.
    pub student_number: Option<String>,
    /// A disabled account cannot log in, and its sessions and tokens stop working.
    pub disabled: Option<bool>,
}

/// A new password.
#[derive(Debug, Deserialize, ToSchema)]
pub struct NewPassword {
    pub password: String,
}

/// Every account (admin only).
#[utoipa::path(get, path = "/api/users", tag = "users",
    responses((status = 200, body = Vec<UserView>), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody)))]
pub async fn list(State(state): State<AppState>, user: CurrentUser) -> Result<Json<Vec<UserView>>, ApiError> {
    authz::manage_users(&user)?;
    Ok(Json(sqlx::query_as(&format!("{USER_COLUMNS} ORDER BY username")).fetch_all(&state.db).await?))
}

/// Creates an account (admin only).
#[utoipa::path(post, path = "/api/users", tag = "users", request_body = NewUser,
    responses((status = 201, body = UserView), (status = 400, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 409, body = ErrorBody)))]
pub async fn create(
    State(state): State<AppState>,
    user: CurrentUser,
    Json(new): Json<NewUser>,
) -> Result<(StatusCode, Json<UserView>), ApiError> {
    authz::manage_users(&user)?;
    let username = new.username.trim();
    if username.is_empty() || username.len() > 64 || username.chars().any(char::is_whitespace) {
        return Err(ApiError::BadRequest("username must be 1 to 64 characters without spaces".into()));
    }
    let hash = match &new.password {
        Some(secret) => Some(hash_password(secret).await?),
        None => None,
    };
    let taken = sqlx::query("SELECT 1 FROM users WHERE username = ? COLLATE NOCASE")
        .bind(username)
        .fetch_optional(&state.db)
        .await?
        .is_some();
    if taken {
        return Err(ApiError::Conflict(format!("username {username} is taken")));
    }
    let id = sqlx::query(
        "INSERT INTO users (username, display_name, email, role, password_hash, student_number, created_at) \
         VALUES (?, ?, ?, ?, ?, ?, ?)",
    )
    .bind(username)
    .bind(new.display_name.trim())
    .bind(&new.email)
    .bind(new.role.as_str())
    .bind(hash)
    .bind(&new.student_number)
    .bind(now())
    .execute(&state.db)
    .await
    .map_err(|e| unique_to_conflict(e, "student number is taken"))?
    .last_insert_rowid();
    tracing::info!(by = %user.username, %username, role = new.role.as_str(), "created account");
    Ok((StatusCode::CREATED, Json(view(&state.db, id).await?)))
}

/// Changes an account (admin only). An admin cannot demote or disable themselves, so
/// the service always keeps one admin who can log in.
#[utoipa::path(patch, path = "/api/users/{id}", tag = "users", request_body = UserChange,
    params(("id" = i64, Path, description = "account id")),
    responses((status = 200, body = UserView), (status = 400, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody)))]
pub async fn update(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<i64>,
    Json(change): Json<UserChange>,
) -> Result<Json<UserView>, ApiError> {
    authz::manage_users(&user)?;
    view(&state.db, id).await?;
    if id == user.id && (change.role.is_some_and(|r| r != Role::Admin) || change.disabled == Some(true)) {
        return Err(ApiError::BadRequest("an admin cannot demote or disable their own account".into()));
    }
    sqlx::query(
        "UPDATE users SET display_name = COALESCE(?, display_name), email = COALESCE(?, email), \
         role = COALESCE(?, role), student_number = COALESCE(?, student_number), \
         disabled = COALESCE(?, disabled) WHERE id = ?",
    )
    .bind(&change.display_name)
    .bind(&change.email)
    .bind(change.role.map(Role::as_str))
    .bind(&change.student_number)
    .bind(change.disabled)
    .bind(id)
    .execute(&state.db)
    .await
    .map_err(|e| unique_to_conflict(e, "student number is taken"))?;
    if change.disabled == Some(true) || change.role.is_some() {
        // A changed role must not live on in a session that was started with the old one.
        session::delete_all_of(&state.db, id).await?;
    }
    Ok(Json(view(&state.db, id).await?))
}

/// Sets an account's password (admin only); the account's sessions end.
#[utoipa::path(post, path = "/api/users/{id}/password", tag = "users", request_body = NewPassword,
    params(("id" = i64, Path, description = "account id")),
    responses((status = 204), (status = 400, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody)))]
pub async fn set_password(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<i64>,
    Json(new): Json<NewPassword>,
) -> Result<StatusCode, ApiError> {
    authz::manage_users(&user)?;
    view(&state.db, id).await?;
    let hash = hash_password(&new.password).await?;
    sqlx::query("UPDATE users SET password_hash = ? WHERE id = ?")
        .bind(hash)
        .bind(id)
        .execute(&state.db)
        .await?;
    session::delete_all_of(&state.db, id).await?;
    Ok(StatusCode::NO_CONTENT)
}

async fn hash_password(secret: &str) -> Result<String, ApiError> {
    password::check_strength(secret).map_err(ApiError::BadRequest)?;
    let secret = secret.to_string();
    password::off_thread(move || password::hash(&secret))
        .await
        .map_err(ApiError::Internal)?
        .map_err(ApiError::Internal)
}

/// A unique constraint the caller hit becomes a 409 with `message`; anything else is
/// internal.
pub fn unique_to_conflict(error: sqlx::Error, message: &str) -> ApiError {
    match &error {
        sqlx::Error::Database(db) if db.is_unique_violation() => ApiError::Conflict(message.into()),
        _ => error.into(),
    }
}
