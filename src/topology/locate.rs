//! Where things are in a topology file.
//!
//! serde gives us typed values but no positions, so a second, cheap pass over the YAML
//! events records the byte span of every key and value by its path (`nodes.r1.kind`).
//! Validation errors name a path; this index turns the path into a span for the report.
//! The same pass catches duplicate keys, which serde would silently merge.

use std::collections::HashMap;
use std::ops::Range;

use saphyr_parser::{Event, Parser, ScalarStyle};

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

/// The span index of one document.
#[derive(Debug, Default)]
pub struct Locations {
    places: HashMap<Path, Placed>,
    pub duplicates: Vec<DuplicateKey>,
}

impl Locations {
    /// Indexes `source`. Syntax errors are left to the deserializer, which reports them
    /// with a position; the index then simply holds what came before the error.
    pub fn index(source: &str) -> Locations {
        let offsets = CharOffsets::new(source);
        let mut builder = Builder { source, locations: Locations::default(), stack: Vec::new() };
        for event in Parser::new_from_str(source) {
            let Ok((event, span)) = event else { break };
            let range = offsets.byte(span.start.index())..offsets.byte(span.end.index());
            builder.on_event(event, range);
        }
        builder.locations
    }

    pub fn get(&self, path: &[Seg]) -> Option<&Placed> {
        self.places.get(path)
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

enum Frame {
    Mapping {
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
        path: Path,
        start: usize,
        end: usize,
        next: usize,
    },
}

struct Builder<'a> {
    source: &'a str,
    locations: Locations,
    stack: Vec<Frame>,
}

impl Builder<'_> {
    fn on_event(&mut self, event: Event<'_>, range: Range<usize>) {
        match event {
            Event::Scalar(text, style, _, _) => {
                // The parser's span of a quoted scalar in a flow list can run on over the
                // space after the closing quote.
                let trailing = self.source[range.clone()].len() - self.source[range.clone()].trim_end().len();
                let range = range.start..range.end - trailing;
                if self.take_key(&text, &range) {
                    return;
                }
                let verbatim = self.verbatim_start(&text, style, &range);
                self.place_value(range, verbatim);
            }
            Event::Alias(_) => {
                if self.take_key("*alias", &range) {
                    return;
                }
                self.place_value(range, None);
            }
            Event::MappingStart(..) => {
                let path = self.open_child();
                self.stack.push(Frame::Mapping {
                    path,
                    start: range.start,
                    end: range.end,
                    pending_key: None,
                    complex_key_depth: false,
                    seen: HashMap::new(),
                });
            }
            Event::SequenceStart(..) => {
                let path = self.open_child();
                self.stack.push(Frame::Sequence { path, start: range.start, end: range.end, next: 0 });
            }
            Event::MappingEnd | Event::SequenceEnd => {
                let Some(frame) = self.stack.pop() else {
                    return;
                };
                let (path, start, end) = match frame {
                    Frame::Mapping { path, start, end, .. } | Frame::Sequence { path, start, end, .. } => {
                        (path, start, end.max(range.end))
                    }
                };
                self.close_child(path, start..end);
            }
            _ => {}
        }
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

    #[test]
    fn nearest_falls_back_to_the_closest_ancestor() {
        let src = "nodes:\n  r1: {kind: router}\n";
        let loc = Locations::index(src);
        let near = loc.nearest(&path(&["nodes", "r1", "image"])).unwrap();
        assert_eq!(text(src, &near.value), "{kind: router}");
    }
}
