//! The report in the forms people read it: a terminal table, JSON (the stable format
//! of docs/checks.md), JUnit XML for CI systems and a standalone HTML page.
//! Pure: a [`Report`] in, a `String` out.

mod html;
mod junit;
mod table;

use super::report::{Report, ScoredItem};
use crate::design::{Lang, Text};

/// An output format.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    Table,
    Json,
    Junit,
    Html,
}

/// The report in `format`, its texts in `lang`. `color` applies to the table only.
pub fn render(report: &Report, format: Format, lang: Lang, color: bool) -> String {
    match format {
        Format::Table => table::render(report, lang, color),
        Format::Json => serde_json::to_string_pretty(report).expect("reports serialize") + "\n",
        Format::Junit => junit::render(report, lang),
        Format::Html => html::render(report, lang),
    }
}

/// A text in the language, or in the other one if that is all there is.
fn say(text: &Text, lang: Lang) -> &str {
    text.get(lang).unwrap_or("")
}

/// Escapes text for XML and HTML, dropping characters XML 1.0 cannot hold.
fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            '\t' | '\n' | '\r' => out.push(c),
            c if (c as u32) < 0x20 || c == '\u{FFFE}' || c == '\u{FFFF}' => out.push('\u{FFFD}'),
            c => out.push(c),
        }
    }
    out
}

/// Labels in both languages.
fn label(lang: Lang, nl: &'static str, en: &'static str) -> &'static str {
    match lang {
        Lang::Nl => nl,
        Lang::En => en,
    }
}

/// `12.5` for a whole number of halves, `12` for whole numbers.
fn points(x: f64) -> String {
    if (x - x.round()).abs() < 1e-9 {
        format!("{}", x.round())
    } else {
        format!("{x:.2}").trim_end_matches('0').to_string()
    }
}

/// "3 passed, 1 failed, 0 errors, 0 skipped", in the language, and the rubric items
/// still to be scored when there are any.
fn counts_sentence(report: &Report, lang: Lang) -> String {
    let c = &report.counts;
    let mut out = format!(
        "{} {}, {} {}, {} {}, {} {}",
        c.pass,
        label(lang, "goed", "passed"),
        c.fail,
        label(lang, "fout", "failed"),
        c.error,
        label(lang, "mislukt", "errors"),
        c.skipped,
        label(lang, "overgeslagen", "skipped")
    );
    if c.pending > 0 {
        out.push_str(&format!(", {} {}", c.pending, label(lang, "nog te beoordelen", "to be scored")));
    }
    out
}

/// Whether the student's work broke what worked when they got the lab.
fn regression_sentence(report: &Report, lang: Lang) -> Option<String> {
    let r = report.regressions.as_ref()?;
    Some(if r.broken.is_empty() {
        match lang {
            Lang::Nl => format!(
                "Niets stukgemaakt: alle {} controles die bij de start goed waren, zijn nog goed.",
                r.guarded
            ),
            Lang::En => {
                format!("Nothing broken: all {} checks that passed at the start still pass.", r.guarded)
            }
        }
    } else {
        let ids = r.broken.join(", ");
        match lang {
            Lang::Nl => format!(
                "Stukgemaakt: {} van de {} controles die bij de start goed waren, zijn nu fout: {ids}.",
                r.broken.len(),
                r.guarded
            ),
            Lang::En => format!(
                "Broken: {} of the {} checks that passed at the start fail now: {ids}.",
                r.broken.len(),
                r.guarded
            ),
        }
    })
}

/// "3 / 4", or "– / 4" for an item no grader scored yet.
fn item_points(item: &ScoredItem) -> String {
    match item.earned {
        Some(earned) => format!("{} / {}", points(earned), points(item.points)),
        None => format!("– / {}", points(item.points)),
    }
}

/// Whether OSPF had settled when the lab was graded, when any check looks at it.
fn settling_sentence(report: &Report, lang: Lang) -> Option<String> {
    let s = report.settling.as_ref()?;
    let secs = s.waited_ms as f64 / 1000.0;
    Some(if s.settled {
        match lang {
            Lang::Nl => format!("OSPF was na {secs:.1} s tot rust gekomen toen er gecontroleerd werd."),
            Lang::En => format!("OSPF had settled after {secs:.1} s when the lab was checked."),
        }
    } else {
        match lang {
            Lang::Nl => format!(
                "OSPF was na {secs:.1} s nog niet tot rust gekomen: controles van OSPF kunnen daardoor mislukken."
            ),
            Lang::En => {
                format!(
                    "OSPF was still converging after {secs:.1} s: checks of OSPF may fail for that reason."
                )
            }
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escaping_covers_markup_and_control_characters() {
        assert_eq!(escape("<a href=\"x\">&'</a>"), "&lt;a href=&quot;x&quot;&gt;&amp;&#39;&lt;/a&gt;");
        assert_eq!(escape("bell\u{7}"), "bell\u{FFFD}");
    }

    #[test]
    fn points_are_short() {
        assert_eq!(points(3.0), "3");
        assert_eq!(points(2.5), "2.5");
        assert_eq!(points(0.33), "0.33");
    }
}
