//! From wire types to a [`Design`]: every check the issue lists, with every error at
//! its place in the file.
//!
//! One [`Resolver`] walks the file in stages (one module each). A stage never stops at
//! the first problem: it records a diagnostic, skips what it cannot resolve, and goes
//! on, so that a teacher sees every error of the file in one run. Later stages skip
//! quietly over things an earlier stage already reported.

mod accounts;
mod addressing;
mod as_is;
mod backups;
mod bgp;
mod boot;
mod cabling;
mod checks;
mod coursework;
mod dns;
mod faults;
mod firewall;
mod grading;
mod image;
mod meta;
mod monitoring;
mod nat;
mod nodes;
mod ospf_detail;
mod packages;
mod refs;
mod rip;
mod routing;
mod services;
mod templates;
mod two_lists;
mod variants;
mod vlans;
mod warnings;
mod web;

use std::collections::{HashMap, HashSet};

use indexmap::IndexMap;
use ipnet::IpNet;

use super::coursework::{RubricItem, Ticket, Writing};
use super::domains::Domains;
use super::model::{
    Check, Design, Endpoint, Fault, FaultPool, Grading, Lang, Node, Segment, Text, WorkProcess,
};
use crate::diagnostic::{Collected, Diagnostic, Loc};
use crate::topology::wire::TopologyFile;

use crate::design::variants::VariantRule;

/// What resolving the teacher's file gives: the design as written, with its templates
/// (`{web}`) not yet filled in, the variant rules for per-student plans, and warnings.
pub(crate) struct Resolved {
    pub design: Design,
    pub variants: Vec<VariantRule>,
    pub warnings: Vec<Diagnostic>,
}

/// Resolves the teacher's plan. Errors come back all at once.
/// `folder` is where the topology was read from, for `from:` (`topology::beside`).
pub(crate) fn resolve(
    file: &TopologyFile,
    folder: Option<&std::path::Path>,
) -> Result<Resolved, Vec<Diagnostic>> {
    let mut r = Resolver::new(file);
    r.folder = folder.map(std::path::Path::to_path_buf);
    r.meta();
    r.nodes();
    if r.over_bounds {
        return r.finish();
    }
    r.cabling();
    if r.over_bounds {
        return r.finish();
    }
    r.vlans();
    r.addresses();
    if r.over_bounds {
        return r.finish();
    }
    r.auto_addressing();
    r.domains = Some(Domains::compute(&r.nodes, &r.segments));
    r.check_subnets();
    r.gateways();
    r.routes();
    r.ospf();
    r.bgp();
    r.ospf_detail();
    r.rip();
    r.firewalls();
    r.nat();
    r.services();
    r.accounts();
    r.packages();
    r.as_is();
    r.faults();
    r.coursework();
    r.checks();
    r.grading();
    r.templates();
    r.variants();
    r.warnings();
    r.finish()
}

pub(crate) struct Resolver<'f> {
    file: &'f TopologyFile,
    diags: Collected,
    /// Set when the lab has more nodes, cables or interfaces than `kind::bounds` allow.
    /// The stages after it would take time for a lab that cannot run anyway, and report
    /// what was left out as missing, so resolving stops there.
    over_bounds: bool,
    /// Nodes already reported for having too many interfaces.
    crowded: HashSet<String>,
    lab: String,
    title: Text,
    language: Lang,
    trains: Vec<WorkProcess>,
    task: Text,
    nodes: IndexMap<String, Node>,
    segments: Vec<Segment>,
    /// Where each interface was cabled, to point at both places when it is cabled twice.
    cabled_at: HashMap<Endpoint, Loc>,
    /// Where each address was given (or which pool it came from), for errors about it.
    address_at: Vec<(Endpoint, IpNet, Loc)>,
    /// Broadcast domains, known once addressing is done.
    domains: Option<Domains>,
    faults: Vec<Fault>,
    fault_pool: Option<FaultPool>,
    ticket: Option<Ticket>,
    hand_in: Vec<Writing>,
    rubric: Vec<RubricItem>,
    checks: Vec<Check>,
    grading: Vec<Grading>,
    variant_rules: Vec<VariantRule>,
    /// The topology's folder, where `from:` finds files.
    folder: Option<std::path::PathBuf>,
}

impl<'f> Resolver<'f> {
    fn new(file: &'f TopologyFile) -> Resolver<'f> {
        Resolver {
            file,
            diags: Collected::default(),
            over_bounds: false,
            crowded: HashSet::new(),
            lab: file.lab.clone(),
            title: Text::default(),
            language: Lang::Nl,
            trains: Vec::new(),
            task: Text::default(),
            nodes: IndexMap::new(),
            segments: Vec::new(),
            cabled_at: HashMap::new(),
            address_at: Vec::new(),
            domains: None,
            faults: Vec::new(),
            fault_pool: None,
            ticket: None,
            hand_in: Vec::new(),
            rubric: Vec::new(),
            checks: Vec::new(),
            grading: Vec::new(),
            variant_rules: Vec::new(),
            folder: None,
        }
    }

    fn report(&mut self, diag: Diagnostic) {
        self.diags.push(diag);
    }

    fn domains(&self) -> &Domains {
        self.domains.as_ref().expect("domains are computed before the stages that use them")
    }

    fn finish(self) -> Result<Resolved, Vec<Diagnostic>> {
        let (errors, warnings): (Vec<_>, Vec<_>) =
            self.diags.finish().into_iter().partition(Diagnostic::is_error);
        if !errors.is_empty() {
            return Err(errors);
        }
        let design = Design {
            lab: self.lab,
            title: self.title,
            language: self.language,
            trains: self.trains,
            task: self.task,
            variant: None,
            nodes: self.nodes,
            segments: self.segments,
            faults: self.faults,
            fault_pool: self.fault_pool,
            checks: self.checks,
            grading: self.grading,
            ticket: self.ticket,
            hand_in: self.hand_in,
            rubric: self.rubric,
        };
        Ok(Resolved { design, variants: self.variant_rules, warnings })
    }
}

/// The codes of a resolver's diagnostics, in order: what the resolvers' tests compare.
#[cfg(test)]
pub(crate) fn codes(diags: &[Diagnostic]) -> Vec<&str> {
    diags.iter().map(|d| d.code).collect()
}
