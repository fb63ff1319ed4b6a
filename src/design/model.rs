//! The resolved design: every name checked, every address parsed, every default filled
//! in, per student where the lab has variants. Engines, the planner and the check
//! deriver read this and never the file.

use std::collections::BTreeSet;
use std::fmt;
use std::net::{IpAddr, Ipv4Addr};

use indexmap::IndexMap;
use ipnet::IpNet;
use serde::{Deserialize, Serialize};

use super::coursework::{RubricItem, Ticket, Writing};
use crate::kind::{Limits, NodeKind};

/// A lab's design, resolved for the teacher's plan or for one student.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Design {
    pub lab: String,
    pub title: Text,
    pub language: Lang,
    pub trains: Vec<WorkProcess>,
    pub task: Text,
    /// Set when this design was resolved for one student.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub variant: Option<Variant>,
    pub nodes: IndexMap<String, Node>,
    /// Every cable and shared segment; each becomes one bridge in the lab's fabric.
    pub segments: Vec<Segment>,
    pub faults: Vec<Fault>,
    /// Faults of which each student gets a few, drawn by their seed; those drawn are
    /// already in `faults` of a student's design.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fault_pool: Option<FaultPool>,
    pub checks: Vec<Check>,
    /// The teacher's changes to derived checks, in file order; a later rule wins.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub grading: Vec<Grading>,
    /// The incident the lab starts from, in the user's words.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ticket: Option<Ticket>,
    /// What the student writes and hands in with the lab.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub hand_in: Vec<Writing>,
    /// What the teacher grades by hand, beside the checks.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub rubric: Vec<RubricItem>,
}

impl Design {
    pub fn node(&self, name: &str) -> Option<&Node> {
        self.nodes.get(name)
    }

    pub fn interface(&self, node: &str, interface: &str) -> Option<&Interface> {
        self.nodes.get(node)?.interfaces.get(interface)
    }

    /// The segment an interface is cabled to (for a VLAN subinterface, its parent's).
    pub fn segment_of(&self, node: &str, interface: &str) -> Option<&Segment> {
        let iface = self.interface(node, interface)?;
        let name = iface.segment.as_deref()?;
        self.segments.iter().find(|s| s.name == name)
    }
}

/// A text per language.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Text {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub nl: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub en: Option<String>,
}

impl Text {
    /// The text in `lang`, or in the other language if that is all there is.
    pub fn get(&self, lang: Lang) -> Option<&str> {
        let (first, second) = match lang {
            Lang::Nl => (&self.nl, &self.en),
            Lang::En => (&self.en, &self.nl),
        };
        first.as_deref().or(second.as_deref())
    }

    pub fn is_empty(&self) -> bool {
        self.nl.is_none() && self.en.is_none()
    }

    /// Applies `f` to every language's text.
    pub fn map(&self, mut f: impl FnMut(&str) -> String) -> Text {
        Text { nl: self.nl.as_deref().map(&mut f), en: self.en.as_deref().map(&mut f) }
    }
}

/// A language asbuilt speaks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Lang {
    Nl,
    En,
}

impl Lang {
    pub fn parse(s: &str) -> Option<Lang> {
        match s {
            "nl" => Some(Lang::Nl),
            "en" => Some(Lang::En),
            _ => None,
        }
    }
}

/// A work process of the qualification *ICT support and systems* (crebo 23405).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(transparent)]
pub struct WorkProcess(pub String);

impl WorkProcess {
    /// The work processes of the qualification, with their Dutch and English names.
    pub const KNOWN: [(&'static str, &'static str, &'static str); 7] = [
        ("B1-K1-W1", "Handelt meldingen af", "Handles tickets and incidents"),
        ("B1-K1-W2", "Instrueert gebruikers", "Instructs users"),
        (
            "B1-K1-W3",
            "Installeert en configureert gebruikersapparatuur",
            "Installs and configures user devices",
        ),
        (
            "B1-K2-W1",
            "Installeert en configureert netwerk- en infrastructuurcomponenten",
            "Installs and configures network and infrastructure components",
        ),
        (
            "B1-K2-W2",
            "Beheert en monitort netwerk en infrastructuur",
            "Manages and monitors network and infrastructure",
        ),
        ("B1-K3-W1", "Adviseert over en configureert applicaties", "Advises on and configures applications"),
        ("B1-K3-W2", "Onderhoudt applicaties", "Maintains applications"),
    ];

    pub fn is_known(code: &str) -> bool {
        Self::KNOWN.iter().any(|(c, _, _)| *c == code)
    }
}

impl fmt::Display for WorkProcess {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// Which student this design was resolved for, and how their plan differs.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Variant {
    pub student: String,
    /// A short fingerprint of (lab, student): the same student always gets the same plan.
    pub seed: String,
    /// The teacher's subnets and the student's subnets that replace them.
    pub subnets: Vec<SubnetSwap>,
}

/// One subnet of the teacher's plan and the one a student gets instead.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct SubnetSwap {
    pub teacher: IpNet,
    pub student: IpNet,
}

/// A part of a node's configuration that a student can be asked to build.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Part {
    Addresses,
    Gateway,
    Routes,
    Ospf,
    Rip,
    Firewall,
    Nat,
    Http,
    Dns,
    Dhcp,
    Ssh,
    Vlans,
    Bgp,
    Syslog,
    Snmp,
    Users,
    Ntp,
    Backups,
    Boot,
    Packages,
}

impl Part {
    pub const ALL: [Part; 20] = [
        Part::Addresses,
        Part::Gateway,
        Part::Routes,
        Part::Ospf,
        Part::Rip,
        Part::Firewall,
        Part::Nat,
        Part::Http,
        Part::Dns,
        Part::Dhcp,
        Part::Ssh,
        Part::Vlans,
        Part::Bgp,
        Part::Syslog,
        Part::Snmp,
        Part::Users,
        Part::Ntp,
        Part::Backups,
        Part::Boot,
        Part::Packages,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Part::Addresses => "addresses",
            Part::Gateway => "gateway",
            Part::Routes => "routes",
            Part::Ospf => "ospf",
            Part::Rip => "rip",
            Part::Firewall => "firewall",
            Part::Nat => "nat",
            Part::Http => "http",
            Part::Dns => "dns",
            Part::Dhcp => "dhcp",
            Part::Ssh => "ssh",
            Part::Vlans => "vlans",
            Part::Bgp => "bgp",
            Part::Syslog => "syslog",
            Part::Snmp => "snmp",
            Part::Users => "users",
            Part::Ntp => "ntp",
            Part::Backups => "backups",
            Part::Boot => "boot",
            Part::Packages => "packages",
        }
    }

    pub fn parse(s: &str) -> Option<Part> {
        Part::ALL.into_iter().find(|p| p.name() == s)
    }

    /// Whether a node of `kind` can have this part at all.
    pub fn applies_to(self, kind: NodeKind) -> bool {
        match self {
            Part::Addresses | Part::Gateway | Part::Routes => kind != NodeKind::Switch,
            Part::Ospf | Part::Bgp | Part::Rip => kind.routes() || kind == NodeKind::Custom,
            Part::Firewall => kind == NodeKind::Firewall,
            // NAT belongs to whatever joins the inside to the outside: an office's edge
            // router as much as a firewall.
            Part::Nat => kind.routes(),
            // Any node with an address can offer a service where the design says so.
            Part::Http | Part::Dns | Part::Dhcp | Part::Ssh => kind != NodeKind::Switch,
            // Logging and SNMP: a log server, and every node that sends to it or is
            // monitored, switches aside (they have no address to manage them on).
            Part::Syslog | Part::Snmp | Part::Ntp => kind != NodeKind::Switch,
            // A backup server's copies of other nodes' configurations.
            Part::Backups => kind != NodeKind::Switch,
            // Which services start at boot: asbuilt-service keeps the lists, so only
            // asbuilt's images have them (a teacher's image is refused when resolving).
            Part::Boot => kind != NodeKind::Switch && kind != NodeKind::Custom,
            // Software from the package repository of the host and server images.
            Part::Packages => matches!(kind, NodeKind::Host | NodeKind::Server),
            // Local accounts: on anything with a shell a person logs in to.
            Part::Users => kind != NodeKind::Switch,
            Part::Vlans => kind == NodeKind::Switch,
        }
    }
}

impl fmt::Display for Part {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// One device and everything the design says about it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Node {
    pub name: String,
    pub kind: NodeKind,
    /// An image the teacher named; `None` runs asbuilt's image for the kind.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub image: Option<String>,
    pub limits: Limits,
    /// The parts the student builds; everything else asbuilt configures at deploy.
    pub student_builds: BTreeSet<Part>,
    pub interfaces: IndexMap<String, Interface>,
    /// Default gateways (at most one IPv4 and one IPv6).
    pub gateways: Vec<IpAddr>,
    pub routes: Vec<Route>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ospf: Option<Ospf>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bgp: Option<crate::design::bgp::Bgp>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rip: Option<Rip>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub firewall: Option<Firewall>,
    /// Masquerading and port forwards, on a router or a firewall.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub nat: Option<Nat>,
    pub services: Services,
    /// For switches: the VLANs of every port.
    #[serde(default, skip_serializing_if = "IndexMap::is_empty")]
    pub vlans: IndexMap<String, PortVlans>,
    /// Local user accounts, and accounts that must not exist.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub accounts: Vec<Account>,
    /// Software that must be installed, and software that must not be.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub packages: Option<Packages>,
    /// Files, startup commands, own FRR configuration and the like (`design::as_is`).
    #[serde(default, skip_serializing_if = "crate::design::as_is::NodeAsIs::is_empty")]
    pub as_is: crate::design::as_is::NodeAsIs,
}

impl Node {
    pub fn builds(&self, part: Part) -> Builder {
        if self.student_builds.contains(&part) { Builder::Student } else { Builder::Asbuilt }
    }

    /// Every address of every interface, loopback included.
    pub fn addresses(&self) -> impl Iterator<Item = (&Interface, &IpNet)> {
        self.interfaces.values().flat_map(|i| i.addresses.iter().map(move |a| (i, a)))
    }

    /// The address that stands for the node: the first IPv4 address on a cabled
    /// interface, else on any interface, else the first IPv6 one.
    pub fn primary_address(&self) -> Option<IpAddr> {
        let cabled = |i: &&Interface| i.name != "lo";
        let v4 = |a: &&IpNet| a.addr().is_ipv4();
        let ifs = || self.interfaces.values();
        ifs()
            .filter(cabled)
            .flat_map(|i| i.addresses.iter())
            .find(v4)
            .or_else(|| ifs().flat_map(|i| i.addresses.iter()).find(v4))
            .or_else(|| ifs().flat_map(|i| i.addresses.iter()).next())
            .map(IpNet::addr)
    }
}

/// Who configures a part.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Builder {
    Asbuilt,
    Student,
}

/// One interface of a node.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Interface {
    pub name: String,
    /// The segment it is cabled to; `None` for the loopback.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub segment: Option<String>,
    /// For a VLAN subinterface (`eth1.10`): the parent interface and the tag.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub vlan: Option<VlanTag>,
    /// Addresses with their prefix length (`10.0.12.1/30`).
    pub addresses: Vec<IpNet>,
    /// Whether it gets its IPv4 address from DHCP.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub dhcp: bool,
}

/// The parent and tag of a VLAN subinterface.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct VlanTag {
    pub parent: String,
    pub id: u16,
}

/// A cable between two interfaces, or a shared segment between several.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Segment {
    /// `r1:eth1--r2:eth1` for a cable, the teacher's name for a shared segment.
    pub name: String,
    pub shared: bool,
    pub members: Vec<Endpoint>,
}

/// One end of a cable.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct Endpoint {
    pub node: String,
    pub interface: String,
}

impl fmt::Display for Endpoint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}", self.node, self.interface)
    }
}

/// A static route.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Route {
    pub to: IpNet,
    pub via: IpAddr,
}

/// OSPF on one router.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Ospf {
    pub router_id: Ipv4Addr,
    /// The teacher wrote the router ID; otherwise asbuilt chose one, and a student may
    /// choose their own.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub router_id_stated: bool,
    pub interfaces: Vec<OspfInterface>,
    pub redistribute: Vec<Redistribute>,
    /// Areas other than the backbone that are stub or NSSA (`area 1 stub`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub special_areas: Vec<SpecialArea>,
}

impl Ospf {
    /// Whether this version of OSPF runs on the interface: it is in OSPF and has an
    /// address of the version's family (IPv4 for 2, IPv6 beside the link-local one for
    /// 3). A dual-stack interface runs both.
    pub fn runs_on(&self, node: &Node, iface: &str, version: OspfVersion) -> bool {
        self.interfaces.iter().any(|oi| oi.name == iface)
            && node.interfaces.get(iface).is_some_and(|i| has_routed_address(i, version.is_v2()))
    }

    /// Whether this version of OSPF runs at all on the router.
    pub fn runs(&self, node: &Node, version: OspfVersion) -> bool {
        self.interfaces.iter().any(|oi| self.runs_on(node, &oi.name, version))
    }

    /// The kind of an area this router is in: stub, NSSA, or `None` for a normal one.
    pub fn area_kind(&self, area: Ipv4Addr) -> Option<&SpecialArea> {
        self.special_areas.iter().find(|s| s.area == area)
    }
}

/// OSPF version 2 routes IPv4, OSPFv3 IPv6. asbuilt runs both from one `ospf` design:
/// the same areas, costs and router ID, each on the interfaces of its family.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum OspfVersion {
    #[default]
    V2,
    V3,
}

impl OspfVersion {
    pub const BOTH: [OspfVersion; 2] = [OspfVersion::V2, OspfVersion::V3];

    pub fn is_v2(&self) -> bool {
        *self == OspfVersion::V2
    }

    /// The route to everywhere in the version's family.
    pub fn default_route(self) -> IpNet {
        match self {
            OspfVersion::V2 => "0.0.0.0/0",
            OspfVersion::V3 => "::/0",
        }
        .parse()
        .expect("a default route")
    }

    /// Whether an address is of the family this version routes.
    pub fn routes(self, addr: IpAddr) -> bool {
        addr.is_ipv4() == self.is_v2()
    }
}

/// A stub or NSSA area, as one router configures it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct SpecialArea {
    pub area: Ipv4Addr,
    pub kind: AreaKind,
    /// Also no summaries of other areas: only a default route from the border (`no-summary`).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub no_summary: bool,
}

/// Which external routes an area lets in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum AreaKind {
    /// No external routes; the border router announces a default route instead.
    Stub,
    /// No external routes from elsewhere, but its own routers may redistribute.
    Nssa,
}

impl AreaKind {
    pub fn name(self) -> &'static str {
        match self {
            AreaKind::Stub => "stub",
            AreaKind::Nssa => "nssa",
        }
    }
}

/// How OSPF treats the link of an interface.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum NetworkType {
    /// Elects a designated router (the default on Ethernet).
    Broadcast,
    /// No election: two routers on a cable.
    PointToPoint,
}

impl NetworkType {
    pub fn name(self) -> &'static str {
        match self {
            NetworkType::Broadcast => "broadcast",
            NetworkType::PointToPoint => "point-to-point",
        }
    }
}

/// One interface in OSPF.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OspfInterface {
    pub name: String,
    /// The area, in dotted form (`0.0.0.0`).
    pub area: Ipv4Addr,
    pub passive: bool,
    /// The cost the design gives; FRR's default otherwise.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cost: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub network: Option<NetworkType>,
    /// The priority in the designated-router election (0: never DR or BDR).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub priority: Option<u8>,
}

/// RIP on one router: RIPv2 on the interfaces with an IPv4 address, RIPng on those with
/// an IPv6 one.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Rip {
    /// The RIP version for IPv4 (2; RIPng has no other).
    pub version: u8,
    pub interfaces: Vec<RipInterface>,
    pub redistribute: Vec<Redistribute>,
}

/// One interface in RIP.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RipInterface {
    pub name: String,
    /// Announces its subnet but sends no updates on the link (it still listens).
    pub passive: bool,
}

impl Rip {
    /// Whether RIPv2 runs: some interface in RIP has an IPv4 address.
    pub fn runs_v4(&self, node: &Node) -> bool {
        self.on_family(node, true)
    }

    /// Whether RIPng runs: some interface in RIP has an IPv6 address.
    pub fn runs_ng(&self, node: &Node) -> bool {
        self.on_family(node, false)
    }

    fn on_family(&self, node: &Node, v4: bool) -> bool {
        self.interfaces
            .iter()
            .any(|ri| node.interfaces.get(&ri.name).is_some_and(|i| has_routed_address(i, v4)))
    }
}

/// An IPv6 link-local address (`fe80::/10`): every IPv6 interface has one by itself, no
/// design writes one, and routing protocols never announce it.
pub fn is_link_local(addr: IpAddr) -> bool {
    matches!(addr, IpAddr::V6(v6) if (v6.segments()[0] & 0xffc0) == 0xfe80)
}

/// Whether `iface` has an address of the family (`v4`, else IPv6) that a routing
/// protocol announces: link-local ones do not count.
pub fn has_routed_address(iface: &Interface, v4: bool) -> bool {
    iface.addresses.iter().any(|a| a.addr().is_ipv4() == v4 && !is_link_local(a.addr()))
}

/// Routes OSPF announces besides its own.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Redistribute {
    Connected,
    Static,
    /// A default route (`default-information originate`).
    Default,
}

/// The packet filter of one firewall.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Firewall {
    pub zones: IndexMap<String, Vec<String>>,
    pub rules: Vec<Rule>,
    /// For forwarded traffic no rule matches.
    pub default: Verdict,
    /// For traffic to the firewall itself that no rule matches.
    pub input: Verdict,
}

/// Address translation on one router or firewall. Kept apart from [`Firewall`]: a
/// router translates without filtering anything, and a student may build one without
/// the other.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Nat {
    /// Interfaces whose outgoing traffic is masqueraded.
    pub masquerade: Vec<String>,
    pub port_forwards: Vec<PortForward>,
}

impl Nat {
    pub fn is_empty(&self) -> bool {
        self.masquerade.is_empty() && self.port_forwards.is_empty()
    }
}

/// Accept or drop.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Verdict {
    Accept,
    Drop,
}

/// One firewall rule.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Rule {
    pub verdict: Verdict,
    pub from: Selector,
    pub to: Selector,
    pub service: Service,
    /// The rule as the teacher wrote it, for reports.
    pub text: String,
}

/// One side of a rule.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase", tag = "type")]
pub enum Selector {
    Any,
    /// Traffic entering or leaving through a zone's interfaces.
    Zone {
        name: String,
        interfaces: Vec<String>,
    },
    /// Traffic from or to these addresses (a node's, or a literal subnet).
    Hosts {
        name: String,
        nets: Vec<IpNet>,
    },
    /// The firewall itself.
    Local,
}

/// What traffic a rule is about.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase", tag = "protocol")]
pub enum Service {
    Any,
    Icmp,
    Tcp { ports: Vec<PortRange> },
    Udp { ports: Vec<PortRange> },
}

/// An inclusive range of ports; `first == last` for one port. No ranges means all ports.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct PortRange {
    pub first: u16,
    pub last: u16,
}

/// A port forward (destination NAT).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PortForward {
    pub interface: String,
    pub protocol: Transport,
    pub port: u16,
    pub to: IpAddr,
    pub to_port: u16,
    pub text: String,
}

/// TCP or UDP.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Transport {
    Tcp,
    Udp,
}

impl fmt::Display for Transport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Transport::Tcp => "tcp",
            Transport::Udp => "udp",
        })
    }
}

/// The services a node offers.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Services {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub http: Option<Http>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dns: Option<Dns>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dhcp: Option<Dhcp>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ssh: Option<Ssh>,
    /// A log server: receives other nodes' syslog messages.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub syslog: Option<Syslog>,
    /// Where this node sends its own syslog messages.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub logs_to: Option<LogsTo>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub snmp: Option<Snmp>,
    /// A time server: serves NTP to every node of the lab.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub ntp: bool,
    /// The time server this node follows.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub time_from: Option<TimeFrom>,
    /// A backup server: keeps copies of other nodes' running configurations.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub backups: Option<Backups>,
    /// Which services start when the node boots, and which must not.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub boot: Option<Boot>,
}

/// The packages a node must have installed and the ones it must not, from the image's
/// package repository (`images/host/packages`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Packages {
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub installed: Vec<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub absent: Vec<String>,
}

impl Packages {
    /// The packages the design names, each with whether it must be installed.
    pub fn named(&self) -> impl Iterator<Item = (&str, bool)> {
        let installed = self.installed.iter().map(|p| (p.as_str(), true));
        installed.chain(self.absent.iter().map(|p| (p.as_str(), false)))
    }
}

/// The services that must start at boot and the ones that must not, by the names
/// `asbuilt-service` (and the node's `systemctl`) know them by.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Boot {
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub enabled: Vec<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub disabled: Vec<String>,
}

impl Boot {
    /// The services the design names, each with whether it must start at boot.
    pub fn services(&self) -> impl Iterator<Item = (&str, bool)> {
        let enabled = self.enabled.iter().map(|s| (s.as_str(), true));
        enabled.chain(self.disabled.iter().map(|s| (s.as_str(), false)))
    }
}

/// The services asbuilt's images can start at boot, as `asbuilt-service` names them.
pub const BOOT_SERVICES: [&str; 8] =
    ["frr", "nftables", "nginx", "dnsmasq", "ssh", "rsyslog", "snmpd", "chrony"];

/// Whether a node of `kind` has the service in asbuilt's image: FRR and nftables only
/// where packets are routed, the servers' daemons everywhere but on a switch.
pub fn has_boot_service(kind: NodeKind, service: &str) -> bool {
    match service {
        "frr" | "nftables" => kind.routes(),
        _ => BOOT_SERVICES.contains(&service) && kind != NodeKind::Switch && kind != NodeKind::Custom,
    }
}

/// The configuration backups a server keeps: `<dir>/<node>.conf` for every node of `of`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Backups {
    pub dir: String,
    pub of: Vec<BackedUp>,
}

impl Backups {
    /// Where the backup of `node` lives on the server.
    pub fn file(&self, node: &str) -> String {
        format!("{}/{node}.conf", self.dir.trim_end_matches('/'))
    }
}

/// A node whose running configuration is backed up, and where that configuration is.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BackedUp {
    pub node: String,
    pub source: ConfigSource,
}

/// Where a node's running configuration is read.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum ConfigSource {
    /// A router's: FRR's `show running-config`.
    Frr,
    /// A firewall's: the nftables rule set.
    Nftables,
}

impl ConfigSource {
    /// The command, run as root in the node, that prints the running configuration.
    pub fn command(self) -> &'static [&'static str] {
        match self {
            ConfigSource::Frr => &["vtysh", "-c", "show running-config"],
            ConfigSource::Nftables => &["nft", "list", "ruleset"],
        }
    }
}

impl Services {
    pub fn is_empty(&self) -> bool {
        self.http.is_none()
            && self.dns.is_none()
            && self.dhcp.is_none()
            && self.ssh.is_none()
            && self.syslog.is_none()
            && self.logs_to.is_none()
            && self.snmp.is_none()
            && !self.ntp
            && self.time_from.is_none()
            && self.backups.is_none()
            && self.boot.is_none()
    }
}

/// A local user account as the design has it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Account {
    pub name: String,
    /// Groups besides the user's own, which exist on the node.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub groups: Vec<String>,
    /// May run every command as root with sudo; `false`: may not use sudo at all.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub sudo: bool,
    /// The lab's password for it; the engine stores only its hash in the node.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub password: Option<String>,
    /// The account must not exist.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub absent: bool,
    /// The account elsewhere whose SSH key logs in to this one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub key_from: Option<KeyFrom>,
}

/// An account on another node whose SSH key logs in: `user` on `node` (`root` or an
/// account the design gives that node).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct KeyFrom {
    pub node: String,
    pub user: String,
}

/// A log server (rsyslog) that receives syslog messages over UDP and keeps each sender's
/// in a file of its own.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Syslog {
    pub port: u16,
}

/// A node's syslog forwarding: every message it logs also goes to the log server.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LogsTo {
    /// The log server's node.
    pub server: String,
    /// The server's address the messages are sent to.
    pub address: IpAddr,
    pub port: u16,
}

/// The time server a node follows over NTP.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TimeFrom {
    /// The time server's node.
    pub server: String,
    /// The server's address the node asks.
    pub address: IpAddr,
}

/// An SNMP agent (snmpd) that answers version 2c requests with one read-only community.
/// The community is the lab's, given to students in the task.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Snmp {
    pub community: String,
    pub port: u16,
}

/// A web server.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Http {
    pub port: u16,
    /// The page for every name no site claims (nginx's default server).
    pub content: String,
    /// Name-based virtual hosts, in the order of the file.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub sites: Vec<Site>,
    /// The port of the https sites.
    #[serde(default = "https_port")]
    pub tls_port: u16,
}

fn https_port() -> u16 {
    443
}

impl Http {
    /// A web server with one page and no sites.
    pub fn single(port: u16, content: impl Into<String>) -> Http {
        Http { port, content: content.into(), sites: Vec::new(), tls_port: https_port() }
    }

    /// Whether nginx listens on `port`: the plain port, or the https port where a site
    /// is served over https.
    pub fn listens(&self, port: u16) -> bool {
        port == self.port || (self.has_tls() && port == self.tls_port)
    }

    /// Whether any site is served over https.
    pub fn has_tls(&self) -> bool {
        self.sites.iter().any(|s| s.tls)
    }

    /// The page a request for `host` gets on `port`: its site's where a site claims the
    /// name there, the default page on the plain port, none elsewhere. A TLS site's
    /// name on the plain port gets a redirect, not a page.
    pub fn page_for(&self, host: &str, port: u16) -> Option<&str> {
        let site = self.sites.iter().find(|s| s.name.eq_ignore_ascii_case(host));
        match site {
            Some(s) if s.tls && port == self.tls_port => Some(&s.content),
            Some(s) if !s.tls && port == self.port => Some(&s.content),
            Some(_) => None,
            // Any other name on https reaches the first https site: nginx's default there.
            None if port == self.port => Some(&self.content),
            None if port == self.tls_port => self.sites.iter().find(|s| s.tls).map(|s| s.content.as_str()),
            None => None,
        }
    }
}

/// A name-based virtual host: a page served to requests for one host name, over https
/// with a certificate for that name where `tls` says so.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Site {
    /// Lowercase, without a trailing dot.
    pub name: String,
    pub content: String,
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub tls: bool,
}

/// A DNS server.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Dns {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub domain: Option<String>,
    /// Address records (A and AAAA).
    pub records: Vec<DnsRecord>,
    /// Every other record: CNAME, MX, NS, TXT, PTR.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub other_records: Vec<NamedRecord>,
    /// The server is the authority for `domain` (answers with the AA flag, an SOA and NS
    /// records) instead of a resolver that knows some names.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub authoritative: bool,
}

/// One DNS record (A or AAAA by the address's family).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DnsRecord {
    /// Fully qualified, without the trailing dot.
    pub name: String,
    pub address: IpAddr,
}

/// A DNS record other than an address.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NamedRecord {
    /// Fully qualified, without the trailing dot (for PTR: the reverse name of the
    /// address, `10.0.168.192.in-addr.arpa`).
    pub name: String,
    pub data: RecordData,
}

/// What a record other than an address holds. Names are fully qualified, without the
/// trailing dot.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase", tag = "type")]
pub enum RecordData {
    Cname { target: String },
    Mx { preference: u16, host: String },
    Ns { host: String },
    Txt { text: String },
    Ptr { address: IpAddr, host: String },
}

impl RecordData {
    /// The record type as DNS names it.
    pub fn kind(&self) -> RecordKind {
        match self {
            RecordData::Cname { .. } => RecordKind::Cname,
            RecordData::Mx { .. } => RecordKind::Mx,
            RecordData::Ns { .. } => RecordKind::Ns,
            RecordData::Txt { .. } => RecordKind::Txt,
            RecordData::Ptr { .. } => RecordKind::Ptr,
        }
    }

    /// The record's data as `dig +short` prints it (names without the trailing dot).
    pub fn text(&self) -> String {
        match self {
            RecordData::Cname { target } => target.clone(),
            RecordData::Mx { preference, host } => format!("{preference} {host}"),
            RecordData::Ns { host } | RecordData::Ptr { host, .. } => host.clone(),
            RecordData::Txt { text } => text.clone(),
        }
    }
}

/// A type of DNS record a check can ask for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum RecordKind {
    #[default]
    A,
    Aaaa,
    Cname,
    Mx,
    Ns,
    Txt,
    Ptr,
    Soa,
}

impl RecordKind {
    pub const ALL: [RecordKind; 8] = [
        RecordKind::A,
        RecordKind::Aaaa,
        RecordKind::Cname,
        RecordKind::Mx,
        RecordKind::Ns,
        RecordKind::Txt,
        RecordKind::Ptr,
        RecordKind::Soa,
    ];

    /// The type's number on the wire (RFC 1035, RFC 3596).
    pub fn code(self) -> u16 {
        match self {
            RecordKind::A => 1,
            RecordKind::Ns => 2,
            RecordKind::Cname => 5,
            RecordKind::Soa => 6,
            RecordKind::Ptr => 12,
            RecordKind::Mx => 15,
            RecordKind::Txt => 16,
            RecordKind::Aaaa => 28,
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            RecordKind::A => "A",
            RecordKind::Aaaa => "AAAA",
            RecordKind::Cname => "CNAME",
            RecordKind::Mx => "MX",
            RecordKind::Ns => "NS",
            RecordKind::Txt => "TXT",
            RecordKind::Ptr => "PTR",
            RecordKind::Soa => "SOA",
        }
    }

    pub fn parse(text: &str) -> Option<RecordKind> {
        RecordKind::ALL.into_iter().find(|k| k.name().eq_ignore_ascii_case(text))
    }
}

impl fmt::Display for RecordKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// The name a PTR record of `address` lives under (`in-addr.arpa` or `ip6.arpa`).
pub fn reverse_name(address: IpAddr) -> String {
    match address {
        IpAddr::V4(v4) => {
            let [a, b, c, d] = v4.octets();
            format!("{d}.{c}.{b}.{a}.in-addr.arpa")
        }
        IpAddr::V6(v6) => {
            let nibbles: Vec<String> =
                v6.octets().iter().rev().flat_map(|b| [b & 0x0f, b >> 4]).map(|n| format!("{n:x}")).collect();
            format!("{}.ip6.arpa", nibbles.join("."))
        }
    }
}

/// A DHCP server on one interface.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Dhcp {
    pub interface: String,
    pub subnet: IpNet,
    pub first: Ipv4Addr,
    pub last: Ipv4Addr,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub gateway: Option<Ipv4Addr>,
    pub dns: Vec<IpAddr>,
    pub lease_seconds: u32,
}

/// An SSH server.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Ssh {
    pub port: u16,
    pub users: Vec<SshUser>,
}

/// A login on an SSH server. The password is the lab's, given to students in the task;
/// the engine stores only its hash in the node.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SshUser {
    pub name: String,
    pub password: String,
}

/// The VLANs of one switch port.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum PortVlans {
    /// Untagged member of one VLAN.
    Access(u16),
    /// Tagged member of these VLANs.
    Trunk(Vec<u16>),
}

impl PortVlans {
    pub fn carries(&self, vlan: u16) -> bool {
        match self {
            PortVlans::Access(v) => *v == vlan,
            PortVlans::Trunk(vs) => vs.contains(&vlan),
        }
    }
}

/// A service a fault can stop.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ServiceName {
    Http,
    Dns,
    Dhcp,
    Ssh,
    Ospf,
    Syslog,
    Snmp,
    Ntp,
}

impl ServiceName {
    pub const ALL: [ServiceName; 8] = [
        ServiceName::Http,
        ServiceName::Dns,
        ServiceName::Dhcp,
        ServiceName::Ssh,
        ServiceName::Ospf,
        ServiceName::Syslog,
        ServiceName::Snmp,
        ServiceName::Ntp,
    ];

    pub fn name(self) -> &'static str {
        match self {
            ServiceName::Http => "http",
            ServiceName::Dns => "dns",
            ServiceName::Dhcp => "dhcp",
            ServiceName::Ssh => "ssh",
            ServiceName::Ospf => "ospf",
            ServiceName::Syslog => "syslog",
            ServiceName::Snmp => "snmp",
            ServiceName::Ntp => "ntp",
        }
    }

    /// The program a `stop` fault stops, as `asbuilt-service` names it; `None` for
    /// OSPF, whose fault switches ospfd off inside FRR, which runs on.
    pub fn daemon(self) -> Option<&'static str> {
        match self {
            ServiceName::Http => Some("nginx"),
            ServiceName::Dns | ServiceName::Dhcp => Some("dnsmasq"),
            ServiceName::Ssh => Some("ssh"),
            ServiceName::Ospf => None,
            ServiceName::Syslog => Some("rsyslog"),
            ServiceName::Snmp => Some("snmpd"),
            ServiceName::Ntp => Some("chrony"),
        }
    }
}

/// Something broken on purpose at the start of a troubleshooting lab.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Fault {
    pub kind: FaultKind,
    /// The teacher's note; never shown to students.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

/// Faults a student gets `draw` of, chosen by their seed (`design::fault_pool`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FaultPool {
    pub draw: usize,
    pub faults: Vec<Fault>,
}

/// What a fault does.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case", tag = "fault")]
pub enum FaultKind {
    Shutdown { at: Endpoint },
    WrongAddress { at: Endpoint, address: IpNet },
    WrongGateway { node: String, gateway: IpAddr },
    RemoveRoute { node: String, to: IpNet },
    Block { node: String, rule: Rule },
    Stop { node: String, service: ServiceName },
    LinkDown { at: Endpoint },
    Loss { at: Endpoint, percent: f64 },
    Delay { at: Endpoint, ms: u32 },
    OspfPassive { at: Endpoint },
}

impl FaultKind {
    /// The node the fault is applied to.
    pub fn node(&self) -> &str {
        match self {
            FaultKind::Shutdown { at }
            | FaultKind::WrongAddress { at, .. }
            | FaultKind::LinkDown { at }
            | FaultKind::Loss { at, .. }
            | FaultKind::Delay { at, .. }
            | FaultKind::OspfPassive { at } => &at.node,
            FaultKind::WrongGateway { node, .. }
            | FaultKind::RemoveRoute { node, .. }
            | FaultKind::Block { node, .. }
            | FaultKind::Stop { node, .. } => node,
        }
    }

    /// Faults in the fabric are out of the student's reach: they find them, but can
    /// only report them, as with a broken cable in a real building.
    pub fn in_fabric(&self) -> bool {
        matches!(self, FaultKind::LinkDown { .. } | FaultKind::Loss { .. } | FaultKind::Delay { .. })
    }
}

/// A fault as a teacher writes it under `faults` (`stop: srv:http`), for the pages and
/// reports that tell a grader which faults a student's lab has.
impl fmt::Display for FaultKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            FaultKind::Shutdown { at } => write!(f, "shutdown: {at}"),
            FaultKind::WrongAddress { at, address } => write!(f, "wrong-address: {at} ({address})"),
            FaultKind::WrongGateway { node, gateway } => write!(f, "wrong-gateway: {node} ({gateway})"),
            FaultKind::RemoveRoute { node, to } => write!(f, "remove-route: {node} (to {to})"),
            FaultKind::Block { node, rule } => write!(f, "block: {node} ({})", rule.text),
            FaultKind::Stop { node, service } => write!(f, "stop: {node}:{}", service.name()),
            FaultKind::LinkDown { at } => write!(f, "link-down: {at}"),
            FaultKind::Loss { at, percent } => write!(f, "loss: {at} ({percent}%)"),
            FaultKind::Delay { at, ms } => write!(f, "delay: {at} ({ms} ms)"),
            FaultKind::OspfPassive { at } => write!(f, "ospf-passive: {at}"),
        }
    }
}

/// A teacher's change to the derived checks whose ids match a pattern: their weight
/// (or dropping them), the work processes they count for, or both.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Grading {
    /// A check id, where `*` stands for any text: `reach/*`, `address/pc1:*`.
    pub pattern: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub change: Option<GradingChange>,
    /// The work processes the matching checks count for instead of their own.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub trains: Option<Vec<WorkProcess>>,
}

/// What a grading rule does to the points of a check.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum GradingChange {
    Weight(f64),
    Drop,
}

impl Grading {
    /// The families of derived check ids: the part before the first `/`. The check
    /// deriver makes exactly these (a test keeps the two in step).
    pub const FAMILIES: [&'static str; 41] = [
        "address",
        "gateway",
        "gateway6",
        "route",
        "ospf-neighbour",
        "ospf-route",
        "ospf-router-id",
        "ospf-interface",
        "ospf6-neighbour",
        "ospf6-interface",
        "rip-route",
        "bgp-session",
        "bgp-session6",
        "bgp-route",
        "vlan",
        "link",
        "reach",
        "reach6",
        "blocked",
        "blocked6",
        "denied",
        "port",
        "port6",
        "nat",
        "forward",
        "http",
        "site",
        "dns",
        "dhcp",
        "ssh",
        "syslog",
        "snmp",
        "user",
        "sudo",
        "login",
        "key",
        "boot",
        "package",
        "ntp-server",
        "ntp",
        "backup",
    ];

    /// Whether `id` matches the pattern.
    pub fn matches(&self, id: &str) -> bool {
        glob(self.pattern.as_bytes(), id.as_bytes())
    }
}

/// `*` matches any run of characters, everything else itself.
fn glob(pattern: &[u8], text: &[u8]) -> bool {
    match pattern.split_first() {
        None => text.is_empty(),
        Some((b'*', rest)) => (0..=text.len()).any(|skip| glob(rest, &text[skip..])),
        Some((c, rest)) => text.first() == Some(c) && glob(rest, &text[1..]),
    }
}

/// A check the teacher wrote.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Check {
    /// `check-1`, `check-2`... in file order.
    pub id: String,
    pub probe: Probe,
    #[serde(default, skip_serializing_if = "Text::is_empty")]
    pub title: Text,
    pub weight: f64,
    #[serde(default, skip_serializing_if = "Text::is_empty")]
    pub hint: Text,
    pub trains: Vec<WorkProcess>,
    pub retries: u32,
    pub timeout_ms: u64,
    pub reveal: bool,
    /// For a negative ping or port check: the node whose policy must stop the traffic,
    /// as the teacher named it. asbuilt works it out from the design otherwise.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub blocked_at: Option<String>,
}

/// What a DNS check asks beyond an address: the record type, the data of a record that
/// is not an address, and whether the answer must be authoritative.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct DnsExpect {
    #[serde(default, skip_serializing_if = "is_a")]
    pub kind: RecordKind,
    /// The expected data of a record other than A/AAAA, as `dig +short` prints it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub data: Option<String>,
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub authoritative: bool,
}

fn is_a(kind: &RecordKind) -> bool {
    *kind == RecordKind::A
}

impl DnsExpect {
    /// An address lookup, as every DNS check was before record types.
    pub fn is_plain(&self) -> bool {
        *self == DnsExpect::default()
    }
}

/// The HTTP method of a web check unless the teacher names one.
pub fn default_method() -> String {
    "GET".to_string()
}

/// An address to probe, with the name the teacher used for it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Target {
    pub label: String,
    pub address: IpAddr,
}

/// What an explicit check does.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase", tag = "probe")]
pub enum Probe {
    Ping {
        from: String,
        to: Target,
        reach: bool,
    },
    Traceroute {
        from: String,
        to: Target,
        via: Vec<String>,
    },
    Port {
        from: String,
        to: Target,
        protocol: Transport,
        port: u16,
        open: bool,
    },
    Http {
        from: String,
        url: String,
        #[serde(default = "default_method")]
        method: String,
        status: u16,
        contains: Option<String>,
        /// A regular expression the page must match.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        matches: Option<String>,
    },
    Dns {
        from: String,
        name: String,
        server: Option<IpAddr>,
        expect: Option<IpAddr>,
        #[serde(default, skip_serializing_if = "DnsExpect::is_plain")]
        record: DnsExpect,
    },
    /// `as_root`: the teacher wrote `user: root`; otherwise the node's unprivileged check
    /// user runs it.
    Command {
        node: String,
        run: String,
        matches: String,
        #[serde(default, skip_serializing_if = "std::ops::Not::not")]
        as_root: bool,
        /// The exit status it must end with.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        exit: Option<i32>,
        /// The exact output it must print (trailing line ends aside).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        output: Option<String>,
    },
    /// A file on a node: its content, owner and mode, as many as the check gives.
    File {
        node: String,
        path: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        contains: Option<String>,
        /// `user` or `user:group`, by name.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        owner: Option<String>,
        /// Permission bits (`0o640`).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        mode: Option<u32>,
        #[serde(default, skip_serializing_if = "std::ops::Not::not")]
        as_root: bool,
    },
    /// The node's routing table has exactly these routes besides its connected ones.
    Routes {
        node: String,
        only: Vec<RouteSet>,
    },
}

/// A destination and the next hops a node spreads its traffic to it over: one for a
/// plain route, several for equal-cost paths (ECMP).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RouteSet {
    pub to: IpNet,
    pub via: Vec<IpAddr>,
}

impl fmt::Display for RouteSet {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let hops: Vec<String> = self.via.iter().map(IpAddr::to_string).collect();
        write!(f, "{} via {}", self.to, hops.join(", "))
    }
}
