//! The drawing as a self-contained SVG 1.1 document, for teachers and students.

use std::fmt::Write;

use super::diagram::{Aspect, Detail, Diagram, Key, Link, NodeBox, Port, Vertex};
use super::layout::{self, Layout, Line, Point, Rect, Shape, Size};
use super::text::{num, width, wrap, xml};
use super::{
    LINE_COLOUR, NAT_COLOUR, OSPF_COLOUR, SERVICE_COLOUR, STUDENT_COLOUR, aspect_colour, colours, words,
    zone_colour,
};
use crate::kind::NodeKind;

/// Space around everything.
const MARGIN: f64 = 24.0;
const TITLE_SIZE: f64 = 20.0;
const SUBTITLE_SIZE: f64 = 12.0;
/// From the top of the drawing area to the first row.
const HEADER: f64 = 64.0;
const NAME_SIZE: f64 = 14.0;
const SMALL_SIZE: f64 = 11.0;
/// Line height as a multiple of the font size.
const LEADING: f64 = 1.3;
const BOX_PAD_X: f64 = 12.0;
const BOX_PAD_Y: f64 = 8.0;
const BOX_MIN_WIDTH: f64 = 84.0;
/// The strip along the top of firewalls, servers and switches.
const STRIP: f64 = 7.0;
const BAR_HEIGHT: f64 = 22.0;
const BAR_TEXT_SIZE: f64 = 12.0;
/// Characters per line of the "student builds" note in a box.
const NOTE_WIDTH: usize = 34;
const LEGEND_GAP: f64 = 36.0;
const SWATCH: Size = Size { w: 34.0, h: 20.0 };
/// The colour of plain text.
const INK: &str = "#0f172a";
/// How much thicker than a plain cable a cable in a firewall zone is drawn, so that its
/// colour shows.
const ZONE_STROKE: f64 = 3.2;

/// Draws the diagram. The same diagram always gives the same bytes.
pub fn draw(diagram: &Diagram) -> String {
    let contents: Vec<Vec<TextLine>> = diagram.boxes.iter().map(box_lines).collect();
    let ports: Vec<[Vec<TextLine>; 2]> = diagram
        .links
        .iter()
        .map(|link| {
            let (a, b) = link.ports();
            [a.map(port_lines).unwrap_or_default(), b.map(port_lines).unwrap_or_default()]
        })
        .collect();
    let (shapes, lines) = shapes_and_lines(diagram, &contents, &ports);
    let placed = layout::layout(&shapes, &lines);
    let legend = Legend::new(diagram);
    let title_width =
        width(&diagram.title, TITLE_SIZE, true).max(width(&diagram.subtitle, SUBTITLE_SIZE, false));
    let inner = placed.size.w.max(title_width).max(legend.width);
    let size = Size {
        w: (inner + 2.0 * MARGIN).ceil(),
        h: (MARGIN + HEADER + placed.size.h + LEGEND_GAP + legend.height + MARGIN).ceil(),
    };
    let origin = Point { x: MARGIN, y: MARGIN + HEADER };
    let mut out = String::new();
    header(&mut out, diagram, size);
    lines_and_labels(&mut out, diagram, &ports, &placed, origin);
    buses(&mut out, diagram, &placed, &shapes, origin);
    boxes(&mut out, diagram, &contents, &placed, origin);
    legend.draw(&mut out, Point { x: MARGIN, y: origin.y + placed.size.h + LEGEND_GAP });
    out.push_str("</svg>\n");
    out
}

/// One line of text in a box or a label.
#[derive(Debug, Clone, PartialEq)]
struct TextLine {
    text: String,
    size: f64,
    bold: bool,
    /// For the student's note.
    italic: bool,
    fill: &'static str,
}

impl TextLine {
    fn new(text: impl Into<String>, size: f64) -> TextLine {
        TextLine { text: text.into(), size, bold: false, italic: false, fill: INK }
    }

    /// A detail in its aspect's colour; a zone in bold, so that it reads as a tag.
    fn detail(detail: &Detail) -> TextLine {
        TextLine {
            bold: matches!(detail.aspect, Aspect::Zone(_)),
            fill: aspect_colour(detail.aspect).unwrap_or(INK),
            ..TextLine::new(&detail.text, SMALL_SIZE)
        }
    }

    fn width(&self) -> f64 {
        width(&self.text, self.size, self.bold)
    }

    /// The attributes after `x` and `y`: size, weight, style and colour.
    fn attributes(&self) -> String {
        let mut out = format!(r##" font-size="{}""##, num(self.size));
        if self.bold {
            out.push_str(r##" font-weight="bold""##);
        }
        if self.italic {
            out.push_str(r##" font-style="italic""##);
        }
        let _ = write!(out, r##" fill="{}""##, self.fill);
        out
    }
}

/// The texts in a node's box: name, kind, loopbacks, services, the student's part.
fn box_lines(node: &NodeBox) -> Vec<TextLine> {
    let mut lines = vec![
        TextLine { bold: true, ..TextLine::new(&node.name, NAME_SIZE) },
        TextLine::new(&node.kind_name, SMALL_SIZE),
    ];
    lines.extend(node.loopbacks.iter().map(TextLine::detail));
    lines.extend(
        node.services.iter().map(|s| TextLine { fill: SERVICE_COLOUR, ..TextLine::new(s, SMALL_SIZE) }),
    );
    if let Some(builds) = &node.builds {
        lines.extend(wrap(builds, NOTE_WIDTH).into_iter().map(|text| TextLine {
            italic: true,
            fill: STUDENT_COLOUR,
            ..TextLine::new(text, SMALL_SIZE)
        }));
    }
    lines
}

/// The texts at a line's end: the interface's name in bold, then its details.
fn port_lines(port: &Port) -> Vec<TextLine> {
    let mut lines = vec![TextLine { bold: true, ..TextLine::new(&port.interface, SMALL_SIZE) }];
    lines.extend(port.details.iter().map(TextLine::detail));
    lines
}

fn text_height(lines: &[TextLine]) -> f64 {
    lines.iter().map(|l| l.size * LEADING).sum()
}

/// Room above the text for the strip some kinds have.
fn top_pad(kind: NodeKind) -> f64 {
    match kind {
        NodeKind::Firewall | NodeKind::Server | NodeKind::Switch => BOX_PAD_Y + STRIP,
        _ => BOX_PAD_Y,
    }
}

/// How far the sides of a kind's shape curve or slant in.
fn corner(kind: NodeKind, height: f64) -> f64 {
    match kind {
        NodeKind::Router => (height / 2.0).min(22.0),
        NodeKind::Custom => 10.0,
        NodeKind::Host => 8.0,
        _ => 3.0,
    }
}

fn shapes_and_lines(
    diagram: &Diagram,
    contents: &[Vec<TextLine>],
    ports: &[[Vec<TextLine>; 2]],
) -> (Vec<Shape>, Vec<Line>) {
    let mut shapes: Vec<Shape> = diagram
        .boxes
        .iter()
        .zip(contents)
        .map(|(node, lines)| {
            let h = top_pad(node.kind) + text_height(lines) + BOX_PAD_Y;
            let inset = corner(node.kind, h);
            let text = lines.iter().map(TextLine::width).fold(0.0, f64::max);
            Shape {
                bar: false,
                size: Size { w: (text + 2.0 * BOX_PAD_X.max(inset)).max(BOX_MIN_WIDTH), h },
                inset,
                root: node.kind.routes(),
            }
        })
        .collect();
    shapes.extend(diagram.buses.iter().map(|bus| Shape {
        bar: true,
        size: Size { w: bar_text_width(&bus.name, &bus.subnets) + BAR_HEIGHT, h: BAR_HEIGHT },
        inset: 0.0,
        root: false,
    }));
    let index = |v: Vertex| match v {
        Vertex::Node(i) => i,
        Vertex::Bus(i) => diagram.boxes.len() + i,
    };
    let lines = diagram
        .links
        .iter()
        .zip(ports)
        .map(|(link, [pa, pb])| {
            let (a, b) = link.ends();
            Line { a: index(a), b: index(b), label_a: label_size(pa), label_b: label_size(pb) }
        })
        .collect();
    (shapes, lines)
}

/// The room a label's lines take; nothing for a bar's end, which has no label.
fn label_size(lines: &[TextLine]) -> Size {
    let w = lines.iter().map(TextLine::width).fold(0.0, f64::max);
    Size { w, h: lines.len() as f64 * SMALL_SIZE * LEADING }
}

fn bar_text_width(name: &str, subnets: &[String]) -> f64 {
    let rest = bar_subnets(subnets);
    width(name, BAR_TEXT_SIZE, true) + width(&rest, BAR_TEXT_SIZE, false)
}

/// The subnets after a bar's name, with the space that separates them from it.
fn bar_subnets(subnets: &[String]) -> String {
    if subnets.is_empty() { String::new() } else { format!(" {}", subnets.join(", ")) }
}

fn header(out: &mut String, diagram: &Diagram, size: Size) {
    let (w, h) = (num(size.w), num(size.h));
    let _ = writeln!(out, r##"<?xml version="1.0" encoding="UTF-8"?>"##);
    let _ = writeln!(
        out,
        r##"<svg xmlns="http://www.w3.org/2000/svg" version="1.1" width="{w}" height="{h}" viewBox="0 0 {w} {h}" font-family="sans-serif">"##
    );
    let _ = writeln!(out, "<title>{}</title>", xml(&diagram.title));
    out.push_str(DEFS);
    let _ = writeln!(out, r##"<rect width="{w}" height="{h}" fill="#ffffff"/>"##);
    let _ = writeln!(
        out,
        r##"<text x="{}" y="{}" font-size="{}" font-weight="bold" fill="#0f172a">{}</text>"##,
        num(MARGIN),
        num(MARGIN + TITLE_SIZE),
        num(TITLE_SIZE),
        xml(&diagram.title)
    );
    let _ = writeln!(
        out,
        r##"<text x="{}" y="{}" font-size="{}" fill="#475569">{}</text>"##,
        num(MARGIN),
        num(MARGIN + TITLE_SIZE + 8.0 + SUBTITLE_SIZE),
        num(SUBTITLE_SIZE),
        xml(&diagram.subtitle)
    );
}

/// Patterns for the strips on firewalls (bricks) and switches (ports).
const DEFS: &str = r##"<defs>
<pattern id="bricks" width="12" height="7" patternUnits="userSpaceOnUse"><rect width="12" height="7" fill="#b91c1c"/><path d="M0 3.5H12M6 0V3.5M0 3.5V7M12 3.5V7" stroke="#fecaca" stroke-width="1"/></pattern>
<pattern id="ports" width="8" height="7" patternUnits="userSpaceOnUse"><rect width="8" height="7" fill="#6d28d9"/><rect x="2" y="2" width="4" height="3" fill="#ede9fe"/></pattern>
</defs>
"##;

fn lines_and_labels(
    out: &mut String,
    diagram: &Diagram,
    ports: &[[Vec<TextLine>; 2]],
    placed: &Layout,
    origin: Point,
) {
    out.push_str("<g fill=\"none\" stroke=\"");
    out.push_str(LINE_COLOUR);
    out.push_str("\" stroke-width=\"1.6\">\n");
    for (link, route) in diagram.links.iter().zip(&placed.routes) {
        let points: Vec<String> =
            route.points.iter().map(|p| format!("{},{}", num(p.x + origin.x), num(p.y + origin.y))).collect();
        let (a, b) = link.ends();
        let tint = match link {
            Link::Cable { zone: Some(zone), .. } => {
                format!(r##" stroke="{}" stroke-width="{}""##, zone_colour(*zone), num(ZONE_STROKE))
            }
            _ => String::new(),
        };
        let _ = writeln!(
            out,
            r##"<polyline points="{}"{tint}><title>{}</title></polyline>"##,
            points.join(" "),
            xml(&link_title(diagram, link, a, b))
        );
    }
    out.push_str("</g>\n<g>\n");
    for ([la, lb], route) in ports.iter().zip(&placed.routes) {
        for (lines, rect) in [(la, route.label_a), (lb, route.label_b)] {
            if let Some(rect) = rect.filter(|_| !lines.is_empty()) {
                port_label(out, lines, shift(rect, origin));
            }
        }
    }
    out.push_str("</g>\n");
}

/// A tooltip for a line: what it joins.
fn link_title(diagram: &Diagram, link: &Link, a: Vertex, b: Vertex) -> String {
    match link {
        Link::Cable { a, b, .. } => format!(
            "{}:{} -- {}:{}",
            diagram.boxes[a.node].name, a.interface, diagram.boxes[b.node].name, b.interface
        ),
        Link::Drop { port, .. } => words::member_of(
            &format!("{}:{}", diagram.name(b), port.interface),
            diagram.name(a),
            diagram.lang,
        ),
    }
}

fn shift(rect: Rect, origin: Point) -> Rect {
    Rect { x: rect.x + origin.x, y: rect.y + origin.y, ..rect }
}

/// An interface label: its name in bold, then its details, on a white ground.
fn port_label(out: &mut String, lines: &[TextLine], rect: Rect) {
    let _ = writeln!(
        out,
        r##"<rect x="{}" y="{}" width="{}" height="{}" fill="#ffffff" fill-opacity="0.85"/>"##,
        num(rect.x - 1.0),
        num(rect.y),
        num(rect.w + 2.0),
        num(rect.h)
    );
    for (i, line) in lines.iter().enumerate() {
        let baseline = rect.y + (i as f64 + 1.0) * SMALL_SIZE * LEADING - 3.0;
        let _ = writeln!(
            out,
            r##"<text x="{}" y="{}"{}>{}</text>"##,
            num(rect.x),
            num(baseline),
            line.attributes(),
            xml(&line.text)
        );
    }
}

fn buses(out: &mut String, diagram: &Diagram, placed: &Layout, shapes: &[Shape], origin: Point) {
    out.push_str("<g>\n");
    let first = diagram.boxes.len();
    for (i, bus) in diagram.buses.iter().enumerate() {
        debug_assert!(shapes[first + i].bar);
        let rect = shift(placed.shapes[first + i], origin);
        let fill = bus.zone.map_or(LINE_COLOUR, zone_colour);
        let _ = writeln!(
            out,
            r##"<rect x="{}" y="{}" width="{}" height="{}" rx="{}" fill="{fill}"/>"##,
            num(rect.x),
            num(rect.y),
            num(rect.w),
            num(rect.h),
            num(rect.h / 2.0)
        );
        let _ = writeln!(
            out,
            r##"<text x="{}" y="{}" font-size="{}" fill="#ffffff" text-anchor="middle"><tspan font-weight="bold">{}</tspan>{}</text>"##,
            num(rect.x + rect.w / 2.0),
            num(rect.y + rect.h / 2.0 + BAR_TEXT_SIZE * 0.35),
            num(BAR_TEXT_SIZE),
            xml(&bus.name),
            xml(&bar_subnets(&bus.subnets))
        );
    }
    out.push_str("</g>\n");
}

fn boxes(out: &mut String, diagram: &Diagram, contents: &[Vec<TextLine>], placed: &Layout, origin: Point) {
    for (i, (node, lines)) in diagram.boxes.iter().zip(contents).enumerate() {
        let rect = shift(placed.shapes[i], origin);
        // Named, so that a page can show each node's live state on the drawing.
        let _ = writeln!(out, r##"<g class="node" data-node="{}">"##, xml(&node.name));
        shape(out, node.kind, rect, node.builds.is_some());
        let mut y = rect.y + top_pad(node.kind);
        let cx = num(rect.x + rect.w / 2.0);
        for line in lines {
            let baseline = y + line.size * (LEADING - 0.3) + 1.0;
            let _ = writeln!(
                out,
                r##"<text x="{cx}" y="{}" text-anchor="middle"{}>{}</text>"##,
                num(baseline),
                line.attributes(),
                xml(&line.text)
            );
            y += line.size * LEADING;
        }
        let _ = writeln!(out, "</g>");
    }
}

/// A kind's shape filling `rect`: a pill for routers, an octagon for custom images,
/// a rounded box for hosts, and a box with a strip for firewalls (bricks), servers and
/// switches (ports). Nodes the student builds get a dashed outline.
fn shape(out: &mut String, kind: NodeKind, rect: Rect, student: bool) {
    let (fill, stroke) = colours(kind);
    let dash = if student {
        format!(r##" stroke-width="2.5" stroke-dasharray="7 4" stroke="{STUDENT_COLOUR}""##)
    } else {
        format!(r##" stroke-width="1.5" stroke="{stroke}""##)
    };
    let c = corner(kind, rect.h);
    match kind {
        NodeKind::Custom => {
            let (x0, y0, x1, y1) = (rect.x, rect.y, rect.right(), rect.bottom());
            let points = [
                (x0 + c, y0),
                (x1 - c, y0),
                (x1, y0 + c),
                (x1, y1 - c),
                (x1 - c, y1),
                (x0 + c, y1),
                (x0, y1 - c),
                (x0, y0 + c),
            ]
            .map(|(x, y)| format!("{},{}", num(x), num(y)));
            let _ = writeln!(out, r##"<polygon points="{}" fill="{fill}"{dash}/>"##, points.join(" "));
        }
        _ => {
            let _ = writeln!(
                out,
                r##"<rect x="{}" y="{}" width="{}" height="{}" rx="{}" fill="{fill}"{dash}/>"##,
                num(rect.x),
                num(rect.y),
                num(rect.w),
                num(rect.h),
                num(c)
            );
        }
    }
    let strip = match kind {
        NodeKind::Firewall => Some("url(#bricks)"),
        NodeKind::Server => Some("#15803d"),
        NodeKind::Switch => Some("url(#ports)"),
        _ => None,
    };
    if let Some(strip) = strip {
        // The strip sits just inside the outline, so a dashed outline stays visible.
        let _ = writeln!(
            out,
            r##"<rect x="{}" y="{}" width="{}" height="{}" fill="{strip}"/>"##,
            num(rect.x + 2.0),
            num(rect.y + 2.0),
            num(rect.w - 4.0),
            num(STRIP)
        );
    }
}

/// The key under the drawing: the diagram's legend, each entry with its mark.
struct Legend<'d> {
    items: &'d [super::diagram::LegendItem],
    /// Where each item starts, relative to the legend's top-left corner.
    places: Vec<Point>,
    width: f64,
    height: f64,
}

/// How wide the legend may grow before it wraps.
const LEGEND_WIDTH: f64 = 640.0;
const LEGEND_ROW: f64 = 28.0;
const LEGEND_TEXT: f64 = 12.0;
/// The size of a word shown as a mark (`OSPF`, `NAT`, `http`).
const LEGEND_WORD: f64 = 10.0;

impl<'d> Legend<'d> {
    fn new(diagram: &'d Diagram) -> Legend<'d> {
        let items = &diagram.legend.items[..];
        let mut places = Vec::new();
        let (mut x, mut y, mut widest) = (0.0_f64, 0.0, 0.0_f64);
        for item in items {
            let w = SWATCH.w + 8.0 + width(&item.text, LEGEND_TEXT, false);
            if x > 0.0 && x + w > LEGEND_WIDTH {
                x = 0.0;
                y += LEGEND_ROW;
            }
            places.push(Point { x, y });
            widest = widest.max(x + w);
            x += w + 24.0;
        }
        let height = if items.is_empty() { 0.0 } else { y + SWATCH.h };
        Legend { items, places, width: widest, height }
    }

    fn draw(&self, out: &mut String, at: Point) {
        let _ = writeln!(out, r##"<g font-size="{}" fill="{INK}">"##, num(LEGEND_TEXT));
        for (item, place) in self.items.iter().zip(&self.places) {
            let rect = Rect { x: at.x + place.x, y: at.y + place.y, w: SWATCH.w, h: SWATCH.h };
            swatch(out, &item.key, rect);
            let _ = writeln!(
                out,
                r##"<text x="{}" y="{}">{}</text>"##,
                num(rect.right() + 8.0),
                num(rect.y + SWATCH.h / 2.0 + LEGEND_TEXT * 0.35),
                xml(&item.text)
            );
        }
        out.push_str("</g>\n");
    }
}

/// The mark of a legend entry, drawn as it appears in the drawing.
fn swatch(out: &mut String, key: &Key, rect: Rect) {
    let mid = rect.y + rect.h / 2.0;
    let line = |out: &mut String, colour: &str, stroke: f64| {
        let _ = writeln!(
            out,
            r##"<line x1="{}" y1="{}" x2="{}" y2="{}" stroke="{colour}" stroke-width="{}"/>"##,
            num(rect.x),
            num(mid),
            num(rect.right()),
            num(mid),
            num(stroke)
        );
    };
    let word = |out: &mut String, text: &str, colour: &str| {
        let _ = writeln!(
            out,
            r##"<text x="{}" y="{}" font-size="{}" font-weight="bold" text-anchor="middle" fill="{colour}">{}</text>"##,
            num(rect.x + rect.w / 2.0),
            num(mid + LEGEND_WORD * 0.35),
            num(LEGEND_WORD),
            xml(text)
        );
    };
    match key {
        Key::Kind(kind) => shape(out, *kind, rect, false),
        Key::Bus => {
            let _ = writeln!(
                out,
                r##"<rect x="{}" y="{}" width="{}" height="10" rx="5" fill="{LINE_COLOUR}"/>"##,
                num(rect.x),
                num(mid - 5.0),
                num(rect.w)
            );
        }
        Key::Student => {
            let _ = writeln!(
                out,
                r##"<rect x="{}" y="{}" width="{}" height="{}" rx="3" fill="#ffffff" stroke="{STUDENT_COLOUR}" stroke-width="2.5" stroke-dasharray="7 4"/>"##,
                num(rect.x),
                num(rect.y),
                num(rect.w),
                num(rect.h)
            );
        }
        Key::Cable => line(out, LINE_COLOUR, 1.6),
        Key::Zone(zone) => line(out, zone_colour(*zone), ZONE_STROKE),
        Key::Nat => word(out, "NAT", NAT_COLOUR),
        Key::Ospf => word(out, "OSPF", OSPF_COLOUR),
        Key::Services(name) => word(out, name, SERVICE_COLOUR),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::graph::diagram::{Bus, Legend, LegendItem};

    /// A diagram whose every text holds markup.
    fn awkward() -> Diagram {
        let port = |node: usize| Port {
            node,
            interface: "eth<1>".into(),
            details: vec![
                Detail { text: "10.0.0.1/24 & \"more\"".into(), aspect: Aspect::Plain },
                Detail { text: "zone <lan>".into(), aspect: Aspect::Zone(0) },
            ],
        };
        let legend = Legend {
            title: "Legend".into(),
            items: vec![LegendItem { key: Key::Zone(0), text: "firewall zone <lan>".into() }],
        };
        Diagram {
            lang: crate::design::Lang::En,
            title: "<script>alert('x')</script> & co".into(),
            subtitle: "lab a&b".into(),
            boxes: vec![
                NodeBox {
                    name: "r<1>".into(),
                    kind: NodeKind::Router,
                    kind_name: "router".into(),
                    loopbacks: vec![Detail { text: "lo 10.255.0.1/32".into(), aspect: Aspect::Plain }],
                    services: vec!["dns a&b.local".into()],
                    builds: Some("student builds: ospf & \"routes\"".into()),
                },
                NodeBox {
                    name: "pc&1".into(),
                    kind: NodeKind::Host,
                    kind_name: "host".into(),
                    loopbacks: Vec::new(),
                    services: Vec::new(),
                    builds: None,
                },
            ],
            buses: vec![Bus { name: "lan<a>".into(), subnets: vec!["10.0.0.0/24".into()], zone: Some(0) }],
            links: vec![Link::Drop { bus: 0, port: port(0) }, Link::Drop { bus: 0, port: port(1) }],
            legend,
        }
    }

    #[test]
    fn every_text_is_escaped_and_the_svg_stays_well_formed() {
        let svg = draw(&awkward());
        assert!(!svg.contains("<script>"));
        let doc = roxmltree::Document::parse(&svg).expect("well-formed");
        let texts: Vec<String> = doc
            .descendants()
            .filter(|n| n.has_tag_name("text"))
            .map(|n| n.descendants().filter(|d| d.is_text()).filter_map(|d| d.text()).collect())
            .collect();
        for wanted in [
            "<script>alert('x')</script> & co",
            "r<1>",
            "pc&1",
            "eth<1>",
            "10.0.0.1/24 & \"more\"",
            "zone <lan>",
            "dns a&b.local",
            "firewall zone <lan>",
            "lan<a> 10.0.0.0/24",
        ] {
            assert!(texts.iter().any(|t| t == wanted), "{wanted} missing");
        }
    }

    #[test]
    fn the_same_diagram_draws_the_same_bytes() {
        assert_eq!(draw(&awkward()), draw(&awkward()));
    }

    #[test]
    fn the_svg_says_its_size_and_font() {
        let svg = draw(&awkward());
        let doc = roxmltree::Document::parse(&svg).expect("well-formed");
        let root = doc.root_element();
        let w = root.attribute("width").expect("width");
        let h = root.attribute("height").expect("height");
        assert_eq!(root.attribute("viewBox"), Some(format!("0 0 {w} {h}").as_str()));
        assert_eq!(root.attribute("font-family"), Some("sans-serif"));
    }
}
