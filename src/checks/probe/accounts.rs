//! Evidence about local accounts: a user's groups and sudo rules, read with the node's
//! own `id` and `sudo -l` as root (accounts live in the node's files; only it can say).

use std::time::Duration;

use super::{Gathered, ProbeError, Probes};
use crate::checks::model::ProbeSpec;
use crate::checks::observation::Observation;

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
        _ => unreachable!("the dispatcher sends only account probes here"),
    }
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
