//! The keys that write a lab as it is, in the style of Kathará's labs: files put into a
//! node, commands run at its start, a router's own FRR configuration, MAC addresses,
//! kernel settings, name servers, and a folder every node gets. None of them is graded
//! unless the design says so; they make labs of the field writable in asbuilt's terms.

use std::borrow::Cow;
use std::fmt;

use indexmap::IndexMap;
use schemars::{JsonSchema, Schema, SchemaGenerator, json_schema};
use serde::Deserialize;
use serde::de::{self, Deserializer, MapAccess, Visitor};

use super::de::Scalar;

/// A file's content: written inline (`"text"` or `{ content: "text" }`) or read from a
/// file beside the topology (`{ from: r1/etc/frr/frr.conf }`), with its owner and mode.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FileWire {
    pub content: Option<String>,
    pub from: Option<String>,
    pub owner: Option<String>,
    pub mode: Option<Scalar>,
    /// Whether it was written as a bare string.
    pub bare: bool,
}

/// `FileWire` written as a mapping.
#[derive(Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
struct FileFields {
    #[serde(default)]
    content: Option<String>,
    #[serde(default)]
    from: Option<String>,
    #[serde(default)]
    owner: Option<String>,
    #[serde(default)]
    mode: Option<Scalar>,
}

impl<'de> Deserialize<'de> for FileWire {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct FileVisitor;
        impl<'de> Visitor<'de> for FileVisitor {
            type Value = FileWire;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("the file's text, or a mapping with `content` or `from`, and `owner`, `mode`")
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<FileWire, E> {
                Ok(FileWire { content: Some(v.to_string()), bare: true, ..FileWire::default() })
            }
            fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<FileWire, A::Error> {
                let f = FileFields::deserialize(de::value::MapAccessDeserializer::new(map))?;
                Ok(FileWire { content: f.content, from: f.from, owner: f.owner, mode: f.mode, bare: false })
            }
        }
        deserializer.deserialize_any(FileVisitor)
    }
}

impl JsonSchema for FileWire {
    fn schema_name() -> Cow<'static, str> {
        "File".into()
    }
    fn json_schema(_: &mut SchemaGenerator) -> Schema {
        json_schema!({
            "description": "The file's text, or `{ content: TEXT }` or `{ from: PATH }` (a file beside the topology), optionally with `owner: frr:frr` and `mode: \"0640\"`.",
            "anyOf": [
                { "type": "string" },
                { "type": "object", "additionalProperties": false,
                  "properties": {
                    "content": { "type": "string" },
                    "from": { "type": "string" },
                    "owner": { "type": "string" },
                    "mode": { "type": ["string", "integer"] } } }
            ]
        })
    }
}

/// A router's own FRR configuration, loaded as it is instead of the one asbuilt writes.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct FrrWire {
    /// The whole `frr.conf`: its text, or `{ from: r1/frr.conf }` beside the topology.
    pub config: FileWire,
    /// FRR daemons to switch on besides zebra and staticd: bgpd, ospfd, ospf6d, ripd, ripngd.
    #[serde(default)]
    pub daemons: Vec<String>,
}

/// The node's `/etc/resolv.conf`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct ResolvWire {
    /// Name servers, by address: `[192.0.2.53]`.
    #[serde(default)]
    pub nameservers: Vec<String>,
    /// Search domains: `[jansen.local]`.
    #[serde(default)]
    pub search: Vec<String>,
}

/// Files every node of the lab gets in one folder (Kathará's `shared/`). Each node gets
/// its own copy: nodes share no file system.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct SharedWire {
    /// The folder in every node (default `/srv/shared`); it must lie in a folder nodes
    /// may write: /etc, /var, /root, /home, /srv, /opt or /tmp.
    #[serde(default)]
    pub path: Option<String>,
    /// Files by their path inside the folder: `hosts.txt: "..."` or `{ from: shared/hosts.txt }`.
    #[serde(default)]
    pub files: IndexMap<String, FileWire>,
}
