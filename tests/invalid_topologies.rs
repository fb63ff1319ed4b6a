//! Every file in tests/fixtures/invalid is wrong in one way. Its name says which error it
//! must give (`unknown-node--in-link.yml` must give `unknown-node`), and the full report
//! a teacher sees is kept as a snapshot, so a change in wording is a reviewed change.

use asbuilt::design::Lab;
use asbuilt::diagnostic::render::{Style, report};
use asbuilt::topology::Source;

#[test]
fn every_invalid_fixture_gives_its_error_with_the_expected_report() {
    insta::glob!("fixtures/invalid/*.yml", |path| {
        let stem = path.file_stem().unwrap().to_str().unwrap();
        let expected_code = stem.split("--").next().unwrap();
        // Read from its folder, so that `from:` finds (or misses) files beside it.
        let mut source = Source::read(path).unwrap();
        source.name = format!("invalid/{stem}.yml");
        let errors = match Lab::load(&source) {
            Ok(_) => panic!("{stem}: the fixture validated, but must fail with `{expected_code}`"),
            Err(errors) => errors,
        };
        assert!(
            errors.iter().any(|e| e.code == expected_code),
            "{stem}: expected a `{expected_code}` error, got {:?}",
            errors.iter().map(|e| e.code).collect::<Vec<_>>()
        );
        let rendered: Vec<String> = errors.iter().map(|e| report(e, &source, Style::Plain)).collect();
        insta::with_settings!({ snapshot_path => "snapshots/invalid", prepend_module_to_snapshot => false }, {
            insta::assert_snapshot!("report", rendered.join("\n"));
        });
    });
}

#[test]
fn every_error_of_every_invalid_fixture_says_how_to_fix_it() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/invalid");
    let mut without_help = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_none_or(|e| e != "yml") {
            continue;
        }
        let source = Source::read(&path).unwrap();
        let Err(errors) = Lab::load(&source) else { continue };
        for error in errors.iter().filter(|e| e.help.is_none()) {
            without_help.push(format!("{}: {} {}", path.display(), error.code, error.message));
        }
    }
    assert!(without_help.is_empty(), "errors without a help line:\n{}", without_help.join("\n"));
}
