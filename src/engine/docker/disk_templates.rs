//! Disk templates: a node's disk starts as a copy of a disk made once per image, with
//! the image's own files already in its writable folders (`/etc`, `/var`...).
//!
//! Before, every node's disk was formatted empty and Docker filled seven named volumes
//! from the image at first start: about half a second per node, most of a deploy. Now
//! the first deploy of an image formats one template, fills it from a created (never
//! started) container through Docker's archive API, and every node after that copies
//! it (a sparse copy, milliseconds) and mounts its folders as plain bind mounts.
//!
//! A template is keyed by the image's id (so a rebuilt or re-pulled image gets a new
//! one), the disk's size and the folders, and is built under the engine's lock and moved
//! into place in one rename (`Disks::make_template`).

use std::io::Cursor;
use std::path::{Path, PathBuf};

use bollard::Docker;
use bollard::models::ContainerCreateBody;
use bollard::query_parameters::{
    CreateContainerOptionsBuilder, DownloadFromContainerOptionsBuilder, RemoveContainerOptionsBuilder,
};
use futures::StreamExt;
use sha2::{Digest, Sha256};

use super::DockerEngine;
use crate::engine::EngineError;
use crate::engine::disks::{DiskError, folder_label};

/// Changes when what a template holds changes, so old templates are not reused.
const LAYOUT: &str = "1";

/// What a node's disk from one image holds, read with one inspection of the image: its
/// id (templates are keyed by it) and the folders the node writes.
pub(super) struct ImageDisk {
    id: String,
    /// asbuilt's writable folders, and any the image declares as volumes (`VOLUME` in a
    /// Dockerfile): Docker would make each an unbounded volume on the host's disk, so
    /// they go on the node's disk too.
    pub dirs: Vec<String>,
}

pub(super) async fn image_disk(
    docker: &Docker,
    image: &str,
    base: &[&str],
) -> Result<ImageDisk, EngineError> {
    let inspected =
        docker.inspect_image(image).await.map_err(EngineError::backend(format!("inspect image {image}")))?;
    let id = inspected.id.clone().unwrap_or_else(|| image.to_string());
    let mut declared: Vec<String> =
        inspected.config.and_then(|c| c.volumes).map(|v| v.into_iter().collect()).unwrap_or_default();
    declared.sort();
    let mut dirs: Vec<String> = base.iter().map(|d| d.to_string()).collect();
    for path in declared {
        if !dirs.contains(&path) {
            dirs.push(path);
        }
    }
    Ok(ImageDisk { id, dirs })
}

/// The template for a disk of `size_mib` of `image`, made if it is not there yet.
pub(super) async fn template_for(
    engine: &DockerEngine,
    image: &str,
    disk: &ImageDisk,
    size_mib: u64,
) -> Result<PathBuf, EngineError> {
    let key = key(&disk.id, size_mib, &disk.dirs);
    let path = engine.disks.template(&key);
    if path.exists() {
        return Ok(path);
    }
    // One build at a time in this process; another process building the same template
    // at the same time is harmless (the last rename wins, both are the same).
    let _building = engine.template_lock.lock().await;
    if path.exists() {
        return Ok(path);
    }
    let docker = &engine.docker;
    let made =
        engine.disks.make_template(&key, size_mib, |mount| fill(docker, image, &disk.dirs, mount)).await?;
    Ok(made)
}

fn key(image_id: &str, size_mib: u64, dirs: &[String]) -> String {
    let mut hasher = Sha256::new();
    hasher.update(format!("{LAYOUT}\n{image_id}\n{size_mib}\n{}", dirs.join("\n")));
    hasher.finalize().iter().take(8).map(|b| format!("{b:02x}")).collect()
}

/// Copies `dirs` of `image` into the mounted template, one folder each
/// (`folder_label`), with their owners, modes and times.
async fn fill(docker: &Docker, image: &str, dirs: &[String], mount: PathBuf) -> Result<(), DiskError> {
    let doing = |what: &str| format!("fill the disk template of {image}: {what}");
    let name = format!("asbuilt-template-{}-{}", std::process::id(), mount_id(&mount));
    let body = ContainerCreateBody {
        image: Some(image.to_string()),
        // Never started; a command is needed only for images that have none.
        cmd: Some(vec!["true".to_string()]),
        network_disabled: Some(true),
        ..Default::default()
    };
    docker
        .create_container(Some(CreateContainerOptionsBuilder::default().name(&name).build()), body)
        .await
        .map_err(|e| DiskError::Command { doing: doing("create a container"), output: e.to_string() })?;
    let copied = copy_dirs(docker, &name, dirs, &mount, &doing).await;
    let options = RemoveContainerOptionsBuilder::default().force(true).build();
    let removed = docker.remove_container(&name, Some(options)).await;
    copied?;
    removed.map_err(|e| DiskError::Command { doing: doing("remove its container"), output: e.to_string() })
}

async fn copy_dirs(
    docker: &Docker,
    container: &str,
    dirs: &[String],
    mount: &Path,
    doing: &impl Fn(&str) -> String,
) -> Result<(), DiskError> {
    for dir in dirs {
        let options = DownloadFromContainerOptionsBuilder::default().path(dir).build();
        let mut stream = docker.download_from_container(container, Some(options));
        let mut archive = Vec::new();
        let mut missing = false;
        while let Some(chunk) = stream.next().await {
            match chunk {
                Ok(bytes) => archive.extend_from_slice(&bytes),
                Err(bollard::errors::Error::DockerResponseServerError { status_code: 404, .. }) => {
                    missing = true;
                    break;
                }
                Err(e) => {
                    return Err(DiskError::Command {
                        doing: doing(&format!("read {dir}")),
                        output: e.to_string(),
                    });
                }
            }
        }
        let target = mount.join(folder_label(dir));
        let dir = dir.clone();
        let what = doing(&format!("unpack {dir}"));
        tokio::task::spawn_blocking(move || {
            if missing { create_empty(&dir, &target) } else { unpack(&archive, &dir, &target) }
        })
        .await
        .map_err(|e| DiskError::Command { doing: what.clone(), output: e.to_string() })?
        .map_err(|source| DiskError::Io { doing: what, source })?;
    }
    Ok(())
}

/// A folder the image does not have: empty, and `/tmp` writable by everyone as usual.
fn create_empty(dir: &str, target: &Path) -> std::io::Result<()> {
    use std::os::unix::fs::PermissionsExt;
    std::fs::create_dir_all(target)?;
    let mode = if dir == "/tmp" { 0o1777 } else { 0o755 };
    std::fs::set_permissions(target, std::fs::Permissions::from_mode(mode))
}

/// Docker's archive of `/var/lib/x` has `x/` at its top: unpacked beside the target and
/// renamed to it, so the folder itself keeps its owner and mode (`/tmp`'s sticky bit).
fn unpack(archive: &[u8], dir: &str, target: &Path) -> std::io::Result<()> {
    let parent = target.parent().unwrap_or(Path::new("/"));
    let staging = parent.join(format!(".unpack-{}", folder_label(dir)));
    std::fs::create_dir_all(&staging)?;
    let mut tar = tar::Archive::new(Cursor::new(archive));
    tar.set_preserve_permissions(true);
    tar.set_preserve_ownerships(true);
    tar.set_preserve_mtime(true);
    tar.unpack(&staging)?;
    let top = Path::new(dir).file_name().map(PathBuf::from).unwrap_or_default();
    std::fs::rename(staging.join(top), target)?;
    std::fs::remove_dir_all(&staging)
}

fn mount_id(mount: &Path) -> String {
    mount.file_name().map(|n| n.to_string_lossy().replace(['.', ' '], "-")).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_template_key_changes_with_the_image_the_size_and_the_folders() {
        let dirs = vec!["/etc".to_string(), "/var".to_string()];
        let base = key("sha256:a", 256, &dirs);
        assert_eq!(base, key("sha256:a", 256, &dirs));
        assert_ne!(base, key("sha256:b", 256, &dirs));
        assert_ne!(base, key("sha256:a", 512, &dirs));
        assert_ne!(base, key("sha256:a", 256, &dirs[..1]));
    }
}
