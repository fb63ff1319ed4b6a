//! Placeholders in texts: `{web}`, `{r1:eth1}`, `{net pc1:eth1}`, `{cidr r1:eth2}`,
//! `{gw pc1}`, `{dhcp-range srv}`. They let a task text or a check say "the web server's
//! address" once and be right for every student's address plan.
//!
//! Only braces whose content looks like a placeholder are one, so Markdown with code in
//! braces (an nftables rule set, say) is left alone.

use std::net::IpAddr;
use std::ops::Range;

use indexmap::IndexMap;
use ipnet::IpNet;

use super::model::Node;

/// What a placeholder gives.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Function {
    /// The address: `192.168.10.20`.
    Ip,
    /// The subnet: `192.168.10.0/24`.
    Net,
    /// Address and prefix length: `192.168.10.20/24`.
    Cidr,
    /// The node's IPv4 default gateway.
    Gw,
    /// The addresses a DHCP server hands out: `192.168.10.100 – 192.168.10.199`.
    DhcpRange,
    /// The first address of a DHCP server's range.
    DhcpFirst,
    /// The last address of a DHCP server's range.
    DhcpLast,
}

impl Function {
    /// Whether it stands for something of the node as a whole, so that naming an
    /// interface makes no sense.
    fn of_node(self) -> bool {
        matches!(self, Function::Gw | Function::DhcpRange | Function::DhcpFirst | Function::DhcpLast)
    }
}

/// One placeholder found in a text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Placeholder {
    /// The whole placeholder as written, braces included.
    pub written: String,
    pub function: Function,
    pub node: String,
    pub interface: Option<String>,
    /// Where it is in the text, braces included.
    pub at: Range<usize>,
}

/// Every placeholder in `text`, in order.
pub fn find(text: &str) -> Vec<Placeholder> {
    placeholders(text).collect()
}

/// The placeholders in `text`, one at a time, so that a caller can stop counting at a
/// bound without first collecting all of them.
pub fn placeholders(text: &str) -> impl Iterator<Item = Placeholder> + '_ {
    let mut from = 0;
    std::iter::from_fn(move || {
        loop {
            let open = from + text[from..].find('{')?;
            let close = open + 1 + text[open + 1..].find('}')?;
            from = close + 1;
            if let Some(p) = parse(&text[open + 1..close], open..close + 1) {
                return Some(p);
            }
        }
    })
}

/// Reads the inside of `{...}`, or `None` when it is not a placeholder.
fn parse(inner: &str, at: Range<usize>) -> Option<Placeholder> {
    let (function, reference) = match inner.split_once(' ') {
        Some(("ip", r)) => (Function::Ip, r),
        Some(("net", r)) => (Function::Net, r),
        Some(("cidr", r)) => (Function::Cidr, r),
        Some(("gw", r)) => (Function::Gw, r),
        Some(("dhcp-range", r)) => (Function::DhcpRange, r),
        Some(("dhcp-first", r)) => (Function::DhcpFirst, r),
        Some(("dhcp-last", r)) => (Function::DhcpLast, r),
        Some(_) => return None,
        None => (Function::Ip, inner),
    };
    let (node, interface) = match reference.split_once(':') {
        Some((n, i)) => (n, Some(i)),
        None => (reference, None),
    };
    let name_like = |s: &str| {
        let mut chars = s.chars();
        matches!(chars.next(), Some(c) if c.is_ascii_lowercase())
            && chars.all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-' || c == '.')
    };
    if !name_like(node) || !interface.is_none_or(name_like) || (function.of_node() && interface.is_some()) {
        return None;
    }
    Some(Placeholder {
        written: format!("{{{inner}}}"),
        function,
        node: node.to_string(),
        interface: interface.map(str::to_string),
        at,
    })
}

/// What a placeholder stands for in a design, or why it stands for nothing.
pub fn value(p: &Placeholder, nodes: &IndexMap<String, Node>) -> Result<String, String> {
    let node = nodes.get(&p.node).ok_or_else(|| format!("there is no node `{}`", p.node))?;
    if p.function == Function::Gw {
        return node
            .gateways
            .iter()
            .find(|g| g.is_ipv4())
            .map(IpAddr::to_string)
            .ok_or_else(|| format!("`{}` has no IPv4 gateway in the design", p.node));
    }
    if matches!(p.function, Function::DhcpRange | Function::DhcpFirst | Function::DhcpLast) {
        let dhcp = node
            .services
            .dhcp
            .as_ref()
            .ok_or_else(|| format!("`{}` runs no DHCP server in the design", p.node))?;
        return Ok(match p.function {
            Function::DhcpFirst => dhcp.first.to_string(),
            Function::DhcpLast => dhcp.last.to_string(),
            _ => format!("{} – {}", dhcp.first, dhcp.last),
        });
    }
    let net: IpNet = match &p.interface {
        Some(iface) => {
            let i = node
                .interfaces
                .get(iface)
                .ok_or_else(|| format!("node `{}` has no interface `{iface}`", p.node))?;
            *i.addresses
                .first()
                .ok_or_else(|| format!("`{}:{iface}` has no fixed address in the design", p.node))?
        }
        None => {
            let primary = node
                .primary_address()
                .ok_or_else(|| format!("`{}` has no fixed address in the design", p.node))?;
            *node
                .addresses()
                .map(|(_, a)| a)
                .find(|a| a.addr() == primary)
                .expect("primary is one of the addresses")
        }
    };
    Ok(match p.function {
        Function::Net => net.trunc().to_string(),
        Function::Cidr => net.to_string(),
        _ => net.addr().to_string(),
    })
}

/// `text` with every placeholder replaced; placeholders that stand for nothing are left
/// as written (validation has reported them). One pass, in time linear in the text.
pub fn expand(text: &str, nodes: &IndexMap<String, Node>) -> String {
    let mut out = String::with_capacity(text.len());
    let mut copied = 0;
    for p in placeholders(text) {
        if let Ok(v) = value(&p, nodes) {
            out.push_str(&text[copied..p.at.start]);
            out.push_str(&v);
            copied = p.at.end;
        }
    }
    out.push_str(&text[copied..]);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_placeholders_and_leaves_code_alone() {
        let found = find(
            "Zet {r1:eth1} op {net pc1:eth1}; nft: table inet f { chain c { type filter hook input priority 0; } }",
        );
        let written: Vec<&str> = found.iter().map(|p| p.written.as_str()).collect();
        assert_eq!(written, ["{r1:eth1}", "{net pc1:eth1}"]);
        assert_eq!(found[1].function, Function::Net);
    }

    #[test]
    fn each_placeholder_knows_where_it_is() {
        let text = "a {web} b {nft {x}} {gw pc1}";
        let found = find(text);
        let places: Vec<&str> = found.iter().map(|p| &text[p.at.clone()]).collect();
        assert_eq!(places, ["{web}", "{gw pc1}"]);
    }

    #[test]
    fn expanding_replaces_each_placeholder_in_place_and_keeps_the_rest() {
        let text = "lab: x\ntitle: y\nnodes:\n  r1: { kind: router }\n  web: { kind: server }\n\
                    links: [r1:eth1 -- web:eth1]\n\
                    design: { addresses: { r1:eth1: 10.0.0.1/24, web:eth1: 10.0.0.2/24 } }\n";
        let source = crate::topology::Source::new("t.yml", text);
        let design = crate::design::Lab::load(&source).unwrap().design_for(None);
        let task = "{web} and {web}, {net web:eth1}; {gw web} and {code block}";
        assert_eq!(
            expand(task, &design.nodes),
            "10.0.0.2 and 10.0.0.2, 10.0.0.0/24; {gw web} and {code block}"
        );
    }

    #[test]
    fn a_dhcp_servers_range_has_placeholders_of_its_own() {
        let found =
            find("van {dhcp-first srv} tot {dhcp-last srv}, of {dhcp-range srv}; {dhcp-range srv:eth1}");
        let functions: Vec<Function> = found.iter().map(|p| p.function).collect();
        assert_eq!(functions, [Function::DhcpFirst, Function::DhcpLast, Function::DhcpRange]);
        assert!(found.iter().all(|p| p.node == "srv" && p.interface.is_none()));
    }

    #[test]
    fn vlan_subinterfaces_are_placeholders_too() {
        let found = find("{cidr r1:eth1.10}");
        assert_eq!(found[0].interface.as_deref(), Some("eth1.10"));
    }
}
