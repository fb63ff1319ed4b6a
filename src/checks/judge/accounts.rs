//! Judging local accounts: who exists, in which groups, and who may use sudo.

use super::verdict;
use crate::checks::derive::texts::t;
use crate::checks::model::ProbeSpec;
use crate::checks::observation::Observation;
use crate::checks::outcome::Outcome;
use crate::checks::probe::accounts::runs_everything_as_root;
use crate::design::Text;

pub fn judge(probe: &ProbeSpec, seen: &Observation) -> Option<Outcome> {
    Some(match (probe, seen) {
        (ProbeSpec::Account { name, absent: true, .. }, Observation::Account(result)) => {
            let expected = t(format!("geen account {name}"), format!("no account {name}"));
            match result {
                Ok(None) => verdict(true, 0.0, expected, t("bestaat niet", "does not exist")),
                Ok(Some(_)) => verdict(false, 0.0, expected, t("bestaat nog", "still exists")),
                Err(why) => verdict(false, 0.0, expected, t(why.clone(), why.clone())),
            }
        }
        (ProbeSpec::Account { name, groups, .. }, Observation::Account(result)) => {
            let list = groups.join(", ");
            let expected = if groups.is_empty() {
                t(format!("een account {name}"), format!("an account {name}"))
            } else {
                t(
                    format!("een account {name}, lid van {list}"),
                    format!("an account {name}, member of {list}"),
                )
            };
            match result {
                Ok(Some(has)) => {
                    let missing: Vec<&String> = groups.iter().filter(|g| !has.contains(g)).collect();
                    let shown = has.join(" ");
                    let observed = if missing.is_empty() {
                        t(format!("groepen: {shown}"), format!("groups: {shown}"))
                    } else {
                        let missing = missing.iter().map(|g| g.as_str()).collect::<Vec<_>>().join(", ");
                        t(
                            format!("groepen: {shown}; niet in {missing}"),
                            format!("groups: {shown}; not in {missing}"),
                        )
                    };
                    // The account is half of it, its groups the other half.
                    verdict(missing.is_empty(), 0.5, expected, observed)
                }
                Ok(None) => verdict(false, 0.0, expected, t("bestaat niet", "does not exist")),
                Err(why) => verdict(false, 0.0, expected, t(why.clone(), why.clone())),
            }
        }
        (ProbeSpec::Sudo { name, allowed, .. }, Observation::Sudo(result)) => {
            let expected = if *allowed {
                t(
                    format!("{name} mag alles als root met sudo"),
                    format!("{name} may run everything as root with sudo"),
                )
            } else {
                t(format!("{name} mag sudo niet gebruiken"), format!("{name} may not use sudo"))
            };
            match result {
                Ok(Some(rules)) => {
                    let passed = if *allowed {
                        rules.iter().any(|r| runs_everything_as_root(r))
                    } else {
                        rules.is_empty()
                    };
                    let observed = if rules.is_empty() {
                        t("geen sudo-regels", "no sudo rules")
                    } else {
                        let list = rules.join("; ");
                        t(format!("sudo-regels: {list}"), format!("sudo rules: {list}"))
                    };
                    verdict(passed, 0.0, expected, observed)
                }
                Ok(None) => verdict(
                    false,
                    0.0,
                    expected,
                    t(format!("{name} bestaat niet"), format!("{name} does not exist")),
                ),
                Err(why) => verdict(false, 0.0, expected, t(why.clone(), why.clone())),
            }
        }
        (
            ProbeSpec::KeyLogin { client, client_user, name, port, .. },
            Observation::Login { logged_in, said },
        ) => {
            let expected = t(
                format!(
                    "{client_user} op {client} logt met een sleutel, zonder wachtwoord, in als {name} via SSH (poort {port})"
                ),
                format!(
                    "{client_user} on {client} logs in as {name} with a key, without a password, over SSH (port {port})"
                ),
            );
            verdict(*logged_in, 0.0, expected, login_observed(name, *logged_in, said))
        }
        (ProbeSpec::Login { name, port, .. }, Observation::Login { logged_in, said }) => {
            let expected = t(
                format!("{name} logt met het wachtwoord in via SSH (poort {port})"),
                format!("{name} logs in with the password over SSH (port {port})"),
            );
            verdict(*logged_in, 0.0, expected, login_observed(name, *logged_in, said))
        }
        _ => return None,
    })
}

/// What an SSH login check saw: in as the user, or what ssh said instead.
fn login_observed(name: &str, logged_in: bool, said: &str) -> Text {
    if logged_in {
        t(format!("ingelogd als {name}"), format!("logged in as {name}"))
    } else {
        let said = super::excerpt(said, 120);
        t(format!("niet ingelogd: {said}"), format!("not logged in: {said}"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn account(groups: &[&str], absent: bool) -> ProbeSpec {
        ProbeSpec::Account {
            node: "srv".into(),
            name: "sanne".into(),
            groups: groups.iter().map(|g| g.to_string()).collect(),
            absent,
        }
    }

    fn seen(groups: Option<&[&str]>) -> Observation {
        Observation::Account(Ok(groups.map(|g| g.iter().map(|s| s.to_string()).collect())))
    }

    #[test]
    fn an_account_passes_with_every_designed_group_and_earns_half_without() {
        let probe = account(&["webbeheer"], false);
        assert!(matches!(
            judge(&probe, &seen(Some(&["sanne", "webbeheer", "sudo"]))),
            Some(Outcome::Pass { .. })
        ));
        assert!(matches!(
            judge(&probe, &seen(Some(&["sanne"]))),
            Some(Outcome::Fail { credit, .. }) if credit == 0.5
        ));
        assert!(matches!(judge(&probe, &seen(None)), Some(Outcome::Fail { credit, .. }) if credit == 0.0));
        let gone = account(&[], true);
        assert!(matches!(judge(&gone, &seen(None)), Some(Outcome::Pass { .. })));
        assert!(matches!(judge(&gone, &seen(Some(&["sanne"]))), Some(Outcome::Fail { .. })));
    }

    #[test]
    fn sudo_passes_for_full_rights_where_designed_and_for_none_where_not() {
        let sudo = |allowed| ProbeSpec::Sudo { node: "srv".into(), name: "sanne".into(), allowed };
        let rules = |r: &[&str]| Observation::Sudo(Ok(Some(r.iter().map(|s| s.to_string()).collect())));
        assert!(matches!(judge(&sudo(true), &rules(&["(ALL : ALL) ALL"])), Some(Outcome::Pass { .. })));
        assert!(matches!(
            judge(&sudo(true), &rules(&["(root) /usr/sbin/nginx"])),
            Some(Outcome::Fail { .. })
        ));
        assert!(matches!(judge(&sudo(false), &rules(&[])), Some(Outcome::Pass { .. })));
        // Even one limited rule is sudo for someone who may have none.
        assert!(matches!(
            judge(&sudo(false), &rules(&["(root) /usr/sbin/nginx"])),
            Some(Outcome::Fail { .. })
        ));
        assert!(matches!(judge(&sudo(false), &Observation::Sudo(Ok(None))), Some(Outcome::Fail { .. })));
    }
}
