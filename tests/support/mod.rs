//! Test support shared by the check tests and the bench: labs made of network
//! namespaces, and building a design in one.
#![allow(dead_code)]

pub mod deploy;
pub mod netns_lab;
pub mod passed;
pub mod verdicts;

use std::path::Path;

use asbuilt::design::{Design, Lab};
use asbuilt::topology::Source;

/// An example lab from topologies/, for the teacher's plan or one student.
pub fn example(name: &str, student: Option<&str>) -> Design {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("topologies").join(name);
    Lab::load(&Source::read(&path).unwrap()).unwrap().design_for(student)
}

/// A lab from tests/fixtures/checks/.
pub fn fixture(name: &str) -> Design {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/checks").join(name);
    Lab::load(&Source::read(&path).unwrap()).unwrap_or_else(|e| panic!("{name}: {e:?}")).design_for(None)
}
