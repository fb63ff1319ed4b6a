//! The pages, one module per group; each exports `router()`.
//!
//! - `account.rs`: the start page, logging in and the language switch.
//! - `console.rs`: a node's console, full window (for the lab page's iframe).
//! - `student/`: a student's assignments and the lab page of each.
//! - `teacher/`: the teacher's pages under `/teach`.

pub mod account;
pub mod console;
pub mod student;
pub mod teacher;

use axum::Router;

use crate::service::state::AppState;

pub fn router() -> Router<AppState> {
    Router::new()
        .merge(account::router())
        .merge(console::router())
        .merge(student::router())
        .merge(teacher::router())
}
