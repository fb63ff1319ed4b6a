//! Importing labs written for other tools into asbuilt's topology language.
//!
//! An importer reads a lab's folder and writes a topology a teacher can read and edit,
//! plus a [`report::Report`] of everything that was not carried over exactly, each with
//! the file, line and column it came from. What it recognises becomes design facts (so
//! the lab is graded and per-student variants work); the rest runs as it is
//! (passthrough: files copied, commands run, a router's own configuration loaded).
//!
//! Reading the source folder is the only I/O here; the parsers work on text.

pub mod archive;
pub mod containerlab;
pub mod found;
pub mod kathara;
pub mod lab_checker;
pub mod report;

pub use report::{Finding, FindingKind, ImportError, Place, Report};

/// An imported lab: the topology's YAML text and what the import has to say about it.
#[derive(Debug, Clone)]
pub struct Imported {
    /// The topology, ready to be written beside the source lab (its `from:` paths are
    /// relative to the folder the import was told it would be written to).
    pub yaml: String,
    pub report: Report,
}
