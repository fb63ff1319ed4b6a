//! Placeholders (`{web}`, `{net pc1:eth1}`) must stand for something in the design, and
//! there may be at most [`bounds::PLACEHOLDERS`] of them: each is filled in for every
//! student, so their number bounds what that produces.

use std::collections::HashMap;

use super::Resolver;
use crate::design::templates;
use crate::diagnostic::{Diagnostic, Loc, did_you_mean};
use crate::path;
use crate::topology::bounds;
use crate::topology::de::TextWire;
use crate::topology::locate::Path;

impl Resolver<'_> {
    pub(super) fn templates(&mut self) {
        let file = self.file;
        let mut texts: Vec<(Path, &str)> = Vec::new();
        if let Some(task) = &file.task {
            texts.extend(text_parts(task, path!["task"]));
        }
        for (node, services) in &file.design.services {
            if let Some(content) = services.http.as_ref().and_then(|h| h.content.as_deref()) {
                texts.push((path!["design", "services", node, "http", "content"], content));
            }
        }
        for (i, check) in file.checks.iter().enumerate() {
            let fields = [
                ("http", &check.http),
                ("dns", &check.dns),
                ("contains", &check.contains),
                ("run", &check.run),
                ("matches", &check.matches),
            ];
            for (key, value) in fields {
                if let Some(value) = value {
                    texts.push((path!["checks", i, key], value));
                }
            }
            for (key, text) in [("title", &check.title), ("hint", &check.hint)] {
                if let Some(text) = text {
                    texts.extend(text_parts(text, path!["checks", i, key]));
                }
            }
        }
        let mut count = 0;
        for (at, text) in texts {
            // Which occurrence of its text each placeholder is, to point at it and not
            // at the first one like it.
            let mut seen: HashMap<&str, usize> = HashMap::new();
            for placeholder in templates::placeholders(text) {
                let written = &text[placeholder.at.clone()];
                let nth = seen.entry(written).or_default();
                let loc = Loc::find_nth(at.clone(), written, *nth);
                *nth += 1;
                count += 1;
                if count > bounds::PLACEHOLDERS {
                    self.report(
                        Diagnostic::error(
                            "too-many-placeholders",
                            format!("the lab has more than {} placeholders", bounds::PLACEHOLDERS),
                        )
                        .at(loc)
                        .label(format!("placeholder {count}"))
                        .help("each placeholder is filled in for every student; write the texts with fewer"),
                    );
                    return;
                }
                if let Err(reason) = templates::value(&placeholder, &self.nodes) {
                    let help = did_you_mean(&placeholder.node, self.file.nodes.keys().map(String::as_str))
                        .unwrap_or_else(|| "a placeholder is `{node}`, `{node:interface}`, `{net node:interface}`, `{cidr node:interface}` or `{gw node}`".into());
                    self.report(
                        Diagnostic::error(
                            "unknown-placeholder",
                            format!("placeholder `{}` stands for nothing: {reason}", placeholder.written),
                        )
                        .at(loc)
                        .label("stands for nothing")
                        .help(help),
                    );
                }
            }
        }
    }
}

/// The texts of a possibly multilingual value, each with its path.
fn text_parts(text: &TextWire, at: Path) -> Vec<(Path, &str)> {
    let mut out = Vec::new();
    if let Some(t) = &text.default {
        out.push((at.clone(), t.as_str()));
    }
    for (lang, t) in [("nl", &text.nl), ("en", &text.en)] {
        if let Some(t) = t {
            let mut p = at.clone();
            p.push(lang.into());
            out.push((p, t.as_str()));
        }
    }
    out
}
