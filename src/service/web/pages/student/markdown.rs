//! A lab's task text (Markdown, written by a teacher, possibly of another school) as
//! HTML for the lab page. Raw HTML in the text is shown as text, never passed through,
//! and links may only go to the web, mail or this server: a task can format, not script.

use pulldown_cmark::{CowStr, Event, Options, Parser, Tag, html};

/// The Markdown as HTML that is safe to put into a page as it is.
pub fn to_html(markdown: &str) -> String {
    let options = Options::ENABLE_TABLES | Options::ENABLE_STRIKETHROUGH;
    let events = Parser::new_ext(markdown, options).map(|event| match event {
        // Shown as the characters the teacher typed; the HTML writer escapes text.
        Event::Html(raw) | Event::InlineHtml(raw) => Event::Text(raw),
        Event::Start(Tag::Link { link_type, dest_url, title, id }) => {
            Event::Start(Tag::Link { link_type, dest_url: safe_url(dest_url), title, id })
        }
        Event::Start(Tag::Image { link_type, dest_url, title, id }) => {
            Event::Start(Tag::Image { link_type, dest_url: safe_url(dest_url), title, id })
        }
        other => other,
    });
    let mut out = String::with_capacity(markdown.len() * 2);
    html::push_html(&mut out, events);
    out
}

/// One line of Markdown (a check's hint) as HTML without the paragraph around it.
pub fn inline_html(markdown: &str) -> String {
    let html = to_html(markdown);
    let trimmed = html.trim_end();
    match trimmed.strip_prefix("<p>").and_then(|rest| rest.strip_suffix("</p>")) {
        Some(inner) if !inner.contains("<p>") => inner.to_string(),
        _ => html,
    }
}

/// `http(s):`, `mailto:` and addresses without a scheme (paths, `#anchors`) stay;
/// anything else (`javascript:`, `data:`, `vbscript:`...) becomes `#`.
fn safe_url(url: CowStr<'_>) -> CowStr<'_> {
    let lower = url.trim().to_ascii_lowercase();
    let scheme = lower.split_once(':').map(|(scheme, _)| scheme);
    let has_scheme = scheme.is_some_and(|s| !s.is_empty() && !s.contains(['/', '?', '#']));
    if !has_scheme || matches!(scheme, Some("http" | "https" | "mailto")) {
        url
    } else {
        CowStr::Borrowed("#")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn markdown_is_formatted() {
        let html = to_html("1. Give **pc1** the address `10.0.0.1/24`\n2. Ping");
        assert!(html.contains("<ol>") && html.contains("<strong>pc1</strong>"), "{html}");
        assert!(html.contains("<code>10.0.0.1/24</code>"), "{html}");
    }

    #[test]
    fn raw_html_is_shown_as_text_and_never_passed_through() {
        let html = to_html("Hi <script>alert(1)</script>\n\n<img src=x onerror=alert(1)>\n\n<b>bold</b>");
        assert!(!html.contains("<script") && !html.contains("<img") && !html.contains("<b>"), "{html}");
        assert!(html.contains("&lt;script&gt;alert(1)&lt;/script&gt;"), "{html}");
        assert!(html.contains("&lt;img src=x onerror=alert(1)&gt;"), "{html}");
    }

    #[test]
    fn a_hint_is_inline() {
        assert_eq!(inline_html("Look with `ip address` <b>"), "Look with <code>ip address</code> &lt;b&gt;");
    }

    #[test]
    fn links_go_only_to_the_web_mail_or_this_server() {
        let html = to_html(
            "[a](javascript:alert(1)) [b](JavaScript:alert(1)) [c](https://example.org/x) \
             [d](/my) [e](mailto:x@example.org) [f](data:text/html,x) ![g](vbscript:x)",
        );
        assert!(!html.to_ascii_lowercase().contains("javascript:"), "{html}");
        assert!(!html.contains("data:") && !html.contains("vbscript:"), "{html}");
        assert!(html.contains(r#"href="https://example.org/x""#), "{html}");
        assert!(html.contains(r#"href="/my""#) && html.contains(r#"href="mailto:x@example.org""#), "{html}");
        assert_eq!(html.matches(r##"href="#""##).count(), 3, "{html}");
    }
}
