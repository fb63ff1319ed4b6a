//! What a drawing shows, whatever its format: the design reduced to boxes, bus bars and
//! lines with the texts that go on them, in one language, and the legend that explains
//! them.

use std::net::{IpAddr, Ipv4Addr};

use ipnet::IpNet;

use super::words;
use crate::design::{Design, Interface, Lang, Node, Part, PortVlans};
use crate::kind::NodeKind;

/// A design as the drawings see it.
#[derive(Debug, Clone, PartialEq)]
pub struct Diagram {
    /// The language of every text asbuilt writes into the drawing.
    pub lang: Lang,
    pub title: String,
    /// The lab's identifier, and the student when the design is one student's variant.
    pub subtitle: String,
    /// One box per node, in file order.
    pub boxes: Vec<NodeBox>,
    /// One bar per shared segment, in file order.
    pub buses: Vec<Bus>,
    /// Every cable, and every member of every shared segment.
    pub links: Vec<Link>,
    /// What the marks in the drawing mean, for what this drawing has.
    pub legend: Legend,
}

/// A node: its name, kind and the texts inside its box.
#[derive(Debug, Clone, PartialEq)]
pub struct NodeBox {
    pub name: String,
    pub kind: NodeKind,
    /// The kind in the drawing's language.
    pub kind_name: String,
    /// Interfaces on no cable (the loopback): `lo 10.255.0.1/32`, `lo OSPF area 0`.
    pub loopbacks: Vec<Detail>,
    /// What the node serves: `http :80`, `dns veenstra.local`, `dhcp 192.168.1.100–199`.
    pub services: Vec<String>,
    /// What the student builds on this node: `student builds: firewall, nat`.
    pub builds: Option<String>,
}

/// A shared segment: a LAN several interfaces are on.
#[derive(Debug, Clone, PartialEq)]
pub struct Bus {
    pub name: String,
    /// The subnets of the addresses on the segment, in the order they first appear.
    pub subnets: Vec<String>,
    /// The firewall zone the segment is in, when its firewall interfaces say one zone.
    pub zone: Option<usize>,
}

/// One thing a line is drawn to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Vertex {
    Node(usize),
    Bus(usize),
}

/// One text at an interface or in a box, and what it is about, which the drawings
/// show in its own colour.
#[derive(Debug, Clone, PartialEq)]
pub struct Detail {
    pub text: String,
    pub aspect: Aspect,
}

/// What a detail is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Aspect {
    /// Addresses, `dhcp`, VLANs.
    Plain,
    /// A firewall zone, by its place among the lab's zones (which picks its colour).
    Zone(usize),
    /// Masquerade or a port forward.
    Nat,
    /// The OSPF area.
    Ospf,
}

impl Detail {
    fn plain(text: impl Into<String>) -> Detail {
        Detail { text: text.into(), aspect: Aspect::Plain }
    }
}

/// One end of a line at a node: the node and the interface's texts.
#[derive(Debug, Clone, PartialEq)]
pub struct Port {
    pub node: usize,
    pub interface: String,
    /// The addresses with their prefix, `dhcp`, VLAN subinterfaces and switch-port
    /// VLANs, then the firewall zone, NAT and the OSPF area.
    pub details: Vec<Detail>,
}

impl Port {
    /// The interface name followed by its details, one per line.
    pub fn lines(&self) -> Vec<String> {
        std::iter::once(self.interface.clone()).chain(self.details.iter().map(|d| d.text.clone())).collect()
    }
}

/// A line in the drawing.
#[derive(Debug, Clone, PartialEq)]
pub enum Link {
    /// A cable between two interfaces, in a firewall zone when its ends say one.
    Cable { a: Port, b: Port, zone: Option<usize> },
    /// A member of a shared segment, attached to its bus.
    Drop { bus: usize, port: Port },
}

impl Link {
    /// The two things the line joins.
    pub fn ends(&self) -> (Vertex, Vertex) {
        match self {
            Link::Cable { a, b, .. } => (Vertex::Node(a.node), Vertex::Node(b.node)),
            Link::Drop { bus, port } => (Vertex::Bus(*bus), Vertex::Node(port.node)),
        }
    }

    /// The port at each end; a bus end has none.
    pub fn ports(&self) -> (Option<&Port>, Option<&Port>) {
        match self {
            Link::Cable { a, b, .. } => (Some(a), Some(b)),
            Link::Drop { port, .. } => (None, Some(port)),
        }
    }
}

/// The key to a drawing.
#[derive(Debug, Clone, PartialEq)]
pub struct Legend {
    /// `Legend`, in the drawing's language.
    pub title: String,
    pub items: Vec<LegendItem>,
}

/// One entry of the legend: a mark and what it means.
#[derive(Debug, Clone, PartialEq)]
pub struct LegendItem {
    pub key: Key,
    pub text: String,
}

/// The mark a legend entry explains.
#[derive(Debug, Clone, PartialEq)]
pub enum Key {
    Kind(NodeKind),
    Bus,
    Student,
    Cable,
    /// A firewall zone, by its place among the lab's zones.
    Zone(usize),
    Nat,
    Ospf,
    /// Services, shown by one of the lab's service names.
    Services(String),
}

impl Diagram {
    pub fn new(design: &Design, lang: Lang) -> Diagram {
        let zones = zone_names(design);
        let boxes = design.nodes.values().map(|n| node_box(design, n, &zones, lang)).collect();
        let mut buses = Vec::new();
        let mut links = Vec::new();
        for segment in &design.segments {
            let mut ports: Vec<Port> = segment
                .members
                .iter()
                .filter_map(|m| port(design, &zones, lang, &m.node, &m.interface))
                .collect();
            let zone = one_zone(&ports);
            if !segment.shared && ports.len() == 2 {
                let b = ports.pop().expect("a cable has two ends");
                let a = ports.pop().expect("a cable has two ends");
                links.push(Link::Cable { a, b, zone });
                continue;
            }
            buses.push(bus(design, &segment.name, &ports, zone));
            let id = buses.len() - 1;
            links.extend(ports.into_iter().map(|port| Link::Drop { bus: id, port }));
        }
        let mut diagram = Diagram {
            lang,
            title: design.title.get(lang).unwrap_or(&design.lab).to_string(),
            subtitle: subtitle(design),
            boxes,
            buses,
            links,
            legend: Legend { title: words::legend_title(lang).to_string(), items: Vec::new() },
        };
        diagram.legend.items = legend(design, &diagram, &zones);
        diagram
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

/// Every zone name of every firewall, in the order first met: a zone's place here picks
/// its colour, so a zone of the same name has the same colour on two firewalls.
fn zone_names(design: &Design) -> Vec<String> {
    let mut names: Vec<String> = Vec::new();
    for firewall in design.nodes.values().filter_map(|n| n.firewall.as_ref()) {
        for zone in firewall.zones.keys() {
            if !names.contains(zone) {
                names.push(zone.clone());
            }
        }
    }
    names
}

fn node_box(design: &Design, node: &Node, zones: &[String], lang: Lang) -> NodeBox {
    let mut loopbacks = Vec::new();
    for iface in node.interfaces.values().filter(|i| i.segment.is_none()) {
        loopbacks
            .extend(address_texts(iface).into_iter().map(|a| Detail::plain(format!("{} {a}", iface.name))));
        loopbacks.extend(annotations(design, node, &iface.name, zones, lang, Some(&iface.name)));
    }
    NodeBox {
        name: node.name.clone(),
        kind: node.kind,
        kind_name: words::kind(node.kind, lang).to_string(),
        loopbacks,
        services: services(node),
        builds: builds(node, lang),
    }
}

/// What the student builds, or `everything` when that is every part of a kind that has
/// many, so that `build: student` on a router reads as the teacher wrote it.
fn builds(node: &Node, lang: Lang) -> Option<String> {
    if node.student_builds.is_empty() {
        return None;
    }
    let everything =
        Part::ALL.into_iter().filter(|p| p.applies_to(node.kind)).all(|p| node.student_builds.contains(&p));
    if everything && node.student_builds.len() > 2 {
        return Some(words::builds(None, lang));
    }
    let parts: Vec<Part> = node.student_builds.iter().copied().collect();
    Some(words::builds(Some(&parts), lang))
}

/// The services of a node, one text each, with what a student connects to: the port,
/// the domain, the range handed out.
fn services(node: &Node) -> Vec<String> {
    let s = &node.services;
    let mut texts = Vec::new();
    if let Some(http) = &s.http {
        texts.push(format!("http :{}", http.port));
    }
    if let Some(dns) = &s.dns {
        texts.push(dns.domain.as_ref().map_or("dns".to_string(), |d| format!("dns {d}")));
    }
    if let Some(dhcp) = &s.dhcp {
        texts.push(format!("dhcp {}", range(dhcp.first, dhcp.last)));
    }
    if let Some(ssh) = &s.ssh {
        texts.push(format!("ssh :{}", ssh.port));
    }
    texts
}

/// `192.168.1.100–199` when only the last number differs, else both addresses in full.
fn range(first: Ipv4Addr, last: Ipv4Addr) -> String {
    if first.octets()[..3] == last.octets()[..3] {
        format!("{first}–{}", last.octets()[3])
    } else {
        format!("{first}–{last}")
    }
}

/// The port of a cabled interface, with the VLAN subinterfaces riding on its cable.
fn port(design: &Design, zones: &[String], lang: Lang, node: &str, interface: &str) -> Option<Port> {
    let (index, _, n) = design.nodes.get_full(node)?;
    let mut details = Vec::new();
    // A switch that is all VLAN 1 is a switch out of the box: saying so on every port
    // would only distract.
    let untouched = n.vlans.values().all(|v| *v == PortVlans::Access(1));
    if let (Some(vlans), false) = (n.vlans.get(interface), untouched) {
        details.push(Detail::plain(port_vlans(vlans)));
    }
    if let Some(iface) = n.interfaces.get(interface) {
        details.extend(address_texts(iface).into_iter().map(Detail::plain));
    }
    details.extend(annotations(design, n, interface, zones, lang, None));
    for sub in n.interfaces.values() {
        if sub.vlan.as_ref().is_some_and(|v| v.parent == interface) {
            details
                .extend(address_texts(sub).into_iter().map(|a| Detail::plain(format!("{} {a}", sub.name))));
            details.extend(annotations(design, n, &sub.name, zones, lang, Some(&sub.name)));
        }
    }
    Some(Port { node: index, interface: interface.to_string(), details })
}

/// What the design says of an interface besides its addresses: its firewall zone, NAT
/// and OSPF area. `named` puts the interface's name first, for texts that are not
/// under the interface's own name (a subinterface, the loopback).
fn annotations(
    design: &Design,
    node: &Node,
    iface: &str,
    zones: &[String],
    lang: Lang,
    named: Option<&str>,
) -> Vec<Detail> {
    let mut details = Vec::new();
    let mut add = |text: String, aspect: Aspect| {
        let text = match named {
            Some(name) => format!("{name} {text}"),
            None => text,
        };
        details.push(Detail { text, aspect });
    };
    if let Some(firewall) = &node.firewall {
        for (zone, members) in &firewall.zones {
            if members.iter().any(|m| m == iface) {
                let index = zones.iter().position(|z| z == zone).expect("every zone is listed");
                add(format!("zone {zone}"), Aspect::Zone(index));
            }
        }
    }
    // NAT on a firewall or on a router alike.
    if let Some(nat) = &node.nat {
        if nat.masquerade.iter().any(|m| m == iface) {
            add("NAT masquerade".into(), Aspect::Nat);
        }
        for forward in nat.port_forwards.iter().filter(|f| f.interface == iface) {
            let to = target(design, forward.to);
            add(format!("NAT {}/{} → {to}:{}", forward.protocol, forward.port, forward.to_port), Aspect::Nat);
        }
    }
    if let Some(ospf) = &node.ospf {
        for entry in ospf.interfaces.iter().filter(|i| i.name == iface) {
            add(words::ospf(&area(entry.area), entry.passive, lang), Aspect::Ospf);
        }
    }
    details
}

/// The node that has an address, by name, or the address itself.
fn target(design: &Design, address: IpAddr) -> String {
    let owner = design.nodes.values().find(|n| n.addresses().any(|(_, a)| a.addr() == address));
    match (owner, address) {
        (Some(node), _) => node.name.clone(),
        (None, IpAddr::V6(v6)) => format!("[{v6}]"),
        (None, IpAddr::V4(v4)) => v4.to_string(),
    }
}

/// An OSPF area as teachers write the common ones (`0`, `1`), dotted beyond 255.
fn area(area: Ipv4Addr) -> String {
    let number = u32::from(area);
    if number < 256 { number.to_string() } else { area.to_string() }
}

/// The zone a line is in: the one zone its firewall interfaces name, if they name one.
fn one_zone(ports: &[Port]) -> Option<usize> {
    let mut zones = ports.iter().flat_map(|p| &p.details).filter_map(|d| match d.aspect {
        Aspect::Zone(z) => Some(z),
        _ => None,
    });
    let first = zones.next()?;
    zones.all(|z| z == first).then_some(first)
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

fn bus(design: &Design, name: &str, ports: &[Port], zone: Option<usize>) -> Bus {
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
    Bus { name: name.to_string(), subnets: subnets.iter().map(IpNet::to_string).collect(), zone }
}

/// The legend entries for what this drawing has, in the order the eye meets them:
/// the kinds of box, bars, the student's mark, cables, then what is written at
/// interfaces and in boxes.
fn legend(design: &Design, diagram: &Diagram, zones: &[String]) -> Vec<LegendItem> {
    let lang = diagram.lang;
    let item = |key: Key, text: &str| LegendItem { key, text: text.to_string() };
    let mut items: Vec<LegendItem> = NodeKind::ALL
        .into_iter()
        .filter(|k| diagram.boxes.iter().any(|b| b.kind == *k))
        .map(|k| item(Key::Kind(k), words::kind(k, lang)))
        .collect();
    if !diagram.buses.is_empty() {
        items.push(item(Key::Bus, words::legend_bus(lang)));
    }
    if diagram.boxes.iter().any(|b| b.builds.is_some()) {
        items.push(item(Key::Student, words::legend_student(lang)));
    }
    items.push(item(Key::Cable, words::legend_cable(lang)));
    for (i, zone) in zones.iter().enumerate() {
        items.push(item(Key::Zone(i), &words::legend_zone(zone, lang)));
    }
    let nats = || design.nodes.values().filter_map(|n| n.nat.as_ref());
    if nats().any(|n| !n.masquerade.is_empty()) {
        items.push(item(Key::Nat, words::legend_masquerade(lang)));
    }
    if nats().any(|n| !n.port_forwards.is_empty()) {
        items.push(item(Key::Nat, words::legend_forward(lang)));
    }
    if design.nodes.values().any(|n| n.ospf.as_ref().is_some_and(|o| !o.interfaces.is_empty())) {
        items.push(item(Key::Ospf, words::legend_ospf(lang)));
    }
    if let Some(first) = diagram.boxes.iter().flat_map(|b| &b.services).next() {
        let name = first.split(' ').next().unwrap_or(first).to_string();
        items.push(item(Key::Services(name), words::legend_services(lang)));
    }
    items
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_dhcp_range_in_one_subnet_is_written_short() {
        let a = |s: &str| s.parse::<Ipv4Addr>().unwrap();
        assert_eq!(range(a("192.168.50.100"), a("192.168.50.199")), "192.168.50.100–199");
        assert_eq!(range(a("10.0.0.10"), a("10.0.1.9")), "10.0.0.10–10.0.1.9");
    }

    #[test]
    fn areas_read_as_teachers_write_them() {
        assert_eq!(area(Ipv4Addr::new(0, 0, 0, 0)), "0");
        assert_eq!(area(Ipv4Addr::new(0, 0, 0, 12)), "12");
        assert_eq!(area(Ipv4Addr::new(10, 0, 0, 1)), "10.0.0.1");
    }
}
