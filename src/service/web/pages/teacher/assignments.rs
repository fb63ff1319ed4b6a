//! `/teach/assignments/{id}`: the class overview of one assignment. Every student's lab
//! and latest score (teacher.js keeps them live by polling `/api/instances` and the
//! reports), their consoles (the console page, read-only for staff), cables to pull or
//! plug in (`POST /api/instances/{name}/links`), a grading run with its progress
//! (`/api/runs/{id}/events`), the results per check and per work process, and exports.

use axum::Router;
use axum::extract::{Path, State};
use axum::http::Uri;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use serde::Serialize;

use super::staff;
use crate::plan::InstanceId;
use crate::service::auth::{CurrentUser, Role};
use crate::service::authz::{self, Access, AssignmentRow};
use crate::service::error::ApiError;
use crate::service::grading::export;
use crate::service::instances::{instance_for, student_key};
use crate::service::routes::assignments::AssignmentView;
use crate::service::state::AppState;
use crate::service::web::i18n::PageLang;
use crate::service::web::render::page_path;
use crate::service::web::render::{Page, PageError};
use crate::service::web::signed_in::SignedIn;

pub fn router() -> Router<AppState> {
    Router::new().route("/teach/assignments/{id}", get(overview))
}

/// One student's row.
#[derive(Serialize)]
struct StudentLine {
    id: i64,
    number: Option<String>,
    name: String,
    /// Their instance's name (what `/api/instances` lists).
    instance: String,
    /// The lifecycle's state word, or `none` when they have no lab.
    state: String,
    latest: Option<LatestScore>,
    /// When they handed in (RFC 3339), if they did.
    handed_in_at: Option<String>,
}

#[derive(Serialize, sqlx::FromRow)]
struct LatestScore {
    id: i64,
    percent: f64,
    student_view: bool,
}

async fn overview(
    State(state): State<AppState>,
    SignedIn(user): SignedIn,
    lang: PageLang,
    uri: Uri,
    Path(id): Path<i64>,
) -> Response {
    let path = page_path(&uri);
    match content(&state, &user, id).await {
        Ok(content) => Page::new("teacher/overview.html", lang, Some(&user), &path)
            .with("assignment", &content.assignment)
            .with("class", &content.class)
            .with("students", &content.students)
            .with("nodes", &content.nodes)
            .with("endpoints", &content.endpoints)
            .with("results", &content.results)
            .with("can_operate", &content.can_operate)
            .with("has_engine", &state.lifecycle.is_some())
            .render(),
        Err(error) => PageError::new(error, lang, &path).into_response(),
    }
}

struct Content {
    assignment: AssignmentView,
    class: serde_json::Value,
    students: Vec<StudentLine>,
    nodes: Vec<String>,
    endpoints: Vec<String>,
    results: Vec<export::StudentResults>,
    can_operate: bool,
}

async fn content(state: &AppState, user: &CurrentUser, id: i64) -> Result<Content, ApiError> {
    staff(user)?;
    let assignment: AssignmentRow = authz::grade_assignment(&state.db, user, id).await?;
    let class = authz::class(&state.db, user, assignment.class_id, Access::Read).await?;
    // Pulling cables is `authz::operate_instance`'s: the same two conditions, asked here
    // only to show or hide the form; the API decides.
    let can_operate = matches!(user.role, Role::Admin | Role::Teacher)
        && authz::class(&state.db, user, class.id, Access::Write).await.is_ok();
    let lab = crate::service::routes::labs::stored_lab(&state.db, assignment.lab_version_id).await?;
    // Node and cable-end names are the teacher's for every student; only addresses vary.
    let design = lab.design_for(None);
    let nodes: Vec<String> = design.nodes.keys().cloned().collect();
    let endpoints: Vec<String> = design
        .nodes
        .values()
        .flat_map(|n| n.interfaces.keys().map(move |i| format!("{}:{i}", n.name)))
        .collect();
    let rows: Vec<(i64, Option<String>, String)> = sqlx::query_as(
        "SELECT u.id, u.student_number, u.display_name FROM users u JOIN class_students s ON s.user_id = u.id \
         WHERE s.class_id = ? ORDER BY u.student_number, u.id",
    )
    .bind(class.id)
    .fetch_all(&state.db)
    .await?;
    let mut students = Vec::new();
    for (student_id, number, name) in rows {
        let instance = instance_for(
            &state.config.lab_prefix,
            lab.name(),
            id,
            &student_key(number.as_deref(), student_id),
        );
        let lab_state = lab_state(state, &instance).await;
        let latest: Option<LatestScore> = sqlx::query_as(
            "SELECT id, percent, student_view FROM reports WHERE assignment_id = ? AND student_id = ? \
             ORDER BY id DESC LIMIT 1",
        )
        .bind(id)
        .bind(student_id)
        .fetch_optional(&state.db)
        .await?;
        let hand_in = crate::service::routes::hand_ins::of_student(&state.db, id, student_id).await?;
        students.push(StudentLine {
            id: student_id,
            number,
            name,
            instance: instance.to_string(),
            state: lab_state,
            latest,
            handed_in_at: hand_in.map(|h| h.handed_in_at),
        });
    }
    let results = export::latest(&state.db, id).await?;
    Ok(Content {
        assignment: assignment.into(),
        class: serde_json::json!({ "id": class.id, "name": class.name }),
        students,
        nodes,
        endpoints,
        results,
        can_operate,
    })
}

/// The lifecycle's word for a student's lab, `none` when they have none (or no engine
/// runs here).
async fn lab_state(state: &AppState, instance: &InstanceId) -> String {
    match &state.lifecycle {
        Some(lifecycle) => match lifecycle.status(instance).await {
            Ok(status) => status.state.name().to_string(),
            Err(_) => "none".to_string(),
        },
        None => "none".to_string(),
    }
}
