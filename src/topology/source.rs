//! A topology file's text, its span index, and reading it into wire types.

use std::io::Read;
use std::ops::Range;
use std::path::Path as FsPath;

use super::bounds;
use super::locate::{Broken, Exceeded, Locations, display_path};
use super::wire::TopologyFile;
use crate::diagnostic::{Collected, Diagnostic, Loc, Part, closest};

/// The text of one topology file and where everything in it is.
#[derive(Debug)]
pub struct Source {
    /// The name shown in messages, usually the path as given.
    pub name: String,
    pub text: String,
    pub locations: Locations,
    /// Set when the file is over [`bounds::FILE_BYTES`]; its text is then neither kept
    /// nor indexed, and parsing gives only this error.
    pub too_big: Option<TooBig>,
    /// The folder the file was read from, where `from:` finds files beside it; `None`
    /// for text that came without one (an upload to the service).
    pub folder: Option<std::path::PathBuf>,
}

/// A file over [`bounds::FILE_BYTES`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TooBig {
    /// Its size, when known: a pipe or a device has none, and is read only up to the bound.
    pub bytes: Option<u64>,
}

impl Source {
    pub fn new(name: impl Into<String>, text: impl Into<String>) -> Source {
        let text = text.into();
        if text.len() > bounds::FILE_BYTES {
            return Source::too_big(name.into(), Some(text.len() as u64));
        }
        let locations = Locations::index(&text);
        Source { name: name.into(), text, locations, too_big: None, folder: None }
    }

    /// Reads a file, but never more than one byte past [`bounds::FILE_BYTES`]: the file
    /// may be huge, or a device that never ends.
    pub fn read(path: &FsPath) -> std::io::Result<Source> {
        let mut bytes = Vec::new();
        std::fs::File::open(path)?.take(bounds::FILE_BYTES as u64 + 1).read_to_end(&mut bytes)?;
        let name = path.display().to_string();
        if bytes.len() > bounds::FILE_BYTES {
            let size =
                std::fs::metadata(path).ok().map(|m| m.len()).filter(|&n| n > bounds::FILE_BYTES as u64);
            return Ok(Source::too_big(name, size));
        }
        let text = String::from_utf8(bytes).map_err(|_| {
            std::io::Error::new(std::io::ErrorKind::InvalidData, "stream did not contain valid UTF-8")
        })?;
        let mut source = Source::new(name, text);
        source.folder = Some(super::beside::folder_of(path));
        Ok(source)
    }

    fn too_big(name: String, bytes: Option<u64>) -> Source {
        Source {
            name,
            text: String::new(),
            locations: Locations::default(),
            too_big: Some(TooBig { bytes }),
            folder: None,
        }
    }

    /// The byte span a location refers to, or the closest thing the file has.
    pub fn span(&self, loc: &Loc) -> Option<Range<usize>> {
        if let Part::Span(range) = &loc.part {
            return Some(range.clone());
        }
        let exact = self.locations.get(&loc.path);
        let placed = exact.or_else(|| self.locations.nearest(&loc.path))?;
        let span = match (&loc.part, exact.is_some()) {
            (Part::Key, true) => placed.key.clone().unwrap_or(placed.value.clone()),
            (Part::Within(range), true) => match placed.verbatim {
                Some(start) => start + range.start..start + range.end,
                None => placed.value.clone(),
            },
            (Part::Find(text, nth), true) => {
                let found = self
                    .text
                    .get(placed.value.clone())
                    .and_then(|v| v.match_indices(text.as_str()).nth(*nth));
                match found {
                    Some((offset, _)) => {
                        placed.value.start + offset..placed.value.start + offset + text.len()
                    }
                    None => placed.value.clone(),
                }
            }
            // A path below a scalar is the one-value form of a list (`build: ospf` for
            // `build: [ospf]`): the scalar is the thing meant.
            (_, false) if placed.scalar => placed.value.clone(),
            // The thing itself is not in the file (a missing key): point at its parent's
            // key, which is where the teacher has to add it.
            (_, false) => placed.key.clone().unwrap_or(placed.value.clone()),
            _ => placed.value.clone(),
        };
        Some(span)
    }

    /// 1-based line and column (in characters) of a byte offset.
    pub fn line_col(&self, offset: usize) -> (usize, usize) {
        let before = &self.text[..offset.min(self.text.len())];
        let line = before.matches('\n').count() + 1;
        let line_start = before.rfind('\n').map_or(0, |i| i + 1);
        let column = before[line_start..].chars().count() + 1;
        (line, column)
    }
}

/// Reads the file into wire types. Duplicate keys are errors here, because serde would
/// quietly keep the last one and the teacher would never know why a node changed.
pub fn parse(source: &Source) -> Result<TopologyFile, Vec<Diagnostic>> {
    if let Some(too_big) = source.too_big {
        return Err(vec![file_too_big(too_big)]);
    }
    if let Some(exceeded) = &source.locations.exceeded {
        return Err(vec![over_bound(source, exceeded)]);
    }
    if let Some(broken) = &source.locations.broken {
        // The bounds were measured only up to where the index's reader stopped, and
        // serde's reader may read on (the two readers do not agree on every broken
        // file). If what follows could nest past the bound or hold an alias, serde does
        // not get the file: the index's own account of the error is the report.
        if could_outgrow_the_bounds(&source.text[broken.at..]) {
            return Err(vec![not_yaml(source, broken)]);
        }
    }
    // A file can repeat a key many times over; the collector keeps what is shown bounded.
    let mut errors = Collected::default();
    errors.extend(source.locations.duplicates.iter().map(|dup| {
        Diagnostic::error("duplicate-key", format!("`{}` is given twice", display_path(&dup.path)))
            .at(Loc::span(dup.again.clone()))
            .label("given again here")
            .related(Loc::span(dup.first.clone()), "first given here")
            .help("remove one of them, or merge them into one")
    }));
    match serde_yaml::from_str::<TopologyFile>(&source.text) {
        Ok(file) if source.locations.duplicates.is_empty() => Ok(file),
        Ok(_) => Err(errors.finish()),
        Err(err) => {
            errors.push(from_serde(source, &err));
            Err(errors.finish())
        }
    }
}

/// Whether `rest` could nest deeper than [`bounds::DEPTH`] or repeat values through an
/// alias, were a YAML reader to read it. Counted on the raw text, so it errs towards
/// yes: brackets inside quotes count, and so does Markdown's `**bold**`.
fn could_outgrow_the_bounds(rest: &str) -> bool {
    let openers = rest.bytes().filter(|b| matches!(b, b'[' | b'{'));
    let alias = rest.as_bytes().windows(2).any(|w| w[0] == b'*' && !w[1].is_ascii_whitespace());
    alias || openers.take(bounds::DEPTH + 1).count() > bounds::DEPTH
}

/// The error for a file over the size bound. It names no place: the file is not read.
fn file_too_big(too_big: TooBig) -> Diagnostic {
    let limit = human_size(bounds::FILE_BYTES as u64);
    let message = match too_big.bytes {
        Some(bytes) => format!("the file is {}; a topology file may be at most {limit}", human_size(bytes)),
        None => format!("the file is larger than {limit}, the most a topology file may be"),
    };
    Diagnostic::error("file-too-big", message).help(
        "check that this is the topology file you meant: a lab of a hundred nodes takes well under 100 KiB",
    )
}

/// The error for a file that nests too deep or repeats too much through aliases.
fn over_bound(source: &Source, exceeded: &Exceeded) -> Diagnostic {
    match exceeded {
        Exceeded::Depth(span) => Diagnostic::error(
            "too-deep",
            format!("mappings and lists are nested more than {} levels deep", bounds::DEPTH),
        )
        .at(Loc::span(nonempty(source, span)))
        .label(format!("nested past level {} here", bounds::DEPTH))
        .help("a lab needs about six levels; look for a `[` or `{` that is never closed, or indentation that keeps growing"),
        Exceeded::Aliases(span) => Diagnostic::error(
            "aliases-too-big",
            format!("aliases repeat more than {} values in all", bounds::ALIASED_VALUES),
        )
        .at(Loc::span(span.clone()))
        .label("this alias goes over")
        .help("an alias (`*name`) is for repeating a few settings; write out the values that differ"),
        Exceeded::RecursiveAlias(span) => {
            let alias = source.text.get(span.clone()).unwrap_or("the alias");
            Diagnostic::error(
                "recursive-alias",
                format!("`{alias}` is inside the value it names, so it would repeat without end"),
            )
            .at(Loc::span(span.clone()))
            .label("inside its own anchor")
            .help("an alias can only repeat a value that is complete before it")
        }
    }
}

/// A syntax error as the index's YAML reader words it, turned round to read like
/// serde's: "did not find expected ',' or '}', while parsing a flow mapping".
fn not_yaml(source: &Source, broken: &Broken) -> Diagnostic {
    let detail = match broken.message.split_once(", ") {
        Some((context, problem)) if context.starts_with("while ") => format!("{problem}, {context}"),
        _ => broken.message.clone(),
    };
    // The reader quotes a character as `@'; the rest of asbuilt as `@`.
    let quoted = regex::Regex::new(r"`(.)'").expect("literal pattern");
    let detail = quoted.replace_all(&detail, "`$1`");
    let start = broken.at.min(source.text.len());
    Diagnostic::error("yaml-syntax", format!("the file is not valid YAML: {detail}"))
        .at(Loc::span(start..token_end(&source.text, start)))
        .label("YAML cannot read past here")
        .help(SYNTAX_HELP)
}

/// At least one character, so that the report underlines something.
fn nonempty(source: &Source, span: &Range<usize>) -> Range<usize> {
    let end = source.text[span.start..].chars().next().map_or(span.start, |c| span.start + c.len_utf8());
    span.start..span.end.max(end)
}

/// `1063 KiB`, `50 MiB`, `1.2 GiB`: whole units, except where rounding would make a file
/// just over the bound read as the bound itself.
fn human_size(bytes: u64) -> String {
    const KIB: u64 = 1024;
    const MIB: u64 = KIB * KIB;
    match bytes {
        b if b % MIB == 0 && b < 1024 * MIB => format!("{} MiB", b / MIB),
        b if b < 10 * MIB => format!("{} KiB", b.div_ceil(KIB)),
        b if b < 1024 * MIB => format!("{} MiB", b.div_ceil(MIB)),
        b => format!("{:.1} GiB", b as f64 / (1024 * MIB) as f64),
    }
}

/// Turns serde's error into a diagnostic: its message without the position suffix,
/// the position as a span, and a suggestion for an unknown key.
fn from_serde(source: &Source, err: &serde_yaml::Error) -> Diagnostic {
    let full = err.to_string();
    // The position is shown as a span; drop it from the words, wherever libyaml put it.
    let positions = regex::Regex::new(r" at line \d+ column \d+").expect("literal pattern");
    let stripped = positions.replace_all(&full, "");
    let text = stripped.as_ref();
    // serde_yaml prefixes the path: "nodes.r1: unknown field ...".
    let (path, detail) = match text.split_once(": ") {
        Some((p, d)) if !p.contains(' ') => (Some(p), d),
        _ => (None, text),
    };
    let within = path.map(|p| format!(" in `{p}`")).unwrap_or_default();
    let mut diag = if let Some(rest) = detail.strip_prefix("unknown field `") {
        let (field, expected) = rest.split_once('`').unwrap_or((rest, ""));
        let allowed = backticked(expected);
        let help = match closest(field, allowed.iter().map(String::as_str)) {
            Some(best) => format!("did you mean `{best}`? Allowed here: {}", allowed.join(", ")),
            None if allowed.is_empty() => "remove it".to_string(),
            None => format!("allowed here: {}", allowed.join(", ")),
        };
        Diagnostic::error("unknown-key", format!("unknown key `{field}`{within}"))
            .label("unknown key")
            .help(help)
    } else if let Some(rest) = detail.strip_prefix("missing field `") {
        let field = rest.split('`').next().unwrap_or(rest);
        Diagnostic::error("missing-key", format!("missing key `{field}`{within}"))
            .label(format!("`{field}` is required here"))
            .help(format!("add `{field}:`; docs/topology.md and `asbuilt schema` say what it takes"))
    } else if detail.starts_with("invalid type") {
        let diag = Diagnostic::error("wrong-type", format!("{}{within}", soften(detail)))
            .label("wrong type of value");
        if detail.contains("expected a sequence") {
            diag.help("a list is written as `[a, b]`, or as lines that each start with `- `")
        } else if detail.contains("expected a map") || detail.contains("expected struct") {
            diag.help("keys and values are written as `{ key: value }`, or as indented `key: value` lines")
        } else {
            diag.help("docs/topology.md and `asbuilt schema` say which values this key takes")
        }
    } else if detail.contains("did not find expected")
        || detail.contains("found character")
        || detail.contains("mapping values")
    {
        Diagnostic::error("yaml-syntax", format!("the file is not valid YAML: {detail}"))
            .label("YAML cannot read past here")
            .help(SYNTAX_HELP)
    } else {
        Diagnostic::error("invalid-value", format!("{}{within}", soften(detail)))
            .help("docs/topology.md and `asbuilt schema` say which values this key takes")
    };
    if let Some(location) = err.location() {
        let start = location.index().min(source.text.len());
        diag = diag.at(Loc::span(start..token_end(&source.text, start)));
    }
    diag
}

const SYNTAX_HELP: &str = "check the indentation and the `:` after every key; quote values that contain `: ` or start with `{`, `[`, `*` or `&`";

/// The names between backticks in serde's "expected one of `a`, `b`".
fn backticked(text: &str) -> Vec<String> {
    text.split('`').skip(1).step_by(2).map(str::to_string).collect()
}

/// serde speaks of "fields" and "sequences"; teachers write keys and lists.
fn soften(detail: &str) -> String {
    detail.replace("sequence", "list").replace("a map", "a mapping").replace("field", "key")
}

/// The end of the word at `start`, so a span covers the offending key or value.
fn token_end(text: &str, start: usize) -> usize {
    let rest = &text[start..];
    let len = rest.find([' ', '\n', ',', '}', ']']).map_or(rest.len(), |i| {
        // A key ends at its colon; a value such as `r1:eth1 -- r2:eth1` runs to the line's end.
        let word = &rest[..i];
        match word.find(':') {
            Some(colon) if word.ends_with(':') => colon,
            _ if rest[i..].starts_with(' ') => rest.find(['\n', ',', '}', ']']).unwrap_or(rest.len()),
            _ => i,
        }
    });
    let len = rest[..len].trim_end().len();
    start + len.max(1).min(rest.len())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn errors(text: &str) -> Vec<Diagnostic> {
        parse(&Source::new("t.yml", text)).unwrap_err()
    }

    #[test]
    fn an_unknown_key_suggests_the_right_one() {
        let errs = errors("lab: x\ntitle: y\nnodes:\n  r1: { knd: router }\n");
        assert_eq!(errs.len(), 1);
        assert_eq!(errs[0].code, "unknown-key");
        assert!(errs[0].message.contains("`knd`"), "{}", errs[0].message);
        assert!(errs[0].help.as_deref().unwrap().starts_with("did you mean `kind`?"));
    }

    #[test]
    fn the_error_points_at_the_key() {
        let source = Source::new("t.yml", "lab: x\ntitle: y\nnodes:\n  r1: { knd: router }\n");
        let errs = parse(&source).unwrap_err();
        let span = source.span(errs[0].at.as_ref().unwrap()).unwrap();
        assert_eq!(&source.text[span.clone()], "knd");
        assert_eq!(source.line_col(span.start), (4, 9));
    }

    #[test]
    fn duplicate_keys_are_errors() {
        let errs = errors("lab: x\ntitle: y\nnodes:\n  r1: {kind: router}\n  r1: {kind: host}\n");
        assert_eq!(errs[0].code, "duplicate-key");
    }

    #[test]
    fn a_file_over_the_size_bound_is_neither_kept_nor_indexed() {
        let text = format!("lab: x\ntask: \"{}\"\n", "{web} ".repeat(bounds::FILE_BYTES / 6 + 1));
        let size = text.len() as u64;
        let source = Source::new("big.yml", text);
        assert_eq!(source.too_big, Some(TooBig { bytes: Some(size) }));
        assert!(source.text.is_empty() && source.locations.is_empty());
        let errs = parse(&source).unwrap_err();
        assert_eq!(errs.len(), 1);
        assert_eq!(errs[0].code, "file-too-big");
        assert_eq!(errs[0].message, "the file is 1025 KiB; a topology file may be at most 1 MiB");
    }

    #[test]
    fn a_file_at_the_size_bound_is_read() {
        let head = "lab: x\n";
        let text = format!("{head}#{}\n", "-".repeat(bounds::FILE_BYTES - head.len() - 2));
        assert_eq!(text.len(), bounds::FILE_BYTES);
        assert_eq!(Source::new("t.yml", text).too_big, None);
    }

    #[test]
    fn a_file_that_never_ends_is_read_only_up_to_the_bound() {
        let source = Source::read(FsPath::new("/dev/zero")).unwrap();
        assert_eq!(source.too_big, Some(TooBig { bytes: None }));
        let errs = parse(&source).unwrap_err();
        assert_eq!(errs[0].message, "the file is larger than 1 MiB, the most a topology file may be");
    }

    #[test]
    fn sizes_over_the_bound_never_round_down_to_it() {
        assert_eq!(human_size(bounds::FILE_BYTES as u64), "1 MiB");
        assert_eq!(human_size(bounds::FILE_BYTES as u64 + 1), "1025 KiB");
        assert_eq!(human_size(50 * 1024 * 1024 + 7), "51 MiB");
        assert_eq!(human_size(3 << 30), "3.0 GiB");
    }

    #[test]
    fn a_syntax_error_before_deep_brackets_is_not_handed_to_serde() {
        // serde's reader would spend minutes on the brackets; the index's own reader
        // words the error ("unexpected character"), which shows serde never ran.
        let text = format!("lab: x\ntask: @oops\nlinks: {}{}\n", "[".repeat(50_000), "]".repeat(50_000));
        let errs = errors(&text);
        assert_eq!(errs.len(), 1);
        assert_eq!(errs[0].code, "yaml-syntax");
        assert_eq!(errs[0].message, "the file is not valid YAML: unexpected character: `@`");
    }

    #[test]
    fn a_syntax_error_before_an_alias_is_not_handed_to_serde() {
        let text = "lab: x\nbig: &big [a, b, c]\ntask: @oops\nmore: [*big, *big]\n";
        let errs = errors(text);
        assert_eq!(errs[0].message, "the file is not valid YAML: unexpected character: `@`");
    }

    #[test]
    fn a_syntax_error_with_little_after_it_keeps_serdes_words() {
        let errs = errors("lab: x\ntask: @oops\nnodes: { r1: { kind: router } }\n");
        assert_eq!(errs[0].code, "yaml-syntax");
        assert!(
            errs[0].message.contains("found character that cannot start any token"),
            "{}",
            errs[0].message
        );
    }

    #[test]
    fn broken_yaml_says_so() {
        let errs = errors("lab: x\nnodes:\n  r1: {kind: router\n");
        assert_eq!(errs[0].code, "yaml-syntax");
    }
}
