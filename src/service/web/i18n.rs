//! Every page in Dutch and English. A request's language is the `asbuilt_lang` cookie
//! (set by the switch in every page's header), else the first of `nl` and `en` in the
//! browser's Accept-Language, else Dutch.
//!
//! Texts live in `web/i18n/<nl|en>/<area>.toml`, one file per group of pages so that
//! pages can be worked on apart; a template reads `{{ t.<area>.<key> }}`. Both languages
//! must have the same keys (a test checks it), so no page shows a key's name.

use std::collections::BTreeMap;
use std::sync::LazyLock;

use axum::extract::FromRequestParts;
use axum::http::header::{ACCEPT_LANGUAGE, COOKIE};
use axum::http::request::Parts;

use super::WEB;
use crate::design::model::Lang;
use crate::service::auth::session::cookie_value;

/// The cookie that remembers the language a user chose.
pub const COOKIE_NAME: &str = "asbuilt_lang";

/// The language of this request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PageLang(pub Lang);

impl PageLang {
    pub fn code(self) -> &'static str {
        code(self.0)
    }

    /// Every text of this language, as `area → key → text`, for a template's `t`.
    pub fn texts(self) -> &'static serde_json::Value {
        match self.0 {
            Lang::Nl => &TEXTS.0,
            Lang::En => &TEXTS.1,
        }
    }
}

pub fn code(lang: Lang) -> &'static str {
    match lang {
        Lang::Nl => "nl",
        Lang::En => "en",
    }
}

impl<S: Send + Sync> FromRequestParts<S> for PageLang {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<PageLang, Self::Rejection> {
        let chosen = parts
            .headers
            .get_all(COOKIE)
            .iter()
            .filter_map(|v| v.to_str().ok())
            .find_map(|h| cookie_value(h, COOKIE_NAME))
            .and_then(Lang::parse);
        let browser = || {
            parts.headers.get(ACCEPT_LANGUAGE).and_then(|v| v.to_str().ok()).and_then(from_accept_language)
        };
        Ok(PageLang(chosen.or_else(browser).unwrap_or(Lang::Nl)))
    }
}

/// The first language asbuilt speaks in an Accept-Language header, by weight
/// (`en-GB,en;q=0.9,nl;q=0.8` → English).
pub fn from_accept_language(header: &str) -> Option<Lang> {
    let mut ranked: Vec<(f32, usize, Lang)> = header
        .split(',')
        .enumerate()
        .filter_map(|(position, item)| {
            let mut parts = item.trim().split(';');
            let tag = parts.next()?.trim().to_ascii_lowercase();
            let weight = parts
                .find_map(|p| p.trim().strip_prefix("q="))
                .map(|q| q.parse::<f32>().unwrap_or(0.0))
                .unwrap_or(1.0);
            let primary = tag.split('-').next()?;
            Lang::parse(primary).filter(|_| weight > 0.0).map(|lang| (weight, position, lang))
        })
        .collect();
    ranked.sort_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(&b.1)));
    ranked.first().map(|r| r.2)
}

static TEXTS: LazyLock<(serde_json::Value, serde_json::Value)> = LazyLock::new(|| {
    (load("nl").unwrap_or_else(|e| panic!("{e}")), load("en").unwrap_or_else(|e| panic!("{e}")))
});

/// One language's texts from its embedded files. The files are part of the binary, so
/// a broken one is a build defect: the test below reads them all.
fn load(lang: &str) -> Result<serde_json::Value, String> {
    let dir = WEB.get_dir(format!("i18n/{lang}")).ok_or(format!("web/i18n/{lang} is missing"))?;
    let mut areas = BTreeMap::new();
    for file in dir.files() {
        let path = file.path().display().to_string();
        let Some(area) = file.path().file_stem().and_then(|s| s.to_str()) else { continue };
        let text = file.contents_utf8().ok_or(format!("web/{path} is not UTF-8"))?;
        let table: toml::Table = toml::from_str(text).map_err(|e| format!("web/{path}: {e}"))?;
        let value = serde_json::to_value(table).map_err(|e| format!("web/{path}: {e}"))?;
        areas.insert(area.to_string(), value);
    }
    serde_json::to_value(areas).map_err(|e| e.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn keys(value: &serde_json::Value, prefix: &str, out: &mut Vec<String>) {
        match value {
            serde_json::Value::Object(map) => {
                for (k, v) in map {
                    keys(v, &format!("{prefix}{k}."), out);
                }
            }
            _ => out.push(prefix.trim_end_matches('.').to_string()),
        }
    }

    #[test]
    fn both_languages_have_the_same_texts() {
        let (mut nl, mut en) = (Vec::new(), Vec::new());
        keys(&load("nl").unwrap(), "", &mut nl);
        keys(&load("en").unwrap(), "", &mut en);
        let only_nl: Vec<_> = nl.iter().filter(|k| !en.contains(k)).collect();
        let only_en: Vec<_> = en.iter().filter(|k| !nl.contains(k)).collect();
        assert!(only_nl.is_empty() && only_en.is_empty(), "only in nl: {only_nl:?}; only in en: {only_en:?}");
        assert!(nl.iter().any(|k| k == "common.sign_in"), "{nl:?}");
    }

    #[test]
    fn the_browser_language_is_picked_by_weight() {
        assert_eq!(from_accept_language("en-GB,en;q=0.9,nl;q=0.8"), Some(Lang::En));
        assert_eq!(from_accept_language("de-DE,nl;q=0.5,en;q=0.7"), Some(Lang::En));
        assert_eq!(from_accept_language("nl-BE"), Some(Lang::Nl));
        assert_eq!(from_accept_language("fr, de"), None);
        assert_eq!(from_accept_language("en;q=0, nl;q=0.1"), Some(Lang::Nl));
    }
}
