//! What asbuilt says about a topology file: errors and warnings, each pointing at the
//! place in the file it is about.
//!
//! Validation produces [`Diagnostic`]s that name a *path* in the document (plus, for a
//! compact string like a link or a firewall rule, the part of it that is wrong). The
//! [`render`] module turns them into file:line:column reports with the source snippet.

pub mod render;

use std::ops::Range;

use serde::Serialize;

use crate::topology::bounds;
use crate::topology::locate::{Path, Seg, display_path};

/// How bad it is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// The file cannot be used.
    Error,
    /// Legal, but probably not what the teacher meant.
    Warning,
}

/// Which part of the thing at a path is meant.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Part {
    /// The mapping key (`kind` in `kind: router`).
    Key,
    /// The whole value.
    Value,
    /// Bytes `start..end` of a scalar value's text, e.g. one endpoint of a link.
    Within(Range<usize>),
    /// An absolute byte span in the source, when it is already known (from serde).
    Span(Range<usize>),
    /// The n-th occurrence (from 0) of this text inside the value: for places inside a
    /// block of text (a placeholder in the task), where byte offsets in the value and in
    /// the file differ by the indentation.
    Find(String, usize),
}

/// A place in the topology file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Loc {
    pub path: Path,
    pub part: Part,
}

impl Loc {
    pub fn value(path: Path) -> Loc {
        Loc { path, part: Part::Value }
    }

    pub fn key(path: Path) -> Loc {
        Loc { path, part: Part::Key }
    }

    pub fn within(path: Path, range: Range<usize>) -> Loc {
        Loc { path, part: Part::Within(range) }
    }

    pub fn find(path: Path, text: impl Into<String>) -> Loc {
        Loc::find_nth(path, text, 0)
    }

    /// The `nth` occurrence (from 0) of `text` in the value at `path`.
    pub fn find_nth(path: Path, text: impl Into<String>, nth: usize) -> Loc {
        Loc { path, part: Part::Find(text.into(), nth) }
    }

    pub fn span(range: Range<usize>) -> Loc {
        Loc { path: Vec::new(), part: Part::Span(range) }
    }
}

/// Builds a path from keys and indices: `path!["nodes", name, "kind"]`.
#[macro_export]
macro_rules! path {
    ($($seg:expr),* $(,)?) => {
        vec![$($crate::topology::locate::Seg::from($seg)),*]
    };
}

/// One error or warning.
#[derive(Debug, Clone, PartialEq)]
pub struct Diagnostic {
    pub severity: Severity,
    /// A stable identifier of the kind of problem, e.g. `link-unknown-node`.
    pub code: &'static str,
    /// What is wrong, as a lowercase sentence fragment.
    pub message: String,
    /// Where; `None` for problems of the file as a whole.
    pub at: Option<Loc>,
    /// A short note at the place itself ("no such node").
    pub label: Option<String>,
    /// How to fix it, e.g. "did you mean `r1`?".
    pub help: Option<String>,
    /// Other places that explain the problem ("first used here").
    pub related: Vec<(Loc, String)>,
}

impl Diagnostic {
    pub fn error(code: &'static str, message: impl Into<String>) -> Diagnostic {
        Diagnostic {
            severity: Severity::Error,
            code,
            message: message.into(),
            at: None,
            label: None,
            help: None,
            related: Vec::new(),
        }
    }

    pub fn warning(code: &'static str, message: impl Into<String>) -> Diagnostic {
        Diagnostic { severity: Severity::Warning, ..Diagnostic::error(code, message) }
    }

    pub fn at(mut self, loc: Loc) -> Diagnostic {
        self.at = Some(loc);
        self
    }

    pub fn label(mut self, label: impl Into<String>) -> Diagnostic {
        self.label = Some(label.into());
        self
    }

    pub fn help(mut self, help: impl Into<String>) -> Diagnostic {
        self.help = Some(help.into());
        self
    }

    pub fn help_opt(mut self, help: Option<String>) -> Diagnostic {
        if help.is_some() {
            self.help = help;
        }
        self
    }

    pub fn related(mut self, loc: Loc, label: impl Into<String>) -> Diagnostic {
        self.related.push((loc, label.into()));
        self
    }

    pub fn is_error(&self) -> bool {
        self.severity == Severity::Error
    }

    /// The path the diagnostic is about, as a teacher reads it.
    pub fn path_text(&self) -> Option<String> {
        self.at.as_ref().map(|loc| display_path(&loc.path)).filter(|p| !p.is_empty())
    }
}

/// The diagnostics of one file, at most [`bounds::DIAGNOSTICS`] errors and as many
/// warnings; the rest are only counted, so that a file with a hundred thousand mistakes
/// costs no more to report than one with a hundred.
#[derive(Debug, Default)]
pub struct Collected {
    kept: Vec<Diagnostic>,
    errors: usize,
    warnings: usize,
}

impl Collected {
    pub fn push(&mut self, diag: Diagnostic) {
        let count = match diag.severity {
            Severity::Error => &mut self.errors,
            Severity::Warning => &mut self.warnings,
        };
        *count += 1;
        if *count <= bounds::DIAGNOSTICS {
            self.kept.push(diag);
        }
    }

    /// The diagnostics kept, in the order given, and one more of each severity that
    /// says how many were left out.
    pub fn finish(self) -> Vec<Diagnostic> {
        let mut out = self.kept;
        let hidden = |n: usize| n.saturating_sub(bounds::DIAGNOSTICS);
        let help = "fix the ones shown and validate again; many errors of one kind often have one cause";
        match hidden(self.errors) {
            0 => {}
            1 => out.push(Diagnostic::error("too-many-errors", "1 more error is not shown").help(help)),
            n => out.push(
                Diagnostic::error("too-many-errors", format!("{n} more errors are not shown")).help(help),
            ),
        }
        match hidden(self.warnings) {
            0 => {}
            1 => out.push(Diagnostic::warning("too-many-warnings", "1 more warning is not shown")),
            n => {
                out.push(Diagnostic::warning("too-many-warnings", format!("{n} more warnings are not shown")))
            }
        }
        out
    }
}

impl Extend<Diagnostic> for Collected {
    fn extend<I: IntoIterator<Item = Diagnostic>>(&mut self, iter: I) {
        for diag in iter {
            self.push(diag);
        }
    }
}

/// The candidate closest to `word`, if it is close enough to be a likely typo.
pub fn closest<'a, I>(word: &str, candidates: I) -> Option<&'a str>
where
    I: IntoIterator<Item = &'a str>,
{
    let word_lower = word.to_lowercase();
    candidates
        .into_iter()
        .map(|c| (c, strsim::jaro_winkler(&word_lower, &c.to_lowercase())))
        .filter(|(c, score)| {
            *score >= 0.8 || strsim::damerau_levenshtein(&word_lower, &c.to_lowercase()) <= 1
        })
        .max_by(|a, b| a.1.total_cmp(&b.1))
        .map(|(c, _)| c)
}

/// "did you mean `x`?" for a likely typo, or `None`.
pub fn did_you_mean<'a, I>(word: &str, candidates: I) -> Option<String>
where
    I: IntoIterator<Item = &'a str>,
{
    closest(word, candidates).map(|c| format!("did you mean `{c}`?"))
}

/// Whether the path ends in the given key.
pub fn ends_with_key(path: &[Seg], key: &str) -> bool {
    matches!(path.last(), Some(Seg::Key(k)) if k == key)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_flood_of_errors_is_cut_to_the_bound_and_counted() {
        let mut collected = Collected::default();
        for i in 0..bounds::DIAGNOSTICS + 5 {
            collected.push(Diagnostic::error("invalid-link", format!("link {i}")));
        }
        collected.push(Diagnostic::warning("unconnected-node", "one warning"));
        let out = collected.finish();
        assert_eq!(out.len(), bounds::DIAGNOSTICS + 2);
        assert_eq!(out[bounds::DIAGNOSTICS].code, "unconnected-node");
        let summary = out.last().unwrap();
        assert_eq!(
            (summary.code, summary.message.as_str()),
            ("too-many-errors", "5 more errors are not shown")
        );
    }

    #[test]
    fn suggests_close_names_only() {
        assert_eq!(closest("rotuer", ["router", "host", "switch"]), Some("router"));
        assert_eq!(closest("r9", ["r1", "pc1"]), Some("r1"));
        assert_eq!(closest("banana", ["router", "host"]), None);
    }
}
