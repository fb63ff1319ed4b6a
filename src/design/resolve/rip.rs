//! `design.rip`: RIPv2 (and RIPng for IPv6) on routers, the same shape as OSPF without
//! areas.

use super::Resolver;
use crate::design::model::{Endpoint, Redistribute, Rip, RipInterface};
use crate::diagnostic::{Diagnostic, Loc, did_you_mean};
use crate::path;

impl Resolver<'_> {
    pub(super) fn rip(&mut self) {
        let file = self.file;
        for (node, wire) in &file.design.rip {
            let at = path!["design", "rip", node];
            let Some(kind) = self.node_kind(node, Loc::key(at.clone())) else {
                continue;
            };
            if !kind.routes() {
                self.report(
                    Diagnostic::error(
                        "wrong-kind",
                        format!("`{node}` is a {kind}; asbuilt runs RIP on routers and firewalls"),
                    )
                    .at(Loc::key(at))
                    .label(format!("a {kind}"))
                    .help(format!(
                        "change `{node}` to `kind: router`, or give it a gateway under `design.gateways` instead"
                    )),
                );
                continue;
            }
            let version = match wire.version.as_ref().map(|v| v.as_str()) {
                None | Some("2") => 2,
                Some(other) => {
                    self.report(
                        Diagnostic::error("invalid-value", format!("`{other}` is not a RIP version asbuilt runs"))
                            .at(Loc::value(path!["design", "rip", node, "version"]))
                            .label("not 2")
                            .help("asbuilt runs RIP version 2 (IPv4) and RIPng (IPv6, no version to give); write `version: 2` or leave it out"),
                    );
                    continue;
                }
            };
            let mut wanted: Vec<(String, Loc)> = match &wire.interfaces {
                Some(names) => names
                    .iter()
                    .enumerate()
                    .map(|(i, n)| (n.clone(), Loc::value(path!["design", "rip", node, "interfaces", i])))
                    .collect(),
                // Every addressed interface but the loopback: RIP has no use for a
                // router ID, and a loopback would only add a route to nowhere.
                None => self.nodes[node]
                    .interfaces
                    .values()
                    .filter(|i| i.name != "lo" && !i.addresses.is_empty())
                    .map(|i| (i.name.clone(), Loc::key(at.clone())))
                    .collect(),
            };
            for (i, passive) in wire.passive.iter().enumerate() {
                if !wanted.iter().any(|(name, _)| name == passive) {
                    wanted.push((passive.clone(), Loc::value(path!["design", "rip", node, "passive", i])));
                }
            }
            let mut interfaces: Vec<RipInterface> = Vec::new();
            for (name, loc) in wanted {
                let ep = Endpoint { node: node.clone(), interface: name.clone() };
                let Some(iface) = self.nodes[node].interfaces.get(&name) else {
                    let diag = self.unknown_interface(&ep, loc);
                    self.report(diag);
                    continue;
                };
                if iface.addresses.is_empty() {
                    self.report(
                        Diagnostic::error(
                            "rip-no-address",
                            format!("RIP runs on `{ep}`, which has no address"),
                        )
                        .at(loc)
                        .label("no address")
                        .help(format!(
                            "give `{ep}` an address under `design.addresses`, or leave it out of RIP"
                        )),
                    );
                    continue;
                }
                if interfaces.iter().any(|i| i.name == name) {
                    self.report(
                        Diagnostic::error("duplicate-interface", format!("`{ep}` is listed twice in RIP"))
                            .at(loc)
                            .help("list each interface once"),
                    );
                    continue;
                }
                interfaces.push(RipInterface { passive: wire.passive.contains(&name), name });
            }
            let redistribute = self.rip_redistribute(node, &wire.redistribute);
            self.nodes[node].rip = Some(Rip { version, interfaces, redistribute });
        }
    }

    fn rip_redistribute(&mut self, node: &str, words: &[String]) -> Vec<Redistribute> {
        let mut out = Vec::new();
        for (i, word) in words.iter().enumerate() {
            let r = match word.as_str() {
                "connected" => Redistribute::Connected,
                "static" => Redistribute::Static,
                "default" => Redistribute::Default,
                _ => {
                    self.report(
                        Diagnostic::error("invalid-value", format!("RIP cannot redistribute `{word}`"))
                            .at(Loc::value(path!["design", "rip", node, "redistribute", i]))
                            .help(
                                did_you_mean(word, ["connected", "static", "default"])
                                    .unwrap_or_else(|| "use `connected`, `static` or `default`".into()),
                            ),
                    );
                    continue;
                }
            };
            if !out.contains(&r) {
                out.push(r);
            }
        }
        out
    }
}
