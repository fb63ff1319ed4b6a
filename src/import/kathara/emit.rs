//! Writes an imported lab as an asbuilt topology: YAML a teacher can read and edit,
//! in the order and style of the examples in `topologies/`, with comments that say
//! where things came from and what runs as it is.

use std::fmt::Write;

use super::model::{FileText, LabOut, NodeOut};

/// A scalar as YAML writes it: plain where that reads back the same, quoted otherwise.
fn scalar(text: &str) -> String {
    let plain = !text.is_empty()
        && !text.starts_with(|c: char| "-?:,[]{}#&*!|>'\"%@`= ".contains(c))
        && !text.ends_with([' ', ':'])
        && !text.contains(": ")
        && !text.contains(" #")
        && !text.contains(['\n', '\t', '"', '\''])
        && !matches!(
            text.to_lowercase().as_str(),
            "true" | "false" | "yes" | "no" | "on" | "off" | "null" | "~" | "y" | "n"
        )
        && text.parse::<f64>().is_err();
    if plain { text.to_string() } else { serde_json::to_string(text).expect("strings serialize") }
}

/// A text, as a block (`|`) when it has several lines and reads back the same that way.
fn text_value(out: &mut String, indent: usize, text: &str) {
    let pad = " ".repeat(indent);
    let blockable = text.contains('\n')
        && text.ends_with('\n')
        && !text.ends_with("\n\n")
        && !text.starts_with([' ', '\n'])
        && text.lines().all(|l| !l.ends_with([' ', '\t']) && !l.contains('\t') && !l.contains('\r'));
    if blockable {
        out.push_str("|\n");
        for line in text.lines() {
            if line.is_empty() {
                out.push('\n');
            } else {
                let _ = writeln!(out, "{pad}{line}");
            }
        }
    } else {
        let _ = writeln!(out, "{}", scalar(text));
    }
}

/// A kernel setting's value: a number as a number.
fn number_or_scalar(text: &str) -> String {
    if !text.is_empty() && text.len() < 10 && text.chars().all(|c| c.is_ascii_digit()) {
        text.to_string()
    } else {
        scalar(text)
    }
}

fn list(items: &[String]) -> String {
    format!("[{}]", items.iter().map(|i| scalar(i)).collect::<Vec<_>>().join(", "))
}

fn file(out: &mut String, indent: usize, key: &str, file: &FileText) {
    let pad = " ".repeat(indent);
    let mode = if file.executable { ", mode: \"0755\"" } else { "" };
    match &file.from {
        Some(from) => {
            let _ = writeln!(out, "{pad}{}: {{ from: {}{mode} }}", scalar(key), scalar(from));
        }
        None if file.executable => {
            let _ = writeln!(out, "{pad}{}:\n{pad}  mode: \"0755\"", scalar(key));
            let _ = write!(out, "{pad}  content: ");
            text_value(out, indent + 4, &file.text);
        }
        None => {
            let _ = write!(out, "{pad}{}: ", scalar(key));
            text_value(out, indent + 2, &file.text);
        }
    }
}

/// The topology's text.
pub fn emit(lab: &LabOut) -> String {
    let mut out = String::new();
    for line in &lab.header {
        let _ = writeln!(out, "# {line}");
    }
    let _ = writeln!(out, "lab: {}", scalar(&lab.id));
    let _ = writeln!(out, "title: {}", scalar(&lab.title));
    out.push_str("language: en\n");
    if let Some(task) = &lab.task {
        out.push_str("task: ");
        text_value(&mut out, 2, task);
    }
    out.push_str("\nnodes:\n");
    for node in &lab.nodes {
        node_entry(&mut out, node);
    }
    if !lab.links.is_empty() {
        out.push_str("\nlinks:\n");
        for (a, b) in &lab.links {
            let _ = writeln!(out, "  - {a} -- {b}");
        }
    }
    if !lab.segments.is_empty() {
        out.push_str("\nsegments:\n");
        for (name, members) in &lab.segments {
            if members.len() == 1 {
                out.push_str("  # one member: a collision domain with nothing else on it yet\n");
            }
            let _ = writeln!(out, "  {}: {}", scalar(name), list(members));
        }
    }
    if !lab.shared.is_empty() {
        out.push_str("\n# Kathará's shared/ folder: every node gets its own copy here.\nshared:\n  path: /srv/shared\n  files:\n");
        for (path, text) in &lab.shared {
            file(&mut out, 4, path, text);
        }
    }
    design(&mut out, lab);
    if !lab.variants_hint.is_empty() {
        out.push_str("\n# Every student their own addresses: uncomment (see docs/topology.md, variants).\n");
        if !lab.fixed_addresses.is_empty() {
            let (verb, whose) =
                if lab.fixed_addresses.len() == 1 { ("loads its", "its") } else { ("load their", "their") };
            let _ = writeln!(
                out,
                "# {} {verb} own FRR configuration, whose addresses do not move: keep {whose}\n# subnets out of the variants, or let the design configure them.",
                lab.fixed_addresses.join(", ")
            );
        }
        out.push_str("# variants:\n");
        for (subnet, pool) in &lab.variants_hint {
            let _ = writeln!(out, "#   {subnet}: {pool}");
        }
    }
    out
}

fn node_entry(out: &mut String, node: &NodeOut) {
    let _ = writeln!(out, "  {}:", scalar(&node.name));
    if node.name != node.source_name {
        let _ = writeln!(out, "    # `{}` in the Kathará lab", node.source_name);
    }
    for note in &node.mode_note {
        let _ = writeln!(out, "    # {note}");
    }
    let _ = writeln!(out, "    kind: {}", node.kind);
    if node.memory.is_some() || node.cpus.is_some() {
        let mut parts = Vec::new();
        if let Some(m) = &node.memory {
            parts.push(format!("memory: {m}"));
        }
        if let Some(c) = node.cpus {
            parts.push(format!("cpus: {c}"));
        }
        let _ = writeln!(out, "    limits: {{ {} }}", parts.join(", "));
    }
    if !node.macs.is_empty() {
        let macs: Vec<String> = node.macs.iter().map(|(i, m)| format!("{i}: \"{m}\"")).collect();
        let _ = writeln!(out, "    macs: {{ {} }}", macs.join(", "));
    }
    if !node.sysctls.is_empty() {
        let s: Vec<String> =
            node.sysctls.iter().map(|(k, v)| format!("{k}: {}", number_or_scalar(v))).collect();
        let _ = writeln!(out, "    sysctls: {{ {} }}", s.join(", "));
    }
    if let Some(on) = node.ipv6 {
        let _ = writeln!(out, "    ipv6: {on}");
    }
    if let Some((ns, search)) = &node.resolv {
        let _ = writeln!(out, "    resolv: {{ nameservers: {}, search: {} }}", list(ns), list(search));
    }
    if let Some((config, daemons)) = &node.frr {
        out.push_str("    frr:\n");
        file(out, 6, "config", config);
        let _ = writeln!(out, "      daemons: {}", list(daemons));
    }
    if !node.files.is_empty() {
        out.push_str("    files:\n");
        for (path, text) in &node.files {
            file(out, 6, path, text);
        }
    }
    if !node.startup.is_empty() {
        out.push_str("    startup:\n");
        for command in &node.startup {
            let _ = writeln!(out, "      - {}", scalar(command));
        }
    }
    if !node.startup_after.is_empty() {
        let _ = writeln!(out, "    startup-after: {}", list(&node.startup_after));
    }
}

fn design(out: &mut String, lab: &LabOut) {
    let mut d = String::new();
    let with_addresses: Vec<&NodeOut> = lab.nodes.iter().filter(|n| !n.addresses.is_empty()).collect();
    if !with_addresses.is_empty() {
        d.push_str("  addresses:\n");
        for node in with_addresses {
            for (iface, addrs) in &node.addresses {
                let value = if addrs.len() == 1 { scalar(&addrs[0]) } else { list(addrs) };
                let _ = writeln!(d, "    {}:{iface}: {value}", node.name);
            }
        }
    }
    let gateways: Vec<&NodeOut> = lab.nodes.iter().filter(|n| !n.gateways.is_empty()).collect();
    if !gateways.is_empty() {
        d.push_str("  gateways:\n");
        for node in gateways {
            let value =
                if node.gateways.len() == 1 { scalar(&node.gateways[0]) } else { list(&node.gateways) };
            let _ = writeln!(d, "    {}: {value}", node.name);
        }
    }
    let routes: Vec<&NodeOut> = lab.nodes.iter().filter(|n| !n.routes.is_empty()).collect();
    if !routes.is_empty() {
        d.push_str("  routes:\n");
        for node in routes {
            let _ = writeln!(d, "    {}:", node.name);
            for r in &node.routes {
                let _ = writeln!(d, "      - {r}");
            }
        }
    }
    let ospf: Vec<&NodeOut> = lab.nodes.iter().filter(|n| n.ospf.is_some()).collect();
    if !ospf.is_empty() {
        d.push_str("  ospf:\n");
        for node in ospf {
            let o = node.ospf.as_ref().expect("filtered");
            let _ = writeln!(d, "    {}:", node.name);
            if o.areas.len() == 1 {
                let (area, ifaces) = o.areas.first().expect("one area");
                let _ = writeln!(d, "      area: {area}");
                let _ = writeln!(d, "      interfaces: {}", list(ifaces));
            } else {
                let areas: Vec<String> = o.areas.iter().map(|(a, i)| format!("{a}: {}", list(i))).collect();
                let _ = writeln!(d, "      areas: {{ {} }}", areas.join(", "));
            }
            if !o.passive.is_empty() {
                let _ = writeln!(d, "      passive: {}", list(&o.passive));
            }
            if let Some(id) = &o.router_id {
                let _ = writeln!(d, "      router-id: {id}");
            }
            if !o.redistribute.is_empty() {
                let _ = writeln!(d, "      redistribute: {}", list(&o.redistribute));
            }
            let per_iface = |d: &mut String, key: &str, items: Vec<String>| {
                if !items.is_empty() {
                    let _ = writeln!(d, "      {key}: {{ {} }}", items.join(", "));
                }
            };
            per_iface(&mut d, "cost", o.cost.iter().map(|(i, c)| format!("{i}: {c}")).collect());
            per_iface(
                &mut d,
                "network-type",
                o.network_type.iter().map(|(i, t)| format!("{i}: {t}")).collect(),
            );
            per_iface(&mut d, "priority", o.priority.iter().map(|(i, p)| format!("{i}: {p}")).collect());
            per_iface(&mut d, "area-types", o.area_types.iter().map(|(a, t)| format!("{a}: {t}")).collect());
        }
    }
    let rip: Vec<&NodeOut> = lab.nodes.iter().filter(|n| n.rip.is_some()).collect();
    if !rip.is_empty() {
        d.push_str("  rip:\n");
        for node in rip {
            let r = node.rip.as_ref().expect("filtered");
            let mut parts = vec![format!("interfaces: {}", list(&r.interfaces))];
            if !r.passive.is_empty() {
                parts.push(format!("passive: {}", list(&r.passive)));
            }
            if !r.redistribute.is_empty() {
                parts.push(format!("redistribute: {}", list(&r.redistribute)));
            }
            let _ = writeln!(d, "    {}: {{ {} }}", node.name, parts.join(", "));
        }
    }
    let bgp: Vec<&NodeOut> = lab.nodes.iter().filter(|n| n.bgp.is_some()).collect();
    if !bgp.is_empty() {
        d.push_str("  bgp:\n");
        for node in bgp {
            let b = node.bgp.as_ref().expect("filtered");
            let _ = writeln!(d, "    {}:", node.name);
            let _ = writeln!(d, "      as: {}", b.asn);
            if let Some(id) = &b.router_id {
                let _ = writeln!(d, "      router-id: {id}");
            }
            if !b.neighbours.is_empty() {
                let n: Vec<String> =
                    b.neighbours.iter().map(|(a, s)| format!("{}: {s}", scalar(a))).collect();
                let _ = writeln!(d, "      neighbours: {{ {} }}", n.join(", "));
            }
            if !b.networks.is_empty() {
                let _ = writeln!(d, "      networks: {}", list(&b.networks));
            }
            if !b.redistribute.is_empty() {
                let _ = writeln!(d, "      redistribute: {}", list(&b.redistribute));
            }
        }
    }
    let services: Vec<&NodeOut> =
        lab.nodes.iter().filter(|n| n.http.is_some() || n.dns.is_some() || n.dhcp.is_some()).collect();
    if !services.is_empty() {
        d.push_str("  services:\n");
        for node in services {
            let _ = writeln!(d, "    {}:", node.name);
            match node.http.as_deref() {
                Some("") => d.push_str("      http: {}\n"),
                Some(content) => {
                    d.push_str("      http:\n        content: ");
                    text_value(&mut d, 10, content);
                }
                None => {}
            }
            if let Some(dhcp) = &node.dhcp {
                d.push_str("      dhcp:\n");
                let _ = writeln!(d, "        range: {}", dhcp.range);
                if let Some(g) = &dhcp.gateway {
                    let _ = writeln!(d, "        gateway: {g}");
                }
                if !dhcp.dns.is_empty() {
                    let _ = writeln!(d, "        dns: {}", list(&dhcp.dns));
                }
                if let Some(l) = &dhcp.lease {
                    let _ = writeln!(d, "        lease: {l}");
                }
            }
            if let Some(dns) = &node.dns {
                d.push_str("      dns:\n");
                let _ = writeln!(d, "        domain: {}", scalar(&dns.domain));
                if dns.authoritative {
                    d.push_str("        authoritative: true\n");
                }
                d.push_str("        records:\n");
                for (name, values) in &dns.records {
                    let value = if values.len() == 1 { scalar(&values[0]) } else { list(values) };
                    let _ = writeln!(d, "          {}: {value}", scalar(name));
                }
            }
        }
    }
    if !d.is_empty() {
        out.push_str(
            "\n# What the finished network must be: recognised in the lab's own configuration.\ndesign:\n",
        );
        out.push_str(&d);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scalars_are_quoted_only_where_yaml_needs_it() {
        assert_eq!(scalar("r1"), "r1");
        assert_eq!(scalar("10.0.0.1/24"), "10.0.0.1/24");
        assert_eq!(scalar("@"), "\"@\"");
        assert_eq!(scalar("0"), "\"0\"");
        assert_eq!(scalar("yes"), "\"yes\"");
        assert_eq!(scalar("echo a: b"), "\"echo a: b\"");
        assert_eq!(scalar("txt \"v=spf1\""), "\"txt \\\"v=spf1\\\"\"");
        let mut out = String::new();
        text_value(&mut out, 2, "a\n\nb\n");
        assert_eq!(out, "|\n  a\n\n  b\n");
        let yaml: serde_yaml::Value = serde_yaml::from_str(&format!("k: {out}")).unwrap();
        assert_eq!(yaml["k"].as_str(), Some("a\n\nb\n"));
    }
}
