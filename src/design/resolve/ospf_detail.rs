//! The finer points of OSPF on a router that `routing::ospf` resolved: cost, network
//! type and priority per interface, and stub and NSSA areas, which every router in the
//! area must agree on.

use std::collections::BTreeMap;
use std::net::Ipv4Addr;

use super::Resolver;
use super::routing::parse_area;
use crate::design::model::{AreaKind, Endpoint, NetworkType, SpecialArea};
use crate::diagnostic::{Diagnostic, Loc, did_you_mean};
use crate::path;
use crate::topology::locate::Path;

impl Resolver<'_> {
    pub(super) fn ospf_detail(&mut self) {
        let file = self.file;
        for (node, wire) in &file.design.ospf {
            if self.nodes.get(node).is_none_or(|n| n.ospf.is_none()) {
                continue; // not resolved: `ospf` said why
            }
            for (iface, value) in &wire.cost {
                let at = path!["design", "ospf", node, "cost", iface];
                let Some(i) = self.ospf_interface(node, iface, &at) else { continue };
                match value.as_str().parse::<u32>() {
                    Ok(cost) if (1..=65535).contains(&cost) => self.ospf_iface_mut(node, i).cost = Some(cost),
                    _ => self.report(
                        Diagnostic::error("invalid-value", format!("`{value}` is not an OSPF cost"))
                            .at(Loc::value(at))
                            .label("not 1 to 65535")
                            .help(
                                "an OSPF cost is a whole number from 1 to 65535; a lower cost is preferred",
                            ),
                    ),
                }
            }
            for (iface, value) in &wire.network_type {
                let at = path!["design", "ospf", node, "network-type", iface];
                let Some(i) = self.ospf_interface(node, iface, &at) else { continue };
                let network = match value.as_str() {
                    "broadcast" => NetworkType::Broadcast,
                    "point-to-point" => NetworkType::PointToPoint,
                    _ => {
                        self.report(
                            Diagnostic::error(
                                "invalid-value",
                                format!("`{value}` is not an OSPF network type"),
                            )
                            .at(Loc::value(at))
                            .label("unknown network type")
                            .help(
                                did_you_mean(value, ["broadcast", "point-to-point"])
                                    .unwrap_or_else(|| "use `broadcast` or `point-to-point`".into()),
                            ),
                        );
                        continue;
                    }
                };
                self.ospf_iface_mut(node, i).network = Some(network);
            }
            for (iface, value) in &wire.priority {
                let at = path!["design", "ospf", node, "priority", iface];
                let Some(i) = self.ospf_interface(node, iface, &at) else { continue };
                match value.as_str().parse::<u8>() {
                    Ok(priority) => self.ospf_iface_mut(node, i).priority = Some(priority),
                    Err(_) => self.report(
                        Diagnostic::error("invalid-value", format!("`{value}` is not an OSPF priority"))
                            .at(Loc::value(at))
                            .label("not 0 to 255")
                            .help("a priority is a whole number from 0 to 255; the highest becomes DR, 0 never does"),
                    ),
                }
            }
            for (area_text, kind_text) in &wire.area_types {
                let at = path!["design", "ospf", node, "area-types", area_text];
                if let Some(special) = self.special_area(node, area_text, kind_text, &at) {
                    self.nodes[node].ospf.as_mut().expect("resolved above").special_areas.push(special);
                }
            }
        }
        self.area_types_agree();
    }

    /// The index of `iface` among the node's OSPF interfaces, or why not.
    fn ospf_interface(&mut self, node: &str, iface: &str, at: &Path) -> Option<usize> {
        let ep = Endpoint { node: node.to_string(), interface: iface.to_string() };
        if !self.nodes[node].interfaces.contains_key(iface) {
            let diag = self.unknown_interface(&ep, Loc::key(at.clone()));
            self.report(diag);
            return None;
        }
        let ospf = self.nodes[node].ospf.as_ref().expect("only for resolved OSPF");
        let found = ospf.interfaces.iter().position(|i| i.name == iface);
        if found.is_none() {
            self.report(
                Diagnostic::error("invalid-value", format!("`{ep}` is not in OSPF"))
                    .at(Loc::key(at.clone()))
                    .label("not an OSPF interface")
                    .help(format!("add `{iface}` to the interfaces of OSPF on `{node}`, or leave this out")),
            );
        }
        found
    }

    fn ospf_iface_mut(&mut self, node: &str, index: usize) -> &mut crate::design::model::OspfInterface {
        &mut self.nodes[node].ospf.as_mut().expect("only for resolved OSPF").interfaces[index]
    }

    /// `1: stub`, `2: nssa no-summary`.
    fn special_area(
        &mut self,
        node: &str,
        area_text: &str,
        kind_text: &str,
        at: &Path,
    ) -> Option<SpecialArea> {
        let Some(area) = parse_area(area_text) else {
            self.report(
                Diagnostic::error("invalid-area", format!("`{area_text}` is not an OSPF area"))
                    .at(Loc::key(at.clone()))
                    .help("write an area as a number (`1`) or dotted (`0.0.0.1`)"),
            );
            return None;
        };
        if area == Ipv4Addr::UNSPECIFIED {
            self.report(
                Diagnostic::error("invalid-area", "the backbone, area 0, cannot be a stub or NSSA area")
                    .at(Loc::key(at.clone()))
                    .label("the backbone")
                    .help("make another area stub or NSSA; area 0 carries every route between areas"),
            );
            return None;
        }
        let words: Vec<&str> = kind_text.split_whitespace().collect();
        let kind = match words.first().copied() {
            Some("stub") => AreaKind::Stub,
            Some("nssa") => AreaKind::Nssa,
            _ => None.or_else(|| {
                self.report(
                    Diagnostic::error("invalid-value", format!("`{kind_text}` is not an OSPF area type"))
                        .at(Loc::value(at.clone()))
                        .label("not stub or nssa")
                        .help("write `stub`, `nssa`, `stub no-summary` or `nssa no-summary`"),
                );
                None
            })?,
        };
        let no_summary = match &words[1..] {
            [] => false,
            ["no-summary"] => true,
            _ => {
                self.report(
                    Diagnostic::error("invalid-value", format!("`{kind_text}` is not an OSPF area type"))
                        .at(Loc::value(at.clone()))
                        .label("only `no-summary` may follow")
                        .help("write `stub`, `nssa`, `stub no-summary` or `nssa no-summary`"),
                );
                return None;
            }
        };
        let ospf = self.nodes[node].ospf.as_ref().expect("only for resolved OSPF");
        if !ospf.interfaces.iter().any(|i| i.area == area) {
            self.report(
                Diagnostic::error("invalid-area", format!("`{node}` has no OSPF interface in area {area}"))
                    .at(Loc::key(at.clone()))
                    .label("not in this area")
                    .help(format!(
                        "put an interface of `{node}` in area {area} under `areas`, or leave this out"
                    )),
            );
            return None;
        }
        Some(SpecialArea { area, kind, no_summary })
    }

    /// Routers in one area must agree that it is stub or NSSA, or they never become
    /// neighbours (the options in their hellos differ). `no-summary` is the border
    /// router's alone.
    fn area_types_agree(&mut self) {
        let mut seen: BTreeMap<Ipv4Addr, Vec<(String, Option<AreaKind>)>> = BTreeMap::new();
        for node in self.nodes.values() {
            let Some(ospf) = &node.ospf else { continue };
            let mut areas: Vec<Ipv4Addr> = ospf.interfaces.iter().map(|i| i.area).collect();
            areas.sort();
            areas.dedup();
            for area in areas {
                let kind = ospf.area_kind(area).map(|s| s.kind);
                seen.entry(area).or_default().push((node.name.clone(), kind));
            }
        }
        for (area, routers) in seen {
            let Some((first, kind)) = routers.first().cloned() else { continue };
            let Some((other, other_kind)) = routers.iter().find(|(_, k)| *k != kind).cloned() else {
                continue;
            };
            let say = |k: Option<AreaKind>| k.map_or("a normal area", |k| k.name());
            let (odd, odd_kind) =
                if kind.is_none() { (other.clone(), other_kind) } else { (first.clone(), kind) };
            let place = if self.file.design.ospf[&odd].area_types.is_empty() {
                path!["design", "ospf", &odd]
            } else {
                path!["design", "ospf", &odd, "area-types"]
            };
            self.report(
                Diagnostic::error(
                    "area-type-mismatch",
                    format!(
                        "`{first}` has area {area} as {}, `{other}` as {}",
                        say(kind),
                        say(other_kind)
                    ),
                )
                .at(Loc::key(place))
                .label(format!("{} here", say(odd_kind)))
                .help(format!(
                    "give area {area} the same type (`area-types: {{ {}: stub }}`, say) on every router in it; routers that disagree never become neighbours",
                    u32::from(area)
                )),
            );
        }
    }
}
