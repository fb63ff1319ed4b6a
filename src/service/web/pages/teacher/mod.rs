//! The teacher's pages (also for graders and admins, who see what `authz` lets them):
//! one module per page group, each with `router()`. They read on the server through
//! `authz` like the JSON API; every change goes through the API from
//! `web/static/teacher.js` and `web/static/editor.js`.
//!
//! - `home.rs`: `/teach`, the classes, labs and assignments.
//! - `classes.rs`: `/teach/classes/{id}`, a class's students and the CSV import.
//! - `labs.rs`: `/teach/labs/new` and `/teach/labs/{id}/edit`, the topology editor.
//! - `assignments.rs`: `/teach/assignments/{id}`, the class overview of an assignment.
//! - `reports.rs`: `/teach/reports/{id}`, one student's report with its evidence.

pub mod assignments;
pub mod classes;
pub mod home;
pub mod labs;
pub mod reports;

use axum::Router;

use crate::service::auth::{CurrentUser, Role};
use crate::service::authz;
use crate::service::error::ApiError;
use crate::service::state::AppState;

pub fn router() -> Router<AppState> {
    Router::new()
        .merge(home::router())
        .merge(classes::router())
        .merge(labs::router())
        .merge(assignments::router())
        .merge(reports::router())
}

/// The teacher's pages are for staff; a student gets 404 as from the API.
fn staff(user: &CurrentUser) -> Result<(), ApiError> {
    authz::require_role(user, &[Role::Admin, Role::Teacher, Role::Grader])
}
