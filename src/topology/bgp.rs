//! BGP as written under `design.bgp`: one entry per router. Kept apart from `wire.rs`
//! so the BGP language grows in one place.

use std::borrow::Cow;
use std::fmt;

use indexmap::IndexMap;
use schemars::{JsonSchema, Schema, SchemaGenerator, json_schema};
use serde::Deserialize;
use serde::de::{self, Deserializer, MapAccess, Visitor};

use super::de::Scalar;

/// BGP on one router: its AS, its neighbours, what it announces and its route policy.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct BgpWire {
    /// The router's AS number: 1 to 4294967295 (`65001`). Neighbours in the same AS
    /// speak iBGP, the others eBGP.
    #[serde(rename = "as")]
    pub asn: Scalar,
    /// Router ID; default: the loopback address, else the highest interface address.
    #[serde(default)]
    pub router_id: Option<String>,
    /// Neighbours by node name (its address on the subnet you share) or by address,
    /// each with its AS: `{ r2: 65002, 10.0.13.2: { as: 65003, route-map-in: pref } }`.
    #[serde(default)]
    pub neighbours: IndexMap<String, BgpNeighbourWire>,
    /// Subnets this router announces: `[192.0.2.0/24, 2001:db8:1::/64]`. Each must be a
    /// subnet the router is on or has a static route to.
    #[serde(default)]
    pub networks: Vec<String>,
    /// Routes to announce besides `networks`: `connected`, `static`, `ospf`.
    #[serde(default)]
    pub redistribute: Vec<String>,
    /// Prefix lists by name, entries in order: `permit 192.0.2.0/24`,
    /// `deny 10.0.0.0/8 le 32`, `permit 0.0.0.0/0 ge 8 le 24`.
    #[serde(default)]
    pub prefix_lists: IndexMap<String, Vec<String>>,
    /// Route maps by name, entries in order: `permit match lan set local-preference 200`,
    /// `deny match bogons`, `permit set metric 50`, `permit set community 65001:10`,
    /// `permit set as-path prepend 65001 65001`.
    #[serde(default)]
    pub route_maps: IndexMap<String, Vec<String>>,
}

/// One neighbour: its AS alone (`65002`), or a mapping with the AS and policies.
#[derive(Debug)]
pub struct BgpNeighbourWire {
    pub asn: Scalar,
    pub route_map_in: Option<String>,
    pub route_map_out: Option<String>,
    /// Written as the AS alone, so the AS's place is the value itself.
    pub short: bool,
}

/// The mapping form of a neighbour.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
struct BgpPeerWire {
    /// The neighbour's AS number.
    #[serde(rename = "as")]
    asn: Scalar,
    /// Route map applied to what this neighbour announces to us.
    #[serde(default)]
    route_map_in: Option<String>,
    /// Route map applied to what we announce to this neighbour.
    #[serde(default)]
    route_map_out: Option<String>,
}

impl<'de> Deserialize<'de> for BgpNeighbourWire {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct NeighbourVisitor;
        impl<'de> Visitor<'de> for NeighbourVisitor {
            type Value = BgpNeighbourWire;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("an AS number, or a mapping with `as` and route maps")
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<Self::Value, E> {
                Ok(short(v.to_string()))
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<Self::Value, E> {
                Ok(short(v.to_string()))
            }
            fn visit_f64<E: de::Error>(self, v: f64) -> Result<Self::Value, E> {
                Ok(short(v.to_string()))
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
                Ok(short(v.to_string()))
            }
            fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Self::Value, A::Error> {
                let peer = BgpPeerWire::deserialize(de::value::MapAccessDeserializer::new(map))?;
                Ok(BgpNeighbourWire {
                    asn: peer.asn,
                    route_map_in: peer.route_map_in,
                    route_map_out: peer.route_map_out,
                    short: false,
                })
            }
        }
        deserializer.deserialize_any(NeighbourVisitor)
    }
}

fn short(asn: String) -> BgpNeighbourWire {
    BgpNeighbourWire { asn: Scalar(asn), route_map_in: None, route_map_out: None, short: true }
}

impl JsonSchema for BgpNeighbourWire {
    fn schema_name() -> Cow<'static, str> {
        "BgpNeighbour".into()
    }
    fn json_schema(generator: &mut SchemaGenerator) -> Schema {
        let peer = generator.subschema_for::<BgpPeerWire>();
        json_schema!({
            "description": "The neighbour's AS number, or `{ as: 65002, route-map-in: NAME, route-map-out: NAME }`.",
            "anyOf": [ { "type": ["integer", "string"] }, peer ]
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_neighbour_is_an_as_or_a_mapping() {
        let short: BgpNeighbourWire = serde_yaml::from_str("65002").unwrap();
        assert_eq!((short.asn.as_str(), short.short), ("65002", true));
        let long: BgpNeighbourWire = serde_yaml::from_str("{ as: 65003, route-map-in: pref }").unwrap();
        assert_eq!(
            (long.asn.as_str(), long.route_map_in.as_deref(), long.short),
            ("65003", Some("pref"), false)
        );
        let err = serde_yaml::from_str::<BgpNeighbourWire>("{ as: 1, remote: 2 }").unwrap_err();
        assert!(err.to_string().contains("unknown field `remote`"), "{err}");
    }
}
