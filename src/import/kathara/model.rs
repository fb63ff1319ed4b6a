//! The imported lab as the emitter writes it: nodes with their kind, cabling, design
//! facts and what runs as it is. Built by `kathara::import`, written by `emit`.

use indexmap::IndexMap;

/// A file's text, and where it can be read beside the topology (when it can).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileText {
    pub text: String,
    /// The path relative to the topology's folder, for `from:`; `None` writes the text inline.
    pub from: Option<String>,
    /// `true` for a script (`#!`): Kathará makes every file of a device executable,
    /// and a startup command may run it by its path.
    pub executable: bool,
}

impl FileText {
    pub fn new(text: impl Into<String>, from: Option<String>) -> FileText {
        let text = text.into();
        FileText { executable: text.starts_with("#!"), text, from }
    }
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct OspfOut {
    /// Interfaces by area, in the order first seen.
    pub areas: IndexMap<String, Vec<String>>,
    pub passive: Vec<String>,
    pub router_id: Option<String>,
    pub redistribute: Vec<String>,
    pub cost: Vec<(String, u32)>,
    pub network_type: Vec<(String, String)>,
    pub priority: Vec<(String, u32)>,
    pub area_types: Vec<(String, String)>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RipOut {
    pub interfaces: Vec<String>,
    pub passive: Vec<String>,
    pub redistribute: Vec<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct BgpOut {
    pub asn: u32,
    pub router_id: Option<String>,
    pub neighbours: Vec<(String, u32)>,
    pub networks: Vec<String>,
    pub redistribute: Vec<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DnsOut {
    pub domain: String,
    /// Whether the zone has its name servers, so the server can be its authority.
    pub authoritative: bool,
    pub records: IndexMap<String, Vec<String>>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DhcpOut {
    pub range: String,
    pub gateway: Option<String>,
    pub dns: Vec<String>,
    pub lease: Option<String>,
}

/// One node, named as asbuilt names it.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct NodeOut {
    pub name: String,
    /// The device's name in the Kathará lab.
    pub source_name: String,
    pub kind: &'static str,
    /// Whether some of the node's own configuration runs as it is.
    pub passthrough: bool,
    /// `design` or `passthrough` (what runs as it is), said in a comment.
    pub mode_note: Vec<String>,
    pub memory: Option<String>,
    pub cpus: Option<f64>,
    pub files: IndexMap<String, FileText>,
    pub startup: Vec<String>,
    /// lab.dep: the nodes whose startup commands run first.
    pub startup_after: Vec<String>,
    pub frr: Option<(FileText, Vec<String>)>,
    pub macs: IndexMap<String, String>,
    pub sysctls: IndexMap<String, String>,
    pub ipv6: Option<bool>,
    pub resolv: Option<(Vec<String>, Vec<String>)>,
    // Design facts.
    pub addresses: IndexMap<String, Vec<String>>,
    pub gateways: Vec<String>,
    pub routes: Vec<String>,
    pub ospf: Option<OspfOut>,
    pub rip: Option<RipOut>,
    pub bgp: Option<BgpOut>,
    pub http: Option<String>,
    pub dns: Option<DnsOut>,
    pub dhcp: Option<DhcpOut>,
}

/// The whole lab.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct LabOut {
    pub id: String,
    pub title: String,
    pub task: Option<String>,
    /// Lines of the header comment: where it came from, the lab's metadata.
    pub header: Vec<String>,
    pub nodes: Vec<NodeOut>,
    pub links: Vec<(String, String)>,
    /// Segments of three or more members, and of one.
    pub segments: Vec<(String, Vec<String>)>,
    pub shared: IndexMap<String, FileText>,
    /// Subnets a teacher may vary per student, with a pool for each (a comment).
    pub variants_hint: Vec<(String, String)>,
    /// Nodes whose own router configuration keeps its addresses whatever the variant.
    pub fixed_addresses: Vec<String>,
}
