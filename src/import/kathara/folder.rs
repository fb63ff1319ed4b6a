//! Reading a Kathará lab's folder: every text file in it, by its path relative to the
//! folder, within bounds. The folder may come from anywhere: links are not followed,
//! and a file over the bounds is left out with a finding rather than read.

use std::collections::BTreeMap;
use std::path::Path;

use crate::import::report::{ImportError, Place};
use crate::topology::beside::FILE_BYTES;

/// The most files a lab's folder may hold.
const MAX_FILES: usize = 2000;
/// How deep folders may go.
const MAX_DEPTH: usize = 16;

#[derive(Debug, Default)]
pub struct Folder {
    files: BTreeMap<String, String>,
    /// Files left out, and why.
    pub skipped: Vec<(Place, String)>,
}

impl Folder {
    /// A lab made in memory: text files by their path from the lab's folder.
    pub(crate) fn from_files(files: BTreeMap<String, String>) -> Folder {
        Folder { files, skipped: Vec::new() }
    }

    pub fn read(dir: &Path) -> Result<Folder, Vec<ImportError>> {
        let mut folder = Folder::default();
        let mut count = 0;
        folder.walk(dir, "", 0, &mut count).map_err(|message| {
            vec![ImportError { place: Place::file(dir.display().to_string()), message }]
        })?;
        Ok(folder)
    }

    fn walk(&mut self, dir: &Path, rel: &str, depth: usize, count: &mut usize) -> Result<(), String> {
        if depth > MAX_DEPTH {
            self.skipped.push((
                Place::file(rel),
                format!("`{rel}` lies more than {MAX_DEPTH} folders deep: not read"),
            ));
            return Ok(());
        }
        let mut entries: Vec<_> = std::fs::read_dir(dir)
            .map_err(|e| format!("cannot read the folder {}: {e}", dir.display()))?
            .filter_map(Result::ok)
            .collect();
        entries.sort_by_key(|e| e.file_name());
        for entry in entries {
            let name = entry.file_name().to_string_lossy().into_owned();
            if name.starts_with('.') {
                continue;
            }
            let path = format!("{rel}{name}");
            let kind = entry.file_type().map_err(|e| format!("cannot read {path}: {e}"))?;
            *count += 1;
            if *count > MAX_FILES {
                return Err(format!("the folder holds more than {MAX_FILES} files: not a lab"));
            }
            if kind.is_symlink() {
                self.skipped.push((
                    Place::file(&path),
                    format!("`{path}` is a symbolic link: links are not followed"),
                ));
            } else if kind.is_dir() {
                self.walk(&entry.path(), &format!("{path}/"), depth + 1, count)?;
            } else if kind.is_file() {
                let size = entry.metadata().map(|m| m.len()).unwrap_or(u64::MAX);
                if size > FILE_BYTES as u64 {
                    self.skipped.push((
                        Place::file(&path),
                        format!("`{path}` is larger than {} KiB: not imported", FILE_BYTES / 1024),
                    ));
                    continue;
                }
                match std::fs::read(entry.path()).map(String::from_utf8) {
                    Ok(Ok(text)) => {
                        self.files.insert(path, text);
                    }
                    Ok(Err(_)) => self.skipped.push((
                        Place::file(&path),
                        format!("`{path}` is not text: only text files can be put into nodes"),
                    )),
                    Err(e) => return Err(format!("cannot read {path}: {e}")),
                }
            }
        }
        Ok(())
    }

    pub fn text(&self, rel: &str) -> Option<&str> {
        self.files.get(rel).map(String::as_str)
    }

    /// Files under a folder (`r1/`), by their path from the lab's folder.
    pub fn under(&self, prefix: &str) -> Vec<(String, &str)> {
        self.files
            .range(prefix.to_string()..)
            .take_while(|(k, _)| k.starts_with(prefix))
            .map(|(k, v)| (k.clone(), v.as_str()))
            .collect()
    }

    pub fn paths(&self) -> impl Iterator<Item = &str> {
        self.files.keys().map(String::as_str)
    }

    /// Devices a lab has by a folder or a startup file, besides those lab.conf names.
    pub fn device_candidates(&self) -> Vec<String> {
        let mut out: Vec<String> = Vec::new();
        for path in self.files.keys() {
            let candidate = match path.split_once('/') {
                Some((top, _)) if top != "shared" && !top.starts_with('_') => top,
                None => match path.strip_suffix(".startup") {
                    Some(dev) if dev != "shared" => dev,
                    _ => continue,
                },
                _ => continue,
            };
            if !out.iter().any(|o| o == candidate) {
                out.push(candidate.to_string());
            }
        }
        out
    }
}
