//! The check suite of a design: derived from the design itself, which is the answer
//! key, plus the teacher's explicit checks.
//!
//! Pure. Each submodule derives one family of checks as [`Draft`]s; [`suite`] gives
//! them their work processes and the design parts they depend on (by asking the
//! [`sim`](super::sim) what breaks when a part is left blank).

mod accounts;
mod bgp;
mod boot;
mod depends;
mod explicit;
pub mod ids;
mod ospf_detail;
mod packages;
mod rip;
mod services;
mod state;
pub mod texts;
mod traffic;

use crate::checks::model::{CheckSpec, Origin, ProbeSpec, Suite};
use crate::checks::sim::World;
use crate::design::{Design, GradingChange, Text, WorkProcess};

pub use depends::affected_by;

/// What a derived check is about, for its work-process tag.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Area {
    /// Addresses and gateways of client hosts (B1-K1-W3).
    Client,
    /// Network and infrastructure (B1-K2-W1).
    Network,
    /// Applications on servers (B1-K3-W1).
    Services,
    /// Managing and monitoring the network: logging, SNMP (B1-K2-W2).
    Monitoring,
    /// Maintaining applications: their accounts and rights (B1-K3-W2).
    Maintenance,
}

impl Area {
    fn work_process(self) -> &'static str {
        match self {
            Area::Client => "B1-K1-W3",
            Area::Network => "B1-K2-W1",
            Area::Services => "B1-K3-W1",
            Area::Monitoring => "B1-K2-W2",
            Area::Maintenance => "B1-K3-W2",
        }
    }
}

/// A derived check before it gets its tags and dependencies.
#[derive(Debug, Clone)]
pub(crate) struct Draft {
    pub id: String,
    pub title: Text,
    pub hint: Text,
    pub area: Area,
    pub reveal: bool,
    pub requires: Vec<String>,
    pub retries: u32,
    pub timeout_ms: u64,
    pub probe: ProbeSpec,
}

impl Draft {
    /// A check with the defaults: two attempts of three seconds. Nothing a check reads
    /// settles slower than that unless the check says so (OSPF, DHCP, a cable that may
    /// be lossy), and a failing lab must not take long to say so.
    pub fn new(id: String, (title, hint): (Text, Text), area: Area, probe: ProbeSpec) -> Draft {
        Draft {
            id,
            title,
            hint,
            area,
            reveal: true,
            requires: Vec::new(),
            retries: 1,
            timeout_ms: 3_000,
            probe,
        }
    }

    pub fn reveal(mut self, reveal: bool) -> Draft {
        self.reveal = reveal;
        self
    }

    /// For things that converge: more attempts.
    pub fn patient(mut self, retries: u32, timeout_ms: u64) -> Draft {
        self.retries = retries;
        self.timeout_ms = timeout_ms;
        self
    }
}

/// Every check for a design: derived ones first, in a stable order, then the
/// teacher's.
pub fn suite(design: &Design) -> Suite {
    let world = World::of(design);
    // In a troubleshooting lab the student has to find what differs from the drawing;
    // showing the designed value next to the observed one would give the fault away.
    let reveal_state = design.faults.is_empty();
    let mut drafts = Vec::new();
    drafts.extend(state::addresses(design, &world, reveal_state));
    drafts.extend(state::gateways_and_routes(design, &world, reveal_state));
    drafts.extend(state::ospf(design, &world));
    drafts.extend(bgp::derive(design, &world));
    drafts.extend(ospf_detail::interfaces(design, &world));
    drafts.extend(rip::routes(design, &world));
    drafts.extend(state::vlans(design, reveal_state));
    drafts.extend(state::links(design, &world));
    drafts.extend(traffic::derive(design, &world));
    drafts.extend(services::derive(design, &world));
    drafts.extend(accounts::derive(design));
    drafts.extend(boot::derive(design));
    drafts.extend(packages::derive(design));
    let mut checks: Vec<CheckSpec> = drafts
        .into_iter()
        .map(|d| CheckSpec {
            id: d.id,
            origin: Origin::Derived,
            title: d.title,
            hint: d.hint,
            weight: 1.0,
            trains: trains(design, d.area),
            reveal: d.reveal,
            depends_on: Vec::new(),
            requires: d.requires,
            graded: true,
            worked_at_start: false,
            retries: d.retries,
            timeout_ms: d.timeout_ms,
            probe: d.probe,
        })
        .collect();
    dedupe(&mut checks);
    apply_grading(design, &mut checks);
    checks.extend(explicit::checks(design, &world));
    depends::fill(design, &mut checks);
    depends::mark_worked_at_start(design, &mut checks);
    Suite {
        lab: design.lab.clone(),
        title: design.title.clone(),
        language: design.language,
        student: design.variant.as_ref().map(|v| v.student.clone()),
        seed: design.variant.as_ref().map(|v| v.seed.clone()),
        checks,
        rubric: design.rubric.clone(),
    }
}

/// The work processes a derived check counts for: the one its area trains when the
/// lab trains it, else everything the lab trains.
fn trains(design: &Design, area: Area) -> Vec<WorkProcess> {
    let own = area.work_process();
    if design.trains.iter().any(|t| t.0 == own) {
        vec![WorkProcess(own.to_string())]
    } else {
        design.trains.clone()
    }
}

/// The teacher's `grading:` rules. For each check, its points (a weight, or dropping
/// it) come from the last matching rule that says something about points, and its work
/// processes from the last matching rule that names them, so that `reach/*` can
/// reweight what `reach/pc1/*` moves to another work process.
///
/// A dropped check that another one requires stays, ungraded, so that the one resting
/// on it keeps its meaning; reports leave it out.
fn apply_grading(design: &Design, checks: &mut Vec<CheckSpec>) {
    let needed: std::collections::HashSet<String> = checks.iter().flat_map(|c| c.requires.clone()).collect();
    let mut dropped = std::collections::HashSet::new();
    for check in checks.iter_mut() {
        let matching = || design.grading.iter().rev().filter(|rule| rule.matches(&check.id));
        if let Some(trains) = matching().find_map(|rule| rule.trains.clone()) {
            check.trains = trains;
        }
        match matching().find_map(|rule| rule.change) {
            Some(GradingChange::Weight(weight)) => check.weight = weight,
            Some(GradingChange::Drop) if needed.contains(&check.id) => {
                check.weight = 0.0;
                check.graded = false;
            }
            Some(GradingChange::Drop) => {
                dropped.insert(check.id.clone());
            }
            None => {}
        }
    }
    checks.retain(|c| !dropped.contains(&c.id));
}

/// Two derivations can arrive at the same check (a pair seen from both sides); the
/// first one stays.
fn dedupe(checks: &mut Vec<CheckSpec>) {
    let mut seen = std::collections::HashSet::new();
    checks.retain(|c| seen.insert(c.id.clone()));
}
