//! The templates (`web/templates`, tera) and rendering a page: every page gets its
//! language, texts (`t`), the signed-in user and its own path (for the language
//! switch) besides what the page itself puts in. Tera escapes every value by default;
//! only the diagram SVG and rendered Markdown, which asbuilt makes itself, go in with
//! `| safe`.

use std::sync::LazyLock;

use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Redirect, Response};
use serde::Serialize;
use tera::{Context, Tera};

use super::WEB;
use super::i18n::PageLang;
use crate::service::auth::CurrentUser;
use crate::service::error::ApiError;

static TEMPLATES: LazyLock<Tera> = LazyLock::new(|| load().unwrap_or_else(|e| panic!("{e}")));

/// Every template under `web/templates`, by its path there (`student/lab.html`).
fn load() -> Result<Tera, String> {
    let dir = WEB.get_dir("templates").ok_or("web/templates is missing")?;
    let mut files = Vec::new();
    collect(dir, &mut files);
    let mut tera = Tera::default();
    let named: Vec<(String, String)> = files
        .into_iter()
        .map(|f| {
            let name = f.path().strip_prefix("templates").unwrap_or(f.path()).display().to_string();
            (name, f.contents_utf8().unwrap_or_default().to_string())
        })
        .collect();
    tera.add_raw_templates(named).map_err(|e| format!("web/templates: {e:?}"))?;
    tera.autoescape_on(vec![".html"]);
    // tera's own filters need its default features (and their dependencies); pages
    // need only this one, for paths in query strings.
    tera.register_filter(
        "urlencode",
        |value: &tera::Value, _: &std::collections::HashMap<String, tera::Value>| {
            let text = value.as_str().ok_or_else(|| tera::Error::msg("urlencode takes a string"))?;
            Ok(tera::Value::String(percent_encode(text)))
        },
    );
    Ok(tera)
}

fn collect<'a>(dir: &'a include_dir::Dir<'a>, out: &mut Vec<&'a include_dir::File<'a>>) {
    out.extend(dir.files());
    for sub in dir.dirs() {
        collect(sub, out);
    }
}

/// Who is looking at a page, as templates see it.
#[derive(Debug, Serialize)]
struct Viewer<'a> {
    username: &'a str,
    role: &'a str,
}

/// A page about to be rendered: add what the template needs, then `render`.
pub struct Page {
    template: &'static str,
    context: Context,
    status: StatusCode,
}

impl Page {
    /// `path` is the page's own path and query, where the language switch comes back to.
    pub fn new(template: &'static str, lang: PageLang, user: Option<&CurrentUser>, path: &str) -> Page {
        let mut context = Context::new();
        context.insert("lang", lang.code());
        context.insert("t", lang.texts());
        context.insert("path", path);
        if let Some(user) = user {
            context.insert("user", &Viewer { username: &user.username, role: user.role.as_str() });
        }
        Page { template, context, status: StatusCode::OK }
    }

    pub fn with(mut self, key: &str, value: &impl Serialize) -> Page {
        self.context.insert(key, value);
        self
    }

    pub fn status(mut self, status: StatusCode) -> Page {
        self.status = status;
        self
    }

    pub fn render(self) -> Response {
        match TEMPLATES.render(self.template, &self.context) {
            Ok(html) => (self.status, Html(html)).into_response(),
            Err(e) => {
                tracing::error!(template = self.template, error = ?e, "page failed to render");
                (StatusCode::INTERNAL_SERVER_ERROR, Html("<h1>500</h1>".to_string())).into_response()
            }
        }
    }
}

/// What a page handler returns when it cannot show its page: the API's error, shown as
/// a page in the user's language (signed out: to the login page, then back).
pub struct PageError {
    pub error: ApiError,
    pub lang: PageLang,
    pub path: String,
}

impl PageError {
    pub fn new(error: impl Into<ApiError>, lang: PageLang, path: &str) -> PageError {
        PageError { error: error.into(), lang, path: path.to_string() }
    }
}

impl IntoResponse for PageError {
    fn into_response(self) -> Response {
        let (status, key) = match &self.error {
            ApiError::Unauthenticated => return Redirect::to(&login_url(&self.path)).into_response(),
            ApiError::NotFound => (StatusCode::NOT_FOUND, "not_found"),
            ApiError::Forbidden => (StatusCode::NOT_FOUND, "not_found"),
            ApiError::Internal(cause) => {
                tracing::error!(%cause, path = %self.path, "page failed");
                (StatusCode::INTERNAL_SERVER_ERROR, "internal")
            }
            other => (other.status(), "other"),
        };
        // Only errors whose text is meant for users are shown as they are.
        let message = if key == "other" { self.error.to_string() } else { String::new() };
        Page::new("error.html", self.lang, None, &self.path)
            .with("error_key", &key)
            .with("message", &message)
            .status(status)
            .render()
    }
}

/// The path and query a page was asked with: where the language switch and the login
/// page come back to.
pub fn page_path(uri: &axum::http::Uri) -> String {
    uri.path_and_query().map(|p| p.as_str().to_string()).unwrap_or_else(|| uri.path().to_string())
}

/// The login page, coming back to `path` afterwards.
pub fn login_url(path: &str) -> String {
    format!("/login?next={}", percent_encode(path))
}

/// Percent-encodes everything but unreserved characters and `/`.
pub fn percent_encode(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for byte in text.bytes() {
        match byte {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' | b'/' => {
                out.push(byte as char)
            }
            _ => out.push_str(&format!("%{byte:02X}")),
        }
    }
    out
}

/// Where to go after a login or a language switch: only a path on this server
/// (`/x`, not `//evil.example` or `https://...`), else the start page.
pub fn local_path(next: Option<&str>) -> String {
    match next {
        Some(p) if p.starts_with('/') && !p.starts_with("//") && !p.contains('\\') => p.to_string(),
        _ => "/".to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_template_parses() {
        load().unwrap();
    }

    #[test]
    fn the_shared_pages_render_in_both_languages() {
        use crate::design::model::Lang;
        for lang in [Lang::Nl, Lang::En] {
            let lang = PageLang(lang);
            let mut context = Context::new();
            context.insert("lang", lang.code());
            context.insert("t", lang.texts());
            context.insert("path", "/x");
            context.insert("next", "/");
            context.insert("username", "");
            context.insert("error", &None::<String>);
            TEMPLATES.render("login.html", &context).unwrap_or_else(|e| panic!("login: {e:?}"));
            context.insert("error_key", "not_found");
            context.insert("message", "");
            context.insert("user", &Viewer { username: "jan", role: "student" });
            TEMPLATES.render("error.html", &context).unwrap_or_else(|e| panic!("error: {e:?}"));
        }
    }

    #[test]
    fn only_local_paths_are_followed() {
        assert_eq!(local_path(Some("/labs/3?x=1")), "/labs/3?x=1");
        assert_eq!(local_path(Some("//evil.example/")), "/");
        assert_eq!(local_path(Some("https://evil.example/")), "/");
        assert_eq!(local_path(Some("/\\evil.example")), "/");
        assert_eq!(local_path(None), "/");
        assert_eq!(login_url("/a b?c=d&e"), "/login?next=/a%20b%3Fc%3Dd%26e");
    }
}
