//! Judging routes RIP installed: present, from RIP, through a designed next hop.

use std::net::IpAddr;

use super::verdict;
use crate::checks::derive::texts::t;
use crate::checks::model::ProbeSpec;
use crate::checks::observation::{Observation, RouteFact, RouteOrigin};
use crate::checks::outcome::Outcome;

pub fn judge(probe: &ProbeSpec, seen: &Observation) -> Option<Outcome> {
    let (ProbeSpec::RipRoute { to, via, interfaces, .. }, Observation::Routes(routes)) = (probe, seen) else {
        return None;
    };
    // IPv6 next hops are the neighbour's link-local address: the way out is what the
    // design fixes.
    let v6 = to.addr().is_ipv6();
    let ways = if v6 { interfaces.join(" / ") } else { join(via) };
    let expected = t(
        format!("route naar {to} via {ways}, geleerd via RIP"),
        format!("route to {to} via {ways}, learned through RIP"),
    );
    let designed_hop = |r: &RouteFact| {
        r.via.iter().any(|v| via.contains(v))
            || (v6 && r.interface.as_ref().is_some_and(|i| interfaces.contains(i)))
    };
    let shown = |r: &RouteFact| {
        if r.via.is_empty() { r.interface.clone().unwrap_or_else(|| "direct".into()) } else { join(&r.via) }
    };
    Some(match routes.iter().find(|r| r.to == *to) {
        Some(r) if r.origin == RouteOrigin::Rip && designed_hop(r) => verdict(
            true,
            1.0,
            expected,
            t(
                format!("route naar {to} via {} (RIP)", shown(r)),
                format!("route to {to} via {} (RIP)", shown(r)),
            ),
        ),
        // Learned, but the long way round: RIP counts hops, so another next hop means
        // a neighbour announces less than designed.
        Some(r) if r.origin == RouteOrigin::Rip => verdict(
            false,
            0.5,
            expected,
            t(
                format!("route naar {to} via {} (RIP), een andere buur dan ontworpen", shown(r)),
                format!("route to {to} via {} (RIP), another neighbour than designed", shown(r)),
            ),
        ),
        Some(r) => verdict(
            false,
            0.0,
            expected,
            t(
                format!("route naar {to} is er, maar niet via RIP ({})", r.origin.name()),
                format!("a route to {to} exists, but not from RIP ({})", r.origin.name()),
            ),
        ),
        None => {
            verdict(false, 0.0, expected, t(format!("geen route naar {to}"), format!("no route to {to}")))
        }
    })
}

fn join(addrs: &[IpAddr]) -> String {
    addrs.iter().map(IpAddr::to_string).collect::<Vec<_>>().join(" / ")
}
