//! Files written by a shell script inside a container, for engines that reach a
//! container only through a command (Kubernetes' exec, an init container): each file's
//! content goes in base64, so any byte survives the shell, and is written in place (a
//! file the runtime mounted, such as `/etc/hosts`, cannot be replaced, only rewritten).

use base64::Engine as _;

use super::script::quote;

/// One file to write.
#[derive(Debug, Clone, Copy)]
pub struct File<'a> {
    /// Absolute path where the script runs.
    pub path: &'a str,
    pub content: &'a str,
    pub mode: u32,
    /// `user`, `user:group`, or numbers, as the container's own `chown` takes them;
    /// `None` leaves root.
    pub owner: Option<&'a str>,
}

/// Ends each file's content; base64 never holds `_`, so no content can end it early.
const END: &str = "ASBUILT_END_OF_FILE";

/// A POSIX shell script that writes `files`, making missing folders, stopping at the
/// first failure.
pub fn write_files(files: &[File<'_>]) -> String {
    let mut script = String::from("set -eu\n");
    for file in files {
        let path = quote(file.path);
        if let Some((parent, _)) = file.path.rsplit_once('/')
            && !parent.is_empty()
        {
            script.push_str(&format!("mkdir -p {}\n", quote(parent)));
        }
        let encoded = base64::engine::general_purpose::STANDARD.encode(file.content.as_bytes());
        script.push_str(&format!("base64 -d > {path} <<'{END}'\n"));
        for line in encoded.as_bytes().chunks(76) {
            script.push_str(std::str::from_utf8(line).expect("base64 is ASCII"));
            script.push('\n');
        }
        script.push_str(END);
        script.push('\n');
        if let Some(owner) = file.owner {
            // `user` alone: the user's own group, as asbuilt does on Docker.
            let owner = if owner.contains(':') { owner.to_string() } else { format!("{owner}:") };
            script.push_str(&format!("chown {} {path}\n", quote(&owner)));
        }
        // After the owner: a change of owner clears set-uid and set-gid bits.
        script.push_str(&format!("chmod {:o} {path}\n", file.mode));
    }
    script
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Runs the script in a temporary folder with the host's shell and tools, and
    /// reads back what it wrote.
    #[test]
    fn the_script_writes_every_byte_and_mode() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().display().to_string();
        let awkward =
            "line 1\n'quotes' \"and\" $dollars `ticks`\n\u{e9}t\u{e9}\nASBUILT_END_OF_FILE\n\tno newline";
        let a = format!("{root}/etc/deep/er/a.conf");
        let b = format!("{root}/b.sh");
        let script = write_files(&[
            File { path: &a, content: awkward, mode: 0o640, owner: None },
            File { path: &b, content: "", mode: 0o755, owner: None },
        ]);
        let status = std::process::Command::new("sh").arg("-c").arg(&script).status().unwrap();
        assert!(status.success(), "{script}");
        assert_eq!(std::fs::read_to_string(&a).unwrap(), awkward);
        assert_eq!(std::fs::read_to_string(&b).unwrap(), "");
        use std::os::unix::fs::PermissionsExt;
        assert_eq!(std::fs::metadata(&a).unwrap().permissions().mode() & 0o7777, 0o640);
        assert_eq!(std::fs::metadata(&b).unwrap().permissions().mode() & 0o7777, 0o755);
    }

    #[test]
    fn an_owner_without_a_group_gets_the_users_own() {
        let script =
            write_files(&[File { path: "/srv/x", content: "x", mode: 0o600, owner: Some("www-data") }]);
        assert!(script.contains("chown www-data: /srv/x\n"), "{script}");
        let script = write_files(&[File { path: "/srv/x", content: "x", mode: 0o600, owner: Some("33:33") }]);
        assert!(script.contains("chown 33:33 /srv/x\n"), "{script}");
    }
}
