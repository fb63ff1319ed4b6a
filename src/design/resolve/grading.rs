//! `grading:`: the teacher's changes to derived checks, by id or pattern.
//!
//! Ids are only known once the checks are derived, so a pattern is checked for what
//! can be known here: its family (the part before the first `/`) must be one asbuilt
//! derives, and it must say either a weight or `drop`.

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
            if !Grading::FAMILIES.contains(&family) || !valid_chars {
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
                (None, Some(true)) => GradingChange::Drop,
                (Some(weight), _) if (0.0..=100.0).contains(&weight) => GradingChange::Weight(weight),
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
                (None, _) => {
                    self.report(
                        Diagnostic::error("invalid-grading", "this grading rule changes nothing")
                            .at(Loc::key(at))
                            .help("give `weight: 2` to reweight the matching checks, or `drop: true` to drop them"),
                    );
                    continue;
                }
            };
            self.grading.push(Grading { pattern: pattern.clone(), change });
        }
    }
}
