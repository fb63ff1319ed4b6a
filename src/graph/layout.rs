//! Where everything goes: a layered drawing of boxes, bars and the lines between them.
//!
//! Each connected part of the graph is drawn on its own, the parts side by side:
//!
//! 1. Rows: distances from a root (the first router or firewall), a cable counting two
//!    steps and a bar member one, so that a shared segment gets a row of its own between
//!    the router above it and the hosts below it.
//! 2. Order within rows: barycentre sweeps, keeping the order with the fewest crossings.
//!    A line that skips a row passes it through a thin placeholder, so it never runs
//!    through a bar.
//! 3. Horizontal places: each row is packed as close as its order and gaps allow to the
//!    mean of its neighbours (least squares, by pool-adjacent-violators).
//! 4. Ports: every line end gets its own place along its box's top or bottom edge, wide
//!    enough for its label, so a box grows with its labels and labels never meet.
//! 5. Vertical places: bands above and below each row hold the labels; lines run straight
//!    up and down through the bands and only go slanted in the gaps between them, so no
//!    line crosses a label.

use std::cmp::Reverse;
use std::collections::BinaryHeap;

/// A width and a height.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct Size {
    pub w: f64,
    pub h: f64,
}

/// A point; y grows downwards, as in SVG.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Point {
    pub x: f64,
    pub y: f64,
}

/// A rectangle by its top-left corner and size.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Rect {
    pub x: f64,
    pub y: f64,
    pub w: f64,
    pub h: f64,
}

impl Rect {
    pub fn right(&self) -> f64 {
        self.x + self.w
    }

    pub fn bottom(&self) -> f64 {
        self.y + self.h
    }

    /// Whether the insides of two rectangles meet (touching edges do not count).
    #[cfg(test)]
    pub fn overlaps(&self, other: &Rect) -> bool {
        self.x < other.right() && other.x < self.right() && self.y < other.bottom() && other.y < self.bottom()
    }
}

/// A box or bar to place.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Shape {
    /// A bar (a shared segment) rather than a box: it has no ports of its own and is
    /// stretched to reach its members.
    pub bar: bool,
    /// The room the shape's own texts need.
    pub size: Size,
    /// How far from the left and right edges ports must stay, for rounded shapes.
    pub inset: f64,
    /// Whether the shape should be the top of its part of the drawing.
    pub root: bool,
}

/// A line to draw between shapes `a` and `b`, with the size of the label at each end
/// (bars take no labels).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Line {
    pub a: usize,
    pub b: usize,
    pub label_a: Size,
    pub label_b: Size,
}

/// The placed drawing. Coordinates start at (0, 0).
#[derive(Debug, Clone, PartialEq)]
pub struct Layout {
    pub size: Size,
    /// One rectangle per shape, in the order given.
    pub shapes: Vec<Rect>,
    /// One route per line, in the order given.
    pub routes: Vec<Route>,
}

/// How a line runs, and where its labels go.
#[derive(Debug, Clone, PartialEq)]
pub struct Route {
    /// From end `a` to end `b`.
    pub points: Vec<Point>,
    /// The rectangle for the label at end `a`, if it has one.
    pub label_a: Option<Rect>,
    pub label_b: Option<Rect>,
}

/// Space left of a port in its place along the edge.
const PORT_LEAD: f64 = 6.0;
/// Space between a port's line and its label.
const LABEL_LEAD: f64 = 5.0;
/// Space after a label before the next port's place.
const PORT_TRAIL: f64 = 10.0;
/// Space between a box's edge and the labels beside it.
const LABEL_GAP: f64 = 3.0;
/// How far a line runs straight beyond the labels before it may slant.
const STUB: f64 = 8.0;
/// The least vertical gap between two rows' label bands.
const ROW_GAP: f64 = 40.0;
/// Space between lines that run along under a row to a box in the same row.
const CHANNEL_GAP: f64 = 10.0;
/// Space between boxes side by side.
const BOX_GAP: f64 = 36.0;
/// Space beside a line that passes through a row.
const PASS_GAP: f64 = 14.0;
/// The width a passing line takes in its row.
const PASS_WIDTH: f64 = 4.0;
/// How far a bar reaches past its outermost members.
const BAR_REACH: f64 = 12.0;
/// Space between unconnected parts of the drawing.
const PART_GAP: f64 = 60.0;
/// Ordering sweeps; small graphs settle in a few.
const SWEEPS: usize = 12;

/// Places the shapes and routes the lines. The same input always gives the same layout.
pub fn layout(shapes: &[Shape], lines: &[Line]) -> Layout {
    let adjacency = adjacency(shapes.len(), lines);
    let mut placed = Layout {
        size: Size::default(),
        shapes: vec![Rect { x: 0.0, y: 0.0, w: 0.0, h: 0.0 }; shapes.len()],
        routes: vec![Route { points: Vec::new(), label_a: None, label_b: None }; lines.len()],
    };
    let mut left = 0.0;
    for members in components(&adjacency) {
        let part = Part::new(shapes, lines, &adjacency, &members);
        let (width, height) = part.draw(left, &mut placed);
        left += width + PART_GAP;
        placed.size.w = left - PART_GAP;
        placed.size.h = placed.size.h.max(height);
    }
    placed
}

/// For every shape, its lines and the shape at their other end, in line order.
fn adjacency(count: usize, lines: &[Line]) -> Vec<Vec<(usize, usize)>> {
    let mut adjacency = vec![Vec::new(); count];
    for (i, line) in lines.iter().enumerate() {
        adjacency[line.a].push((i, line.b));
        if line.a != line.b {
            adjacency[line.b].push((i, line.a));
        }
    }
    adjacency
}

/// The connected parts, each in the order its shapes were found, the parts in the order
/// of their first shape.
fn components(adjacency: &[Vec<(usize, usize)>]) -> Vec<Vec<usize>> {
    let mut seen = vec![false; adjacency.len()];
    let mut parts = Vec::new();
    for start in 0..adjacency.len() {
        if seen[start] {
            continue;
        }
        seen[start] = true;
        let mut members = vec![start];
        let mut next = 0;
        while next < members.len() {
            for &(_, other) in &adjacency[members[next]] {
                if !seen[other] {
                    seen[other] = true;
                    members.push(other);
                }
            }
            next += 1;
        }
        parts.push(members);
    }
    parts
}

/// What stands in one place of a row.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Slot {
    Shape(usize),
    /// A line passing through a row it has no end in.
    Pass,
}

/// Which side of its box a line end leaves from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Side {
    Top,
    Bottom,
}

/// One line end at a box, once places are known.
#[derive(Debug, Clone, Copy)]
struct End {
    line: usize,
    /// Whether this is the line's `a` end.
    is_a: bool,
    side: Side,
    label: Size,
    /// The slot of the next point along the line, for ordering ports.
    toward: usize,
}

/// One connected part, laid out on its own.
struct Part<'a> {
    shapes: &'a [Shape],
    lines: &'a [Line],
    /// What each slot holds; shapes' slots first.
    slots: Vec<Slot>,
    /// The slot of each shape of the part.
    slot_of: Vec<Option<usize>>,
    row_of: Vec<usize>,
    rows: Vec<Vec<usize>>,
    /// Neighbouring slots in the row above and below, with the line to each.
    up: Vec<Vec<(usize, usize)>>,
    down: Vec<Vec<(usize, usize)>>,
    /// Every line between rows as the slots it passes, top first, and whether it runs
    /// from `b` at the top to `a` at the bottom.
    chains: Vec<(usize, Vec<usize>, bool)>,
    /// Lines between two boxes in the same row.
    level: Vec<usize>,
    /// Every box's line ends.
    ends: Vec<Vec<End>>,
    width: Vec<f64>,
    x: Vec<f64>,
    /// For every line, where its `a` and `b` ends leave their boxes, from the boxes'
    /// centres.
    offsets: Vec<[f64; 2]>,
}

impl<'a> Part<'a> {
    fn new(
        shapes: &'a [Shape],
        lines: &'a [Line],
        adjacency: &[Vec<(usize, usize)>],
        members: &[usize],
    ) -> Part<'a> {
        let (rank, found) = ranks(shapes, lines, adjacency, members);
        let mut part = Part {
            shapes,
            lines,
            slots: Vec::new(),
            slot_of: vec![None; shapes.len()],
            row_of: Vec::new(),
            rows: Vec::new(),
            up: Vec::new(),
            down: Vec::new(),
            chains: Vec::new(),
            level: Vec::new(),
            ends: Vec::new(),
            width: Vec::new(),
            x: Vec::new(),
            offsets: vec![[0.0; 2]; lines.len()],
        };
        part.make_rows(&rank, &found);
        part.make_chains(adjacency, &found);
        part.order();
        part.make_ends();
        part.width = (0..part.slots.len()).map(|s| part.slot_width(s)).collect();
        part.place_x();
        part
    }

    /// Puts each shape in the row of its rank, in the order shapes were found; ranks no
    /// shape has are left out.
    fn make_rows(&mut self, rank: &[usize], found: &[usize]) {
        let mut used: Vec<usize> = found.iter().map(|&s| rank[s]).collect();
        used.sort_unstable();
        used.dedup();
        self.rows = vec![Vec::new(); used.len()];
        for &shape in found {
            let row = used.binary_search(&rank[shape]).expect("every rank is used");
            self.add_slot(Slot::Shape(shape), row);
            self.slot_of[shape] = Some(self.slots.len() - 1);
        }
    }

    fn add_slot(&mut self, slot: Slot, row: usize) -> usize {
        let id = self.slots.len();
        self.slots.push(slot);
        self.row_of.push(row);
        self.rows[row].push(id);
        self.up.push(Vec::new());
        self.down.push(Vec::new());
        id
    }

    /// Turns every line of the part into a chain of slots, one per row it spans.
    fn make_chains(&mut self, adjacency: &[Vec<(usize, usize)>], found: &[usize]) {
        let mut lines: Vec<usize> =
            found.iter().flat_map(|&s| adjacency[s].iter().map(|&(line, _)| line)).collect();
        lines.sort_unstable();
        lines.dedup();
        for line in lines {
            let Line { a, b, .. } = self.lines[line];
            let (sa, sb) = (self.slot_of[a].expect("in part"), self.slot_of[b].expect("in part"));
            let (ra, rb) = (self.row_of[sa], self.row_of[sb]);
            if ra == rb {
                self.level.push(line);
                continue;
            }
            let flipped = rb < ra;
            let (top, bottom) = if flipped { (sb, sa) } else { (sa, sb) };
            let mut chain = vec![top];
            for row in self.row_of[top] + 1..self.row_of[bottom] {
                chain.push(self.add_slot(Slot::Pass, row));
            }
            chain.push(bottom);
            for pair in chain.windows(2) {
                self.down[pair[0]].push((pair[1], line));
                self.up[pair[1]].push((pair[0], line));
            }
            self.chains.push((line, chain, flipped));
        }
    }

    /// Orders every row by barycentre sweeps, keeping the order with fewest crossings.
    fn order(&mut self) {
        let mut best = self.rows.clone();
        let mut fewest = self.crossings();
        for sweep in 0..SWEEPS {
            let downwards = sweep % 2 == 0;
            let rows: Vec<usize> = if downwards {
                (1..self.rows.len()).collect()
            } else {
                (0..self.rows.len().saturating_sub(1)).rev().collect()
            };
            for row in rows {
                self.sort_row(row, downwards);
            }
            let crossings = self.crossings();
            if crossings < fewest {
                fewest = crossings;
                best = self.rows.clone();
            }
        }
        self.rows = best;
    }

    /// Sorts one row by the mean position of each slot's neighbours in the row above
    /// (or below); a slot without such neighbours keeps its position.
    fn sort_row(&mut self, row: usize, by_row_above: bool) {
        let position = self.positions();
        let mut keyed: Vec<(f64, usize)> = self.rows[row]
            .iter()
            .map(|&slot| {
                let neighbours = if by_row_above { &self.up[slot] } else { &self.down[slot] };
                let key = mean(neighbours.iter().map(|&(n, _)| position[n] as f64))
                    .unwrap_or(position[slot] as f64);
                (key, slot)
            })
            .collect();
        keyed.sort_by(|p, q| p.0.total_cmp(&q.0));
        self.rows[row] = keyed.into_iter().map(|(_, slot)| slot).collect();
    }

    /// Each slot's index within its row.
    fn positions(&self) -> Vec<usize> {
        let mut position = vec![0; self.slots.len()];
        for row in &self.rows {
            for (i, &slot) in row.iter().enumerate() {
                position[slot] = i;
            }
        }
        position
    }

    /// How many pairs of lines cross between consecutive rows.
    fn crossings(&self) -> usize {
        let position = self.positions();
        let mut count = 0;
        for row in &self.rows {
            let pairs: Vec<(usize, usize)> = row
                .iter()
                .flat_map(|&s| self.down[s].iter().map(move |&(d, _)| (s, d)))
                .map(|(s, d)| (position[s], position[d]))
                .collect();
            for (i, p) in pairs.iter().enumerate() {
                count += pairs[i + 1..]
                    .iter()
                    .filter(|q| (p.0 < q.0 && p.1 > q.1) || (p.0 > q.0 && p.1 < q.1))
                    .count();
            }
        }
        count
    }

    /// Collects the line ends at every box: a line to the row above leaves from the top,
    /// any other from the bottom (a line within a row runs along underneath it).
    fn make_ends(&mut self) {
        self.ends = vec![Vec::new(); self.slots.len()];
        for (line, chain, flipped) in &self.chains {
            let Line { label_a, label_b, .. } = self.lines[*line];
            let (top_label, bottom_label) = if *flipped { (label_b, label_a) } else { (label_a, label_b) };
            let (top, bottom) = (chain[0], chain[chain.len() - 1]);
            self.ends[top].push(End {
                line: *line,
                is_a: !flipped,
                side: Side::Bottom,
                label: top_label,
                toward: chain[1],
            });
            self.ends[bottom].push(End {
                line: *line,
                is_a: *flipped,
                side: Side::Top,
                label: bottom_label,
                toward: chain[chain.len() - 2],
            });
        }
        for &line in &self.level {
            let Line { a, b, label_a, label_b } = self.lines[line];
            let (sa, sb) = (self.slot_of[a].expect("in part"), self.slot_of[b].expect("in part"));
            self.ends[sa].push(End { line, is_a: true, side: Side::Bottom, label: label_a, toward: sb });
            self.ends[sb].push(End { line, is_a: false, side: Side::Bottom, label: label_b, toward: sa });
        }
    }

    /// The width a slot takes in its row: a box is as wide as its texts, and as the
    /// labels of its ports side by side on its busiest edge.
    fn slot_width(&self, slot: usize) -> f64 {
        let Slot::Shape(shape) = self.slots[slot] else {
            return PASS_WIDTH;
        };
        let shape = self.shapes[shape];
        if shape.bar {
            return shape.size.w;
        }
        let edge = |side: Side| -> f64 {
            self.ends[slot].iter().filter(|e| e.side == side).map(|e| port_width(e.label)).sum()
        };
        let ports = edge(Side::Top).max(edge(Side::Bottom));
        shape.size.w.max(ports + 2.0 * shape.inset)
    }

    /// The least distance between the centres of two neighbouring slots.
    fn separation(&self, left: usize, right: usize) -> f64 {
        let gap = if self.slots[left] == Slot::Pass || self.slots[right] == Slot::Pass {
            PASS_GAP
        } else {
            BOX_GAP
        };
        (self.width[left] + self.width[right]) / 2.0 + gap
    }

    /// Places every slot's centre: rows packed tight first, then pulled so that lines
    /// run straight to their neighbours above, below, and finally both. Ports are placed
    /// again between rounds, since their order follows where their lines go.
    fn place_x(&mut self) {
        self.x = vec![0.0; self.slots.len()];
        for row in 0..self.rows.len() {
            self.pack_row(row, |_, _| None);
        }
        let up = self.up.clone();
        let down = self.down.clone();
        for _ in 0..3 {
            self.place_ports();
            for _ in 0..SWEEPS / 3 {
                for row in 1..self.rows.len() {
                    self.pack_row(row, |part, slot| part.straight_x(slot, &up[slot]));
                }
                for row in (0..self.rows.len().saturating_sub(1)).rev() {
                    self.pack_row(row, |part, slot| part.straight_x(slot, &down[slot]));
                }
            }
        }
        self.place_ports();
        for _ in 0..2 {
            for row in 0..self.rows.len() {
                self.pack_row(row, |part, slot| {
                    let both: Vec<(usize, usize)> = up[slot].iter().chain(&down[slot]).copied().collect();
                    part.straight_x(slot, &both)
                });
            }
        }
        self.place_ports();
    }

    /// Where a slot's centre would make its lines to `neighbours` run straight, on
    /// average.
    fn straight_x(&self, slot: usize, neighbours: &[(usize, usize)]) -> Option<f64> {
        mean(neighbours.iter().map(|&(n, line)| self.x[n] + self.offset(n, line) - self.offset(slot, line)))
    }

    /// How far from a slot's centre a line leaves it: its port on a box; a bar or a
    /// passing line can meet a line anywhere, so there it is the centre.
    fn offset(&self, slot: usize, line: usize) -> f64 {
        match self.slots[slot] {
            Slot::Shape(shape) if !self.shapes[shape].bar => {
                let is_a = self.lines[line].a == shape;
                self.offsets[line][usize::from(!is_a)]
            }
            _ => 0.0,
        }
    }

    /// Moves one row's slots as close to where `want` asks as their order and
    /// separations allow; a slot `want` says nothing about stays where it is.
    fn pack_row(&mut self, row: usize, want: impl Fn(&Part, usize) -> Option<f64>) {
        let slots = &self.rows[row];
        let wanted: Vec<f64> = slots.iter().map(|&s| want(self, s).unwrap_or(self.x[s])).collect();
        let gaps: Vec<f64> = slots.windows(2).map(|p| self.separation(p[0], p[1])).collect();
        let placed = pack(&wanted, &gaps);
        for (&slot, x) in self.rows[row].clone().iter().zip(placed) {
            self.x[slot] = x;
        }
    }

    /// Lays out the part's rows from the top, writes every shape's rectangle and every
    /// line's route into `out` shifted right by `left`, and returns the part's size.
    fn draw(&self, left: f64, out: &mut Layout) -> (f64, f64) {
        let rows = self.row_bands();
        let bars = self.bar_extents();
        let min_x = (0..self.slots.len())
            .map(|s| bars[s].map_or(self.x[s] - self.width[s] / 2.0, |(l, _)| l))
            .fold(f64::INFINITY, f64::min);
        let max_x = (0..self.slots.len())
            .map(|s| bars[s].map_or(self.x[s] + self.width[s] / 2.0, |(_, r)| r))
            .fold(f64::NEG_INFINITY, f64::max);
        let shift = left - min_x;
        let geometry = Geometry { part: self, rows: &rows, bars: &bars, shift };
        for (slot, &kind) in self.slots.iter().enumerate() {
            if let Slot::Shape(shape) = kind {
                out.shapes[shape] = geometry.rect(slot);
            }
        }
        for (line, chain, flipped) in &self.chains {
            out.routes[*line] = geometry.chain_route(*line, chain, *flipped);
        }
        for (i, &line) in self.level.iter().enumerate() {
            out.routes[line] = geometry.level_route(line, i);
        }
        let height = rows.last().map_or(0.0, |r| r.bottom);
        (max_x - min_x, height)
    }

    /// The vertical bands of every row, top to bottom.
    fn row_bands(&self) -> Vec<RowBand> {
        let mut bands = Vec::with_capacity(self.rows.len());
        let mut y: f64 = 0.0;
        for (r, row) in self.rows.iter().enumerate() {
            let band = |side: Side| {
                row.iter()
                    .flat_map(|&s| self.ends[s].iter())
                    .filter(|e| e.side == side)
                    .map(|e| e.label.h + LABEL_GAP + STUB)
                    .fold(0.0, f64::max)
            };
            let height = row
                .iter()
                .filter_map(|&s| match self.slots[s] {
                    Slot::Shape(shape) => Some(self.shapes[shape].size.h),
                    Slot::Pass => None,
                })
                .fold(0.0, f64::max);
            let channels = self
                .level
                .iter()
                .filter(|&&l| self.row_of[self.slot_of[self.lines[l].a].expect("in part")] == r)
                .count() as f64;
            if r > 0 {
                y += ROW_GAP;
            }
            let above = y;
            let top = above + band(Side::Top);
            let below = top + height + band(Side::Bottom);
            let bottom = below + channels * CHANNEL_GAP;
            bands.push(RowBand { above, top, below, bottom });
            y = bottom;
        }
        bands
    }

    /// Spreads each box's line ends along its edge in the order of where their lines
    /// go, so they do not cross just outside the box, each taking the room of its label.
    fn place_ports(&mut self) {
        for slot in 0..self.slots.len() {
            for side in [Side::Top, Side::Bottom] {
                let mut ends: Vec<End> = self.ends[slot].iter().filter(|e| e.side == side).copied().collect();
                ends.sort_by(|p, q| self.x[p.toward].total_cmp(&self.x[q.toward]).then(p.line.cmp(&q.line)));
                let total: f64 = ends.iter().map(|e| port_width(e.label)).sum();
                let mut offset = -total / 2.0;
                for end in ends {
                    self.offsets[end.line][usize::from(!end.is_a)] = offset + PORT_LEAD;
                    offset += port_width(end.label);
                }
            }
        }
    }

    /// Where a line end leaves its box.
    fn port_x(&self, line: usize, is_a: bool) -> f64 {
        let Line { a, b, .. } = self.lines[line];
        let shape = if is_a { a } else { b };
        let slot = self.slot_of[shape].expect("in part");
        self.x[slot] + self.offsets[line][usize::from(!is_a)]
    }

    /// How far each bar reaches: over its text and its members' ports, but never into
    /// its neighbours in the row.
    fn bar_extents(&self) -> Vec<Option<(f64, f64)>> {
        let mut extents: Vec<Option<(f64, f64)>> = vec![None; self.slots.len()];
        for row in &self.rows {
            for (i, &slot) in row.iter().enumerate() {
                let Slot::Shape(shape) = self.slots[slot] else {
                    continue;
                };
                if !self.shapes[shape].bar {
                    continue;
                }
                let half = self.width[slot] / 2.0;
                let (mut l, mut r) = (self.x[slot] - half, self.x[slot] + half);
                for x in self.member_xs(slot) {
                    l = l.min(x - BAR_REACH);
                    r = r.max(x + BAR_REACH);
                }
                if let Some(&prev) = i.checked_sub(1).and_then(|p| row.get(p)) {
                    let prev_right = extents[prev].map_or(self.x[prev] + self.width[prev] / 2.0, |e| e.1);
                    l = l.max(prev_right + self.gap(prev, slot));
                }
                if let Some(&next) = row.get(i + 1) {
                    r = r.min(self.x[next] - self.width[next] / 2.0 - self.gap(slot, next));
                }
                extents[slot] = Some((l.min(self.x[slot] - half), r.max(self.x[slot] + half)));
            }
        }
        extents
    }

    fn gap(&self, left: usize, right: usize) -> f64 {
        self.separation(left, right) - (self.width[left] + self.width[right]) / 2.0
    }

    /// The x where each line at a bar comes from: its port, or the passing line's place.
    fn member_xs(&self, bar: usize) -> Vec<f64> {
        self.chains
            .iter()
            .filter_map(|(line, chain, flipped)| {
                let last = chain.len() - 1;
                let (near, bar_is_a) = if chain[0] == bar {
                    (chain[1], !flipped)
                } else if chain[last] == bar {
                    (chain[last - 1], *flipped)
                } else {
                    return None;
                };
                match self.slots[near] {
                    Slot::Pass => Some(self.x[near]),
                    Slot::Shape(_) => Some(self.port_x(*line, !bar_is_a)),
                }
            })
            .collect()
    }
}

/// The room one port takes along an edge: the line, then its label.
fn port_width(label: Size) -> f64 {
    PORT_LEAD + LABEL_LEAD + label.w + PORT_TRAIL
}

/// The vertical extent of one row: `above` to `top` holds the labels over its boxes,
/// `top` is where its boxes start, labels under them end by `below`, and lines within the
/// row run between `below` and `bottom`.
#[derive(Debug, Clone, Copy)]
struct RowBand {
    above: f64,
    top: f64,
    below: f64,
    bottom: f64,
}

/// Everything needed to turn slots into coordinates.
struct Geometry<'p> {
    part: &'p Part<'p>,
    rows: &'p [RowBand],
    bars: &'p [Option<(f64, f64)>],
    shift: f64,
}

impl Geometry<'_> {
    fn rect(&self, slot: usize) -> Rect {
        let part = self.part;
        let band = self.rows[part.row_of[slot]];
        let h = match part.slots[slot] {
            Slot::Shape(shape) => part.shapes[shape].size.h,
            Slot::Pass => 0.0,
        };
        let (l, r) = self.bars[slot]
            .unwrap_or((part.x[slot] - part.width[slot] / 2.0, part.x[slot] + part.width[slot] / 2.0));
        Rect { x: l + self.shift, y: band.top, w: r - l, h }
    }

    fn port(&self, line: usize, is_a: bool) -> f64 {
        self.part.port_x(line, is_a) + self.shift
    }

    /// The route of a line between rows, from its `a` end to its `b` end.
    fn chain_route(&self, line: usize, chain: &[usize], flipped: bool) -> Route {
        let part = self.part;
        let mut points = Vec::new();
        // The labels at the top and the bottom end, as the chain runs top to bottom.
        let mut labels = [None, None];
        for (i, &slot) in chain.iter().enumerate() {
            let at_top = i == 0;
            match part.slots[slot] {
                Slot::Pass => {
                    let band = self.rows[part.row_of[slot]];
                    let x = part.x[slot] + self.shift;
                    points.push(Point { x, y: band.above });
                    points.push(Point { x, y: band.bottom });
                }
                Slot::Shape(shape) if part.shapes[shape].bar => {
                    let rect = self.rect(slot);
                    let y = if at_top { rect.bottom() } else { rect.y };
                    // The bar end is placed once the neighbouring point is known.
                    points.push(Point { x: f64::NAN, y });
                }
                Slot::Shape(_) => {
                    let (stub, label) = self.box_end(slot, line, at_top != flipped, at_top);
                    points.extend(stub);
                    labels[usize::from(!at_top)] = Some(label);
                }
            }
        }
        self.attach_bar_ends(chain, &mut points);
        let [mut label_a, mut label_b] = labels;
        if flipped {
            points.reverse();
            std::mem::swap(&mut label_a, &mut label_b);
        }
        Route { points, label_a, label_b }
    }

    /// The straight run of a line through the label band at a box, top to bottom, and
    /// the place of its label: under the box for a line going down, over it for one
    /// coming from above.
    fn box_end(&self, slot: usize, line: usize, is_a: bool, downwards: bool) -> ([Point; 2], Rect) {
        let band = self.rows[self.part.row_of[slot]];
        let rect = self.rect(slot);
        let x = self.port(line, is_a);
        let Line { label_a, label_b, .. } = self.part.lines[line];
        let size = if is_a { label_a } else { label_b };
        if downwards {
            let edge = rect.bottom();
            let stub = [Point { x, y: edge }, Point { x, y: band.below }];
            (stub, label_below(x, edge, size))
        } else {
            let stub = [Point { x, y: band.above }, Point { x, y: rect.y }];
            (stub, label_above(x, rect.y, size))
        }
    }

    /// Puts a bar end of a line on the bar right over (or under) the point next to it,
    /// or at the bar's nearest end when that point lies beyond it.
    fn attach_bar_ends(&self, chain: &[usize], points: &mut [Point]) {
        let n = points.len();
        for (end, next) in [(0, 1), (n - 1, n - 2)] {
            if !points[end].x.is_nan() {
                continue;
            }
            let slot = if end == 0 { chain[0] } else { chain[chain.len() - 1] };
            let rect = self.rect(slot);
            let reach = BAR_REACH.min(rect.w / 2.0);
            points[end].x = points[next].x.clamp(rect.x + reach, rect.right() - reach);
        }
    }

    /// The route of a line between two boxes of one row: down from each, joined by a run
    /// under the row in a channel of its own.
    fn level_route(&self, line: usize, channel: usize) -> Route {
        let part = self.part;
        let Line { a, b, label_a, label_b } = part.lines[line];
        let (sa, sb) = (part.slot_of[a].expect("in part"), part.slot_of[b].expect("in part"));
        let band = self.rows[part.row_of[sa]];
        let before = part.level[..channel]
            .iter()
            .filter(|&&l| part.row_of[part.slot_of[part.lines[l].a].expect("in part")] == part.row_of[sa])
            .count() as f64;
        let y = band.below + (before + 1.0) * CHANNEL_GAP;
        let (ra, rb) = (self.rect(sa), self.rect(sb));
        let (xa, xb) = (self.port(line, true), self.port(line, false));
        Route {
            points: vec![
                Point { x: xa, y: ra.bottom() },
                Point { x: xa, y },
                Point { x: xb, y },
                Point { x: xb, y: rb.bottom() },
            ],
            label_a: Some(label_below(xa, ra.bottom(), label_a)),
            label_b: Some(label_below(xb, rb.bottom(), label_b)),
        }
    }
}

fn label_below(port: f64, edge: f64, size: Size) -> Rect {
    Rect { x: port + LABEL_LEAD, y: edge + LABEL_GAP, w: size.w, h: size.h }
}

fn label_above(port: f64, edge: f64, size: Size) -> Rect {
    Rect { x: port + LABEL_LEAD, y: edge - LABEL_GAP - size.h, w: size.w, h: size.h }
}

/// Distances from the part's root, a cable between boxes counting two steps and a line
/// to a bar one, and the shapes in the order they were reached.
fn ranks(
    shapes: &[Shape],
    lines: &[Line],
    adjacency: &[Vec<(usize, usize)>],
    members: &[usize],
) -> (Vec<usize>, Vec<usize>) {
    let root = members
        .iter()
        .copied()
        .filter(|&s| shapes[s].root)
        .min()
        .or_else(|| members.iter().copied().filter(|&s| !shapes[s].bar).min())
        .unwrap_or(members[0]);
    let mut rank = vec![usize::MAX; shapes.len()];
    let mut done = vec![false; shapes.len()];
    let mut found = Vec::new();
    let mut queue = BinaryHeap::new();
    rank[root] = 0;
    queue.push(Reverse((0, root)));
    // Ties go to the lower index, so shapes are found in file order within a distance.
    while let Some(Reverse((distance, shape))) = queue.pop() {
        if done[shape] {
            continue;
        }
        done[shape] = true;
        found.push(shape);
        for &(line, other) in &adjacency[shape] {
            let Line { a, b, .. } = lines[line];
            let step = if shapes[a].bar || shapes[b].bar { 1 } else { 2 };
            if distance + step < rank[other] {
                rank[other] = distance + step;
                queue.push(Reverse((distance + step, other)));
            }
        }
    }
    (rank, found)
}

/// Places values in order with at least `gaps[i]` between the i-th and the next, as
/// close to `wanted` as possible in least squares: subtracting the gaps turns it into an
/// isotonic regression, which pool-adjacent-violators solves exactly.
fn pack(wanted: &[f64], gaps: &[f64]) -> Vec<f64> {
    let offsets: Vec<f64> = std::iter::once(0.0)
        .chain(gaps.iter().scan(0.0, |sum, g| {
            *sum += g;
            Some(*sum)
        }))
        .collect();
    // Each block: the sum of its targets and how many it pools.
    let mut blocks: Vec<(f64, usize)> = Vec::new();
    for (w, o) in wanted.iter().zip(&offsets) {
        blocks.push((w - o, 1));
        while blocks.len() > 1 {
            let (s2, n2) = blocks[blocks.len() - 1];
            let (s1, n1) = blocks[blocks.len() - 2];
            if s1 / n1 as f64 <= s2 / n2 as f64 {
                break;
            }
            blocks.pop();
            *blocks.last_mut().expect("two blocks") = (s1 + s2, n1 + n2);
        }
    }
    blocks
        .iter()
        .flat_map(|&(sum, n)| std::iter::repeat_n(sum / n as f64, n))
        .zip(&offsets)
        .map(|(y, o)| y + o)
        .collect()
}

fn mean(values: impl Iterator<Item = f64>) -> Option<f64> {
    let (sum, count) = values.fold((0.0, 0usize), |(s, n), v| (s + v, n + 1));
    (count > 0).then(|| sum / count as f64)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn node(root: bool) -> Shape {
        Shape { bar: false, size: Size { w: 90.0, h: 44.0 }, inset: 4.0, root }
    }

    fn bar() -> Shape {
        Shape { bar: true, size: Size { w: 120.0, h: 22.0 }, inset: 0.0, root: false }
    }

    const LABEL: Size = Size { w: 80.0, h: 28.0 };

    fn cable(a: usize, b: usize) -> Line {
        Line { a, b, label_a: LABEL, label_b: LABEL }
    }

    fn drop(bar: usize, node: usize) -> Line {
        Line { a: bar, b: node, label_a: Size::default(), label_b: LABEL }
    }

    /// Three routers in a row, each with a LAN of three hosts on a shared segment, a
    /// triangle closing the routers, and a host on its own.
    fn campus() -> (Vec<Shape>, Vec<Line>) {
        let mut shapes = vec![node(true), node(true), node(true)];
        let mut lines = vec![cable(0, 1), cable(1, 2), cable(2, 0)];
        for router in 0..3 {
            let hosts: Vec<usize> = (0..3)
                .map(|_| {
                    shapes.push(node(false));
                    shapes.len() - 1
                })
                .collect();
            shapes.push(bar());
            let lan = shapes.len() - 1;
            lines.push(drop(lan, router));
            lines.extend(hosts.into_iter().map(|h| drop(lan, h)));
        }
        shapes.push(node(false));
        (shapes, lines)
    }

    /// Ten routers in a chain, each with four hosts on a shared segment: 50 boxes.
    fn big() -> (Vec<Shape>, Vec<Line>) {
        let mut shapes: Vec<Shape> = (0..10).map(|_| node(true)).collect();
        let mut lines: Vec<Line> = (0..9).map(|i| cable(i, i + 1)).collect();
        for router in 0..10 {
            let first = shapes.len();
            shapes.extend((0..4).map(|_| node(false)));
            shapes.push(bar());
            let lan = shapes.len() - 1;
            lines.push(drop(lan, router));
            lines.extend((first..first + 4).map(|h| drop(lan, h)));
        }
        (shapes, lines)
    }

    fn labels(layout: &Layout) -> Vec<Rect> {
        layout.routes.iter().flat_map(|r| [r.label_a, r.label_b]).flatten().collect()
    }

    /// Whether the segment from `p` to `q` passes through the inside of `rect`
    /// (Liang-Barsky clipping).
    fn crosses(p: Point, q: Point, rect: &Rect) -> bool {
        let (dx, dy) = (q.x - p.x, q.y - p.y);
        let (mut t0, mut t1) = (0.0_f64, 1.0_f64);
        for (step, room) in
            [(-dx, p.x - rect.x), (dx, rect.right() - p.x), (-dy, p.y - rect.y), (dy, rect.bottom() - p.y)]
        {
            if step == 0.0 {
                if room <= 0.0 {
                    return false;
                }
                continue;
            }
            let t = room / step;
            if step < 0.0 {
                t0 = t0.max(t);
            } else {
                t1 = t1.min(t);
            }
        }
        t0 < t1
    }

    fn shrink(rect: Rect) -> Rect {
        Rect { x: rect.x + 0.5, y: rect.y + 0.5, w: rect.w - 1.0, h: rect.h - 1.0 }
    }

    fn assert_tidy(shapes: &[Shape], lines: &[Line]) {
        let placed = layout(shapes, lines);
        let mut things: Vec<Rect> = placed.shapes.clone();
        things.extend(labels(&placed));
        for (i, a) in things.iter().enumerate() {
            for b in &things[i + 1..] {
                assert!(!a.overlaps(b), "{a:?} overlaps {b:?}");
            }
        }
        for route in &placed.routes {
            for pair in route.points.windows(2) {
                for rect in &things {
                    assert!(
                        !crosses(pair[0], pair[1], &shrink(*rect)),
                        "line {:?}-{:?} crosses {rect:?}",
                        pair[0],
                        pair[1]
                    );
                }
            }
        }
        for rect in &things {
            assert!(rect.x >= 0.0 && rect.y >= 0.0, "{rect:?} is off the page");
            assert!(rect.right() <= placed.size.w + 0.01 && rect.bottom() <= placed.size.h + 0.01);
        }
    }

    #[test]
    fn a_campus_has_no_overlaps_and_no_line_through_a_label_or_box() {
        let (shapes, lines) = campus();
        assert_tidy(&shapes, &lines);
    }

    #[test]
    fn fifty_boxes_have_no_overlaps_and_no_line_through_a_label_or_box() {
        let (shapes, lines) = big();
        assert_eq!(shapes.iter().filter(|s| !s.bar).count(), 50);
        assert_tidy(&shapes, &lines);
    }

    #[test]
    fn parallel_cables_get_a_port_each() {
        let shapes = [node(true), node(false)];
        let lines = [cable(0, 1), cable(0, 1)];
        assert_tidy(&shapes, &lines);
        let placed = layout(&shapes, &lines);
        assert_ne!(placed.routes[0].points[0], placed.routes[1].points[0]);
    }

    #[test]
    fn the_first_router_is_at_the_top() {
        let shapes = [node(false), node(true), node(false)];
        let lines = [cable(0, 1), cable(1, 2)];
        let placed = layout(&shapes, &lines);
        assert!(placed.shapes[1].y < placed.shapes[0].y);
        assert_eq!(placed.shapes[0].y, placed.shapes[2].y);
    }

    #[test]
    fn a_shared_segment_sits_between_its_router_and_its_hosts() {
        let shapes = [node(true), node(false), node(false), bar()];
        let lines = [drop(3, 0), drop(3, 1), drop(3, 2)];
        let placed = layout(&shapes, &lines);
        let (router, lan, host) = (placed.shapes[0], placed.shapes[3], placed.shapes[1]);
        assert!(router.bottom() < lan.y && lan.bottom() < host.y);
        assert!(lan.x <= placed.shapes[1].x.min(placed.shapes[2].x));
    }

    #[test]
    fn unconnected_parts_stand_side_by_side() {
        let shapes = [node(true), node(false), node(true), node(false)];
        let lines = [cable(0, 1), cable(2, 3)];
        let placed = layout(&shapes, &lines);
        let first_right = placed.shapes[0].right().max(placed.shapes[1].right());
        assert!(placed.shapes[2].x > first_right && placed.shapes[3].x > first_right);
        assert_eq!(placed.shapes[0].y, placed.shapes[2].y);
    }

    #[test]
    fn the_same_graph_always_gets_the_same_layout() {
        let (shapes, lines) = campus();
        assert_eq!(layout(&shapes, &lines), layout(&shapes, &lines));
    }

    #[test]
    fn pack_keeps_the_gaps_and_stays_near_the_wanted_places() {
        assert_eq!(pack(&[0.0, 0.0, 0.0], &[10.0, 10.0]), vec![-10.0, 0.0, 10.0]);
        assert_eq!(pack(&[0.0, 100.0], &[10.0]), vec![0.0, 100.0]);
        assert_eq!(pack(&[], &[]), Vec::<f64>::new());
    }

    #[test]
    fn an_empty_graph_is_an_empty_layout() {
        let placed = layout(&[], &[]);
        assert_eq!(placed.size, Size::default());
    }
}
