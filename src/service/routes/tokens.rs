//! API tokens for scripts: made and revoked by their owner, shown once.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::routing::{delete, get};
use axum::{Json, Router};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::service::auth::{CurrentUser, session};
use crate::service::authz;
use crate::service::error::{ApiError, ErrorBody};
use crate::service::state::AppState;

pub fn router() -> Router<AppState> {
    Router::new().route("/api/tokens", get(list).post(create)).route("/api/tokens/{id}", delete(revoke))
}

/// A token without its secret.
#[derive(Debug, Serialize, ToSchema, sqlx::FromRow)]
pub struct TokenView {
    pub id: i64,
    pub name: String,
    pub created_at: i64,
    pub last_used_at: Option<i64>,
}

/// What the new token is for.
#[derive(Debug, Deserialize, ToSchema)]
pub struct NewToken {
    pub name: String,
}

/// A new token with its secret: shown now and never again.
#[derive(Debug, Serialize, ToSchema)]
pub struct CreatedToken {
    pub id: i64,
    pub name: String,
    /// Send as `Authorization: Bearer <token>`.
    pub token: String,
}

/// The caller's own tokens (listing only one's own needs no further authorization).
#[utoipa::path(get, path = "/api/tokens", tag = "tokens",
    responses((status = 200, body = Vec<TokenView>), (status = 401, body = ErrorBody)))]
pub async fn list(
    State(state): State<AppState>,
    user: CurrentUser,
) -> Result<Json<Vec<TokenView>>, ApiError> {
    let tokens = sqlx::query_as(
        "SELECT id, name, created_at, last_used_at FROM api_tokens WHERE user_id = ? ORDER BY id",
    )
    .bind(user.id)
    .fetch_all(&state.db)
    .await?;
    Ok(Json(tokens))
}

/// Makes a token for the caller.
#[utoipa::path(post, path = "/api/tokens", tag = "tokens", request_body = NewToken,
    responses((status = 201, body = CreatedToken), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody)))]
pub async fn create(
    State(state): State<AppState>,
    user: CurrentUser,
    Json(new): Json<NewToken>,
) -> Result<(StatusCode, Json<CreatedToken>), ApiError> {
    let name = new.name.trim();
    if name.is_empty() || name.len() > 100 {
        return Err(ApiError::BadRequest("token name must be 1 to 100 characters".into()));
    }
    let (id, token) = session::create_api_token(&state.db, user.id, name).await?;
    tracing::info!(username = %user.username, token_id = id, "created API token");
    Ok((StatusCode::CREATED, Json(CreatedToken { id, name: name.to_string(), token })))
}

/// Revokes one of the caller's tokens; someone else's answers 404.
#[utoipa::path(delete, path = "/api/tokens/{id}", tag = "tokens",
    params(("id" = i64, Path, description = "token id")),
    responses((status = 204), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn revoke(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<i64>,
) -> Result<StatusCode, ApiError> {
    authz::own_token(&state.db, &user, id).await?;
    sqlx::query("DELETE FROM api_tokens WHERE id = ?").bind(id).execute(&state.db).await?;
    tracing::info!(username = %user.username, token_id = id, "revoked API token");
    Ok(StatusCode::NO_CONTENT)
}
