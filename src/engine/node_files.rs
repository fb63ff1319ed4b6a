//! The teacher's files (`design::as_is`), written onto a node's disk before the node
//! starts, so that a file can replace a service's configuration before the service
//! reads it. Owners are looked up by name in the node's own /etc/passwd and /etc/group,
//! as the node will see them.
//!
//! The disk holds what the image put there, and a custom image is the teacher's: a
//! symbolic link in it could point anywhere on the host. So no link is followed on
//! the way to a file or at the file itself.

use std::fs::{DirBuilder, OpenOptions};
use std::io::Write;
use std::os::unix::fs::{DirBuilderExt, OpenOptionsExt, PermissionsExt};
use std::path::{Path, PathBuf};

use crate::confine;
use crate::design::as_is::NodeFile;
use crate::engine::EngineError;
use crate::engine::disks::Disk;

/// Writes `files` onto `disk`. The node's own files (/etc/hosts, /etc/resolv.conf, ...)
/// are written where the engine keeps them.
pub fn write(disk: &Disk, node: &str, files: &[NodeFile]) -> Result<(), EngineError> {
    if files.is_empty() {
        return Ok(());
    }
    let owners = Owners::read(&disk.dir("/etc"));
    for file in files {
        let fail = |why: String| EngineError::Io {
            doing: format!("write {} into {node}", file.path),
            source: std::io::Error::other(why),
        };
        let (uid, gid) = owners.resolve(file.owner.as_deref()).map_err(fail)?;
        let own = confine::own_files(node).iter().any(|(p, _)| *p == file.path);
        let target = if own {
            disk.own_file(&file.path)
        } else {
            let folder = confine::WRITABLE_DIRS
                .iter()
                .find(|d| file.path.strip_prefix(**d).is_some_and(|r| r.starts_with('/')))
                .ok_or_else(|| fail("it is not in a folder a node may write".into()))?;
            let root = disk.dir(folder);
            if !root.is_dir() {
                return Err(fail(format!("the node's image has no {folder}")));
            }
            let rel = file.path[folder.len()..].trim_start_matches('/');
            make_parents(&root, rel).map_err(|e| fail(e.to_string()))?
        };
        write_one(&target, file, uid, gid).map_err(|e| fail(e.to_string()))?;
    }
    Ok(())
}

/// Creates the folders of `rel` under `root` (root-owned, 0755), refusing links; the
/// file's path on the host.
fn make_parents(root: &Path, rel: &str) -> std::io::Result<PathBuf> {
    let mut at = root.to_path_buf();
    let parts: Vec<&str> = rel.split('/').collect();
    for part in &parts[..parts.len() - 1] {
        at.push(part);
        match std::fs::symlink_metadata(&at) {
            Ok(meta) if meta.file_type().is_symlink() => {
                return Err(std::io::Error::other(format!(
                    "{} is a symbolic link in the image",
                    at.display()
                )));
            }
            Ok(meta) if meta.is_dir() => {}
            Ok(_) => return Err(std::io::Error::other(format!("{} is a file, not a folder", at.display()))),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                DirBuilder::new().mode(0o755).create(&at)?;
            }
            Err(e) => return Err(e),
        }
    }
    at.push(parts[parts.len() - 1]);
    Ok(at)
}

fn write_one(target: &Path, file: &NodeFile, uid: u32, gid: u32) -> std::io::Result<()> {
    let mut out = OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(true)
        .mode(file.mode)
        .custom_flags(libc::O_NOFOLLOW)
        .open(target)?;
    out.write_all(file.content.as_bytes())?;
    std::os::unix::fs::fchown(&out, Some(uid), Some(gid))?;
    // After the owner: a change of owner clears set-uid and set-gid bits.
    out.set_permissions(std::fs::Permissions::from_mode(file.mode))?;
    Ok(())
}

/// Users and groups of the node, from the files on its disk.
struct Owners {
    users: Vec<(String, u32, u32)>,
    groups: Vec<(String, u32)>,
}

impl Owners {
    fn read(etc: &Path) -> Owners {
        // Read without following a link out of the disk; a missing file means only
        // numbers can be used.
        let read = |name: &str| {
            let path = etc.join(name);
            match std::fs::symlink_metadata(&path) {
                Ok(m) if m.is_file() => std::fs::read_to_string(&path).unwrap_or_default(),
                _ => String::new(),
            }
        };
        let users = read("passwd")
            .lines()
            .filter_map(|l| {
                let f: Vec<&str> = l.split(':').collect();
                Some((f.first()?.to_string(), f.get(2)?.parse().ok()?, f.get(3)?.parse().ok()?))
            })
            .collect();
        let groups = read("group")
            .lines()
            .filter_map(|l| {
                let f: Vec<&str> = l.split(':').collect();
                Some((f.first()?.to_string(), f.get(2)?.parse().ok()?))
            })
            .collect();
        Owners { users, groups }
    }

    /// `user[:group]` as numbers; a user alone also gives the user's own group.
    fn resolve(&self, owner: Option<&str>) -> Result<(u32, u32), String> {
        let Some(owner) = owner else { return Ok((0, 0)) };
        let (user, group) = match owner.split_once(':') {
            Some((u, g)) => (u, Some(g)),
            None => (owner, None),
        };
        let (uid, own_gid) = match user.parse::<u32>() {
            Ok(uid) => (uid, self.users.iter().find(|u| u.1 == uid).map(|u| u.2).unwrap_or(uid)),
            Err(_) => self
                .users
                .iter()
                .find(|u| u.0 == user)
                .map(|u| (u.1, u.2))
                .ok_or_else(|| format!("the node has no user `{user}`"))?,
        };
        let gid = match group {
            None => own_gid,
            Some(g) => match g.parse::<u32>() {
                Ok(gid) => gid,
                Err(_) => self
                    .groups
                    .iter()
                    .find(|x| x.0 == g)
                    .map(|x| x.1)
                    .ok_or_else(|| format!("the node has no group `{g}`"))?,
            },
        };
        Ok((uid, gid))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn owners_by_name_or_number() {
        let owners = Owners {
            users: vec![("root".into(), 0, 0), ("frr".into(), 100, 101)],
            groups: vec![("root".into(), 0), ("frr".into(), 101), ("frrvty".into(), 102)],
        };
        assert_eq!(owners.resolve(None), Ok((0, 0)));
        assert_eq!(owners.resolve(Some("frr:frr")), Ok((100, 101)));
        assert_eq!(owners.resolve(Some("frr")), Ok((100, 101)));
        assert_eq!(owners.resolve(Some("frr:frrvty")), Ok((100, 102)));
        assert_eq!(owners.resolve(Some("1000:1000")), Ok((1000, 1000)));
        assert!(owners.resolve(Some("www-data")).is_err());
    }

    #[test]
    fn no_link_is_followed() {
        let dir = tempfile::tempdir().unwrap();
        std::os::unix::fs::symlink("/tmp", dir.path().join("out")).unwrap();
        assert!(make_parents(dir.path(), "out/x").is_err());
        let made = make_parents(dir.path(), "a/b/c.txt").unwrap();
        assert!(dir.path().join("a/b").is_dir());
        std::os::unix::fs::symlink("/etc/passwd", &made).unwrap();
        let file = NodeFile { path: "/x".into(), content: "x".into(), owner: None, mode: 0o644 };
        assert!(write_one(&made, &file, 0, 0).is_err(), "a link at the file itself is not followed");
    }
}
