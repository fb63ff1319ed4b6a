//! A check suite: what asbuilt will test in a running lab, and what it expects.
//!
//! Pure data. A suite is derived from a [`Design`](crate::design::Design) (see
//! [`derive`](super::derive)); the runner gathers evidence for each check and the judge
//! compares it with the expectation held here.

use std::fmt;
use std::net::{IpAddr, Ipv4Addr};

use ipnet::IpNet;
use serde::{Deserialize, Serialize};

use crate::design::{
    ConfigSource, DnsExpect, Endpoint, Lang, Part, PortVlans, RouteSet, RubricItem, Text, Transport,
    WorkProcess,
};

/// Every check of one lab instance, in a stable order.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Suite {
    pub lab: String,
    pub title: Text,
    pub language: Lang,
    /// The student whose design the suite was derived from; `None` for the teacher's plan.
    pub student: Option<String>,
    /// The variant seed of that student's plan.
    pub seed: Option<String>,
    pub checks: Vec<CheckSpec>,
    /// The criteria a teacher scores by hand, beside the checks.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub rubric: Vec<RubricItem>,
}

impl Suite {
    pub fn check(&self, id: &str) -> Option<&CheckSpec> {
        self.checks.iter().find(|c| c.id == id)
    }

    /// The ids of the checks that depend on one part of one node.
    /// What `pick` takes from each check's probe, in suite order: the routers a wait
    /// looks at, the sessions or routes it waits for.
    pub fn probed<T>(&self, pick: impl Fn(&ProbeSpec) -> Option<T>) -> Vec<T> {
        self.checks.iter().filter_map(|c| pick(&c.probe)).collect()
    }

    pub fn depending_on(&self, node: &str, part: Part) -> Vec<&str> {
        self.checks
            .iter()
            .filter(|c| c.depends_on.iter().any(|d| d.node == node && d.part == part))
            .map(|c| c.id.as_str())
            .collect()
    }
}

/// One check: what to observe, what is expected, and how it counts.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CheckSpec {
    /// Stable across students of one lab: addresses in ids are the teacher's.
    pub id: String,
    pub origin: Origin,
    pub title: Text,
    /// Shown to a student instead of the expected value; helps without giving the answer.
    pub hint: Text,
    pub weight: f64,
    pub trains: Vec<WorkProcess>,
    /// Whether a student may see the expected value.
    pub reveal: bool,
    /// The parts of the design this check needs: blank one and the check no longer passes.
    pub depends_on: Vec<PartRef>,
    /// Checks that must pass before this one means anything; if one does not, this one
    /// is skipped with that reason.
    pub requires: Vec<String>,
    /// Whether it is graded: `false` for a check the teacher dropped that still runs
    /// because another requires it. Reports leave it out, as if it were not there.
    #[serde(default = "graded_by_default")]
    pub graded: bool,
    /// Whether it passes in the lab as the student gets it (their parts blank, their
    /// faults in): then failing it later means the student's work broke it. Set only
    /// for labs with faults or a ticket, where that is worth telling apart.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub worked_at_start: bool,
    /// Extra attempts after the first, for things that converge (OSPF, DHCP).
    pub retries: u32,
    /// Time allowed for one attempt.
    pub timeout_ms: u64,
    pub probe: ProbeSpec,
}

fn graded_by_default() -> bool {
    true
}

/// Where a check comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Origin {
    /// Derived from the design.
    Derived,
    /// Written by the teacher under `checks:`.
    Explicit,
}

/// One part of one node's configuration.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct PartRef {
    pub node: String,
    pub part: Part,
}

impl fmt::Display for PartRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}", self.node, self.part)
    }
}

/// What a check observes and what it expects to see.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case", tag = "kind")]
pub enum ProbeSpec {
    /// The interface is administratively up and has exactly these addresses.
    Address { node: String, interface: String, expect: AddressExpect },
    /// A default route via this gateway.
    Gateway { node: String, via: IpAddr },
    /// A route to `to` via `via`.
    Route { node: String, to: IpNet, via: IpAddr },
    /// An OSPF neighbourship with `neighbour`, known by its address on the link they
    /// share (a student may choose the router ID where the design does not fix one).
    OspfNeighbour { node: String, neighbour: String, address: IpAddr },
    /// An OSPFv3 neighbourship with `neighbour` over `interface`. OSPFv3 speaks over
    /// link-local addresses, so the neighbour is known by its router ID where that is
    /// certain (stated, or needed to tell several routers on one link apart); on a
    /// cable, any full neighbour on the interface is the one at the other end.
    Ospf6Neighbour {
        node: String,
        neighbour: String,
        interface: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        router_id: Option<Ipv4Addr>,
    },
    /// The router ID OSPF runs with, where the design states one.
    OspfRouterId { node: String, router_id: Ipv4Addr },
    /// A BGP session with the neighbour at `address` is established, the neighbour
    /// being in `remote_as`.
    BgpSession { node: String, neighbour: String, address: IpAddr, remote_as: u32 },
    /// The BGP table has a best path to `to` with one of these AS paths (several where
    /// FRR decides by what a design does not state, such as the age of a path).
    BgpRoute { node: String, to: IpNet, as_paths: Vec<Vec<u32>> },
    /// A route to `to` learned through OSPF; where the design states costs, also at
    /// this cost and via one of these next hops (read from FRR then). An IPv6 route's
    /// next hops are link-local addresses: it goes out of one of `interfaces` instead.
    OspfRoute {
        node: String,
        to: IpNet,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        metric: Option<u32>,
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        via: Vec<IpAddr>,
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        interfaces: Vec<String>,
    },
    /// An interface as OSPF runs it: what the design states of its cost and network
    /// type, and the DR/BDR role where the design's priorities decide the election.
    OspfInterface {
        node: String,
        interface: String,
        /// Version 2 (IPv4) or 3 (IPv6): each has its own settings on the interface.
        #[serde(default, skip_serializing_if = "crate::design::OspfVersion::is_v2")]
        version: crate::design::OspfVersion,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        cost: Option<u32>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        network: Option<crate::design::NetworkType>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        role: Option<DrRole>,
    },
    /// A route to `to` learned through RIP (or RIPng), via one of `via`; for IPv6, whose
    /// next hops are link-local addresses, out of one of `interfaces` instead.
    RipRoute { node: String, to: IpNet, via: Vec<IpAddr>, interfaces: Vec<String> },
    /// A cable carries traffic: a burst of pings from one end to the other, with
    /// little loss and little delay.
    Link { from: Endpoint, to: Endpoint, address: IpAddr },
    /// Echo requests from a node to an address: answered (`reach`) or not. A ping that
    /// must go unanswered says where the policy must stop it.
    Ping {
        from: String,
        to: Target,
        reach: bool,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        stopped: Option<Enforcement>,
    },
    /// The routers a packet passes on its way.
    Traceroute { from: String, to: Target, via: Vec<String> },
    /// A TCP connection or UDP exchange with a port, open or closed. With `listen`,
    /// asbuilt listens there itself when nothing else does, so that only the path (the
    /// firewall) decides. A closed port says where the policy must stop the traffic.
    Port {
        from: String,
        to: Target,
        protocol: Transport,
        port: u16,
        open: bool,
        listen: Option<ListenAt>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        stopped: Option<Enforcement>,
    },
    /// A packet asbuilt puts on the cable at `from` (a neighbour of the firewall) straight
    /// to the firewall's interface, addressed to `to`, and watches for in `target`: it
    /// must not arrive. Tests a policy for traffic that routing alone would never bring
    /// to the firewall, such as from the internet towards a masqueraded LAN.
    Inject { from: Endpoint, firewall: Endpoint, source: IpAddr, to: Target, target: String, port: u16 },
    /// Traffic from a node arrives at the target with this source address.
    Nat { from: String, to: Target, target: String, port: u16, source: IpAddr },
    /// An HTTP GET answers with a status and, optionally, content.
    Http {
        from: String,
        url: String,
        #[serde(default = "crate::design::model::default_method")]
        method: String,
        status: u16,
        contains: Option<String>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        matches: Option<String>,
    },
    /// A DNS query for `name` (to `server`, or to the node's own resolver) answers,
    /// with `expect` among the addresses when given.
    Dns {
        from: String,
        name: String,
        server: Option<IpAddr>,
        expect: Option<IpAddr>,
        #[serde(default, skip_serializing_if = "DnsExpect::is_plain")]
        record: DnsExpect,
    },
    /// A DHCP server offers an address in its range to a client asbuilt plays itself,
    /// from the interface of `client`.
    Dhcp { server: String, client: Endpoint, range: DhcpRange },
    /// A web server serves a name-based site: asked on its own address and port for
    /// `name` (the Host header; over https also the name in the TLS handshake), it
    /// answers with the page, and over https with a certificate for the name.
    Site { node: String, address: IpAddr, port: u16, name: String, tls: bool, contains: Option<String> },
    /// The backup of `node`'s configuration in `file` on `server` matches what `node`
    /// runs now.
    Backup { node: String, server: String, file: String, source: ConfigSource },
    /// `client_user` on `client` logs in as `name` on `node` (at `address`, `port`) with
    /// an SSH key alone: no password is tried.
    KeyLogin { client: String, client_user: String, node: String, name: String, address: IpAddr, port: u16 },
    /// An SSH server greets on its address and port.
    Ssh { node: String, address: IpAddr, port: u16 },
    /// A message logged on `from` turns up on the log server `server` (which `from` sends
    /// to at `address`, `port`).
    Syslog { from: String, server: String, address: IpAddr, port: u16 },
    /// A local account exists with (at least) these groups besides its own, or, when
    /// `absent`, does not exist.
    Account { node: String, name: String, groups: Vec<String>, absent: bool },
    /// A user may run every command as root with sudo (`allowed`), or may not use sudo.
    Sudo { node: String, name: String, allowed: bool },
    /// A service starts when the node boots and runs now (`enabled`), or neither.
    Boot { node: String, service: String, enabled: bool },
    /// A package is installed (`installed`), or is not.
    Package { node: String, name: String, installed: bool },
    /// A user logs in with their password over SSH, on the node's own address and port.
    /// The password is the lab's, given to students in the task; evidence never shows it.
    Login { node: String, name: String, password: String, address: IpAddr, port: u16 },
    /// A time server answers NTP on its own address, with a usable stratum.
    NtpServer { node: String, address: IpAddr },
    /// A node follows its time server: chrony has it as the selected source.
    NtpFollows { node: String, server: String, address: IpAddr },
    /// An SNMP agent on its own address answers a GET with `community`, and no other
    /// community (`public` is tried).
    Snmp { node: String, address: IpAddr, port: u16, community: String },
    /// A switch port's VLAN membership.
    Vlan { switch: String, port: String, expect: PortVlans },
    /// A command's output matches a regular expression.
    Command {
        node: String,
        run: String,
        matches: String,
        /// Runs as root (confined like the node) instead of the node's check user.
        #[serde(default, skip_serializing_if = "std::ops::Not::not")]
        as_root: bool,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        exit: Option<i32>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        output: Option<String>,
    },
    /// A file in a node contains a text.
    File {
        node: String,
        path: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        contains: Option<String>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        owner: Option<String>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        mode: Option<u32>,
        /// Read as root instead of the node's check user.
        #[serde(default, skip_serializing_if = "std::ops::Not::not")]
        as_root: bool,
    },
    /// The node's routing table holds exactly these routes besides connected ones.
    RouteTable { node: String, only: Vec<RouteSet> },
}

impl ProbeSpec {
    /// How the evidence will be gathered when the engine lets asbuilt into the nodes'
    /// network namespaces.
    pub fn planned_evidence(&self) -> Influence {
        match self {
            ProbeSpec::OspfNeighbour { .. }
            | ProbeSpec::Ospf6Neighbour { .. }
            | ProbeSpec::OspfRouterId { .. }
            | ProbeSpec::BgpSession { .. }
            | ProbeSpec::BgpRoute { .. }
            | ProbeSpec::OspfRoute { metric: Some(_), .. }
            | ProbeSpec::OspfInterface { .. }
            | ProbeSpec::Command { .. }
            | ProbeSpec::File { .. }
            | ProbeSpec::Account { .. }
            | ProbeSpec::Sudo { .. }
            // asbuilt-service reads the node's boot lists and its daemons' process ids.
            | ProbeSpec::Boot { .. }
            // dpkg's database in the node.
            | ProbeSpec::Package { .. }
            | ProbeSpec::Login { .. }
            | ProbeSpec::KeyLogin { .. }
            | ProbeSpec::NtpFollows { .. }
            // The node's own vtysh or nft, and the file on the server.
            | ProbeSpec::Backup { .. }
            // `logger` in the sender, `grep` on the log server.
            | ProbeSpec::Syslog { .. } => Influence::NodeTools,
            // A name is looked up with the resolver the node itself is configured with.
            ProbeSpec::Dns { server: None, .. } => Influence::NodeTools,
            ProbeSpec::Http { url, .. } if url_host(url).is_some_and(|h| h.parse::<IpAddr>().is_err()) => {
                Influence::NodeTools
            }
            ProbeSpec::Http { url, .. } if url.starts_with("https://") => Influence::NodeTools,
            _ => Influence::Asbuilt,
        }
    }
}

/// Where traffic that must be blocked has to be stopped, and where it must not arrive.
///
/// A negative check passes only when asbuilt saw its own packets get as far as `at`
/// (the node whose policy must stop them) and not arrive in `target`; when they do not
/// even get to `at`, the network is not working yet and the check is skipped, never
/// passed. When `at` is the target itself (traffic to a firewall's own address), the
/// packets must arrive there and go unanswered.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Enforcement {
    pub at: String,
    /// The node the traffic is addressed to, when a node of the lab has that address.
    pub target: Option<String>,
}

/// Where asbuilt listens for a port check: a node, and the port there (which differs
/// from the probed one behind a port forward).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ListenAt {
    pub node: String,
    pub port: u16,
}

/// What an address check expects.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case", tag = "type")]
pub enum AddressExpect {
    /// These addresses, with their prefix lengths.
    Exact { addresses: Vec<IpNet> },
    /// An address from a DHCP range.
    Leased { range: DhcpRange },
}

/// The addresses a DHCP server hands out, and the options it gives with them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DhcpRange {
    pub subnet: IpNet,
    pub first: Ipv4Addr,
    pub last: Ipv4Addr,
    pub gateway: Option<Ipv4Addr>,
    pub dns: Vec<IpAddr>,
}

impl DhcpRange {
    pub fn contains(&self, addr: Ipv4Addr) -> bool {
        (self.first..=self.last).contains(&addr)
    }
}

/// An address to probe, with the name to show for it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Target {
    pub label: String,
    pub address: IpAddr,
}

impl From<&crate::design::Target> for Target {
    fn from(t: &crate::design::Target) -> Target {
        Target { label: t.label.clone(), address: t.address }
    }
}

/// Whether the student could have influenced a piece of evidence.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Influence {
    /// asbuilt read the state or sent the traffic itself, from outside the node: the
    /// student's configuration decides the result, but cannot fake it.
    Asbuilt,
    /// The node's own programs produced it; a student with root in the node could have
    /// replaced them.
    NodeTools,
}

/// The host part of `http://host:port/path`, without brackets.
pub fn url_host(url: &str) -> Option<&str> {
    let rest = url.split_once("://")?.1;
    let authority = rest.split(['/', '?', '#']).next()?;
    if let Some(v6) = authority.strip_prefix('[') {
        return v6.split_once(']').map(|(h, _)| h);
    }
    Some(authority.rsplit_once(':').map_or(authority, |(h, _)| h))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn url_hosts_are_found_with_and_without_ports() {
        assert_eq!(url_host("http://10.0.0.5/"), Some("10.0.0.5"));
        assert_eq!(url_host("http://10.0.0.5:8080/x"), Some("10.0.0.5"));
        assert_eq!(url_host("http://www.veenstra.local/"), Some("www.veenstra.local"));
        assert_eq!(url_host("http://[2001:db8::5]:80/"), Some("2001:db8::5"));
        assert_eq!(url_host("no url"), None);
    }
}

/// A router's role on a broadcast segment, from the designated-router election.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum DrRole {
    /// The designated router.
    Dr,
    /// The backup designated router.
    Bdr,
    /// Neither.
    Drother,
}

impl DrRole {
    /// The interface state FRR shows for the role.
    pub fn frr_state(self) -> &'static str {
        match self {
            DrRole::Dr => "DR",
            DrRole::Bdr => "Backup",
            DrRole::Drother => "DROther",
        }
    }
}
