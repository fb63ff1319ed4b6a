//! How a lab node is confined, decided once for every engine.
//!
//! A node is where a student is root, and a topology file may come from anywhere, so
//! what a node may do is decided here and in `kind.rs`, never by an engine on its own:
//! the capabilities of its kind, asbuilt's seccomp profile, a private cgroup namespace,
//! a read-only root file system with the node's own size-limited disk for everything
//! it writes, and bounds on memory, processes and CPU. See docs/security.md.

pub mod seccomp;

/// Folders a node writes into. They live on the node's own disk, a file system of the
/// size its limits give, filled from the image when the node first starts. The rest of
/// the root file system is read-only, so a node can fill nothing but its own disk, and
/// what a student saved survives a restart of the node.
pub const WRITABLE_DIRS: &[&str] = &["/etc", "/var", "/root", "/home", "/srv", "/opt", "/tmp"];

/// What the fabric writes: its record of the instance, and scratch files.
pub const FABRIC_WRITABLE_DIRS: &[&str] = &["/var", "/tmp"];

/// Pid files and sockets, in memory (counted against the node's memory) and empty at
/// every start, as on any Linux system: (folder, MiB).
pub const RUN_DIR: (&str, u64) = ("/run", 16);

/// Shared memory (`/dev/shm`), MiB; also counted against the node's memory.
pub const SHM_MIB: u64 = 16;

/// Open files per process. Routing daemons and nginx need a few hundred; the bound
/// keeps kernel memory for open files in proportion.
pub const OPEN_FILES: u64 = 8192;

/// The engine's log of a container's own output, MiB. Nodes log to files on their own
/// disk; this is only what their first process prints, and it must not grow without end.
pub const LOG_MIB: u64 = 1;

/// Files an engine would otherwise fill from the host (its name servers, its hosts
/// file). Every node gets its own, writable and on its own disk, so nothing of the host
/// shows in a lab and a student can edit them like on any computer.
pub fn own_files(hostname: &str) -> Vec<(&'static str, String)> {
    vec![
        ("/etc/hostname", format!("{hostname}\n")),
        (
            "/etc/hosts",
            format!(
                "127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost ip6-loopback\n127.0.1.1\t{hostname}\n"
            ),
        ),
        // No name server unless the design or a DHCP lease gives one.
        ("/etc/resolv.conf", String::new()),
    ]
}
