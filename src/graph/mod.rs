//! Drawings of a design: an SVG drawn here, and DOT and Mermaid text for other tools.
//!
//! Pure code: a [`Design`] goes in, a `String` comes out. All three formats draw the
//! same [`diagram::Diagram`], so they agree on what a lab shows; the SVG's own layout
//! is in [`layout`], which knows only boxes, bars and lines.

mod diagram;
mod dot;
mod layout;
mod mermaid;
mod svg;
mod text;

use crate::design::Design;
use crate::kind::NodeKind;

/// A format a design can be drawn in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// A self-contained SVG 1.1 picture.
    Svg,
    /// A Graphviz `graph`.
    Dot,
    /// A Mermaid `flowchart`.
    Mermaid,
}

/// Draws a design in `format`. The same design always gives the same text.
pub fn draw(design: &Design, format: Format) -> String {
    let diagram = diagram::Diagram::new(design);
    match format {
        Format::Svg => svg::draw(&diagram),
        Format::Dot => dot::draw(&diagram),
        Format::Mermaid => mermaid::draw(&diagram),
    }
}

/// The design as an SVG picture: every node, cable and shared segment, with interface
/// names and addresses at the cable ends, a title and a legend.
pub fn svg(design: &Design) -> String {
    draw(design, Format::Svg)
}

/// The design as a Graphviz `graph`.
pub fn dot(design: &Design) -> String {
    draw(design, Format::Dot)
}

/// The design as a Mermaid `flowchart TD`.
pub fn mermaid(design: &Design) -> String {
    draw(design, Format::Mermaid)
}

/// The fill and outline colours of a kind, the same in every format.
fn colours(kind: NodeKind) -> (&'static str, &'static str) {
    match kind {
        NodeKind::Router => ("#dbeafe", "#1d4ed8"),
        NodeKind::Firewall => ("#fee2e2", "#b91c1c"),
        NodeKind::Server => ("#dcfce7", "#15803d"),
        NodeKind::Host => ("#f1f5f9", "#475569"),
        NodeKind::Switch => ("#ede9fe", "#6d28d9"),
        NodeKind::Custom => ("#fef9c3", "#a16207"),
    }
}
