//! asbuilt: virtual network labs for networking education, graded against their design.
//!
//! See ARCHITECTURE.md for the bird's-eye view and the code map.

pub mod checks;
pub mod cli;
pub mod confine;
pub mod design;
pub mod diagnostic;
pub mod engine;
pub mod graph;
pub mod images;
pub mod import;
pub mod kind;
pub mod plan;
pub mod service;
pub mod topology;
