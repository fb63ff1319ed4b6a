//! Configuration backups: a server that keeps a copy of the running configuration of
//! routers and firewalls, one file per node, checked against what each node runs.

use super::Resolver;
use crate::design::model::{BackedUp, Backups, ConfigSource};
use crate::diagnostic::{Diagnostic, Loc};
use crate::kind::NodeKind;
use crate::path;
use crate::topology::wire::BackupsWire;

/// Where backups go unless the design says otherwise.
pub const DEFAULT_DIR: &str = "/srv/backups";

impl Resolver<'_> {
    pub(super) fn backups(&mut self, server: &str, wire: &BackupsWire) -> Option<Backups> {
        let at = path!["design", "services", server, "backups"];
        // A folder written with a trailing slash is the same folder.
        let given = wire.dir.as_deref().unwrap_or(DEFAULT_DIR);
        let dir = match given.trim_end_matches('/') {
            "" => given.to_string(),
            trimmed => trimmed.to_string(),
        };
        let dir_ok =
            self.writable_path(&dir, Loc::value(path!["design", "services", server, "backups", "dir"]));
        let mut of = Vec::new();
        let mut ok = dir_ok;
        if wire.of.is_empty() {
            self.report(
                Diagnostic::error("invalid-value", "a backup server needs the nodes it keeps backups of")
                    .at(Loc::key(at.clone()))
                    .help("name them: `of: [r1, fw1]`"),
            );
            return None;
        }
        for (i, node) in wire.of.iter().enumerate() {
            let loc = Loc::value(path!["design", "services", server, "backups", "of", i]);
            let Some(kind) = self.node_kind(node, loc.clone()) else {
                ok = false;
                continue;
            };
            let source = match kind {
                NodeKind::Router => ConfigSource::Frr,
                NodeKind::Firewall => ConfigSource::Nftables,
                other => {
                    self.report(
                        Diagnostic::error(
                            "wrong-kind",
                            format!("`{node}` is a {other}; only routers and firewalls have a configuration to back up"),
                        )
                        .at(loc)
                        .label("not a router or firewall")
                        .help("back up the routers (FRR's running configuration) and firewalls (their nftables rule set)"),
                    );
                    ok = false;
                    continue;
                }
            };
            if of.iter().any(|b: &BackedUp| b.node == *node) {
                self.report(
                    Diagnostic::error("duplicate-node", format!("`{node}` is named twice"))
                        .at(loc)
                        .label("a second time")
                        .help("name every node once"),
                );
                ok = false;
                continue;
            }
            of.push(BackedUp { node: node.clone(), source });
        }
        ok.then_some(Backups { dir, of })
    }
}

#[cfg(test)]
mod tests {
    use crate::design::Lab;
    use crate::design::model::ConfigSource;
    use crate::design::resolve::codes;
    use crate::topology::Source;

    fn office(backups: &str) -> Result<Lab, Vec<crate::diagnostic::Diagnostic>> {
        let yaml = format!(
            r#"
lab: t
title: T
trains: [B1-K2-W2]
nodes:
  r1: {{ kind: router }}
  fw1: {{ kind: firewall }}
  srv: {{ kind: server }}
links:
  - r1:eth1 -- fw1:eth1
  - fw1:eth2 -- srv:eth1
design:
  addresses:
    r1:eth1: 10.0.0.1/24
    fw1:eth1: 10.0.0.2/24
    fw1:eth2: 10.0.1.1/24
    srv:eth1: 10.0.1.10/24
  services:
    srv:
      backups: {backups}
"#
        );
        Lab::load(&Source::new("office.yml", yaml))
    }

    #[test]
    fn a_router_is_backed_up_from_frr_and_a_firewall_from_nftables() {
        let lab = office("{ of: [r1, fw1] }").unwrap();
        let backups = lab.design_for(None).nodes["srv"].services.backups.clone().unwrap();
        let of: Vec<(&str, ConfigSource)> = backups.of.iter().map(|b| (b.node.as_str(), b.source)).collect();
        assert_eq!(of, [("r1", ConfigSource::Frr), ("fw1", ConfigSource::Nftables)]);
        assert_eq!(backups.file("r1"), "/srv/backups/r1.conf");
        let lab = office("{ of: r1, dir: /var/backup/ }").unwrap();
        assert_eq!(
            lab.design_for(None).nodes["srv"].services.backups.as_ref().unwrap().file("r1"),
            "/var/backup/r1.conf"
        );
    }

    #[test]
    fn only_routers_and_firewalls_once_each_into_a_writable_folder() {
        assert_eq!(codes(&office("{ of: [srv] }").unwrap_err()), ["wrong-kind"]);
        assert_eq!(codes(&office("{ of: [r1, r1] }").unwrap_err()), ["duplicate-node"]);
        assert_eq!(codes(&office("{ of: [r2] }").unwrap_err()), ["unknown-node"]);
        assert_eq!(codes(&office("{ of: [r1], dir: /usr/backups }").unwrap_err()), ["file-not-writable"]);
        assert_eq!(codes(&office("{ of: [] }").unwrap_err()), ["invalid-value"]);
    }
}
