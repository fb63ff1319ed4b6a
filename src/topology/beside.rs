//! Files beside a topology file, which `from:` names (`from: r1/etc/frr/frr.conf`).
//!
//! Read while the lab is resolved and inlined into the design, so that an instance's
//! record holds every byte the lab needs and nothing is read again at deploy. Only a
//! topology read from disk has a folder; a lab uploaded to the service is only text, so
//! there `from:` is an error that says to write the content inline.
//!
//! Topology files come from other schools: a `from:` may not leave the topology's
//! folder (no absolute paths, no `..`, no symbolic link out of it), and a file may be
//! at most [`FILE_BYTES`].

use std::io::Read;
use std::path::{Component, Path, PathBuf};

/// The largest file `from:` may name.
pub const FILE_BYTES: usize = 256 * 1024;

/// Why a file beside the topology cannot be used.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BesideError {
    /// The topology was not read from a folder (an upload to the service).
    NoFolder,
    /// Absolute, or climbing out with `..`, or through a link that leaves the folder.
    Escapes,
    Missing,
    TooBig,
    NotText,
    Unreadable(String),
}

impl BesideError {
    pub fn message(&self, path: &str) -> String {
        match self {
            BesideError::NoFolder => {
                format!("`{path}` cannot be read: this topology is text without a folder beside it")
            }
            BesideError::Escapes => format!("`{path}` lies outside the topology's folder"),
            BesideError::Missing => format!("`{path}` does not exist beside the topology"),
            BesideError::TooBig => format!("`{path}` is larger than {} KiB", FILE_BYTES / 1024),
            BesideError::NotText => format!("`{path}` is not UTF-8 text"),
            BesideError::Unreadable(why) => format!("`{path}` cannot be read: {why}"),
        }
    }

    pub fn help(&self) -> &'static str {
        match self {
            BesideError::NoFolder => {
                "a lab uploaded to the service is one file: write the file's text inline with `content: |`"
            }
            BesideError::Escapes => {
                "name a file in the topology's folder or below it, relative to it (`r1/etc/frr/frr.conf`)"
            }
            BesideError::Missing => "paths are relative to the topology file's folder",
            BesideError::TooBig => "files put into nodes are configuration, not data: keep them small",
            BesideError::NotText => "only text files can be put into nodes",
            BesideError::Unreadable(_) => "check the file's permissions",
        }
    }
}

/// Reads `relative` from `folder`, never from outside it.
pub fn read(folder: Option<&Path>, relative: &str) -> Result<String, BesideError> {
    let folder = folder.ok_or(BesideError::NoFolder)?;
    let rel = Path::new(relative);
    if relative.is_empty() || !rel.components().all(|c| matches!(c, Component::Normal(_) | Component::CurDir))
    {
        return Err(BesideError::Escapes);
    }
    let base = folder.canonicalize().map_err(|e| BesideError::Unreadable(e.to_string()))?;
    let full = match base.join(rel).canonicalize() {
        Ok(full) => full,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Err(BesideError::Missing),
        Err(e) => return Err(BesideError::Unreadable(e.to_string())),
    };
    // A symbolic link in the folder may point anywhere on the host.
    if !full.starts_with(&base) {
        return Err(BesideError::Escapes);
    }
    let file = std::fs::File::open(&full).map_err(|e| BesideError::Unreadable(e.to_string()))?;
    if !file.metadata().map(|m| m.is_file()).unwrap_or(false) {
        return Err(BesideError::Unreadable("it is not a regular file".into()));
    }
    let mut bytes = Vec::new();
    file.take(FILE_BYTES as u64 + 1)
        .read_to_end(&mut bytes)
        .map_err(|e| BesideError::Unreadable(e.to_string()))?;
    if bytes.len() > FILE_BYTES {
        return Err(BesideError::TooBig);
    }
    String::from_utf8(bytes).map_err(|_| BesideError::NotText)
}

/// The folder of a topology file at `path`.
pub fn folder_of(path: &Path) -> PathBuf {
    match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_only_inside_the_folder() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir(dir.path().join("r1")).unwrap();
        std::fs::write(dir.path().join("r1/frr.conf"), "hostname r1\n").unwrap();
        std::fs::write(dir.path().join("big"), vec![b'x'; FILE_BYTES + 1]).unwrap();
        std::os::unix::fs::symlink("/etc/passwd", dir.path().join("out")).unwrap();
        let d = Some(dir.path());
        assert_eq!(read(d, "r1/frr.conf").unwrap(), "hostname r1\n");
        assert_eq!(read(d, "./r1/frr.conf").unwrap(), "hostname r1\n");
        assert_eq!(read(d, "../x"), Err(BesideError::Escapes));
        assert_eq!(read(d, "/etc/passwd"), Err(BesideError::Escapes));
        assert_eq!(read(d, "r1/../../x"), Err(BesideError::Escapes));
        assert_eq!(read(d, "out"), Err(BesideError::Escapes));
        assert_eq!(read(d, "nope"), Err(BesideError::Missing));
        assert_eq!(read(d, "big"), Err(BesideError::TooBig));
        assert_eq!(read(None, "r1/frr.conf"), Err(BesideError::NoFolder));
    }
}
