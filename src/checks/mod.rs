//! Built-as-designed checks: derived from a lab's design, run against a live lab
//! instance, scored per work process.
//!
//! The pure half (no I/O, no clock): [`model`] (a suite of checks), [`derive`] (a
//! suite from a design), [`sim`] (what a lab built as designed would do, which gives
//! each check its dependencies), [`content`].

pub mod access;
pub mod bgp_facts;
pub mod content;
pub mod derive;
pub mod events;
pub mod format;
pub mod grade;
pub mod judge;
pub mod model;
pub mod observation;
pub mod outcome;
pub mod probe;
pub mod report;
pub mod rubric;
pub mod runner;
pub mod settle;
pub mod settle_bgp;
pub mod settle_rip;
pub mod sim;
