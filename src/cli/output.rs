//! Printing diagnostics for people at a terminal or in a log.

use std::io::IsTerminal;

use crate::diagnostic::Diagnostic;
use crate::diagnostic::render::{Style, one_line, report};
use crate::topology::Source;

/// Whether stderr gets colours: a terminal, and the user did not ask for none.
pub fn stderr_style() -> Style {
    if std::io::stderr().is_terminal() && std::env::var_os("NO_COLOR").is_none() {
        Style::Color
    } else {
        Style::Plain
    }
}

/// How diagnostics are printed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum DiagnosticFormat {
    /// The full report with the source snippet.
    Human,
    /// One line per problem: `file:line:col: error[code]: message`.
    Short,
    /// JSON lines, one object per problem.
    Json,
}

/// Prints diagnostics of one file to stderr (JSON goes to stdout, for tools).
pub fn print_diagnostics(diags: &[Diagnostic], source: &Source, format: DiagnosticFormat) {
    for diag in diags {
        match format {
            DiagnosticFormat::Human => eprintln!("{}", report(diag, source, stderr_style())),
            DiagnosticFormat::Short => eprintln!("{}", one_line(diag, source)),
            DiagnosticFormat::Json => {
                let located = crate::diagnostic::render::locate(diag, source);
                println!("{}", serde_json::to_string(&located).expect("diagnostics serialize"));
            }
        }
    }
}
