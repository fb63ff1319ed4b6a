//! Comparing web pages with the text a design gives them. A page may be the teacher's
//! plain text wrapped in HTML by the planner, or HTML a student wrote: both are
//! compared by what a reader sees, not by markup.

/// The text of a page as a reader sees it: tags removed, common entities decoded,
/// whitespace collapsed to single spaces.
pub fn visible_text(page: &str) -> String {
    let mut text = String::with_capacity(page.len());
    let mut in_tag = false;
    for c in page.chars() {
        match c {
            '<' => in_tag = true,
            '>' if in_tag => {
                in_tag = false;
                text.push(' ');
            }
            _ if !in_tag => text.push(c),
            _ => {}
        }
    }
    let decoded = text
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&#39;", "'")
        .replace("&nbsp;", " ")
        .replace("&amp;", "&");
    decoded.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Whether `page` contains `wanted`: literally, or in its visible text.
pub fn contains(page: &str, wanted: &str) -> bool {
    page.contains(wanted) || visible_text(page).contains(&visible_text(wanted))
}

/// What a derived web check looks for: the first line of the designed content as a
/// reader sees it, cut at a word boundary to at most 60 characters.
pub fn snippet(content: &str) -> String {
    let first = content.lines().map(visible_text).find(|l| !l.is_empty()).unwrap_or_default();
    if first.chars().count() <= 60 {
        return first;
    }
    let mut out = String::new();
    for word in first.split(' ') {
        if out.chars().count() + word.chars().count() + 1 > 60 {
            break;
        }
        if !out.is_empty() {
            out.push(' ');
        }
        out.push_str(word);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_planned_page_contains_the_designed_text() {
        let page = "<!DOCTYPE html>\n<html><head><title>x</title></head>\n<body><p>Jansen &amp; Zn</p></body></html>";
        assert!(contains(page, "Jansen & Zn"));
        assert!(!contains(page, "Pietersen"));
    }

    #[test]
    fn markup_written_by_a_student_does_not_matter() {
        assert!(contains("<h1>Welkom</h1>\n<b>bij</b>   Jansen BV", "Welkom bij Jansen BV"));
    }

    #[test]
    fn snippets_are_the_first_visible_line_and_short() {
        assert_eq!(snippet("\n<h1>Welkom</h1>\nmore"), "Welkom");
        let long = "een ".repeat(30);
        assert!(snippet(&long).len() <= 60);
    }
}
