//! What a probe saw in the lab, as facts the judge compares with the expectation. Every
//! probe, whether it read the kernel from outside or ran the node's own tools, reports
//! in these terms, so one judge serves both.

use std::net::{IpAddr, Ipv4Addr};

use ipnet::IpNet;

use crate::design::RecordKind;

/// What one probe observed.
#[derive(Debug, Clone, PartialEq)]
pub enum Observation {
    /// An interface's state; `None` when the node has no such interface.
    Interface(Option<InterfaceFacts>),
    /// The node's main routing table.
    Routes(Vec<RouteFact>),
    /// OSPF neighbours; `None` when OSPF does not run.
    OspfNeighbours(Option<Vec<NeighbourFact>>),
    /// The router ID OSPF runs with; `None` when OSPF does not run.
    OspfRouterId(Option<Ipv4Addr>),
    /// BGP neighbours; `None` when bgpd does not answer.
    BgpNeighbours(Option<Vec<crate::checks::bgp_facts::BgpPeerFact>>),
    /// The paths of a BGP table; `None` when bgpd does not answer.
    BgpTable(Option<Vec<crate::checks::bgp_facts::BgpPathFact>>),
    /// OSPF's routes with their cost, as FRR has them; `None` when it cannot tell.
    OspfRib(Option<Vec<RibRoute>>),
    /// An interface as OSPF runs it; `None` when OSPF does not run on it.
    OspfInterface(Option<OspfInterfaceFacts>),
    Pings(PingFacts),
    Traceroute(TraceFacts),
    Port(PortFact),
    /// Whether a packet asbuilt injected arrived where it watched for it.
    Arrival {
        arrived: bool,
    },
    /// What the check asks about cannot be there yet, for a reason another check
    /// already fails on (a cable whose end has no address): skipped, not failed again.
    Unobservable(crate::design::Text),
    /// Traffic that should have been stopped: what came back (`Pings`, `Port` or
    /// `Arrival`), whether asbuilt saw its packets arrive in the target (`None`: no node
    /// of the lab has the address), whether it saw them get as far as where the policy
    /// must stop them (`None`: the check does not say where that is), and whether that
    /// node itself reaches the target (`None`: not asked, the target being that node,
    /// or the packets not getting there): only then is the policy what stopped them.
    Stopped {
        reply: Box<Observation>,
        arrived: Option<bool>,
        reached: Option<bool>,
        deliverable: Option<bool>,
    },
    /// The source address a listener asbuilt started saw, if the connection came.
    Nat {
        connected: bool,
        seen_source: Option<IpAddr>,
        failure: Option<String>,
    },
    Http(Result<HttpFacts, String>),
    /// A name-based site's page, with the certificate an https site presented; or why
    /// no page came.
    Site(Result<SiteFacts, String>),
    Dns(Result<DnsFacts, String>),
    /// The offer a DHCP server made, if any.
    Dhcp(Option<DhcpOffer>),
    /// The greeting an SSH server sent, or why none came.
    Ssh(Result<String, String>),
    /// The file on the log server where asbuilt's message turned up (`None`: nowhere in
    /// time), or why it could not be sent or looked for.
    Syslog(Result<Option<String>, String>),
    /// A node's running configuration and the backup of it (`None`: no such file), as
    /// printed; or why either could not be read.
    Backup(Result<BackupFacts, String>),
    /// A user's groups (`id -nG`: their own first), or `None` when there is no such user.
    Account(Result<Option<Vec<String>>, String>),
    /// The sudo rules a user has (`sudo -l -U`, one line each; none: may not use sudo),
    /// or `None` when there is no such user.
    Sudo(Result<Option<Vec<String>>, String>),
    /// Whether a service is in the node's boot lists, and whether it runs now.
    Boot(Result<BootFacts, String>),
    /// The installed version of a package, `None` when it is not installed.
    Package(Result<Option<String>, String>),
    /// Whether an SSH login as the user ran a command, and what the client said.
    Login {
        logged_in: bool,
        said: String,
    },
    /// A time server's answer: its stratum (`None`: no answer), and whether it said
    /// its clock is unsynchronised (leap indicator 3).
    NtpAnswer {
        stratum: Option<u8>,
        alarm: bool,
    },
    /// The sources chrony has (`chronyc sources`): address and state (`*` selected).
    TimeSources(Result<Vec<(String, char)>, String>),
    /// What an SNMP agent answered: the name it gave for the designed community (`None`:
    /// no answer), and whether it answered `public` too (`None`: not asked, `public`
    /// being the designed one).
    Snmp {
        name: Result<Option<String>, String>,
        public_answered: Option<bool>,
    },
    /// A bridge port's VLANs; `None` when the port is in no VLAN-filtering bridge.
    Vlans(Option<Vec<VlanFact>>),
    Command {
        status: i32,
        output: String,
    },
    /// A file's owner, mode and (when asked) content; `None` when it does not exist, or
    /// the check's user cannot see it.
    File(Option<FileFacts>),
}

/// What `stat` and `cat` tell of a file.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct FileFacts {
    pub owner: String,
    pub group: String,
    /// Permission bits.
    pub mode: u32,
    /// `None` when not asked for, or the check's user may not read it.
    pub content: Option<String>,
}

impl FileFacts {
    /// Reads `stat -c '%U %G %a'`.
    pub fn from_stat(line: &str) -> Option<FileFacts> {
        let mut parts = line.split_whitespace();
        let (owner, group, mode) = (parts.next()?, parts.next()?, parts.next()?);
        Some(FileFacts {
            owner: owner.to_string(),
            group: group.to_string(),
            mode: u32::from_str_radix(mode, 8).ok()?,
            content: None,
        })
    }
}

#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct InterfaceFacts {
    /// Administratively up (`ip link set ... up`).
    pub up: bool,
    /// A carrier: the cable is in and the other end is up.
    pub carrier: bool,
    pub addresses: Vec<IpNet>,
}

/// Who put a route into the kernel.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum RouteOrigin {
    Kernel,
    Boot,
    Static,
    Dhcp,
    Ospf,
    /// ripd and ripngd (zebra gives both the same protocol number).
    Rip,
    Other(u8),
}

impl RouteOrigin {
    /// From the kernel's `rtm_protocol` number (`/etc/iproute2/rt_protos`).
    pub fn from_number(n: u8) -> RouteOrigin {
        match n {
            2 => RouteOrigin::Kernel,
            3 => RouteOrigin::Boot,
            4 | 196 => RouteOrigin::Static,
            16 => RouteOrigin::Dhcp,
            188 => RouteOrigin::Ospf,
            189 => RouteOrigin::Rip,
            other => RouteOrigin::Other(other),
        }
    }

    /// From the names `ip -j route` prints.
    pub fn from_name(name: &str) -> RouteOrigin {
        match name {
            "kernel" => RouteOrigin::Kernel,
            "boot" => RouteOrigin::Boot,
            "static" => RouteOrigin::Static,
            "dhcp" => RouteOrigin::Dhcp,
            "ospf" => RouteOrigin::Ospf,
            "rip" => RouteOrigin::Rip,
            other => RouteOrigin::Other(other.parse().unwrap_or(0)),
        }
    }

    pub fn name(self) -> String {
        match self {
            RouteOrigin::Kernel => "kernel".into(),
            RouteOrigin::Boot => "boot".into(),
            RouteOrigin::Static => "static".into(),
            RouteOrigin::Dhcp => "dhcp".into(),
            RouteOrigin::Ospf => "ospf".into(),
            RouteOrigin::Rip => "rip".into(),
            RouteOrigin::Other(n) => n.to_string(),
        }
    }
}

/// One OSPF route in FRR (`show ip route ospf json`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RibRoute {
    pub to: IpNet,
    /// OSPF's cost.
    pub metric: u32,
    pub via: Vec<IpAddr>,
    /// The interfaces of the next hops.
    pub interfaces: Vec<String>,
    /// Whether zebra chose it (a connected or static route may win).
    pub selected: bool,
}

/// One interface in OSPF (`show ip ospf interface json`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OspfInterfaceFacts {
    pub cost: u32,
    /// As FRR prints it: `BROADCAST`, `POINTOPOINT`.
    pub network: String,
    /// `DR`, `Backup`, `DROther`, `Point-To-Point`, `Waiting`...
    pub state: String,
    pub priority: Option<u32>,
}

/// One route of the main table.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct RouteFact {
    pub to: IpNet,
    /// Next hops; empty for a connected route.
    pub via: Vec<IpAddr>,
    pub interface: Option<String>,
    pub origin: RouteOrigin,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NeighbourFact {
    pub router_id: Ipv4Addr,
    /// Its address on the shared link, as FRR reports it (OSPF version 2 only: OSPFv3
    /// neighbours speak from link-local addresses).
    pub address: Option<IpAddr>,
    /// The local interface it is a neighbour on.
    pub interface: Option<String>,
    /// FRR's state: `Full/DR`, `2-Way/DROther`, `Init/DROther`...
    pub state: String,
}

impl NeighbourFact {
    /// A neighbourship that works: full, or two-way between two routers that are
    /// neither DR nor backup on a shared LAN (they never go further).
    pub fn is_up(&self) -> bool {
        self.state.starts_with("Full") || self.state.starts_with("2-Way")
    }
}

#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct PingFacts {
    pub sent: u32,
    pub received: u32,
    pub rtt_ms: Vec<f64>,
    /// A router that answered "unreachable" or "prohibited" instead.
    pub error_from: Option<(IpAddr, String)>,
    /// Why the node itself could not send (no address, no route).
    pub local_error: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct TraceFacts {
    /// The address that answered at each hop, `None` where nobody did.
    pub hops: Vec<Option<IpAddr>>,
    pub reached: bool,
}

/// How a port answered.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum PortFact {
    /// A TCP connection was made, or a UDP reply came.
    Open,
    /// Actively refused: a TCP reset, or ICMP port unreachable.
    Refused,
    /// Nothing came back in time.
    Silent,
    /// A router or firewall answered that it cannot or may not deliver.
    Unreachable(String),
}

#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct HttpFacts {
    pub status: u16,
    pub body: String,
}

/// A service's state at boot and now, as `asbuilt-service` tells it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct BootFacts {
    pub enabled: bool,
    pub running: bool,
}

/// A running configuration and its backup, as read.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct BackupFacts {
    pub running: String,
    pub saved: Option<String>,
}

/// What asking a web server for one host name gave.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct SiteFacts {
    pub page: HttpFacts,
    /// Over https: the certificate the server presented for the name.
    pub certificate: Option<CertificateFacts>,
}

/// A server's certificate, as asbuilt's TLS client read it.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct CertificateFacts {
    /// The DNS names in its subjectAltName (what browsers go by).
    pub names: Vec<String>,
    /// Whether it is valid for the name asked, wildcards included.
    pub for_name: bool,
    /// Its validity period as written in it (UTC), when it could be read.
    pub not_before: Option<String>,
    pub not_after: Option<String>,
    /// Whether now lies within that period.
    pub current: bool,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DnsFacts {
    pub server: IpAddr,
    /// The response code: 0 is an answer, 3 is "no such name".
    pub rcode: u8,
    pub answers: Vec<IpAddr>,
    /// Every record of the answer as its type and data (`dig +short`'s form).
    pub records: Vec<(RecordKind, String)>,
    /// The answer carried the AA flag.
    pub authoritative: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct DhcpOffer {
    pub address: Ipv4Addr,
    pub server: Option<Ipv4Addr>,
    pub gateway: Option<Ipv4Addr>,
    pub dns: Vec<Ipv4Addr>,
    pub netmask: Option<Ipv4Addr>,
}

#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct VlanFact {
    pub vid: u16,
    /// Frames without a tag entering the port go into this VLAN.
    pub pvid: bool,
    /// Frames of this VLAN leave the port without a tag.
    pub untagged: bool,
}
