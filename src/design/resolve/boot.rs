//! Which services start when a node boots: the ones the design wants enabled, and the
//! ones it wants off, by their names on the node (`asbuilt-service`, `systemctl`).

use super::Resolver;
use super::two_lists::Duplicate;
use crate::design::model::{BOOT_SERVICES, Boot, Node, has_boot_service};
use crate::diagnostic::{Diagnostic, Loc, did_you_mean};
use crate::path;
use crate::topology::wire::BootWire;

/// The daemons the rest of a node's design runs, each with the design key that needs it.
fn needed_by_design(node: &Node) -> Vec<(&'static str, &'static str)> {
    let s = &node.services;
    let mut out = Vec::new();
    let mut need = |daemon, key, present: bool| {
        if present {
            out.push((daemon, key));
        }
    };
    need("nginx", "http", s.http.is_some());
    need("dnsmasq", "dns", s.dns.is_some());
    need("dnsmasq", "dhcp", s.dhcp.is_some());
    need("ssh", "ssh", s.ssh.is_some());
    need("rsyslog", "syslog", s.syslog.is_some() || s.logs_to.is_some());
    need("snmpd", "snmp", s.snmp.is_some());
    need("chrony", "ntp", s.ntp || s.time_from.is_some());
    need("frr", "ospf", node.ospf.is_some());
    need("frr", "rip", node.rip.is_some());
    need("frr", "bgp", node.bgp.is_some());
    need("nftables", "firewall", node.firewall.is_some());
    need("nftables", "nat", node.nat.is_some());
    out
}

impl Resolver<'_> {
    /// Resolved after the node's other services, so a service the design runs cannot
    /// be one it also wants off at boot.
    pub(super) fn boot(&mut self, node: &str, wire: &BootWire) -> Option<Boot> {
        let at = path!["design", "services", node, "boot"];
        if !self.asbuilt_image(
            node,
            &at,
            "which services start at boot is kept by asbuilt's own images",
            "leave out `image` to give the node asbuilt's image for its kind, or check your image with a `command:` check",
        ) {
            return None;
        }
        if wire.enabled.is_empty() && wire.disabled.is_empty() {
            self.report(
                Diagnostic::error("invalid-value", "`boot` names no service")
                    .at(Loc::key(at))
                    .help("list them: `boot: { enabled: [nginx, ssh], disabled: [dnsmasq] }`"),
            );
            return None;
        }
        let kind = self.nodes[node].kind;
        let needed = needed_by_design(&self.nodes[node]);
        let duplicate = Duplicate {
            code: "duplicate-service",
            help: "a service is either enabled or disabled at boot; name it once",
        };
        let lists = [("enabled", &wire.enabled), ("disabled", &wire.disabled)];
        let [enabled, disabled] = self.two_lists(&at, lists, duplicate, |r, list, service, loc| {
            if !BOOT_SERVICES.contains(&service) {
                let help = did_you_mean(service, BOOT_SERVICES)
                    .unwrap_or_else(|| format!("the services are {}", BOOT_SERVICES.join(", ")));
                r.report(
                    Diagnostic::error(
                        "unknown-service",
                        format!("`{service}` is not a service of asbuilt's images"),
                    )
                    .at(loc)
                    .help(help),
                );
                return false;
            }
            if !has_boot_service(kind, service) {
                r.report(
                    Diagnostic::error("wrong-kind", format!("a {kind} has no `{service}`"))
                        .at(loc)
                        .help("frr and nftables run on routers and firewalls"),
                );
                return false;
            }
            if list == "disabled"
                && let Some((_, key)) = needed.iter().find(|(daemon, _)| *daemon == service)
            {
                r.report(
                    Diagnostic::error(
                        "boot-conflict",
                        format!(
                            "the design's `{key}` on `{node}` runs `{service}`, which must then start at boot"
                        ),
                    )
                    .at(loc)
                    .help(format!("move `{service}` to `enabled`, or take `{key}` out of the design")),
                );
                return false;
            }
            true
        })?;
        Some(Boot { enabled, disabled })
    }
}

#[cfg(test)]
mod tests {
    use crate::design::Lab;
    use crate::design::resolve::codes;
    use crate::topology::Source;

    fn office(node: &str, boot: &str) -> Result<Lab, Vec<crate::diagnostic::Diagnostic>> {
        let web = "    srv:\n      http: { content: \"Intranet\" }";
        let services = if node == "srv" {
            format!("{web}\n      boot: {boot}")
        } else {
            format!("{web}\n    {node}:\n      boot: {boot}")
        };
        let yaml = format!(
            r#"
lab: t
title: T
trains: [B1-K3-W2]
nodes:
  r1: {{ kind: router }}
  srv: {{ kind: server }}
  box: {{ kind: host, image: "debian:bookworm" }}
links:
  - r1:eth1 -- srv:eth1
  - r1:eth2 -- box:eth1
design:
  addresses:
    r1:eth1: 10.0.0.1/24
    srv:eth1: 10.0.0.10/24
    r1:eth2: 10.0.1.1/24
    box:eth1: 10.0.1.10/24
  services:
{services}
"#
        );
        Lab::load(&Source::new("office.yml", yaml))
    }

    #[test]
    fn enabled_and_disabled_services_are_kept_in_the_order_written() {
        let lab = office("r1", "{ enabled: [frr, ssh], disabled: dnsmasq }").unwrap();
        let boot = lab.design_for(None).nodes["r1"].services.boot.clone().unwrap();
        let named: Vec<(&str, bool)> = boot.services().collect();
        assert_eq!(named, [("frr", true), ("ssh", true), ("dnsmasq", false)]);
    }

    #[test]
    fn only_known_services_of_the_kind_once_each_and_none_the_design_runs_may_be_off() {
        let first = |r: Result<Lab, Vec<crate::diagnostic::Diagnostic>>| {
            codes(&r.unwrap_err()).first().map(|c| c.to_string())
        };
        assert_eq!(first(office("r1", "{ enabled: [apache2] }")).as_deref(), Some("unknown-service"));
        assert_eq!(first(office("r1", "{ enabled: [ngnix] }")).as_deref(), Some("unknown-service"));
        assert_eq!(
            first(office("r1", "{ enabled: [ssh], disabled: [ssh] }")).as_deref(),
            Some("duplicate-service")
        );
        assert_eq!(first(office("r1", "{}")).as_deref(), Some("invalid-value"));
        assert_eq!(first(office("box", "{ enabled: [ssh] }")).as_deref(), Some("needs-asbuilt-image"));
    }

    #[test]
    fn a_server_runs_no_frr_and_keeps_on_what_its_design_serves() {
        let codes_of = |boot: &str| {
            codes(&office("srv", boot).unwrap_err()).iter().map(|c| c.to_string()).collect::<Vec<_>>()
        };
        assert_eq!(codes_of("{ enabled: [frr] }"), ["wrong-kind"]);
        assert_eq!(codes_of("{ disabled: [nginx] }"), ["boot-conflict"]);
        assert!(office("srv", "{ enabled: [nginx], disabled: [dnsmasq, ssh] }").is_ok());
    }
}
