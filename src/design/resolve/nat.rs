//! NAT: masquerading and port forwards, on routers and firewalls.
//!
//! A teacher writes it under `design.nat` for any node that routes (an office's edge
//! router), or beside the rules in a firewall's policy, where nftables keeps it too.
//! Both give the same [`Nat`]; giving it in both places is an error.

use super::Resolver;
use super::firewall::shift;
use crate::design::model::{Nat, PortForward, Transport};
use crate::design::syntax::{self, Word, split_arrow, words};
use crate::diagnostic::{Diagnostic, Loc};
use crate::kind::NodeKind;
use crate::path;
use crate::topology::de::OneOrMany;
use crate::topology::locate::Path;

impl Resolver<'_> {
    pub(super) fn nat(&mut self) {
        let file = self.file;
        for (node, wire) in &file.design.nat {
            let at = path!["design", "nat", node];
            let Some(kind) = self.node_kind(node, Loc::key(at.clone())) else {
                continue;
            };
            if !kind.routes() {
                self.report(
                    Diagnostic::error(
                        "wrong-kind",
                        format!("`{node}` is a {kind}; NAT needs a node that routes, a router or a firewall"),
                    )
                    .at(Loc::key(at))
                    .label(format!("a {kind}"))
                    .help("put the NAT on the router or firewall between the inside and the outside"),
                );
                continue;
            }
            // Only a firewall's policy may hold NAT; on another kind `firewalls` has
            // reported the policy already.
            let in_policy = kind == NodeKind::Firewall
                && file
                    .design
                    .firewall
                    .get(node)
                    .is_some_and(|fw| fw.masquerade.is_some() || !fw.port_forwards.is_empty());
            if in_policy {
                self.report(
                    Diagnostic::error(
                        "conflicting-keys",
                        format!("the NAT of `{node}` is given both here and in its firewall policy"),
                    )
                    .at(Loc::key(at))
                    .label("NAT given twice")
                    .help(format!("keep one: `design.nat.{node}`, or `masquerade` and `port-forwards` under `design.firewall.{node}`")),
                );
                continue;
            }
            self.nodes[node].nat = self.translation(node, wire.masquerade.as_ref(), &wire.port_forwards, &at);
        }
        for (node, wire) in &file.design.firewall {
            // Only a firewall's policy holds NAT; `firewalls` told the teacher where a
            // router's goes.
            let is_firewall = self.nodes.get(node).is_some_and(|n| n.kind == NodeKind::Firewall);
            if !is_firewall || file.design.nat.contains_key(node) {
                continue;
            }
            let at = path!["design", "firewall", node];
            self.nodes[node].nat = self.translation(node, wire.masquerade.as_ref(), &wire.port_forwards, &at);
        }
    }

    /// The masqueraded interfaces and port forwards under `at`; `None` when there are none.
    fn translation(
        &mut self,
        node: &str,
        masquerade: Option<&OneOrMany<String>>,
        port_forwards: &[String],
        at: &Path,
    ) -> Option<Nat> {
        let mut nat = Nat::default();
        for (i, iface) in masquerade.iter().flat_map(|m| m.iter()).enumerate() {
            let mut p = at.clone();
            p.extend(["masquerade".into(), i.into()]);
            if self.own_interface(node, iface, Loc::value(p)) {
                nat.masquerade.push(iface.clone());
            }
        }
        for (i, text) in port_forwards.iter().enumerate() {
            let mut p = at.clone();
            p.extend(["port-forwards".into(), i.into()]);
            nat.port_forwards.extend(self.port_forward(node, text, p));
        }
        (!nat.is_empty()).then_some(nat)
    }

    /// `eth1 tcp/8080 -> web:80`.
    fn port_forward(&mut self, node: &str, text: &str, at: Path) -> Option<PortForward> {
        let help = "write a port forward as `eth1 tcp/8080 -> web:80`";
        let (left, right) = match split_arrow(text, "->") {
            Ok(sides) => sides,
            Err(err) => {
                self.report(
                    Diagnostic::error("invalid-port-forward", err.message)
                        .at(Loc::within(at, err.range))
                        .help(help),
                );
                return None;
            }
        };
        let left_words: Vec<Word<'_>> =
            words(left.text).into_iter().map(|w| shift(w, left.range.start)).collect();
        let [iface, service] = left_words.as_slice() else {
            self.report(
                Diagnostic::error(
                    "invalid-port-forward",
                    format!("`{}` is not `interface protocol/port`", left.text),
                )
                .at(Loc::within(at, left.range))
                .help(help),
            );
            return None;
        };
        if !self.own_interface(node, iface.text, Loc::within(at.clone(), iface.range.clone())) {
            return None;
        }
        let (protocol, port) = match service.text.split_once('/') {
            Some(("tcp", p)) => (Transport::Tcp, syntax::port(p)),
            Some(("udp", p)) => (Transport::Udp, syntax::port(p)),
            _ => (Transport::Tcp, Err(format!("`{}` is not `tcp/PORT` or `udp/PORT`", service.text))),
        };
        let port = match port {
            Ok(p) => p,
            Err(message) => {
                self.report(
                    Diagnostic::error("invalid-port-forward", message)
                        .at(Loc::within(at, service.range.clone()))
                        .help(help),
                );
                return None;
            }
        };
        let Some((host, to_port)) = right.text.rsplit_once(':') else {
            self.report(
                Diagnostic::error("invalid-port-forward", format!("`{}` is not `node:port`", right.text))
                    .at(Loc::within(at, right.range))
                    .help(help),
            );
            return None;
        };
        let to_port = match syntax::port(to_port) {
            Ok(p) => p,
            Err(message) => {
                self.report(
                    Diagnostic::error("invalid-port-forward", message)
                        .at(Loc::within(at, right.range))
                        .help(help),
                );
                return None;
            }
        };
        let host_loc = Loc::within(at, right.range.start..right.range.start + host.len());
        let to = self.host_address(host, host_loc, "a port-forward target")?;
        Some(PortForward {
            interface: iface.text.to_string(),
            protocol,
            port,
            to,
            to_port,
            text: text.to_string(),
        })
    }
}
