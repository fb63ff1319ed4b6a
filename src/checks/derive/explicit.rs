//! The teacher's own checks (`checks:` in the topology), as they are, with a title
//! made from the probe when the teacher wrote none.

use super::texts::t;
use std::net::IpAddr;

use crate::checks::model::{CheckSpec, Enforcement, Origin, ProbeSpec, Target};
use crate::checks::sim::World;
use crate::checks::sim::policy::Flow;
use crate::design::{Check, Design, Probe, Text, Transport};

pub fn checks(design: &Design, world: &World) -> Vec<CheckSpec> {
    design.checks.iter().map(|c| spec(c, world)).collect()
}

/// Where a teacher's negative check must see its traffic stopped: where the teacher
/// says (`blocked-at`), or where the design stops it (see [`World::enforcement`]).
fn stop_point(world: &World, from: &str, to: IpAddr, flow: Flow, named: &Option<String>) -> Enforcement {
    let mut e = world.enforcement(from, to, flow);
    if let Some(at) = named {
        e.at = at.clone();
    }
    e
}

fn spec(check: &Check, world: &World) -> CheckSpec {
    let probe = match &check.probe {
        Probe::Ping { from, to, reach } => ProbeSpec::Ping {
            from: from.clone(),
            to: to.into(),
            reach: *reach,
            stopped: (!reach).then(|| stop_point(world, from, to.address, Flow::Icmp, &check.blocked_at)),
        },
        Probe::Traceroute { from, to, via } => {
            ProbeSpec::Traceroute { from: from.clone(), to: to.into(), via: via.clone() }
        }
        Probe::Port { from, to, protocol, port, open } => ProbeSpec::Port {
            from: from.clone(),
            to: Target::from(to),
            protocol: *protocol,
            port: *port,
            open: *open,
            listen: None,
            stopped: (!open).then(|| {
                let flow = match protocol {
                    Transport::Tcp => Flow::Tcp(*port),
                    Transport::Udp => Flow::Udp(*port),
                };
                stop_point(world, from, to.address, flow, &check.blocked_at)
            }),
        },
        Probe::Http { from, url, method, status, contains, matches } => ProbeSpec::Http {
            from: from.clone(),
            url: url.clone(),
            method: method.clone(),
            status: *status,
            contains: contains.clone(),
            matches: matches.clone(),
        },
        Probe::Dns { from, name, server, expect, record } => ProbeSpec::Dns {
            from: from.clone(),
            name: name.clone(),
            server: *server,
            expect: *expect,
            record: record.clone(),
        },
        Probe::Command { node, run, matches, as_root, exit, output } => ProbeSpec::Command {
            node: node.clone(),
            run: run.clone(),
            matches: matches.clone(),
            as_root: *as_root,
            exit: *exit,
            output: output.clone(),
        },
        Probe::File { node, path, contains, owner, mode, as_root } => ProbeSpec::File {
            node: node.clone(),
            path: path.clone(),
            contains: contains.clone(),
            owner: owner.clone(),
            mode: *mode,
            as_root: *as_root,
        },
        Probe::Routes { node, only } => ProbeSpec::RouteTable { node: node.clone(), only: only.clone() },
    };
    let title =
        if check.title.is_empty() { title_of(&check.probe, check.reveal) } else { check.title.clone() };
    CheckSpec {
        id: check.id.clone(),
        origin: Origin::Explicit,
        title,
        hint: check.hint.clone(),
        weight: check.weight,
        trains: check.trains.clone(),
        reveal: check.reveal,
        depends_on: Vec::new(),
        requires: Vec::new(),
        graded: true,
        worked_at_start: false,
        retries: check.retries,
        timeout_ms: check.timeout_ms,
        probe,
    }
}

/// A title from the probe; without the expected path or content when it may not be
/// revealed.
fn title_of(probe: &Probe, reveal: bool) -> Text {
    match probe {
        Probe::Ping { from, to, reach: true } => {
            t(format!("{from} bereikt {} (ping)", to.label), format!("{from} reaches {} (ping)", to.label))
        }
        Probe::Ping { from, to, reach: false } => {
            t(format!("{from} kan {} niet pingen", to.label), format!("{from} cannot ping {}", to.label))
        }
        Probe::Traceroute { from, to, .. } if !reveal => t(
            format!("Het pad van {from} naar {} loopt via de ontworpen routers", to.label),
            format!("The path from {from} to {} runs via the designed routers", to.label),
        ),
        Probe::Traceroute { from, to, .. } if !reveal => t(
            format!("Het pad van {from} naar {} loopt via de ontworpen routers", to.label),
            format!("The path from {from} to {} runs via the designed routers", to.label),
        ),
        Probe::Traceroute { from, to, via } => {
            let path = via.join(", ");
            t(
                format!("Het pad van {from} naar {} loopt via {path}", to.label),
                format!("The path from {from} to {} runs via {path}", to.label),
            )
        }
        Probe::Port { from, to, protocol, port, open } => {
            let (nl, en) = if *open { ("bereikt", "reaches") } else { ("bereikt niet", "does not reach") };
            t(
                format!("{from} {nl} {} op {protocol}/{port}", to.label),
                format!("{from} {en} {} on {protocol}/{port}", to.label),
            )
        }
        Probe::Http { from, url, contains, .. } => match contains {
            Some(c) if reveal => t(
                format!("{from} opent {url} en ziet \"{c}\""),
                format!("{from} opens {url} and sees \"{c}\""),
            ),
            _ => t(format!("{from} opent {url}"), format!("{from} opens {url}")),
        },
        Probe::Dns { from, name, record, .. } if record.kind != crate::design::RecordKind::A => {
            let kind = record.kind;
            t(
                format!("{from} vraagt het {kind}-record van {name}"),
                format!("{from} asks for the {kind} record of {name}"),
            )
        }
        Probe::Dns { from, name, .. } => {
            t(format!("{from} zet {name} om"), format!("{from} resolves {name}"))
        }
        Probe::Command { node, run, .. } => t(
            format!("`{run}` op {node} geeft de verwachte uitvoer"),
            format!("`{run}` on {node} gives the expected output"),
        ),
        Probe::Routes { node, .. } => t(
            format!("{node} heeft precies de ontworpen routes"),
            format!("{node} has exactly the designed routes"),
        ),
        Probe::File { node, path, contains, .. } if contains.is_some() => t(
            format!("{path} op {node} heeft de verwachte inhoud"),
            format!("{path} on {node} has the expected content"),
        ),
        Probe::File { node, path, .. } => t(
            format!("{path} op {node} heeft de verwachte eigenaar en rechten"),
            format!("{path} on {node} has the expected owner and mode"),
        ),
    }
}
