//! The drawing as a Mermaid flowchart, for Markdown pages that render Mermaid.

use std::fmt::Write;

use super::diagram::{Diagram, Key, Link, Port, Vertex};
use super::{LINE_COLOUR, STUDENT_COLOUR, colours, zone_colour};
use crate::kind::NodeKind;

/// Writes the diagram as a Mermaid `flowchart TD`. Nodes are `n0`, `n1`... and shared
/// segments `s0`, `s1`... in file order, because a node named `end` or `graph` would
/// otherwise break the chart; the legend is `legend`.
pub fn draw(diagram: &Diagram) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "---\ntitle: {}\n---", yaml_string(&diagram.title));
    out.push_str("flowchart TD\n");
    for (i, node) in diagram.boxes.iter().enumerate() {
        let mut label = vec![node.name.clone(), node.kind_name.clone()];
        label.extend(node.loopbacks.iter().map(|d| d.text.clone()));
        label.extend(node.services.iter().cloned());
        label.extend(node.builds.iter().cloned());
        let (open, close) = brackets(node.kind);
        let _ = writeln!(out, "  n{i}{open}{}{close}", text(&label));
    }
    for (i, bus) in diagram.buses.iter().enumerate() {
        let mut label = vec![bus.name.clone()];
        label.extend(bus.subnets.iter().cloned());
        let _ = writeln!(out, "  s{i}(({}))", text(&label));
    }
    for link in &diagram.links {
        let (a, b) = link.ends();
        let label = match link {
            Link::Cable { a: pa, b: pb, .. } => vec![
                format!("{} {}", diagram.boxes[pa.node].name, port_text(pa)),
                format!("{} {}", diagram.boxes[pb.node].name, port_text(pb)),
            ],
            Link::Drop { port, .. } => vec![port_text(port)],
        };
        let _ = writeln!(out, "  {} ---|{}| {}", id(a), text(&label), id(b));
    }
    legend(&mut out, diagram);
    styles(&mut out, diagram);
    out
}

/// The legend as a box of its own. Mermaid cannot colour parts of a label, so it says in
/// words what the colours mean; the kinds need no entry, as every box names its kind.
fn legend(out: &mut String, diagram: &Diagram) {
    let mut lines = vec![diagram.legend.title.clone()];
    lines.extend(
        diagram.legend.items.iter().filter(|i| !matches!(i.key, Key::Kind(_))).map(|i| i.text.clone()),
    );
    let _ = writeln!(out, "  legend[{}]", text(&lines));
}

/// Colours per kind, matching the SVG, and a dashed outline for what the student builds.
fn styles(out: &mut String, diagram: &Diagram) {
    for kind in NodeKind::ALL {
        let members: Vec<String> = (0..diagram.boxes.len())
            .filter(|&i| diagram.boxes[i].kind == kind)
            .map(|i| format!("n{i}"))
            .collect();
        if members.is_empty() {
            continue;
        }
        let (fill, stroke) = colours(kind);
        let _ = writeln!(out, "  classDef {} fill:{fill},stroke:{stroke}", kind.name());
        let _ = writeln!(out, "  class {} {}", members.join(","), kind.name());
    }
    let student: Vec<String> = (0..diagram.boxes.len())
        .filter(|&i| diagram.boxes[i].builds.is_some())
        .map(|i| format!("n{i}"))
        .collect();
    if !student.is_empty() {
        let _ =
            writeln!(out, "  classDef student stroke:{STUDENT_COLOUR},stroke-width:3px,stroke-dasharray:6 4");
        let _ = writeln!(out, "  class {} student", student.join(","));
    }
    // Links are numbered in the order they are written, which is the diagram's.
    for (i, link) in diagram.links.iter().enumerate() {
        if let Link::Cable { zone: Some(zone), .. } = link {
            let _ = writeln!(out, "  linkStyle {i} stroke:{},stroke-width:3px", zone_colour(*zone));
        }
    }
    for (i, bus) in diagram.buses.iter().enumerate() {
        let fill = bus.zone.map_or(LINE_COLOUR, zone_colour);
        let _ = writeln!(out, "  style s{i} fill:{fill},stroke:{fill},color:#ffffff");
    }
    let _ = writeln!(out, "  style legend fill:#ffffff,stroke:{LINE_COLOUR}");
}

fn id(vertex: Vertex) -> String {
    match vertex {
        Vertex::Node(i) => format!("n{i}"),
        Vertex::Bus(i) => format!("s{i}"),
    }
}

/// A kind's node shape: stadium, hexagon, cylinder, rounded box, subroutine, trapezoid.
fn brackets(kind: NodeKind) -> (&'static str, &'static str) {
    match kind {
        NodeKind::Router => ("([", "])"),
        NodeKind::Firewall => ("{{", "}}"),
        NodeKind::Server => ("[(", ")]"),
        NodeKind::Host => ("(", ")"),
        NodeKind::Switch => ("[[", "]]"),
        NodeKind::Custom => ("[/", "\\]"),
    }
}

/// An interface and its details on one line: `eth1 10.0.0.1/24, dhcp`.
fn port_text(port: &Port) -> String {
    if port.details.is_empty() {
        port.interface.clone()
    } else {
        let details: Vec<&str> = port.details.iter().map(|d| d.text.as_str()).collect();
        format!("{} {}", port.interface, details.join(", "))
    }
}

/// A quoted Mermaid label of several lines. Inside quotes Mermaid still reads `#...;`
/// entity codes and HTML, so those characters are written as entity codes.
fn text(lines: &[String]) -> String {
    let escaped: Vec<String> = lines.iter().map(|l| escape(l)).collect();
    format!("\"{}\"", escaped.join("<br/>"))
}

fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '"' => out.push_str("#quot;"),
            '#' => out.push_str("#35;"),
            '&' => out.push_str("#amp;"),
            '<' => out.push_str("#lt;"),
            '>' => out.push_str("#gt;"),
            '`' => out.push_str("#96;"),
            '|' => out.push_str("#124;"),
            c if c.is_control() => out.push(' '),
            c => out.push(c),
        }
    }
    out
}

/// A YAML double-quoted string, for the front matter's title.
fn yaml_string(text: &str) -> String {
    let mut out = String::from("\"");
    for c in text.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            c if c.is_control() => out.push(' '),
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
    fn labels_escape_what_mermaid_would_read_as_markup() {
        assert_eq!(
            text(&["a \"b\" <c> & #d |e| `f`".into()]),
            "\"a #quot;b#quot; #lt;c#gt; #amp; #35;d #124;e#124; #96;f#96;\""
        );
    }

    #[test]
    fn labels_join_lines_with_breaks() {
        assert_eq!(text(&["r1".into(), "router".into()]), "\"r1<br/>router\"");
    }

    #[test]
    fn titles_are_quoted_yaml() {
        assert_eq!(yaml_string("Lab \"1\" \\ x"), "\"Lab \\\"1\\\" \\\\ x\"");
    }
}
