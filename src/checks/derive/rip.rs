//! `rip-route/<router>/<prefix>`: every route RIP must install, with the neighbours a
//! shortest path by hop count goes through.

use super::ids::prefix;
use super::texts::t;
use super::{Area, Draft};
use crate::checks::model::ProbeSpec;
use crate::checks::sim::{RouteSource, World};
use crate::design::{Design, Text};

pub fn routes(design: &Design, world: &World) -> Vec<Draft> {
    let mut out = Vec::new();
    for node in design.nodes.values().filter(|n| n.rip.is_some()) {
        let Some(learned) = world.rip.learned.get(&node.name) else { continue };
        let fib = &world.fibs[&node.name];
        // In the teacher's order of subnets, so that every student's suite lists them alike.
        let mut learned: Vec<_> = learned.iter().collect();
        learned.sort_by_key(|r| super::ids::teacher_net(design, r.route.to));
        for r in learned {
            let to = r.route.to;
            let host_route = to.prefix_len() == to.max_prefix_len();
            // A static or OSPF route to the same prefix wins in the kernel (a lower
            // distance): RIP's is not installed and not shown.
            let beaten =
                fib.find(to, RouteSource::Static).is_some() || fib.find(to, RouteSource::Ospf).is_some();
            if host_route || beaten {
                continue;
            }
            let mut neighbours: Vec<String> =
                r.hops.iter().filter_map(|(a, _)| world.owner(*a).map(|n| n.name.clone())).collect();
            neighbours.dedup();
            let probe = ProbeSpec::RipRoute {
                node: node.name.clone(),
                to,
                via: r.hops.iter().map(|(a, _)| *a).collect(),
                interfaces: r.hops.iter().map(|(_, i)| i.clone()).collect(),
            };
            let id = format!("rip-route/{}/{}", node.name, prefix(design, to));
            // RIP answers a new neighbour's request at once and sends triggered updates,
            // but a route may wait for the next periodic update (30 s) after a change.
            out.push(
                Draft::new(
                    id,
                    texts(&node.name, &to.to_string(), &neighbours, r.metric),
                    Area::Network,
                    probe,
                )
                .patient(20, 2_000),
            );
        }
    }
    out
}

fn texts(node: &str, to: &str, neighbours: &[String], metric: u8) -> (Text, Text) {
    let via = neighbours.join(" / ");
    (
        t(
            format!("{node} leert {to} via RIP van {via} (metric {metric})"),
            format!("{node} learns {to} through RIP from {via} (metric {metric})"),
        ),
        t(
            format!(
                "Kijk met `vtysh -c \"show ip rip\"` op {node}. Staat RIP (versie 2) aan op de interfaces naar de buren (`network <interface>`), en zit het netwerk in RIP op de router waar het aan hangt? Een passieve interface stuurt geen updates."
            ),
            format!(
                "Look with `vtysh -c \"show ip rip\"` on {node}. Does RIP (version 2) run on the interfaces towards the neighbours (`network <interface>`), and is the network in RIP on the router it is attached to? A passive interface sends no updates."
            ),
        ),
    )
}
