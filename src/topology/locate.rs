//! Where things are in a topology file.
//!
//! serde gives us typed values but no positions, so a second, cheap pass over the YAML
//! events records the byte span of every key and value by its path (`nodes.r1.kind`).
//! Validation errors name a path; this index turns the path into a span for the report.
//! The same pass catches duplicate keys, which serde would silently merge.
//!
//! It is also the first pass over a file, and the only one whose cost is linear in the
//! text whatever the text holds, so it measures what the later passes would be made to
//! do: how deep collections nest and how much aliases repeat (see `super::bounds`). A
//! file over a bound is not indexed further, and not parsed at all.

use std::collections::HashMap;
use std::ops::Range;

use saphyr_parser::{Event, Parser, ScalarStyle};

use super::bounds;

/// One step in a path through the document: a mapping key or a sequence index.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Seg {
    Key(String),
    Index(usize),
}

impl From<&str> for Seg {
    fn from(key: &str) -> Seg {
        Seg::Key(key.to_string())
    }
}

impl From<&String> for Seg {
    fn from(key: &String) -> Seg {
        Seg::Key(key.clone())
    }
}

impl From<String> for Seg {
    fn from(key: String) -> Seg {
        Seg::Key(key)
    }
}

impl From<usize> for Seg {
    fn from(index: usize) -> Seg {
        Seg::Index(index)
    }
}

/// A path from the document root, e.g. `design.addresses["r1:eth1"]`.
pub type Path = Vec<Seg>;

/// Renders a path the way a teacher reads it: `nodes.r1.kind`, `links[2]`.
pub fn display_path(path: &[Seg]) -> String {
    let mut out = String::new();
    for seg in path {
        match seg {
            Seg::Key(key) => {
                if !out.is_empty() {
                    out.push('.');
                }
                out.push_str(key);
            }
            Seg::Index(i) => out.push_str(&format!("[{i}]")),
        }
    }
    out
}

/// Where one node of the document sits.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Placed {
    /// The span of the mapping key that introduced this node, if any.
    pub key: Option<Range<usize>>,
    /// The span of the value.
    pub value: Range<usize>,
    /// For scalars: the byte offset where the scalar's text starts in the source, when
    /// the source text is the value verbatim (plain or quote-free single line), so that
    /// a part of the value can be pointed at.
    pub verbatim: Option<usize>,
    /// Whether the value is a scalar rather than a mapping or list.
    pub scalar: bool,
}

/// A duplicate mapping key found while indexing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DuplicateKey {
    pub path: Path,
    pub first: Range<usize>,
    pub again: Range<usize>,
}

/// A bound of `super::bounds` the file goes over, with the span where it does.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Exceeded {
    /// Mappings and lists nest deeper than [`bounds::DEPTH`]: the span is where the
    /// first level over the bound starts (an alias, if the alias takes it there).
    Depth(Range<usize>),
    /// Aliases repeat more than [`bounds::ALIASED_VALUES`] values: the span is the
    /// alias that goes over.
    Aliases(Range<usize>),
    /// An alias inside the mapping or list it names, which would repeat without end.
    RecursiveAlias(Range<usize>),
}

/// Where the YAML reader of this pass found the text broken.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Broken {
    /// What is wrong, in the reader's words.
    pub message: String,
    /// The byte offset it points at.
    pub at: usize,
}

/// The span index of one document.
#[derive(Debug, Default)]
pub struct Locations {
    places: HashMap<Path, Placed>,
    pub duplicates: Vec<DuplicateKey>,
    /// The bound the file goes over, if any; the index stops there.
    pub exceeded: Option<Exceeded>,
    /// Where the text stopped being YAML, if it did; the index holds what came before.
    pub broken: Option<Broken>,
}

impl Locations {
    /// Indexes `source`. Syntax errors are left to the deserializer, which reports them
    /// with a position; the index then simply holds what came before the error.
    pub fn index(source: &str) -> Locations {
        let offsets = CharOffsets::new(source);
        let mut builder = Builder {
            source,
            locations: Locations::default(),
            stack: Vec::new(),
            values: 0,
            aliased: 0,
            anchors: HashMap::new(),
        };
        for event in Parser::new_from_str(source) {
            let (event, span) = match event {
                Ok(ok) => ok,
                Err(err) => {
                    let at = offsets.byte(err.marker().index());
                    // The reader looks ahead through flow brackets and gives up at 255
                    // levels, before it has handed over level 33 for the check below.
                    if err.info() == "recursion limit exceeded" {
                        builder.locations.exceeded = Some(Exceeded::Depth(at..at));
                    } else {
                        builder.locations.broken = Some(Broken { message: err.info().to_string(), at });
                    }
                    break;
                }
            };
            let range = offsets.byte(span.start.index())..offsets.byte(span.end.index());
            if let Err(exceeded) = builder.on_event(event, range) {
                builder.locations.exceeded = Some(exceeded);
                break;
            }
        }
        builder.locations
    }

    pub fn get(&self, path: &[Seg]) -> Option<&Placed> {
        self.places.get(path)
    }

    /// How many keys and values are indexed.
    pub fn len(&self) -> usize {
        self.places.len()
    }

    pub fn is_empty(&self) -> bool {
        self.places.is_empty()
    }

    /// The closest recorded ancestor of `path` (itself included), so that an error about
    /// something the file does not spell out still points somewhere sensible.
    pub fn nearest(&self, path: &[Seg]) -> Option<&Placed> {
        (0..=path.len()).rev().find_map(|n| self.places.get(&path[..n]))
    }
}

/// Converts the parser's character indices into byte offsets.
struct CharOffsets {
    bytes: Vec<usize>,
}

impl CharOffsets {
    fn new(source: &str) -> CharOffsets {
        let mut bytes: Vec<usize> = source.char_indices().map(|(b, _)| b).collect();
        bytes.push(source.len());
        CharOffsets { bytes }
    }

    fn byte(&self, char_index: usize) -> usize {
        self.bytes.get(char_index).copied().unwrap_or_else(|| *self.bytes.last().unwrap_or(&0))
    }
}

/// What an anchored value holds once aliases in it are repeated.
#[derive(Debug, Clone, Copy)]
struct Anchored {
    /// Values, itself and everything inside counted.
    values: usize,
    /// Levels of mappings and lists: 0 for a scalar.
    depth: usize,
}

/// What every open collection carries for the bounds, whatever its kind.
struct Measure {
    /// The anchor id of the collection (0 for none).
    anchor: usize,
    /// [`Builder::values`] before the collection began.
    values_before: usize,
    /// The deepest level reached inside it so far, from the document root.
    deepest: usize,
}

enum Frame {
    Mapping {
        measure: Measure,
        path: Path,
        start: usize,
        end: usize,
        /// The key just read and its span, waiting for its value.
        pending_key: Option<(String, Range<usize>)>,
        /// A key that was itself a collection: its value is skipped, not indexed.
        complex_key_depth: bool,
        seen: HashMap<String, Range<usize>>,
    },
    Sequence {
        measure: Measure,
        path: Path,
        start: usize,
        end: usize,
        next: usize,
    },
}

impl Frame {
    fn measure(&mut self) -> &mut Measure {
        match self {
            Frame::Mapping { measure, .. } | Frame::Sequence { measure, .. } => measure,
        }
    }
}

struct Builder<'a> {
    source: &'a str,
    locations: Locations,
    stack: Vec<Frame>,
    /// Values so far, with every alias counted as what it repeats.
    values: usize,
    /// Values repeated by aliases so far.
    aliased: usize,
    /// Anchored values that are complete, by anchor id.
    anchors: HashMap<usize, Anchored>,
}

impl Builder<'_> {
    fn on_event(&mut self, event: Event<'_>, range: Range<usize>) -> Result<(), Exceeded> {
        match event {
            Event::Scalar(text, style, anchor, _) => {
                self.values += 1;
                if anchor != 0 {
                    self.anchors.insert(anchor, Anchored { values: 1, depth: 0 });
                }
                // The parser's span of a quoted scalar in a flow list can run on over the
                // space after the closing quote.
                let trailing = self.source[range.clone()].len() - self.source[range.clone()].trim_end().len();
                let range = range.start..range.end - trailing;
                if self.take_key(&text, &range) {
                    return Ok(());
                }
                let verbatim = self.verbatim_start(&text, style, &range);
                self.place_value(range, verbatim);
            }
            Event::Alias(anchor) => {
                self.repeat(anchor, &range)?;
                if self.take_key("*alias", &range) {
                    return Ok(());
                }
                self.place_value(range, None);
            }
            Event::MappingStart(anchor, _) => {
                let measure = self.open_level(anchor, &range)?;
                let path = self.open_child();
                self.stack.push(Frame::Mapping {
                    measure,
                    path,
                    start: range.start,
                    end: range.end,
                    pending_key: None,
                    complex_key_depth: false,
                    seen: HashMap::new(),
                });
            }
            Event::SequenceStart(anchor, _) => {
                let measure = self.open_level(anchor, &range)?;
                let path = self.open_child();
                self.stack.push(Frame::Sequence {
                    measure,
                    path,
                    start: range.start,
                    end: range.end,
                    next: 0,
                });
            }
            Event::MappingEnd | Event::SequenceEnd => {
                let Some(frame) = self.stack.pop() else {
                    return Ok(());
                };
                let (measure, path, start, end) = match frame {
                    Frame::Mapping { measure, path, start, end, .. }
                    | Frame::Sequence { measure, path, start, end, .. } => {
                        (measure, path, start, end.max(range.end))
                    }
                };
                self.close_level(&measure);
                self.close_child(path, start..end);
            }
            _ => {}
        }
        Ok(())
    }

    /// Counts a collection that starts one level below the open ones, refusing the level
    /// past [`bounds::DEPTH`].
    fn open_level(&mut self, anchor: usize, range: &Range<usize>) -> Result<Measure, Exceeded> {
        let level = self.stack.len() + 1;
        if level > bounds::DEPTH {
            return Err(Exceeded::Depth(range.clone()));
        }
        let measure = Measure { anchor, values_before: self.values, deepest: level };
        self.values += 1;
        Ok(measure)
    }

    /// Records a finished anchored collection, and how deep it went in its parent.
    fn close_level(&mut self, measure: &Measure) {
        let level = self.stack.len();
        if measure.anchor != 0 {
            let anchored =
                Anchored { values: self.values - measure.values_before, depth: measure.deepest - level };
            self.anchors.insert(measure.anchor, anchored);
        }
        if let Some(parent) = self.stack.last_mut() {
            let parent = parent.measure();
            parent.deepest = parent.deepest.max(measure.deepest);
        }
    }

    /// Counts what an alias repeats, as serde will build it out.
    fn repeat(&mut self, anchor: usize, range: &Range<usize>) -> Result<(), Exceeded> {
        // The anchor of an alias is complete unless the alias is inside it.
        let Some(anchored) = self.anchors.get(&anchor).copied() else {
            return Err(Exceeded::RecursiveAlias(range.clone()));
        };
        self.aliased = self.aliased.saturating_add(anchored.values);
        if self.aliased > bounds::ALIASED_VALUES {
            return Err(Exceeded::Aliases(range.clone()));
        }
        self.values = self.values.saturating_add(anchored.values);
        let reached = self.stack.len() + anchored.depth;
        if reached > bounds::DEPTH {
            return Err(Exceeded::Depth(range.clone()));
        }
        if let Some(parent) = self.stack.last_mut() {
            let parent = parent.measure();
            parent.deepest = parent.deepest.max(reached);
        }
        Ok(())
    }

    /// If the innermost frame is a mapping waiting for a key, `text` is that key.
    fn take_key(&mut self, text: &str, range: &Range<usize>) -> bool {
        let Some(Frame::Mapping { pending_key, path, seen, end, .. }) = self.stack.last_mut() else {
            return false;
        };
        if pending_key.is_some() {
            return false;
        }
        *end = (*end).max(range.end);
        if let Some(first) = seen.get(text) {
            let mut dup_path = path.clone();
            dup_path.push(Seg::Key(text.to_string()));
            self.locations.duplicates.push(DuplicateKey {
                path: dup_path,
                first: first.clone(),
                again: range.clone(),
            });
        } else {
            seen.insert(text.to_string(), range.clone());
        }
        *pending_key = Some((text.to_string(), range.clone()));
        true
    }

    /// The path of the value about to start, consuming the pending key or sequence slot.
    fn open_child(&mut self) -> Path {
        match self.stack.last_mut() {
            None => Vec::new(),
            Some(Frame::Mapping { path, pending_key, complex_key_depth, .. }) => match pending_key {
                Some((key, _)) => {
                    let mut p = path.clone();
                    p.push(Seg::Key(key.clone()));
                    p
                }
                None => {
                    // A collection used as a key: YAML allows it, topologies never need
                    // it. Index it under a placeholder so the walk stays balanced.
                    *complex_key_depth = true;
                    let mut p = path.clone();
                    p.push(Seg::Key("?complex-key".into()));
                    p
                }
            },
            Some(Frame::Sequence { path, next, .. }) => {
                let mut p = path.clone();
                p.push(Seg::Index(*next));
                p
            }
        }
    }

    /// Records a finished collection at `path` and advances its parent.
    fn close_child(&mut self, path: Path, value: Range<usize>) {
        let key = self.advance_parent(value.end);
        match key {
            ParentSlot::ComplexKey => {}
            slot => {
                self.locations
                    .places
                    .insert(path, Placed { key: slot.key_span(), value, verbatim: None, scalar: false });
            }
        }
    }

    fn place_value(&mut self, value: Range<usize>, verbatim: Option<usize>) {
        let path = self.open_child();
        let slot = self.advance_parent(value.end);
        if let ParentSlot::ComplexKey = slot {
            return;
        }
        self.locations.places.insert(path, Placed { key: slot.key_span(), value, verbatim, scalar: true });
    }

    fn advance_parent(&mut self, value_end: usize) -> ParentSlot {
        match self.stack.last_mut() {
            None => ParentSlot::Root,
            Some(Frame::Mapping { pending_key, complex_key_depth, end, .. }) => {
                *end = (*end).max(value_end);
                if *complex_key_depth && pending_key.is_none() {
                    *complex_key_depth = false;
                    // The complex key is done; its value comes next under a dummy key.
                    *pending_key = Some(("?complex-key".into(), 0..0));
                    return ParentSlot::ComplexKey;
                }
                match pending_key.take() {
                    Some((_, span)) => ParentSlot::Keyed(span),
                    None => ParentSlot::Root,
                }
            }
            Some(Frame::Sequence { next, end, .. }) => {
                *end = (*end).max(value_end);
                *next += 1;
                ParentSlot::Root
            }
        }
    }

    /// Where the scalar's text starts, if the source spells it out verbatim.
    fn verbatim_start(&self, text: &str, style: ScalarStyle, range: &Range<usize>) -> Option<usize> {
        let raw = self.source.get(range.clone())?;
        let start = match style {
            ScalarStyle::Plain => range.start,
            ScalarStyle::SingleQuoted | ScalarStyle::DoubleQuoted => range.start + 1,
            _ => return None,
        };
        let inner = match style {
            ScalarStyle::Plain => raw,
            _ => raw.get(1..raw.len().saturating_sub(1))?,
        };
        (inner == text).then_some(start)
    }
}

enum ParentSlot {
    Root,
    Keyed(Range<usize>),
    ComplexKey,
}

impl ParentSlot {
    fn key_span(&self) -> Option<Range<usize>> {
        match self {
            ParentSlot::Keyed(span) => Some(span.clone()),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn path(segs: &[&str]) -> Path {
        segs.iter()
            .map(|s| match s.parse::<usize>() {
                Ok(i) => Seg::Index(i),
                Err(_) => Seg::Key(s.to_string()),
            })
            .collect()
    }

    fn text<'a>(src: &'a str, r: &Range<usize>) -> &'a str {
        &src[r.clone()]
    }

    #[test]
    fn finds_keys_and_values_in_block_and_flow_style() {
        let src = "lab: ospf\nnodes:\n  r1: { kind: router }\n  pc1:\n    kind: host\nlinks:\n  - r1:eth1 -- pc1:eth1\n";
        let loc = Locations::index(src);
        let kind = loc.get(&path(&["nodes", "r1", "kind"])).unwrap();
        assert_eq!(text(src, kind.key.as_ref().unwrap()), "kind");
        assert_eq!(text(src, &kind.value), "router");
        let pc1 = loc.get(&path(&["nodes", "pc1", "kind"])).unwrap();
        assert_eq!(text(src, &pc1.value), "host");
        let link = loc.get(&path(&["links", "0"])).unwrap();
        assert_eq!(text(src, &link.value), "r1:eth1 -- pc1:eth1");
        assert_eq!(link.verbatim, Some(link.value.start));
        let r1 = loc.get(&path(&["nodes", "r1"])).unwrap();
        assert_eq!(text(src, &r1.value), "{ kind: router }");
        assert_eq!(text(src, r1.key.as_ref().unwrap()), "r1");
    }

    #[test]
    fn quoted_scalars_point_inside_the_quotes() {
        let src = "links:\n  - \"r1:eth1 -- r2:eth1\"\n";
        let loc = Locations::index(src);
        let link = loc.get(&path(&["links", "0"])).unwrap();
        assert_eq!(&src[link.verbatim.unwrap()..link.verbatim.unwrap() + 7], "r1:eth1");
    }

    #[test]
    fn multibyte_text_keeps_byte_offsets_right() {
        let src = "title: \"één\"\nlab: x\n";
        let loc = Locations::index(src);
        let lab = loc.get(&path(&["lab"])).unwrap();
        assert_eq!(text(src, &lab.value), "x");
    }

    #[test]
    fn reports_duplicate_keys_with_both_places() {
        let src = "nodes:\n  r1: {kind: router}\n  r1: {kind: host}\n";
        let loc = Locations::index(src);
        assert_eq!(loc.duplicates.len(), 1);
        let dup = &loc.duplicates[0];
        assert_eq!(dup.path, path(&["nodes", "r1"]));
        assert_eq!(dup.first.start, 9);
        assert_eq!(dup.again.start, 30);
    }

    fn nested_lists(levels: usize) -> String {
        format!("a: {}{}\n", "[".repeat(levels - 1), "]".repeat(levels - 1))
    }

    #[test]
    fn nesting_up_to_the_bound_is_indexed_and_one_more_level_is_refused() {
        let at_bound = Locations::index(&nested_lists(bounds::DEPTH));
        assert_eq!(at_bound.exceeded, None);
        let over = nested_lists(bounds::DEPTH + 1);
        let loc = Locations::index(&over);
        let Some(Exceeded::Depth(span)) = &loc.exceeded else { panic!("{:?}", loc.exceeded) };
        assert_eq!(span.start, "a: ".len() + bounds::DEPTH - 1, "the `[` that opens level 33");
    }

    #[test]
    fn the_index_stops_at_the_first_level_over_the_bound() {
        let deep = format!("- {}x\n", "- ".repeat(100_000));
        let loc = Locations::index(&deep);
        assert!(matches!(loc.exceeded, Some(Exceeded::Depth(_))));
        assert!(loc.len() <= bounds::DEPTH, "indexed {} values", loc.len());
    }

    #[test]
    fn flow_nesting_the_reader_gives_up_on_is_too_deep_too() {
        // The reader scans ahead through `[` and stops at 255 levels before it has
        // handed over level 33; that is the same finding.
        let loc = Locations::index(&nested_lists(300));
        assert!(matches!(loc.exceeded, Some(Exceeded::Depth(_))), "{:?} {:?}", loc.exceeded, loc.broken);
    }

    #[test]
    fn an_alias_counts_the_depth_of_what_it_repeats() {
        let inner = "[".repeat(20) + &"]".repeat(20);
        let src = format!("a: &x {inner}\nb: [[[[[[[[[[[[[*x]]]]]]]]]]]]]\n");
        let loc = Locations::index(&src);
        let Some(Exceeded::Depth(span)) = &loc.exceeded else { panic!("{:?}", loc.exceeded) };
        assert_eq!(&src[span.clone()], "*x");
    }

    #[test]
    fn a_few_aliases_of_small_values_are_fine() {
        let src = "small: &s { memory: 64M, cpus: 0.5 }\nnodes:\n  a: { limits: *s }\n  b: { limits: *s }\n";
        let loc = Locations::index(src);
        assert_eq!(loc.exceeded, None);
        assert!(loc.get(&path(&["nodes", "b", "limits"])).is_some());
    }

    #[test]
    fn billion_laughs_stop_at_the_alias_that_goes_over_the_bound() {
        let mut src = String::from("l0: &a0 [x, x, x, x, x, x, x, x, x, x]\n");
        for i in 1..10 {
            src += &format!("l{i}: &a{i} [{}]\n", vec![format!("*a{}", i - 1); 10].join(", "));
        }
        let loc = Locations::index(&src);
        let Some(Exceeded::Aliases(span)) = &loc.exceeded else { panic!("{:?}", loc.exceeded) };
        // Each alias on the fourth line repeats 1,111 values; after the 1,220 the lines
        // before repeat, its eighth alias is the first past 10,000 in all.
        let line_start = src[..span.start].rfind('\n').unwrap() + 1;
        let aliases_before = src[line_start..span.start].matches('*').count();
        assert_eq!((&src[line_start..line_start + 2], aliases_before), ("l3", 7));
    }

    #[test]
    fn one_big_anchor_repeated_often_is_refused_too() {
        let big = vec!["r1:eth1"; 5_000].join(", ");
        let src = format!("a: &big [{big}]\nb: *big\nc: *big\nd: *big\n");
        let loc = Locations::index(&src);
        let Some(Exceeded::Aliases(span)) = &loc.exceeded else { panic!("{:?}", loc.exceeded) };
        assert_eq!(&src[span.start - 3..span.end], "c: *big");
    }

    #[test]
    fn an_alias_inside_its_own_anchor_is_refused() {
        let loc = Locations::index("a: &x [1, *x]\n");
        assert!(matches!(loc.exceeded, Some(Exceeded::RecursiveAlias(_))), "{:?}", loc.exceeded);
    }

    #[test]
    fn a_syntax_error_is_recorded_with_its_place() {
        let src = "a: b\nc: @d\n";
        let loc = Locations::index(src);
        let broken = loc.broken.unwrap();
        assert_eq!(broken.at, src.find('@').unwrap());
    }

    #[test]
    fn nearest_falls_back_to_the_closest_ancestor() {
        let src = "nodes:\n  r1: {kind: router}\n";
        let loc = Locations::index(src);
        let near = loc.nearest(&path(&["nodes", "r1", "image"])).unwrap();
        assert_eq!(text(src, &near.value), "{kind: router}");
    }
}
