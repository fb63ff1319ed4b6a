//! Checks of local accounts: each designed account exists with its groups (or, when it
//! must be gone, does not), and may or may not use sudo as the design says. An account
//! on a client host counts for setting up user devices, elsewhere for maintaining
//! applications.

use super::{Area, Draft, texts};
use crate::checks::model::ProbeSpec;
use crate::design::Design;
use crate::kind::NodeKind;

pub fn derive(design: &Design) -> Vec<Draft> {
    let mut out = Vec::new();
    for node in design.nodes.values() {
        let area = if node.kind == NodeKind::Host { Area::Client } else { Area::Maintenance };
        for account in &node.accounts {
            let probe = ProbeSpec::Account {
                node: node.name.clone(),
                name: account.name.clone(),
                groups: account.groups.clone(),
                absent: account.absent,
            };
            let text = texts::account(&node.name, &account.name, &account.groups, account.absent);
            out.push(Draft::new(format!("user/{}/{}", node.name, account.name), text, area, probe));
            if account.absent {
                continue;
            }
            let probe = ProbeSpec::Sudo {
                node: node.name.clone(),
                name: account.name.clone(),
                allowed: account.sudo,
            };
            let text = texts::sudo(&node.name, &account.name, account.sudo);
            out.push(Draft::new(format!("sudo/{}/{}", node.name, account.name), text, area, probe));
            if let (Some(from), Some(ssh), Some(address)) =
                (&account.key_from, &node.services.ssh, node.primary_address())
            {
                let probe = ProbeSpec::KeyLogin {
                    client: from.node.clone(),
                    client_user: from.user.clone(),
                    node: node.name.clone(),
                    name: account.name.clone(),
                    address,
                    port: ssh.port,
                };
                let text = texts::key_login(&node.name, &account.name, &from.node, &from.user);
                out.push(Draft::new(format!("key/{}/{}", node.name, account.name), text, area, probe));
            }
            // Where the node runs an SSH server, the password must also let the user in.
            let (Some(password), Some(ssh), Some(address)) =
                (&account.password, &node.services.ssh, node.primary_address())
            else {
                continue;
            };
            let probe = ProbeSpec::Login {
                node: node.name.clone(),
                name: account.name.clone(),
                password: password.clone(),
                address,
                port: ssh.port,
            };
            let text = texts::login(&node.name, &account.name);
            // Patient: sshd answers a wrong password only after a delay of its own.
            out.push(
                Draft::new(format!("login/{}/{}", node.name, account.name), text, area, probe)
                    .patient(1, 8_000),
            );
        }
    }
    out
}
