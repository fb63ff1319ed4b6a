//! Whatever a teacher types, asbuilt answers with diagnostics, never with a panic.
//!
//! Random text rarely gets past the YAML parser, so most cases start from the example
//! labs and break them the way people do: a line dropped or doubled, a word swapped for
//! another word of the file, a character inserted.

use std::path::Path;

use asbuilt::design::Lab;
use asbuilt::diagnostic::render::{Style, locate, report};
use asbuilt::topology::Source;
use proptest::prelude::*;

fn examples() -> Vec<String> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("topologies");
    let mut texts: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "yml"))
        .map(|p| std::fs::read_to_string(p).unwrap())
        .collect();
    texts.sort();
    texts
}

/// Loads, resolves for a student, and renders every diagnostic: all must return.
fn exercise(text: &str) {
    let source = Source::new("fuzz.yml", text);
    match Lab::load(&source) {
        Ok(lab) => {
            let design = lab.design_for(Some("student"));
            serde_json::to_string(&design).unwrap();
            for warning in &lab.warnings {
                report(warning, &source, Style::Plain);
            }
        }
        Err(errors) => {
            assert!(!errors.is_empty());
            for error in &errors {
                report(error, &source, Style::Plain);
                let located = locate(error, &source);
                if let Some(line) = located.line {
                    assert!(line <= text.lines().count() + 1, "{error:?} points past the end");
                }
            }
        }
    }
}

#[derive(Debug, Clone)]
enum Mutation {
    DropLine(usize),
    DoubleLine(usize),
    SwapWord(usize, usize),
    Insert(usize, char),
}

fn mutate(text: &str, mutations: &[Mutation]) -> String {
    let mut lines: Vec<String> = text.lines().map(str::to_string).collect();
    for m in mutations {
        if lines.is_empty() {
            break;
        }
        let words: Vec<String> = text
            .split(|c: char| c.is_whitespace() || "{}[],".contains(c))
            .filter(|w| !w.is_empty())
            .map(str::to_string)
            .collect();
        match *m {
            Mutation::DropLine(i) => {
                lines.remove(i % lines.len());
            }
            Mutation::DoubleLine(i) => {
                let line = lines[i % lines.len()].clone();
                lines.insert(i % lines.len(), line);
            }
            Mutation::SwapWord(i, j) => {
                let n = i % lines.len();
                let from = words[j % words.len()].clone();
                let line_words: Vec<&str> = lines[n].split_whitespace().collect();
                if let Some(victim) = line_words.get(j % line_words.len().max(1)) {
                    lines[n] = lines[n].replacen(victim, &from, 1);
                }
            }
            Mutation::Insert(i, c) => {
                let n = i % lines.len();
                let at = lines[n]
                    .char_indices()
                    .map(|(b, _)| b)
                    .nth(i % (lines[n].chars().count() + 1))
                    .unwrap_or(lines[n].len());
                lines[n].insert(at, c);
            }
        }
    }
    lines.join("\n")
}

fn mutation() -> impl Strategy<Value = Mutation> {
    prop_oneof![
        any::<usize>().prop_map(Mutation::DropLine),
        any::<usize>().prop_map(Mutation::DoubleLine),
        (any::<usize>(), any::<usize>()).prop_map(|(i, j)| Mutation::SwapWord(i, j)),
        (
            any::<usize>(),
            prop::sample::select(vec![':', '-', ' ', '{', '[', '"', '\'', '/', '.', '0', 'é', '\t', '#'])
        )
            .prop_map(|(i, c)| Mutation::Insert(i, c)),
    ]
}

// 256 cases each by default; set PROPTEST_CASES for a longer hunt.
proptest! {
    #[test]
    fn arbitrary_text_never_panics(text in "\\PC{0,300}") {
        exercise(&text);
    }

    #[test]
    fn yaml_shaped_text_never_panics(text in "(lab|title|nodes|links|design|r1|kind|router|host|eth1|addresses|[-:{}\\[\\], ]|\n  |10\\.0\\.0\\.1/24){0,60}") {
        exercise(&text);
    }

    #[test]
    fn arbitrary_images_and_limits_never_panic(image in "\\PC{0,80}", size in "\\PC{0,12}", cpus in any::<f64>(), pids in any::<i64>()) {
        // JSON strings are YAML double-quoted scalars; an escape makes the value's text
        // differ from the file's, which the places inside it must survive.
        let quote = |s: &str| serde_json::to_string(s).unwrap();
        let text = format!(
            "lab: x\ntitle: y\nnodes:\n  r1: {{ kind: router, image: {}, limits: {{ memory: {}, disk: {}, cpus: {cpus:?}, pids: {pids} }} }}\n",
            quote(&image), quote(&size), quote(&size),
        );
        exercise(&text);
    }

    #[test]
    fn nesting_around_the_bound_never_panics(levels in 0usize..80, style in 0usize..4, alias in any::<bool>()) {
        let nested = match style {
            0 => format!("{}x{}", "[".repeat(levels), "]".repeat(levels)),
            1 => format!("{}x{}", "{a: ".repeat(levels), "}".repeat(levels)),
            2 => format!("{}x", "- ".repeat(levels)),
            _ => (0..levels).map(|i| format!("a:\n{}", "  ".repeat(i + 2))).collect::<String>() + "x",
        };
        let text = if alias {
            format!("lab: x\ntitle: y\nnodes: {{}}\ndeep: &d\n  {nested}\nagain: [*d, *d]\n")
        } else {
            format!("lab: x\ntitle: y\nnodes: {{}}\nlinks:\n  {nested}\n")
        };
        exercise(&text);
    }

    #[test]
    fn broken_example_labs_never_panic(example in 0usize..7, mutations in prop::collection::vec(mutation(), 1..6)) {
        let texts = examples();
        let text = mutate(&texts[example % texts.len()], &mutations);
        exercise(&text);
    }
}
