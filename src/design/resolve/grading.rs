//! `grading:`: the teacher's changes to derived checks, by id or pattern.
//!
//! Ids are only known once the checks are derived, so a pattern is checked for what
//! can be known here: its family (the part before the first `/`) must be one asbuilt
//! derives, and it must change something: the weight, `drop`, or the work processes
//! (`trains`) the checks count for.

use super::Resolver;
use crate::design::model::{Grading, GradingChange};
use crate::diagnostic::{Diagnostic, Loc, did_you_mean};
use crate::path;

impl Resolver<'_> {
    pub(super) fn grading(&mut self) {
        let file = self.file;
        for (pattern, wire) in &file.grading {
            let at = path!["grading", pattern];
            let family = pattern.split('/').next().unwrap_or("");
            let valid_chars = pattern
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '/' | ':' | '.' | '*' | '_'));
            // `*` alone is every derived check: a lab whose checks all count for one work
            // process (a ticket lab's for handling the ticket) says so in one rule.
            let every = pattern == "*";
            if !every && (!Grading::FAMILIES.contains(&family) || !valid_chars) {
                let help = match did_you_mean(family, Grading::FAMILIES) {
                    Some(suggestion) => format!("{suggestion} `asbuilt checks FILE` lists the ids"),
                    None => format!(
                        "derived check ids start with {}; `asbuilt checks FILE` lists them",
                        Grading::FAMILIES.join(", ")
                    ),
                };
                self.report(
                    Diagnostic::error(
                        "unknown-check",
                        format!("`{pattern}` matches no check asbuilt derives"),
                    )
                    .at(Loc::key(at))
                    .label("not a derived check id")
                    .help(help),
                );
                continue;
            }
            let change = match (wire.weight, wire.drop) {
                (Some(_), Some(true)) => {
                    self.report(
                        Diagnostic::error("invalid-grading", "a dropped check has no weight")
                            .at(Loc::key(at))
                            .help("give either `weight` or `drop: true`"),
                    );
                    continue;
                }
                (None, Some(true)) if wire.trains.is_some() => {
                    self.report(
                        Diagnostic::error("invalid-grading", "a dropped check counts for no work process")
                            .at(Loc::key(at))
                            .help("give either `trains` or `drop: true`"),
                    );
                    continue;
                }
                (None, Some(true)) => Some(GradingChange::Drop),
                (Some(weight), _) if (0.0..=100.0).contains(&weight) => Some(GradingChange::Weight(weight)),
                (Some(weight), _) => {
                    let mut p = at.clone();
                    p.push("weight".into());
                    self.report(
                        Diagnostic::error(
                            "invalid-value",
                            format!("a weight of {weight} is not from 0 to 100"),
                        )
                        .at(Loc::value(p))
                        .help("give points from 0 to 100; derived checks weigh 1, and `drop: true` takes a check out"),
                    );
                    continue;
                }
                (None, _) => None,
            };
            let trains = wire.trains.as_ref().map(|codes| {
                let mut p = at.clone();
                p.push("trains".into());
                self.work_processes(codes, p)
            });
            if change.is_none() && trains.is_none() {
                self.report(
                    Diagnostic::error("invalid-grading", "this grading rule changes nothing")
                        .at(Loc::key(at))
                        .help("give `weight: 2` to reweight the matching checks, `drop: true` to drop them, or `trains: [B1-K1-W3]` to count them for another work process"),
                );
                continue;
            }
            self.grading.push(Grading { pattern: pattern.clone(), change, trains });
        }
    }
}
