//! The ticket, the texts to hand in and the rubric: ids that name things, texts that
//! say something, points in range, and rubric items about texts the lab asks for.

use super::Resolver;
use crate::design::coursework::{RubricItem, Ticket, Writing, valid_id};
use crate::design::model::Text;
use crate::diagnostic::{Diagnostic, Loc, did_you_mean};
use crate::path;
use crate::topology::locate::Path;

impl Resolver<'_> {
    pub(super) fn coursework(&mut self) {
        let file = self.file;
        if let Some(wire) = &file.ticket {
            let from = self.said(&wire.from, path!["ticket", "from"], "who reported the incident");
            let message = self.said(&wire.message, path!["ticket", "message"], "what the user said");
            self.ticket = Some(Ticket { from, message });
            self.hand_in = Writing::for_ticket();
        }
        for (id, prompt) in &file.hand_in {
            let at = path!["hand-in", id];
            if !valid_id(id) {
                self.report(
                    Diagnostic::error("invalid-name", format!("`{id}` is not a valid hand-in id"))
                        .at(Loc::key(at))
                        .help("use lowercase letters, digits and dashes, starting with a letter (`instruction`)"),
                );
                continue;
            }
            if self.hand_in.iter().any(|w| w.id == *id) {
                self.report(
                    Diagnostic::error(
                        "duplicate-hand-in",
                        format!("`{id}` is already asked for by the ticket"),
                    )
                    .at(Loc::key(at))
                    .help(
                        "a ticket asks for `diagnosis`, `solution` and `tested`; give this text another id",
                    ),
                );
                continue;
            }
            let prompt = self.said(prompt, at, "what the student should write");
            self.hand_in.push(Writing { id: id.clone(), prompt });
        }
        for (id, wire) in &file.rubric {
            let at = path!["rubric", id];
            if !valid_id(id) {
                self.report(
                    Diagnostic::error("invalid-name", format!("`{id}` is not a valid rubric id"))
                        .at(Loc::key(at))
                        .help("use lowercase letters, digits and dashes, starting with a letter (`ticket-note`)"),
                );
                continue;
            }
            let mut p = at.clone();
            p.push("criterion".into());
            let criterion = self.said(&wire.criterion, p, "what earns the points");
            if !(wire.points > 0.0 && wire.points <= 100.0) {
                let mut p = at.clone();
                p.push("points".into());
                self.report(
                    Diagnostic::error(
                        "invalid-points",
                        format!("an item is worth more than 0 and at most 100 points, not {}", wire.points),
                    )
                    .at(Loc::value(p))
                    .help("give the most a grader may award: `points: 4`"),
                );
            }
            let trains = self.trains_or_lab(wire.trains.as_deref(), &at);
            if let Some(about) = &wire.about
                && !self.hand_in.iter().any(|w| w.id == *about)
            {
                let mut p = at.clone();
                p.push("about".into());
                let asked: Vec<&str> = self.hand_in.iter().map(|w| w.id.as_str()).collect();
                let help = did_you_mean(about, asked.iter().copied()).unwrap_or_else(|| {
                    if asked.is_empty() {
                        "the lab asks for no texts: add them under `hand-in`, or give the lab a `ticket`"
                            .to_string()
                    } else {
                        format!("the lab asks for: {}", asked.join(", "))
                    }
                });
                self.report(
                    Diagnostic::error("unknown-hand-in", format!("the lab asks for no text `{about}`"))
                        .at(Loc::value(p))
                        .help(help),
                );
            }
            self.rubric.push(RubricItem {
                id: id.clone(),
                criterion,
                points: wire.points,
                trains,
                about: wire.about.clone(),
            });
        }
    }

    /// A text that must say something, in at least one language.
    fn said(&mut self, wire: &crate::topology::de::TextWire, at: Path, what: &str) -> Text {
        let text = self.text(wire);
        let blank = [&text.nl, &text.en].iter().all(|t| t.as_deref().is_none_or(|t| t.trim().is_empty()));
        if blank {
            self.report(
                Diagnostic::error("missing-text", format!("this text is empty; write {what}"))
                    .at(Loc::value(at))
                    .help("write it as one text, or per language: `{ nl: ..., en: ... }`"),
            );
        }
        text
    }
}
