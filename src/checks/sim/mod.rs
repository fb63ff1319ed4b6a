//! What a lab built exactly as a design would do, computed without running it.
//!
//! The deriver asks it which hosts reach which, what a firewall blocks and where NAT
//! applies; the same questions, asked of a design with one part left blank or one
//! fault applied, tell which checks depend on that part and which a fault breaks.
//! Pure: a [`World`] is made from a [`Design`] and answers by walking packets through
//! forwarding tables and firewall policies.

pub mod bgp;
mod blank;
mod enforce;
mod fib;
pub mod holds;
mod ospf_detail;
pub mod policy;
pub mod rip;
pub mod spf;
mod trip;

use std::collections::{HashMap, HashSet};
use std::net::{IpAddr, Ipv4Addr};

use ipnet::IpNet;

pub use blank::{is_present, without};
pub use fib::{Adjacency, Fib, FibRoute, OspfOutcome, RouteSource};
pub use ospf_detail::roles as ospf_roles;
pub use policy::Flow;
pub use rip::{RipOutcome, RipRoute};
pub use trip::{RoundTrip, Stop, Trip};

use crate::checks::model::PartRef;
use crate::design::domains::Domains;
use crate::design::{Design, Endpoint, Fault, FaultKind, Node, OspfVersion, RecordKind, ServiceName};

/// A lab as it would behave: the effective configuration (DHCP leases filled in) and
/// the state of interfaces and cables.
#[derive(Debug, Clone)]
pub struct World {
    pub design: Design,
    pub domains: Domains,
    pub fibs: HashMap<String, Fib>,
    /// OSPF version 2 (IPv4).
    pub ospf: OspfOutcome,
    /// OSPFv3 (IPv6), from the same design on the interfaces with IPv6 addresses.
    pub ospf6: OspfOutcome,
    pub bgp: bgp::BgpOutcome,
    pub rip: RipOutcome,
    /// Interfaces shut down inside their node.
    pub down: HashSet<Endpoint>,
    /// Cable ends pulled in the fabric.
    pub cut: HashSet<Endpoint>,
    /// Cable ends with loss or delay in the fabric.
    pub impaired: HashSet<Endpoint>,
    /// The lease each DHCP client interface would get.
    pub leases: HashMap<Endpoint, Lease>,
}

/// What a DHCP client would be given.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Lease {
    pub server: String,
    /// Its address: the range is handed out in the order of the nodes.
    pub address: IpNet,
    pub gateway: Option<Ipv4Addr>,
    pub dns: Vec<IpAddr>,
}

/// Which links are broken, besides the configuration.
#[derive(Debug, Clone, Default)]
struct LinkState {
    down: HashSet<Endpoint>,
    cut: HashSet<Endpoint>,
    impaired: HashSet<Endpoint>,
}

impl LinkState {
    /// Applies what the planner's misconfiguration leaves out: the state of cables and
    /// interfaces, and the stopped services, of one fault.
    fn add(&mut self, design: &mut Design, fault: &Fault, impaired_as_cut: bool) {
        match &fault.kind {
            FaultKind::Shutdown { at } => {
                self.down.insert(at.clone());
            }
            FaultKind::LinkDown { at } => {
                self.cut.insert(at.clone());
            }
            FaultKind::Loss { at, .. } | FaultKind::Delay { at, .. } => {
                if impaired_as_cut {
                    self.cut.insert(at.clone());
                } else {
                    self.impaired.insert(at.clone());
                }
            }
            FaultKind::Stop { node, service } => {
                let n = &mut design.nodes[node];
                // A stopped service neither runs nor comes back at boot (`plan::boot`).
                if let Some(boot) = n.services.boot.as_mut() {
                    boot.enabled.retain(|d| Some(d.as_str()) != service.daemon());
                }
                match service {
                    ServiceName::Http => n.services.http = None,
                    ServiceName::Dns => n.services.dns = None,
                    ServiceName::Dhcp => n.services.dhcp = None,
                    ServiceName::Ssh => n.services.ssh = None,
                    ServiceName::Ospf => n.ospf = None,
                    // One rsyslog both receives and forwards.
                    ServiceName::Syslog => {
                        n.services.syslog = None;
                        n.services.logs_to = None;
                    }
                    ServiceName::Snmp => n.services.snmp = None,
                    // One chronyd both serves and follows.
                    ServiceName::Ntp => {
                        n.services.ntp = false;
                        n.services.time_from = None;
                    }
                }
            }
            FaultKind::OspfPassive { at } => {
                if let Some(ospf) = design.nodes[&at.node].ospf.as_mut() {
                    ospf.interfaces
                        .iter_mut()
                        .filter(|i| i.name == at.interface)
                        .for_each(|i| i.passive = true);
                }
            }
            FaultKind::WrongAddress { .. }
            | FaultKind::WrongGateway { .. }
            | FaultKind::RemoveRoute { .. }
            | FaultKind::Block { .. } => {}
        }
    }
}

impl World {
    /// The lab exactly as designed.
    pub fn of(design: &Design) -> World {
        World::build(design.clone(), LinkState::default())
    }

    /// The lab as deployed with one fault in it, as the planner applies it.
    pub fn with_fault(design: &Design, fault: &Fault) -> World {
        World::with_faults(design, std::slice::from_ref(fault), false)
    }

    /// The lab as a student gets it: their parts blank and every fault of their design
    /// in. A cable with loss or delay counts as cut here: traffic over it gets through
    /// only by chance, and what passes by chance cannot be said to have worked.
    pub fn at_start(design: &Design) -> World {
        let mut blank = design.clone();
        for node in design.nodes.values() {
            for part in &node.student_builds {
                blank = without(&blank, &PartRef { node: node.name.clone(), part: *part });
            }
        }
        World::with_faults(&blank, &design.faults, true)
    }

    fn with_faults(design: &Design, faults: &[Fault], impaired_as_cut: bool) -> World {
        let mut with = design.clone();
        with.faults = faults.to_vec();
        let mut broken = crate::plan::faults::misconfigured(&with);
        broken.faults.clear();
        let mut state = LinkState::default();
        for fault in faults {
            state.add(&mut broken, fault, impaired_as_cut);
        }
        World::build(broken, state)
    }

    fn build(mut design: Design, state: LinkState) -> World {
        // A pulled cable or a shut interface carries nothing: take it out of its
        // broadcast domain. Shut interfaces also lose their connected routes.
        for ep in state.down.iter().chain(state.cut.iter()) {
            if let Some(iface) =
                design.nodes.get_mut(&ep.node).and_then(|n| n.interfaces.get_mut(&ep.interface))
            {
                iface.segment = None;
            }
        }
        for ep in &state.down {
            if let Some(iface) =
                design.nodes.get_mut(&ep.node).and_then(|n| n.interfaces.get_mut(&ep.interface))
            {
                iface.addresses.clear();
            }
        }
        let domains = Domains::compute(&design.nodes, &design.segments);
        let leases = leases(&design, &domains);
        for (ep, lease) in &leases {
            let node = &mut design.nodes[&ep.node];
            node.interfaces[&ep.interface].addresses.push(lease.address);
            if let Some(gw) = lease.gateway.filter(|_| !node.gateways.iter().any(IpAddr::is_ipv4)) {
                node.gateways.push(IpAddr::V4(gw));
            }
        }
        let connected: HashMap<String, Fib> =
            design.nodes.values().map(|n| (n.name.clone(), fib::local_routes(n))).collect();
        let ospf = fib::ospf(&design.nodes, &domains, &connected, OspfVersion::V2);
        let ospf6 = fib::ospf(&design.nodes, &domains, &connected, OspfVersion::V3);
        let rip = rip::rip(&design.nodes, &domains, &connected);
        let mut fibs = connected;
        for (node, learned) in ospf.learned.iter().chain(&ospf6.learned) {
            fibs.get_mut(node).expect("every node has a table").routes.extend(learned.iter().cloned());
        }
        for (node, learned) in &rip.learned {
            let fib = fibs.get_mut(node).expect("every node has a table");
            fib.routes.extend(learned.iter().map(|r| r.route.clone()));
        }
        // BGP last: it announces (and redistributes) what the interior protocols learned.
        let bgp_outcome = bgp::bgp(&design.nodes, &domains, &fibs);
        for (node, table) in &bgp_outcome.tables {
            let learned = bgp::fib_routes(&design.nodes[node], table, &fibs[node]);
            fibs.get_mut(node).expect("every node has a table").routes.extend(learned);
        }
        World {
            design,
            domains,
            fibs,
            ospf,
            ospf6,
            bgp: bgp_outcome,
            rip,
            down: state.down,
            cut: state.cut,
            impaired: state.impaired,
            leases,
        }
    }

    pub fn node(&self, name: &str) -> &Node {
        &self.design.nodes[name]
    }

    /// The node that has `addr` on one of its interfaces.
    pub fn owner(&self, addr: IpAddr) -> Option<&Node> {
        self.design.nodes.values().find(|n| n.addresses().any(|(_, a)| a.addr() == addr))
    }

    /// Where a DNS server answers `name`, as the design's records say.
    pub fn dns_answers(&self, server: &str, name: &str) -> Vec<IpAddr> {
        let Some(dns) = &self.node(server).services.dns else { return Vec::new() };
        dns.records.iter().filter(|r| r.name.eq_ignore_ascii_case(name)).map(|r| r.address).collect()
    }

    /// The data of `server`'s records of `kind` (not A or AAAA) for `name`, as
    /// `dig +short` prints it; an SOA for the zone of an authoritative server.
    pub fn dns_records(&self, server: &str, name: &str, kind: RecordKind) -> Vec<String> {
        let Some(dns) = &self.node(server).services.dns else { return Vec::new() };
        let mut out: Vec<String> = dns
            .other_records
            .iter()
            .filter(|r| r.name.eq_ignore_ascii_case(name) && r.data.kind() == kind)
            .map(|r| r.data.text())
            .collect();
        if kind == RecordKind::Aaaa {
            out.extend(
                dns.records
                    .iter()
                    .filter(|r| r.name.eq_ignore_ascii_case(name) && r.address.is_ipv6())
                    .map(|r| r.address.to_string()),
            );
        }
        if kind == RecordKind::Soa
            && dns.authoritative
            && dns.domain.as_deref().is_some_and(|d| d.eq_ignore_ascii_case(name))
        {
            out.push(name.to_string());
        }
        out
    }

    /// The DNS servers a node would ask: those its DHCP lease gave.
    pub fn resolvers(&self, node: &str) -> Vec<IpAddr> {
        // The teacher's own resolv.conf first, as the node writes it at its start; then
        // what DHCP hands out.
        let written = self.design.nodes.get(node).and_then(|n| n.as_is.resolv.as_ref());
        written
            .into_iter()
            .flat_map(|r| r.nameservers.iter().copied())
            .chain(
                self.leases.iter().filter(|(ep, _)| ep.node == node).flat_map(|(_, l)| l.dns.iter().copied()),
            )
            .collect()
    }
}

/// A DHCP client gets a lease from a server in its broadcast domain whose DHCP service
/// runs on an interface with an address in the range's subnet.
fn leases(design: &Design, domains: &Domains) -> HashMap<Endpoint, Lease> {
    let mut out = HashMap::new();
    let mut handed_out: HashMap<String, u32> = HashMap::new();
    for node in design.nodes.values() {
        for iface in node.interfaces.values().filter(|i| i.dhcp) {
            let me = Endpoint { node: node.name.clone(), interface: iface.name.clone() };
            let server = domains.neighbours(&me).find_map(|member| {
                let server = &design.nodes[&member.node];
                let dhcp = server.services.dhcp.as_ref().filter(|d| d.interface == member.interface)?;
                let has_address = server.interfaces[&member.interface]
                    .addresses
                    .iter()
                    .any(|a| dhcp.subnet.contains(&a.addr()));
                has_address.then_some((server, dhcp))
            });
            if let Some((server, dhcp)) = server {
                // Each client its own address, handed out in order from the start of
                // the range, as a fresh server does.
                let given = handed_out.entry(server.name.clone()).or_insert(0u32);
                let next = u32::from(dhcp.first).saturating_add(*given).min(u32::from(dhcp.last));
                *given += 1;
                let address = IpNet::new(IpAddr::V4(Ipv4Addr::from(next)), dhcp.subnet.prefix_len())
                    .expect("a v4 prefix");
                out.insert(
                    me,
                    Lease {
                        server: server.name.clone(),
                        address,
                        gateway: dhcp.gateway,
                        dns: dhcp.dns.clone(),
                    },
                );
            }
        }
    }
    out
}
