//! `GET /healthz`: whether the service can reach its database, and whether it runs labs.

use axum::extract::State;
use axum::routing::get;
use axum::{Json, Router};
use serde::Serialize;
use utoipa::ToSchema;

use crate::service::error::ApiError;
use crate::service::state::AppState;

pub fn router() -> Router<AppState> {
    Router::new().route("/healthz", get(healthz))
}

/// The service's health.
#[derive(Debug, Serialize, ToSchema)]
pub struct Health {
    /// `ok` when the database answers.
    pub status: &'static str,
    /// `running` when the lab engine was reached at start and the lab lifecycle runs;
    /// `unavailable` when it was not: accounts, classes and reports work, lab actions
    /// answer 503 until the service is restarted with the engine reachable.
    pub labs: &'static str,
}

/// Whether the service is up and its database answers.
#[utoipa::path(get, path = "/healthz", tag = "service",
    responses((status = 200, body = Health), (status = 500, body = crate::service::error::ErrorBody)))]
pub async fn healthz(State(state): State<AppState>) -> Result<Json<Health>, ApiError> {
    sqlx::query("SELECT 1").execute(&state.db).await?;
    let labs = if state.lifecycle.is_some() { "running" } else { "unavailable" };
    Ok(Json(Health { status: "ok", labs }))
}
