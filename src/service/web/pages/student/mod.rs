//! The student's pages: `/my` (their assignments, each with its lab's state, deadline,
//! last score and hand-in) and `/my/assignments/{id}` (one assignment's lab: the task,
//! the diagram with each node's live state, a console per node, requesting, resetting
//! and extending the lab, "check my work" live, and handing in).
//!
//! Both pages are the caller's own: no URL names a student, so no student can open
//! another's; an assignment outside the student's classes is 404, as in the API. What
//! the pages change goes through the JSON API from `web/static/student.js`.
//!
//! - `own.rs`: the student's lab, last score and hand-in of one assignment.
//! - `lab.rs`: the task, diagram, nodes and checks from the student's own design.
//! - `markdown.rs`: the task text as safe HTML.

pub mod lab;
mod markdown;
mod own;

use axum::Router;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use serde::Serialize;

use super::account::home_of;
use crate::service::auth::Role;
use crate::service::authz::{self, Access};
use crate::service::error::ApiError;
use crate::service::state::AppState;
use crate::service::web::i18n::PageLang;
use crate::service::web::render::{Page, PageError};
use crate::service::web::signed_in::SignedIn;

pub fn router() -> Router<AppState> {
    Router::new().route("/my", get(my_assignments)).route("/my/assignments/{id}", get(lab_page))
}

/// The student's assignments, soonest deadline first. Staff have no assignments of
/// their own: they go to their start page.
async fn my_assignments(State(state): State<AppState>, lang: PageLang, SignedIn(user): SignedIn) -> Response {
    if user.role != Role::Student {
        return Redirect::to(home_of(user.role)).into_response();
    }
    let path = "/my";
    let rows = match authz::visible_assignments(&state.db, &user).await {
        Ok(rows) => rows,
        Err(error) => return PageError::new(error, lang, path).into_response(),
    };
    let mut cards = Vec::new();
    for row in rows {
        match own::card(&state, &user, row).await {
            Ok(card) => cards.push(card),
            Err(error) => return PageError::new(error, lang, path).into_response(),
        }
    }
    Page::new("student/assignments.html", lang, Some(&user), path).with("assignments", &cards).render()
}

/// What the lab page's script needs to know, as data attributes.
#[derive(Debug, Serialize)]
struct Wiring {
    assignment_id: i64,
    student_id: i64,
    instance: String,
    state: String,
}

async fn lab_page(
    State(state): State<AppState>,
    lang: PageLang,
    SignedIn(user): SignedIn,
    Path(id): Path<i64>,
) -> Response {
    let path = format!("/my/assignments/{id}");
    match lab_page_of(&state, lang, &user, id, &path).await {
        Ok(page) => page,
        Err(error) => PageError::new(error, lang, &path).into_response(),
    }
}

async fn lab_page_of(
    state: &AppState,
    lang: PageLang,
    user: &crate::service::auth::CurrentUser,
    id: i64,
    path: &str,
) -> Result<Response, ApiError> {
    // A student's own lab: staff look at students' labs from the class pages.
    if user.role != Role::Student {
        return Err(ApiError::NotFound);
    }
    let row = authz::assignment(&state.db, user, id, Access::Read).await?;
    let lab_version_id = row.lab_version_id;
    let card = own::card(state, user, row).await?;
    let key = own::key_of(state, user).await?;
    let view = state.lab_views.get(state, lab_version_id, &key, lang.0).await?;
    let wiring = Wiring {
        assignment_id: id,
        student_id: user.id,
        instance: card.lab.name.clone(),
        state: card.lab.state.clone(),
    };
    // The teacher's scores of the rubric so far, by item: `earned` as text, "" until scored.
    let given = crate::service::grading::rubric::given(&state.db, id, user.id).await?;
    let scores: std::collections::BTreeMap<&str, serde_json::Value> = given
        .iter()
        .map(|(item, score)| {
            (
                item.as_str(),
                serde_json::json!({ "earned": score.points().to_string(), "comment": score.comment() }),
            )
        })
        .collect();
    Ok(Page::new("student/lab.html", lang, Some(user), path)
        .with("assignment", &card)
        .with("lab", &*view)
        .with("wiring", &wiring)
        .with("rubric_scores", &scores)
        .render())
}
