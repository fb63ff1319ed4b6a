//! Names of lab instances: one per (lab, student), or one the teacher names.

use std::fmt;

use serde::{Deserialize, Serialize};

/// The name of one running lab: lowercase letters, digits and dashes, short enough to
/// prefix container names. `dmz-basis-s123456`, `ospf-demo`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(transparent)]
pub struct InstanceId(String);

/// Why a name cannot name an instance.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("`{0}` cannot name a lab instance: use lowercase letters, digits and dashes, at most 48 characters")]
pub struct InvalidInstanceName(pub String);

impl InstanceId {
    pub const MAX_LEN: usize = 48;

    /// Checks a name given by a person (`--name`).
    pub fn parse(name: &str) -> Result<InstanceId, InvalidInstanceName> {
        let ok = !name.is_empty()
            && name.len() <= Self::MAX_LEN
            && name.starts_with(|c: char| c.is_ascii_lowercase() || c.is_ascii_digit())
            && !name.ends_with('-')
            && name.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-');
        if ok { Ok(InstanceId(name.to_string())) } else { Err(InvalidInstanceName(name.to_string())) }
    }

    /// The instance a student gets of a lab (`dmz-basis-s123456`), or the lab's own name
    /// for the teacher's plan. A student id that is not a name already is folded to what
    /// a name may hold, with a short hash of the id itself, so that two ids never share
    /// an instance: `jan.de.vries` and `jan-de-vries` are two students.
    pub fn for_lab(lab: &str, student: Option<&str>) -> InstanceId {
        InstanceId(fold(lab, student, Self::MAX_LEN))
    }

    /// The instance of a lab's solution (`dmz-basis-solution`,
    /// `dmz-basis-jan-de-vries-solution`): the suffix is kept however long the rest is,
    /// so a finished lab is never mistaken for a student's.
    pub fn for_solution(lab: &str, student: Option<&str>) -> InstanceId {
        const SUFFIX: &str = "-solution";
        let base = fold(lab, student, Self::MAX_LEN - SUFFIX.len());
        InstanceId(format!("{base}{SUFFIX}"))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// `lab-student` as a name of at most `max` characters. When folding changed it (other
/// characters, capitals, a cut), six hex digits of its SHA-256 follow, so that different
/// ids give different names.
fn fold(lab: &str, student: Option<&str>, max: usize) -> String {
    let raw = match student {
        Some(s) => format!("{lab}-{s}"),
        None => lab.to_string(),
    };
    let mut folded = String::new();
    for c in raw.to_lowercase().chars() {
        let c = if c.is_ascii_lowercase() || c.is_ascii_digit() { c } else { '-' };
        if !(c == '-' && folded.ends_with('-')) {
            folded.push(c);
        }
    }
    let folded = folded.trim_matches('-').to_string();
    if folded == raw && folded.len() <= max {
        return folded;
    }
    use sha2::{Digest, Sha256};
    let digest = Sha256::digest(raw.as_bytes());
    let tag: String = digest.iter().take(3).map(|b| format!("{b:02x}")).collect();
    let mut base = folded;
    base.truncate(max - tag.len() - 1);
    let base = base.trim_end_matches('-');
    if base.is_empty() { format!("lab-{tag}") } else { format!("{base}-{tag}") }
}

impl fmt::Display for InstanceId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // `pad` honours widths, for tables.
        f.pad(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn student_ids_fold_into_names() {
        assert_eq!(InstanceId::for_lab("dmz-basis", Some("s123456")).as_str(), "dmz-basis-s123456");
        assert_eq!(InstanceId::for_lab("ospf", None).as_str(), "ospf");
        let folded = InstanceId::for_lab("dmz-basis", Some("Jan.de.Vries"));
        assert!(folded.as_str().starts_with("dmz-basis-jan-de-vries-"), "{folded}");
        assert_eq!(InstanceId::parse(folded.as_str()), Ok(folded));
        assert!(InstanceId::parse(InstanceId::for_lab("ospf", Some("--")).as_str()).is_ok());
    }

    #[test]
    fn two_student_ids_never_share_an_instance() {
        let ids =
            ["jan.de.vries", "jan-de-vries", "Jan-De-Vries", "jan_de_vries", "jan de vries", "JAN.DE.VRIES"];
        let names: std::collections::HashSet<InstanceId> =
            ids.iter().map(|s| InstanceId::for_lab("dmz-basis", Some(s))).collect();
        assert_eq!(names.len(), ids.len(), "{names:?}");
        // Cut to fit, two long ids that differ only at the end still differ.
        let long =
            |end: &str| InstanceId::for_lab("a-long-lab-name", Some(&format!("{}{end}", "x".repeat(60))));
        assert_ne!(long("1"), long("2"));
        assert!(long("1").as_str().len() <= InstanceId::MAX_LEN);
    }

    #[test]
    fn a_solution_is_named_so_however_long_the_rest() {
        assert_eq!(InstanceId::for_solution("dmz-basis", None).as_str(), "dmz-basis-solution");
        assert_eq!(InstanceId::for_solution("dmz-basis", Some("s1")).as_str(), "dmz-basis-s1-solution");
        let long = InstanceId::for_solution(&"x".repeat(60), Some("s123456"));
        assert!(long.as_str().ends_with("-solution"), "{long}");
        assert_eq!(InstanceId::parse(long.as_str()), Ok(long));
    }

    #[test]
    fn given_names_are_checked() {
        assert!(InstanceId::parse("ospf-demo").is_ok());
        assert!(InstanceId::parse("Ospf").is_err());
        assert!(InstanceId::parse("a b").is_err());
        assert!(InstanceId::parse("").is_err());
    }
}
