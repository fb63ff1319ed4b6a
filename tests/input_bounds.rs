//! A topology file from anywhere costs bounded work. These are the inputs testers found
//! to take minutes or gigabytes, generated here because they are too big for fixtures.
//! Each test asserts how much work was done (what was indexed, kept, or produced), not
//! how long it took, so that a slow machine cannot make them flaky.

use asbuilt::design::Lab;
use asbuilt::diagnostic::Diagnostic;
use asbuilt::diagnostic::render::{Style, report};
use asbuilt::topology::Source;
use asbuilt::topology::bounds;

const HEAD: &str = "lab: x\ntitle: y\nnodes:\n  r1: { kind: router }\n  r2: { kind: router }\n";

fn codes(errors: &[Diagnostic]) -> Vec<&'static str> {
    errors.iter().map(|e| e.code).collect()
}

#[test]
fn fifty_megabytes_of_placeholders_are_refused_before_anything_reads_them() {
    let line = "  {r1} {cidr r1:eth1} {net r2:eth1} {r2:eth1}\n";
    let text = format!("{HEAD}task: |\n{}", line.repeat(50 * 1024 * 1024 / line.len()));
    let source = Source::new("big.yml", text);
    assert!(source.too_big.is_some());
    assert!(source.text.is_empty() && source.locations.is_empty(), "the text was kept or indexed");
    let errors = Lab::load(&source).unwrap_err();
    assert_eq!(codes(&errors), ["file-too-big"]);
    assert_eq!(errors[0].message, "the file is 51 MiB; a topology file may be at most 1 MiB");
}

#[test]
fn a_hundred_thousand_open_brackets_are_refused_at_the_first_level_too_deep() {
    for open in ["[", "{a: "] {
        let close = if open == "[" { "]" } else { "}" };
        let text = format!("{HEAD}links: {}x{}\n", open.repeat(100_000), close.repeat(100_000));
        let source = Source::new("deep.yml", text);
        assert!(source.locations.len() < 100, "indexed {} values", source.locations.len());
        let errors = Lab::load(&source).unwrap_err();
        assert_eq!(codes(&errors), ["too-deep"], "{open}");
    }
}

#[test]
fn mappings_nested_by_indentation_are_refused_at_the_first_level_too_deep() {
    let mut text = format!("{HEAD}design:\n");
    for level in 1..200 {
        text += &format!("{}k:\n", "  ".repeat(level));
    }
    let source = Source::new("deep.yml", text);
    assert!(source.locations.len() < 100, "indexed {} values", source.locations.len());
    let errors = Lab::load(&source).unwrap_err();
    assert_eq!(codes(&errors), ["too-deep"]);
}

#[test]
fn lists_nested_on_one_line_are_refused_at_the_first_level_too_deep() {
    let text = format!("{HEAD}links:\n{}x\n", "- ".repeat(100_000));
    let source = Source::new("deep.yml", text);
    assert!(source.locations.len() < 100, "indexed {} values", source.locations.len());
    assert_eq!(codes(&Lab::load(&source).unwrap_err()), ["too-deep"]);
}

#[test]
fn one_long_list_repeated_by_many_aliases_is_refused_before_serde_builds_it_out() {
    // 20,000 segments of the same 20,000 members: 400 million strings for serde.
    let members = vec!["r1:eth1"; 20_000].join(", ");
    let mut text = format!("{HEAD}segments:\n  s0: &all [{members}]\n");
    for i in 1..20_000 {
        text += &format!("  s{i}: *all\n");
    }
    let source = Source::new("aliases.yml", text);
    let errors = Lab::load(&source).unwrap_err();
    assert_eq!(codes(&errors), ["aliases-too-big"]);
    // The first alias repeats 20,001 values, so it is the one that goes over.
    assert_eq!(report(&errors[0], &source, Style::Plain).matches("s1: *all").count(), 1);
}

#[test]
fn a_flood_of_errors_keeps_a_hundred_and_counts_the_rest() {
    let mut text = format!("{HEAD}checks:\n");
    for i in 0..5_000 {
        text += &format!("  - ping: pc{i} -> r1\n");
    }
    let errors = Lab::load(&Source::new("flood.yml", text)).unwrap_err();
    assert_eq!(errors.len(), bounds::DIAGNOSTICS + 1);
    let last = errors.last().unwrap();
    assert_eq!((last.code, last.message.as_str()), ("too-many-errors", "4900 more errors are not shown"));
}

const LAB: &str = "lab: x\ntitle: y\nnodes:\n  r1: { kind: router }\n  r2: { kind: router }\n\
                   links: [r1:eth1 -- r2:eth1]\n\
                   design: { addresses: { r1:eth1: 10.0.0.1/30, r2:eth1: 10.0.0.2/30 } }\n\
                   variants: { 10.0.0.0/30: 10.0.0.0/8 }\n";

#[test]
fn a_mebibyte_of_placeholders_is_refused_at_the_first_one_over_the_bound() {
    let line = "    {r1} {cidr r1:eth1} {net r2:eth1} {r2:eth1}\n";
    let text = format!("{LAB}task: |\n{}", line.repeat((bounds::FILE_BYTES - LAB.len() - 8) / line.len()));
    let source = Source::new("placeholders.yml", text);
    assert!(source.too_big.is_none());
    let errors = Lab::load(&source).unwrap_err();
    assert_eq!(codes(&errors), ["too-many-placeholders"]);
    let shown = report(&errors[0], &source, Style::Plain);
    // Placeholder 1,001 is the first of line 251 of the task, which starts on line 10.
    assert!(shown.contains("placeholders.yml:260:5"), "{shown}");
}

#[test]
fn filling_in_the_most_placeholders_allowed_produces_a_bounded_text() {
    let prose = "Configureer de router volgens het adresplan. ".repeat(20);
    let line = format!("    {{cidr r1:eth1}} {prose}\n");
    let text = format!("{LAB}task: |\n{}", line.repeat(bounds::PLACEHOLDERS));
    let source = Source::new("placeholders.yml", text);
    let lab = Lab::load(&source).unwrap();
    for student in ["s1", "s2", "s3"] {
        let task = lab.design_for(Some(student)).task.nl.unwrap();
        // Each placeholder becomes at most an IPv6 address with its prefix: 43 bytes.
        assert!(task.len() <= source.text.len() + bounds::PLACEHOLDERS * 43);
        assert!(!task.contains("{cidr"), "every placeholder is filled in");
    }
}

#[test]
fn a_lab_over_the_node_bound_is_not_resolved_further() {
    // 40,000 unconnected nodes would each get a warning, and every later stage a look.
    let mut text = String::from("lab: x\ntitle: y\nnodes:\n");
    for i in 0..40_000 {
        text += &format!("  n{i}: {{ kind: host }}\n");
    }
    let errors = Lab::load(&Source::new("nodes.yml", text)).unwrap_err();
    assert_eq!(codes(&errors), ["too-many-nodes"]);
}

#[test]
fn a_lab_over_the_cable_bound_is_not_cabled_at_all() {
    let mut text = format!("{HEAD}links:\n");
    for i in 0..30_000 {
        text += &format!("  - r1:eth{i} -- r2:eth{i}\n");
    }
    let errors = Lab::load(&Source::new("cables.yml", text)).unwrap_err();
    assert_eq!(codes(&errors), ["too-many-cables"]);
}

#[test]
fn a_node_over_the_interface_bound_is_reported_once() {
    let mut text = format!("{HEAD}segments:\n");
    for i in 0..300 {
        text += &format!("  s{i}: [r1:eth{i}, r2:eth{i}]\n");
    }
    let errors = Lab::load(&Source::new("interfaces.yml", text)).unwrap_err();
    assert_eq!(codes(&errors), ["too-many-interfaces", "too-many-interfaces"], "once for r1, once for r2");
}
