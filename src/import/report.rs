//! The import report: every construct of the source lab that was not carried over
//! exactly, each with the file, line and column it came from.

use std::fmt;

use serde::Serialize;

/// Where a construct stands in the source lab: a file relative to the lab's folder,
/// with its line and column (both from 1). Line 0 means the file as a whole.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct Place {
    pub file: String,
    pub line: usize,
    pub column: usize,
}

impl Place {
    pub fn new(file: impl Into<String>, line: usize, column: usize) -> Place {
        Place { file: file.into(), line, column }
    }

    /// A file as a whole (a file copied, a folder refused).
    pub fn file(file: impl Into<String>) -> Place {
        Place { file: file.into(), line: 0, column: 0 }
    }
}

impl fmt::Display for Place {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.line == 0 {
            write!(f, "{}", self.file)
        } else {
            write!(f, "{}:{}:{}", self.file, self.line, self.column)
        }
    }
}

/// A YAML file of the source lab, indexed once, so that a path in it (`topology.nodes.r1`)
/// gives the place of its key (or, for a list item, its value).
pub(crate) struct YamlPlaces {
    file: String,
    source: crate::topology::Source,
    locations: crate::topology::locate::Locations,
}

impl YamlPlaces {
    pub(crate) fn new(file: &str, text: &str) -> YamlPlaces {
        YamlPlaces {
            file: file.to_string(),
            source: crate::topology::Source::new(file, text),
            locations: crate::topology::locate::Locations::index(text),
        }
    }

    /// The place of `path`, if the file has it.
    pub(crate) fn at(&self, path: &[crate::topology::locate::Seg]) -> Option<Place> {
        let placed = self.locations.get(path)?;
        let offset = placed.key.as_ref().map_or(placed.value.start, |k| k.start);
        let (line, column) = self.source.line_col(offset);
        Some(Place::new(&self.file, line, column))
    }

    pub(crate) fn file(&self) -> &str {
        &self.file
    }
}

/// What became of a construct.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum FindingKind {
    /// Carried over, but not exactly: a default that differs, a name changed, a value
    /// clamped, an option asbuilt has no equivalent for and drops.
    MappedWithLoss,
    /// Not carried over because asbuilt will not do it (it breaks the lab's isolation).
    Refused,
    /// Carried over as it is (a command run, a file copied, a router's own
    /// configuration loaded) without becoming part of the design, so it is not graded.
    Passthrough,
}

impl FindingKind {
    pub fn name(self) -> &'static str {
        match self {
            FindingKind::MappedWithLoss => "mapped-with-loss",
            FindingKind::Refused => "refused",
            FindingKind::Passthrough => "passthrough",
        }
    }
}

/// One construct and what became of it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Finding {
    pub place: Place,
    pub kind: FindingKind,
    pub message: String,
}

/// An error that stops the import: the source cannot be read as the format it claims.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ImportError {
    pub place: Place,
    pub message: String,
}

impl fmt::Display for ImportError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: error: {}", self.place, self.message)
    }
}

/// Everything the import has to say, in the order the source was read.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Report {
    /// Node names as the source has them, and the names they got, where they differ.
    pub renamed: Vec<(String, String)>,
    /// Per node: `design` when all it does became design facts, `passthrough` when
    /// (some of) its own configuration runs as it is.
    pub modes: Vec<(String, String)>,
    pub findings: Vec<Finding>,
}

impl Report {
    /// Adds a finding, once: shared.startup's commands are read for every node.
    pub fn add(&mut self, place: Place, kind: FindingKind, message: impl Into<String>) {
        let finding = Finding { place, kind, message: message.into() };
        if !self.findings.contains(&finding) {
            self.findings.push(finding);
        }
    }

    /// Whether something of the source is not in the result in any form: what
    /// `--strict` fails on.
    pub fn dropped_anything(&self) -> bool {
        self.findings.iter().any(|f| matches!(f.kind, FindingKind::Refused | FindingKind::MappedWithLoss))
    }

    pub fn count(&self, kind: FindingKind) -> usize {
        self.findings.iter().filter(|f| f.kind == kind).count()
    }

    /// The findings sorted by place, as one line each: `file:line:col: kind: message`.
    pub fn render(&self) -> String {
        let mut out = String::new();
        if !self.renamed.is_empty() {
            out.push_str("renamed:\n");
            for (from, to) in &self.renamed {
                out.push_str(&format!("  {from} -> {to}\n"));
            }
        }
        if !self.modes.is_empty() {
            out.push_str("nodes:\n");
            for (node, mode) in &self.modes {
                out.push_str(&format!("  {node}: {mode}\n"));
            }
        }
        let mut findings: Vec<&Finding> = self.findings.iter().collect();
        findings.sort_by(|a, b| a.place.cmp(&b.place));
        for f in findings {
            out.push_str(&format!("{}: {}: {}\n", f.place, f.kind.name(), f.message));
        }
        out.push_str(&format!(
            "{} mapped with loss, {} refused, {} passthrough\n",
            self.count(FindingKind::MappedWithLoss),
            self.count(FindingKind::Refused),
            self.count(FindingKind::Passthrough)
        ));
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn findings_are_listed_by_place_with_their_kind() {
        let mut report = Report::default();
        report.add(Place::new("r1.startup", 3, 1), FindingKind::Passthrough, "runs as it is");
        report.add(Place::new("lab.conf", 2, 5), FindingKind::Refused, "`bridged` is refused");
        let text = report.render();
        assert!(
            text.starts_with("lab.conf:2:5: refused: `bridged` is refused\nr1.startup:3:1: passthrough"),
            "{text}"
        );
        assert!(text.ends_with("0 mapped with loss, 1 refused, 1 passthrough\n"));
        assert!(report.dropped_anything());
        assert_eq!(Place::file("r1/etc/x").to_string(), "r1/etc/x");
    }
}
