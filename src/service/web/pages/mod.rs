//! The pages, one module per group; each exports `router()`.
//!
//! - `account.rs`: the start page, logging in and the language switch.
//! - `teacher/`: the teacher's pages under `/teach`.

pub mod account;
pub mod teacher;

use axum::Router;

use crate::service::state::AppState;

pub fn router() -> Router<AppState> {
    Router::new().merge(account::router()).merge(teacher::router())
}
