//! Node kinds and what each one is allowed to do.
//!
//! The kind decides the image a node runs and the Linux capabilities it gets. Engines
//! and image smoke tests read the capabilities from here so that a node never gets more
//! privilege than its kind needs, and every place agrees on what that is.

use serde::{Deserialize, Serialize};

/// What a node is. `Custom` nodes run an image the teacher names; asbuilt does not build it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum NodeKind {
    /// An FRR router.
    Router,
    /// An nftables firewall that also routes with FRR.
    Firewall,
    /// A server offering http (nginx), dns and dhcp (dnsmasq) and ssh (openssh).
    Server,
    /// A client computer with the usual network tools.
    Host,
    /// A Linux bridge with VLAN filtering.
    Switch,
    /// Any image the engine already has.
    Custom,
}

impl NodeKind {
    /// Every kind, in the order they are documented.
    pub const ALL: [NodeKind; 6] = [
        NodeKind::Router,
        NodeKind::Firewall,
        NodeKind::Server,
        NodeKind::Host,
        NodeKind::Switch,
        NodeKind::Custom,
    ];

    /// The name used in topology files.
    pub fn name(self) -> &'static str {
        match self {
            NodeKind::Router => "router",
            NodeKind::Firewall => "firewall",
            NodeKind::Server => "server",
            NodeKind::Host => "host",
            NodeKind::Switch => "switch",
            NodeKind::Custom => "custom",
        }
    }

    /// The asbuilt image recipe this kind runs, or `None` for custom images.
    pub fn builtin_image(self) -> Option<&'static str> {
        match self {
            NodeKind::Custom => None,
            other => Some(other.name()),
        }
    }

    /// Whether nodes of this kind forward packets between their interfaces.
    pub fn routes(self) -> bool {
        matches!(self, NodeKind::Router | NodeKind::Firewall)
    }

    /// The Linux capabilities a node of this kind has: exactly these, nothing of an
    /// engine's default set. See docs/security.md for why each is there.
    ///
    /// Every kind manages its own files and processes as root does, and drops to the
    /// users its daemons run as ([`BASE_CAPABILITIES`]); every kind configures its
    /// interfaces and sends ping and captures (`NET_ADMIN`, `NET_RAW`). Beyond that:
    /// FRR's zebra refuses to start without `SYS_ADMIN` (what that would allow is taken
    /// away again by asbuilt's seccomp profile), and sshd on servers locks its
    /// pre-login process into an empty folder (`SYS_CHROOT`) and records logins
    /// (`AUDIT_WRITE`). A custom image gets what a host gets.
    pub fn capabilities(self) -> Vec<&'static str> {
        let extra: &[&str] = match self {
            NodeKind::Router | NodeKind::Firewall => &["NET_ADMIN", "NET_RAW", "SYS_ADMIN"],
            NodeKind::Server => &["NET_ADMIN", "NET_RAW", SSH_CAPABILITIES[0], SSH_CAPABILITIES[1]],
            NodeKind::Host | NodeKind::Switch | NodeKind::Custom => &["NET_ADMIN", "NET_RAW"],
        };
        BASE_CAPABILITIES.iter().chain(extra).copied().collect()
    }

    /// Whether programs may gain privileges when run (set-uid bits). Only servers keep
    /// that, for `su` and `passwd` of the lab's SSH users.
    pub fn no_new_privileges(self) -> bool {
        self != NodeKind::Server
    }

    /// Resource limits a node of this kind gets unless the topology says otherwise.
    pub fn default_limits(self) -> Limits {
        match self {
            NodeKind::Router | NodeKind::Firewall => Limits::new(256, 1.0, 512, 256),
            NodeKind::Server => Limits::new(256, 1.0, 512, 512),
            NodeKind::Host => Limits::new(128, 0.5, 256, 256),
            NodeKind::Switch => Limits::new(64, 0.5, 128, 128),
            NodeKind::Custom => Limits::new(256, 1.0, 512, 256),
        }
    }
}

impl std::fmt::Display for NodeKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

/// Per-node resource limits.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Limits {
    /// Memory limit in MiB.
    pub memory_mib: u64,
    /// CPU share, in cores (0.5 is half a core).
    pub cpus: f64,
    /// Maximum number of processes and threads.
    pub pids: i64,
    /// Size of the node's own disk, in MiB: everything the node writes lands there.
    pub disk_mib: u64,
}

impl Limits {
    pub const fn new(memory_mib: u64, cpus: f64, pids: i64, disk_mib: u64) -> Limits {
        Limits { memory_mib, cpus, pids, disk_mib }
    }
}

/// The most a topology may ask for, per node and per lab. A school server runs many
/// labs at once, and a topology file may come from anywhere: these bounds keep one file
/// from taking the whole server. They are far above what any teaching lab needs.
pub mod bounds {
    /// Memory per node, MiB.
    pub const MEMORY_MIB: std::ops::RangeInclusive<u64> = 16..=4096;
    /// CPU cores per node.
    pub const CPUS: std::ops::RangeInclusive<f64> = 0.05..=4.0;
    /// Processes and threads per node.
    pub const PIDS: std::ops::RangeInclusive<i64> = 16..=4096;
    /// Disk per node, MiB.
    pub const DISK_MIB: std::ops::RangeInclusive<u64> = 32..=8192;
    /// Nodes per lab.
    pub const NODES: usize = 100;
    /// Cables and segments per lab.
    pub const SEGMENTS: usize = 400;
    /// Interfaces per node.
    pub const INTERFACES: usize = 64;
}

/// What root in any node may do to the node's own files and processes: change owners
/// and modes, read and write files of the daemons' users, signal their processes, switch
/// to those users, and bind the low ports services listen on.
pub const BASE_CAPABILITIES: &[&str] =
    &["CHOWN", "DAC_OVERRIDE", "FOWNER", "KILL", "SETGID", "SETUID", "NET_BIND_SERVICE"];

/// What sshd needs beyond the base: a server always has these; a node of another kind
/// gets them only where its design gives it an SSH server or names ssh in its boot.
pub const SSH_CAPABILITIES: [&str; 2] = ["SYS_CHROOT", "AUDIT_WRITE"];

/// Capabilities of a lab's fabric: it creates bridges and veths, relays impaired cables
/// (`NET_RAW`), and captures traffic for evidence with tcpdump, which drops to its own
/// unprivileged user before it reads a packet (`SETUID`, `SETGID`). Stopping such a
/// capture takes `KILL`: without it the fabric's root may not signal a process of
/// another user, and a capture ended by `timeout` runs on forever.
pub const FABRIC_CAPABILITIES: &[&str] = &["NET_ADMIN", "NET_RAW", "SETUID", "SETGID", "KILL"];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_kinds_that_run_frr_get_sys_admin() {
        for kind in NodeKind::ALL {
            let has = kind.capabilities().contains(&"SYS_ADMIN");
            assert_eq!(has, kind.routes(), "{kind}");
        }
    }

    #[test]
    fn no_kind_gets_the_capabilities_that_reach_past_its_node() {
        for kind in NodeKind::ALL {
            for cap in
                ["SYS_MODULE", "SYS_RAWIO", "SYS_PTRACE", "SYS_TIME", "DAC_READ_SEARCH", "MKNOD", "SYS_BOOT"]
            {
                assert!(!kind.capabilities().contains(&cap), "{kind} has {cap}");
            }
        }
    }

    #[test]
    fn every_kinds_defaults_are_within_the_bounds() {
        for kind in NodeKind::ALL {
            let d = kind.default_limits();
            assert!(bounds::MEMORY_MIB.contains(&d.memory_mib), "{kind}");
            assert!(bounds::CPUS.contains(&d.cpus), "{kind}");
            assert!(bounds::PIDS.contains(&d.pids), "{kind}");
            assert!(bounds::DISK_MIB.contains(&d.disk_mib), "{kind}");
        }
    }

    #[test]
    fn a_custom_image_gets_what_a_host_gets() {
        assert_eq!(NodeKind::Custom.capabilities(), NodeKind::Host.capabilities());
    }

    #[test]
    fn custom_nodes_have_no_builtin_image() {
        assert_eq!(NodeKind::Custom.builtin_image(), None);
        assert_eq!(NodeKind::Router.builtin_image(), Some("router"));
    }
}
