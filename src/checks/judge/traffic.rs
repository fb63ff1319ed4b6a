//! Judging traffic: pings, paths, ports, NAT and cables.

use super::{Names, verdict};
use crate::checks::derive::texts::t;
use crate::checks::model::ProbeSpec;
use crate::checks::observation::{Observation, PingFacts, PortFact};
use crate::checks::outcome::Outcome;
use crate::design::Text;

/// A cable passes with at most this share of pings lost...
const LINK_MAX_LOSS: f64 = 0.1;
/// ...and a median round trip below this.
const LINK_MAX_RTT_MS: f64 = 50.0;

pub fn judge(probe: &ProbeSpec, seen: &Observation, names: &Names) -> Option<Outcome> {
    if let Observation::Stopped { reply, arrived, reached, deliverable } = seen {
        return stopped(
            probe,
            reply,
            Sightings { arrived: *arrived, reached: *reached, deliverable: *deliverable },
            names,
        );
    }
    Some(match (probe, seen) {
        (ProbeSpec::Ping { to, reach, .. }, Observation::Pings(p)) => {
            let observed = describe_pings(p, names);
            if *reach {
                let expected = t(format!("antwoord van {}", to.label), format!("replies from {}", to.label));
                verdict(p.received > 0, 0.0, expected, observed)
            } else {
                let expected = t(
                    format!("geen antwoord van {}: tegengehouden", to.label),
                    format!("no reply from {}: blocked", to.label),
                );
                verdict(p.received == 0, 0.0, expected, observed)
            }
        }
        (ProbeSpec::Link { to, .. }, Observation::Pings(p)) => {
            let expected = t(
                format!("{to} antwoordt op elke ping, binnen {LINK_MAX_RTT_MS} ms"),
                format!("{to} answers every ping, within {LINK_MAX_RTT_MS} ms"),
            );
            let loss = 1.0 - f64::from(p.received) / f64::from(p.sent.max(1));
            let passed = p.received > 0 && loss <= LINK_MAX_LOSS && median(&p.rtt_ms) <= LINK_MAX_RTT_MS;
            verdict(passed, 0.0, expected, describe_pings(p, names))
        }
        (ProbeSpec::Traceroute { to, via, .. }, Observation::Traceroute(trace)) => {
            let expected = t(
                format!("via {} naar {}", via.join(", "), to.label),
                format!("via {} to {}", via.join(", "), to.label),
            );
            // The last hop is the target itself when it was reached.
            let routers = if trace.reached {
                &trace.hops[..trace.hops.len().saturating_sub(1)]
            } else {
                &trace.hops[..]
            };
            let shown: Vec<String> = routers
                .iter()
                .map(|h| match h {
                    Some(a) => names.node(*a).map_or_else(|| a.to_string(), str::to_string),
                    None => "*".to_string(),
                })
                .collect();
            let path = if shown.is_empty() { "-".to_string() } else { shown.join(", ") };
            let observed = if trace.reached {
                t(format!("via {path} naar {}", to.label), format!("via {path} to {}", to.label))
            } else {
                t(format!("via {path}, en daar houdt het op"), format!("via {path}, and there it stops"))
            };
            verdict(trace.reached && shown == *via, 0.0, expected, observed)
        }
        (ProbeSpec::Port { to, protocol, port, open, .. }, Observation::Port(fact)) => {
            let service = format!("{protocol}/{port}");
            let observed = describe_port(fact);
            if *open {
                let expected =
                    t(format!("{} open op {service}", to.label), format!("{} open on {service}", to.label));
                verdict(*fact == PortFact::Open, 0.0, expected, observed)
            } else {
                let expected = t(
                    format!("{service} op {} is niet bereikbaar", to.label),
                    format!("{service} on {} cannot be reached", to.label),
                );
                verdict(*fact != PortFact::Open, 0.0, expected, observed)
            }
        }
        (ProbeSpec::Inject { from, firewall, to, .. }, Observation::Arrival { arrived }) => {
            let expected = t(
                format!("verkeer dat {from} naar {firewall} stuurt, komt niet aan bij {}", to.label),
                format!("traffic {from} sends to {firewall} does not arrive at {}", to.label),
            );
            let observed = if *arrived {
                t(
                    format!("het kwam aan bij {}: de firewall liet het door", to.label),
                    format!("it arrived at {}: the firewall let it through", to.label),
                )
            } else {
                t(format!("het kwam niet aan bij {}", to.label), format!("it did not arrive at {}", to.label))
            };
            verdict(!*arrived, 0.0, expected, observed)
        }
        (ProbeSpec::Nat { to, source, .. }, Observation::Nat { connected, seen_source, failure }) => {
            let expected = t(
                format!("{} ziet het verkeer van bronadres {source}", to.label),
                format!("{} sees the traffic from source address {source}", to.label),
            );
            let observed = match (connected, seen_source) {
                (true, Some(s)) if s == source => t(format!("bronadres {s}"), format!("source address {s}")),
                (true, Some(s)) => t(
                    format!("bronadres {}: niet vertaald naar het adres van de firewall", names.show(*s)),
                    format!("source address {}: not translated to the firewall's address", names.show(*s)),
                ),
                _ => {
                    let why = failure.clone().unwrap_or_default();
                    t(format!("het verkeer kwam niet aan {why}"), format!("the traffic did not arrive {why}"))
                }
            };
            verdict(*connected && seen_source.as_ref() == Some(source), 0.0, expected, observed)
        }
        _ => return None,
    })
}

/// A check that traffic is blocked, with its positive control: the traffic must get as
/// far as where the policy must stop it, and no further. Silence alone never passes: an
/// empty lab is silent too.
/// Where asbuilt saw the packets of a negative check (see `Observation::Stopped`).
#[derive(Debug, Clone, Copy)]
struct Sightings {
    arrived: Option<bool>,
    reached: Option<bool>,
    deliverable: Option<bool>,
}

fn stopped(probe: &ProbeSpec, reply: &Observation, seen: Sightings, names: &Names) -> Option<Outcome> {
    let (from, to, stopped, what, answered, observed) = match (probe, reply) {
        (ProbeSpec::Ping { from, to, stopped, .. }, Observation::Pings(p)) => {
            (from, &to.label, stopped.as_ref(), t("pings", "pings"), p.received > 0, describe_pings(p, names))
        }
        (ProbeSpec::Port { from, to, protocol, port, stopped, .. }, Observation::Port(fact)) => (
            from,
            &to.label,
            stopped.as_ref(),
            t(format!("verkeer naar {protocol}/{port}"), format!("traffic to {protocol}/{port}")),
            *fact == PortFact::Open,
            describe_port(fact),
        ),
        (ProbeSpec::Inject { from, firewall, to, .. }, Observation::Arrival { .. }) => {
            // The firewall is where the injected packet must be stopped.
            return Some(judge_stopped(
                &from.node,
                &to.label,
                Some(&firewall.node),
                t("het pakket", "the packet"),
                false,
                seen,
                t("", ""),
            ));
        }
        _ => return None,
    };
    Some(judge_stopped(from, to, stopped.map(|e| e.at.as_str()), what, answered, seen, observed))
}

fn judge_stopped(
    from: &str,
    to: &str,
    at: Option<&str>,
    what: Text,
    answered: bool,
    seen: Sightings,
    observed: Text,
) -> Outcome {
    let Sightings { arrived, reached, deliverable } = seen;
    let (what_nl, what_en) = (what.nl.unwrap_or_default(), what.en.unwrap_or_default());
    let at = at.unwrap_or("?");
    let expected = t(
        format!("{what_nl} van {from} komt aan bij {at} en wordt daar tegengehouden"),
        format!("{what_en} from {from} gets to {at} and is stopped there"),
    );
    if answered {
        let seen = t(
            format!("{to} antwoordt: het werd doorgelaten ({})", observed.nl.clone().unwrap_or_default()),
            format!("{to} answers: it was let through ({})", observed.en.clone().unwrap_or_default()),
        );
        return Outcome::Fail { expected, observed: seen, credit: 0.0 };
    }
    if arrived == Some(true) && at != to {
        let seen = t(
            format!("het kwam aan bij {to}: {at} liet het door"),
            format!("it arrived at {to}: {at} let it through"),
        );
        return Outcome::Fail { expected, observed: seen, credit: 0.0 };
    }
    match reached {
        Some(true) if deliverable == Some(false) => Outcome::Skipped {
            reason: t(
                format!(
                    "{at} komt zelf niet bij {to}: zolang het netwerk achter {at} nog niet werkt, bewijst 'tegengehouden' niets"
                ),
                format!(
                    "{at} itself does not reach {to}: while the network behind {at} does not work yet, 'blocked' proves nothing"
                ),
            ),
        },
        Some(true) => Outcome::Pass {
            observed: t(
                format!("het kwam tot {at} en niet verder"),
                format!("it got to {at} and no further"),
            ),
        },
        Some(false) => Outcome::Skipped {
            reason: t(
                format!(
                    "{what_nl} van {from} komt niet eens bij {at}: zolang het netwerk daar nog niet werkt, bewijst 'tegengehouden' niets"
                ),
                format!(
                    "{what_en} from {from} does not even get to {at}: while the network there does not work yet, 'blocked' proves nothing"
                ),
            ),
        },
        None => Outcome::Skipped {
            reason: t(
                "asbuilt weet niet waar dit verkeer tegengehouden moet worden, dus kan het niet controleren",
                "asbuilt does not know where this traffic must be stopped, so it cannot tell",
            ),
        },
    }
}

fn median(values: &[f64]) -> f64 {
    if values.is_empty() {
        return 0.0;
    }
    let mut sorted = values.to_vec();
    sorted.sort_by(f64::total_cmp);
    sorted[sorted.len() / 2]
}

fn describe_pings(p: &PingFacts, names: &Names) -> Text {
    if p.received > 0 {
        let rtt = median(&p.rtt_ms);
        return t(
            format!("{} van {} pings beantwoord, {rtt:.1} ms", p.received, p.sent),
            format!("{} of {} pings answered, {rtt:.1} ms", p.received, p.sent),
        );
    }
    if let Some(why) = &p.local_error {
        return t(format!("niet verstuurd: {why}"), format!("not sent: {why}"));
    }
    match &p.error_from {
        Some((from, what)) => t(
            format!("geen antwoord; {} meldt: {what}", names.show(*from)),
            format!("no reply; {} reports: {what}", names.show(*from)),
        ),
        None => t(format!("geen antwoord op {} pings", p.sent), format!("no reply to {} pings", p.sent)),
    }
}

fn describe_port(fact: &PortFact) -> Text {
    match fact {
        PortFact::Open => t("de verbinding komt tot stand", "the connection is made"),
        PortFact::Refused => t(
            "geweigerd: er luistert niets, of een firewall weigert het",
            "refused: nothing listens, or a firewall rejects it",
        ),
        PortFact::Silent => t(
            "geen antwoord: een firewall gooit het weg, of een route ontbreekt",
            "no answer: a firewall drops it, or a route is missing",
        ),
        PortFact::Unreachable(what) => t(format!("onbereikbaar: {what}"), format!("unreachable: {what}")),
    }
}
