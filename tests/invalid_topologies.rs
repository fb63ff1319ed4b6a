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
        let text = std::fs::read_to_string(path).unwrap();
        let source = Source::new(format!("invalid/{stem}.yml"), text);
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
