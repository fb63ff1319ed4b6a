//! Another tool's lab somewhere in a folder (an unpacked archive, where the lab is
//! often one folder down, as in a repository's download): found, and imported with
//! every file it needs written inline, so the topology stands on its own.

use std::path::{Path, PathBuf};

use super::report::{ImportError, Place};
use super::{Imported, containerlab, kathara};

/// The formats a lab can be imported from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Kathara,
    Containerlab,
}

impl Format {
    pub fn name(self) -> &'static str {
        match self {
            Format::Kathara => "kathara",
            Format::Containerlab => "containerlab",
        }
    }
}

/// A lab found in a folder: what it is, and where, relative to the folder.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Found {
    pub format: Format,
    /// A Kathará lab's folder, or a containerlab topology file (`""` for the folder
    /// itself).
    pub path: String,
}

/// How deep below the folder a lab is looked for.
const SEARCH_DEPTH: usize = 4;

/// Every lab in `root`, shallowest first: folders with a lab.conf and `*.clab.yml`
/// files (none inside a Kathará lab, whose files are its own).
pub fn find(root: &Path) -> Vec<Found> {
    let mut found = Vec::new();
    look(root, "", 0, &mut found);
    found.sort_by_key(|f| (f.path.matches('/').count(), f.path.clone()));
    found
}

fn look(dir: &Path, rel: &str, depth: usize, found: &mut Vec<Found>) {
    if kathara::is_lab(dir) {
        found.push(Found { format: Format::Kathara, path: rel.trim_end_matches('/').to_string() });
        return;
    }
    if depth > SEARCH_DEPTH {
        return;
    }
    let Ok(entries) = std::fs::read_dir(dir) else { return };
    let mut entries: Vec<_> = entries.filter_map(Result::ok).collect();
    entries.sort_by_key(|e| e.file_name());
    for entry in entries {
        let name = entry.file_name().to_string_lossy().into_owned();
        let Ok(kind) = entry.file_type() else { continue };
        if kind.is_dir() && !name.starts_with('.') {
            look(&entry.path(), &format!("{rel}{name}/"), depth + 1, found);
        } else if kind.is_file() && containerlab::is_topology(&entry.path()) {
            found.push(Found { format: Format::Containerlab, path: format!("{rel}{name}") });
        }
    }
}

/// Chooses the lab to import: the one named, else the only one there is.
pub fn choose(mut labs: Vec<Found>, named: Option<&str>) -> Result<Found, String> {
    if let Some(name) = named {
        let name = name.trim_matches('/');
        return labs.into_iter().find(|f| f.path == name).ok_or_else(|| {
            format!("there is no Kathará lab or containerlab topology at `{name}` in the archive")
        });
    }
    match labs.len() {
        0 => Err("the archive holds no Kathará lab (a folder with lab.conf) and no containerlab topology (a *.clab.yml file)".into()),
        1 => Ok(labs.remove(0)),
        _ => Err(format!(
            "the archive holds {} labs ({}): name the one to import",
            labs.len(),
            labs.iter().map(|f| if f.path.is_empty() { "." } else { f.path.as_str() }).collect::<Vec<_>>().join(", ")
        )),
    }
}

/// Imports a found lab from `root`, every file it needs inline. Places in the report
/// and in errors are paths from `root`.
pub fn import(root: &Path, found: &Found) -> Result<Imported, Vec<ImportError>> {
    let path: PathBuf = root.join(&found.path);
    let (imported, base) = match found.format {
        Format::Kathara => (kathara::import_inline(&path), found.path.clone()),
        Format::Containerlab => {
            let dir = found.path.rsplit_once('/').map_or("", |(dir, _)| dir).to_string();
            (containerlab::import(&path), dir)
        }
    };
    let from_root = |place: Place| {
        if base.is_empty() { place } else { Place { file: format!("{base}/{}", place.file), ..place } }
    };
    match imported {
        Ok(mut imported) => {
            for finding in &mut imported.report.findings {
                finding.place = from_root(finding.place.clone());
            }
            Ok(imported)
        }
        Err(errors) => Err(errors
            .into_iter()
            .map(|e| ImportError { place: from_root(e.place), message: e.message })
            .collect()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn found(format: Format, path: &str) -> Found {
        Found { format, path: path.into() }
    }

    #[test]
    fn the_only_lab_is_chosen_and_several_must_be_named() {
        let one = vec![found(Format::Kathara, "repo-main/lab")];
        assert_eq!(choose(one.clone(), None).unwrap().path, "repo-main/lab");
        let two = vec![found(Format::Kathara, "a"), found(Format::Containerlab, "b/x.clab.yml")];
        let err = choose(two.clone(), None).unwrap_err();
        assert!(err.contains("2 labs (a, b/x.clab.yml)"), "{err}");
        assert_eq!(choose(two.clone(), Some("b/x.clab.yml")).unwrap().format, Format::Containerlab);
        assert!(choose(two, Some("c")).unwrap_err().contains("at `c`"));
        assert!(choose(Vec::new(), None).unwrap_err().contains("no Kathará lab"));
    }
}
