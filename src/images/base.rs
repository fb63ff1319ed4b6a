//! Making the Debian root file system every image starts from, without any registry.
//!
//! If Docker already has `debian:<suite>`, it is tagged as the rootfs. Otherwise
//! debootstrap (a program on the Docker host) installs Debian into a folder under the
//! state directory, asbuilt removes what dpkg-excludes names along with apt's package
//! lists and downloads, and the folder is streamed as a tar into Docker's import API.

use std::collections::VecDeque;
use std::io;
use std::path::{Path, PathBuf};
use std::process::Stdio;

use bollard::Docker;
use bollard::query_parameters::{
    CreateImageOptionsBuilder, RemoveImageOptionsBuilder, TagImageOptionsBuilder,
};
use bytes::Bytes;
use futures_util::{Stream, StreamExt};
use tokio::io::{AsyncBufReadExt, AsyncRead, AsyncReadExt, BufReader};
use tokio::process::Command;

use super::BuildOptions;
use super::build::{BuildLog, LONG_REQUEST};
use super::error::ImageError;
use super::progress::{BuildEvent, BuildObserver};
use super::recipe::{DpkgFilter, ImageSpec, RootfsConfig};

/// How many lines of debootstrap's output an error shows.
const TAIL_LINES: usize = 12;

/// Makes `asbuilt/rootfs:<hash>` from the recipe's rootfs.conf.
pub(crate) async fn make_rootfs(
    docker: &Docker,
    spec: &ImageSpec,
    options: &BuildOptions,
    observer: &dyn BuildObserver,
) -> Result<(), ImageError> {
    let reference = spec.reference();
    let mut log = BuildLog::create(options, spec)?;
    let config = RootfsConfig::parse(&recipe_text(spec, "rootfs.conf"))?;
    let filter = DpkgFilter::parse(&recipe_text(spec, "dpkg-excludes"))?;

    let local = format!("debian:{}", config.suite);
    if docker.inspect_image(&local).await.is_ok() {
        log.write(&format!("asbuilt: using the local image {local} as {reference}\n"));
        observer.on_event(BuildEvent::Step { image: spec.name, message: &format!("using local {local}") });
        let tag = TagImageOptionsBuilder::default().repo(&spec.repository()).tag(&spec.hash).build();
        return docker
            .tag_image(&local, Some(tag))
            .await
            .map_err(|e| ImageError::docker("tag image", &local, e));
    }

    let work_root = options.state_dir.join("work");
    std::fs::create_dir_all(&work_root).map_err(|e| ImageError::io("create work folder", &work_root, e))?;
    // Two deploys on a fresh host may both need the rootfs; they must not debootstrap
    // into the same folder. The second waits here, then finds the image made (unless
    // it was asked to make it anew).
    let _lock = lock_file(&work_root.join(format!("rootfs-{}.lock", spec.hash))).await?;
    if !options.force && docker.inspect_image(&reference).await.is_ok() {
        log.write(&format!("asbuilt: {reference} was made meanwhile by another asbuilt\n"));
        return Ok(());
    }

    let work = work_root.join(format!("rootfs-{}", spec.hash));
    // A folder left by an interrupted run would mix two installs.
    remove_work_dir(&work).await?;

    let result = async {
        debootstrap(&config, &work, spec, options, observer, &mut log).await?;
        observer.on_event(BuildEvent::Step {
            image: spec.name,
            message: "removing documentation and apt caches",
        });
        let removed = prune(&work, filter).await?;
        log.write(&format!("asbuilt: removed {removed} files that dpkg-excludes names, and apt's caches\n"));
        observer.on_event(BuildEvent::Step { image: spec.name, message: "importing into docker" });
        import(docker, &work, spec, &mut log).await
    }
    .await;
    // The folder is only a means to the image; remove it whether or not that worked.
    let cleanup = remove_work_dir(&work).await;
    result?;
    cleanup
}

/// Opens and exclusively locks `path`, waiting for another holder; the lock is released
/// when the returned file is dropped (or the process ends).
async fn lock_file(path: &Path) -> Result<std::fs::File, ImageError> {
    let file = std::fs::File::create(path).map_err(|e| ImageError::io("create lock file", path, e))?;
    tokio::task::spawn_blocking(move || file.lock().map(|()| file))
        .await
        .map_err(io::Error::other)
        .and_then(|locked| locked)
        .map_err(|e| ImageError::io("lock", path, e))
}

fn recipe_text(spec: &ImageSpec, path: &str) -> String {
    // The recipe table always lists both files for the rootfs; a test checks it.
    let file = spec.file(path).expect("the rootfs recipe has rootfs.conf and dpkg-excludes");
    String::from_utf8_lossy(file.contents).into_owned()
}

/// Runs debootstrap into `work`, logging its output and reporting its "I:" lines.
async fn debootstrap(
    config: &RootfsConfig,
    work: &Path,
    spec: &ImageSpec,
    options: &BuildOptions,
    observer: &dyn BuildObserver,
    log: &mut BuildLog,
) -> Result<(), ImageError> {
    let mut args = vec![format!("--variant={}", config.variant)];
    if !config.include.is_empty() {
        args.push(format!("--include={}", config.include.join(",")));
    }
    args.push(config.suite.clone());
    args.push(work.display().to_string());
    args.push(options.mirror.clone());
    log.write(&format!("asbuilt: running debootstrap {}\n", args.join(" ")));

    let mut command = Command::new("debootstrap");
    command.args(&args);
    let mut child = command
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .map_err(|source| ImageError::Program {
            program: "debootstrap",
            hint: if source.kind() == io::ErrorKind::NotFound {
                "; install it on the docker host with `apt-get install debootstrap`"
            } else {
                ""
            },
            source,
        })?;

    // Both pipes are read together so neither fills up and blocks debootstrap.
    let mut lines = merged_lines(child.stdout.take(), child.stderr.take());
    let mut tail = VecDeque::with_capacity(TAIL_LINES);
    let mut phase = String::new();
    while let Some(line) = lines.next().await {
        log.write(&line);
        log.write("\n");
        // debootstrap prints a line per package per phase; a person needs the phases.
        if let Some(info) = line.strip_prefix("I: ") {
            let now = debootstrap_phase(info);
            if now != phase {
                phase = now.to_string();
                observer.on_event(BuildEvent::Step {
                    image: spec.name,
                    message: &format!("debootstrap: {info}"),
                });
            }
        }
        if tail.len() == TAIL_LINES {
            tail.pop_front();
        }
        tail.push_back(line);
    }
    let status = child.wait().await.map_err(|source| ImageError::Program {
        program: "debootstrap",
        hint: "",
        source,
    })?;
    if status.success() {
        return Ok(());
    }
    Err(ImageError::Debootstrap {
        image: spec.reference(),
        origin: format!("{} from {}", config.suite, options.mirror),
        reason: format!("debootstrap {status}"),
        tail: tail.into(),
        log: log.path().to_path_buf(),
    })
}

/// The phase of a debootstrap "I:" line: its first word, with the validation of each
/// download counted as part of retrieving it (they alternate package by package).
fn debootstrap_phase(info: &str) -> &str {
    match info.split_whitespace().next().unwrap_or("") {
        "Validating" => "Retrieving",
        word => word,
    }
}

/// The lines of two pipes, in the order they arrive.
fn merged_lines(
    stdout: Option<tokio::process::ChildStdout>,
    stderr: Option<tokio::process::ChildStderr>,
) -> impl Stream<Item = String> {
    fn lines<R: AsyncRead + Unpin + Send + 'static>(reader: Option<R>) -> impl Stream<Item = String> {
        futures_util::stream::unfold(reader.map(|r| BufReader::new(r).lines()), |state| async move {
            let mut lines = state?;
            match lines.next_line().await {
                Ok(Some(line)) => Some((line, Some(lines))),
                _ => None,
            }
        })
    }
    futures_util::stream::select(lines(stdout).boxed(), lines(stderr).boxed())
}

/// Removes from the debootstrapped tree what a lab never needs, and leaves a dpkg
/// configuration so later packages skip the same files. Returns how many files went.
async fn prune(root: &Path, filter: DpkgFilter) -> Result<usize, ImageError> {
    let root = root.to_path_buf();
    tokio::task::spawn_blocking(move || prune_blocking(&root, &filter))
        .await
        .map_err(|e| ImageError::io("prune root file system", "(task)", io::Error::other(e)))?
}

fn prune_blocking(root: &Path, filter: &DpkgFilter) -> Result<usize, ImageError> {
    let mut removed = prune_dir(root, root, filter)?;
    // Package lists and downloaded packages are only needed while installing; every
    // recipe fetches fresh lists from the configured mirror.
    for dir in ["var/cache/apt/archives", "var/lib/apt/lists"] {
        let dir = root.join(dir);
        if dir.is_dir() {
            removed += remove_files_in(&dir)?;
        }
    }
    for file in ["var/cache/apt/pkgcache.bin", "var/cache/apt/srcpkgcache.bin"] {
        let _ = std::fs::remove_file(root.join(file));
    }
    // debootstrap copies the Docker host's name and resolver; Docker sets both in every
    // container, and an image should not carry the host's.
    let write = |path: &str, text: &str| {
        let path = root.join(path);
        std::fs::write(&path, text).map_err(|e| ImageError::io("write", path, e))
    };
    write("etc/hostname", "asbuilt\n")?;
    write("etc/resolv.conf", "")?;
    Ok(removed)
}

fn prune_dir(root: &Path, dir: &Path, filter: &DpkgFilter) -> Result<usize, ImageError> {
    let mut removed = 0;
    let entries = std::fs::read_dir(dir).map_err(|e| ImageError::io("read folder", dir, e))?;
    for entry in entries {
        let entry = entry.map_err(|e| ImageError::io("read folder", dir, e))?;
        let path = entry.path();
        let kind = entry.file_type().map_err(|e| ImageError::io("inspect", &path, e))?;
        if kind.is_dir() {
            removed += prune_dir(root, &path, filter)?;
            continue;
        }
        // dpkg matches the path as installed, e.g. /usr/share/man/man1/ls.1.gz.
        let installed = Path::new("/").join(path.strip_prefix(root).unwrap_or(&path));
        if filter.excludes(&installed.to_string_lossy()) {
            std::fs::remove_file(&path).map_err(|e| ImageError::io("remove", &path, e))?;
            removed += 1;
        }
    }
    Ok(removed)
}

fn remove_files_in(dir: &Path) -> Result<usize, ImageError> {
    let mut removed = 0;
    let entries = std::fs::read_dir(dir).map_err(|e| ImageError::io("read folder", dir, e))?;
    for entry in entries {
        let entry = entry.map_err(|e| ImageError::io("read folder", dir, e))?;
        let path = entry.path();
        // apt's "partial" download folders stay; apt expects them.
        if entry.file_type().map(|kind| kind.is_file() || kind.is_symlink()).unwrap_or(false) {
            std::fs::remove_file(&path).map_err(|e| ImageError::io("remove", &path, e))?;
            removed += 1;
        }
    }
    Ok(removed)
}

/// Streams the tree as a tar into Docker's import API. GNU tar on the host writes it:
/// it keeps hard links, device files, owners and extended attributes exactly.
async fn import(
    docker: &Docker,
    root: &Path,
    spec: &ImageSpec,
    log: &mut BuildLog,
) -> Result<(), ImageError> {
    let reference = spec.reference();
    let mut tar = Command::new("tar")
        .args(["--numeric-owner", "--xattrs", "--xattrs-include=*", "-C"])
        .arg(root)
        .args(["-c", "."])
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .map_err(|source| ImageError::Program { program: "tar", hint: "", source })?;
    let stdout = tar.stdout.take().expect("tar's stdout is piped");
    let mut stderr = tar.stderr.take().expect("tar's stderr is piped");

    let options = CreateImageOptionsBuilder::default()
        .from_src("-")
        .repo(&spec.repository())
        .tag(&spec.hash)
        .changes(vec![
            "LABEL org.asbuilt.image=rootfs".to_string(),
            format!("LABEL org.asbuilt.recipe-hash={}", spec.hash),
        ])
        .build();
    let docker = docker.clone().with_timeout(LONG_REQUEST);
    let body = bollard::body_try_stream(byte_stream(stdout));
    let mut progress = docker.create_image(Some(options), Some(body), None);
    let mut failure = None;
    while let Some(item) = progress.next().await {
        match item {
            Ok(info) => {
                if let Some(status) = info.status {
                    log.write(&format!("docker import: {status}\n"));
                }
            }
            Err(error) => {
                failure = Some(format!("docker engine: {error}"));
                break;
            }
        }
    }

    let mut tar_errors = String::new();
    let _ = stderr.read_to_string(&mut tar_errors).await;
    log.write(&tar_errors);
    let status =
        tar.wait().await.map_err(|source| ImageError::Program { program: "tar", hint: "", source })?;
    if failure.is_none() && !status.success() {
        failure = Some(format!("tar {status}: {}", tar_errors.trim()));
    }
    if let Some(reason) = failure {
        // A truncated tar may still have been imported; a rootfs missing files must not
        // stand under the tag that says it is complete.
        let remove = RemoveImageOptionsBuilder::default().force(true).build();
        let _ = docker.remove_image(&reference, Some(remove), None).await;
        log.write(&format!("asbuilt: import failed: {reason}\n"));
        return Err(ImageError::Import { image: reference, reason, log: log.path().to_path_buf() });
    }
    log.write(&format!("asbuilt: imported {reference}\n"));
    Ok(())
}

/// The bytes a reader yields, as a stream of chunks.
fn byte_stream<R: AsyncRead + Unpin + Send + 'static>(
    reader: R,
) -> impl Stream<Item = io::Result<Bytes>> + Send {
    futures_util::stream::unfold(Some(reader), |state| async move {
        let mut reader = state?;
        let mut buffer = vec![0u8; 256 * 1024];
        match reader.read(&mut buffer).await {
            Ok(0) => None,
            Ok(n) => {
                buffer.truncate(n);
                Some((Ok(Bytes::from(buffer)), Some(reader)))
            }
            Err(error) => Some((Err(error), None)),
        }
    })
}

/// Removes a work folder, first unmounting anything debootstrap left mounted in it (an
/// interrupted debootstrap can leave /proc or /sys of the new system mounted, and
/// removing files through those mounts must never happen).
async fn remove_work_dir(work: &Path) -> Result<(), ImageError> {
    if !work.exists() {
        return Ok(());
    }
    for mount in mounts_under(work)? {
        let _ = Command::new("umount").arg("--lazy").arg(&mount).status().await;
    }
    let left = mounts_under(work)?;
    if let Some(mount) = left.first() {
        return Err(ImageError::io(
            "remove work folder",
            work,
            io::Error::other(format!("{} is still mounted", mount.display())),
        ));
    }
    let owned = work.to_path_buf();
    tokio::task::spawn_blocking(move || std::fs::remove_dir_all(&owned))
        .await
        .map_err(io::Error::other)
        .and_then(|result| result)
        .map_err(|e| ImageError::io("remove work folder", work, e))
}

/// Mount points at or under `dir`, deepest first.
fn mounts_under(dir: &Path) -> Result<Vec<PathBuf>, ImageError> {
    let table = std::fs::read_to_string("/proc/self/mountinfo")
        .map_err(|e| ImageError::io("read", "/proc/self/mountinfo", e))?;
    let mut mounts: Vec<PathBuf> =
        parse_mount_points(&table).into_iter().filter(|mount| mount.starts_with(dir)).collect();
    mounts.sort_by_key(|mount| std::cmp::Reverse(mount.components().count()));
    Ok(mounts)
}

/// The mount points in /proc/self/mountinfo (field 5, with octal escapes for spaces).
fn parse_mount_points(mountinfo: &str) -> Vec<PathBuf> {
    mountinfo
        .lines()
        .filter_map(|line| line.split(' ').nth(4))
        .map(|escaped| PathBuf::from(unescape_octal(escaped)))
        .collect()
}

fn unescape_octal(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'\\'
            && i + 3 < bytes.len()
            && bytes[i + 1..i + 4].iter().all(|b| (b'0'..=b'7').contains(b))
        {
            let value = (bytes[i + 1] - b'0') * 64 + (bytes[i + 2] - b'0') * 8 + (bytes[i + 3] - b'0');
            out.push(value);
            i += 4;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debootstrap_progress_is_reported_by_phase() {
        assert_eq!(debootstrap_phase("Retrieving libc6 2.36-9"), "Retrieving");
        assert_eq!(debootstrap_phase("Validating libc6 2.36-9"), "Retrieving");
        assert_eq!(debootstrap_phase("Extracting bash..."), "Extracting");
        assert_eq!(debootstrap_phase(""), "");
    }

    #[test]
    fn mount_points_are_read_from_mountinfo_with_escapes() {
        let table = "36 35 98:0 / /mnt/a\\040b rw,noatime master:1 - ext3 /dev/root rw\n\
                     37 36 0:5 / /var/lib/asbuilt/work/rootfs-1/proc rw - proc proc rw\n";
        assert_eq!(
            parse_mount_points(table),
            vec![PathBuf::from("/mnt/a b"), PathBuf::from("/var/lib/asbuilt/work/rootfs-1/proc")]
        );
    }

    #[test]
    fn pruning_removes_what_dpkg_would_not_install_and_keeps_the_rest() {
        let root = std::env::temp_dir().join(format!("asbuilt-prune-test-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&root);
        let files = [
            "usr/share/man/man1/ls.1.gz",
            "usr/share/doc/bash/README",
            "usr/share/doc/bash/copyright",
            "usr/share/locale/nl/LC_MESSAGES/bash.mo",
            "usr/share/locale/locale.alias",
            "usr/bin/ls",
            "var/cache/apt/archives/bash_5.2_amd64.deb",
            "var/lib/apt/lists/deb.debian.org_debian_dists_bookworm_InRelease",
            "etc/hostname",
        ];
        for file in files {
            let path = root.join(file);
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(&path, "x").unwrap();
        }
        std::fs::create_dir_all(root.join("var/lib/apt/lists/partial")).unwrap();
        let filter = DpkgFilter::parse(
            "path-exclude=/usr/share/doc/*\npath-include=/usr/share/doc/*/copyright\n\
             path-exclude=/usr/share/man/*\npath-exclude=/usr/share/locale/*\n\
             path-include=/usr/share/locale/locale.alias\n",
        )
        .unwrap();

        let removed = prune_blocking(&root, &filter).unwrap();
        let exists = |file: &str| root.join(file).exists();
        assert_eq!(removed, 5);
        assert!(!exists("usr/share/man/man1/ls.1.gz"));
        assert!(!exists("usr/share/doc/bash/README"));
        assert!(exists("usr/share/doc/bash/copyright"));
        assert!(!exists("usr/share/locale/nl/LC_MESSAGES/bash.mo"));
        assert!(exists("usr/share/locale/locale.alias"));
        assert!(exists("usr/bin/ls"));
        assert!(!exists("var/cache/apt/archives/bash_5.2_amd64.deb"));
        assert!(exists("var/lib/apt/lists/partial"), "apt expects its partial folder");
        assert_eq!(std::fs::read_to_string(root.join("etc/hostname")).unwrap(), "asbuilt\n");
        std::fs::remove_dir_all(&root).unwrap();
    }
}
