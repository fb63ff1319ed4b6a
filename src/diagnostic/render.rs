//! Showing diagnostics to people: with the source snippet (terminal), as one line per
//! problem (`file:line:col: error[code]: message`), or as JSON for the web editor.

use miette::{GraphicalReportHandler, GraphicalTheme, LabeledSpan, MietteDiagnostic, NamedSource};
use serde::Serialize;

use super::{Diagnostic, Severity};
use crate::topology::Source;

/// How to draw a report.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Style {
    /// Colours and unicode, for a terminal.
    Color,
    /// No colours, for logs, files and snapshot tests.
    Plain,
}

/// A diagnostic with its position resolved to line and column.
#[derive(Debug, Clone, Serialize)]
pub struct Located {
    pub file: String,
    pub severity: Severity,
    pub code: &'static str,
    pub message: String,
    /// 1-based; absent for problems of the whole file.
    pub line: Option<usize>,
    pub column: Option<usize>,
    pub end_line: Option<usize>,
    pub end_column: Option<usize>,
    pub help: Option<String>,
}

pub fn locate(diag: &Diagnostic, source: &Source) -> Located {
    let span = diag.at.as_ref().and_then(|loc| source.span(loc));
    let start = span.as_ref().map(|s| source.line_col(s.start));
    let end = span.as_ref().map(|s| source.line_col(s.end));
    Located {
        file: source.name.clone(),
        severity: diag.severity,
        code: diag.code,
        message: diag.message.clone(),
        line: start.map(|p| p.0),
        column: start.map(|p| p.1),
        end_line: end.map(|p| p.0),
        end_column: end.map(|p| p.1),
        help: diag.help.clone(),
    }
}

/// `file:line:col: error[code]: message` — the form editors and CI logs understand.
pub fn one_line(diag: &Diagnostic, source: &Source) -> String {
    let located = locate(diag, source);
    let position = match (located.line, located.column) {
        (Some(line), Some(column)) => format!("{}:{line}:{column}", located.file),
        _ => located.file.clone(),
    };
    let severity = match diag.severity {
        Severity::Error => "error",
        Severity::Warning => "warning",
    };
    format!("{position}: {severity}[{}]: {}", diag.code, diag.message)
}

/// The full report with the source snippet, as miette draws it.
pub fn report(diag: &Diagnostic, source: &Source, style: Style) -> String {
    let mut labels = Vec::new();
    if let Some(span) = diag.at.as_ref().and_then(|loc| source.span(loc)) {
        labels.push(LabeledSpan::new_primary_with_span(
            diag.label.clone(),
            span.start..span.end.max(span.start),
        ));
    }
    for (loc, label) in &diag.related {
        if let Some(span) = source.span(loc) {
            labels.push(LabeledSpan::new_with_span(Some(label.clone()), span));
        }
    }
    let mut shown = MietteDiagnostic::new(diag.message.clone())
        .with_code(diag.code)
        .with_severity(match diag.severity {
            Severity::Error => miette::Severity::Error,
            Severity::Warning => miette::Severity::Warning,
        })
        .with_labels(labels);
    if let Some(help) = &diag.help {
        shown = shown.with_help(help.clone());
    }
    let report =
        miette::Report::new(shown).with_source_code(NamedSource::new(&source.name, source.text.clone()));
    let theme = match style {
        Style::Color => GraphicalTheme::unicode(),
        Style::Plain => GraphicalTheme::unicode_nocolor(),
    };
    let handler = GraphicalReportHandler::new_themed(theme).with_width(100).with_links(false);
    let mut out = String::new();
    if handler.render_report(&mut out, report.as_ref()).is_err() {
        out = one_line(diag, source);
    }
    // A diagnostic without a place gets no snippet; say which file it is about.
    if diag.at.is_none() {
        out = format!("{}: {out}", source.name);
    }
    out
}
