//! The nftables rule set of a firewall or a NAT router: zones, rules, masquerading and
//! port forwards as one `inet` table. Each rule carries the teacher's wording as a
//! comment, so what the student reads in `nft list ruleset` maps back onto the task.

use std::fmt::Write;

use ipnet::IpNet;

use crate::design::{Firewall, Nat, PortRange, Rule, Selector, Service, Transport, Verdict};

/// `/etc/nftables.conf` for the parts asbuilt builds: the policy (zones and rules) when
/// `policy` is given, the NAT (masquerade and port forwards) when `nat` is. A part the
/// student builds is left out, as is a part the design does not have.
pub fn ruleset(policy: Option<&Firewall>, nat: Option<&Nat>) -> String {
    let mut forward = Vec::new();
    let mut input = Vec::new();
    for rule in policy.iter().flat_map(|fw| fw.rules.iter()) {
        let chain = if rule.to == Selector::Local { &mut input } else { &mut forward };
        chain.extend(rule_lines(rule));
    }
    let masquerade = nat.map_or(&[][..], |n| n.masquerade.as_slice());
    let forwards = nat.map_or(&[][..], |n| n.port_forwards.as_slice());
    let mut out = String::from(
        "#!/usr/sbin/nft -f\n# asbuilt: the firewall policy and NAT of this lab's design.\nflush ruleset\n\n",
    );
    out.push_str("table inet asbuilt {\n");
    if policy.is_some() || !forwards.is_empty() {
        let _ = writeln!(
            out,
            "\tchain forward {{\n\t\ttype filter hook forward priority filter; policy {};",
            verdict(policy.map_or(Verdict::Accept, |fw| fw.default))
        );
        out.push_str("\t\tct state established,related accept\n");
        if !forwards.is_empty() {
            // Traffic a port forward let in is allowed on, as on a home router.
            out.push_str("\t\tct status dnat accept\n");
        }
        for line in &forward {
            let _ = writeln!(out, "\t\t{line}");
        }
        out.push_str("\t}\n");
        if let Some(fw) = policy {
            let _ = writeln!(
                out,
                "\tchain input {{\n\t\ttype filter hook input priority filter; policy {};",
                verdict(fw.input)
            );
            out.push_str("\t\tct state established,related accept\n\t\tiif \"lo\" accept\n");
            // IPv6's neighbour discovery is what ARP is to IPv4 (which nftables' inet
            // table never sees): without it no IPv6 packet reaches the firewall at all.
            out.push_str(
                "\t\ticmpv6 type { nd-neighbor-solicit, nd-neighbor-advert, nd-router-solicit, nd-router-advert } accept\n",
            );
            for line in &input {
                let _ = writeln!(out, "\t\t{line}");
            }
            out.push_str("\t}\n");
        }
    }
    if !masquerade.is_empty() || !forwards.is_empty() {
        out.push_str("\tchain prerouting {\n\t\ttype nat hook prerouting priority dstnat; policy accept;\n");
        for pf in forwards {
            let proto = match pf.protocol {
                Transport::Tcp => "tcp",
                Transport::Udp => "udp",
            };
            let target = match pf.to {
                std::net::IpAddr::V4(a) => format!("ip to {a}:{}", pf.to_port),
                std::net::IpAddr::V6(a) => format!("ip6 to [{a}]:{}", pf.to_port),
            };
            let _ = writeln!(
                out,
                "\t\tiifname \"{}\" {proto} dport {} dnat {target} comment {}",
                pf.interface,
                pf.port,
                comment(&pf.text)
            );
        }
        out.push_str(
            "\t}\n\tchain postrouting {\n\t\ttype nat hook postrouting priority srcnat; policy accept;\n",
        );
        for iface in masquerade {
            let _ = writeln!(out, "\t\toifname \"{iface}\" masquerade");
        }
        out.push_str("\t}\n");
    }
    out.push_str("}\n");
    out
}

/// One rule as nftables lines: one line, or one per address family when a side names
/// addresses (an `ip saddr` cannot match IPv6).
fn rule_lines(rule: &Rule) -> Vec<String> {
    let families: Vec<Option<bool>> = match (host_nets(&rule.from), host_nets(&rule.to)) {
        (None, None) => vec![None],
        _ => vec![Some(true), Some(false)],
    };
    let mut lines = Vec::new();
    for family in families {
        let mut parts = Vec::new();
        if !side(&rule.from, family, "saddr", "iifname", &mut parts)
            || !side(&rule.to, family, "daddr", "oifname", &mut parts)
        {
            continue;
        }
        parts.extend(service(&rule.service, family));
        parts.push(verdict(rule.verdict).to_string());
        parts.push(format!("comment {}", comment(&rule.text)));
        lines.push(parts.join(" "));
    }
    lines
}

fn host_nets(sel: &Selector) -> Option<&[IpNet]> {
    match sel {
        Selector::Hosts { nets, .. } => Some(nets),
        _ => None,
    }
}

/// Adds the match for one side of a rule; `false` when the side has no addresses of
/// this family, so the rule cannot match in it.
fn side(sel: &Selector, family: Option<bool>, addr_key: &str, if_key: &str, parts: &mut Vec<String>) -> bool {
    match sel {
        Selector::Any | Selector::Local => true,
        Selector::Zone { interfaces, .. } => {
            parts.push(format!("{if_key} {}", set(interfaces.iter().map(|i| format!("\"{i}\"")))));
            true
        }
        Selector::Hosts { nets, .. } => {
            let v4 = family.unwrap_or(true);
            let chosen: Vec<String> =
                nets.iter().filter(|n| n.addr().is_ipv4() == v4).map(|n| n.to_string()).collect();
            if chosen.is_empty() {
                return false;
            }
            parts.push(format!("{} {addr_key} {}", if v4 { "ip" } else { "ip6" }, set(chosen.into_iter())));
            true
        }
    }
}

fn service(service: &Service, family: Option<bool>) -> Option<String> {
    let ports = |ranges: &[PortRange]| {
        set(ranges
            .iter()
            .map(|r| if r.first == r.last { r.first.to_string() } else { format!("{}-{}", r.first, r.last) }))
    };
    match service {
        Service::Any => None,
        Service::Icmp => Some(match family {
            Some(true) => "ip protocol icmp".to_string(),
            Some(false) => "ip6 nexthdr ipv6-icmp".to_string(),
            None => "meta l4proto { icmp, ipv6-icmp }".to_string(),
        }),
        Service::Tcp { ports: p } if p.is_empty() => Some("meta l4proto tcp".into()),
        Service::Udp { ports: p } if p.is_empty() => Some("meta l4proto udp".into()),
        Service::Tcp { ports: p } => Some(format!("tcp dport {}", ports(p))),
        Service::Udp { ports: p } => Some(format!("udp dport {}", ports(p))),
    }
}

/// One item bare, several in braces.
fn set(items: impl Iterator<Item = String>) -> String {
    let items: Vec<String> = items.collect();
    if items.len() == 1 { items[0].clone() } else { format!("{{ {} }}", items.join(", ")) }
}

fn verdict(v: Verdict) -> &'static str {
    match v {
        Verdict::Accept => "accept",
        Verdict::Drop => "drop",
    }
}

/// An nftables comment: quoted, at most 128 bytes, without quotes inside.
fn comment(text: &str) -> String {
    let mut clean: String = text.chars().filter(|c| *c != '"' && *c != '\\').collect();
    while clean.len() > 120 {
        clean.pop();
    }
    format!("\"{clean}\"")
}
