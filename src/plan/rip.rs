//! FRR configuration of RIP: `router rip` (version 2) for the interfaces in RIP with an
//! IPv4 address and `router ripng` for those with an IPv6 one, and the daemons each
//! needs.

use std::fmt::Write;

use crate::design::{Node, Redistribute, Rip};

/// The FRR daemons a node whose design has RIP runs, whoever builds it: a student
/// configures RIP in vtysh, which needs the daemon running.
pub fn daemons(node: &Node) -> Vec<&'static str> {
    let Some(rip) = &node.rip else { return Vec::new() };
    let mut out = Vec::new();
    if rip.runs_v4(node) {
        out.push("ripd");
    }
    if rip.runs_ng(node) {
        out.push("ripngd");
    }
    out
}

/// The `router rip` and `router ripng` sections.
pub fn config(node: &Node, rip: &Rip) -> String {
    let mut out = String::new();
    if rip.runs_v4(node) {
        let _ = writeln!(out, "router rip\n version {}", rip.version);
        section(&mut out, node, rip, true);
    }
    if rip.runs_ng(node) {
        out.push_str("router ripng\n");
        section(&mut out, node, rip, false);
    }
    out
}

/// One protocol's interfaces, passive interfaces and redistribution.
fn section(out: &mut String, node: &Node, rip: &Rip, v4: bool) {
    let in_family = |name: &str| {
        node.interfaces.get(name).is_some_and(|i| i.addresses.iter().any(|a| a.addr().is_ipv4() == v4))
    };
    for ri in rip.interfaces.iter().filter(|i| in_family(&i.name)) {
        let _ = writeln!(out, " network {}", ri.name);
    }
    for ri in rip.interfaces.iter().filter(|i| i.passive && in_family(&i.name)) {
        let _ = writeln!(out, " passive-interface {}", ri.name);
    }
    for r in &rip.redistribute {
        out.push_str(match r {
            Redistribute::Connected => " redistribute connected\n",
            Redistribute::Static => " redistribute static\n",
            Redistribute::Default => " default-information originate\n",
        });
    }
    out.push_str("exit\n!\n");
}
