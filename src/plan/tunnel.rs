//! The VXLAN transport: cables for nodes that are not on the fabric's host (Kubernetes),
//! or that an engine puts on an underlay network on purpose (Docker's `vxlan` mode).
//!
//! Every cable end is a VXLAN interface in its node with the topology's name (`eth1`),
//! tunnelled over the node's underlay interface to a VXLAN interface in the fabric that
//! takes the place, and the name, of the veth end it would otherwise be (`p3`). From
//! there on the fabric is the same: its bridges, pulled and impaired cables and captures
//! do not know how a cable end arrived. The same two scripts serve every engine: one
//! runs in each node before anything else (an init step), one in the fabric.
//!
//! The underlay must stay out of the lab: a student's default route must not fight with
//! the runtime's, and the lab's routing table must show only the lab. So the node's
//! script renames the runtime's interface, moves its routes into a table of their own,
//! and lets only packets from the underlay address (the tunnels' own) use that table.
//! Nothing routes the lab's traffic onto the underlay; a student who is root in a node
//! could add such a route, which is why the underlay itself must lead nowhere but to
//! the lab's own fabric (an internal network on Docker, a NetworkPolicy on Kubernetes).

use std::collections::BTreeMap;
use std::net::Ipv4Addr;

use super::script::{Script, quote};
use super::{Plan, PortPlan};

/// The underlay interface's name in a node, out of the way of the topology's names.
pub const UNDERLAY_INTERFACE: &str = "asb-underlay";

/// The routing table the underlay's routes move to in a node.
pub const UNDERLAY_TABLE: u32 = 4242;

/// VXLAN's UDP port (IANA).
pub const VXLAN_PORT: u16 = 4789;

/// What VXLAN adds to a frame over IPv4 (outer IP, UDP, VXLAN and Ethernet headers): an
/// underlay with this much more than 1500 gives every cable the 1500 of a real one.
pub const OVERHEAD: u32 = 50;

/// The MTU an underlay network is made with.
pub const UNDERLAY_MTU: u32 = 1500 + OVERHEAD;

/// The first VXLAN network identifier; below it are numbers other tools tend to use.
const FIRST_VNI: u32 = 4096;

/// A node's (or the fabric's) place on the underlay, as the runtime gave it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Underlay {
    /// The interface the runtime made (`eth0`); renamed to [`UNDERLAY_INTERFACE`] in a
    /// node.
    pub interface: String,
    pub address: Ipv4Addr,
    pub prefix_len: u8,
    /// The runtime's gateway, where other hosts' pods are reached through it; `None` on a
    /// network of one host.
    pub gateway: Option<Ipv4Addr>,
}

impl Underlay {
    fn subnet(&self) -> String {
        let bits = u32::from(self.address);
        let mask = if self.prefix_len == 0 { 0 } else { u32::MAX << (32 - u32::from(self.prefix_len)) };
        format!("{}/{}", Ipv4Addr::from(bits & mask), self.prefix_len)
    }
}

/// The VXLAN network identifier of a cable end: its place among the plan's ports, so
/// both sides agree without asking each other, and no two ends of one lab share one.
pub fn vni(plan: &Plan, port: &PortPlan) -> u32 {
    let index = plan
        .segments
        .iter()
        .flat_map(|s| s.ports.iter())
        .position(|p| p.port == port.port)
        .expect("the port is one of the plan's");
    FIRST_VNI + index as u32
}

/// A node's init step: takes the underlay out of the lab's view and makes the node's
/// cable ends, each a VXLAN interface towards the fabric, up (as a veth end arrives).
pub fn node_script(plan: &Plan, node: &str, underlay: &Underlay, fabric: Ipv4Addr) -> String {
    let mut script = Script::new();
    let ul = UNDERLAY_INTERFACE;
    let table = UNDERLAY_TABLE.to_string();
    let address = underlay.address.to_string();
    script.step(&format!("move the underlay {} out of the lab's way", underlay.interface));
    // Routes are deleted one by one first: the kernel drops a downed link's routes
    // without a word, and a routing daemon that already saw them (zebra, with the
    // runtime's default route) would go on preferring a route that is gone.
    for family in ["-4", "-6"] {
        script.raw(format!(
            "ip {family} route flush table main dev {} 2>/dev/null || true",
            quote(&underlay.interface)
        ));
    }
    if underlay.interface != ul {
        script.run(&["ip", "link", "set", &underlay.interface, "down"]);
        script.run(&["ip", "link", "set", &underlay.interface, "name", ul]);
    }
    // No IPv6 link-local address either: nothing of the lab's IPv6 runs over it.
    script.raw(format!("ip link set {ul} down && ip link set {ul} addrgenmode none 2>/dev/null || true"));
    script.run(&["ip", "link", "set", ul, "up"]);
    // `up` brings back the connected routes; they go to the underlay's table.
    script.raw(format!("ip route del {} dev {ul} table main 2>/dev/null || true", underlay.subnet()));
    script.raw(format!("ip -6 route flush table main dev {ul} 2>/dev/null || true"));
    script.run(&["ip", "route", "replace", &underlay.subnet(), "dev", ul, "src", &address, "table", &table]);
    if let Some(gateway) = underlay.gateway {
        script.run(&[
            "ip",
            "route",
            "replace",
            "default",
            "via",
            &gateway.to_string(),
            "dev",
            ul,
            // The gateway need not be in the pod's subnet (a /32 with a link-local
            // gateway, as some CNIs give).
            "onlink",
            "table",
            &table,
        ]);
    }
    script.raw("ip rule del pref 100 2>/dev/null || true");
    script.run(&["ip", "rule", "add", "pref", "100", "from", &address, "lookup", &table]);
    for port in plan.segments.iter().flat_map(|s| s.ports.iter()).filter(|p| p.endpoint.node == node) {
        script.step(&format!("cable end {}", port.endpoint));
        let name = &port.endpoint.interface;
        script.raw(format!("ip link del {} 2>/dev/null || true", quote(name)));
        script.run(&vxlan(name, vni(plan, port), ul, underlay.address, fabric));
        script.run(&["ip", "link", "set", name, "up"]);
    }
    script.render()
}

/// The fabric's side of `ports`: each a VXLAN interface named as the port, towards its
/// node's underlay address. Ends that exist already are made again (a node that came
/// back may have another address); put them on their bridges with
/// [`super::fabric::attach_script`] or [`super::fabric::wire_script`].
pub fn fabric_script(
    plan: &Plan,
    ports: &[&PortPlan],
    fabric: &Underlay,
    nodes: &BTreeMap<String, Ipv4Addr>,
) -> Result<String, String> {
    let mut script = Script::new();
    for port in ports {
        let node = nodes
            .get(&port.endpoint.node)
            .ok_or_else(|| format!("{} has no underlay address", port.endpoint.node))?;
        script.step(&format!("tunnel for {}", port.endpoint));
        script.raw(format!("ip link del {} 2>/dev/null || true", quote(&port.port)));
        script.run(&vxlan(&port.port, vni(plan, port), &fabric.interface, fabric.address, *node));
    }
    Ok(script.render())
}

/// `ip link add NAME type vxlan ...`: one tunnel to one remote, learning nothing from
/// elsewhere, with the 1500 bytes of a real cable.
fn vxlan(name: &str, vni: u32, dev: &str, local: Ipv4Addr, remote: Ipv4Addr) -> Vec<String> {
    let words = ["ip", "link", "add", name, "mtu", "1500", "type", "vxlan", "id"];
    let mut argv: Vec<String> = words.iter().map(|w| w.to_string()).collect();
    argv.extend([vni.to_string(), "dev".into(), dev.into(), "local".into(), local.to_string()]);
    argv.extend(["remote".into(), remote.to_string(), "dstport".into(), VXLAN_PORT.to_string()]);
    argv.push("nolearning".into());
    argv
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_underlays_subnet_is_its_address_masked() {
        let u = Underlay {
            interface: "eth0".into(),
            address: "172.31.4.7".parse().unwrap(),
            prefix_len: 22,
            gateway: None,
        };
        assert_eq!(u.subnet(), "172.31.4.0/22");
        let single = Underlay { prefix_len: 32, ..u };
        assert_eq!(single.subnet(), "172.31.4.7/32");
    }
}
