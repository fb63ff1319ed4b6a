//! Broadcast domains: which interfaces can reach each other without a router.
//!
//! A cable or shared segment is one domain, unless switches join several, split by
//! VLAN. Subnet consistency, gateways, next hops, DHCP and the derived reachability
//! checks all reason about domains, not about cables.

use std::collections::HashMap;

use indexmap::IndexMap;

use super::model::{Endpoint, Node, PortVlans, Segment};
use crate::kind::NodeKind;

/// One broadcast domain and the routed interfaces in it (switch ports are not members).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Domain {
    pub members: Vec<Endpoint>,
}

/// Every broadcast domain of a design.
#[derive(Debug, Clone, Default)]
pub struct Domains {
    pub list: Vec<Domain>,
    by_endpoint: HashMap<Endpoint, usize>,
}

/// A frame's place on the wire: a segment, tagged with a VLAN or untagged; or a VLAN
/// inside a switch.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
enum Wire {
    Segment(String, Option<u16>),
    SwitchVlan(String, u16),
}

impl Domains {
    pub fn compute(nodes: &IndexMap<String, Node>, segments: &[Segment]) -> Domains {
        let mut sets = DisjointSets::default();
        let mut routed: Vec<(Endpoint, Wire)> = Vec::new();
        for node in nodes.values() {
            for iface in node.interfaces.values() {
                let Some(segment) = &iface.segment else {
                    continue;
                };
                if node.kind == NodeKind::Switch {
                    let port = node.vlans.get(&iface.name).cloned().unwrap_or(PortVlans::Access(1));
                    match port {
                        PortVlans::Access(vlan) => sets.union(
                            Wire::Segment(segment.clone(), None),
                            Wire::SwitchVlan(node.name.clone(), vlan),
                        ),
                        PortVlans::Trunk(vlans) => {
                            for vlan in vlans {
                                sets.union(
                                    Wire::Segment(segment.clone(), Some(vlan)),
                                    Wire::SwitchVlan(node.name.clone(), vlan),
                                );
                            }
                        }
                    }
                } else {
                    let wire = Wire::Segment(segment.clone(), iface.vlan.as_ref().map(|v| v.id));
                    sets.add(wire.clone());
                    routed.push((Endpoint { node: node.name.clone(), interface: iface.name.clone() }, wire));
                }
            }
        }
        // Segments with only switch ports still exist, but hold no routed interface.
        for segment in segments {
            sets.add(Wire::Segment(segment.name.clone(), None));
        }
        let mut index_of_root: HashMap<usize, usize> = HashMap::new();
        let mut domains = Domains::default();
        for (endpoint, wire) in routed {
            let root = sets.find_key(&wire);
            let index = *index_of_root.entry(root).or_insert_with(|| {
                domains.list.push(Domain { members: Vec::new() });
                domains.list.len() - 1
            });
            domains.list[index].members.push(endpoint.clone());
            domains.by_endpoint.insert(endpoint, index);
        }
        domains
    }

    /// The index of the domain an interface is in.
    pub fn index_of(&self, endpoint: &Endpoint) -> Option<usize> {
        self.by_endpoint.get(endpoint).copied()
    }

    /// The domain an interface is in.
    pub fn of(&self, endpoint: &Endpoint) -> Option<&Domain> {
        self.index_of(endpoint).map(|i| &self.list[i])
    }

    /// The other routed interfaces in the same domain.
    pub fn neighbours<'a>(&'a self, endpoint: &'a Endpoint) -> impl Iterator<Item = &'a Endpoint> {
        self.of(endpoint).into_iter().flat_map(|d| d.members.iter()).filter(move |m| *m != endpoint)
    }
}

/// Union-find over wires.
#[derive(Default)]
struct DisjointSets {
    ids: HashMap<Wire, usize>,
    parent: Vec<usize>,
}

impl DisjointSets {
    fn add(&mut self, wire: Wire) -> usize {
        let next = self.parent.len();
        let id = *self.ids.entry(wire).or_insert(next);
        if id == next {
            self.parent.push(next);
        }
        id
    }

    fn find(&mut self, mut id: usize) -> usize {
        while self.parent[id] != id {
            self.parent[id] = self.parent[self.parent[id]];
            id = self.parent[id];
        }
        id
    }

    fn find_key(&mut self, wire: &Wire) -> usize {
        let id = self.add(wire.clone());
        self.find(id)
    }

    fn union(&mut self, a: Wire, b: Wire) {
        let (a, b) = (self.add(a), self.add(b));
        let (ra, rb) = (self.find(a), self.find(b));
        if ra != rb {
            self.parent[ra] = rb;
        }
    }
}
