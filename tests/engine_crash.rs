//! A deploy killed at the worst moment leaves things behind; `destroy --all` finds and
//! removes every one of them.
//!
//! Its own test binary, because `destroy --all` removes every instance on the engine:
//! cargo runs test binaries one after another, so no other test's lab is hit.

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// What a crash could strand, counted on the host.
#[derive(Debug, PartialEq, Eq)]
struct Leftovers {
    containers: usize,
    volumes: usize,
    host_veths: usize,
    namespaces: usize,
}

fn count(cmd: &str) -> usize {
    let out = Command::new("sh").args(["-c", cmd]).output().unwrap();
    String::from_utf8_lossy(&out.stdout).trim().parse().unwrap_or(0)
}

/// Counted with the plain tools an admin would use, not with asbuilt's own code.
fn leftovers() -> Leftovers {
    Leftovers {
        containers: count("docker ps -aq --filter label=org.asbuilt.instance | wc -l"),
        volumes: count("docker volume ls -q --filter label=org.asbuilt.instance | wc -l"),
        host_veths: count("ip -o link show | grep -c ': asb' || true"),
        // Network namespaces in use by any process, and named ones. (Docker 20.10 also
        // leaves an empty file per removed container in /var/run/docker/netns; those
        // are not namespaces, and not asbuilt's.)
        namespaces: count(
            "(readlink /proc/[0-9]*/ns/net 2>/dev/null; ip netns list 2>/dev/null) | sort -u | wc -l",
        ),
    }
}

#[test]
fn a_deploy_killed_midway_is_cleaned_by_destroy_all_with_zero_leftovers() {
    let asbuilt = env!("CARGO_BIN_EXE_asbuilt");
    let lab = concat!(env!("CARGO_MANIFEST_DIR"), "/topologies/ospf.yml");
    // Images first, so the kill lands in the deploy itself and not in a build.
    let built = Command::new(asbuilt).args(["images", "build"]).status().unwrap();
    assert!(built.success());
    let before = leftovers();

    let mut deploy = Command::new(asbuilt)
        .args(["deploy", lab, "--name", "t-crash", "--workers", "2"])
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let stderr = BufReader::new(deploy.stderr.take().unwrap());
    let started = Instant::now();
    let mut seen = Vec::new();
    for line in stderr.lines() {
        let line = line.unwrap();
        seen.push(line.clone());
        // Kill while cables are being made: containers exist, some veths are half-moved.
        if line.contains("cables")
            || line.contains("configuration")
            || started.elapsed() > Duration::from_secs(60)
        {
            break;
        }
    }
    // SIGKILL: no destructor, no rollback.
    deploy.kill().unwrap();
    deploy.wait().unwrap();
    let stranded = leftovers();
    assert!(stranded.containers > before.containers, "the kill left containers behind: {seen:?}");

    let destroyed = Command::new(asbuilt).args(["destroy", "--all"]).output().unwrap();
    assert!(destroyed.status.success(), "{}", String::from_utf8_lossy(&destroyed.stderr));
    // Docker removes a sandbox's namespace file a moment after the container.
    let deadline = Instant::now() + Duration::from_secs(10);
    let mut after = leftovers();
    while after != before && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(200));
        after = leftovers();
    }
    assert_eq!((after.containers, after.volumes), (0, 0), "no asbuilt object is left");
    assert_eq!(after.host_veths, 0, "no stranded cable is left");
    assert!(after.namespaces <= before.namespaces, "no namespace is left: {before:?} then {after:?}");
}
