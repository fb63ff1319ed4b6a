//! The drawing as a Graphviz `graph`, for teachers who want to lay it out themselves.

use std::fmt::Write;

use super::colours;
use super::diagram::{Diagram, Link, Port, Vertex};
use crate::kind::NodeKind;

/// Writes the diagram as DOT. Nodes are `n0`, `n1`... and shared segments `s0`, `s1`...
/// in file order, so that no name can clash with a DOT keyword.
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
        let mut label = vec![node.name.clone(), node.kind.name().to_string()];
        label.extend(node.loopbacks.iter().cloned());
        if let Some(builds) = &node.builds {
            label.push(format!("student builds: {builds}"));
        }
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
        let _ = writeln!(
            out,
            "  s{i} [xlabel={}, shape=point, width=0.15, style=filled, color=\"#334155\"];",
            quote(&label.join("\n"))
        );
    }
    for link in &diagram.links {
        let (a, b) = link.ends();
        let _ = write!(out, "  {} -- {}", id(a), id(b));
        match link {
            Link::Cable { a, b } => {
                let _ = writeln!(out, " [taillabel={}, headlabel={}];", port_label(a), port_label(b));
            }
            Link::Drop { port, .. } => {
                let _ = writeln!(out, " [headlabel={}];", port_label(port));
            }
        }
    }
    out.push_str("}\n");
    out
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
