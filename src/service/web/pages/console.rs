//! `/consoles/{assignment_id}/{student_id}/{node}`: a node's terminal filling the
//! window, for the lab page's iframe or a tab of its own. The page reads nothing but
//! who may open the console (the WebSocket's own decision, `routes::consoles::open`),
//! and `web/static/terminal.js` draws the screen the WebSocket sends in screen mode.

use axum::Router;
use axum::extract::{Path, Query, State};
use axum::http::Uri;
use axum::response::Response;
use axum::routing::get;
use serde::{Deserialize, Serialize};

use crate::service::routes::consoles;
use crate::service::state::AppState;
use crate::service::web::i18n::PageLang;
use crate::service::web::render::{Page, PageError, page_path, percent_encode};
use crate::service::web::signed_in::SignedIn;

pub fn router() -> Router<AppState> {
    Router::new().route("/consoles/{assignment_id}/{student_id}/{node}", get(console_page))
}

#[derive(Debug, Default, Deserialize)]
struct ConsolePageQuery {
    /// A teacher types too (the WebSocket decides whether they may).
    #[serde(default)]
    take_over: bool,
}

/// What the template shows and the script connects to.
#[derive(Debug, Serialize)]
struct ConsoleView {
    node: String,
    socket: String,
    writable: bool,
}

async fn console_page(
    State(state): State<AppState>,
    SignedIn(user): SignedIn,
    lang: PageLang,
    uri: Uri,
    Path((assignment_id, student_id, node)): Path<(i64, i64, String)>,
    Query(query): Query<ConsolePageQuery>,
) -> Result<Response, PageError> {
    let path = page_path(&uri);
    let console = consoles::open(&state, &user, assignment_id, student_id, &node, query.take_over)
        .await
        .map_err(|e| PageError::new(e, lang, &path))?;
    let take_over = if query.take_over { "&take_over=true" } else { "" };
    let socket = format!(
        "/api/assignments/{assignment_id}/students/{student_id}/console/{}?screen=true{take_over}",
        percent_encode(&node)
    );
    let view = ConsoleView { node, socket, writable: console.writable };
    Ok(Page::new("console/console.html", lang, Some(&user), &path).with("console", &view).render())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::design::model::Lang;
    use crate::service::auth::current::Via;
    use crate::service::auth::{CurrentUser, Role};

    fn page(lang: Lang, writable: bool) -> String {
        let user = CurrentUser {
            id: 7,
            username: "jan".into(),
            role: Role::Student,
            via: Via::Session { token_hash: vec![] },
        };
        let view = ConsoleView { node: "r1".into(), socket: "/api/x?screen=true".into(), writable };
        let response = Page::new("console/console.html", PageLang(lang), Some(&user), "/consoles/1/7/r1")
            .with("console", &view)
            .render();
        assert_eq!(response.status(), axum::http::StatusCode::OK);
        let body = futures::executor::block_on(axum::body::to_bytes(response.into_body(), 1 << 20)).unwrap();
        String::from_utf8(body.to_vec()).unwrap()
    }

    #[test]
    fn the_page_names_the_terminal_and_says_when_it_is_read_only_in_both_languages() {
        let owner = page(Lang::En, true);
        assert!(owner.contains(r#"aria-label="Terminal of r1""#), "{owner}");
        assert!(owner.contains(r#"data-writable="true""#) && !owner.contains("console-read-only"));
        let watcher = page(Lang::Nl, false);
        assert!(watcher.contains(r#"aria-label="Terminal van r1""#), "{watcher}");
        assert!(watcher.contains("Alleen lezen") && watcher.contains(r#"readonly"#), "{watcher}");
        assert!(!watcher.contains("console-paste"), "nothing to paste into");
    }
}
