//! The topology file: reading it into wire types, with positions for every error.
//!
//! Nothing here knows what the values mean; `crate::design` checks and resolves them.

pub mod beside;
pub mod bgp;
pub mod bounds;
pub mod de;
pub mod locate;
pub mod source;
pub mod wire;
pub mod wire_as_is;

pub use source::{Source, parse};
