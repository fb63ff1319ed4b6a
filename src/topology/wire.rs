//! The topology file as written: what serde reads, nothing resolved yet.
//!
//! Every struct rejects unknown keys, and keys are kebab-case. Doc comments here become
//! the descriptions in `asbuilt schema`, which editors show while a teacher types, so
//! they are written for teachers. Everything is checked and resolved in `crate::design`.

use indexmap::IndexMap;
use schemars::JsonSchema;
use serde::Deserialize;

use super::de::{OneOrMany, Scalar, TextWire};
pub use super::wire_as_is::{FileWire, FrrWire, ResolvWire, SharedWire};

/// A lab: the nodes, how they are cabled, and the design the finished network must match.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
#[schemars(title = "asbuilt topology")]
pub struct TopologyFile {
    /// Short identifier of the lab: lowercase letters, digits and dashes (`ospf-basis`).
    pub lab: String,
    /// The title students see.
    pub title: TextWire,
    /// The language of texts given as a single string: `nl` (default) or `en`.
    #[serde(default)]
    pub language: Option<String>,
    /// Work processes of the qualification this lab trains, e.g. `[B1-K2-W1, B1-K3-W1]`.
    #[serde(default)]
    pub trains: Vec<String>,
    /// The assignment, in Markdown. `{r1:eth1}` is replaced by that interface's address.
    #[serde(default)]
    pub task: Option<TextWire>,
    /// The devices of the lab, by name.
    pub nodes: IndexMap<String, NodeWire>,
    /// Point-to-point cables: `r1:eth1 -- r2:eth1`.
    #[serde(default)]
    pub links: Vec<String>,
    /// Shared segments (a hub-like LAN) by name: `lan: [r1:eth2, pc1:eth1, pc2:eth1]`.
    #[serde(default)]
    pub segments: IndexMap<String, Vec<String>>,
    /// Pools for automatic addressing of subnets the design gives no addresses.
    #[serde(default)]
    pub addressing: Option<AddressingWire>,
    /// The network as it must be when finished: the answer key.
    #[serde(default)]
    pub design: DesignWire,
    /// Per-student address plans: `192.168.10.0/24: 192.168.0.0/16` gives every student
    /// their own /24 from 192.168.0.0/16 in place of 192.168.10.0/24.
    #[serde(default)]
    pub variants: IndexMap<String, String>,
    /// What is broken at the start of a troubleshooting lab.
    #[serde(default)]
    pub faults: Vec<FaultWire>,
    /// Checks beside the ones asbuilt derives from the design.
    #[serde(default)]
    pub checks: Vec<CheckWire>,
    /// Changes to the derived checks, by id or pattern: `reach/*: { weight: 2 }`,
    /// `link/*: { drop: true }`, `dhcp/*: { trains: [B1-K1-W3] }`. See `asbuilt checks
    /// FILE` for the ids.
    #[serde(default)]
    pub grading: IndexMap<String, GradingWire>,
    /// Faults of which each student gets `draw`, chosen by their id, so that neighbours
    /// get different ones: `{ draw: 1, faults: [ { stop: web:http }, ... ] }`.
    #[serde(default)]
    pub fault_pool: Option<FaultPoolWire>,
    /// The incident the lab starts from, in the user's words:
    /// `{ from: "Anouk, receptie (pc1)", message: "Ik kan de agenda niet openen." }`.
    /// The student then hands in a diagnosis, a solution and how they tested it.
    #[serde(default)]
    pub ticket: Option<TicketWire>,
    /// Texts the student writes and hands in with the lab, by id:
    /// `instruction: "Schrijf voor Anouk hoe ze ..."`.
    #[serde(default)]
    pub hand_in: IndexMap<String, TextWire>,
    /// Criteria the teacher scores by hand, by id:
    /// `ticket-note: { criterion: "...", points: 4, trains: [B1-K1-W1], about: diagnosis }`.
    #[serde(default)]
    pub rubric: IndexMap<String, RubricWire>,
    /// Files every node gets in one folder, like Kathará's `shared/`:
    /// `{ path: /srv/shared, files: { notes.txt: "..." } }`.
    #[serde(default)]
    pub shared: Option<SharedWire>,
}

/// A pool of faults: each student gets `draw` of them.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct FaultPoolWire {
    /// How many faults each student gets (default 1).
    #[serde(default)]
    pub draw: Option<i64>,
    /// The faults to draw from, written as under `faults`.
    pub faults: Vec<FaultWire>,
}

/// An incident as the user reported it.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct TicketWire {
    /// Who reported it: `"Anouk, receptie (pc1)"`.
    pub from: TextWire,
    /// What they said, in their own words.
    pub message: TextWire,
}

/// One criterion the teacher scores by hand.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct RubricWire {
    /// What earns the points.
    pub criterion: TextWire,
    /// The most a grader may give, from 0 to 100.
    pub points: f64,
    /// Work processes it counts for (default: the lab's `trains`).
    #[serde(default)]
    pub trains: Option<Vec<String>>,
    /// The hand-in text it is about (`diagnosis`, `solution`, `tested` for a ticket, or an
    /// id under `hand-in`), shown beside it to the grader.
    #[serde(default)]
    pub about: Option<String>,
}

/// How derived checks whose id matches count.
#[derive(Debug, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct GradingWire {
    /// Points for each matching check, from 0 to 100 (derived checks weigh 1).
    #[serde(default)]
    pub weight: Option<f64>,
    /// `true`: the matching checks do not count and are left out of reports (they still
    /// run where another check needs them first).
    #[serde(default)]
    pub drop: Option<bool>,
    /// Work processes the matching checks count for, instead of the one asbuilt gives
    /// them: `[B1-K1-W3]`.
    #[serde(default)]
    pub trains: Option<Vec<String>>,
}

/// One device.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct NodeWire {
    /// `router`, `firewall`, `server`, `host`, `switch`, or `custom` (with `image`).
    #[serde(default)]
    pub kind: Option<String>,
    /// An image the engine already has, instead of asbuilt's own image for the kind.
    #[serde(default)]
    pub image: Option<String>,
    /// Who configures this node: `prebuilt` (default: asbuilt does), `student`, or a list
    /// of the parts the student builds: addresses, gateway, routes, ospf, firewall, nat,
    /// http, dns, dhcp, ssh, vlans.
    #[serde(default)]
    pub build: Option<OneOrMany<String>>,
    /// Resource limits; each kind has sensible defaults.
    #[serde(default)]
    pub limits: Option<LimitsWire>,
    /// Files put into the node before its services start, by path:
    /// `/etc/motd: "Welkom"` or `{ from: r1/etc/motd, owner: root:root, mode: "0644" }`.
    #[serde(default)]
    pub files: IndexMap<String, FileWire>,
    /// Shell commands run as root in the node, in order, after asbuilt's configuration
    /// (Kathará's `.startup`). A failing command is reported; the deploy goes on.
    #[serde(default)]
    pub startup: Vec<String>,
    /// Nodes whose startup commands must have finished before this node's start
    /// (Kathará's `lab.dep`): `[dns, dhcp]`.
    #[serde(default)]
    pub startup_after: Vec<String>,
    /// The router's own FRR configuration, loaded as it is instead of asbuilt's:
    /// `{ config: { from: r1/frr.conf }, daemons: [ospfd] }`.
    #[serde(default)]
    pub frr: Option<FrrWire>,
    /// MAC addresses by interface: `eth1: 02:00:00:00:01:01`.
    #[serde(default)]
    pub macs: IndexMap<String, String>,
    /// Kernel settings of the node's network namespace: `net.ipv4.ip_forward: 1`.
    #[serde(default)]
    pub sysctls: IndexMap<String, Scalar>,
    /// `false` switches IPv6 off in the node; `true` on, even in a lab without IPv6 addresses.
    #[serde(default)]
    pub ipv6: Option<bool>,
    /// The node's `/etc/resolv.conf`: `{ nameservers: [192.0.2.53], search: [jansen.local] }`.
    #[serde(default)]
    pub resolv: Option<ResolvWire>,
}

/// Resource limits of one node. Each kind has defaults; a value outside the range given
/// here is an error.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct LimitsWire {
    /// Memory, e.g. `256M` or `1G` (a bare number is MiB): from 16M to 4G.
    #[serde(default)]
    pub memory: Option<Scalar>,
    /// CPU cores, e.g. `0.5`: from 0.05 to 4.
    #[serde(default)]
    pub cpus: Option<f64>,
    /// Maximum number of processes: from 16 to 4096.
    #[serde(default)]
    pub pids: Option<i64>,
    /// The node's own disk, e.g. `512M` or `1G` (a bare number is MiB): from 32M to 8G.
    /// Everything the node writes lands there; a node that fills it gets "no space left"
    /// and nothing else is affected.
    #[serde(default)]
    pub disk: Option<Scalar>,
}

/// Address pools for automatic addressing.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct AddressingWire {
    /// Subnets for segments with three or more devices, e.g. `{ pool: 10.1.0.0/16, prefix: 24 }`.
    #[serde(default)]
    pub lan: Option<PoolWire>,
    /// Subnets for links between two devices, e.g. `{ pool: 10.0.0.0/24, prefix: 30 }`.
    #[serde(default)]
    pub p2p: Option<PoolWire>,
    /// Loopback addresses for routers and firewalls, e.g. `{ pool: 10.255.0.0/24 }`.
    #[serde(default)]
    pub loopback: Option<PoolWire>,
    /// IPv6 subnets for segments with three or more devices, e.g.
    /// `{ pool: 2001:db8:1::/48 }` (each a /64 unless `prefix` says otherwise).
    #[serde(default)]
    pub lan6: Option<PoolWire>,
    /// IPv6 subnets for links between two routers, e.g. `{ pool: 2001:db8:ff::/48 }` (/64).
    #[serde(default)]
    pub p2p6: Option<PoolWire>,
    /// IPv6 loopback addresses for routers and firewalls, e.g. `{ pool: 2001:db8:0:ffff::/64 }` (/128).
    #[serde(default)]
    pub loopback6: Option<PoolWire>,
}

/// A pool of subnets.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct PoolWire {
    /// The range subnets are taken from.
    pub pool: String,
    /// The prefix length of each subnet taken (lan 24, p2p 30, loopback 32 by default;
    /// lan6 and p2p6 64, loopback6 128).
    #[serde(default)]
    pub prefix: Option<u8>,
}

/// The finished network.
#[derive(Debug, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct DesignWire {
    /// Interface addresses: `r1:eth1: 10.0.12.1/30`, a list for several, or `dhcp`.
    #[serde(default)]
    pub addresses: IndexMap<String, OneOrMany<String>>,
    /// Default gateways by node: a neighbouring node's name or an address.
    #[serde(default)]
    pub gateways: IndexMap<String, OneOrMany<String>>,
    /// Static routes by node: `10.0.3.0/24 via r2` or `default via 10.0.12.2`.
    #[serde(default)]
    pub routes: IndexMap<String, Vec<String>>,
    /// OSPF by router.
    #[serde(default)]
    pub ospf: IndexMap<String, OspfWire>,
    /// RIP by router: RIPv2 on interfaces with IPv4 addresses, RIPng on IPv6 ones.
    #[serde(default)]
    pub rip: IndexMap<String, RipWire>,
    /// Firewall policy by firewall: zones, rules, and optionally its NAT.
    #[serde(default)]
    pub firewall: IndexMap<String, FirewallWire>,
    /// NAT by router or firewall: `edge: { masquerade: eth1, port-forwards: [eth1 tcp/8080 -> web:80] }`.
    #[serde(default)]
    pub nat: IndexMap<String, NatWire>,
    /// Services by server: http, dns, dhcp, ssh, syslog, logs-to, snmp.
    #[serde(default)]
    pub services: IndexMap<String, ServicesWire>,
    /// Local user accounts by node: `srv: { sanne: { groups: [webbeheer], sudo: true } }`;
    /// `kees: { absent: true }` for an account that must be gone.
    #[serde(default)]
    pub users: IndexMap<String, IndexMap<String, AccountWire>>,
    /// Software by node, from the image's package repository: `pc1: { installed:
    /// [tree], absent: [telnet] }`.
    #[serde(default)]
    pub packages: IndexMap<String, PackagesWire>,
    /// VLANs by switch: `eth1: 10` is an access port, `eth3: [10, 20]` a trunk.
    #[serde(default)]
    pub vlans: IndexMap<String, IndexMap<String, OneOrMany<Scalar>>>,
    /// BGP by router: `r1: { as: 65001, neighbours: { r2: 65002 }, networks: [192.0.2.0/24] }`.
    #[serde(default)]
    pub bgp: IndexMap<String, super::bgp::BgpWire>,
}

/// OSPF on one router.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct OspfWire {
    /// The area of all listed interfaces (default 0).
    #[serde(default)]
    pub area: Option<Scalar>,
    /// Interfaces in OSPF; default: every interface with an address.
    #[serde(default)]
    pub interfaces: Option<Vec<String>>,
    /// Interfaces per area, for routers in more than one area: `{ 0: [eth1], 1: [eth2] }`.
    #[serde(default)]
    pub areas: Option<IndexMap<String, Vec<String>>>,
    /// Interfaces that announce their subnet but form no neighbourships.
    #[serde(default)]
    pub passive: Vec<String>,
    /// Router ID; default: the loopback address, else the highest interface address.
    #[serde(default)]
    pub router_id: Option<String>,
    /// Routes to announce besides OSPF's own: `connected`, `static`, `default`.
    #[serde(default)]
    pub redistribute: Vec<String>,
    /// Cost per interface: `{ eth1: 10, eth2: 100 }` (1 to 65535).
    #[serde(default)]
    pub cost: IndexMap<String, Scalar>,
    /// Network type per interface: `broadcast` or `point-to-point`.
    #[serde(default)]
    pub network_type: IndexMap<String, String>,
    /// Priority in the designated-router election per interface (0 to 255; 0 never
    /// becomes DR or BDR).
    #[serde(default)]
    pub priority: IndexMap<String, Scalar>,
    /// Areas other than 0 that are stub or NSSA: `{ 1: stub, 2: nssa, 3: stub no-summary }`.
    #[serde(default)]
    pub area_types: IndexMap<String, String>,
}

/// RIP on one router.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct RipWire {
    /// Interfaces in RIP; default: every interface with an address (not the loopback).
    #[serde(default)]
    pub interfaces: Option<Vec<String>>,
    /// Interfaces that announce their subnet but send no updates (they still listen).
    #[serde(default)]
    pub passive: Vec<String>,
    /// Routes to announce besides RIP's own: `connected`, `static`, `default`.
    #[serde(default)]
    pub redistribute: Vec<String>,
    /// The RIP version for IPv4: 2 (the default; RIPng for IPv6 has no versions).
    #[serde(default)]
    pub version: Option<Scalar>,
}

/// Policy and NAT on one firewall.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct FirewallWire {
    /// Zones by name: `{ wan: eth1, dmz: eth2, lan: [eth3, eth4] }`.
    #[serde(default)]
    pub zones: IndexMap<String, OneOrMany<String>>,
    /// Rules in order: `allow lan -> dmz tcp/80,443`, `deny any -> lan`.
    /// Sides are a zone, a node, an address or subnet, `any`, or `self` (the firewall).
    #[serde(default)]
    pub rules: Vec<String>,
    /// What happens to forwarded traffic no rule allows: `drop` (default) or `accept`.
    #[serde(default)]
    pub default: Option<String>,
    /// What happens to traffic for the firewall itself no rule allows: `accept` (default) or `drop`.
    #[serde(default)]
    pub input: Option<String>,
    /// Interfaces whose outgoing traffic is hidden behind the interface's address (or
    /// write NAT under `design.nat`, as for a router).
    #[serde(default)]
    pub masquerade: Option<OneOrMany<String>>,
    /// Port forwards: `eth1 tcp/8080 -> web:80` (or under `design.nat`).
    #[serde(default)]
    pub port_forwards: Vec<String>,
}

/// NAT on one router or firewall.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct NatWire {
    /// Interfaces whose outgoing traffic is hidden behind the interface's address:
    /// `eth1`, the one towards the provider.
    #[serde(default)]
    pub masquerade: Option<OneOrMany<String>>,
    /// Port forwards: `eth1 tcp/8080 -> web:80` sends what arrives on eth1 for port
    /// 8080 to port 80 of web.
    #[serde(default)]
    pub port_forwards: Vec<String>,
}

/// Services on one server.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct ServicesWire {
    #[serde(default)]
    pub http: Option<HttpWire>,
    #[serde(default)]
    pub dns: Option<DnsWire>,
    #[serde(default)]
    pub dhcp: Option<DhcpWire>,
    #[serde(default)]
    pub ssh: Option<SshWire>,
    /// A log server (rsyslog): receives the syslog messages of the nodes that name it
    /// under `logs-to`. `{}` for the defaults.
    #[serde(default)]
    pub syslog: Option<SyslogWire>,
    /// The log server this node sends its syslog messages to: its node name, or
    /// `node:interface` for one address of it.
    #[serde(default)]
    pub logs_to: Option<String>,
    /// An SNMP agent (snmpd), version 2c, read-only.
    #[serde(default)]
    pub snmp: Option<SnmpWire>,
    /// A time server (chrony): serves NTP to the lab. `{}`.
    #[serde(default)]
    pub ntp: Option<NtpWire>,
    /// The time server this node follows: its node name, or `node:interface`.
    #[serde(default)]
    pub time_from: Option<String>,
    /// A backup server for configurations: a copy of the running configuration of each
    /// router and firewall in `of` is kept here, one file per node.
    #[serde(default)]
    pub backups: Option<BackupsWire>,
    /// Which services start when the node boots (`enabled`) and which must not
    /// (`disabled`), by their names on the node: nginx, dnsmasq, ssh, rsyslog, snmpd,
    /// chrony, and on routers and firewalls frr and nftables.
    #[serde(default)]
    pub boot: Option<BootWire>,
}

/// The packages a node must have installed, and those it must not.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct PackagesWire {
    #[serde(default)]
    pub installed: OneOrMany<String>,
    #[serde(default)]
    pub absent: OneOrMany<String>,
}

/// The services that start at boot, and those that must not.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct BootWire {
    #[serde(default)]
    pub enabled: OneOrMany<String>,
    #[serde(default)]
    pub disabled: OneOrMany<String>,
}

/// Configuration backups kept on a server.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct BackupsWire {
    /// The routers and firewalls whose running configuration is backed up here.
    pub of: OneOrMany<String>,
    /// The folder of the backups, one `<node>.conf` each (default `/srv/backups`).
    #[serde(default)]
    pub dir: Option<String>,
}

/// A time server (chrony). It has no settings yet: `ntp: {}`.
#[derive(Debug, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct NtpWire {}

/// A local user account on a node.
#[derive(Debug, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct AccountWire {
    /// Groups the user is a member of, besides their own; a group that does not exist
    /// yet is created.
    #[serde(default)]
    pub groups: Vec<String>,
    /// `true`: the user may run every command as root with sudo. Default `false`: the
    /// user may not use sudo at all.
    #[serde(default)]
    pub sudo: Option<bool>,
    /// The user's password, given to students in the task; stored in the node only as a
    /// hash.
    #[serde(default)]
    pub password: Option<String>,
    /// `true`: the account must not exist (a colleague who left). Nothing else may be given.
    #[serde(default)]
    pub absent: Option<bool>,
    /// The user logs in over SSH with a key from this account elsewhere in the lab:
    /// `sanne@pc1` (sanne's account on pc1, which the design gives pc1) or `pc1` (its
    /// root). The node must run an SSH server.
    #[serde(default)]
    pub key_from: Option<String>,
}

/// A log server (rsyslog).
#[derive(Debug, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct SyslogWire {
    /// UDP port it receives on (default 514).
    #[serde(default)]
    pub port: Option<u16>,
}

/// An SNMP agent (snmpd).
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct SnmpWire {
    /// The read-only community it answers (SNMP version 2c), e.g. `beheer-ro`. It
    /// answers no other: not `public` either, unless that is the one given.
    pub community: String,
    /// UDP port (default 161).
    #[serde(default)]
    pub port: Option<u16>,
}

/// A web server (nginx).
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct HttpWire {
    /// The page served at `/`.
    #[serde(default)]
    pub content: Option<String>,
    /// TCP port (default 80).
    #[serde(default)]
    pub port: Option<u16>,
    /// Name-based virtual hosts: a page per host name, e.g. `www.jansen.nl`, served to
    /// requests for that name (`content` stays the page for every other name).
    #[serde(default)]
    pub sites: IndexMap<String, SiteWire>,
    /// TCP port of the https sites (default 443).
    #[serde(default)]
    pub tls_port: Option<u16>,
}

/// One name-based virtual host of a web server.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct SiteWire {
    /// The page served at `/` for this name (default: the name).
    #[serde(default)]
    pub content: Option<String>,
    /// `true`: served over https, with a certificate for the name; plain http for the
    /// name redirects there. Default `false`.
    #[serde(default)]
    pub tls: Option<bool>,
}

/// A DNS server (dnsmasq).
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct DnsWire {
    /// The domain appended to short record names, e.g. `jansen.local`.
    #[serde(default)]
    pub domain: Option<String>,
    /// Records by name (`@` is the domain itself), one or a list: a node (its address),
    /// `node:interface` or an address gives an A or AAAA record; `cname www`,
    /// `mx 10 mail`, `ns ns1`, `txt "v=spf1 -all"` the other types. Under an address as
    /// the name: `ptr web` (the reverse lookup).
    #[serde(default)]
    pub records: IndexMap<String, OneOrMany<String>>,
    /// `true`: the server is the authority for `domain` (answers with the AA flag, an
    /// SOA and NS records), not a resolver that knows some names. Default `false`.
    #[serde(default)]
    pub authoritative: Option<bool>,
}

/// A DHCP server (dnsmasq).
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct DhcpWire {
    /// The addresses handed out: `192.168.10.100 - 192.168.10.199`.
    pub range: String,
    /// The server's interface on that subnet (found from the range if not given).
    #[serde(default)]
    pub interface: Option<String>,
    /// The gateway handed out: a node (its address on the range's subnet, whichever
    /// interface that is), `node:interface`, or an address in the subnet (default: the one
    /// router on the subnet).
    #[serde(default)]
    pub gateway: Option<String>,
    /// DNS servers handed out: nodes (their address on the range's subnet when they have
    /// one, else their own address), `node:interface`, or IPv4 addresses (default: this
    /// server if it runs dns).
    #[serde(default)]
    pub dns: Option<OneOrMany<String>>,
    /// Lease time, e.g. `1h` (default) or `30m`.
    #[serde(default)]
    pub lease: Option<String>,
}

/// An SSH server (OpenSSH).
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct SshWire {
    /// Users and their passwords: `{ beheer: Welkom01 }`.
    #[serde(default)]
    pub users: IndexMap<String, String>,
    /// TCP port (default 22).
    #[serde(default)]
    pub port: Option<u16>,
}

/// One fault: exactly one of the fault keys, with the values it needs.
#[derive(Debug, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct FaultWire {
    /// Interface administratively down inside the node: `r2:eth2`.
    #[serde(default)]
    pub shutdown: Option<String>,
    /// Interface with the wrong address (give `address`): `pc1:eth1`.
    #[serde(default)]
    pub wrong_address: Option<String>,
    /// Node with the wrong default gateway (give `gateway`): `pc1`.
    #[serde(default)]
    pub wrong_gateway: Option<String>,
    /// Node missing a designed static route (give `to`): `r1`.
    #[serde(default)]
    pub remove_route: Option<String>,
    /// Firewall with an extra rule placed first (give `rule`): `fw`.
    #[serde(default)]
    pub block: Option<String>,
    /// A stopped service: `web:http`, `srv:dns`, `srv:dhcp`, `srv:ssh`, `r1:ospf`.
    #[serde(default)]
    pub stop: Option<String>,
    /// A cable pulled, in the fabric, out of the student's reach: `r1:eth1`.
    #[serde(default)]
    pub link_down: Option<String>,
    /// Packet loss on a cable (give `percent`): `r1:eth1`.
    #[serde(default)]
    pub loss: Option<String>,
    /// Delay on a cable (give `ms`): `r1:eth1`.
    #[serde(default)]
    pub delay: Option<String>,
    /// An OSPF interface made passive, so no neighbourship forms: `r2:eth1`.
    #[serde(default)]
    pub ospf_passive: Option<String>,
    /// For wrong-address: the address to put there instead.
    #[serde(default)]
    pub address: Option<String>,
    /// For wrong-gateway: the gateway to put there instead.
    #[serde(default)]
    pub gateway: Option<String>,
    /// For remove-route: the destination of the route to leave out.
    #[serde(default)]
    pub to: Option<String>,
    /// For block: the rule, e.g. `deny lan -> dmz tcp/80`.
    #[serde(default)]
    pub rule: Option<String>,
    /// For loss: percentage of packets lost.
    #[serde(default)]
    pub percent: Option<f64>,
    /// For delay: milliseconds added.
    #[serde(default)]
    pub ms: Option<u32>,
    /// A note for teachers about this fault; never shown to students.
    #[serde(default)]
    pub note: Option<String>,
}

/// One explicit check: exactly one probe key, with the values it needs.
#[derive(Debug, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct CheckWire {
    /// `pc1 -> web`: pc1 reaches web with ping (or not, with `expect: blocked`).
    #[serde(default)]
    pub ping: Option<String>,
    /// `pc1 -> web` with `via: [fw]`: the path traffic takes.
    #[serde(default)]
    pub traceroute: Option<String>,
    /// `pc1 -> web:80`: a TCP port is open (or `expect: closed`).
    #[serde(default)]
    pub tcp: Option<String>,
    /// `pc1 -> srv:53`: a UDP port answers (or `expect: closed`).
    #[serde(default)]
    pub udp: Option<String>,
    /// `pc1 -> http://{web}/`: a web page, with `status`, `contains`, `matches` and
    /// `method`.
    #[serde(default)]
    pub http: Option<String>,
    /// `pc1 -> www.jansen.local`: a DNS name resolves (to `expect`, if given), or has
    /// a record of `type`.
    #[serde(default)]
    pub dns: Option<String>,
    /// `r1`: a command run on a node, whose output must match `matches` (or be exactly
    /// `output`), and which must end with `exit`, when given.
    #[serde(default)]
    pub command: Option<String>,
    /// `web:/var/www/html/index.html`: a file on a node, which must contain `contains`.
    #[serde(default)]
    pub file: Option<String>,
    /// `r1`: the node's routing table holds exactly the routes under `only`, besides
    /// its connected subnets.
    #[serde(default)]
    pub routes: Option<String>,
    /// For routes: every route the node must have and no other, as `10.0.3.0/24 via r2`;
    /// equal-cost paths as `10.0.3.0/24 via r2, r3`; `default via r1`.
    #[serde(default)]
    pub only: Option<Vec<String>>,
    /// For traceroute: nodes the path must pass, in order.
    #[serde(default)]
    pub via: Option<Vec<String>>,
    /// For ping: `reach` (default) or `blocked`; tcp/udp: `open` (default) or `closed`;
    /// dns: the address the name must resolve to.
    #[serde(default)]
    pub expect: Option<String>,
    /// For http: the status code (default 200).
    #[serde(default)]
    pub status: Option<u16>,
    /// For http and file: text that must appear.
    #[serde(default)]
    pub contains: Option<String>,
    /// For dns: the server to ask (default: the client's own resolver).
    #[serde(default)]
    pub server: Option<String>,
    /// For command: the command line.
    #[serde(default)]
    pub run: Option<String>,
    /// For command: a regular expression the output must match; for http: one the page
    /// must match.
    #[serde(default)]
    pub matches: Option<String>,
    /// For http: the request method, `GET` (default), `HEAD`, `POST`, `PUT`, `DELETE`,
    /// `OPTIONS` or `PATCH`.
    #[serde(default)]
    pub method: Option<String>,
    /// For dns: the record type asked for: `A` (default), `AAAA`, `CNAME`, `MX`, `NS`,
    /// `TXT`, `PTR` or `SOA`; `expect` is then the record's data as `dig +short` shows
    /// it (`10 mail.jansen.local`).
    #[serde(default, rename = "type")]
    pub record_type: Option<String>,
    /// For dns: `true` when the answer must come from the zone's authority (AA flag).
    #[serde(default)]
    pub authoritative: Option<bool>,
    /// For command: the exit status the command must end with (`0`: success).
    #[serde(default)]
    pub exit: Option<i32>,
    /// For command: the exact output (trailing line ends aside).
    #[serde(default)]
    pub output: Option<String>,
    /// For file: the owner it must have, `user` or `user:group`.
    #[serde(default)]
    pub owner: Option<String>,
    /// For file: the permission bits it must have, octal and quoted: `"0640"`.
    #[serde(default)]
    pub mode: Option<Scalar>,
    /// For a ping that must be `blocked`, or a port that must be `closed`: the node whose
    /// policy must stop the traffic. asbuilt checks that the traffic gets that far, so
    /// that an empty lab never passes; without it, asbuilt finds the node in the design.
    #[serde(default)]
    pub blocked_at: Option<String>,
    /// For command and file: `root` to run as root in the node. Without it the command
    /// runs as an unprivileged user (on asbuilt's routers it may still use vtysh).
    #[serde(default)]
    pub user: Option<String>,
    /// What this check is about, shown in the report.
    #[serde(default)]
    pub title: Option<TextWire>,
    /// Points (default 1).
    #[serde(default)]
    pub weight: Option<f64>,
    /// Shown to a student when this check fails.
    #[serde(default)]
    pub hint: Option<TextWire>,
    /// Work processes this check counts for (default: the lab's).
    #[serde(default)]
    pub trains: Option<Vec<String>>,
    /// How often to try again before the check fails (default 0; more for things that converge).
    #[serde(default)]
    pub retries: Option<u32>,
    /// Time allowed per attempt, e.g. `5s` (default 5s).
    #[serde(default)]
    pub timeout: Option<String>,
    /// Whether students may see the expected value (default true).
    #[serde(default)]
    pub reveal: Option<bool>,
}
