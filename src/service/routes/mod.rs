//! The HTTP routes, one module per resource; each exports `router()`. `router` here
//! joins them with the middleware every request gets.

pub mod assignments;
pub mod auth;
pub mod classes;
pub mod consoles;
pub mod grading;
pub mod hand_ins;
pub mod health;
pub mod instances;
pub mod lab_import;
pub mod labs;
pub mod rubric;
pub mod tokens;
pub mod users;

use axum::Router;
use axum::middleware;
use axum::routing::get;

use super::state::AppState;

/// The whole service. The lab lifecycle adds its routes here with `.merge(...)`.
pub fn router(state: AppState) -> Router {
    Router::new()
        .merge(auth::router())
        .merge(tokens::router())
        .merge(users::router())
        .merge(classes::router())
        .merge(labs::router())
        .merge(lab_import::router())
        .merge(assignments::router())
        .merge(grading::router())
        .merge(hand_ins::router())
        .merge(rubric::router())
        .merge(consoles::router())
        .merge(instances::router())
        .route("/api/openapi.json", get(super::openapi::serve))
        .route("/metrics", get(super::metrics::serve))
        .merge(health::router())
        .merge(super::web::router())
        // A route layer sees the matched route's template, which metrics label by.
        .route_layer(middleware::from_fn_with_state(state.clone(), super::metrics::count))
        .fallback(|| async { super::error::ApiError::NotFound })
        .layer(middleware::from_fn(super::error::json_errors))
        .with_state(state)
}
