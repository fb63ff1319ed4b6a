//! A topology file's text, its span index, and reading it into wire types.

use std::ops::Range;
use std::path::Path as FsPath;

use super::locate::{Locations, display_path};
use super::wire::TopologyFile;
use crate::diagnostic::{Diagnostic, Loc, Part, closest};

/// The text of one topology file and where everything in it is.
#[derive(Debug)]
pub struct Source {
    /// The name shown in messages, usually the path as given.
    pub name: String,
    pub text: String,
    pub locations: Locations,
}

impl Source {
    pub fn new(name: impl Into<String>, text: impl Into<String>) -> Source {
        let text = text.into();
        let locations = Locations::index(&text);
        Source { name: name.into(), text, locations }
    }

    pub fn read(path: &FsPath) -> std::io::Result<Source> {
        let text = std::fs::read_to_string(path)?;
        Ok(Source::new(path.display().to_string(), text))
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
            (Part::Find(text), true) => {
                match self.text.get(placed.value.clone()).and_then(|v| v.find(text.as_str())) {
                    Some(offset) => placed.value.start + offset..placed.value.start + offset + text.len(),
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
    let mut errors: Vec<Diagnostic> = source
        .locations
        .duplicates
        .iter()
        .map(|dup| {
            Diagnostic::error("duplicate-key", format!("`{}` is given twice", display_path(&dup.path)))
                .at(Loc::span(dup.again.clone()))
                .label("given again here")
                .related(Loc::span(dup.first.clone()), "first given here")
                .help("remove one of them, or merge them into one")
        })
        .collect();
    match serde_yaml::from_str::<TopologyFile>(&source.text) {
        Ok(file) if errors.is_empty() => Ok(file),
        Ok(_) => Err(errors),
        Err(err) => {
            errors.push(from_serde(source, &err));
            Err(errors)
        }
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
            .help("check the indentation and the `:` after every key; quote values that contain `: ` or start with `{`, `[`, `*` or `&`")
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
    fn broken_yaml_says_so() {
        let errs = errors("lab: x\nnodes:\n  r1: {kind: router\n");
        assert_eq!(errs[0].code, "yaml-syntax");
    }
}
