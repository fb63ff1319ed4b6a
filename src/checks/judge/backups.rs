//! Judging a configuration backup: it must hold what the node runs now. Both sides are
//! compared as configuration lines, without what the tools add around them (FRR's
//! `Building configuration...` header and `!` separators, nft's `flush ruleset`), so a
//! copy of `show running-config` and FRR's own saved frr.conf both count.

use super::{excerpt, verdict};
use crate::checks::derive::texts::t;
use crate::checks::model::ProbeSpec;
use crate::checks::observation::Observation;
use crate::checks::outcome::Outcome;
use crate::design::ConfigSource;

/// How many differing lines a report names, each way.
const SHOWN: usize = 3;

pub fn judge(probe: &ProbeSpec, seen: &Observation) -> Option<Outcome> {
    let (ProbeSpec::Backup { node, server, file, source }, Observation::Backup(result)) = (probe, seen)
    else {
        return None;
    };
    let expected = t(
        format!("{file} op {server} is gelijk aan de draaiende configuratie van {node}"),
        format!("{file} on {server} matches the running configuration of {node}"),
    );
    let facts = match result {
        Ok(facts) => facts,
        Err(why) => return Some(verdict(false, 0.0, expected, t(why.clone(), why.clone()))),
    };
    let Some(saved) = &facts.saved else {
        let observed =
            t(format!("{file} bestaat niet op {server}"), format!("{file} does not exist on {server}"));
        return Some(verdict(false, 0.0, expected, observed));
    };
    let running = lines(*source, &facts.running);
    let kept = lines(*source, saved);
    if running == kept {
        let count = running.len();
        let observed = t(
            format!("gelijk: {count} configuratieregels"),
            format!("the same: {count} configuration lines"),
        );
        return Some(verdict(true, 1.0, expected, observed));
    }
    let missing: Vec<&str> = running.iter().filter(|l| !kept.contains(l)).take(SHOWN).copied().collect();
    let extra: Vec<&str> = kept.iter().filter(|l| !running.contains(l)).take(SHOWN).copied().collect();
    let quote =
        |found: &[&str]| found.iter().map(|l| format!("`{}`", excerpt(l, 80))).collect::<Vec<_>>().join(", ");
    let (mut nl, mut en) = (Vec::new(), Vec::new());
    if !missing.is_empty() {
        nl.push(format!("de back-up mist {}", quote(&missing)));
        en.push(format!("the backup lacks {}", quote(&missing)));
    }
    if !extra.is_empty() {
        nl.push(format!("de back-up heeft {} dat {node} niet draait", quote(&extra)));
        en.push(format!("the backup has {} that {node} does not run", quote(&extra)));
    }
    if nl.is_empty() {
        nl.push("dezelfde regels in een andere volgorde".into());
        en.push("the same lines in another order".into());
    }
    // A backup of this node that is out of date is half the work: it exists, and
    // restoring it would bring back an older configuration.
    let credit = if kept.is_empty() { 0.0 } else { 0.5 };
    Some(verdict(false, credit, expected, t(nl.join("; "), en.join("; "))))
}

/// The configuration lines of a tool's output or a saved file: trimmed, without blank
/// lines, comments and the tool's own framing.
fn lines(source: ConfigSource, text: &str) -> Vec<&str> {
    text.lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .filter(|l| match source {
            ConfigSource::Frr => {
                !l.starts_with('!')
                    && !l.starts_with("Building configuration")
                    && !l.starts_with("Current configuration")
                    && !l.starts_with("frr version")
                    && !l.starts_with("frr defaults")
                    && *l != "end"
            }
            ConfigSource::Nftables => !l.starts_with('#') && *l != "flush ruleset",
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::checks::observation::BackupFacts;

    const RUNNING: &str = "Building configuration...\n\nCurrent configuration:\n!\nfrr version 8.4.4\nfrr defaults traditional\nhostname r1\n!\ninterface eth1\n ip address 10.0.0.1/24\nexit\n!\nrouter ospf\n network 10.0.0.0/24 area 0\nexit\n!\nend\n";

    fn judged(source: ConfigSource, running: &str, saved: Option<&str>) -> Outcome {
        let probe = ProbeSpec::Backup {
            node: "r1".into(),
            server: "srv".into(),
            file: "/srv/backups/r1.conf".into(),
            source,
        };
        let seen =
            Observation::Backup(Ok(BackupFacts { running: running.into(), saved: saved.map(String::from) }));
        judge(&probe, &seen).unwrap()
    }

    fn said(outcome: &Outcome) -> String {
        match outcome {
            Outcome::Pass { observed } | Outcome::Fail { observed, .. } => observed.en.clone().unwrap(),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn frrs_saved_file_and_a_copy_of_show_running_config_both_match() {
        let saved = "frr version 8.4.4\nfrr defaults traditional\nhostname r1\n!\ninterface eth1\n ip address 10.0.0.1/24\nexit\n!\nrouter ospf\n network 10.0.0.0/24 area 0\nexit\n!\n";
        assert!(matches!(judged(ConfigSource::Frr, RUNNING, Some(saved)), Outcome::Pass { .. }));
        let outcome = judged(ConfigSource::Frr, RUNNING, Some(RUNNING));
        assert_eq!(said(&outcome), "the same: 7 configuration lines");
    }

    #[test]
    fn an_out_of_date_backup_names_what_differs_and_earns_half() {
        let old =
            RUNNING.replace(" network 10.0.0.0/24 area 0\n", "").replace("hostname r1", "hostname router1");
        let outcome = judged(ConfigSource::Frr, RUNNING, Some(&old));
        let Outcome::Fail { credit, .. } = outcome else { panic!("{outcome:?}") };
        assert_eq!(credit, 0.5);
        assert_eq!(
            said(&outcome),
            "the backup lacks `hostname r1`, `network 10.0.0.0/24 area 0`; the backup has `hostname router1` that r1 does not run"
        );
    }

    #[test]
    fn a_missing_or_empty_backup_earns_nothing() {
        let missing = judged(ConfigSource::Frr, RUNNING, None);
        assert_eq!(said(&missing), "/srv/backups/r1.conf does not exist on srv");
        assert!(matches!(judged(ConfigSource::Frr, RUNNING, Some("")), Outcome::Fail { credit: 0.0, .. }));
    }

    #[test]
    fn an_nft_rule_set_saved_as_a_script_matches_the_listing() {
        let listing = "table inet filter {\n\tchain input {\n\t\ttype filter hook input priority filter; policy drop;\n\t}\n}\n";
        let script = format!("#!/usr/sbin/nft -f\nflush ruleset\n\n{listing}");
        assert!(matches!(judged(ConfigSource::Nftables, listing, Some(&script)), Outcome::Pass { .. }));
    }
}
