//! BGP in the resolved design: a router's AS, its neighbours, what it announces and
//! its route policy (prefix lists and route maps), all checked and with addresses
//! parsed. The planner renders it for FRR; the checks and the simulation read it.

use std::net::{IpAddr, Ipv4Addr};

use indexmap::IndexMap;
use ipnet::IpNet;
use serde::{Deserialize, Serialize};

/// BGP on one router.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Bgp {
    /// The router's own AS.
    pub asn: u32,
    pub router_id: Ipv4Addr,
    /// The teacher wrote the router ID; otherwise asbuilt chose one.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub router_id_stated: bool,
    pub neighbours: Vec<BgpNeighbour>,
    /// Subnets announced with `network`.
    pub networks: Vec<IpNet>,
    pub redistribute: Vec<BgpRedistribute>,
    pub prefix_lists: IndexMap<String, Vec<PrefixEntry>>,
    pub route_maps: IndexMap<String, Vec<RouteMapEntry>>,
}

impl Bgp {
    pub fn neighbour(&self, address: IpAddr) -> Option<&BgpNeighbour> {
        self.neighbours.iter().find(|n| n.address == address)
    }
}

/// One BGP neighbour of a router.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BgpNeighbour {
    /// The address the session goes to: the peer's on the subnet both are on.
    pub address: IpAddr,
    pub remote_as: u32,
    /// The lab's node that has the address, when one has.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub node: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub route_map_in: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub route_map_out: Option<String>,
}

/// Routes BGP announces besides its `network`s.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum BgpRedistribute {
    Connected,
    Static,
    Ospf,
}

impl BgpRedistribute {
    pub fn name(self) -> &'static str {
        match self {
            BgpRedistribute::Connected => "connected",
            BgpRedistribute::Static => "static",
            BgpRedistribute::Ospf => "ospf",
        }
    }
}

/// One line of a prefix list: `permit 192.0.2.0/24 le 32`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct PrefixEntry {
    pub permit: bool,
    pub prefix: IpNet,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ge: Option<u8>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub le: Option<u8>,
}

impl PrefixEntry {
    /// Whether `net` matches this line, as FRR matches it: inside the prefix, with a
    /// length of exactly the prefix's unless `ge`/`le` widen it.
    pub fn matches(&self, net: IpNet) -> bool {
        if net.addr().is_ipv4() != self.prefix.addr().is_ipv4() || !self.prefix.contains(&net) {
            return false;
        }
        let len = net.prefix_len();
        match (self.ge, self.le) {
            (None, None) => len == self.prefix.prefix_len(),
            (ge, le) => {
                let low = ge.unwrap_or(self.prefix.prefix_len());
                let high = le.unwrap_or(net.max_prefix_len());
                len >= low && len <= high
            }
        }
    }
}

/// One entry of a route map: `permit match lan set local-preference 200`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RouteMapEntry {
    pub permit: bool,
    /// The prefix list a route must match; `None` matches every route.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub match_prefix_list: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub local_preference: Option<u32>,
    /// The MED (`set metric`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub metric: Option<u32>,
    /// Communities to set, as written: `65001:10`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub communities: Vec<String>,
    /// AS numbers to prepend to the path.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub prepend: Vec<u32>,
    /// The entry as the teacher wrote it, for reports.
    pub text: String,
}

/// A prefix list's verdict on a route: the first matching line decides; no match denies.
pub fn prefix_list_permits(list: &[PrefixEntry], net: IpNet) -> bool {
    list.iter().find(|e| e.matches(net)).is_some_and(|e| e.permit)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(text: &str, ge: Option<u8>, le: Option<u8>) -> PrefixEntry {
        PrefixEntry { permit: true, prefix: text.parse().unwrap(), ge, le }
    }

    #[test]
    fn prefix_lines_match_as_frr_does() {
        let exact = entry("192.0.2.0/24", None, None);
        assert!(exact.matches("192.0.2.0/24".parse().unwrap()));
        assert!(!exact.matches("192.0.2.0/25".parse().unwrap()));
        let le = entry("10.0.0.0/8", None, Some(24));
        assert!(le.matches("10.1.0.0/16".parse().unwrap()));
        assert!(le.matches("10.0.0.0/8".parse().unwrap()));
        assert!(!le.matches("10.1.1.0/25".parse().unwrap()));
        let ge = entry("0.0.0.0/0", Some(25), None);
        assert!(ge.matches("192.0.2.128/25".parse().unwrap()));
        assert!(!ge.matches("192.0.2.0/24".parse().unwrap()));
        assert!(!le.matches("2001:db8::/32".parse().unwrap()));
    }
}
