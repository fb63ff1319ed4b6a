//! What one node makes and another keeps, copied by the deploy once every node runs:
//! a router's running configuration into its backup server, a user's public SSH key into
//! the account it logs in to. Neither node can reach the other at deploy (a lab's
//! network may not work yet, by design), so the engine carries the text between them.

use serde::{Deserialize, Serialize};

use super::script::quote;
use crate::design::{Builder, Design, Part};

/// One copy: what `command` prints in `from` is fed to `store` in `to`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NodeCopy {
    /// What is copied, for messages: `the configuration backup of r1`.
    pub what: String,
    pub from: String,
    pub command: Vec<String>,
    pub to: String,
    pub store: Vec<String>,
}

/// The copies of the parts asbuilt builds.
pub fn between_nodes(design: &Design) -> Vec<NodeCopy> {
    let mut out = backups(design);
    out.extend(keys(design));
    out
}

/// Every backup of a backup server whose part asbuilt builds.
fn backups(design: &Design) -> Vec<NodeCopy> {
    let mut out = Vec::new();
    for server in design.nodes.values().filter(|n| n.builds(Part::Backups) == Builder::Asbuilt) {
        let Some(backups) = &server.services.backups else { continue };
        for backed_up in &backups.of {
            let file = backups.file(&backed_up.node);
            out.push(NodeCopy {
                what: format!("the configuration backup of {}", backed_up.node),
                from: backed_up.node.clone(),
                command: backed_up.source.command().iter().map(|s| s.to_string()).collect(),
                to: server.name.clone(),
                store: sh(format!("mkdir -p \"$(dirname {0})\" && cat > {0}", quote(&file))),
            });
        }
    }
    out
}

/// Every key login asbuilt sets up: where it builds the accounts on both ends (a
/// student who builds either account makes and installs the key too). The client's key
/// is made where it has none, and added to the account's authorized keys.
fn keys(design: &Design) -> Vec<NodeCopy> {
    let mut out = Vec::new();
    for node in design.nodes.values().filter(|n| n.builds(Part::Users) == Builder::Asbuilt) {
        for account in node.accounts.iter().filter(|a| !a.absent) {
            let Some(from) = &account.key_from else { continue };
            let client = &design.nodes[&from.node];
            if from.user != "root" && client.builds(Part::Users) != Builder::Asbuilt {
                continue;
            }
            let make = "test -f ~/.ssh/id_ed25519 || ssh-keygen -q -t ed25519 -N '' -f ~/.ssh/id_ed25519; \
                        cat ~/.ssh/id_ed25519.pub";
            let user = quote(&account.name);
            let store = format!(
                "home=$(getent passwd {user} | cut -d: -f6) && install -d -m 700 -o {user} -g {user} \"$home/.ssh\" \
                 && cat >> \"$home/.ssh/authorized_keys\" && chown {user}: \"$home/.ssh/authorized_keys\" \
                 && chmod 600 \"$home/.ssh/authorized_keys\""
            );
            out.push(NodeCopy {
                what: format!("the SSH key of {}@{} for {}", from.user, from.node, account.name),
                from: from.node.clone(),
                command: ["runuser", "-u", &from.user, "--", "sh", "-c", make]
                    .iter()
                    .map(|s| s.to_string())
                    .collect(),
                to: node.name.clone(),
                store: sh(store),
            });
        }
    }
    out
}

fn sh(script: String) -> Vec<String> {
    vec!["sh".into(), "-c".into(), script]
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::design::Lab;
    use crate::topology::Source;

    fn lab(build: &str) -> Design {
        let yaml = format!(
            r#"
lab: t
title: T
trains: [B1-K3-W2]
nodes:
  r1: {{ kind: router }}
  srv: {{ kind: server, build: {build} }}
  pc1: {{ kind: host }}
links:
  - r1:eth1 -- srv:eth1
  - r1:eth2 -- pc1:eth1
design:
  addresses: {{ r1:eth1: 10.0.0.1/24, srv:eth1: 10.0.0.10/24, r1:eth2: 10.0.1.1/24, pc1:eth1: 10.0.1.10/24 }}
  services:
    srv:
      ssh: {{}}
      backups: {{ of: r1 }}
  users:
    srv: {{ sanne: {{ key-from: sanne@pc1 }}, joris: {{ key-from: pc1 }} }}
    pc1: {{ sanne: {{}} }}
"#
        );
        Lab::load(&Source::new("t.yml", yaml)).unwrap().design_for(None)
    }

    #[test]
    fn a_backup_and_the_keys_are_copied_where_asbuilt_builds_their_parts() {
        let copies = between_nodes(&lab("[]"));
        let what: Vec<&str> = copies.iter().map(|c| c.what.as_str()).collect();
        assert_eq!(
            what,
            [
                "the configuration backup of r1",
                "the SSH key of sanne@pc1 for sanne",
                "the SSH key of root@pc1 for joris"
            ]
        );
        assert_eq!(copies[0].command, ["vtysh", "-c", "show running-config"]);
        assert!(copies[0].store[2].ends_with("cat > /srv/backups/r1.conf"), "{:?}", copies[0].store);
        assert_eq!(copies[1].command[..4], ["runuser", "-u", "sanne", "--"]);
        assert!(copies[1].store[2].contains("getent passwd sanne"), "{:?}", copies[1].store);
        // The student builds the server's backups and accounts: nothing is copied.
        assert!(between_nodes(&lab("[backups, users]")).is_empty());
    }
}
