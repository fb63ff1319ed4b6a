//! FRR configuration for BGP: `router bgp` with its neighbours per address family,
//! and the route policy (prefix lists and route maps) it applies.
//!
//! Every neighbour is activated explicitly in its own family (`no bgp default
//! ipv4-unicast`), so an IPv6 session carries IPv6 and an IPv4 session IPv4. eBGP
//! needs no policy to pass routes (`no bgp ebgp-requires-policy`): the design's policy
//! is what filters. Sessions retry every five seconds and announce at once, so a lab
//! converges in seconds rather than FRR's minutes.

use std::fmt::Write;

use ipnet::IpNet;

use crate::design::{Bgp, BgpRedistribute, PrefixEntry};

/// The BGP part of `frr.conf`, ending with `!`.
pub fn config(bgp: &Bgp) -> String {
    let mut out = String::new();
    policy(bgp, &mut out);
    let _ = writeln!(out, "router bgp {}\n bgp router-id {}", bgp.asn, bgp.router_id);
    out.push_str(" no bgp ebgp-requires-policy\n no bgp default ipv4-unicast\n");
    for n in &bgp.neighbours {
        let _ = writeln!(out, " neighbor {} remote-as {}", n.address, n.remote_as);
        let _ = writeln!(out, " neighbor {} timers connect 5", n.address);
        let _ = writeln!(out, " neighbor {} advertisement-interval 0", n.address);
    }
    for v4 in [true, false] {
        let neighbours: Vec<_> = bgp.neighbours.iter().filter(|n| n.address.is_ipv4() == v4).collect();
        let networks: Vec<&IpNet> = bgp.networks.iter().filter(|n| n.addr().is_ipv4() == v4).collect();
        if neighbours.is_empty() && networks.is_empty() {
            continue;
        }
        let _ = writeln!(out, " address-family {} unicast", if v4 { "ipv4" } else { "ipv6" });
        for net in networks {
            let _ = writeln!(out, "  network {}", net.trunc());
        }
        for r in &bgp.redistribute {
            let _ = writeln!(out, "  redistribute {}", redistributed(*r, v4));
        }
        for n in neighbours {
            let _ = writeln!(out, "  neighbor {} activate", n.address);
            if let Some(map) = &n.route_map_in {
                let _ = writeln!(out, "  neighbor {} route-map {map} in", n.address);
            }
            if let Some(map) = &n.route_map_out {
                let _ = writeln!(out, "  neighbor {} route-map {map} out", n.address);
            }
        }
        out.push_str(" exit-address-family\n");
    }
    out.push_str("exit\n!\n");
    out
}

fn redistributed(r: BgpRedistribute, v4: bool) -> &'static str {
    match r {
        BgpRedistribute::Connected => "connected",
        BgpRedistribute::Static => "static",
        // OSPFv2 is IPv4's; IPv6 has OSPFv3.
        BgpRedistribute::Ospf if v4 => "ospf",
        BgpRedistribute::Ospf => "ospf6",
    }
}

/// Prefix lists (one per family that has entries) and route maps, in the design's order.
fn policy(bgp: &Bgp, out: &mut String) {
    for (name, entries) in &bgp.prefix_lists {
        for (i, e) in entries.iter().enumerate() {
            let family = if e.prefix.addr().is_ipv4() { "ip" } else { "ipv6" };
            let _ = writeln!(out, "{family} prefix-list {name} seq {} {}", (i + 1) * 5, entry(e));
        }
    }
    if !bgp.prefix_lists.values().all(Vec::is_empty) {
        out.push_str("!\n");
    }
    for (name, entries) in &bgp.route_maps {
        for (i, e) in entries.iter().enumerate() {
            let _ = writeln!(
                out,
                "route-map {name} {} {}",
                if e.permit { "permit" } else { "deny" },
                (i + 1) * 10
            );
            if let Some(list) = &e.match_prefix_list {
                // A route map matches one family's list: IPv4 when the list has any
                // IPv4 entry, else IPv6.
                let v4 = bgp.prefix_lists[list].iter().any(|p| p.prefix.addr().is_ipv4())
                    || bgp.prefix_lists[list].is_empty();
                let family = if v4 { "ip" } else { "ipv6" };
                let _ = writeln!(out, " match {family} address prefix-list {list}");
            }
            if let Some(pref) = e.local_preference {
                let _ = writeln!(out, " set local-preference {pref}");
            }
            if let Some(metric) = e.metric {
                let _ = writeln!(out, " set metric {metric}");
            }
            if !e.communities.is_empty() {
                let _ = writeln!(out, " set community {} additive", e.communities.join(" "));
            }
            if !e.prepend.is_empty() {
                let asns: Vec<String> = e.prepend.iter().map(u32::to_string).collect();
                let _ = writeln!(out, " set as-path prepend {}", asns.join(" "));
            }
            out.push_str("exit\n!\n");
        }
    }
}

fn entry(e: &PrefixEntry) -> String {
    let mut s = format!("{} {}", if e.permit { "permit" } else { "deny" }, e.prefix.trunc());
    if let Some(ge) = e.ge {
        let _ = write!(s, " ge {ge}");
    }
    if let Some(le) = e.le {
        let _ = write!(s, " le {le}");
    }
    s
}
