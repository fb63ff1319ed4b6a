//! FRR configuration for routers and firewalls: addresses, static routes and OSPF, the
//! parts asbuilt builds. The student sees it all back with `show running-config`.

use std::fmt::Write;
use std::net::IpAddr;

use crate::design::{Builder, Node, OspfVersion, Part, Redistribute};

/// `/etc/frr/frr.conf` for a node, with only the parts asbuilt builds.
pub fn config(node: &Node) -> String {
    let prebuilt = |part| node.builds(part) == Builder::Asbuilt;
    let mut out = String::new();
    let _ = writeln!(
        out,
        "frr defaults traditional\nhostname {}\nlog file /var/log/frr/frr.log informational",
        node.name
    );
    out.push_str("service integrated-vtysh-config\n!\n");

    let mut static_routes = Vec::new();
    if prebuilt(Part::Gateway) {
        for gw in &node.gateways {
            let default = if gw.is_ipv4() { "0.0.0.0/0" } else { "::/0" };
            static_routes.push((default.to_string(), *gw));
        }
    }
    if prebuilt(Part::Routes) {
        static_routes.extend(node.routes.iter().map(|r| (r.to.to_string(), r.via)));
    }
    for (to, via) in &static_routes {
        let family = if matches!(via, IpAddr::V4(_)) { "ip" } else { "ipv6" };
        let _ = writeln!(out, "{family} route {to} {via}");
    }
    if !static_routes.is_empty() {
        out.push_str("!\n");
    }

    let ospf = node.ospf.as_ref().filter(|_| prebuilt(Part::Ospf));
    for iface in node.interfaces.values() {
        let mut lines = Vec::new();
        if prebuilt(Part::Addresses) {
            for addr in &iface.addresses {
                let family = if addr.addr().is_ipv4() { "ip" } else { "ipv6" };
                lines.push(format!(" {family} address {addr}"));
            }
        }
        if let Some(ospf) = ospf
            && let Some(oi) = ospf.interfaces.iter().find(|i| i.name == iface.name)
        {
            for version in OspfVersion::BOTH.into_iter().filter(|v| ospf.runs_on(node, &oi.name, *v)) {
                lines.extend(super::ospf_detail::interface_lines(oi, version));
            }
        }
        if !lines.is_empty() {
            let _ = writeln!(out, "interface {}\n{}\nexit\n!", iface.name, lines.join("\n"));
        }
    }

    if let Some(ospf) = ospf.filter(|o| o.runs(node, OspfVersion::V2)) {
        let _ = writeln!(out, "router ospf\n ospf router-id {}", ospf.router_id);
        for oi in ospf.interfaces.iter().filter(|i| i.passive) {
            let _ = writeln!(out, " passive-interface {}", oi.name);
        }
        out.push_str(&super::ospf_detail::area_lines(ospf));
        out.push_str(&redistribute_lines(&ospf.redistribute));
        out.push_str("exit\n!\n");
    }
    if let Some(ospf) = ospf.filter(|o| o.runs(node, OspfVersion::V3)) {
        // OSPFv3 takes the same router ID (it is an IPv4-style number in both), areas
        // and redistribution; passive interfaces are set under the interface.
        let _ = writeln!(out, "router ospf6\n ospf6 router-id {}", ospf.router_id);
        out.push_str(&super::ospf_detail::area_lines(ospf));
        out.push_str(&redistribute_lines(&ospf.redistribute));
        out.push_str("exit\n!\n");
    }
    if let Some(bgp) = node.bgp.as_ref().filter(|_| prebuilt(Part::Bgp)) {
        out.push_str(&super::bgp::config(bgp));
    }
    if let Some(rip) = node.rip.as_ref().filter(|_| prebuilt(Part::Rip)) {
        out.push_str(&super::rip::config(node, rip));
    }
    out.push_str("end\n");
    out
}

/// What OSPF announces besides its own interfaces, the same lines in both versions.
fn redistribute_lines(redistribute: &[Redistribute]) -> String {
    redistribute
        .iter()
        .map(|r| match r {
            Redistribute::Connected => " redistribute connected\n",
            Redistribute::Static => " redistribute static\n",
            Redistribute::Default => " default-information originate always\n",
        })
        .collect()
}
