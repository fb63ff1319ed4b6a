//! Entering a node's network namespace from the host, or working in the one asbuilt
//! is in already (the probe agent, started inside a node).
//!
//! `setns` changes the namespace of the calling thread only, so the work runs on a
//! fresh thread that is thrown away afterwards: no pooled thread ever carries a lab's
//! namespace into unrelated work. A socket belongs to the namespace it was created in
//! for its whole life, so a probe creates its sockets there and uses them from any
//! thread (and from tokio) afterwards.

use std::fs::File;
use std::io;
use std::os::fd::AsRawFd;
use std::path::PathBuf;

/// Why work in a namespace could not be done.
#[derive(Debug, thiserror::Error)]
pub enum NetnsError {
    /// The namespace file could not be opened (the node is gone, or no permission).
    #[error("failed to open network namespace {path}: {source}")]
    Open { path: PathBuf, source: io::Error },
    /// `setns` refused (asbuilt needs CAP_SYS_ADMIN for it).
    #[error("failed to enter network namespace {path}: {source}")]
    Enter { path: PathBuf, source: io::Error },
    /// The thread doing the work could not be started or died.
    #[error("failed to run a thread in network namespace {path}")]
    Thread { path: PathBuf },
    /// The work itself failed.
    #[error("{0}")]
    Work(#[from] io::Error),
}

/// Where a probe's sockets and netlink reads are made.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Namespace {
    /// A node's namespace as a file on this host (`/proc/<pid>/ns/net`), entered for
    /// the work.
    File(PathBuf),
    /// The namespace this process is in: the probe agent's, which runs in the node.
    /// Entering it would need `CAP_SYS_ADMIN`, which a node's kind may not have.
    Current,
}

impl Namespace {
    fn shown(&self) -> PathBuf {
        match self {
            Namespace::File(path) => path.clone(),
            Namespace::Current => PathBuf::from("/proc/self/ns/net"),
        }
    }
}

/// Runs `work` inside the network namespace `ns` and returns its result.
pub async fn run_in<T, F>(ns: &Namespace, work: F) -> Result<T, NetnsError>
where
    T: Send + 'static,
    F: FnOnce() -> io::Result<T> + Send + 'static,
{
    let file = match ns {
        Namespace::File(path) => {
            Some(File::open(path).map_err(|source| NetnsError::Open { path: path.clone(), source })?)
        }
        Namespace::Current => None,
    };
    let (tx, rx) = tokio::sync::oneshot::channel();
    let owned = ns.shown();
    let spawned = std::thread::Builder::new().name("asbuilt-netns".into()).spawn(move || {
        // SAFETY: setns with a valid namespace fd affects only this thread, which
        // ends when `work` returns.
        let entered = file.map_or(0, |f| unsafe { libc::setns(f.as_raw_fd(), libc::CLONE_NEWNET) });
        let result = if entered != 0 {
            Err(NetnsError::Enter { path: owned, source: io::Error::last_os_error() })
        } else {
            work().map_err(NetnsError::Work)
        };
        let _ = tx.send(result);
    });
    if spawned.is_err() {
        return Err(NetnsError::Thread { path: ns.shown() });
    }
    rx.await.map_err(|_| NetnsError::Thread { path: ns.shown() })?
}

/// Hands a socket made in a namespace to tokio, for sockets tokio has no type for (raw
/// ones).
pub fn register(socket: socket2::Socket) -> io::Result<tokio::io::unix::AsyncFd<socket2::Socket>> {
    // SAFETY: the socket owns its descriptor and is moved into the AsyncFd, so the
    // descriptor stays open for exactly as long as it is registered.
    unsafe { tokio::io::unix::AsyncFd::register(socket) }.map_err(|e| e.into_parts().1)
}
