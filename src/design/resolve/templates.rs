//! Placeholders (`{web}`, `{net pc1:eth1}`) must stand for something in the design, and
//! there may be at most [`bounds::PLACEHOLDERS`] of them: each is filled in for every
//! student, so their number bounds what that produces.

use std::collections::HashMap;

use super::Resolver;
use crate::design::templates::{self, Function, Placeholder};
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
        if let Some(ticket) = &file.ticket {
            texts.extend(text_parts(&ticket.from, path!["ticket", "from"]));
            texts.extend(text_parts(&ticket.message, path!["ticket", "message"]));
        }
        for (id, prompt) in &file.hand_in {
            texts.extend(text_parts(prompt, path!["hand-in", id]));
        }
        for (id, item) in &file.rubric {
            texts.extend(text_parts(&item.criterion, path!["rubric", id, "criterion"]));
        }
        for (node, services) in &file.design.services {
            let Some(http) = &services.http else { continue };
            if let Some(content) = http.content.as_deref() {
                texts.push((path!["design", "services", node, "http", "content"], content));
            }
            for (name, site) in &http.sites {
                if let Some(content) = site.content.as_deref() {
                    texts
                        .push((path!["design", "services", node, "http", "sites", name, "content"], content));
                }
            }
        }
        for (node, wire) in &file.nodes {
            for (i, command) in wire.startup.iter().enumerate() {
                texts.push((path!["nodes", node, "startup", i], command));
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
                    let help = self.placeholder_help(&placeholder);
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

impl Resolver<'_> {
    /// How to make a placeholder stand for something: the node it meant, or what the
    /// design must say for the node it names.
    fn placeholder_help(&self, p: &Placeholder) -> String {
        let Some(node) = self.nodes.get(&p.node) else {
            return did_you_mean(&p.node, self.file.nodes.keys().map(String::as_str)).unwrap_or_else(|| {
                "a placeholder is `{node}`, `{node:interface}`, `{net node:interface}`, `{cidr node:interface}`, `{gw node}`, or `{dhcp-range server}` (also `dhcp-first`, `dhcp-last`)".into()
            });
        };
        match (p.function, &p.interface) {
            (Function::Gw, _) => format!("give `{}` a gateway under `design.gateways`", p.node),
            (Function::DhcpRange | Function::DhcpFirst | Function::DhcpLast, _) => {
                let servers: Vec<&str> = self
                    .nodes
                    .values()
                    .filter(|n| n.services.dhcp.is_some())
                    .map(|n| n.name.as_str())
                    .collect();
                match servers.as_slice() {
                    [] => format!("give `{}` a `dhcp` service under `design.services`", p.node),
                    _ => format!("name the DHCP server: {}", servers.join(", ")),
                }
            }
            (_, Some(iface)) if !node.interfaces.contains_key(iface) => {
                let names: Vec<&str> = node.interfaces.keys().map(String::as_str).collect();
                did_you_mean(iface, names.iter().copied())
                    .unwrap_or_else(|| format!("the interfaces of `{}` are: {}", p.node, names.join(", ")))
            }
            (_, Some(iface)) => {
                format!("give `{}:{iface}` a fixed address under `design.addresses`", p.node)
            }
            (_, None) => format!("give `{}` a fixed address under `design.addresses`", p.node),
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
