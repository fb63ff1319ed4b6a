//! The labs in topologies/ are what teachers copy from: they must validate without a
//! single error or warning.

use std::path::Path;

use asbuilt::design::Lab;
use asbuilt::diagnostic::render::{Style, report};
use asbuilt::topology::Source;

fn example_labs() -> Vec<(Source, Lab)> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("topologies");
    let mut paths: Vec<_> = std::fs::read_dir(&dir).unwrap().map(|e| e.unwrap().path()).collect();
    paths.retain(|p| p.extension().is_some_and(|e| e == "yml"));
    paths.sort();
    paths
        .into_iter()
        .map(|path| {
            let source = Source::read(&path).unwrap();
            let lab = Lab::load(&source).unwrap_or_else(|errors| {
                let shown: Vec<String> = errors.iter().map(|e| report(e, &source, Style::Plain)).collect();
                panic!("{} does not validate:\n{}", path.display(), shown.join("\n"))
            });
            (source, lab)
        })
        .collect()
}

#[test]
fn every_example_lab_validates_without_warnings() {
    let labs = example_labs();
    assert!(labs.len() >= 6, "there are at least six example labs");
    for (source, lab) in &labs {
        let shown: Vec<String> = lab.warnings.iter().map(|w| report(w, source, Style::Plain)).collect();
        assert!(shown.is_empty(), "{} has warnings:\n{}", source.name, shown.join("\n"));
    }
}

#[test]
fn every_example_lab_has_dutch_and_english_task_text_and_work_processes() {
    for (source, lab) in example_labs() {
        let design = lab.design_for(None);
        assert!(design.task.nl.is_some() && design.task.en.is_some(), "{}", source.name);
        assert!(design.title.nl.is_some() && design.title.en.is_some(), "{}", source.name);
        assert!(!design.trains.is_empty(), "{}", source.name);
    }
}

#[test]
fn the_examples_cover_the_programme() {
    let labs = example_labs();
    let names: Vec<&str> = labs.iter().map(|(_, lab)| lab.name()).collect();
    for wanted in ["eerste-lan", "statisch-routeren", "ospf-basis", "dmz-basis", "dhcp-dns", "storingen"] {
        assert!(names.contains(&wanted), "missing example lab {wanted}");
    }
    assert!(labs.iter().any(|(_, lab)| lab.has_variants()), "one example uses per-student variants");
    let troubleshooting = labs.iter().find(|(_, l)| l.name() == "storingen").unwrap();
    let design = troubleshooting.1.design_for(None);
    assert!(design.faults.len() >= 3, "the troubleshooting lab has several faults");
    assert!(design.trains.iter().any(|t| t.0 == "B1-K1-W1"));
}

/// A school runs a whole module from what asbuilt ships: every work process of the
/// qualification has at least two labs, and docs/curriculum.md maps every lab.
#[test]
fn every_work_process_has_two_labs_and_every_lab_is_on_the_curriculum_page() {
    let labs = example_labs();
    for (code, _, english) in asbuilt::design::WorkProcess::KNOWN {
        let training: Vec<&str> = labs
            .iter()
            .filter(|(_, lab)| lab.design_for(None).trains.iter().any(|t| t.0 == code))
            .map(|(_, lab)| lab.name())
            .collect();
        assert!(training.len() >= 2, "{code} ({english}) has {} lab(s): {training:?}", training.len());
    }
    let page =
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/curriculum.md")).unwrap();
    for (source, lab) in &labs {
        let design = lab.design_for(None);
        // The page names a lab by the file it is shipped in.
        let stem = Path::new(&source.name).file_stem().unwrap().to_string_lossy();
        let row = page
            .lines()
            .find(|l| l.starts_with(&format!("| `{stem}` |")))
            .unwrap_or_else(|| panic!("docs/curriculum.md has no row for {stem}"));
        for wp in &design.trains {
            assert!(row.contains(&wp.0), "the row of {} lacks {}: {row}", lab.name(), wp.0);
        }
    }
}
