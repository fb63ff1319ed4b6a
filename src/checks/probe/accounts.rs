//! Evidence about local accounts: a user's groups and sudo rules, read with the node's
//! own `id` and `sudo -l` as root (accounts live in the node's files; only it can say).

use std::net::SocketAddr;
use std::time::Duration;

use super::{Gathered, ProbeError, Probes};
use crate::checks::access::{ExecOutput, RunAs};
use crate::checks::model::{Influence, ProbeSpec};
use crate::checks::observation::Observation;
use crate::checks::outcome::Evidence;
use crate::plan::script::quote;

pub async fn gather(
    probes: &Probes<'_>,
    probe: &ProbeSpec,
    timeout: Duration,
) -> Result<Gathered, ProbeError> {
    match probe {
        ProbeSpec::Account { node, name, .. } => {
            let (out, evidence) = probes.exec(node, &["id", "-nG", "--", name], timeout).await?;
            let seen = if out.success() {
                Ok(Some(out.stdout.split_whitespace().map(String::from).collect()))
            } else if out.stderr.contains("no such user") {
                Ok(None)
            } else {
                Err(format!("`id` failed: {}", out.stderr.trim()))
            };
            Ok(Gathered { observation: Observation::Account(seen), evidence: vec![evidence] })
        }
        ProbeSpec::Sudo { node, name, .. } => {
            let (out, evidence) = probes.exec(node, &["sudo", "-n", "-l", "-U", name], timeout).await?;
            let text = format!("{}{}", out.stdout, out.stderr);
            let seen = if text.contains("unknown user") {
                Ok(None)
            } else if matches!(out.exit_code, 126 | 127) {
                Err(format!("{node} has no sudo"))
            } else {
                Ok(Some(sudo_rules(&out.stdout)))
            };
            Ok(Gathered { observation: Observation::Sudo(seen), evidence: vec![evidence] })
        }
        ProbeSpec::KeyLogin { client, client_user, name, address, port, .. } => {
            key_login(probes, client, client_user, name, SocketAddr::new(*address, *port), timeout).await
        }
        ProbeSpec::Login { node, name, password, address, port } => {
            login(probes, node, name, password, SocketAddr::new(*address, *port), timeout).await
        }
        _ => unreachable!("the dispatcher sends only account probes here"),
    }
}

/// Logs in as `name` with the node's own ssh client, answering the password prompt
/// through SSH_ASKPASS (no terminal needed), and runs a command that prints a marker
/// with the user it ran as. Only a password login counts: keys are not offered.
async fn login(
    probes: &Probes<'_>,
    node: &str,
    name: &str,
    password: &str,
    to: SocketAddr,
    timeout: Duration,
) -> Result<Gathered, ProbeError> {
    let host = ssh_host(to);
    let secs = timeout.as_secs().clamp(1, 10).to_string();
    // The password reaches the askpass helper through the environment, quoted once.
    let script = format!(
        r#"askpass=$(mktemp) || exit 1
trap 'rm -f "$askpass"' EXIT
printf '#!/bin/sh\nprintf "%%s\\n" "$ASBUILT_PASSWORD"\n' > "$askpass"
chmod 700 "$askpass"
ASBUILT_PASSWORD={password} SSH_ASKPASS="$askpass" SSH_ASKPASS_REQUIRE=force DISPLAY=none \
  ssh -n -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null -o LogLevel=ERROR \
  -o PubkeyAuthentication=no -o PreferredAuthentications=keyboard-interactive,password \
  -o NumberOfPasswordPrompts=1 -o ConnectTimeout={secs} -p {port} {user}@{host} 'echo asbuilt-login-$(id -un)'"#,
        password = quote(password),
        port = to.port(),
        user = quote(name),
    );
    let argv = ["sh".to_string(), "-c".to_string(), script];
    let out = probes.access.exec(node, RunAs::Root, &argv, timeout + Duration::from_secs(5)).await?;
    let (logged_in, said) = logged_in_as(&out, name);
    // The evidence names what was done, never the password.
    let evidence = Evidence {
        influence: Influence::NodeTools,
        method: format!(
            "`ssh -p {} {name}@{host}` with the designed password, in {node} (exit status {})",
            to.port(),
            out.exit_code
        ),
        raw: said.clone(),
    };
    Ok(Gathered { observation: Observation::Login { logged_in, said }, evidence: vec![evidence] })
}

/// Logs in as `name` from `client_user`'s account on `client` with the node's own ssh
/// client, offering keys only (BatchMode: no prompt is answered), and runs a command
/// that prints a marker with the user it ran as.
async fn key_login(
    probes: &Probes<'_>,
    client: &str,
    client_user: &str,
    name: &str,
    to: SocketAddr,
    timeout: Duration,
) -> Result<Gathered, ProbeError> {
    let port = to.port().to_string();
    let target = format!("{name}@{}", ssh_host(to));
    let mut argv: Vec<String> = ["runuser", "-u", client_user, "--", "ssh", "-n"].map(String::from).into();
    let connect = format!("ConnectTimeout={}", timeout.as_secs().clamp(1, 10));
    for option in KEYS_ONLY.iter().map(|o| o.to_string()).chain([connect]) {
        argv.extend(["-o".to_string(), option]);
    }
    argv.extend(["-p".to_string(), port.clone(), target.clone(), "echo asbuilt-login-$(id -un)".to_string()]);
    let out = probes.access.exec(client, RunAs::Root, &argv, timeout + Duration::from_secs(5)).await?;
    let (logged_in, said) = logged_in_as(&out, name);
    let evidence = Evidence {
        influence: Influence::NodeTools,
        method: format!(
            "`ssh -o BatchMode=yes -p {port} {target}` as {client_user} in {client}, keys only (exit status {})",
            out.exit_code
        ),
        raw: said.clone(),
    };
    Ok(Gathered { observation: Observation::Login { logged_in, said }, evidence: vec![evidence] })
}

/// ssh's options for a login with a key alone: no prompt answered, no password tried,
/// the lab's host keys taken as they come.
const KEYS_ONLY: [&str; 7] = [
    "BatchMode=yes",
    "PasswordAuthentication=no",
    "KbdInteractiveAuthentication=no",
    "PreferredAuthentications=publickey",
    "StrictHostKeyChecking=no",
    "UserKnownHostsFile=/dev/null",
    "LogLevel=ERROR",
];

/// An address as ssh takes it after `user@`.
fn ssh_host(to: SocketAddr) -> String {
    match to.ip() {
        std::net::IpAddr::V6(a) => format!("[{a}]"),
        v4 => v4.to_string(),
    }
}

/// Whether the login command printed its marker for `name`, and what to show of it.
fn logged_in_as(out: &ExecOutput, name: &str) -> (bool, String) {
    let marker = format!("asbuilt-login-{name}");
    let logged_in = out.stdout.lines().any(|l| l.trim() == marker);
    let said = if logged_in { out.stdout.trim().to_string() } else { out.stderr.trim().to_string() };
    (logged_in, said)
}

/// The rules under "User NAME may run the following commands on HOST:" in `sudo -l -U`'s
/// output; none when it says the user is not allowed to run sudo.
pub fn sudo_rules(output: &str) -> Vec<String> {
    let mut lines = output.lines().skip_while(|l| !l.contains("may run the following commands"));
    lines.next();
    lines
        .take_while(|l| l.starts_with(char::is_whitespace) && !l.trim().is_empty())
        .map(|l| l.trim().to_string())
        .collect()
}

/// Whether a sudo rule lets its user run every command as root: `(ALL) ALL`,
/// `(ALL : ALL) ALL`, `(root) NOPASSWD: ALL`.
pub fn runs_everything_as_root(rule: &str) -> bool {
    let Some(rest) = rule.strip_prefix('(') else { return false };
    let Some((runas, commands)) = rest.split_once(')') else { return false };
    let user = runas.split(':').next().unwrap_or_default().trim();
    let commands = commands.trim();
    let commands = commands.rsplit_once(':').map_or(commands, |(_, c)| c).trim();
    (user == "ALL" || user == "root") && commands == "ALL"
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sudo_rules_are_read_from_sudo_l() {
        let allowed = "Matching Defaults entries for sanne on srv:\n    env_reset, mail_badpass\n\n\
                       User sanne may run the following commands on srv:\n    (ALL : ALL) ALL\n    (root) NOPASSWD: /usr/sbin/nginx\n";
        let rules = sudo_rules(allowed);
        assert_eq!(rules, ["(ALL : ALL) ALL", "(root) NOPASSWD: /usr/sbin/nginx"]);
        assert!(runs_everything_as_root(&rules[0]) && !runs_everything_as_root(&rules[1]));
        assert!(runs_everything_as_root("(root) NOPASSWD: ALL"));
        assert!(!runs_everything_as_root("(www-data) ALL"));
        assert!(sudo_rules("User kees is not allowed to run sudo on srv.\n").is_empty());
    }
}
