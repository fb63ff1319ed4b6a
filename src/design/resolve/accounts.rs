//! Local user accounts per node (`design.users`): who exists, in which groups, with or
//! without sudo, and who must be gone.

use super::Resolver;
use crate::design::model::{Account, KeyFrom};
use crate::design::syntax;
use crate::diagnostic::{Diagnostic, Loc};
use crate::kind::NodeKind;
use crate::path;
use crate::topology::wire::AccountWire;

impl Resolver<'_> {
    pub(super) fn accounts(&mut self) {
        let file = self.file;
        for (node, users) in &file.design.users {
            let at = path!["design", "users", node];
            let Some(kind) = self.node_kind(node, Loc::key(at.clone())) else { continue };
            if kind == NodeKind::Switch {
                self.report(
                    Diagnostic::error(
                        "wrong-kind",
                        format!("`{node}` is a switch; a switch has no user accounts"),
                    )
                    .at(Loc::key(at))
                    .label("a switch")
                    .help("put the accounts on a server, host, router or firewall"),
                );
                continue;
            }
            let mut accounts = Vec::new();
            for (name, wire) in users {
                if let Some(account) = self.account(node, name, wire) {
                    accounts.push(account);
                }
            }
            self.nodes[node].accounts = accounts;
        }
    }

    fn account(&mut self, node: &str, name: &str, wire: &AccountWire) -> Option<Account> {
        let at = path!["design", "users", node, name];
        if !self.user_name(name, Loc::key(at.clone())) {
            return None;
        }
        let absent = wire.absent.unwrap_or(false);
        if absent && (!wire.groups.is_empty() || wire.sudo.is_some() || wire.password.is_some()) {
            self.report(
                Diagnostic::error("invalid-value", format!("`{name}` must be absent, and yet has settings"))
                    .at(Loc::key(at))
                    .label("absent, with groups, sudo or a password")
                    .help("an absent account has only `absent: true`; remove the rest, or the `absent`"),
            );
            return None;
        }
        if wire.password.as_deref() == Some("") {
            self.report(
                Diagnostic::error("invalid-value", format!("user `{name}` has an empty password"))
                    .at(Loc::value(path!["design", "users", node, name, "password"]))
                    .label("empty")
                    .help("give the user a password, or leave `password` out: the account then has none to log in with"),
            );
            return None;
        }
        let mut groups = Vec::new();
        for (i, group) in wire.groups.iter().enumerate() {
            if !valid_account_name(group) {
                self.report(
                    Diagnostic::error("invalid-name", format!("`{group}` is not a group name"))
                        .at(Loc::value(path!["design", "users", node, name, "groups", i]))
                        .label("not a group name")
                        .help(NAME_RULE),
                );
                return None;
            }
            if !groups.contains(group) {
                groups.push(group.clone());
            }
        }
        if absent && self.ssh_user(node, name) {
            self.report(
                Diagnostic::error(
                    "invalid-value",
                    format!("`{name}` must be absent, but is a login of the SSH server"),
                )
                .at(Loc::key(path!["design", "users", node, name]))
                .label("also under `ssh: users`")
                .help("remove the user from the SSH server's users, or the `absent`"),
            );
            return None;
        }
        let key_from = match &wire.key_from {
            Some(text) => Some(self.key_from(node, name, text, absent)?),
            None => None,
        };
        Some(Account {
            name: name.to_string(),
            groups,
            sudo: wire.sudo.unwrap_or(false),
            password: wire.password.clone(),
            absent,
            key_from,
        })
    }

    /// `user@node` or `node` (its root): an account of the lab whose key logs in to
    /// `name` on `node`, which must run an SSH server for it.
    fn key_from(&mut self, node: &str, name: &str, text: &str, absent: bool) -> Option<KeyFrom> {
        let loc = Loc::value(path!["design", "users", node, name, "key-from"]);
        let (user, client) = text.split_once('@').unwrap_or(("root", text));
        let client_kind = self.node_kind(client, loc.clone())?;
        let problem = if absent {
            Some(("an absent account logs in with no key", "remove `key-from`, or the `absent`".to_string()))
        } else if client == node {
            Some((
                "the key must come from another node",
                "name the node the user works on, such as `sanne@pc1`".into(),
            ))
        } else if client_kind == NodeKind::Switch {
            Some(("a switch has no accounts", "name a host, server, router or firewall".into()))
        } else if self.file.design.services.get(node).is_none_or(|s| s.ssh.is_none()) {
            Some((
                "the node runs no SSH server to log in to",
                format!("give `{node}` an SSH server: `ssh: {{}}` under its services"),
            ))
        } else if user != "root" && !self.designed_user(client, user) {
            Some((
                "the design gives that node no such account",
                format!("add `{user}` under `design.users.{client}`, or write `{client}` for its root"),
            ))
        } else {
            None
        };
        if let Some((why, help)) = problem {
            self.report(
                Diagnostic::error(
                    "invalid-value",
                    format!("`{text}` cannot log in to `{name}` on `{node}` with a key: {why}"),
                )
                .at(loc)
                .help(help),
            );
            return None;
        }
        Some(KeyFrom { node: client.to_string(), user: user.to_string() })
    }

    /// Whether the design gives `node` the account `name`, present.
    fn designed_user(&self, node: &str, name: &str) -> bool {
        let wire = self.file.design.users.get(node).and_then(|users| users.get(name));
        wire.is_some_and(|w| !w.absent.unwrap_or(false))
    }

    /// Whether the design's SSH server on `node` has a login `name`.
    fn ssh_user(&self, node: &str, name: &str) -> bool {
        self.file
            .design
            .services
            .get(node)
            .and_then(|s| s.ssh.as_ref())
            .is_some_and(|ssh| ssh.users.contains_key(name))
    }
}

pub(super) const NAME_RULE: &str = "use lowercase letters, digits, `-` and `_`, starting with a letter, at most 32 characters; `root` is not allowed";

/// A user or group name that `useradd` and `groupadd` take and a check can name
/// unquoted; root is the node's own, not the lab's to design.
pub(super) fn valid_account_name(name: &str) -> bool {
    name != "root" && name.len() <= 32 && syntax::is_name(name)
}

/// The accounts Debian and the images' packages make (`/etc/passwd` of every image).
/// A design's user of such a name would be the system's, with its home and no login
/// shell, never a person's: `useradd` finds it there and does nothing.
const SYSTEM_USERS: [&str; 25] = [
    "daemon",
    "bin",
    "sys",
    "sync",
    "games",
    "man",
    "lp",
    "mail",
    "news",
    "uucp",
    "proxy",
    "www-data",
    "backup",
    "list",
    "irc",
    "_apt",
    "nobody",
    "tcpdump",
    "asbuilt-check",
    "iperf3",
    "frr",
    "_chrony",
    "sshd",
    "dnsmasq",
    "debian-snmp",
];

impl Resolver<'_> {
    /// Whether `name` can be a person's account in a node; reports why not at `loc`.
    pub(super) fn user_name(&mut self, name: &str, loc: Loc) -> bool {
        if !valid_account_name(name) {
            self.report(
                Diagnostic::error("invalid-name", format!("`{name}` is not a user name"))
                    .at(loc)
                    .label("not a user name")
                    .help(NAME_RULE),
            );
            return false;
        }
        if SYSTEM_USERS.contains(&name.to_ascii_lowercase().as_str()) {
            self.report(
                Diagnostic::error("invalid-name", format!("`{name}` is an account of the node's system"))
                    .at(loc)
                    .label("Debian's own account")
                    .help(format!("the images have `{name}` already, without a login; choose another name, such as `{name}-beheer`")),
            );
            return false;
        }
        true
    }
}

#[cfg(test)]
mod tests {
    use crate::design::Lab;
    use crate::design::resolve::codes;
    use crate::topology::Source;

    fn office(users: &str) -> Result<Lab, Vec<crate::diagnostic::Diagnostic>> {
        let yaml = format!(
            r#"
lab: t
title: T
trains: [B1-K3-W2]
nodes:
  srv: {{ kind: server }}
  sw1: {{ kind: switch }}
links:
  - srv:eth1 -- sw1:eth1
design:
  addresses: {{ srv:eth1: 10.0.0.10/24 }}
  services:
    srv: {{ ssh: {{ users: {{ beheer: Welkom01 }} }} }}
  users:
{users}
"#
        );
        Lab::load(&Source::new("office.yml", yaml))
    }

    #[test]
    fn accounts_have_their_groups_once_sudo_and_absence() {
        let lab = office(
            "    srv:\n      sanne: { groups: [webbeheer, webbeheer, backup], sudo: true, password: Welkom02 }\n      kees: { absent: true }",
        )
        .unwrap();
        let accounts = lab.design_for(None).nodes["srv"].accounts.clone();
        assert_eq!(accounts.len(), 2);
        assert_eq!(
            (accounts[0].groups.clone(), accounts[0].sudo),
            (vec!["webbeheer".into(), "backup".into()], true)
        );
        assert!(accounts[1].absent && !accounts[1].sudo);
    }

    #[test]
    fn bad_names_absent_with_settings_and_switches_are_errors() {
        assert_eq!(codes(&office("    srv: { root: {} }").unwrap_err()), ["invalid-name"]);
        assert_eq!(
            codes(&office("    srv: { sanne: { groups: [Web Beheer] } }").unwrap_err()),
            ["invalid-name"]
        );
        assert_eq!(
            codes(&office("    srv: { kees: { absent: true, sudo: true } }").unwrap_err()),
            ["invalid-value"]
        );
        assert_eq!(codes(&office("    srv: { beheer: { absent: true } }").unwrap_err()), ["invalid-value"]);
        assert_eq!(codes(&office("    sw1: { sanne: {} }").unwrap_err()), ["wrong-kind"]);
        // Debian's own `backup` account has no login: a design's would silently be it.
        let errors = office("    srv: { backup: {} }").unwrap_err();
        assert_eq!(codes(&errors), ["invalid-name"]);
        assert!(errors[0].message.contains("an account of the node's system"), "{errors:?}");
        assert_eq!(codes(&office("    srv2: { sanne: {} }").unwrap_err()), ["unknown-node"]);
    }

    fn with_pc(users: &str, ssh: &str) -> Result<Lab, Vec<crate::diagnostic::Diagnostic>> {
        let yaml = format!(
            r#"
lab: t
title: T
trains: [B1-K3-W2]
nodes:
  srv: {{ kind: server }}
  pc1: {{ kind: host }}
links:
  - srv:eth1 -- pc1:eth1
design:
  addresses: {{ srv:eth1: 10.0.0.10/24, pc1:eth1: 10.0.0.31/24 }}
  services:
    srv: {ssh}
  users:
{users}
"#
        );
        Lab::load(&Source::new("keys.yml", yaml))
    }

    #[test]
    fn a_key_comes_from_a_designed_account_or_root_on_another_node_to_an_ssh_server() {
        let lab = with_pc(
            "    srv: { sanne: { key-from: sanne@pc1 }, joris: { key-from: pc1 } }\n    pc1: { sanne: {} }",
            "{ ssh: {} }",
        )
        .unwrap();
        let design = lab.design_for(None);
        let keys: Vec<(String, String)> = design.nodes["srv"]
            .accounts
            .iter()
            .map(|a| a.key_from.clone().map(|k| (k.user, k.node)).unwrap())
            .collect();
        assert_eq!(keys, [("sanne".to_string(), "pc1".to_string()), ("root".to_string(), "pc1".to_string())]);
        for (users, ssh) in [
            ("    srv: { sanne: { key-from: sanne@pc1 } }", "{ ssh: {} }"),
            ("    srv: { sanne: { key-from: srv } }", "{ ssh: {} }"),
            ("    srv: { sanne: { key-from: pc1 } }", "{}"),
            ("    srv: { sanne: { key-from: pc1, absent: true } }", "{ ssh: {} }"),
        ] {
            assert_eq!(codes(&with_pc(users, ssh).unwrap_err()), ["invalid-value"], "{users} {ssh}");
        }
        assert_eq!(
            codes(&with_pc("    srv: { sanne: { key-from: pc2 } }", "{ ssh: {} }").unwrap_err()),
            ["unknown-node"]
        );
    }
}
