//! The report as a table for a terminal, colored when it is one.

use std::fmt::Write;

use super::{counts_sentence, item_points, label, points, regression_sentence, say, settling_sentence};
use crate::checks::outcome::Status;
use crate::checks::report::Report;
use crate::design::Lang;

const RESET: &str = "\x1b[0m";
const BOLD: &str = "\x1b[1m";
const DIM: &str = "\x1b[2m";

fn status_color(status: Status) -> &'static str {
    match status {
        Status::Pass => "\x1b[32m",
        Status::Fail => "\x1b[31m",
        Status::Error => "\x1b[35m",
        Status::Skipped => "\x1b[33m",
    }
}

fn status_word(status: Status, lang: Lang) -> &'static str {
    match status {
        Status::Pass => label(lang, "goed", "pass"),
        Status::Fail => label(lang, "FOUT", "FAIL"),
        Status::Error => label(lang, "MISLUKT", "ERROR"),
        Status::Skipped => label(lang, "overgesl.", "skipped"),
    }
}

pub fn render(report: &Report, lang: Lang, color: bool) -> String {
    let paint = |code: &'static str| if color { code } else { "" };
    let mut out = String::new();
    let _ = writeln!(out, "{}{} — {}{}", paint(BOLD), report.lab, say(&report.title, lang), paint(RESET));
    let mut about = Vec::new();
    if let Some(s) = &report.student {
        about.push(format!("{} {s}", label(lang, "student", "student")));
    }
    if let Some(seed) = &report.seed {
        about.push(format!("{} {seed}", label(lang, "variant", "variant")));
    }
    about.push(report.timestamp.clone());
    let _ = writeln!(out, "{}{}{}\n", paint(DIM), about.join(" · "), paint(RESET));

    let id_width = report.checks.iter().map(|c| c.id.chars().count()).max().unwrap_or(0).min(44);
    let status_width = 9;
    for check in &report.checks {
        let word = status_word(check.status, lang);
        let _ = writeln!(
            out,
            "{}{word:<status_width$}{} {:<id_width$}  {}  {}{}/{}{}",
            paint(status_color(check.status)),
            paint(RESET),
            check.id,
            say(&check.title, lang),
            paint(DIM),
            points(check.earned),
            points(check.weight),
            paint(RESET),
        );
        let indent = " ".repeat(status_width + 3);
        if check.status != Status::Pass {
            if check.worked_at_start {
                let _ = writeln!(
                    out,
                    "{indent}{}",
                    label(
                        lang,
                        "was goed bij de start: sindsdien stukgemaakt",
                        "passed at the start: broken since"
                    )
                );
            }
            if let Some(e) = &check.expected {
                let _ = writeln!(out, "{indent}{}: {}", label(lang, "verwacht", "expected"), say(e, lang));
            }
            if let Some(o) = &check.observed {
                let _ = writeln!(out, "{indent}{}: {}", label(lang, "gezien", "observed"), say(o, lang));
            }
            if let Some(r) = &check.reason {
                let _ = writeln!(out, "{indent}{}: {}", label(lang, "reden", "reason"), say(r, lang));
            }
            if let Some(h) = &check.hint {
                let _ = writeln!(
                    out,
                    "{indent}{}{}: {}{}",
                    paint(DIM),
                    label(lang, "tip", "hint"),
                    say(h, lang),
                    paint(RESET)
                );
            }
        }
    }
    if !report.rubric.is_empty() {
        let _ = writeln!(
            out,
            "\n{}{}{}",
            paint(BOLD),
            label(lang, "Beoordeeld door de docent", "Scored by the teacher"),
            paint(RESET)
        );
        for item in &report.rubric {
            let about = item.about.as_deref().map(|a| format!("  [{a}]")).unwrap_or_default();
            let _ = writeln!(
                out,
                "{:>9}   {:<id_width$}  {}{about}",
                item_points(item),
                item.id,
                say(&item.criterion, lang)
            );
            if let Some(comment) = &item.comment {
                let _ = writeln!(
                    out,
                    "{}{}: {comment}",
                    " ".repeat(status_width + 3),
                    label(lang, "opmerking", "comment")
                );
            }
        }
    }
    let _ = writeln!(
        out,
        "\n{}{}: {} / {} ({}%){}",
        paint(BOLD),
        label(lang, "Score", "Score"),
        points(report.score.earned),
        points(report.score.possible),
        report.score.percent,
        paint(RESET)
    );
    for wp in &report.work_processes {
        let _ = writeln!(
            out,
            "  {} {}: {} / {} ({}%)",
            wp.code,
            say(&wp.name, lang),
            points(wp.score.earned),
            points(wp.score.possible),
            wp.score.percent
        );
    }
    let _ = writeln!(out, "{}", counts_sentence(report, lang));
    if let Some(regressions) = regression_sentence(report, lang) {
        let _ = writeln!(out, "{regressions}");
    }
    if let Some(settling) = settling_sentence(report, lang) {
        let _ = writeln!(out, "{settling}");
    }
    out
}
