//! Archives for the tests that send labs to the service: a fixture folder's files as
//! entries, written as a zip or a tar.gz (with symbolic links, which a tar can carry).
#![allow(dead_code)]

use std::io::Write;
use std::path::Path;

/// An archive's entries: a name and its content (`None`: a folder).
pub type Entries = Vec<(String, Option<Vec<u8>>)>;

/// The files of a fixture folder, under `prefix` in the archive.
pub fn entries_of(dir: &Path, prefix: &str) -> Entries {
    let mut paths = Vec::new();
    walk(dir, &mut paths);
    paths.sort();
    paths
        .into_iter()
        .map(|p| {
            let rel = p.strip_prefix(dir).unwrap().to_string_lossy().into_owned();
            (format!("{prefix}{rel}"), Some(std::fs::read(&p).unwrap()))
        })
        .collect()
}

fn walk(dir: &Path, out: &mut Vec<std::path::PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() { walk(&path, out) } else { out.push(path) }
    }
}

pub fn zip_of(entries: &Entries) -> Vec<u8> {
    let mut writer = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let options =
        zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Deflated);
    for (name, content) in entries {
        match content {
            Some(bytes) => {
                writer.start_file(name.as_str(), options).unwrap();
                writer.write_all(bytes).unwrap();
            }
            None => writer.add_directory(name.as_str(), options).unwrap(),
        }
    }
    writer.finish().unwrap().into_inner()
}

/// A tar.gz of `entries`, plus symbolic links (name, target).
pub fn tar_gz_of(entries: &Entries, links: &[(&str, &str)]) -> Vec<u8> {
    let gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    let mut builder = tar::Builder::new(gz);
    for (name, content) in entries {
        let bytes = content.clone().unwrap_or_default();
        let mut header = tar::Header::new_gnu();
        header.set_size(bytes.len() as u64);
        header.set_mode(0o644);
        header.set_entry_type(if content.is_some() {
            tar::EntryType::Regular
        } else {
            tar::EntryType::Directory
        });
        builder.append_data(&mut header, name, bytes.as_slice()).unwrap();
    }
    for (name, target) in links {
        let mut header = tar::Header::new_gnu();
        header.set_entry_type(tar::EntryType::Symlink);
        header.set_size(0);
        builder.append_link(&mut header, name, target).unwrap();
    }
    builder.into_inner().unwrap().finish().unwrap()
}
