//! Judging monitoring: a message that reached the log server, an SNMP agent that answers
//! its community and no other.

use super::verdict;
use crate::checks::derive::texts::t;
use crate::checks::model::ProbeSpec;
use crate::checks::observation::Observation;
use crate::checks::outcome::Outcome;
use crate::checks::probe::monitoring::WELL_KNOWN_COMMUNITY;

pub fn judge(probe: &ProbeSpec, seen: &Observation) -> Option<Outcome> {
    Some(match (probe, seen) {
        (ProbeSpec::Syslog { from, server, address, port }, Observation::Syslog(result)) => {
            let expected = t(
                format!("een melding van {from} komt aan op {server} ({address}, udp/{port})"),
                format!("a message logged on {from} arrives on {server} ({address}, udp/{port})"),
            );
            let observed = match result {
                Ok(Some(file)) => t(format!("aangekomen in {file}"), format!("arrived in {file}")),
                Ok(None) => t(
                    format!("de melding van asbuilt kwam niet aan op {server}"),
                    format!("asbuilt's message did not arrive on {server}"),
                ),
                Err(why) => t(format!("niet verstuurd: {why}"), format!("not sent: {why}")),
            };
            verdict(matches!(result, Ok(Some(_))), 0.0, expected, observed)
        }
        (ProbeSpec::Snmp { community, port, .. }, Observation::Snmp { name, public_answered }) => {
            let expected = match public_answered {
                Some(_) => t(
                    format!(
                        "antwoord op community `{community}` (udp/{port}), geen antwoord op `{WELL_KNOWN_COMMUNITY}`"
                    ),
                    format!(
                        "an answer to community `{community}` (udp/{port}), none to `{WELL_KNOWN_COMMUNITY}`"
                    ),
                ),
                None => t(
                    format!("antwoord op community `{community}` (udp/{port})"),
                    format!("an answer to community `{community}` (udp/{port})"),
                ),
            };
            let answered = matches!(name, Ok(Some(_)));
            let open_to_public = *public_answered == Some(true);
            let (said_nl, said_en) = match name {
                Ok(Some(n)) => (format!("sysName {n}"), format!("sysName {n}")),
                Ok(None) => ("geen antwoord".to_string(), "no answer".to_string()),
                Err(why) => (why.clone(), why.clone()),
            };
            let mut nl = format!("`{community}`: {said_nl}");
            let mut en = format!("`{community}`: {said_en}");
            if let Some(public) = public_answered {
                let (word_nl, word_en) =
                    if *public { ("antwoordt", "answers") } else { ("geen antwoord", "no answer") };
                nl.push_str(&format!("; `{WELL_KNOWN_COMMUNITY}`: {word_nl}"));
                en.push_str(&format!("; `{WELL_KNOWN_COMMUNITY}`: {word_en}"));
            }
            // The community answering is most of it; refusing `public` is the rest.
            let credit = if answered { 0.5 } else { 0.0 };
            verdict(answered && !open_to_public, credit, expected, t(nl, en))
        }
        (ProbeSpec::NtpServer { address, .. }, Observation::NtpAnswer { stratum, alarm }) => {
            let expected = t(
                format!("tijd via NTP op {address} (udp/123), van een gesynchroniseerde klok"),
                format!("time over NTP at {address} (udp/123), from a synchronised clock"),
            );
            let (ok, observed) = match stratum {
                None => (false, t("geen NTP-antwoord", "no NTP answer")),
                Some(s) if *alarm || *s == 0 || *s > 15 => (
                    false,
                    t(
                        format!("antwoord met stratum {s}, klok niet gesynchroniseerd"),
                        format!("an answer with stratum {s}, clock not synchronised"),
                    ),
                ),
                Some(s) => {
                    (true, t(format!("antwoord met stratum {s}"), format!("an answer with stratum {s}")))
                }
            };
            verdict(ok, 0.0, expected, observed)
        }
        (ProbeSpec::NtpFollows { server, address, .. }, Observation::TimeSources(result)) => {
            let expected = t(
                format!("{server} ({address}) is de gekozen tijdbron (`*` in `chronyc sources`)"),
                format!("{server} ({address}) is the selected time source (`*` in `chronyc sources`)"),
            );
            match result {
                Err(why) => verdict(false, 0.0, expected, t(why.clone(), why.clone())),
                Ok(sources) => {
                    let listed: Vec<String> = sources.iter().map(|(a, s)| format!("{s} {a}")).collect();
                    let shown = if listed.is_empty() { "-".to_string() } else { listed.join(", ") };
                    let wanted = address.to_string();
                    let state = sources.iter().find(|(a, _)| *a == wanted).map(|(_, s)| *s);
                    // Listed but not (yet) chosen earns half: the configuration is there.
                    let credit = if state.is_some() { 0.5 } else { 0.0 };
                    verdict(
                        state == Some('*'),
                        credit,
                        expected,
                        t(format!("bronnen: {shown}"), format!("sources: {shown}")),
                    )
                }
            }
        }
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::checks::outcome::Outcome;

    fn agent() -> ProbeSpec {
        ProbeSpec::Snmp {
            node: "r1".into(),
            address: "10.0.0.1".parse().unwrap(),
            port: 161,
            community: "beheer-ro".into(),
        }
    }

    #[test]
    fn an_agent_passes_only_when_it_answers_its_community_and_refuses_public() {
        let seen = |name: Option<&str>, public: Option<bool>| Observation::Snmp {
            name: Ok(name.map(String::from)),
            public_answered: public,
        };
        assert!(matches!(judge(&agent(), &seen(Some("r1"), Some(false))), Some(Outcome::Pass { .. })));
        match judge(&agent(), &seen(Some("r1"), Some(true))) {
            Some(Outcome::Fail { credit, observed, .. }) => {
                assert_eq!(credit, 0.5);
                assert!(observed.get(crate::design::Lang::En).unwrap().contains("`public`: answers"));
            }
            other => panic!("{other:?}"),
        }
        assert!(matches!(
            judge(&agent(), &seen(None, Some(false))),
            Some(Outcome::Fail { credit, .. }) if credit == 0.0
        ));
    }

    #[test]
    fn a_message_passes_only_when_it_arrived() {
        let probe = ProbeSpec::Syslog {
            from: "r1".into(),
            server: "logsrv".into(),
            address: "10.0.0.5".parse().unwrap(),
            port: 514,
        };
        let arrived = Observation::Syslog(Ok(Some("/var/log/remote/r1.log".into())));
        assert!(matches!(judge(&probe, &arrived), Some(Outcome::Pass { .. })));
        assert!(matches!(judge(&probe, &Observation::Syslog(Ok(None))), Some(Outcome::Fail { .. })));
        let unsent = Observation::Syslog(Err("no /dev/log".into()));
        assert!(matches!(judge(&probe, &unsent), Some(Outcome::Fail { .. })));
    }
}
