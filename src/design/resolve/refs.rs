//! Looking up what a value names — a node, an interface, an address — and saying
//! precisely what is wrong when it names nothing.

use std::net::IpAddr;

use ipnet::IpNet;

use super::Resolver;
use crate::design::model::Endpoint;
use crate::design::syntax;
use crate::diagnostic::{Diagnostic, Loc, did_you_mean};
use crate::kind::NodeKind;

/// What a reference to "somewhere to send packets" resolved to.
#[derive(Debug, Clone)]
pub(super) enum HostRef {
    Node(String),
    Interface(Endpoint),
    Address(IpAddr),
}

impl Resolver<'_> {
    /// The kind of node `name`, or an `unknown-node` error at `loc`.
    pub(super) fn node_kind(&mut self, name: &str, loc: Loc) -> Option<NodeKind> {
        if let Some(node) = self.nodes.get(name) {
            return Some(node.kind);
        }
        // A node the file declares but that failed to resolve was reported already.
        if self.file.nodes.contains_key(name) {
            return None;
        }
        let help = did_you_mean(name, self.file.nodes.keys().map(String::as_str))
            .unwrap_or_else(|| format!("the nodes are: {}", self.node_list()));
        self.report(
            Diagnostic::error("unknown-node", format!("there is no node `{name}`"))
                .at(loc)
                .label("no such node")
                .help(help),
        );
        None
    }

    /// `node:interface` where the interface exists (is cabled, is `lo`, or was created
    /// as a VLAN subinterface), or an error at `loc`.
    pub(super) fn interface_ref(&mut self, text: &str, loc: Loc) -> Option<Endpoint> {
        let (node, iface) = match syntax::endpoint(text) {
            Ok(parts) => parts,
            Err(message) => {
                self.report(
                    Diagnostic::error("invalid-endpoint", message)
                        .at(loc)
                        .label("expected node:interface")
                        .help("write an interface as `node:interface`, for example `r1:eth1`"),
                );
                return None;
            }
        };
        self.node_kind(node, loc.clone())?;
        let endpoint = Endpoint { node: node.to_string(), interface: iface.to_string() };
        if self.nodes[node].interfaces.contains_key(iface) {
            return Some(endpoint);
        }
        self.report(self.unknown_interface(&endpoint, loc));
        None
    }

    /// Whether `iface` is an interface of `node`; an error at `loc` if not.
    pub(super) fn own_interface(&mut self, node: &str, iface: &str, loc: Loc) -> bool {
        if self.nodes[node].interfaces.contains_key(iface) {
            return true;
        }
        let ep = Endpoint { node: node.to_string(), interface: iface.to_string() };
        let diag = self.unknown_interface(&ep, loc);
        self.report(diag);
        false
    }

    pub(super) fn unknown_interface(&self, endpoint: &Endpoint, loc: Loc) -> Diagnostic {
        let node = &self.nodes[&endpoint.node];
        let names: Vec<&str> = node.interfaces.keys().map(String::as_str).collect();
        let help = match did_you_mean(&endpoint.interface, names.iter().copied()) {
            Some(help) => help,
            None if names.is_empty() => {
                format!("`{}` has no cabled interfaces; cable it under `links`", endpoint.node)
            }
            None => format!("the interfaces of `{}` are: {}", endpoint.node, names.join(", ")),
        };
        Diagnostic::error(
            "unknown-interface",
            format!("node `{}` has no interface `{}`", endpoint.node, endpoint.interface),
        )
        .at(loc)
        .label("no such interface")
        .help(help)
    }

    /// A node, `node:interface`, or a literal address; errors at `loc`.
    pub(super) fn host_ref(&mut self, text: &str, loc: Loc) -> Option<HostRef> {
        if let Ok(addr) = text.parse::<IpAddr>() {
            return Some(HostRef::Address(addr));
        }
        if text.contains(':') {
            return self.interface_ref(text, loc).map(HostRef::Interface);
        }
        self.node_kind(text, loc).map(|_| HostRef::Node(text.to_string()))
    }

    /// The address a host reference stands for: a literal, an interface's first
    /// address, or a node's primary address. `what` names the use in the error.
    pub(super) fn host_address(&mut self, text: &str, loc: Loc, what: &str) -> Option<IpAddr> {
        let address = match self.host_ref(text, loc.clone())? {
            HostRef::Address(addr) => return Some(addr),
            HostRef::Node(node) => self.nodes[&node].primary_address(),
            HostRef::Interface(ep) => {
                self.nodes[&ep.node].interfaces[&ep.interface].addresses.first().map(IpNet::addr)
            }
        };
        if address.is_none() {
            self.report(
                Diagnostic::error("no-address", format!("`{text}` has no fixed address to use as {what}"))
                    .at(loc)
                    .label("no address in the design")
                    .help("give it an address under `design.addresses` (a DHCP address is not known in advance)"),
            );
        }
        address
    }

    pub(super) fn node_list(&self) -> String {
        self.file.nodes.keys().map(String::as_str).collect::<Vec<_>>().join(", ")
    }
}
