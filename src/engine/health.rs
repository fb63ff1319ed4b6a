//! Whether an instance's infrastructure is whole: its containers run and every cable
//! is where the plan put it.
//!
//! What is wrong here is never the student's doing to repair: a node restarted by hand
//! comes back with only `lo`, a stopped fabric takes every cable with it. Grading such a
//! lab would blame the student, so `check` refuses it (exit 2) and `deploy` repairs it.
//! The judging is pure: engines gather the facts (container states, the fabric's links)
//! and [`fabric_problems`] compares them with the plan.

use std::fmt;

use serde::Serialize;
use serde_json::Value;

use crate::design::Endpoint;
use crate::plan::{LinkSetting, Plan};

/// Something wrong with an instance that no student did and no student can repair.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "problem", rename_all = "kebab-case")]
pub enum InfraProblem {
    /// The fabric, which holds every cable, is not running.
    FabricNotRunning { state: super::NodeState },
    /// A node's container is not running (or is gone).
    NodeNotRunning { node: String, state: super::NodeState },
    /// A cable end is gone from the fabric: its node restarted, or the interface was
    /// deleted inside the node, which takes its cable with it.
    CableMissing { endpoint: Endpoint },
    /// A cable end is in the fabric but not where the plan puts it (off its bridge, in
    /// the wrong state, or its impairment relay stopped).
    CableAstray { endpoint: Endpoint, detail: String },
    /// A cable's or segment's bridge is gone from the fabric.
    BridgeMissing { segment: String },
}

impl InfraProblem {
    /// The node this problem takes out, if it is one node's.
    pub fn node(&self) -> Option<&str> {
        match self {
            InfraProblem::NodeNotRunning { node, .. } => Some(node),
            InfraProblem::CableMissing { endpoint } | InfraProblem::CableAstray { endpoint, .. } => {
                Some(&endpoint.node)
            }
            InfraProblem::FabricNotRunning { .. } | InfraProblem::BridgeMissing { .. } => None,
        }
    }
}

impl fmt::Display for InfraProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            InfraProblem::FabricNotRunning { state } => {
                write!(f, "the fabric, which holds every cable, is {state}")
            }
            InfraProblem::NodeNotRunning { node, state } => write!(f, "node {node} is {state}"),
            InfraProblem::CableMissing { endpoint } => write!(
                f,
                "the cable of {endpoint} is gone (the node restarted, or its interface was deleted)"
            ),
            InfraProblem::CableAstray { endpoint, detail } => write!(f, "the cable of {endpoint} {detail}"),
            InfraProblem::BridgeMissing { segment } => {
                write!(f, "the bridge of {segment} is gone from the fabric")
            }
        }
    }
}

/// A command for the fabric: lists its links, then the ports whose impairment relay is
/// alive. What it prints goes to [`add_fabric_problems`].
pub const FABRIC_FACTS: &str = "ip -j link show; echo; echo ---; \
    for f in /run/asbuilt/impair-*.pid; do [ -s \"$f\" ] && kill -0 \"$(cat \"$f\")\" 2>/dev/null \
    && basename \"$f\" .pid | sed 's/^impair-//'; done; true";

/// Adds to `problems` (those of the containers) what [`FABRIC_FACTS`] shows wrong with
/// the cables: a node already found not running loses its cables with it, which is one
/// problem, not two.
pub fn add_fabric_problems(problems: &mut Vec<InfraProblem>, record: &super::InstanceRecord, printed: &str) {
    let (links, relays) = printed.split_once("\n---\n").unwrap_or((printed, ""));
    let relays: Vec<String> = relays.lines().map(str::to_string).filter(|l| !l.is_empty()).collect();
    for problem in fabric_problems(&record.plan, &record.links, links.trim(), &relays) {
        let already = problem.node().is_some_and(|n| {
            problems.iter().any(|p| matches!(p, InfraProblem::NodeNotRunning { node, .. } if node == n))
        });
        if !already {
            problems.push(problem);
        }
    }
}

/// Judges the fabric's links (the JSON of `ip -j link show` in the fabric) against the
/// plan and the cables' current settings. `live_relays` are the ports whose impairment
/// relay runs.
pub fn fabric_problems(
    plan: &Plan,
    settings: &[(Endpoint, LinkSetting)],
    ip_links: &str,
    live_relays: &[String],
) -> Vec<InfraProblem> {
    let links: Vec<Value> = serde_json::from_str(ip_links).unwrap_or_default();
    let find = |name: &str| links.iter().find(|l| l["ifname"] == name);
    let mut problems = Vec::new();
    for segment in &plan.segments {
        if find(&segment.bridge).is_none() {
            problems.push(InfraProblem::BridgeMissing { segment: segment.name.clone() });
            continue;
        }
        for port in &segment.ports {
            let Some(link) = find(&port.port) else {
                problems.push(InfraProblem::CableMissing { endpoint: port.endpoint.clone() });
                continue;
            };
            let setting =
                settings.iter().find(|(e, _)| *e == port.endpoint).map(|(_, s)| *s).unwrap_or_default();
            let astray =
                |detail: String| InfraProblem::CableAstray { endpoint: port.endpoint.clone(), detail };
            let admin_up = link["flags"].as_array().is_some_and(|f| f.iter().any(|x| x == "UP"));
            if admin_up != setting.up {
                let (is, should) =
                    if setting.up { ("pulled out", "plugged in") } else { ("plugged in", "pulled out") };
                problems.push(astray(format!("is {is}, but should be {should}")));
            }
            let impaired = setting.loss_percent > 0.0 || setting.delay_ms > 0;
            let master = link["master"].as_str();
            if impaired {
                if !live_relays.contains(&port.port) {
                    problems.push(astray("should be lossy or slow, but its relay does not run".into()));
                }
            } else if master != Some(segment.bridge.as_str()) {
                problems.push(astray("is not connected to its bridge".into()));
            }
        }
    }
    problems
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::plan::{PortPlan, SegmentPlan};

    fn endpoint(node: &str) -> Endpoint {
        Endpoint { node: node.into(), interface: "eth1".into() }
    }

    fn plan() -> Plan {
        Plan {
            instance: crate::plan::InstanceId::parse("t").unwrap(),
            lab: "t".into(),
            student: None,
            nodes: Vec::new(),
            segments: vec![SegmentPlan {
                name: "r1:eth1--r2:eth1".into(),
                bridge: "s0".into(),
                ports: vec![
                    PortPlan { endpoint: endpoint("r1"), port: "p0".into() },
                    PortPlan { endpoint: endpoint("r2"), port: "p1".into() },
                ],
            }],
            links: Vec::new(),
            needs_vlans: false,
            copies: Vec::new(),
            transport: Default::default(),
        }
    }

    fn link(name: &str, master: Option<&str>, up: bool) -> Value {
        let flags: Vec<&str> = if up { vec!["BROADCAST", "UP"] } else { vec!["BROADCAST"] };
        match master {
            Some(m) => serde_json::json!({ "ifname": name, "flags": flags, "master": m }),
            None => serde_json::json!({ "ifname": name, "flags": flags }),
        }
    }

    #[test]
    fn a_whole_fabric_has_no_problems() {
        let links = serde_json::json!([
            link("s0", None, true),
            link("p0", Some("s0"), true),
            link("p1", Some("s0"), true)
        ]);
        assert!(fabric_problems(&plan(), &[], &links.to_string(), &[]).is_empty());
    }

    #[test]
    fn a_restarted_node_shows_as_its_missing_cable() {
        let links = serde_json::json!([link("s0", None, true), link("p1", Some("s0"), true)]);
        let problems = fabric_problems(&plan(), &[], &links.to_string(), &[]);
        assert_eq!(problems, vec![InfraProblem::CableMissing { endpoint: endpoint("r1") }]);
        assert_eq!(problems[0].node(), Some("r1"));
    }

    #[test]
    fn a_pulled_cable_is_fine_when_the_record_says_pulled() {
        let links = serde_json::json!([
            link("s0", None, true),
            link("p0", Some("s0"), false),
            link("p1", Some("s0"), true)
        ]);
        let pulled = [(endpoint("r1"), LinkSetting { up: false, ..LinkSetting::default() })];
        assert!(fabric_problems(&plan(), &pulled, &links.to_string(), &[]).is_empty());
        assert_eq!(fabric_problems(&plan(), &[], &links.to_string(), &[]).len(), 1);
    }

    #[test]
    fn an_impaired_cable_needs_its_relay() {
        let links =
            serde_json::json!([link("s0", None, true), link("p0", None, true), link("p1", Some("s0"), true)]);
        let lossy = [(endpoint("r1"), LinkSetting { loss_percent: 20.0, ..LinkSetting::default() })];
        assert!(fabric_problems(&plan(), &lossy, &links.to_string(), &["p0".into()]).is_empty());
        let problems = fabric_problems(&plan(), &lossy, &links.to_string(), &[]);
        assert!(
            matches!(&problems[..], [InfraProblem::CableAstray { detail, .. }] if detail.contains("relay"))
        );
    }

    #[test]
    fn a_stopped_fabric_loses_every_bridge() {
        let problems = fabric_problems(&plan(), &[], "[]", &[]);
        assert_eq!(problems, vec![InfraProblem::BridgeMissing { segment: "r1:eth1--r2:eth1".into() }]);
    }
}
