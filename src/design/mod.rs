//! The design: a topology file checked and resolved into what the lab must be.
//!
//! Pure code: no I/O, no clock, no engine. [`Lab::load`] turns a [`Source`] into a
//! [`Lab`], or into every error of the file at once; [`Lab::design_for`] gives the
//! design for the teacher's plan or for one student's variant.

pub mod as_is;
pub mod bgp;
pub mod coursework;
pub mod domains;
pub mod fault_pool;
pub mod model;
mod resolve;
mod solution;
pub mod syntax;
pub mod templates;
pub mod variants;

pub use bgp::{Bgp, BgpNeighbour, BgpRedistribute, PrefixEntry, RouteMapEntry};
pub use coursework::{RubricItem, Ticket, Writing};
pub use model::*;
pub use variants::VariantRule;

use crate::diagnostic::Diagnostic;
use crate::topology::{self, Source};

/// A lab that passed validation: its design as the teacher wrote it, ready to be
/// resolved for any student.
#[derive(Debug, Clone)]
pub struct Lab {
    /// The teacher's plan with placeholders still in its texts.
    plan: Design,
    variants: Vec<VariantRule>,
    /// Legal but suspicious things about the file.
    pub warnings: Vec<Diagnostic>,
}

impl Lab {
    /// Parses and validates a topology file. `Err` holds every error found.
    pub fn load(source: &Source) -> Result<Lab, Vec<Diagnostic>> {
        let file = topology::parse(source)?;
        let resolved = resolve::resolve(&file, source.folder.as_deref())?;
        Ok(Lab { plan: resolved.design, variants: resolved.variants, warnings: resolved.warnings })
    }

    pub fn name(&self) -> &str {
        &self.plan.lab
    }

    /// Whether students get their own address plans.
    pub fn has_variants(&self) -> bool {
        !self.variants.is_empty()
    }

    pub fn variant_rules(&self) -> &[VariantRule] {
        &self.variants
    }

    /// The design for one student, or the teacher's plan as written when `student` is
    /// `None`. The same student always gets the same design.
    pub fn design_for(&self, student: Option<&str>) -> Design {
        let mut design = match student {
            Some(id) if self.has_variants() => variants::for_student(&self.plan, &self.variants, id),
            Some(id) => {
                let mut d = self.plan.clone();
                d.variant = Some(Variant {
                    student: id.to_string(),
                    seed: variants::seed(&d.lab, id),
                    subnets: Vec::new(),
                });
                d
            }
            None => self.plan.clone(),
        };
        fault_pool::apply(&mut design);
        fill_placeholders(&mut design);
        design
    }
}

/// Replaces placeholders in every text of the design with this design's addresses.
fn fill_placeholders(design: &mut Design) {
    let nodes = design.nodes.clone();
    let fill = |s: &str| templates::expand(s, &nodes);
    design.task = design.task.map(fill);
    if let Some(ticket) = &mut design.ticket {
        ticket.from = ticket.from.map(fill);
        ticket.message = ticket.message.map(fill);
    }
    for writing in &mut design.hand_in {
        writing.prompt = writing.prompt.map(fill);
    }
    for item in &mut design.rubric {
        item.criterion = item.criterion.map(fill);
    }
    for node in design.nodes.values_mut() {
        if let Some(http) = &mut node.services.http {
            http.content = fill(&http.content);
            for site in &mut http.sites {
                site.content = fill(&site.content);
            }
        }
        for command in &mut node.as_is.startup {
            *command = fill(command);
        }
    }
    for check in &mut design.checks {
        check.title = check.title.map(fill);
        check.hint = check.hint.map(fill);
        match &mut check.probe {
            Probe::Http { url, contains, matches, .. } => {
                *url = fill(url);
                if let Some(c) = contains {
                    *c = fill(c);
                }
                if let Some(m) = matches {
                    *m = fill(m);
                }
            }
            Probe::Dns { name, .. } => *name = fill(name),
            Probe::Command { run, matches, output, .. } => {
                *run = fill(run);
                *matches = fill(matches);
                if let Some(o) = output {
                    *o = fill(o);
                }
            }
            Probe::File { contains, .. } => {
                if let Some(c) = contains {
                    *c = fill(c);
                }
            }
            Probe::Ping { .. } | Probe::Traceroute { .. } | Probe::Port { .. } | Probe::Routes { .. } => {}
        }
    }
}
