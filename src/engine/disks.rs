//! Every node's own disk: a file system of a fixed size, in a file on the host, that
//! holds everything the node writes.
//!
//! Docker's storage drivers limit a container's writable layer only on some file
//! systems (overlay2 on XFS with project quotas, btrfs, zfs), and a school server rarely
//! has one: a student could fill the host's disk from a console in minutes. So a node's
//! root file system is read-only, and the folders it writes (`confine::WRITABLE_DIRS`)
//! come from a file system of its own: a sparse file, formatted ext4 and mounted through
//! a loop device under [`Disks::root`]. Writing past its size fails with "no space left"
//! inside that node and nowhere else. The disk outlives its container, so what a
//! student saved survives a restart of the node (or of the host: [`Disks::mount`]
//! mounts it again), and goes with the instance.
//!
//! A new disk is a copy of a template: a disk formatted once per image (and size), with
//! the image's own files in its writable folders (made by `docker/disk_templates.rs`).
//! Copying a sparse file costs a few milliseconds; formatting a disk and having Docker
//! fill seven folders from the image at first start cost half a second per node.
//!
//! Layout: `<root>/<instance>/<owner>.img` is the file, `<root>/<instance>/<owner>/`
//! where it is mounted. In it, one folder per writable folder (`etc`, `var`...), and
//! `own/` with the files the node gets instead of the host's (`confine::own_files`).
//! Templates are `<root>/.templates/<key>.img`.

use std::path::{Path, PathBuf};

use tokio::process::Command;

/// Where disks live unless `ASBUILT_DISKS` says otherwise.
const DEFAULT_ROOT: &str = "/var/lib/asbuilt/disks";

/// The folder of templates under the root; hidden, so it is never taken for an instance.
const TEMPLATES: &str = ".templates";

/// What went wrong with a disk. Messages read after "failed to".
#[derive(Debug, thiserror::Error)]
pub enum DiskError {
    /// A file or folder on the host could not be made, read or removed.
    #[error("{doing}: {source}")]
    Io {
        doing: String,
        #[source]
        source: std::io::Error,
    },
    /// A program asbuilt runs on the host (mkfs.ext4, mount) failed.
    #[error("{doing}: {output}")]
    Command { doing: String, output: String },
}

fn io(doing: impl Into<String>) -> impl FnOnce(std::io::Error) -> DiskError {
    let doing = doing.into();
    move |source| DiskError::Io { doing, source }
}

/// The disks of all instances on this host.
#[derive(Debug, Clone)]
pub struct Disks {
    root: PathBuf,
}

/// One mounted disk.
#[derive(Debug, Clone)]
pub struct Disk {
    mount: PathBuf,
}

impl Disk {
    /// The host folder that holds a writable folder of the node (`/etc` → `<mount>/etc`,
    /// `/var/lib/x` → `<mount>/var_lib_x`).
    pub fn dir(&self, node_path: &str) -> PathBuf {
        self.mount.join(folder_label(node_path))
    }

    /// The host file that stands in for one of the node's own files (`/etc/hosts`).
    pub fn own_file(&self, node_path: &str) -> PathBuf {
        self.mount.join("own").join(node_path.trim_start_matches('/').replace('/', "_"))
    }
}

impl Disks {
    pub fn from_env() -> Disks {
        let root =
            std::env::var_os("ASBUILT_DISKS").map(PathBuf::from).unwrap_or_else(|| DEFAULT_ROOT.into());
        Disks { root }
    }

    pub fn root(&self) -> &Path {
        &self.root
    }

    fn image(&self, instance: &str, owner: &str) -> PathBuf {
        self.root.join(instance).join(format!("{owner}.img"))
    }

    fn mount_point(&self, instance: &str, owner: &str) -> PathBuf {
        self.root.join(instance).join(owner)
    }

    /// Where the template with `key` is kept (it may not exist yet).
    pub fn template(&self, key: &str) -> PathBuf {
        self.root.join(TEMPLATES).join(format!("{key}.img"))
    }

    /// Makes the template `key`: a disk of `size_mib`, formatted, mounted while `fill`
    /// puts the image's files into it, then unmounted and moved into place in one
    /// rename, so a crash or another process building the same template never leaves a
    /// half-filled one where a deploy would copy it.
    pub async fn make_template<F, Fut>(&self, key: &str, size_mib: u64, fill: F) -> Result<PathBuf, DiskError>
    where
        F: FnOnce(PathBuf) -> Fut,
        Fut: std::future::Future<Output = Result<(), DiskError>>,
    {
        let dir = self.root.join(TEMPLATES);
        // Unique among processes (the pid) and within this one (a counter).
        static MADE: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
        let count = MADE.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let unique = format!("{key}.{}.{count}", std::process::id());
        let image = dir.join(format!("{unique}.img.partial"));
        let mount = dir.join(format!("{unique}.mnt"));
        let doing = format!("make the disk template {key}");
        tokio::fs::create_dir_all(&mount)
            .await
            .map_err(io(format!("{doing}: create {}", mount.display())))?;
        let filled = async {
            format(&image, size_mib, "asbuilt", &doing).await?;
            mount_image(&image, &mount, &doing).await?;
            let filled = fill(mount.clone()).await;
            unmount(&mount)?;
            filled
        }
        .await;
        let _ = tokio::fs::remove_dir(&mount).await;
        if let Err(e) = filled {
            let _ = tokio::fs::remove_file(&image).await;
            return Err(e);
        }
        let path = self.template(key);
        tokio::fs::rename(&image, &path).await.map_err(io(format!("{doing}: move it into place")))?;
        Ok(path)
    }

    /// Makes and mounts a disk for `owner` (a node, or the fabric) as a copy of
    /// `template`, with the node's own files.
    pub async fn create(
        &self,
        instance: &str,
        owner: &str,
        template: &Path,
        own_files: &[(&str, String)],
    ) -> Result<Disk, DiskError> {
        let image = self.image(instance, owner);
        let mount = self.mount_point(instance, owner);
        let doing = format!("make the disk of {owner}");
        tokio::fs::create_dir_all(&mount)
            .await
            .map_err(io(format!("{doing}: create {}", mount.display())))?;
        run(
            // Sparse: only the blocks the template uses are written, and the copy takes
            // space on the host only as the node writes. On a file system that can
            // share blocks (XFS, btrfs) nothing is copied until the node writes.
            Command::new("cp").args(["--sparse=always", "--reflink=auto"]).arg(template).arg(&image),
            &format!("{doing}: copy {}", template.display()),
        )
        .await?;
        let disk = self.mount(instance, owner).await?;
        if !own_files.is_empty() {
            tokio::fs::create_dir_all(disk.mount.join("own"))
                .await
                .map_err(io(format!("{doing}: create own/")))?;
        }
        for (path, content) in own_files {
            let host = disk.own_file(path);
            tokio::fs::write(&host, content)
                .await
                .map_err(io(format!("{doing}: write {}", host.display())))?;
        }
        Ok(disk)
    }

    /// Mounts an existing disk, if it is not mounted already (after a reboot of the host).
    pub async fn mount(&self, instance: &str, owner: &str) -> Result<Disk, DiskError> {
        let image = self.image(instance, owner);
        let mount = self.mount_point(instance, owner);
        let disk = Disk { mount: mount.clone() };
        if is_mount_point(&mount)? {
            return Ok(disk);
        }
        if !image.exists() {
            return Err(DiskError::Io {
                doing: format!("mount the disk of {owner}"),
                source: std::io::Error::new(
                    std::io::ErrorKind::NotFound,
                    format!("{} is gone", image.display()),
                ),
            });
        }
        tokio::fs::create_dir_all(&mount).await.map_err(io(format!("create {}", mount.display())))?;
        mount_image(&image, &mount, &format!("mount the disk of {owner}")).await?;
        Ok(disk)
    }

    /// Unmounts and deletes every disk of an instance; goes on after errors and returns
    /// them all. Nothing to do is not an error.
    pub async fn remove(&self, instance: &str) -> Vec<DiskError> {
        let dir = self.root.join(instance);
        let mut errors = Vec::new();
        let entries = match std::fs::read_dir(&dir) {
            Ok(entries) => entries,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return errors,
            Err(e) => return vec![DiskError::Io { doing: format!("list {}", dir.display()), source: e }],
        };
        for entry in entries.flatten() {
            let path = entry.path();
            if path.is_dir()
                && let Err(e) = unmount(&path)
            {
                errors.push(e);
            }
        }
        if errors.is_empty()
            && let Err(e) = tokio::fs::remove_dir_all(&dir).await
        {
            errors.push(DiskError::Io { doing: format!("remove {}", dir.display()), source: e });
        }
        errors
    }

    /// Whether an instance has disks (or their folder) on this host.
    pub fn exists(&self, instance: &str) -> bool {
        self.root.join(instance).exists()
    }

    /// The instances that have disks on this host, for removing what a crash left.
    pub fn instances(&self) -> Vec<String> {
        let Ok(entries) = std::fs::read_dir(&self.root) else { return Vec::new() };
        let mut out: Vec<String> = entries
            .flatten()
            // `.templates` and anything else hidden is not an instance.
            .filter(|e| e.path().is_dir() && !e.file_name().to_string_lossy().starts_with('.'))
            .filter_map(|e| e.file_name().into_string().ok())
            .collect();
        out.sort();
        out
    }

    /// How much of a disk is used: (used, size) in bytes, or `None` if it is not mounted.
    pub fn usage(&self, instance: &str, owner: &str) -> Option<(u64, u64)> {
        let mount = self.mount_point(instance, owner);
        if !is_mount_point(&mount).ok()? {
            return None;
        }
        let path = std::ffi::CString::new(mount.as_os_str().as_encoded_bytes()).ok()?;
        let mut stat: libc::statvfs = unsafe { std::mem::zeroed() };
        // SAFETY: a valid C string and a statvfs to fill.
        if unsafe { libc::statvfs(path.as_ptr(), &mut stat) } != 0 {
            return None;
        }
        let block = stat.f_frsize;
        Some(((stat.f_blocks - stat.f_bfree) * block, stat.f_blocks * block))
    }
}

/// Formats `image` as an empty ext4 file system of `size_mib`.
async fn format(image: &Path, size_mib: u64, label: &str, doing: &str) -> Result<(), DiskError> {
    let file =
        tokio::fs::File::create(image).await.map_err(io(format!("{doing}: create {}", image.display())))?;
    // Sparse: the file takes space on the host only as the node writes.
    file.set_len(size_mib * 1024 * 1024).await.map_err(io(format!("{doing}: size {}", image.display())))?;
    drop(file);
    run(
        Command::new("mkfs.ext4")
            // No reserved blocks (nothing runs as root that needs them more than the
            // student), inodes and journal set up lazily so formatting is instant.
            .args(["-q", "-F", "-m", "0", "-E", "lazy_itable_init=1,lazy_journal_init=1", "-L", label])
            .arg(image),
        &format!("{doing}: format it (mkfs.ext4, from e2fsprogs)"),
    )
    .await
}

async fn mount_image(image: &Path, mount: &Path, doing: &str) -> Result<(), DiskError> {
    run(
        // Set-uid programs and device files on a node's disk mean nothing: only the
        // image's own (read-only) programs keep their bits.
        Command::new("mount").args(["-o", "loop,nosuid,nodev"]).arg(image).arg(mount),
        doing,
    )
    .await
}

/// A node's folder as one name that is safe on the host and in Docker's volume names:
/// `/var/lib/x` → `var_lib_x`. An image may declare any path as a volume.
pub fn folder_label(node_path: &str) -> String {
    node_path
        .trim_matches('/')
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() || c == '.' || c == '-' { c } else { '_' })
        .collect()
}

/// Whether `path` is where a file system is mounted: it sits on another device than its
/// parent folder.
fn is_mount_point(path: &Path) -> Result<bool, DiskError> {
    use std::os::unix::fs::MetadataExt;
    let Ok(meta) = std::fs::metadata(path) else { return Ok(false) };
    let parent = path.parent().unwrap_or(Path::new("/"));
    let parent_meta = std::fs::metadata(parent).map_err(io(format!("look at {}", parent.display())))?;
    Ok(meta.dev() != parent_meta.dev())
}

/// Unmounts a disk. A node with `CAP_SYS_ADMIN` could have frozen its own file system;
/// it is thawed first, or the unmount would wait forever.
fn unmount(mount: &Path) -> Result<(), DiskError> {
    if !is_mount_point(mount)? {
        return Ok(());
    }
    const FITHAW: libc::c_ulong = 0xC004_5878;
    if let Ok(dir) = std::fs::File::open(mount) {
        use std::os::fd::AsRawFd;
        // SAFETY: an ioctl without an argument on a descriptor we own; failure (not
        // frozen) is the normal case and harmless.
        unsafe { libc::ioctl(dir.as_raw_fd(), FITHAW as _, 0) };
    }
    let path = std::ffi::CString::new(mount.as_os_str().as_encoded_bytes())
        .map_err(|e| DiskError::Io { doing: format!("unmount {}", mount.display()), source: e.into() })?;
    // SAFETY: a valid C string; flags are plain integers.
    if unsafe { libc::umount2(path.as_ptr(), 0) } == 0 {
        return Ok(());
    }
    let error = std::io::Error::last_os_error();
    // Busy: something (a container not yet gone) still has it open. Detach it now; the
    // kernel finishes when the last user goes, and the loop device frees itself.
    // SAFETY: as above.
    if error.raw_os_error() == Some(libc::EBUSY)
        && unsafe { libc::umount2(path.as_ptr(), libc::MNT_DETACH) } == 0
    {
        return Ok(());
    }
    Err(DiskError::Io { doing: format!("unmount {}", mount.display()), source: error })
}

async fn run(command: &mut Command, doing: &str) -> Result<(), DiskError> {
    let output = command.output().await.map_err(io(doing.to_string()))?;
    if output.status.success() {
        return Ok(());
    }
    let said = String::from_utf8_lossy(&output.stderr).trim().to_string();
    Err(DiskError::Command {
        doing: doing.to_string(),
        output: if said.is_empty() { output.status.to_string() } else { said },
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn writable_folders_map_to_one_folder_each_on_the_disk() {
        let disk = Disk { mount: PathBuf::from("/d/i/r1") };
        assert_eq!(disk.dir("/etc"), PathBuf::from("/d/i/r1/etc"));
        assert_eq!(disk.dir("/usr/local"), PathBuf::from("/d/i/r1/usr_local"));
        assert_eq!(disk.own_file("/etc/resolv.conf"), PathBuf::from("/d/i/r1/own/etc_resolv.conf"));
    }
}
