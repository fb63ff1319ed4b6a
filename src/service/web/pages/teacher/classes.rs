//! `/teach/classes/{id}`: a class's students, its assignments, and importing the
//! school's class list (the import itself is `POST /api/classes/{id}/students/import`
//! from teacher.js, which shows each bad row's error next to the row).

use axum::Router;
use axum::extract::{Path, State};
use axum::http::Uri;
use axum::response::{IntoResponse, Response};
use axum::routing::get;

use super::staff;
use crate::service::authz::{self, Access};
use crate::service::routes::assignments::AssignmentView;
use crate::service::routes::classes::StudentView;
use crate::service::state::AppState;
use crate::service::web::i18n::PageLang;
use crate::service::web::render::page_path;
use crate::service::web::render::{Page, PageError};
use crate::service::web::signed_in::SignedIn;

pub fn router() -> Router<AppState> {
    Router::new().route("/teach/classes/{id}", get(class_page))
}

async fn class_page(
    State(state): State<AppState>,
    SignedIn(user): SignedIn,
    lang: PageLang,
    uri: Uri,
    Path(id): Path<i64>,
) -> Response {
    let path = page_path(&uri);
    let fail = |error| PageError::new(error, lang, &path).into_response();
    if let Err(error) = staff(&user) {
        return fail(error);
    }
    let class = match authz::class(&state.db, &user, id, Access::Read).await {
        Ok(class) => class,
        Err(error) => return fail(error),
    };
    if let Err(error) = authz::read_roster(&user) {
        return fail(error);
    }
    let can_import = authz::class(&state.db, &user, id, Access::Write).await.is_ok();
    let students: Vec<StudentView> = match sqlx::query_as(
        "SELECT u.id, u.student_number, u.display_name, u.email FROM users u \
         JOIN class_students s ON s.user_id = u.id WHERE s.class_id = ? ORDER BY u.student_number, u.id",
    )
    .bind(id)
    .fetch_all(&state.db)
    .await
    {
        Ok(students) => students,
        Err(error) => return fail(error.into()),
    };
    let assignments: Vec<AssignmentView> = match authz::visible_assignments(&state.db, &user).await {
        Ok(rows) => rows.into_iter().filter(|a| a.class_id == id).map(AssignmentView::from).collect(),
        Err(error) => return fail(error),
    };
    Page::new("teacher/class.html", lang, Some(&user), &path)
        .with("class", &serde_json::json!({ "id": class.id, "name": class.name }))
        .with("students", &students)
        .with("assignments", &assignments)
        .with("can_import", &can_import)
        .render()
}
