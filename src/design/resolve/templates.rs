//! Placeholders (`{web}`, `{net pc1:eth1}`) must stand for something in the design.

use super::Resolver;
use crate::design::templates;
use crate::diagnostic::{Diagnostic, Loc, did_you_mean};
use crate::path;
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
        for (at, text) in texts {
            for placeholder in templates::find(text) {
                if let Err(reason) = templates::value(&placeholder, &self.nodes) {
                    let help = did_you_mean(&placeholder.node, self.file.nodes.keys().map(String::as_str))
                        .unwrap_or_else(|| "a placeholder is `{node}`, `{node:interface}`, `{net node:interface}`, `{cidr node:interface}` or `{gw node}`".into());
                    self.report(
                        Diagnostic::error(
                            "unknown-placeholder",
                            format!("placeholder `{}` stands for nothing: {reason}", placeholder.written),
                        )
                        .at(Loc::find(at.clone(), placeholder.written.clone()))
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
