//! BGP checks: every session the design implies, seen from both ends, and every route
//! a router learns through BGP with the AS path its best path must have (which is where
//! a route policy shows: local-preference or MED choosing one path over another).

use super::ids::prefix;
use super::texts::t;
use super::{Area, Draft};
use crate::checks::bgp_facts::show_path;
use crate::checks::model::ProbeSpec;
use crate::checks::sim::World;
use crate::design::{Design, Text};

pub fn derive(design: &Design, world: &World) -> Vec<Draft> {
    let mut out = Vec::new();
    for s in &world.bgp.sessions {
        let probe = ProbeSpec::BgpSession {
            node: s.node.clone(),
            neighbour: s.peer.clone(),
            address: s.address,
            remote_as: s.remote_as,
        };
        // Two routers may peer once per family: an IPv6 session has an id of its own.
        let family = if s.address.is_ipv4() { "bgp-session" } else { "bgp-session6" };
        // A session retries its connection every few seconds (FRR's default is two
        // minutes; a student may keep it): patient, until settling says it is done.
        out.push(
            Draft::new(
                format!("{family}/{}/{}", s.node, s.peer),
                session_text(&s.node, &s.peer, s.remote_as),
                Area::Network,
                probe,
            )
            .patient(15, 2_000),
        );
    }
    for node in design.nodes.values().filter(|n| n.bgp.is_some()) {
        let Some(table) = world.bgp.tables.get(&node.name) else { continue };
        for (net, best) in table.iter().filter(|(_, b)| b.best.from.is_some()) {
            let mut as_paths: Vec<Vec<u32>> = best.tied.iter().map(|p| p.as_path.clone()).collect();
            as_paths.sort();
            as_paths.dedup();
            let shown: Vec<String> = as_paths.iter().map(|p| show_path(p)).collect();
            let probe = ProbeSpec::BgpRoute { node: node.name.clone(), to: *net, as_paths };
            out.push(
                Draft::new(
                    format!("bgp-route/{}/{}", node.name, prefix(design, *net)),
                    route_text(&node.name, &net.to_string(), &shown.join(" / ")),
                    Area::Network,
                    probe,
                )
                .patient(20, 2_000),
            );
        }
    }
    out
}

fn session_text(node: &str, peer: &str, asn: u32) -> (Text, Text) {
    (
        t(
            format!("{node} heeft een BGP-sessie met {peer} (AS {asn})"),
            format!("{node} has a BGP session with {peer} (AS {asn})"),
        ),
        t(
            format!(
                "Kijk met `vtysh -c \"show bgp summary\"` op {node}. Staat {peer} als `neighbor` met `remote-as {asn}`, en heeft {peer} {node} ook als buur, met het AS van {node}?"
            ),
            format!(
                "Look with `vtysh -c \"show bgp summary\"` on {node}. Is {peer} a `neighbor` with `remote-as {asn}`, and does {peer} have {node} as a neighbour too, with {node}'s AS?"
            ),
        ),
    )
}

fn route_text(node: &str, to: &str, path: &str) -> (Text, Text) {
    (
        t(
            format!("{node} leert {to} via BGP, beste pad over AS-pad {path}"),
            format!("{node} learns {to} through BGP, best path over AS path {path}"),
        ),
        t(
            format!(
                "Kijk met `vtysh -c \"show bgp ipv4 unicast\"` op {node}. Kondigt de router waar {to} aan hangt het aan (`network`)? Kiest het routebeleid (local-preference, MED, prefix-lijsten) het ontworpen pad?"
            ),
            format!(
                "Look with `vtysh -c \"show bgp ipv4 unicast\"` on {node}. Does the router {to} is attached to announce it (`network`)? Does the route policy (local-preference, MED, prefix lists) choose the designed path?"
            ),
        ),
    )
}
