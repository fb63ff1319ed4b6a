//! Logging in and out, and who am I.

use axum::extract::State;
use axum::http::header::SET_COOKIE;
use axum::http::{HeaderMap, HeaderValue};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::users::UserView;
use crate::service::auth::current::{ClientInfo, Via};
use crate::service::auth::{CurrentUser, password, session};
use crate::service::error::{ApiError, ErrorBody};
use crate::service::state::AppState;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/api/auth/login", post(login))
        .route("/api/auth/logout", post(logout))
        .route("/api/me", get(me))
        .route("/api/me/password", post(change_password))
}

/// A new password for one's own account, with the current one as proof.
#[derive(Debug, Deserialize, ToSchema)]
pub struct PasswordChange {
    pub current: String,
    /// At least 10 characters.
    pub new: String,
}

/// A username and password.
#[derive(Debug, Deserialize, ToSchema)]
pub struct LoginRequest {
    pub username: String,
    pub password: String,
}

/// The logged-in user and the session's CSRF token (also set as the `asbuilt_csrf`
/// cookie), which every state-changing request must send in `X-CSRF-Token`.
#[derive(Debug, Serialize, ToSchema)]
pub struct LoginResponse {
    pub user: UserView,
    pub csrf_token: String,
}

/// Starts a session: sets the `asbuilt_session` cookie (HttpOnly, SameSite=Lax).
#[utoipa::path(post, path = "/api/auth/login", tag = "auth", request_body = LoginRequest,
    responses((status = 200, body = LoginResponse), (status = 401, body = ErrorBody),
        (status = 429, description = "too many failed logins; see Retry-After", body = ErrorBody)))]
pub async fn login(
    State(state): State<AppState>,
    client: ClientInfo,
    Json(request): Json<LoginRequest>,
) -> Result<(HeaderMap, Json<LoginResponse>), ApiError> {
    let signed_in = sign_in(&state, client, &request.username, request.password).await?;
    let user = super::users::view(&state.db, signed_in.user_id).await?;
    Ok((signed_in.cookies, Json(LoginResponse { user, csrf_token: signed_in.csrf_token })))
}

/// A new session, from the API or the login page.
pub struct SignedIn {
    pub user_id: i64,
    /// The session and CSRF cookies to set.
    pub cookies: HeaderMap,
    pub csrf_token: String,
}

/// Checks a username and password (throttled per account and address) and starts a
/// session.
pub async fn sign_in(
    state: &AppState,
    client: ClientInfo,
    username: &str,
    password: String,
) -> Result<SignedIn, ApiError> {
    let username = username.trim().to_string();
    state.throttle.check(&username, client.address).map_err(ApiError::Throttled)?;
    let row: Option<(i64, Option<String>)> = sqlx::query_as(
        "SELECT id, password_hash FROM users WHERE username = ? COLLATE NOCASE AND disabled = 0",
    )
    .bind(&username)
    .fetch_optional(&state.db)
    .await?;
    let (id, stored) = match row {
        Some((id, stored)) => (Some(id), stored),
        None => (None, None),
    };
    let ok = password::off_thread(move || password::verify(&password, stored.as_deref()))
        .await
        .map_err(ApiError::Internal)?;
    let Some(id) = id.filter(|_| ok) else {
        state.throttle.failed(&username, client.address);
        state.metrics.login_failed();
        tracing::info!(%username, address = %client.address, "failed login");
        return Err(ApiError::BadLogin);
    };
    state.throttle.succeeded(&username);
    let ttl = state.config.session_ttl_secs;
    let new = session::create(&state.db, id, ttl).await?;
    let mut cookies = HeaderMap::new();
    for cookie in session::set_cookies(&new, ttl, state.config.secure_cookies || client.tls) {
        let value = HeaderValue::from_str(&cookie).map_err(|e| ApiError::Internal(format!("cookie: {e}")))?;
        cookies.append(SET_COOKIE, value);
    }
    tracing::info!(%username, "logged in");
    Ok(SignedIn { user_id: id, cookies, csrf_token: new.csrf_token })
}

/// Ends the caller's session and clears its cookies.
#[utoipa::path(post, path = "/api/auth/logout", tag = "auth",
    responses((status = 204), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody)))]
pub async fn logout(
    State(state): State<AppState>,
    user: CurrentUser,
) -> Result<(axum::http::StatusCode, HeaderMap), ApiError> {
    if let Via::Session { token_hash } = &user.via {
        session::delete(&state.db, token_hash).await?;
    }
    let mut headers = HeaderMap::new();
    for cookie in session::clear_cookies() {
        headers
            .append(SET_COOKIE, HeaderValue::from_str(&cookie).expect("constant cookie is a header value"));
    }
    Ok((axum::http::StatusCode::NO_CONTENT, headers))
}

/// The caller's own account.
#[utoipa::path(get, path = "/api/me", tag = "auth",
    responses((status = 200, body = UserView), (status = 401, body = ErrorBody)))]
pub async fn me(State(state): State<AppState>, user: CurrentUser) -> Result<Json<UserView>, ApiError> {
    Ok(Json(super::users::view(&state.db, user.id).await?))
}

/// Changes the caller's own password. Every session of the account ends but the one
/// that asked, so a thief with an old session is out.
#[utoipa::path(post, path = "/api/me/password", tag = "auth", request_body = PasswordChange,
    responses((status = 204), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody)))]
pub async fn change_password(
    State(state): State<AppState>,
    user: CurrentUser,
    Json(change): Json<PasswordChange>,
) -> Result<axum::http::StatusCode, ApiError> {
    password::check_strength(&change.new).map_err(ApiError::BadRequest)?;
    let stored: Option<String> = sqlx::query_scalar("SELECT password_hash FROM users WHERE id = ?")
        .bind(user.id)
        .fetch_one(&state.db)
        .await?;
    let (current, new) = (change.current, change.new);
    let hashed = password::off_thread(move || {
        if password::verify(&current, stored.as_deref()) { password::hash(&new).map(Some) } else { Ok(None) }
    })
    .await
    .map_err(ApiError::Internal)?
    .map_err(ApiError::Internal)?;
    let Some(hash) = hashed else {
        return Err(ApiError::BadRequest("the current password is wrong".into()));
    };
    sqlx::query("UPDATE users SET password_hash = ? WHERE id = ?")
        .bind(hash)
        .bind(user.id)
        .execute(&state.db)
        .await?;
    let keep: Vec<u8> = match &user.via {
        Via::Session { token_hash } => token_hash.clone(),
        Via::Token { .. } => Vec::new(),
    };
    sqlx::query("DELETE FROM sessions WHERE user_id = ? AND token_hash != ?")
        .bind(user.id)
        .bind(keep)
        .execute(&state.db)
        .await?;
    tracing::info!(username = %user.username, "changed own password");
    Ok(axum::http::StatusCode::NO_CONTENT)
}
