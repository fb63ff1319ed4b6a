//! `/teach`: the classes, labs and assignments the caller may see, and a new class.

use axum::Router;
use axum::extract::State;
use axum::http::Uri;
use axum::response::Response;
use axum::routing::get;
use serde::Serialize;

use super::staff;
use crate::service::authz;
use crate::service::error::ApiError;
use crate::service::routes::assignments::AssignmentView;
use crate::service::state::AppState;
use crate::service::web::i18n::PageLang;
use crate::service::web::render::page_path;
use crate::service::web::render::{Page, PageError};
use crate::service::web::signed_in::SignedIn;

pub fn router() -> Router<AppState> {
    Router::new().route("/teach", get(home))
}

#[derive(Serialize)]
struct ClassItem {
    id: i64,
    name: String,
    students: i64,
}

#[derive(Serialize)]
struct LabItem {
    id: i64,
    name: String,
    versions: i64,
}

#[derive(Serialize)]
struct AssignmentItem {
    #[serde(flatten)]
    view: AssignmentView,
    class_name: String,
}

async fn home(State(state): State<AppState>, SignedIn(user): SignedIn, lang: PageLang, uri: Uri) -> Response {
    let path = page_path(&uri);
    match content(&state, &user).await {
        Ok((classes, labs, assignments)) => Page::new("teacher/home.html", lang, Some(&user), &path)
            .with("classes", &classes)
            .with("labs", &labs)
            .with("assignments", &assignments)
            .with("can_create", &authz::create_teaching_material(&user).is_ok())
            .render(),
        Err(error) => axum::response::IntoResponse::into_response(PageError::new(error, lang, &path)),
    }
}

type Content = (Vec<ClassItem>, Vec<LabItem>, Vec<AssignmentItem>);

async fn content(state: &AppState, user: &crate::service::auth::CurrentUser) -> Result<Content, ApiError> {
    staff(user)?;
    let mut classes = Vec::new();
    for class in authz::visible_classes(&state.db, user).await? {
        let students: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM class_students WHERE class_id = ?")
            .bind(class.id)
            .fetch_one(&state.db)
            .await?;
        classes.push(ClassItem { id: class.id, name: class.name, students });
    }
    let mut labs = Vec::new();
    for lab in authz::visible_labs(&state.db, user).await? {
        let versions: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM lab_versions WHERE lab_id = ?")
            .bind(lab.id)
            .fetch_one(&state.db)
            .await?;
        labs.push(LabItem { id: lab.id, name: lab.name, versions });
    }
    let assignments = authz::visible_assignments(&state.db, user)
        .await?
        .into_iter()
        .map(|row| {
            let class_name =
                classes.iter().find(|c| c.id == row.class_id).map(|c| c.name.clone()).unwrap_or_default();
            AssignmentItem { view: row.into(), class_name }
        })
        .collect();
    Ok((classes, labs, assignments))
}
