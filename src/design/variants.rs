//! Per-student address plans.
//!
//! A lab says which subnets of the teacher's plan vary (`192.168.10.0/24` drawn from
//! `192.168.0.0/16`). For a student, each such subnet is swapped for one drawn from its
//! pool by a hash of (lab, student, rule), so the same student always gets the same
//! plan and the grader can recompute it. Every address in the design moves with its
//! subnet: [`for_each_address`] is the one list of where addresses live, used both to
//! move them and to find which subnets are taken.

use std::net::IpAddr;

use ipnet::IpNet;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use super::model::{Design, FaultKind, Probe, RecordData, Selector, SubnetSwap, Variant, reverse_name};

/// A subnet of the teacher's plan that varies per student, and the pool its
/// replacement comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct VariantRule {
    pub subnet: IpNet,
    pub pool: IpNet,
}

/// A short fingerprint of (lab, student): shown in reports so a grader can tell plans apart.
pub fn seed(lab: &str, student: &str) -> String {
    let digest = Sha256::digest(format!("asbuilt-variant\0{lab}\0{student}").as_bytes());
    digest.iter().take(6).map(|b| format!("{b:02x}")).collect()
}

/// The design as one student gets it.
pub fn for_student(design: &Design, rules: &[VariantRule], student: &str) -> Design {
    let mut out = design.clone();
    let swaps = draw(design, rules, student);
    for_each_address(&mut out, &mut |addr| *addr = move_address(*addr, &swaps));
    out.variant =
        Some(Variant { student: student.to_string(), seed: seed(&design.lab, student), subnets: swaps });
    out
}

/// Picks each rule's subnet for the student, avoiding every subnet that stays fixed and
/// every subnet picked before.
fn draw(design: &Design, rules: &[VariantRule], student: &str) -> Vec<SubnetSwap> {
    // Only the subnets interfaces are on can clash; a route may well cover a whole pool.
    let mut taken: Vec<IpNet> = design
        .nodes
        .values()
        .flat_map(|n| n.addresses().map(|(_, a)| a.trunc()))
        .filter(|net| !rules.iter().any(|r| r.subnet.contains(&net.addr())))
        .collect();
    let mut swaps = Vec::new();
    for (index, rule) in rules.iter().enumerate() {
        let width = rule.subnet.prefix_len() - rule.pool.prefix_len();
        let count: u128 = if width >= 127 { u128::MAX } else { 1u128 << width };
        let start = hash(&design.lab, student, index) % count;
        // Look at no more than a few thousand candidates: pools are far emptier than that.
        let tries = count.min(4096);
        let picked = (0..tries)
            .map(|k| nth_subnet(rule, (start + k) % count))
            .find(|candidate| !taken.iter().any(|t| t.contains(candidate) || candidate.contains(t)));
        let student_net = picked.unwrap_or(rule.subnet);
        taken.push(student_net);
        swaps.push(SubnetSwap { teacher: rule.subnet, student: student_net });
    }
    swaps
}

fn hash(lab: &str, student: &str, index: usize) -> u128 {
    let digest = Sha256::digest(format!("asbuilt-variant\0{lab}\0{student}\0{index}").as_bytes());
    let mut bytes = [0u8; 16];
    bytes.copy_from_slice(&digest[..16]);
    u128::from_be_bytes(bytes)
}

/// The n-th subnet of the rule's size inside its pool.
fn nth_subnet(rule: &VariantRule, n: u128) -> IpNet {
    let host_bits = u32::from(rule.subnet.max_prefix_len() - rule.subnet.prefix_len());
    match rule.pool.network() {
        IpAddr::V4(base) => {
            let addr = u32::from(base).wrapping_add((n as u32).checked_shl(host_bits).unwrap_or(0));
            IpNet::new(IpAddr::V4(addr.into()), rule.subnet.prefix_len()).expect("prefix of the rule")
        }
        IpAddr::V6(base) => {
            let addr = u128::from(base).wrapping_add(n.checked_shl(host_bits).unwrap_or(0));
            IpNet::new(IpAddr::V6(addr.into()), rule.subnet.prefix_len()).expect("prefix of the rule")
        }
    }
}

/// The address in the student's subnet at the same offset as `addr` in the teacher's.
fn move_address(addr: IpAddr, swaps: &[SubnetSwap]) -> IpAddr {
    let Some(swap) = swaps.iter().find(|s| s.teacher.contains(&addr)) else {
        return addr;
    };
    match (addr, swap.teacher.network(), swap.student.network()) {
        (IpAddr::V4(a), IpAddr::V4(from), IpAddr::V4(to)) => {
            IpAddr::V4((u32::from(a) - u32::from(from) + u32::from(to)).into())
        }
        (IpAddr::V6(a), IpAddr::V6(from), IpAddr::V6(to)) => {
            IpAddr::V6((u128::from(a) - u128::from(from) + u128::from(to)).into())
        }
        _ => addr,
    }
}

/// Calls `f` on every address in the design, so it can read or move it. Keep this the
/// only such list: a field it misses would keep the teacher's address in a student's lab.
pub fn for_each_address(design: &mut Design, f: &mut impl FnMut(&mut IpAddr)) {
    for_each_net(design, &mut |net| {
        let mut addr = net.addr();
        f(&mut addr);
        *net = IpNet::new(addr, net.prefix_len()).expect("same family, same prefix");
    });
}

/// Calls `f` on every address of the design as an address with prefix length (plain
/// addresses are passed as /32 or /128).
fn for_each_net(design: &mut Design, f: &mut impl FnMut(&mut IpNet)) {
    let addr = |a: &mut IpAddr, f: &mut dyn FnMut(&mut IpNet)| {
        let mut net = IpNet::from(*a);
        f(&mut net);
        *a = net.addr();
    };
    let v4 = |a: &mut std::net::Ipv4Addr, f: &mut dyn FnMut(&mut IpNet)| {
        let mut net = IpNet::from(IpAddr::V4(*a));
        f(&mut net);
        if let IpAddr::V4(moved) = net.addr() {
            *a = moved;
        }
    };
    for node in design.nodes.values_mut() {
        for iface in node.interfaces.values_mut() {
            iface.addresses.iter_mut().for_each(&mut *f);
        }
        for gw in &mut node.gateways {
            addr(gw, f);
        }
        for route in &mut node.routes {
            f(&mut route.to);
            addr(&mut route.via, f);
        }
        if let Some(ospf) = &mut node.ospf {
            v4(&mut ospf.router_id, f);
        }
        if let Some(bgp) = &mut node.bgp {
            v4(&mut bgp.router_id, f);
            for n in &mut bgp.neighbours {
                addr(&mut n.address, f);
            }
            bgp.networks.iter_mut().for_each(&mut *f);
            for entry in bgp.prefix_lists.values_mut().flatten() {
                f(&mut entry.prefix);
            }
        }
        if let Some(resolv) = &mut node.as_is.resolv {
            for ns in &mut resolv.nameservers {
                addr(ns, f);
            }
        }
        if let Some(fw) = &mut node.firewall {
            for rule in &mut fw.rules {
                selector_nets(&mut rule.from, f);
                selector_nets(&mut rule.to, f);
            }
        }
        if let Some(nat) = &mut node.nat {
            for pf in &mut nat.port_forwards {
                addr(&mut pf.to, f);
            }
        }
        if let Some(dns) = &mut node.services.dns {
            for record in &mut dns.records {
                addr(&mut record.address, f);
            }
            // A reverse record lives under its address's name, so it moves with it.
            for record in &mut dns.other_records {
                if let RecordData::Ptr { address, .. } = &mut record.data {
                    addr(address, f);
                    record.name = reverse_name(*address);
                }
            }
        }
        if let Some(dhcp) = &mut node.services.dhcp {
            f(&mut dhcp.subnet);
            v4(&mut dhcp.first, f);
            v4(&mut dhcp.last, f);
            if let Some(gw) = &mut dhcp.gateway {
                v4(gw, f);
            }
            for server in &mut dhcp.dns {
                addr(server, f);
            }
        }
    }
    let pool = design.fault_pool.iter_mut().flat_map(|p| p.faults.iter_mut());
    for fault in design.faults.iter_mut().chain(pool) {
        match &mut fault.kind {
            FaultKind::WrongAddress { address, .. } => f(address),
            FaultKind::WrongGateway { gateway, .. } => addr(gateway, f),
            FaultKind::RemoveRoute { to, .. } => f(to),
            FaultKind::Block { rule, .. } => {
                selector_nets(&mut rule.from, f);
                selector_nets(&mut rule.to, f);
            }
            FaultKind::Shutdown { .. }
            | FaultKind::Stop { .. }
            | FaultKind::LinkDown { .. }
            | FaultKind::Loss { .. }
            | FaultKind::Delay { .. }
            | FaultKind::OspfPassive { .. } => {}
        }
    }
    for check in &mut design.checks {
        match &mut check.probe {
            Probe::Ping { to, .. } | Probe::Traceroute { to, .. } | Probe::Port { to, .. } => {
                addr(&mut to.address, f)
            }
            Probe::Dns { server, expect, .. } => {
                if let Some(s) = server {
                    addr(s, f);
                }
                if let Some(e) = expect {
                    addr(e, f);
                }
            }
            Probe::Routes { only, .. } => {
                for set in only {
                    f(&mut set.to);
                    set.via.iter_mut().for_each(|v| addr(v, f));
                }
            }
            Probe::Http { .. } | Probe::Command { .. } | Probe::File { .. } => {}
        }
    }
}

fn selector_nets(selector: &mut Selector, f: &mut dyn FnMut(&mut IpNet)) {
    if let Selector::Hosts { nets, .. } = selector {
        nets.iter_mut().for_each(f);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn addresses_move_with_their_subnet() {
        let swaps = [SubnetSwap {
            teacher: "192.168.10.0/24".parse().unwrap(),
            student: "192.168.77.0/24".parse().unwrap(),
        }];
        assert_eq!(move_address("192.168.10.20".parse().unwrap(), &swaps).to_string(), "192.168.77.20");
        assert_eq!(move_address("10.0.0.1".parse().unwrap(), &swaps).to_string(), "10.0.0.1");
    }

    #[test]
    fn the_nth_subnet_lies_in_the_pool() {
        let rule = VariantRule {
            subnet: "192.168.10.0/24".parse().unwrap(),
            pool: "192.168.0.0/16".parse().unwrap(),
        };
        assert_eq!(nth_subnet(&rule, 0).to_string(), "192.168.0.0/24");
        assert_eq!(nth_subnet(&rule, 255).to_string(), "192.168.255.0/24");
        let v6 = VariantRule {
            subnet: "2001:db8:1::/64".parse().unwrap(),
            pool: "2001:db8::/48".parse().unwrap(),
        };
        assert_eq!(nth_subnet(&v6, 5).to_string(), "2001:db8:0:5::/64");
    }

    #[test]
    fn seeds_differ_per_student_and_repeat_per_student() {
        assert_eq!(seed("lab", "a"), seed("lab", "a"));
        assert_ne!(seed("lab", "a"), seed("lab", "b"));
        assert_ne!(seed("lab", "a"), seed("other", "a"));
    }
}
