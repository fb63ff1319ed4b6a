//! Names asbuilt accepts for what Kathará names more freely: nodes (lowercase letters,
//! digits and dashes, at most 20, starting with a letter), segments and the lab.

use std::collections::BTreeSet;

use indexmap::IndexMap;

use super::lab_conf::LabConf;
use crate::import::report::{FindingKind, Place, Report};

/// Lowercase letters, digits and single dashes, starting with a letter (`prefix` is put
/// before a name that does not), at most `max` characters.
pub fn sanitize(name: &str, prefix: &str, max: usize) -> String {
    let mut out = String::new();
    for c in name.to_lowercase().chars() {
        let c = if c.is_ascii_lowercase() || c.is_ascii_digit() { c } else { '-' };
        if !(c == '-' && (out.is_empty() || out.ends_with('-'))) {
            out.push(c);
        }
    }
    let mut out = out.trim_end_matches('-').to_string();
    if !out.starts_with(|c: char| c.is_ascii_lowercase()) {
        out = format!("{prefix}{out}");
    }
    out.truncate(max);
    out.trim_end_matches('-').to_string()
}

/// `name`, or `name-2`, `name-3`... when taken.
pub fn unique(name: &str, used: &mut BTreeSet<String>) -> String {
    let mut candidate = name.to_string();
    let mut n = 2;
    while used.contains(&candidate) {
        let suffix = format!("-{n}");
        let mut stem = name.to_string();
        stem.truncate(20usize.saturating_sub(suffix.len()).max(1));
        candidate = format!("{}{suffix}", stem.trim_end_matches('-'));
        n += 1;
    }
    used.insert(candidate.clone());
    candidate
}

/// The asbuilt name of every device, with a finding for each that changed.
pub fn assign(devices: &[String], conf: &LabConf, report: &mut Report) -> IndexMap<String, String> {
    let mut used = BTreeSet::new();
    let mut out = IndexMap::new();
    for device in devices {
        let name = unique(&sanitize(device, "n-", 20), &mut used);
        if &name != device {
            let place = conf
                .devices
                .get(device)
                .and_then(|d| d.place.clone())
                .unwrap_or_else(|| Place::file(device.as_str()));
            report.add(
                place,
                FindingKind::MappedWithLoss,
                format!("device `{device}` is node `{name}`: node names are lowercase letters, digits and dashes, at most 20, starting with a letter"),
            );
            report.renamed.push((device.clone(), name.clone()));
        }
        out.insert(device.clone(), name);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_made_valid_and_unique() {
        assert_eq!(sanitize("PC_1", "n-", 20), "pc-1");
        assert_eq!(sanitize("1router", "n-", 20), "n-1router");
        assert_eq!(sanitize("a_very_long_device_name_indeed", "n-", 20), "a-very-long-device-n");
        let mut used = BTreeSet::new();
        assert_eq!(unique("pc1", &mut used), "pc1");
        assert_eq!(unique("pc1", &mut used), "pc1-2");
    }
}
