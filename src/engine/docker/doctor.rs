//! `asbuilt doctor`: what confines labs on this host, and whether it holds.
//!
//! A school admin installs asbuilt on a server asbuilt's developers never saw. This
//! looks at what the host offers (Docker's security options, cgroups, the kernel's
//! user namespaces, loop devices for the nodes' disks) and then proves the confinement
//! on the spot: it deploys a one-router lab, tries from inside the router what a
//! student would try to get out (mount, a user namespace, a module), and removes it.

use std::time::Duration;

use serde::Serialize;

use super::DockerEngine;
use crate::confine;
use crate::design::Lab;
use crate::engine::{DeployRequest, Engine, Quiet};
use crate::kind::NodeKind;
use crate::plan::{InstanceId, plan};
use crate::topology::Source;

/// How a finding bears on running labs safely.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Verdict {
    /// In place, or proven.
    Ok,
    /// Not needed for safety, but worth having (AppArmor, user-namespace remapping).
    Advice,
    /// Labs are not safe, or will not run, until this is fixed.
    Problem,
}

/// One thing the doctor looked at.
#[derive(Debug, Clone, Serialize)]
pub struct Finding {
    pub area: &'static str,
    pub what: String,
    pub verdict: Verdict,
    pub detail: String,
}

fn finding(
    area: &'static str,
    what: impl Into<String>,
    verdict: Verdict,
    detail: impl Into<String>,
) -> Finding {
    Finding { area, what: what.into(), verdict, detail: detail.into() }
}

/// The lab the self-test deploys: one router, the kind that keeps CAP_SYS_ADMIN.
const SELF_TEST_LAB: &str = "lab: asbuilt-doctor\ntitle: asbuilt doctor\nnodes:\n  r1: { kind: router }\n";

/// What a student would try, and the word each attempt prints if it works.
const ATTEMPTS: [(&str, &str, &str); 4] = [
    (
        "mounting a cgroup hierarchy (the release_agent escape)",
        "mkdir -p /tmp/cg && mount -t cgroup -o memory cgroup /tmp/cg 2>/dev/null && echo GOT-OUT",
        "GOT-OUT",
    ),
    ("a new user namespace", "unshare -U -r true 2>/dev/null && echo GOT-OUT", "GOT-OUT"),
    ("remounting /proc/sys writable", "mount -o remount,rw /proc/sys 2>/dev/null && echo GOT-OUT", "GOT-OUT"),
    (
        "writing outside the node's own disk",
        "touch /usr/asbuilt-doctor 2>/dev/null && echo GOT-OUT",
        "GOT-OUT",
    ),
];

/// Everything the doctor finds; `self_test` also deploys the one-router lab.
pub async fn examine(engine: &DockerEngine, self_test: bool) -> Vec<Finding> {
    let mut out = Vec::new();
    match engine.docker.info().await {
        Ok(info) => {
            out.push(finding(
                "engine",
                "Docker",
                Verdict::Ok,
                format!(
                    "{} on {}, storage {}",
                    info.server_version.unwrap_or_default(),
                    info.kernel_version.unwrap_or_default(),
                    info.driver.unwrap_or_default()
                ),
            ));
            let options = info.security_options.unwrap_or_default();
            let has = |name: &str| options.iter().any(|o| o.contains(&format!("name={name}")) || o == name);
            out.push(if has("seccomp") {
                finding("confinement", "seccomp", Verdict::Ok, "asbuilt's own profile is applied to every node")
            } else {
                finding("confinement", "seccomp", Verdict::Problem, "Docker reports no seccomp: nodes with CAP_SYS_ADMIN could mount and escape; use a Docker built with seccomp")
            });
            out.push(if has("apparmor") {
                finding("confinement", "AppArmor", Verdict::Ok, "Docker's default AppArmor profile confines every node as well")
            } else if has("selinux") {
                finding("confinement", "AppArmor", Verdict::Ok, "not here; SELinux is active instead")
            } else {
                finding("confinement", "AppArmor", Verdict::Advice, "not active: asbuilt's seccomp profile holds without it, but a second layer is worth having (install apparmor and restart Docker)")
            });
            if has("selinux") {
                out.push(finding("confinement", "SELinux", Verdict::Ok, "active: Docker labels every node"));
            }
            out.push(if has("userns") {
                finding("confinement", "user-namespace remapping", Verdict::Ok, "root in a node is an unprivileged user on the host")
            } else {
                finding("confinement", "user-namespace remapping", Verdict::Advice, "off: root in a node is root on the host, held back by capabilities and seccomp; `userns-remap` in daemon.json adds a layer")
            });
            let cgroup = info.cgroup_version.map(|v| v.to_string()).unwrap_or_else(|| "?".into());
            out.push(finding(
                "confinement",
                "cgroups",
                Verdict::Ok,
                format!("version {cgroup}; every node gets a private cgroup namespace and a read-only view"),
            ));
        }
        Err(e) => out.push(finding("engine", "Docker", Verdict::Problem, format!("not reachable: {e}"))),
    }
    out.extend(host_findings());
    if self_test {
        out.extend(prove(engine).await);
    }
    out
}

/// What the host itself offers: loop devices and mkfs for the nodes' disks, and whether
/// unprivileged user namespaces are allowed at all.
fn host_findings() -> Vec<Finding> {
    let mut out = Vec::new();
    out.push(if std::path::Path::new("/dev/loop-control").exists() {
        finding("disks", "loop devices", Verdict::Ok, "every node writes to a disk of its own size")
    } else {
        finding(
            "disks",
            "loop devices",
            Verdict::Problem,
            "/dev/loop-control is missing: load the loop module (modprobe loop)",
        )
    });
    let on_path = |program: &str| {
        std::env::var_os("PATH")
            .map(|p| std::env::split_paths(&p).any(|d| d.join(program).exists()))
            .unwrap_or(false)
    };
    for (program, package) in [("mkfs.ext4", "e2fsprogs"), ("mount", "mount")] {
        out.push(if on_path(program) {
            finding("disks", program, Verdict::Ok, "found")
        } else {
            finding("disks", program, Verdict::Problem, format!("not found: install {package}"))
        });
    }
    let userns = std::fs::read_to_string("/proc/sys/user/max_user_namespaces").unwrap_or_default();
    out.push(match userns.trim().parse::<u64>() {
        Ok(0) => finding(
            "kernel",
            "user namespaces",
            Verdict::Ok,
            "switched off on this host: nothing can make one",
        ),
        Ok(_) => finding(
            "kernel",
            "user namespaces",
            Verdict::Ok,
            "allowed on this host; asbuilt's profile refuses them in nodes",
        ),
        Err(_) => {
            finding("kernel", "user namespaces", Verdict::Advice, "could not read user.max_user_namespaces")
        }
    });
    for kind in NodeKind::ALL {
        out.push(finding(
            "confinement",
            format!("capabilities of a {kind}"),
            Verdict::Ok,
            kind.capabilities().join(" "),
        ));
    }
    out.push(finding(
        "confinement",
        "file systems",
        Verdict::Ok,
        format!("read-only root; writable {} on the node's own disk", confine::WRITABLE_DIRS.join(" ")),
    ));
    out
}

/// Deploys the one-router lab, makes every attempt in the router, and removes the lab.
async fn prove(engine: &DockerEngine) -> Vec<Finding> {
    let lab = match Lab::load(&Source::new("asbuilt-doctor", SELF_TEST_LAB)) {
        Ok(lab) => lab,
        Err(_) => {
            return vec![finding("self-test", "lab", Verdict::Problem, "the self-test lab does not load")];
        }
    };
    let design = lab.design_for(None);
    let instance =
        InstanceId::parse(&format!("asbuilt-doctor-{}", std::process::id())).expect("a valid name");
    let plan = plan(&design, instance.clone());
    let request = DeployRequest { plan: &plan, design: &design, workers: 1 };
    if let Err(e) = engine.deploy(request, &Quiet).await {
        return vec![finding("self-test", "deploy a router", Verdict::Problem, e.to_string())];
    }
    let mut out = Vec::new();
    for (what, script, worked) in ATTEMPTS {
        let argv = ["sh".to_string(), "-c".to_string(), script.to_string()];
        let result = engine.exec(&instance, "r1", None, &argv, None, Duration::from_secs(20)).await;
        out.push(match result {
            Ok(o) if o.stdout.contains(worked) => finding(
                "self-test",
                what,
                Verdict::Problem,
                "WORKED from inside a router: labs are not confined on this host",
            ),
            Ok(_) => finding("self-test", what, Verdict::Ok, "refused inside a router"),
            Err(e) => finding("self-test", what, Verdict::Problem, format!("could not try: {e}")),
        });
    }
    let report = engine.destroy(&instance).await;
    if !report.errors.is_empty() {
        out.push(finding("self-test", "remove the router", Verdict::Problem, report.errors.join("; ")));
    }
    out
}
