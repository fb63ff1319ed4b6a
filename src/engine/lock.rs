//! One lock per instance, across processes: the CLI and the service may both act on a
//! lab, and two deploys, a deploy and a destroy, or two cable changes of one instance
//! must never interleave (a cable change reads, changes and writes the record).
//!
//! An exclusive `flock` on a file per instance; the kernel releases it when the holder
//! ends, however it ends, so a crash never leaves an instance locked.

use std::fs::File;
use std::os::fd::AsRawFd;
use std::path::PathBuf;

use super::EngineError;

/// Where lock files live unless `ASBUILT_LOCKS` says otherwise.
const DEFAULT_DIR: &str = "/var/lib/asbuilt/locks";

/// The lock files of this host.
#[derive(Debug, Clone)]
pub struct Locks {
    dir: PathBuf,
}

/// A held lock; dropping it releases it.
#[derive(Debug)]
pub struct InstanceLock {
    _file: File,
}

impl Locks {
    pub fn from_env() -> Locks {
        let dir = std::env::var_os("ASBUILT_LOCKS").map(PathBuf::from).unwrap_or_else(|| DEFAULT_DIR.into());
        Locks { dir }
    }

    /// Waits until this process holds the lock of `instance`.
    pub async fn lock(&self, instance: &str) -> Result<InstanceLock, EngineError> {
        let path = self.dir.join(format!("{instance}.lock"));
        let dir = self.dir.clone();
        let doing = format!("lock instance {instance}");
        tokio::task::spawn_blocking(move || {
            std::fs::create_dir_all(&dir)?;
            let file = File::options().create(true).truncate(false).write(true).open(&path)?;
            // SAFETY: flock on a descriptor this function owns; blocks until granted.
            if unsafe { libc::flock(file.as_raw_fd(), libc::LOCK_EX) } != 0 {
                return Err(std::io::Error::last_os_error());
            }
            Ok(InstanceLock { _file: file })
        })
        .await
        .map_err(|e| EngineError::Io { doing: doing.clone(), source: std::io::Error::other(e) })?
        .map_err(|source| EngineError::Io { doing, source })
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;

    #[tokio::test]
    async fn a_second_holder_waits_until_the_first_lets_go() {
        let dir = tempfile::tempdir().unwrap();
        let locks = Locks { dir: dir.path().to_path_buf() };
        let first = locks.lock("lab-a").await.unwrap();
        let waiting = tokio::spawn({
            let locks = locks.clone();
            async move { locks.lock("lab-a").await.unwrap() }
        });
        tokio::time::sleep(Duration::from_millis(100)).await;
        assert!(!waiting.is_finished(), "the second waits");
        // Another instance is not held up.
        let _other =
            tokio::time::timeout(Duration::from_secs(1), locks.lock("lab-b")).await.unwrap().unwrap();
        drop(first);
        tokio::time::timeout(Duration::from_secs(2), waiting).await.expect("granted once released").unwrap();
    }
}
