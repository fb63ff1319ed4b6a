//! The drawing as a Graphviz `graph`, for teachers who want to lay it out themselves.

use std::fmt::Write;

use super::diagram::{Diagram, Key, Link, NodeBox, Port, Vertex};
use super::text::xml;
use super::{LINE_COLOUR, NAT_COLOUR, OSPF_COLOUR, SERVICE_COLOUR, STUDENT_COLOUR, colours, zone_colour};
use crate::kind::NodeKind;

/// Writes the diagram as DOT. Nodes are `n0`, `n1`... and shared segments `s0`, `s1`...
/// in file order, so that no name can clash with a DOT keyword; the legend is `legend`.
pub fn draw(diagram: &Diagram) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "graph {} {{", quote(&diagram.title));
    let _ = writeln!(
        out,
        "  graph [label={}, labelloc=t, fontname=\"sans-serif\"];",
        quote(&format!("{}\n{}", diagram.title, diagram.subtitle))
    );
    out.push_str("  node [fontname=\"sans-serif\"];\n");
    out.push_str("  edge [fontname=\"sans-serif\", fontsize=10];\n");
    for (i, node) in diagram.boxes.iter().enumerate() {
        let label = box_label(node);
        let (fill, _) = colours(node.kind);
        let shape = shape(node.kind);
        let mut style = vec!["filled"];
        if node.kind == NodeKind::Host {
            style.push("rounded");
        }
        if node.builds.is_some() {
            style.push("dashed");
        }
        let _ = writeln!(
            out,
            "  n{i} [label={}, shape={shape}, style=\"{}\", fillcolor=\"{fill}\"];",
            quote(&label.join("\n")),
            style.join(",")
        );
    }
    for (i, bus) in diagram.buses.iter().enumerate() {
        let mut label = vec![bus.name.clone()];
        label.extend(bus.subnets.iter().cloned());
        let colour = bus.zone.map_or(LINE_COLOUR, zone_colour);
        let _ = writeln!(
            out,
            "  s{i} [xlabel={}, shape=point, width=0.15, style=filled, color=\"{colour}\"];",
            quote(&label.join("\n"))
        );
    }
    for link in &diagram.links {
        let (a, b) = link.ends();
        let _ = write!(out, "  {} -- {}", id(a), id(b));
        match link {
            Link::Cable { a, b, zone } => {
                let tint =
                    zone.map_or(String::new(), |z| format!(", color=\"{}\", penwidth=2.5", zone_colour(z)));
                let _ = writeln!(out, " [taillabel={}, headlabel={}{tint}];", port_label(a), port_label(b));
            }
            Link::Drop { port, .. } => {
                let _ = writeln!(out, " [headlabel={}];", port_label(port));
            }
        }
    }
    legend(&mut out, diagram);
    out.push_str("}\n");
    out
}

/// The texts in a node's box, one per line.
fn box_label(node: &NodeBox) -> Vec<String> {
    let mut label = vec![node.name.clone(), node.kind_name.clone()];
    label.extend(node.loopbacks.iter().map(|d| d.text.clone()));
    label.extend(node.services.iter().cloned());
    label.extend(node.builds.iter().cloned());
    label
}

/// The legend as a table beside the drawing: each mark in its colour, and its meaning.
fn legend(out: &mut String, diagram: &Diagram) {
    let mut rows =
        format!(r#"<tr><td colspan="2" align="left"><b>{}</b></td></tr>"#, xml(&diagram.legend.title));
    for item in &diagram.legend.items {
        let _ = write!(rows, r#"<tr>{}<td align="left">{}</td></tr>"#, mark(&item.key), xml(&item.text));
    }
    let _ = writeln!(
        out,
        r#"  legend [shape=plaintext, fontsize=10, label=<<table border="1" color="{LINE_COLOUR}" cellborder="0" cellspacing="3">{rows}</table>>];"#
    );
}

/// A legend entry's mark as a table cell.
fn mark(key: &Key) -> String {
    let swatch = |fill: &str| format!(r#"<td bgcolor="{fill}" width="28"> </td>"#);
    let word =
        |text: &str, colour: &str| format!(r#"<td><font color="{colour}"><b>{}</b></font></td>"#, xml(text));
    match key {
        Key::Kind(kind) => swatch(colours(*kind).0),
        Key::Bus => swatch(LINE_COLOUR),
        Key::Student => word("- - -", STUDENT_COLOUR),
        Key::Cable => word("———", LINE_COLOUR),
        Key::Zone(zone) => swatch(zone_colour(*zone)),
        Key::Nat => word("NAT", NAT_COLOUR),
        Key::Ospf => word("OSPF", OSPF_COLOUR),
        Key::Services(name) => word(name, SERVICE_COLOUR),
    }
}

fn id(vertex: Vertex) -> String {
    match vertex {
        Vertex::Node(i) => format!("n{i}"),
        Vertex::Bus(i) => format!("s{i}"),
    }
}

fn port_label(port: &Port) -> String {
    quote(&port.lines().join("\n"))
}

/// A kind's Graphviz shape.
fn shape(kind: NodeKind) -> &'static str {
    match kind {
        NodeKind::Router => "ellipse",
        NodeKind::Firewall => "octagon",
        NodeKind::Server => "box3d",
        NodeKind::Host => "box",
        NodeKind::Switch => "hexagon",
        NodeKind::Custom => "component",
    }
}

/// A DOT string: quotes and backslashes escaped, line breaks as `\n`.
fn quote(text: &str) -> String {
    let mut out = String::from("\"");
    for c in text.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            c if c.is_control() => {}
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quote_escapes_quotes_backslashes_and_line_breaks() {
        assert_eq!(quote("a \"b\"\\c\nd"), r#""a \"b\"\\c\nd""#);
    }
}
