//! A firewall's verdict on one packet, as the nftables rule set the planner writes
//! (`plan/nft.rs`) would give it: rules in order, first match wins, else the default.

use std::net::IpAddr;

use crate::design::{Firewall, Selector, Service, Verdict};

/// What a packet is, as far as a firewall rule can tell.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Flow {
    Icmp,
    Tcp(u16),
    Udp(u16),
}

impl Flow {
    pub fn port(self) -> Option<u16> {
        match self {
            Flow::Icmp => None,
            Flow::Tcp(p) | Flow::Udp(p) => Some(p),
        }
    }
}

/// A verdict and the rule that gave it (`None`: the chain's default).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Decision {
    pub verdict: Verdict,
    pub rule: Option<String>,
}

/// One packet crossing the firewall from `in_if` to `out_if`.
pub struct Crossing<'a> {
    pub in_if: &'a str,
    pub out_if: &'a str,
    pub src: IpAddr,
    pub dst: IpAddr,
    pub flow: Flow,
}

/// The forward chain: rules whose destination is not the firewall itself.
pub fn forward(fw: &Firewall, packet: &Crossing<'_>) -> Decision {
    for rule in fw.rules.iter().filter(|r| r.to != Selector::Local) {
        if side_matches(&rule.from, packet.in_if, packet.src)
            && side_matches(&rule.to, packet.out_if, packet.dst)
            && service_matches(&rule.service, packet.flow)
        {
            return Decision { verdict: rule.verdict, rule: Some(rule.text.clone()) };
        }
    }
    Decision { verdict: fw.default, rule: None }
}

/// The input chain: rules whose destination is the firewall itself.
pub fn input(fw: &Firewall, in_if: &str, src: IpAddr, flow: Flow) -> Decision {
    for rule in fw.rules.iter().filter(|r| r.to == Selector::Local) {
        if side_matches(&rule.from, in_if, src) && service_matches(&rule.service, flow) {
            return Decision { verdict: rule.verdict, rule: Some(rule.text.clone()) };
        }
    }
    Decision { verdict: fw.input, rule: None }
}

fn side_matches(selector: &Selector, interface: &str, address: IpAddr) -> bool {
    match selector {
        Selector::Any | Selector::Local => true,
        Selector::Zone { interfaces, .. } => interfaces.iter().any(|i| i == interface),
        Selector::Hosts { nets, .. } => nets.iter().any(|n| n.contains(&address)),
    }
}

fn service_matches(service: &Service, flow: Flow) -> bool {
    let in_ranges = |ranges: &[crate::design::PortRange], port: u16| {
        ranges.is_empty() || ranges.iter().any(|r| (r.first..=r.last).contains(&port))
    };
    match (service, flow) {
        (Service::Any, _) => true,
        (Service::Icmp, Flow::Icmp) => true,
        (Service::Tcp { ports }, Flow::Tcp(p)) => in_ranges(ports, p),
        (Service::Udp { ports }, Flow::Udp(p)) => in_ranges(ports, p),
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::design::{PortRange, Rule};

    fn zone(name: &str, iface: &str) -> Selector {
        Selector::Zone { name: name.into(), interfaces: vec![iface.into()] }
    }

    fn dmz_policy() -> Firewall {
        let tcp = |ports: &[u16]| Service::Tcp {
            ports: ports.iter().map(|&p| PortRange { first: p, last: p }).collect(),
        };
        let rule = |from, to, service, text: &str| Rule {
            verdict: Verdict::Accept,
            from,
            to,
            service,
            text: text.into(),
        };
        Firewall {
            zones: Default::default(),
            rules: vec![
                rule(
                    zone("lan", "eth3"),
                    zone("dmz", "eth2"),
                    tcp(&[80, 443]),
                    "allow lan -> dmz tcp/80,443",
                ),
                rule(zone("lan", "eth3"), zone("wan", "eth1"), Service::Any, "allow lan -> wan"),
                rule(zone("wan", "eth1"), zone("dmz", "eth2"), tcp(&[80]), "allow wan -> dmz tcp/80"),
            ],
            default: Verdict::Drop,
            input: Verdict::Accept,
        }
    }

    fn crossing(in_if: &'static str, out_if: &'static str, flow: Flow) -> Crossing<'static> {
        Crossing {
            in_if,
            out_if,
            src: "192.168.10.20".parse().unwrap(),
            dst: "172.16.1.10".parse().unwrap(),
            flow,
        }
    }

    #[test]
    fn the_first_matching_rule_decides() {
        let fw = dmz_policy();
        let d = forward(&fw, &crossing("eth3", "eth2", Flow::Tcp(443)));
        assert_eq!(d.verdict, Verdict::Accept);
        assert_eq!(d.rule.as_deref(), Some("allow lan -> dmz tcp/80,443"));
    }

    #[test]
    fn traffic_no_rule_allows_meets_the_default() {
        let fw = dmz_policy();
        assert_eq!(forward(&fw, &crossing("eth1", "eth2", Flow::Tcp(22))).verdict, Verdict::Drop);
        assert_eq!(forward(&fw, &crossing("eth3", "eth2", Flow::Icmp)).verdict, Verdict::Drop);
        assert_eq!(
            forward(&fw, &crossing("eth2", "eth3", Flow::Tcp(80))),
            Decision { verdict: Verdict::Drop, rule: None }
        );
    }

    #[test]
    fn traffic_to_the_firewall_itself_uses_the_input_default() {
        let fw = dmz_policy();
        assert_eq!(input(&fw, "eth1", "203.0.113.1".parse().unwrap(), Flow::Icmp).verdict, Verdict::Accept);
    }
}
