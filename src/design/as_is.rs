//! The lab as it is: what a node gets besides the design's facts (files, commands at
//! its start, its own FRR configuration, MAC addresses, kernel settings, name servers).
//! Nothing here is graded; the checks read the design's facts as always.

use std::net::IpAddr;

use indexmap::IndexMap;
use serde::{Deserialize, Serialize};

/// Everything a node gets as the teacher wrote it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct NodeAsIs {
    /// Files written onto the node's disk before it starts, the shared folder's among them.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub files: Vec<NodeFile>,
    /// Shell commands run as root after asbuilt's configuration, placeholders filled in.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub startup: Vec<String>,
    /// Nodes whose startup commands finish before this node's start (no cycle).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub startup_after: Vec<String>,
    /// The router's own FRR configuration, in place of the one asbuilt writes.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub frr: Option<FrrPassthrough>,
    /// MAC addresses by interface, `02:00:00:00:01:01`.
    #[serde(default, skip_serializing_if = "IndexMap::is_empty")]
    pub macs: IndexMap<String, String>,
    /// Kernel settings of the node's network namespace, over asbuilt's.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub sysctls: Vec<(String, String)>,
    /// IPv6 switched on or off in the node, whatever the lab's addresses say.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ipv6: Option<bool>,
    /// The node's name servers and search domains.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub resolv: Option<Resolv>,
}

impl NodeAsIs {
    pub fn is_empty(&self) -> bool {
        *self == NodeAsIs::default()
    }
}

/// One file for a node.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NodeFile {
    /// Absolute, normalised, in a folder the node may write.
    pub path: String,
    pub content: String,
    /// `user:group` or `user`, by name or number; `None` is root.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub owner: Option<String>,
    pub mode: u32,
}

/// A router's own `frr.conf` and the daemons it needs.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FrrPassthrough {
    pub config: String,
    pub daemons: Vec<String>,
}

/// `/etc/resolv.conf`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Resolv {
    pub nameservers: Vec<IpAddr>,
    pub search: Vec<String>,
}

impl Resolv {
    pub fn render(&self) -> String {
        let mut out = String::new();
        if !self.search.is_empty() {
            out.push_str(&format!("search {}\n", self.search.join(" ")));
        }
        for ns in &self.nameservers {
            out.push_str(&format!("nameserver {ns}\n"));
        }
        out
    }
}
