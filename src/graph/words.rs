//! Every word asbuilt itself writes into a drawing, in Dutch and English. Names from the
//! design (nodes, interfaces, zones, segments) and technical terms a student types
//! (`OSPF`, `NAT`, `http`) stay as they are.

use crate::design::{Lang, Part};
use crate::kind::NodeKind;

fn pick(lang: Lang, nl: &'static str, en: &'static str) -> &'static str {
    match lang {
        Lang::Nl => nl,
        Lang::En => en,
    }
}

/// A kind as the box says it: the keyword of the topology file, except where Dutch
/// has a word of its own.
pub fn kind(kind: NodeKind, lang: Lang) -> &'static str {
    match kind {
        NodeKind::Custom => pick(lang, "eigen image", "custom"),
        other => other.name(),
    }
}

fn part(part: Part, lang: Lang) -> &'static str {
    match part {
        Part::Addresses => pick(lang, "adressen", "addresses"),
        other => other.name(),
    }
}

/// The note in a box: `student builds: firewall, nat`, or `everything`.
pub fn builds(parts: Option<&[Part]>, lang: Lang) -> String {
    let what = match parts {
        None => pick(lang, "alles", "everything").to_string(),
        Some(parts) => parts.iter().map(|p| part(*p, lang)).collect::<Vec<_>>().join(", "),
    };
    format!("{} {what}", pick(lang, "student bouwt:", "student builds:"))
}

/// An interface in an OSPF area: `OSPF area 0`, `OSPF area 1, passive`.
pub fn ospf(area: &str, passive: bool, lang: Lang) -> String {
    if passive {
        format!("OSPF area {area}, {}", pick(lang, "passief", "passive"))
    } else {
        format!("OSPF area {area}")
    }
}

/// A member of a shared segment, for a line's tooltip: `pc1:eth1 on lan`.
pub fn member_of(endpoint: &str, segment: &str, lang: Lang) -> String {
    format!("{endpoint} {} {segment}", pick(lang, "op", "on"))
}

pub fn legend_title(lang: Lang) -> &'static str {
    pick(lang, "Legenda", "Legend")
}

pub fn legend_bus(lang: Lang) -> &'static str {
    pick(lang, "gedeeld segment (LAN) met zijn subnet", "shared segment (LAN) and its subnet")
}

pub fn legend_student(lang: Lang) -> &'static str {
    pick(
        lang,
        "stippellijn: bouwt de student zelf (in het vak staat wat)",
        "dashed outline: built by the student (the box says what)",
    )
}

pub fn legend_cable(lang: Lang) -> &'static str {
    pick(
        lang,
        "kabel; aan elk eind de interface met zijn adres/prefix",
        "cable; at each end the interface and its address/prefix",
    )
}

pub fn legend_zone(zone: &str, lang: Lang) -> String {
    format!("{} {zone}", pick(lang, "firewallzone", "firewall zone"))
}

pub fn legend_masquerade(lang: Lang) -> &'static str {
    pick(
        lang,
        "NAT masquerade: wat hier naar buiten gaat, krijgt het adres van deze interface",
        "NAT masquerade: what leaves here gets the address of this interface",
    )
}

pub fn legend_forward(lang: Lang) -> &'static str {
    pick(
        lang,
        "NAT poort → server:poort: verkeer naar die poort gaat door naar de server",
        "NAT port → server:port: traffic to that port is passed on to the server",
    )
}

pub fn legend_ospf(lang: Lang) -> &'static str {
    pick(
        lang,
        "OSPF area: de interface doet mee aan OSPF, in die area (passief: zonder buren)",
        "OSPF area: the interface takes part in OSPF, in that area (passive: no neighbours)",
    )
}

pub fn legend_services(lang: Lang) -> &'static str {
    pick(
        lang,
        "diensten die het apparaat aanbiedt, met hun poort",
        "services the device offers, with their port",
    )
}
