//! Text helpers shared by the drawings: estimated widths, wrapping and escaping.
//!
//! The SVG is drawn without a font engine, so widths are estimated from a table of
//! DejaVu Sans advances (the font most Linux browsers pick for `sans-serif`), rounded
//! up. Helvetica and Arial are narrower, so an estimate that fits DejaVu fits them too.

/// The width of `text` set in sans-serif at `size` pixels.
pub fn width(text: &str, size: f64, bold: bool) -> f64 {
    let em: f64 = text.chars().map(advance).sum();
    // Bold DejaVu is about a tenth wider than regular.
    let weight = if bold { 1.1 } else { 1.0 };
    em * size * weight
}

/// The advance of one character in ems, a little over DejaVu Sans's own.
fn advance(c: char) -> f64 {
    match c {
        'i' | 'j' | 'l' | '.' | ',' | ':' | ';' | '|' | '!' | '\'' => 0.31,
        ' ' | 'f' | 't' | 'r' | 'I' | '/' | '(' | ')' | '[' | ']' | '-' => 0.42,
        'm' | 'w' | 'M' | 'W' | '@' | '%' => 1.0,
        '0'..='9' => 0.65,
        'A'..='Z' => 0.74,
        'a'..='z' => 0.63,
        _ => 0.72,
    }
}

/// Splits `text` at spaces into lines of at most `max` characters; a word longer than
/// `max` gets a line of its own rather than being cut.
pub fn wrap(text: &str, max: usize) -> Vec<String> {
    let mut lines: Vec<String> = Vec::new();
    for word in text.split(' ').filter(|w| !w.is_empty()) {
        match lines.last_mut() {
            Some(line) if line.chars().count() + 1 + word.chars().count() <= max => {
                line.push(' ');
                line.push_str(word);
            }
            _ => lines.push(word.to_string()),
        }
    }
    lines
}

/// Escapes text for XML character data and attribute values alike.
pub fn xml(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            // Control characters other than tab and newline are not allowed in XML 1.0
            // at all, not even escaped, so they are dropped.
            c if c.is_control() && c != '\t' && c != '\n' => {}
            c => out.push(c),
        }
    }
    out
}

/// A number for an SVG attribute: one decimal, without a trailing `.0`, so that the
/// same layout always prints the same bytes.
pub fn num(value: f64) -> String {
    let rounded = (value * 10.0).round() / 10.0;
    // `-0` would print as "-0"; it is the same coordinate as 0.
    let rounded = if rounded == 0.0 { 0.0 } else { rounded };
    if rounded.fract() == 0.0 { format!("{rounded:.0}") } else { format!("{rounded:.1}") }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn xml_escapes_markup_and_quotes() {
        assert_eq!(
            xml(r#"<a href="x">Tom & 'Jerry'</a>"#),
            "&lt;a href=&quot;x&quot;&gt;Tom &amp; &apos;Jerry&apos;&lt;/a&gt;"
        );
    }

    #[test]
    fn xml_drops_control_characters_xml_cannot_hold() {
        assert_eq!(xml("a\u{1}b\tc"), "ab\tc");
    }

    #[test]
    fn wrap_keeps_lines_short_and_words_whole() {
        assert_eq!(
            wrap("addresses, gateway, routes, firewall", 20),
            vec!["addresses, gateway,", "routes, firewall"]
        );
        assert_eq!(wrap("averyveryverylongword x", 5), vec!["averyveryverylongword", "x"]);
    }

    #[test]
    fn numbers_print_with_at_most_one_decimal() {
        assert_eq!(num(12.0), "12");
        assert_eq!(num(12.345), "12.3");
        assert_eq!(num(-0.01), "0");
    }

    #[test]
    fn bold_and_longer_text_is_wider() {
        assert!(width("router", 12.0, true) > width("router", 12.0, false));
        assert!(width("10.0.0.1/24", 11.0, false) > width("10.0.0.1", 11.0, false));
    }
}
