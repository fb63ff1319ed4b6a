//! kathara-lab-checker configurations (YAML or JSON) as asbuilt's own checks.
//!
//! A lab-checker configuration lists tests per device under `test:`. Each test becomes
//! an explicit check of the topology (`ping`, `http`, `dns`, or a `command` run in the
//! node with what its output must be), so the lab is graded with asbuilt's report,
//! points and work processes. What has no equivalent, or only a looser one, is in the
//! import report with its place in the configuration. `tests.rs` maps one kind of test
//! each; this module reads the file and keeps the places.

mod tests;

use serde_yaml::{Mapping, Value};

use super::report::{FindingKind, ImportError, Place, Report, YamlPlaces};
use crate::topology::locate::Seg;

/// The checks made from a configuration, and what the import has to say.
#[derive(Debug, Clone)]
pub struct CheckImport {
    /// Each an explicit check as the topology's `checks:` list holds it.
    pub checks: Vec<Value>,
    pub report: Report,
}

impl CheckImport {
    /// The checks as a `checks:` list, for a topology file.
    pub fn yaml(&self) -> String {
        let mut doc = Mapping::new();
        doc.insert("checks".into(), Value::Sequence(self.checks.clone()));
        serde_yaml::to_string(&doc).expect("checks serialize")
    }

    /// A topology's text with these checks added to its `checks:` list (first, in the
    /// list's own indentation), or a `checks:` list added at its end. The rest of the
    /// text, comments included, stays as the teacher wrote it.
    pub fn merge_into(&self, topology: &str) -> String {
        let items = serde_yaml::to_string(&Value::Sequence(self.checks.clone())).expect("checks serialize");
        let indented = |indent: &str| -> String {
            items
                .lines()
                .map(|l| if l.is_empty() { "\n".to_string() } else { format!("{indent}{l}\n") })
                .collect()
        };
        let lines: Vec<&str> = topology.lines().collect();
        let Some(at) = lines.iter().position(|l| l.trim_end() == "checks:" || l.trim_end() == "checks: []")
        else {
            let mut out = topology.trim_end().to_string();
            out.push_str("\n\nchecks:\n");
            out.push_str(&indented("  "));
            return out;
        };
        // The indentation of the list's first item, if it has one.
        let indent: String = lines[at + 1..]
            .iter()
            .find(|l| !l.trim().is_empty() && !l.trim_start().starts_with('#'))
            .filter(|l| l.trim_start().starts_with("- "))
            .map(|l| l[..l.len() - l.trim_start().len()].to_string())
            .unwrap_or_else(|| "  ".into());
        let mut out = String::new();
        for (i, line) in lines.iter().enumerate() {
            if i == at {
                out.push_str("checks:\n");
                out.push_str(&indented(&indent));
            } else {
                out.push_str(line);
                out.push('\n');
            }
        }
        out
    }
}

/// Reads the configuration `text` (named `file` in the report). Device names become node
/// names as `asbuilt import kathara` names them.
pub fn import(file: &str, text: &str) -> Result<CheckImport, Vec<ImportError>> {
    let config: Value = serde_yaml::from_str(text).map_err(|e| {
        let (line, column) = e.location().map_or((1, 1), |l| (l.line(), l.column()));
        vec![ImportError {
            place: Place::new(file, line, column),
            message: format!("not a lab-checker configuration (YAML or JSON): {e}"),
        }]
    })?;
    let Some(root) = config.as_mapping() else {
        return Err(vec![ImportError {
            place: Place::new(file, 1, 1),
            message: "a lab-checker configuration is a mapping with a `test` key".into(),
        }]);
    };
    let mut reader =
        Reader { places: YamlPlaces::new(file, text), report: Report::default(), checks: Vec::new() };
    for (key, value) in root {
        let key = key.as_str().unwrap_or_default();
        let path = vec![Seg::from(key)];
        match key {
            "test" => match value.as_mapping() {
                Some(tests) => tests::all(&mut reader, tests),
                None => reader.lost(&path, "`test` is not a mapping of tests: nothing to import"),
            },
            "convergence_time" => reader.lost(
                &path,
                "asbuilt waits for OSPF, BGP and RIP to settle before grading, whatever a fixed wait says",
            ),
            "structure" | "lab_inline" => reader.lost(
                &path,
                "the lab itself is imported with `asbuilt import kathara`; a node that is not in it fails its checks",
            ),
            "labs_path" | "default_image" => {
                reader.lost(&path, "asbuilt grades one lab per run, with its own images: not used")
            }
            other => reader.lost(&path, format!("`{other}` is not a lab-checker setting asbuilt knows: left out")),
        }
    }
    Ok(CheckImport { checks: reader.checks, report: reader.report })
}

/// The configuration being read, with where each of its parts is.
pub(super) struct Reader {
    places: YamlPlaces,
    report: Report,
    checks: Vec<Value>,
}

impl Reader {
    /// The place of a part of the configuration: its key, else its value, else the file.
    pub(super) fn place(&self, path: &[Seg]) -> Place {
        self.places.at(path).unwrap_or_else(|| Place::new(self.places.file(), 1, 1))
    }

    pub(super) fn check(&mut self, check: Mapping) {
        self.checks.push(Value::Mapping(check));
    }

    /// Imported, but not exactly as lab-checker tests it.
    pub(super) fn loose(&mut self, path: &[Seg], message: impl Into<String>) {
        let place = self.place(path);
        self.report.add(place, FindingKind::MappedWithLoss, message);
    }

    /// Not imported: no check comes of it (a test asbuilt has no equivalent for).
    pub(super) fn lost(&mut self, path: &[Seg], message: impl Into<String>) {
        let place = self.place(path);
        self.report.add(place, FindingKind::MappedWithLoss, format!("left out: {}", message.into()));
    }
}
