//! A lab sent as one archive (zip, tar or tar.gz), unpacked into a private folder so
//! the importers read it as they read a folder on disk.
//!
//! An archive comes from someone else's machine, so nothing in it is trusted: names
//! that are absolute or climb out (`..`) are refused, links and devices are left out
//! (only regular files and folders are made), and every size is counted while
//! decompressing rather than believed from the headers, so a small archive that
//! unpacks to gigabytes stops at [`MAX_UNPACKED`].

use std::io::{Cursor, Read};
use std::path::{Component, Path, PathBuf};

use crate::topology::beside::FILE_BYTES;

/// The most bytes an archive may unpack to, counted as it is decompressed (a lab's
/// text files are far smaller; this stops a decompression bomb early).
pub const MAX_UNPACKED: u64 = 32 << 20;
/// The most entries an archive may hold (a Kathará folder's own limit).
pub const MAX_ENTRIES: usize = 2000;
/// How deep an entry's path may go.
const MAX_DEPTH: usize = 16;

/// What an archive held, unpacked.
#[derive(Debug, Default)]
pub struct Unpacked {
    /// Entries left out, by their name in the archive, and why.
    pub skipped: Vec<(String, String)>,
    /// How many files were written.
    pub files: usize,
}

/// Why an archive could not be unpacked at all.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum ArchiveError {
    #[error("not a zip, tar or tar.gz archive")]
    UnknownFormat,
    #[error("the archive is damaged: {0}")]
    Damaged(String),
    #[error("`{0}` would be written outside the lab's folder (an absolute path or `..`): refused")]
    Escapes(String),
    #[error("the archive unpacks to more than {} MiB: refused", MAX_UNPACKED >> 20)]
    TooBig,
    #[error("the archive holds more than {MAX_ENTRIES} entries: refused")]
    TooMany,
    #[error("cannot write the unpacked lab: {0}")]
    Write(String),
}

/// The kinds of archive, by their first bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Zip,
    TarGz,
    Tar,
}

impl Format {
    pub fn sniff(bytes: &[u8]) -> Option<Format> {
        if bytes.starts_with(b"PK\x03\x04") || bytes.starts_with(b"PK\x05\x06") {
            Some(Format::Zip)
        } else if bytes.starts_with(&[0x1f, 0x8b]) {
            Some(Format::TarGz)
        } else if bytes.len() > 262 && &bytes[257..262] == b"ustar" {
            Some(Format::Tar)
        } else {
            None
        }
    }
}

/// Unpacks `bytes` into `into` (an empty folder the caller owns).
pub fn unpack(bytes: &[u8], into: &Path) -> Result<Unpacked, ArchiveError> {
    let mut sink = Sink { into, unpacked: Unpacked::default(), total: 0, entries: 0 };
    match Format::sniff(bytes).ok_or(ArchiveError::UnknownFormat)? {
        Format::Zip => unzip(bytes, &mut sink)?,
        Format::TarGz => untar(flate2::read::GzDecoder::new(bytes), &mut sink)?,
        Format::Tar => untar(bytes, &mut sink)?,
    }
    Ok(sink.unpacked)
}

fn unzip(bytes: &[u8], sink: &mut Sink) -> Result<(), ArchiveError> {
    let damaged = |e: zip::result::ZipError| ArchiveError::Damaged(e.to_string());
    let mut archive = zip::ZipArchive::new(Cursor::new(bytes)).map_err(damaged)?;
    for i in 0..archive.len() {
        let entry = archive.by_index(i).map_err(damaged)?;
        let name = entry.name().to_string();
        let kind = if entry.is_symlink() {
            Kind::Other("a symbolic link")
        } else if entry.is_dir() {
            Kind::Folder
        } else {
            Kind::File
        };
        sink.entry(&name, kind, entry)?;
    }
    Ok(())
}

fn untar(reader: impl Read, sink: &mut Sink) -> Result<(), ArchiveError> {
    // Counted below the tar reader, since skipping an entry (one left out, or a file's
    // rest past the per-file limit) decompresses it too. Headers and skipped bytes count
    // here, so the stream may be twice what files may add up to.
    let counted = Counted { inner: reader, left: MAX_UNPACKED * 2 };
    let mut archive = tar::Archive::new(counted);
    let entries = archive.entries().map_err(|e| tar_error(&e))?;
    for entry in entries {
        let entry = entry.map_err(|e| tar_error(&e))?;
        let name = String::from_utf8_lossy(&entry.path_bytes()).into_owned();
        let kind = match entry.header().entry_type() {
            tar::EntryType::Regular | tar::EntryType::Continuous => Kind::File,
            tar::EntryType::Directory => Kind::Folder,
            tar::EntryType::Symlink => Kind::Other("a symbolic link"),
            tar::EntryType::Link => Kind::Other("a hard link"),
            // pax and GNU headers describe the next entry; the tar crate applies them.
            tar::EntryType::XHeader | tar::EntryType::XGlobalHeader => continue,
            tar::EntryType::GNULongName | tar::EntryType::GNULongLink => continue,
            _ => Kind::Other("not a regular file"),
        };
        sink.entry(&name, kind, entry)?;
    }
    Ok(())
}

fn tar_error(e: &std::io::Error) -> ArchiveError {
    if e.kind() == std::io::ErrorKind::FileTooLarge {
        ArchiveError::TooBig
    } else {
        ArchiveError::Damaged(e.to_string())
    }
}

/// A reader that fails once it has given `left` bytes.
struct Counted<R> {
    inner: R,
    left: u64,
}

impl<R: Read> Read for Counted<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.left = self.left.checked_sub(n as u64).ok_or(std::io::ErrorKind::FileTooLarge)?;
        Ok(n)
    }
}

enum Kind {
    File,
    Folder,
    Other(&'static str),
}

/// Where entries go, and what they have added up to.
struct Sink<'a> {
    into: &'a Path,
    unpacked: Unpacked,
    total: u64,
    entries: usize,
}

impl Sink<'_> {
    fn entry(&mut self, name: &str, kind: Kind, mut content: impl Read) -> Result<(), ArchiveError> {
        self.entries += 1;
        if self.entries > MAX_ENTRIES {
            return Err(ArchiveError::TooMany);
        }
        let Some(relative) = inside(name)? else { return Ok(()) };
        if relative.components().count() > MAX_DEPTH {
            self.skip(name, format!("lies more than {MAX_DEPTH} folders deep: not unpacked"));
            return Ok(());
        }
        let path = self.into.join(&relative);
        match kind {
            Kind::Other(what) => self.skip(name, format!("is {what}: only files and folders are unpacked")),
            Kind::Folder => std::fs::create_dir_all(&path).map_err(|e| ArchiveError::Write(e.to_string()))?,
            Kind::File => {
                // Read one byte past the limit to tell a file at the limit from a larger one.
                let mut text = Vec::new();
                let read = content
                    .by_ref()
                    .take(FILE_BYTES as u64 + 1)
                    .read_to_end(&mut text)
                    .map_err(|e| read_error(&e))?;
                self.count(read as u64)?;
                if read > FILE_BYTES {
                    self.skip(name, format!("is larger than {} KiB: not unpacked", FILE_BYTES / 1024));
                    return Ok(());
                }
                if let Some(parent) = path.parent() {
                    std::fs::create_dir_all(parent).map_err(|e| ArchiveError::Write(e.to_string()))?;
                }
                // create_new: an archive naming one file twice does not overwrite it.
                let mut file = std::fs::OpenOptions::new()
                    .write(true)
                    .create_new(true)
                    .open(&path)
                    .map_err(|e| ArchiveError::Write(format!("{name}: {e}")))?;
                std::io::Write::write_all(&mut file, &text)
                    .map_err(|e| ArchiveError::Write(e.to_string()))?;
                self.unpacked.files += 1;
            }
        }
        Ok(())
    }

    fn count(&mut self, bytes: u64) -> Result<(), ArchiveError> {
        self.total += bytes;
        if self.total > MAX_UNPACKED { Err(ArchiveError::TooBig) } else { Ok(()) }
    }

    fn skip(&mut self, name: &str, why: String) {
        self.unpacked.skipped.push((name.to_string(), format!("`{name}` {why}")));
    }
}

fn read_error(e: &std::io::Error) -> ArchiveError {
    if e.kind() == std::io::ErrorKind::FileTooLarge {
        ArchiveError::TooBig
    } else {
        ArchiveError::Damaged(e.to_string())
    }
}

/// An entry's name as a path inside the lab's folder: `None` for the folder itself
/// (`./`), an error for a name that would leave it.
fn inside(name: &str) -> Result<Option<PathBuf>, ArchiveError> {
    // Windows zip tools write `\`; it is a separator there, and never a name here.
    let name_fwd = name.replace('\\', "/");
    let mut out = PathBuf::new();
    for part in Path::new(&name_fwd).components() {
        match part {
            Component::Normal(p) => out.push(p),
            Component::CurDir => {}
            Component::RootDir | Component::Prefix(_) | Component::ParentDir => {
                return Err(ArchiveError::Escapes(name.to_string()));
            }
        }
    }
    Ok((!out.as_os_str().is_empty()).then_some(out))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_that_leave_the_folder_are_refused_and_others_are_kept() {
        assert_eq!(inside("lab/lab.conf").unwrap(), Some(PathBuf::from("lab/lab.conf")));
        assert_eq!(inside("./r1.startup").unwrap(), Some(PathBuf::from("r1.startup")));
        assert_eq!(inside("./").unwrap(), None);
        assert_eq!(inside("a\\b.txt").unwrap(), Some(PathBuf::from("a/b.txt")));
        for bad in ["../x", "/etc/passwd", "a/../../x", "a\\..\\..\\x"] {
            assert!(matches!(inside(bad), Err(ArchiveError::Escapes(_))), "{bad}");
        }
    }

    #[test]
    fn archives_are_known_by_their_first_bytes() {
        assert_eq!(Format::sniff(b"PK\x03\x04rest"), Some(Format::Zip));
        assert_eq!(Format::sniff(&[0x1f, 0x8b, 8, 0]), Some(Format::TarGz));
        assert_eq!(Format::sniff(b"lab: x\n"), None);
    }
}
