//! Drawings of a design: an SVG drawn here, and DOT and Mermaid text for other tools.
//!
//! Pure code: a [`Design`] goes in, a `String` comes out. All three formats draw the
//! same [`diagram::Diagram`], so they agree on what a lab shows and say it in the same
//! language ([`words`]); the SVG's own layout is in [`layout`], which knows only boxes,
//! bars and lines.

mod diagram;
mod dot;
mod layout;
mod mermaid;
mod svg;
mod text;
mod words;

use crate::design::{Design, Lang};
use crate::kind::NodeKind;
use diagram::Aspect;

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

/// Draws a design in `format`, in the lab's language. The same design always gives the
/// same text.
pub fn draw(design: &Design, format: Format) -> String {
    draw_in(design, format, design.language)
}

/// Draws a design in `format`, with every text asbuilt writes in `lang`.
pub fn draw_in(design: &Design, format: Format, lang: Lang) -> String {
    let diagram = diagram::Diagram::new(design, lang);
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

/// Lines, bars and the cable swatch.
const LINE_COLOUR: &str = "#334155";
/// What the student builds.
const STUDENT_COLOUR: &str = "#7e22ce";
/// NAT, in the firewall's own red: it is the firewall's doing.
const NAT_COLOUR: &str = "#b91c1c";
/// OSPF, in the router's own blue.
const OSPF_COLOUR: &str = "#1d4ed8";
/// Services, in the server's own green.
const SERVICE_COLOUR: &str = "#15803d";

/// Zone colours, none of them a kind's, NAT's, OSPF's or the student's, all dark enough
/// for white text on a bar.
const ZONE_COLOURS: [&str; 6] = ["#0f766e", "#a16207", "#be185d", "#0e7490", "#4d7c0f", "#c2410c"];

/// The colour of the zone with this index.
fn zone_colour(zone: usize) -> &'static str {
    ZONE_COLOURS[zone % ZONE_COLOURS.len()]
}

/// The colour of a detail's text, `None` for plain ones.
fn aspect_colour(aspect: Aspect) -> Option<&'static str> {
    match aspect {
        Aspect::Plain => None,
        Aspect::Zone(zone) => Some(zone_colour(zone)),
        Aspect::Nat => Some(NAT_COLOUR),
        Aspect::Ospf => Some(OSPF_COLOUR),
    }
}
