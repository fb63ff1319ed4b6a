//! The topology editor: `/teach/labs/new` and `/teach/labs/{id}/edit`; and
//! `/teach/labs/import`, where another tool's lab is imported. The editor carries
//! the source, the classes it may be published to and the students whose view the
//! teacher may look at; editor.js validates through `POST /api/labs/validate` as the
//! teacher types, saves with `POST /api/labs` and publishes with `POST /api/assignments`.

use axum::Router;
use axum::extract::{Path, State};
use axum::http::Uri;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use serde::Serialize;

use crate::service::auth::CurrentUser;
use crate::service::authz::{self, Access};
use crate::service::error::ApiError;
use crate::service::instances::student_key;
use crate::service::state::AppState;
use crate::service::web::i18n::PageLang;
use crate::service::web::render::page_path;
use crate::service::web::render::{Page, PageError};
use crate::service::web::signed_in::SignedIn;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/teach/labs/new", get(new_lab))
        .route("/teach/labs/import", get(import_lab))
        .route("/teach/labs/{id}/edit", get(edit_lab))
}

/// `/teach/labs/import`: a Kathará or containerlab lab sent to `POST /api/labs/import`
/// by lab-import.js, which then offers the editor of the stored lab.
async fn import_lab(SignedIn(user): SignedIn, lang: PageLang, uri: Uri) -> Response {
    let path = page_path(&uri);
    match authz::create_teaching_material(&user) {
        Ok(()) => Page::new("teacher/import.html", lang, Some(&user), &path).render(),
        Err(error) => PageError::new(error, lang, &path).into_response(),
    }
}

/// What a new lab starts from: the smallest valid lab, to change.
const STARTER: &str = "lab: my-lab\ntitle:\n  nl: Mijn lab\n  en: My lab\ntrains: [B1-K2-W1]\nnodes:\n  r1: { kind: router }\n  pc1: { kind: host }\nlinks:\n  - r1:eth1 -- pc1:eth1\ndesign:\n  addresses:\n    r1:eth1: 10.0.0.1/24\n    pc1:eth1: 10.0.0.11/24\n";

#[derive(Serialize)]
struct ClassChoice {
    id: i64,
    name: String,
}

#[derive(Serialize)]
struct StudentChoice {
    /// The key their variant is made from (`instances::student_key`).
    key: String,
    name: String,
    class_name: String,
}

#[derive(Serialize)]
struct Editing {
    id: i64,
    name: String,
    version: i64,
}

async fn new_lab(
    State(state): State<AppState>,
    SignedIn(user): SignedIn,
    lang: PageLang,
    uri: Uri,
) -> Response {
    editor(&state, &user, lang, &page_path(&uri), None).await
}

async fn edit_lab(
    State(state): State<AppState>,
    SignedIn(user): SignedIn,
    lang: PageLang,
    uri: Uri,
    Path(id): Path<i64>,
) -> Response {
    editor(&state, &user, lang, &page_path(&uri), Some(id)).await
}

async fn editor(
    state: &AppState,
    user: &CurrentUser,
    lang: PageLang,
    path: &str,
    lab_id: Option<i64>,
) -> Response {
    match content(state, user, lab_id).await {
        Ok((lab, source, classes, students)) => Page::new("teacher/editor.html", lang, Some(user), path)
            .with("lab", &lab)
            .with("source", &source)
            .with("classes", &classes)
            .with("students", &students)
            .render(),
        Err(error) => PageError::new(error, lang, path).into_response(),
    }
}

type Content = (Option<Editing>, String, Vec<ClassChoice>, Vec<StudentChoice>);

async fn content(state: &AppState, user: &CurrentUser, lab_id: Option<i64>) -> Result<Content, ApiError> {
    // Only those who may upload a lab get its editor (graders: 403, shown as not found).
    authz::create_teaching_material(user)?;
    let (lab, source) = match lab_id {
        Some(id) => {
            let lab = authz::lab(&state.db, user, id, Access::Read).await?;
            let (version, source): (i64, String) = sqlx::query_as(
                "SELECT version, source FROM lab_versions WHERE lab_id = ? ORDER BY version DESC LIMIT 1",
            )
            .bind(id)
            .fetch_optional(&state.db)
            .await?
            .ok_or(ApiError::NotFound)?;
            (Some(Editing { id: lab.id, name: lab.name, version }), source)
        }
        None => (None, STARTER.to_string()),
    };
    let mut classes = Vec::new();
    let mut students = Vec::new();
    for class in authz::visible_classes(&state.db, user).await? {
        // Publishing needs the right to change the class, as the API asks.
        if authz::class(&state.db, user, class.id, Access::Write).await.is_err() {
            continue;
        }
        let rows: Vec<(i64, Option<String>, String)> = sqlx::query_as(
            "SELECT u.id, u.student_number, u.display_name FROM users u JOIN class_students s ON s.user_id = u.id \
             WHERE s.class_id = ? ORDER BY u.student_number, u.id",
        )
        .bind(class.id)
        .fetch_all(&state.db)
        .await?;
        for (id, number, name) in rows {
            students.push(StudentChoice {
                key: student_key(number.as_deref(), id),
                name,
                class_name: class.name.clone(),
            });
        }
        classes.push(ClassChoice { id: class.id, name: class.name });
    }
    Ok((lab, source, classes, students))
}
