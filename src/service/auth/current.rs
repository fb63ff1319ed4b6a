//! `CurrentUser`: the extractor that authenticates a request (session cookie with CSRF
//! token, or bearer API token), and `ClientInfo`, where the request came from.

use std::net::{IpAddr, SocketAddr};

use axum::extract::{ConnectInfo, FromRequestParts};
use axum::http::header::{AUTHORIZATION, COOKIE};
use axum::http::request::Parts;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::secret::token_hash;
use super::{csrf, session};
use crate::service::error::ApiError;
use crate::service::state::AppState;
use crate::service::time::now;

/// What an account may do; see `authz.rs` for what each role sees.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    Admin,
    Teacher,
    Grader,
    Student,
}

impl Role {
    pub const ALL: [Role; 4] = [Role::Admin, Role::Teacher, Role::Grader, Role::Student];

    pub fn as_str(self) -> &'static str {
        match self {
            Role::Admin => "admin",
            Role::Teacher => "teacher",
            Role::Grader => "grader",
            Role::Student => "student",
        }
    }

    pub fn parse(text: &str) -> Option<Role> {
        Role::ALL.into_iter().find(|r| r.as_str() == text)
    }
}

/// How the request proved who it is.
#[derive(Debug, Clone)]
pub enum Via {
    /// A session cookie; the hash identifies the session for logout.
    Session { token_hash: Vec<u8> },
    /// An API token.
    Token { token_id: i64 },
}

/// The authenticated caller.
#[derive(Debug, Clone)]
pub struct CurrentUser {
    pub id: i64,
    pub username: String,
    pub role: Role,
    pub via: Via,
}

impl FromRequestParts<AppState> for CurrentUser {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<CurrentUser, ApiError> {
        let bearer = parts
            .headers
            .get(AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("Bearer "))
            .map(str::trim);
        if let Some(token) = bearer {
            return by_api_token(state, token).await;
        }
        let cookie = parts
            .headers
            .get_all(COOKIE)
            .iter()
            .filter_map(|v| v.to_str().ok())
            .find_map(|header| session::cookie_value(header, session::COOKIE).map(str::to_string));
        let Some(token) = cookie else {
            return Err(ApiError::Unauthenticated);
        };
        let hash = token_hash(&token);
        let row: Option<(i64, String, String, String)> = sqlx::query_as(
            "SELECT u.id, u.username, u.role, s.csrf_token FROM sessions s JOIN users u ON u.id = s.user_id \
             WHERE s.token_hash = ? AND s.expires_at > ? AND u.disabled = 0",
        )
        .bind(&hash)
        .bind(now())
        .fetch_optional(&state.db)
        .await?;
        let Some((id, username, role, csrf_token)) = row else {
            return Err(ApiError::Unauthenticated);
        };
        if csrf::needs_token(&parts.method) && !csrf::token_matches(&parts.headers, &csrf_token) {
            return Err(ApiError::Csrf);
        }
        Ok(CurrentUser { id, username, role: parse_role(&role)?, via: Via::Session { token_hash: hash } })
    }
}

async fn by_api_token(state: &AppState, token: &str) -> Result<CurrentUser, ApiError> {
    let row: Option<(i64, i64, String, String)> = sqlx::query_as(
        "SELECT t.id, u.id, u.username, u.role FROM api_tokens t JOIN users u ON u.id = t.user_id \
         WHERE t.token_hash = ? AND u.disabled = 0",
    )
    .bind(token_hash(token))
    .fetch_optional(&state.db)
    .await?;
    let Some((token_id, id, username, role)) = row else {
        return Err(ApiError::Unauthenticated);
    };
    sqlx::query("UPDATE api_tokens SET last_used_at = ? WHERE id = ?")
        .bind(now())
        .bind(token_id)
        .execute(&state.db)
        .await?;
    Ok(CurrentUser { id, username, role: parse_role(&role)?, via: Via::Token { token_id } })
}

fn parse_role(text: &str) -> Result<Role, ApiError> {
    Role::parse(text).ok_or_else(|| ApiError::Internal(format!("unknown role {text:?} in the database")))
}

/// Where a request came from: its client address (for the login throttle) and whether
/// it came over TLS (for the cookie's `Secure`).
#[derive(Debug, Clone, Copy)]
pub struct ClientInfo {
    pub address: IpAddr,
    pub tls: bool,
}

impl FromRequestParts<AppState> for ClientInfo {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<ClientInfo, ApiError> {
        let peer = parts
            .extensions
            .get::<ConnectInfo<SocketAddr>>()
            .map(|ConnectInfo(addr)| addr.ip())
            .ok_or_else(|| ApiError::Internal("the server was started without connection info".into()))?;
        if !state.config.trust_proxy {
            return Ok(ClientInfo { address: peer, tls: false });
        }
        // A proxy appends the address it saw; the last entry is the one it vouches for.
        let forwarded = parts
            .headers
            .get("x-forwarded-for")
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.rsplit(',').next())
            .and_then(|v| v.trim().parse().ok());
        let tls = parts
            .headers
            .get("x-forwarded-proto")
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.eq_ignore_ascii_case("https"));
        Ok(ClientInfo { address: forwarded.unwrap_or(peer), tls })
    }
}
