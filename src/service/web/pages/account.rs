//! The start page (to the signed-in user's own home), the login page and the language
//! switch. Logging out is `POST /api/auth/logout` from the header's button (app.js).

use axum::extract::{Query, State};
use axum::http::header::SET_COOKIE;
use axum::http::{HeaderMap, HeaderValue, StatusCode, Uri};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use axum::{Form, Router};
use serde::Deserialize;

use crate::design::model::Lang;
use crate::service::auth::Role;
use crate::service::auth::current::ClientInfo;
use crate::service::error::ApiError;
use crate::service::routes::auth::sign_in;
use crate::service::state::AppState;
use crate::service::web::i18n::{self, PageLang};
use crate::service::web::render::{Page, local_path, page_path};
use crate::service::web::signed_in::SignedIn;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/", get(home))
        .route("/login", get(login_page).post(login))
        .route("/lang/{code}", get(switch_language))
}

/// Where each role starts: students at their assignments, everyone else at the
/// classes they teach or grade.
pub fn home_of(role: Role) -> &'static str {
    match role {
        Role::Student => "/my",
        Role::Teacher | Role::Grader | Role::Admin => "/teach",
    }
}

async fn home(SignedIn(user): SignedIn) -> Redirect {
    Redirect::to(home_of(user.role))
}

#[derive(Debug, Deserialize)]
struct Next {
    next: Option<String>,
}

async fn login_page(lang: PageLang, Query(next): Query<Next>, uri: Uri) -> Response {
    login_form(lang, &uri, next.next.as_deref(), "", None, StatusCode::OK)
}

fn login_form(
    lang: PageLang,
    uri: &Uri,
    next: Option<&str>,
    username: &str,
    error: Option<String>,
    status: StatusCode,
) -> Response {
    Page::new("login.html", lang, None, &page_path(uri))
        .with("next", &local_path(next))
        .with("username", &username)
        .with("error", &error)
        .status(status)
        .render()
}

#[derive(Debug, Deserialize)]
struct LoginForm {
    username: String,
    password: String,
    next: Option<String>,
}

/// The login form's POST: works without JavaScript. A wrong password shows the form
/// again with the message next to it and the username kept.
async fn login(
    State(state): State<AppState>,
    lang: PageLang,
    client: ClientInfo,
    uri: Uri,
    Form(form): Form<LoginForm>,
) -> Response {
    match sign_in(&state, client, &form.username, form.password).await {
        Ok(signed_in) => {
            let role: Option<String> = sqlx::query_scalar("SELECT role FROM users WHERE id = ?")
                .bind(signed_in.user_id)
                .fetch_optional(&state.db)
                .await
                .ok()
                .flatten();
            let target = match form.next.as_deref().map(|n| local_path(Some(n))) {
                Some(path) if path != "/" => path,
                _ => role.as_deref().and_then(Role::parse).map(home_of).unwrap_or("/").to_string(),
            };
            (signed_in.cookies, Redirect::to(&target)).into_response()
        }
        Err(error) => {
            let status = error.status();
            let message = match error {
                ApiError::BadLogin => {
                    lang.texts()["common"]["login_wrong"].as_str().unwrap_or("").to_string()
                }
                ApiError::Throttled(secs) => lang.texts()["common"]["login_throttled"]
                    .as_str()
                    .unwrap_or("")
                    .replace("{secs}", &secs.to_string()),
                ApiError::Internal(cause) => {
                    tracing::error!(%cause, "login page failed");
                    lang.texts()["common"]["internal"].as_str().unwrap_or("").to_string()
                }
                other => other.to_string(),
            };
            login_form(lang, &uri, form.next.as_deref(), &form.username, Some(message), status)
        }
    }
}

/// Remembers the chosen language for a year and goes back to the page it was chosen on.
async fn switch_language(
    axum::extract::Path(code): axum::extract::Path<String>,
    Query(next): Query<Next>,
) -> Response {
    let Some(lang) = Lang::parse(&code) else {
        return StatusCode::NOT_FOUND.into_response();
    };
    let cookie =
        format!("{}={}; Path=/; SameSite=Lax; Max-Age=31536000", i18n::COOKIE_NAME, i18n::code(lang));
    let mut headers = HeaderMap::new();
    headers.insert(SET_COOKIE, HeaderValue::from_str(&cookie).expect("a fixed cookie is a header value"));
    (headers, Redirect::to(&local_path(next.next.as_deref()))).into_response()
}
