//! Judging a service at boot: in the boot lists and running, or neither. Half of it
//! right earns half: a service enabled but not started runs only after the next restart,
//! one started but not enabled is gone after it.

use super::verdict;
use crate::checks::derive::texts::t;
use crate::checks::model::ProbeSpec;
use crate::checks::observation::{BootFacts, Observation};
use crate::checks::outcome::Outcome;

pub fn judge(probe: &ProbeSpec, seen: &Observation) -> Option<Outcome> {
    let (ProbeSpec::Boot { service, enabled: wanted, .. }, Observation::Boot(result)) = (probe, seen) else {
        return None;
    };
    let expected = if *wanted {
        t(
            format!("{service} start bij het opstarten en draait nu"),
            format!("{service} starts at boot and runs now"),
        )
    } else {
        t(
            format!("{service} start niet bij het opstarten en draait niet"),
            format!("{service} does not start at boot and does not run"),
        )
    };
    let BootFacts { enabled, running } = match result {
        Ok(facts) => *facts,
        Err(why) => return Some(verdict(false, 0.0, expected, t(why.clone(), why.clone()))),
    };
    let observed = t(
        format!(
            "{} bij het opstarten, {}",
            if enabled { "aan" } else { "uit" },
            if running { "draait nu" } else { "draait niet" }
        ),
        format!(
            "{} at boot, {}",
            if enabled { "enabled" } else { "disabled" },
            if running { "running now" } else { "not running" }
        ),
    );
    let right = [enabled == *wanted, running == *wanted];
    let credit = right.iter().filter(|r| **r).count() as f64 / 2.0;
    Some(verdict(right.iter().all(|r| *r), credit, expected, observed))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn outcome(wanted: bool, enabled: bool, running: bool) -> Outcome {
        let probe = ProbeSpec::Boot { node: "srv".into(), service: "nginx".into(), enabled: wanted };
        judge(&probe, &Observation::Boot(Ok(BootFacts { enabled, running }))).unwrap()
    }

    #[test]
    fn both_at_boot_and_now_pass_and_one_of_the_two_earns_half() {
        assert_eq!(outcome(true, true, true).credit(), 1.0);
        assert_eq!(outcome(true, true, false).credit(), 0.5, "enabled, not started");
        assert_eq!(outcome(true, false, true).credit(), 0.5, "started, gone after a restart");
        assert_eq!(outcome(true, false, false).credit(), 0.0);
        assert_eq!(outcome(false, false, false).credit(), 1.0);
        assert_eq!(outcome(false, false, true).credit(), 0.5, "disabled, still running");
        assert_eq!(outcome(false, true, true).credit(), 0.0);
    }

    #[test]
    fn a_node_that_cannot_answer_fails_with_the_reason() {
        let probe = ProbeSpec::Boot { node: "srv".into(), service: "nginx".into(), enabled: true };
        let seen = Observation::Boot(Err("no asbuilt-service".into()));
        assert!(matches!(judge(&probe, &seen), Some(Outcome::Fail { credit, .. }) if credit == 0.0));
    }
}
