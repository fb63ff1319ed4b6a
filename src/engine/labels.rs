//! The labels on everything an engine creates, and the names derived from instances.
//!
//! Labels are how asbuilt finds its objects again: after a crash, for `destroy --all`,
//! and to list instances. Every object carries lab, instance, student and node.

use std::collections::HashMap;

use crate::plan::InstanceId;

/// Present on every object asbuilt creates; its value is the instance.
pub const INSTANCE: &str = "org.asbuilt.instance";
pub const LAB: &str = "org.asbuilt.lab";
/// The student id, or empty for the teacher's plan.
pub const STUDENT: &str = "org.asbuilt.student";
/// The node name; empty for the fabric.
pub const NODE: &str = "org.asbuilt.node";
/// `node` or `fabric`.
pub const ROLE: &str = "org.asbuilt.role";
pub const KIND: &str = "org.asbuilt.kind";

/// The role of an object in an instance.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    Node,
    Fabric,
}

/// The labels of one object.
pub fn labels(
    instance: &InstanceId,
    lab: &str,
    student: Option<&str>,
    node: Option<(&str, &str)>,
) -> HashMap<String, String> {
    let (role, name, kind) = match node {
        Some((name, kind)) => ("node", name, kind),
        None => ("fabric", "", "fabric"),
    };
    HashMap::from([
        (INSTANCE.to_string(), instance.to_string()),
        (LAB.to_string(), lab.to_string()),
        (STUDENT.to_string(), student.unwrap_or_default().to_string()),
        (NODE.to_string(), name.to_string()),
        (ROLE.to_string(), role.to_string()),
        (KIND.to_string(), kind.to_string()),
    ])
}

/// The container of a node: `asbuilt.dmz-basis-s1.fw`. Dots separate the parts because
/// neither instance nor node names may contain one.
pub fn node_container(instance: &InstanceId, node: &str) -> String {
    format!("asbuilt.{instance}.{node}")
}

/// The container of an instance's fabric: `asbuilt.dmz-basis-s1`.
pub fn fabric_container(instance: &InstanceId) -> String {
    format!("asbuilt.{instance}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_never_collide_between_instances_and_nodes() {
        let a = InstanceId::parse("a-b").unwrap();
        let b = InstanceId::parse("a").unwrap();
        assert_ne!(node_container(&a, "c"), node_container(&b, "b-c"));
        assert_ne!(fabric_container(&a), node_container(&b, "b"));
    }
}
