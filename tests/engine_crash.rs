//! A deploy killed at the worst moment leaves things behind; `destroy` of that instance
//! finds and removes every one of them, and touches nothing else on the engine (a school
//! server may be running other labs while this runs).

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// What a crash of the deploy of `t-crash` could strand, counted on the host.
#[derive(Debug, PartialEq, Eq)]
struct Leftovers {
    containers: usize,
    volumes: usize,
    host_veths: usize,
    disks: usize,
    namespaces: usize,
}

const INSTANCE: &str = "t-crash";

fn count(cmd: &str) -> usize {
    let out = Command::new("sh").args(["-c", cmd]).output().unwrap();
    String::from_utf8_lossy(&out.stdout).trim().parse().unwrap_or(0)
}

/// Counted with the plain tools an admin would use, not with asbuilt's own code (but
/// for the name its temporary cables start with).
fn leftovers() -> Leftovers {
    let prefix = asbuilt::engine::netlink::HostLinks::temp_prefix(INSTANCE);
    let disks = asbuilt::engine::disks::Disks::from_env().root().join(INSTANCE);
    Leftovers {
        containers: count(&format!("docker ps -aq --filter label=org.asbuilt.instance={INSTANCE} | wc -l")),
        volumes: count(&format!(
            "docker volume ls -q --filter label=org.asbuilt.instance={INSTANCE} | wc -l"
        )),
        host_veths: count(&format!("ip -o link show | grep -c ': {prefix}' || true")),
        disks: count(&format!("ls -A {} 2>/dev/null | wc -l", disks.display())),
        // Network namespaces in use by any process, and named ones. (Docker 20.10 also
        // leaves an empty file per removed container in /var/run/docker/netns; those
        // are not namespaces, and not asbuilt's.)
        namespaces: count(
            "(readlink /proc/[0-9]*/ns/net 2>/dev/null; ip netns list 2>/dev/null) | sort -u | wc -l",
        ),
    }
}

#[test]
fn a_deploy_killed_midway_is_cleaned_by_destroying_that_instance_with_zero_leftovers() {
    let asbuilt = env!("CARGO_BIN_EXE_asbuilt");
    let lab = concat!(env!("CARGO_MANIFEST_DIR"), "/topologies/ospf.yml");
    // Images first, so the kill lands in the deploy itself and not in a build.
    let built = Command::new(asbuilt).args(["images", "build"]).status().unwrap();
    assert!(built.success());
    let before = leftovers();

    let mut deploy = Command::new(asbuilt)
        .args(["deploy", lab, "--name", INSTANCE, "--workers", "2"])
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

    assert!(stranded.disks > before.disks, "the kill left disks behind: {seen:?}");
    // Another lab on the same engine, which the destroy must leave alone.
    let bystander = Command::new(asbuilt)
        .args([
            "deploy",
            concat!(env!("CARGO_MANIFEST_DIR"), "/topologies/eerste-lan.yml"),
            "--name",
            "t-crash-bystander",
        ])
        .output()
        .unwrap();
    assert!(bystander.status.success(), "{}", String::from_utf8_lossy(&bystander.stderr));

    let destroyed = Command::new(asbuilt).args(["destroy", INSTANCE]).output().unwrap();
    assert!(destroyed.status.success(), "{}", String::from_utf8_lossy(&destroyed.stderr));
    // Docker removes a sandbox's namespace file a moment after the container.
    let deadline = Instant::now() + Duration::from_secs(10);
    let mut after = leftovers();
    let gone = |l: &Leftovers| (l.containers, l.volumes, l.host_veths, l.disks) == (0, 0, 0, 0);
    while !gone(&after) && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(200));
        after = leftovers();
    }
    assert_eq!((after.containers, after.volumes), (0, 0), "no asbuilt object of it is left");
    assert_eq!(after.host_veths, 0, "no stranded cable is left");
    assert_eq!(after.disks, 0, "no disk of it is left");
    let inspect = Command::new(asbuilt).args(["inspect", "t-crash-bystander"]).output().unwrap();
    assert!(
        inspect.status.success(),
        "the other lab is untouched: {}",
        String::from_utf8_lossy(&inspect.stdout)
    );
    let gone = Command::new(asbuilt).args(["destroy", "t-crash-bystander"]).output().unwrap();
    assert!(gone.status.success());
    let settled = Instant::now() + Duration::from_secs(10);
    while leftovers().namespaces > before.namespaces && Instant::now() < settled {
        std::thread::sleep(Duration::from_millis(200));
    }
    let last = leftovers();
    assert!(last.namespaces <= before.namespaces, "no namespace is left: {before:?} then {last:?}");
}
