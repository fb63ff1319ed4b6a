//! Local user accounts: groups, users, their passwords (hashed by chpasswd inside the
//! node; the script is fed on stdin and never stored), sudo rights, and accounts that
//! must be gone.

use super::script::{Script, quote};
use crate::design::Account;

/// Where the sudo rule of each account asbuilt gives sudo lives.
fn sudoers_file(user: &str) -> String {
    format!("/etc/sudoers.d/asbuilt-{user}")
}

pub fn configure(accounts: &[Account], script: &mut Script) {
    for account in accounts {
        let user = quote(&account.name);
        if account.absent {
            script.step(&format!("remove the account {}", account.name));
            // userdel complains about a missing mail spool and the like; what counts is
            // that the account is gone.
            // (Under `set -e`, so the test is an `if`: a negated command never stops it.)
            script.raw(format!("userdel --remove {user} 2>/dev/null || true"));
            script.raw(format!(
                "if id -u {user} >/dev/null 2>&1; then echo 'could not remove {}' >&2; exit 1; fi",
                account.name
            ));
            script.raw(format!("rm -f {}", quote(&sudoers_file(&account.name))));
            continue;
        }
        script.step(&format!("the account {}", account.name));
        for group in &account.groups {
            let group = quote(group);
            script.raw(format!("getent group {group} >/dev/null || groupadd {group}"));
        }
        script.raw(format!("id -u {user} >/dev/null 2>&1 || useradd --create-home --shell /bin/bash {user}"));
        if !account.groups.is_empty() {
            script.run(&["usermod", "--append", "--groups", &account.groups.join(","), &account.name]);
        }
        if let Some(password) = &account.password {
            script
                .raw(format!("printf '%s\\n' {} | chpasswd", quote(&format!("{}:{password}", account.name))));
        }
        if account.sudo {
            // A file of its own, checked by visudo before it counts, as an admin would.
            let file = quote(&sudoers_file(&account.name));
            script.raw(format!("printf '%s ALL=(ALL:ALL) ALL\\n' {user} > {file}.new"));
            script.raw(format!("chmod 0440 {file}.new && visudo -cqf {file}.new && mv {file}.new {file}"));
        }
    }
}

/// The lab as the student gets it when they build the accounts: an account the design
/// wants gone is there, for them to remove (a colleague who left).
pub fn leavers(accounts: &[Account], script: &mut Script) {
    for account in accounts.iter().filter(|a| a.absent) {
        let user = quote(&account.name);
        script.step(&format!("the account {} that the student removes", account.name));
        script.raw(format!("id -u {user} >/dev/null 2>&1 || useradd --create-home --shell /bin/bash {user}"));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn account(name: &str) -> Account {
        Account {
            name: name.into(),
            groups: Vec::new(),
            sudo: false,
            password: None,
            absent: false,
            key_from: None,
        }
    }

    #[test]
    fn an_account_gets_its_groups_password_and_sudo_and_an_absent_one_is_removed() {
        let sanne = Account {
            groups: vec!["webbeheer".into(), "backup".into()],
            sudo: true,
            password: Some("Welkom 02".into()),
            ..account("sanne")
        };
        let kees = Account { absent: true, ..account("kees") };
        let mut script = Script::new();
        configure(&[sanne, kees], &mut script);
        let text = script.render();
        assert!(text.contains("getent group webbeheer >/dev/null || groupadd webbeheer"), "{text}");
        assert!(text.contains("usermod --append --groups webbeheer,backup sanne"), "{text}");
        assert!(text.contains("'sanne:Welkom 02' | chpasswd"), "{text}");
        assert!(text.contains("visudo -cqf /etc/sudoers.d/asbuilt-sanne.new"), "{text}");
        assert!(text.contains("userdel --remove kees 2>/dev/null || true"), "{text}");
    }

    #[test]
    fn a_student_who_builds_the_accounts_gets_the_leavers_to_remove_and_nothing_else() {
        let kees = Account { absent: true, ..account("kees") };
        let mut script = Script::new();
        leavers(&[account("sanne"), kees], &mut script);
        let text = script.render();
        assert!(text.contains("useradd --create-home --shell /bin/bash kees"), "{text}");
        assert!(!text.contains("sanne"), "{text}");
    }
}
