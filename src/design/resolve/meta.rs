//! The lab's name, title, language, task and work processes.

use super::Resolver;
use crate::design::model::{Lang, Text, WorkProcess};
use crate::diagnostic::{Diagnostic, Loc, did_you_mean};
use crate::path;
use crate::topology::de::TextWire;
use crate::topology::locate::Path;

impl Resolver<'_> {
    pub(super) fn meta(&mut self) {
        let file = self.file;
        if !valid_lab_name(&file.lab) {
            self.report(
                Diagnostic::error("invalid-name", format!("`{}` is not a valid lab name", file.lab))
                    .at(Loc::value(path!["lab"]))
                    .label("not a lab name")
                    .help("use lowercase letters, digits and dashes, at most 40 characters, starting with a letter (`ospf-basis`)"),
            );
        }
        if let Some(language) = &file.language {
            match Lang::parse(language) {
                Some(lang) => self.language = lang,
                None => self.report(
                    Diagnostic::error(
                        "invalid-value",
                        format!("`{language}` is not a language asbuilt speaks"),
                    )
                    .at(Loc::value(path!["language"]))
                    .label("unknown language")
                    .help("use `nl` or `en`"),
                ),
            }
        }
        self.title = self.text(&file.title);
        if self.title.is_empty() {
            self.report(
                Diagnostic::error("missing-key", "the lab has no title")
                    .at(Loc::value(path!["title"]))
                    .help("give the title students see: `title: { nl: ..., en: ... }`"),
            );
        }
        if let Some(task) = &file.task {
            self.task = self.text(task);
        }
        self.trains = self.work_processes(&file.trains, path!["trains"]);
        if file.trains.is_empty() {
            self.report(
                Diagnostic::warning("no-work-processes", "the lab names no work processes it trains")
                    .at(Loc::key(path!["lab"]))
                    .help("add for example `trains: [B1-K2-W1]` so results can be reported per work process"),
            );
        }
    }

    /// A text resolved to its languages; a single string is in the lab's language.
    pub(super) fn text(&self, wire: &TextWire) -> Text {
        let mut text = Text { nl: wire.nl.clone(), en: wire.en.clone() };
        if let Some(default) = &wire.default {
            match self.language {
                Lang::Nl => text.nl = Some(default.clone()),
                Lang::En => text.en = Some(default.clone()),
            }
        }
        text
    }

    /// The work processes a check or rubric item at `at` names under `trains`, or the
    /// lab's when it names none.
    pub(super) fn trains_or_lab(&mut self, codes: Option<&[String]>, at: &Path) -> Vec<WorkProcess> {
        match codes {
            Some(codes) => {
                let mut p = at.clone();
                p.push("trains".into());
                self.work_processes(codes, p)
            }
            None => self.trains.clone(),
        }
    }

    /// Work-process codes, each checked against the qualification.
    pub(super) fn work_processes(&mut self, codes: &[String], at: Path) -> Vec<WorkProcess> {
        let mut out = Vec::new();
        for (i, code) in codes.iter().enumerate() {
            if WorkProcess::is_known(code) {
                out.push(WorkProcess(code.clone()));
                continue;
            }
            let mut p = at.clone();
            p.push(i.into());
            let known = WorkProcess::KNOWN.iter().map(|(c, _, _)| *c);
            self.report(
                Diagnostic::error(
                    "unknown-work-process",
                    format!("`{code}` is not a work process of the qualification"),
                )
                .at(Loc::value(p))
                .label("unknown work process")
                .help(did_you_mean(code, known).unwrap_or_else(|| {
                    let all: Vec<&str> = WorkProcess::KNOWN.iter().map(|(c, _, _)| *c).collect();
                    format!("known work processes: {}", all.join(", "))
                })),
            );
        }
        out
    }
}

fn valid_lab_name(name: &str) -> bool {
    let mut chars = name.chars();
    name.len() <= 40
        && matches!(chars.next(), Some(c) if c.is_ascii_lowercase())
        && chars.all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
}
