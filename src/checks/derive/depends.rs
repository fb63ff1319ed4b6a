//! Which design parts each check depends on, and which checks a fault breaks: both
//! found by asking the simulated lab, not by rules per check kind, so that a path
//! through three routers depends on exactly the routes and rules on that path.

use std::collections::HashMap;

use crate::checks::model::{CheckSpec, PartRef, ProbeSpec};
use crate::checks::sim::{self, World, holds::holds};
use crate::design::{Design, Fault, Part};

/// Fills in `depends_on` of every check: the parts that, left blank, make a check that
/// passes in the designed lab fail (or be skipped).
pub fn fill(design: &Design, checks: &mut [CheckSpec]) {
    let full = World::of(design);
    let passing = evaluate(&full, checks);
    for node in design.nodes.values() {
        for part in Part::ALL.into_iter().filter(|p| sim::is_present(node, *p)) {
            let part = PartRef { node: node.name.clone(), part };
            let world = World::of(&sim::without(design, &part));
            let now = evaluate(&world, checks);
            for check in checks.iter_mut() {
                if passing[check.id.as_str()] && !now[check.id.as_str()] {
                    check.depends_on.push(part.clone());
                }
            }
        }
    }
}

/// Marks the checks that pass in the lab as the student gets it, for a lab with faults
/// or a ticket: those the student must leave working while repairing the rest. The
/// simulated lab cannot judge a teacher's `command` or `file` check, so those are
/// never marked.
pub fn mark_worked_at_start(design: &Design, checks: &mut [CheckSpec]) {
    if design.faults.is_empty() && design.ticket.is_none() {
        return;
    }
    let at_start = evaluate(&World::at_start(design), checks);
    for check in checks.iter_mut() {
        let judged = !matches!(check.probe, ProbeSpec::Command { .. } | ProbeSpec::File { .. });
        check.worked_at_start = judged && at_start[check.id.as_str()];
    }
}

/// The checks, among those that pass in the designed lab, that fail (or are skipped)
/// with this fault applied.
pub fn affected_by(design: &Design, checks: &[CheckSpec], fault: &Fault) -> Vec<String> {
    let passing = evaluate(&World::of(design), checks);
    let broken = evaluate(&World::with_fault(design, fault), checks);
    checks.iter().filter(|c| passing[c.id.as_str()] && !broken[c.id.as_str()]).map(|c| c.id.clone()).collect()
}

/// Whether each check would pass: its own expectation, and every check it requires.
fn evaluate(world: &World, checks: &[CheckSpec]) -> HashMap<String, bool> {
    let own: HashMap<&str, bool> = checks.iter().map(|c| (c.id.as_str(), holds(world, &c.probe))).collect();
    checks
        .iter()
        .map(|c| {
            let required = c.requires.iter().all(|r| own.get(r.as_str()).copied().unwrap_or(true));
            (c.id.clone(), own[c.id.as_str()] && required)
        })
        .collect()
}
