//! The web pages: rendered on the server with tera from `web/templates`, with the
//! static files of `web/static` and the texts of `web/i18n`, all embedded in the binary
//! so `asbuilt serve` is one file to install and a page loads nothing from anywhere
//! else (a school network may block a CDN, an exam room may be offline). The
//! Content-Security-Policy every page gets (`page_headers`) holds the browser to that.
//!
//! Pages read with the session cookie; what they change goes through the JSON API
//! (`routes/`) from `web/static/app.js`, with the session's CSRF token, so a page
//! never does anything the API would not let its user do.
//!
//! - `assets.rs`: `/static/...` from the embedded files.
//! - `i18n.rs`: the language of a request (cookie, else the browser's) and its texts.
//! - `render.rs`: the templates, and rendering a page or an error page.
//! - `signed_in.rs`: the extractor for pages that need a user (else to the login page).
//! - `pages/`: one module per group of pages, each exporting `router()`.

pub mod assets;
pub mod i18n;
pub mod pages;
pub mod render;
pub mod signed_in;

use axum::Router;
use axum::http::{HeaderValue, header};
use axum::middleware;
use include_dir::{Dir, include_dir};

use super::state::AppState;

/// Everything under `web/`, compiled in.
pub static WEB: Dir<'static> = include_dir!("$CARGO_MANIFEST_DIR/web");

/// The pages and their static files.
pub fn router() -> Router<AppState> {
    Router::new().merge(assets::router()).merge(pages::router()).layer(middleware::from_fn(page_headers))
}

/// Only this server's own scripts, styles, images and connections; no framing by other
/// sites. Inline styles are allowed for the SVG diagrams' attributes; inline scripts
/// are not, so injected markup cannot run.
const CONTENT_SECURITY_POLICY: &str = "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; \
     img-src 'self' data:; connect-src 'self'; font-src 'self'; frame-src 'self'; \
     frame-ancestors 'self'; form-action 'self'; base-uri 'none'; object-src 'none'";

async fn page_headers(request: axum::extract::Request, next: middleware::Next) -> axum::response::Response {
    let mut response = next.run(request).await;
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_SECURITY_POLICY, HeaderValue::from_static(CONTENT_SECURITY_POLICY));
    headers.insert(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    headers.insert(header::REFERRER_POLICY, HeaderValue::from_static("same-origin"));
    response
}
