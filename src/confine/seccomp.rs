//! asbuilt's own seccomp profile: the system calls a lab node may make.
//!
//! Students are root in their nodes, and routers keep `CAP_SYS_ADMIN` because FRR's
//! zebra refuses to start without it. Without AppArmor or SELinux on the host, that
//! capability alone lets a process mount a cgroup hierarchy and become root on the host.
//! This profile is what holds then: it is an allow-list (anything not named here fails
//! with `EPERM`), and it leaves out, for every kind alike, the calls no lab needs
//! whatever capabilities the kind keeps: mounting, new namespaces, kernel modules,
//! kexec, BPF, perf, keyrings, swap, reboot, the kernel log, and reaching into other
//! processes' memory.
//!
//! The profile is in the JSON format Docker takes in `HostConfig.SecurityOpt`
//! (`seccomp=<profile>`), which is also what a Kubernetes node's local profile holds.
//! It is built here, from lists written for asbuilt, so it is the same on every host.

use serde_json::{Value, json};

/// `EPERM`: what a denied call returns, as for a process without the capability.
const EPERM: u32 = 1;
/// `ENOSYS`: what `clone3` returns, so the C library falls back to `clone`, whose flags
/// the filter can see (`clone3` passes them in memory, out of the filter's reach).
const ENOSYS: u32 = 38;

/// The flags that make a new namespace (`CLONE_NEWNS`, `NEWCGROUP`, `NEWUTS`, `NEWIPC`,
/// `NEWUSER`, `NEWPID`, `NEWNET`, and `NEWTIME`). `clone` and `unshare` are allowed only
/// without them: a new user namespace would hand a student every capability again
/// inside it, and a new mount namespace is where mounting starts.
pub const NAMESPACE_FLAGS: u64 = 0x0000_0080 // CLONE_NEWTIME
    | 0x0002_0000 // CLONE_NEWNS
    | 0x0200_0000 // CLONE_NEWCGROUP
    | 0x0400_0000 // CLONE_NEWUTS
    | 0x0800_0000 // CLONE_NEWIPC
    | 0x1000_0000 // CLONE_NEWUSER
    | 0x2000_0000 // CLONE_NEWPID
    | 0x4000_0000; // CLONE_NEWNET

/// Socket families a node may open: local sockets, IPv4, IPv6, netlink (how `ip`, FRR
/// and nftables talk to the kernel) and packet sockets (tcpdump, DHCP). Not `AF_VSOCK`,
/// which is not bound to a network namespace and reaches the virtual machine's host.
const SOCKET_FAMILIES: [u64; 5] = [
    1,  // AF_UNIX
    2,  // AF_INET
    10, // AF_INET6
    16, // AF_NETLINK
    17, // AF_PACKET
];

/// `personality` values programs use: the default, and the ones `setarch` and older
/// binaries ask for. Others (such as turning address randomisation off) are refused.
const PERSONALITIES: [u64; 5] = [0x0, 0x8, 0x20000, 0x20008, 0xffff_ffff];

/// Files, folders and descriptors.
const FILES: &[&str] = &[
    "access",
    "chdir",
    "chmod",
    "chown",
    "close",
    "close_range",
    "copy_file_range",
    "creat",
    "dup",
    "dup2",
    "dup3",
    "faccessat",
    "faccessat2",
    "fadvise64",
    "fallocate",
    "fchdir",
    "fchmod",
    "fchmodat",
    "fchmodat2",
    "fchown",
    "fchownat",
    "fcntl",
    "fdatasync",
    "fgetxattr",
    "flistxattr",
    "flock",
    "fremovexattr",
    "fsetxattr",
    "fstat",
    "fstatfs",
    "fsync",
    "ftruncate",
    "futimesat",
    "getcwd",
    "getdents",
    "getdents64",
    "getxattr",
    "inotify_add_watch",
    "inotify_init",
    "inotify_init1",
    "inotify_rm_watch",
    "ioctl",
    "lchown",
    "lgetxattr",
    "link",
    "linkat",
    "listxattr",
    "llistxattr",
    "lremovexattr",
    "lseek",
    "lsetxattr",
    "lstat",
    "mkdir",
    "mkdirat",
    "mknod",
    "mknodat",
    "newfstatat",
    "open",
    "openat",
    "openat2",
    "pipe",
    "pipe2",
    "pread64",
    "preadv",
    "preadv2",
    "pwrite64",
    "pwritev",
    "pwritev2",
    "read",
    "readahead",
    "readlink",
    "readlinkat",
    "readv",
    "removexattr",
    "rename",
    "renameat",
    "renameat2",
    "rmdir",
    "sendfile",
    "setxattr",
    "splice",
    "stat",
    "statfs",
    "statx",
    "symlink",
    "symlinkat",
    "sync",
    "sync_file_range",
    "syncfs",
    "tee",
    "truncate",
    "umask",
    "unlink",
    "unlinkat",
    "ustat",
    "utime",
    "utimensat",
    "utimes",
    "vmsplice",
    "write",
    "writev",
    "cachestat",
    // chroot needs CAP_SYS_CHROOT, which only servers have (sshd's privilege separation).
    "chroot",
];

/// Waiting for descriptors, and the descriptors made for waiting.
const EVENTS: &[&str] = &[
    "epoll_create",
    "epoll_create1",
    "epoll_ctl",
    "epoll_pwait",
    "epoll_pwait2",
    "epoll_wait",
    "eventfd",
    "eventfd2",
    "poll",
    "ppoll",
    "pselect6",
    "select",
    "signalfd",
    "signalfd4",
    "timerfd_create",
    "timerfd_gettime",
    "timerfd_settime",
    "io_cancel",
    "io_destroy",
    "io_getevents",
    "io_pgetevents",
    "io_setup",
    "io_submit",
];

/// Memory of the calling process.
const MEMORY: &[&str] = &[
    "brk",
    "get_mempolicy",
    "madvise",
    "map_shadow_stack",
    "mbind",
    "membarrier",
    "memfd_create",
    "mincore",
    "mlock",
    "mlock2",
    "mlockall",
    "mmap",
    "mprotect",
    "mremap",
    "mseal",
    "msync",
    "munlock",
    "munlockall",
    "munmap",
    "pkey_alloc",
    "pkey_free",
    "pkey_mprotect",
    "remap_file_pages",
    "set_mempolicy",
];

/// Processes, threads, identities and scheduling inside the node.
const PROCESSES: &[&str] = &[
    "arch_prctl",
    "capget",
    "capset",
    "execve",
    "execveat",
    "exit",
    "exit_group",
    "fork",
    "futex",
    "futex_requeue",
    "futex_wait",
    "futex_waitv",
    "futex_wake",
    "get_robust_list",
    "get_thread_area",
    "getcpu",
    "getegid",
    "geteuid",
    "getgid",
    "getgroups",
    "getpgid",
    "getpgrp",
    "getpid",
    "getppid",
    "getpriority",
    "getresgid",
    "getresuid",
    "getrlimit",
    "getrusage",
    "getsid",
    "gettid",
    "getuid",
    "ioprio_get",
    "ioprio_set",
    "kill",
    "landlock_add_rule",
    "landlock_create_ruleset",
    "landlock_restrict_self",
    "pidfd_open",
    "pidfd_send_signal",
    "prctl",
    "prlimit64",
    "rseq",
    "sched_get_priority_max",
    "sched_get_priority_min",
    "sched_getaffinity",
    "sched_getattr",
    "sched_getparam",
    "sched_getscheduler",
    "sched_rr_get_interval",
    "sched_setaffinity",
    "sched_setattr",
    "sched_setparam",
    "sched_setscheduler",
    "sched_yield",
    "seccomp",
    "set_robust_list",
    "set_thread_area",
    "set_tid_address",
    "setfsgid",
    "setfsuid",
    "setgid",
    "setgroups",
    "setpgid",
    "setpriority",
    "setregid",
    "setresgid",
    "setresuid",
    "setreuid",
    "setrlimit",
    "setsid",
    "setuid",
    "sysinfo",
    "sysfs",
    "tgkill",
    "times",
    "tkill",
    "uname",
    "vfork",
    "wait4",
    "waitid",
];

/// Signals and time.
const SIGNALS_AND_TIME: &[&str] = &[
    "alarm",
    "clock_getres",
    "clock_gettime",
    "clock_nanosleep",
    "getitimer",
    "gettimeofday",
    "nanosleep",
    "pause",
    "restart_syscall",
    "rt_sigaction",
    "rt_sigpending",
    "rt_sigprocmask",
    "rt_sigqueueinfo",
    "rt_sigreturn",
    "rt_sigsuspend",
    "rt_sigtimedwait",
    "rt_tgsigqueueinfo",
    "setitimer",
    "sigaltstack",
    "time",
    "timer_create",
    "timer_delete",
    "timer_getoverrun",
    "timer_gettime",
    "timer_settime",
    // The kernel refuses any change without CAP_SYS_TIME, which no node has; reading the
    // clock's state is harmless.
    "adjtimex",
    "clock_adjtime",
];

/// Sockets (their family is checked in `socket` itself) and System V / POSIX IPC, which
/// the node's own IPC namespace keeps to the node.
const NETWORK_AND_IPC: &[&str] = &[
    "accept",
    "accept4",
    "bind",
    "connect",
    "getpeername",
    "getsockname",
    "getsockopt",
    "listen",
    "recvfrom",
    "recvmmsg",
    "recvmsg",
    "sendmmsg",
    "sendmsg",
    "sendto",
    "setsockopt",
    "shutdown",
    "socketpair",
    "msgctl",
    "msgget",
    "msgrcv",
    "msgsnd",
    "mq_getsetattr",
    "mq_notify",
    "mq_open",
    "mq_timedreceive",
    "mq_timedsend",
    "mq_unlink",
    "semctl",
    "semget",
    "semop",
    "semtimedop",
    "shmat",
    "shmctl",
    "shmdt",
    "shmget",
    "getrandom",
];

/// Calls that would work for a process with the right capability (routers keep
/// `CAP_SYS_ADMIN`) and that no lab needs. They are not in the allow-list, so they fail
/// anyway; naming them documents the intent and lets tests hold the profile to it.
pub const DENIED: &[&str] = &[
    // Mounting: the cgroup `release_agent` escape, remounting /proc/sys, new /proc.
    "mount",
    "umount",
    "umount2",
    "move_mount",
    "open_tree",
    "fsopen",
    "fsconfig",
    "fsmount",
    "fspick",
    "mount_setattr",
    "pivot_root",
    // Entering other namespaces (FRR runs without it in the default VRF backend).
    "setns",
    // File handles bypass path permissions ("shocker").
    "open_by_handle_at",
    "name_to_handle_at",
    // The kernel itself.
    "kexec_load",
    "kexec_file_load",
    "init_module",
    "finit_module",
    "delete_module",
    "create_module",
    "bpf",
    "perf_event_open",
    "userfaultfd",
    "iopl",
    "ioperm",
    "modify_ldt",
    "uselib",
    "_sysctl",
    "lookup_dcookie",
    "quotactl",
    "quotactl_fd",
    "acct",
    "swapon",
    "swapoff",
    "reboot",
    "syslog",
    "sethostname",
    "setdomainname",
    "vhangup",
    "settimeofday",
    "clock_settime",
    "fanotify_init",
    "fanotify_mark",
    "io_uring_setup",
    "io_uring_enter",
    "io_uring_register",
    "memfd_secret",
    // Keyrings are not namespaced.
    "keyctl",
    "add_key",
    "request_key",
    // Other processes' memory and descriptors.
    "ptrace",
    "process_vm_readv",
    "process_vm_writev",
    "kcmp",
    "pidfd_getfd",
    "process_madvise",
    "process_mrelease",
    "migrate_pages",
    "move_pages",
];

/// The profile for the machine asbuilt runs on.
pub fn profile() -> Value {
    profile_for(std::env::consts::ARCH)
}

/// The profile for an architecture (as Rust names it: `x86_64`, `aarch64`).
///
/// Only the native 64-bit system call table is allowed: a 32-bit call (`int 0x80`) does
/// not match the filter's architecture and is refused.
pub fn profile_for(arch: &str) -> Value {
    let architectures = match arch {
        "aarch64" => vec!["SCMP_ARCH_AARCH64"],
        _ => vec!["SCMP_ARCH_X86_64"],
    };
    let allowed: Vec<&str> = [FILES, EVENTS, MEMORY, PROCESSES, SIGNALS_AND_TIME, NETWORK_AND_IPC].concat();
    let mut rules = vec![json!({ "names": allowed, "action": "SCMP_ACT_ALLOW" })];
    // A new process or thread, and giving up shared state, but never a new namespace.
    for name in ["clone", "unshare"] {
        rules.push(json!({
            "names": [name],
            "action": "SCMP_ACT_ALLOW",
            "args": [{ "index": 0, "value": NAMESPACE_FLAGS, "valueTwo": 0, "op": "SCMP_CMP_MASKED_EQ" }],
        }));
    }
    rules.push(json!({ "names": ["clone3"], "action": "SCMP_ACT_ERRNO", "errnoRet": ENOSYS }));
    for family in SOCKET_FAMILIES {
        rules.push(json!({
            "names": ["socket"],
            "action": "SCMP_ACT_ALLOW",
            "args": [{ "index": 0, "value": family, "valueTwo": 0, "op": "SCMP_CMP_EQ" }],
        }));
    }
    for persona in PERSONALITIES {
        rules.push(json!({
            "names": ["personality"],
            "action": "SCMP_ACT_ALLOW",
            "args": [{ "index": 0, "value": persona, "valueTwo": 0, "op": "SCMP_CMP_EQ" }],
        }));
    }
    rules.push(json!({ "names": DENIED, "action": "SCMP_ACT_ERRNO", "errnoRet": EPERM }));
    json!({
        "defaultAction": "SCMP_ACT_ERRNO",
        "defaultErrnoRet": EPERM,
        "architectures": architectures,
        "syscalls": rules,
    })
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;

    use super::*;

    fn allowed_unconditionally(profile: &Value) -> BTreeSet<String> {
        profile["syscalls"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|r| r["action"] == "SCMP_ACT_ALLOW" && r.get("args").is_none())
            .flat_map(|r| r["names"].as_array().unwrap().iter().map(|n| n.as_str().unwrap().to_string()))
            .collect()
    }

    #[test]
    fn nothing_denied_is_also_allowed() {
        let allowed = allowed_unconditionally(&profile_for("x86_64"));
        for name in DENIED {
            assert!(!allowed.contains(*name), "{name} is both denied and allowed");
        }
    }

    #[test]
    fn namespace_and_mount_calls_are_never_allowed_unconditionally() {
        let allowed = allowed_unconditionally(&profile_for("x86_64"));
        for name in ["mount", "unshare", "clone", "clone3", "setns", "socket", "personality", "bpf"] {
            assert!(!allowed.contains(name), "{name}");
        }
    }

    #[test]
    fn unlisted_calls_fail_with_eperm() {
        let profile = profile_for("x86_64");
        assert_eq!(profile["defaultAction"], "SCMP_ACT_ERRNO");
        assert_eq!(profile["defaultErrnoRet"], 1);
    }

    #[test]
    fn every_call_is_listed_once() {
        let all: Vec<&str> =
            [FILES, EVENTS, MEMORY, PROCESSES, SIGNALS_AND_TIME, NETWORK_AND_IPC, DENIED].concat();
        let unique: BTreeSet<&str> = all.iter().copied().collect();
        assert_eq!(unique.len(), all.len(), "a system call is listed twice");
    }

    #[test]
    fn the_namespace_mask_covers_user_mount_net_and_cgroup() {
        for flag in [0x1000_0000u64, 0x0002_0000, 0x4000_0000, 0x0200_0000] {
            assert_eq!(NAMESPACE_FLAGS & flag, flag);
        }
    }

    #[test]
    fn arm_hosts_get_their_own_table() {
        assert_eq!(profile_for("aarch64")["architectures"][0], "SCMP_ARCH_AARCH64");
    }
}
