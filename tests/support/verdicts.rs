//! Reading a graded report in tests: which checks did not pass, why, and which checks
//! a student's parts should fail. Shared by the namespace and the Docker runs, so both
//! hold labs to the same standard.

#![allow(dead_code)]

use std::collections::BTreeSet;

use asbuilt::checks::model::{PartRef, Suite};
use asbuilt::checks::outcome::Status;
use asbuilt::checks::report::Report;
use asbuilt::design::{Design, Text};

/// The ids of the checks that did not pass (failed, errors and skipped alike).
pub fn not_passed(report: &Report) -> BTreeSet<String> {
    report.checks.iter().filter(|c| c.status != Status::Pass).map(|c| c.id.clone()).collect()
}

/// Every check that did not pass, with what was expected and seen, for a failing assertion.
pub fn explain(report: &Report) -> String {
    let en = |t: &Option<Text>| t.as_ref().and_then(|t| t.en.clone()).unwrap_or_default();
    report
        .checks
        .iter()
        .filter(|c| c.status != Status::Pass)
        .map(|c| {
            format!(
                "{} {:?}: expected {} / observed {} / {} / evidence {:?}",
                c.id,
                c.status,
                en(&c.expected),
                en(&c.observed),
                en(&c.reason),
                c.evidence
            )
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// Every part of every node the student builds.
pub fn student_parts(design: &Design) -> Vec<PartRef> {
    design
        .nodes
        .values()
        .flat_map(|n| n.student_builds.iter().map(|p| PartRef { node: n.name.clone(), part: *p }))
        .collect()
}

/// The checks that depend on any of `parts`: what a lab with those parts blank fails.
pub fn depending_on(suite: &Suite, parts: &[PartRef]) -> BTreeSet<String> {
    suite
        .checks
        .iter()
        .filter(|c| c.depends_on.iter().any(|d| parts.contains(d)))
        .map(|c| c.id.clone())
        .collect()
}
