//! What a drawing shows, whatever its format: the design reduced to boxes, bus bars and
//! lines with the texts that go on them.

use ipnet::IpNet;

use crate::design::{Design, Interface, Node, Part, PortVlans};
use crate::kind::NodeKind;

/// A design as the drawings see it.
#[derive(Debug, Clone, PartialEq)]
pub struct Diagram {
    pub title: String,
    /// The lab's identifier, and the student when the design is one student's variant.
    pub subtitle: String,
    /// One box per node, in file order.
    pub boxes: Vec<NodeBox>,
    /// One bar per shared segment, in file order.
    pub buses: Vec<Bus>,
    /// Every cable, and every member of every shared segment.
    pub links: Vec<Link>,
}

/// A node: its name, kind and the texts inside its box.
#[derive(Debug, Clone, PartialEq)]
pub struct NodeBox {
    pub name: String,
    pub kind: NodeKind,
    /// Addresses not on any cable (the loopback), as `lo 10.255.0.1/32`.
    pub loopbacks: Vec<String>,
    /// What the student builds on this node (`firewall, nat` or `everything`).
    pub builds: Option<String>,
}

/// A shared segment: a LAN several interfaces are on.
#[derive(Debug, Clone, PartialEq)]
pub struct Bus {
    pub name: String,
    /// The subnets of the addresses on the segment, in the order they first appear.
    pub subnets: Vec<String>,
}

/// One thing a line is drawn to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Vertex {
    Node(usize),
    Bus(usize),
}

/// One end of a line at a node: the node and the interface's texts.
#[derive(Debug, Clone, PartialEq)]
pub struct Port {
    pub node: usize,
    pub interface: String,
    /// The addresses with their prefix, `dhcp`, VLAN subinterfaces and switch-port VLANs.
    pub details: Vec<String>,
}

impl Port {
    /// The interface name followed by its details, one per line.
    pub fn lines(&self) -> Vec<String> {
        std::iter::once(self.interface.clone()).chain(self.details.iter().cloned()).collect()
    }
}

/// A line in the drawing.
#[derive(Debug, Clone, PartialEq)]
pub enum Link {
    /// A cable between two interfaces.
    Cable { a: Port, b: Port },
    /// A member of a shared segment, attached to its bus.
    Drop { bus: usize, port: Port },
}

impl Link {
    /// The two things the line joins.
    pub fn ends(&self) -> (Vertex, Vertex) {
        match self {
            Link::Cable { a, b } => (Vertex::Node(a.node), Vertex::Node(b.node)),
            Link::Drop { bus, port } => (Vertex::Bus(*bus), Vertex::Node(port.node)),
        }
    }

    /// The port at each end; a bus end has none.
    pub fn ports(&self) -> (Option<&Port>, Option<&Port>) {
        match self {
            Link::Cable { a, b } => (Some(a), Some(b)),
            Link::Drop { port, .. } => (None, Some(port)),
        }
    }
}

impl Diagram {
    pub fn new(design: &Design) -> Diagram {
        let boxes = design.nodes.values().map(node_box).collect();
        let mut buses = Vec::new();
        let mut links = Vec::new();
        for segment in &design.segments {
            let mut ports: Vec<Port> =
                segment.members.iter().filter_map(|m| port(design, &m.node, &m.interface)).collect();
            if !segment.shared && ports.len() == 2 {
                let b = ports.pop().expect("a cable has two ends");
                let a = ports.pop().expect("a cable has two ends");
                links.push(Link::Cable { a, b });
                continue;
            }
            buses.push(bus(design, &segment.name, &ports));
            let id = buses.len() - 1;
            links.extend(ports.into_iter().map(|port| Link::Drop { bus: id, port }));
        }
        Diagram {
            title: design.title.get(design.language).unwrap_or(&design.lab).to_string(),
            subtitle: subtitle(design),
            boxes,
            buses,
            links,
        }
    }

    /// The name of the node or bus a vertex stands for.
    pub fn name(&self, vertex: Vertex) -> &str {
        match vertex {
            Vertex::Node(i) => &self.boxes[i].name,
            Vertex::Bus(i) => &self.buses[i].name,
        }
    }
}

fn subtitle(design: &Design) -> String {
    match &design.variant {
        Some(variant) => format!("lab {} · student {}", design.lab, variant.student),
        None => format!("lab {}", design.lab),
    }
}

fn node_box(node: &Node) -> NodeBox {
    let loopbacks = node
        .interfaces
        .values()
        .filter(|i| i.segment.is_none())
        .flat_map(|i| address_texts(i).into_iter().map(|a| format!("{} {a}", i.name)))
        .collect();
    NodeBox { name: node.name.clone(), kind: node.kind, loopbacks, builds: builds(node) }
}

/// What the student builds, or `everything` when that is every part of a kind that has
/// many, so that `build: student` on a router reads as the teacher wrote it.
fn builds(node: &Node) -> Option<String> {
    if node.student_builds.is_empty() {
        return None;
    }
    let everything =
        Part::ALL.into_iter().filter(|p| p.applies_to(node.kind)).all(|p| node.student_builds.contains(&p));
    if everything && node.student_builds.len() > 2 {
        return Some("everything".into());
    }
    let parts: Vec<&str> = node.student_builds.iter().map(|p| p.name()).collect();
    Some(parts.join(", "))
}

/// The port of a cabled interface, with the VLAN subinterfaces riding on its cable.
fn port(design: &Design, node: &str, interface: &str) -> Option<Port> {
    let (index, _, n) = design.nodes.get_full(node)?;
    let mut details = Vec::new();
    // A switch that is all VLAN 1 is a switch out of the box: saying so on every port
    // would only distract.
    let untouched = n.vlans.values().all(|v| *v == PortVlans::Access(1));
    if let (Some(vlans), false) = (n.vlans.get(interface), untouched) {
        details.push(port_vlans(vlans));
    }
    if let Some(iface) = n.interfaces.get(interface) {
        details.extend(address_texts(iface));
    }
    for sub in n.interfaces.values() {
        if sub.vlan.as_ref().is_some_and(|v| v.parent == interface) {
            details.extend(address_texts(sub).into_iter().map(|a| format!("{} {a}", sub.name)));
        }
    }
    Some(Port { node: index, interface: interface.to_string(), details })
}

/// The addresses of an interface with their prefixes, then `dhcp` if it asks for one.
fn address_texts(iface: &Interface) -> Vec<String> {
    let mut texts: Vec<String> = iface.addresses.iter().map(IpNet::to_string).collect();
    if iface.dhcp {
        texts.push("dhcp".into());
    }
    texts
}

fn port_vlans(vlans: &PortVlans) -> String {
    match vlans {
        PortVlans::Access(id) => format!("vlan {id}"),
        PortVlans::Trunk(ids) => {
            let ids: Vec<String> = ids.iter().map(u16::to_string).collect();
            format!("trunk {}", ids.join(","))
        }
    }
}

fn bus(design: &Design, name: &str, ports: &[Port]) -> Bus {
    let mut subnets: Vec<IpNet> = Vec::new();
    for port in ports {
        let node = &design.nodes[port.node];
        let on_segment = node.interfaces.values().filter(|i| {
            i.name == port.interface || i.vlan.as_ref().is_some_and(|v| v.parent == port.interface)
        });
        for net in on_segment.flat_map(|i| i.addresses.iter().map(IpNet::trunc)) {
            if !subnets.contains(&net) {
                subnets.push(net);
            }
        }
    }
    Bus { name: name.to_string(), subnets: subnets.iter().map(IpNet::to_string).collect() }
}
