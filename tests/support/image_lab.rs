//! Containers of asbuilt's images, started and wired by hand: the smoke tests of the
//! images (tests/images.rs) and of what the host's kernel offers them
//! (tests/kernel_features.rs).
//!
//! Each container starts on network mode "none" with exactly the capabilities its kind
//! gets, never privileged; a [`Lab`] guard removes its containers and veths when the test
//! ends, passed or failed. Packets go only between them.
#![allow(dead_code)]

use std::collections::HashMap;
use std::path::PathBuf;
use std::process::Command;
use std::sync::OnceLock;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use asbuilt::images::{self, BuildOptions, PlainProgress};
use asbuilt::kind::{FABRIC_CAPABILITIES, NodeKind};
use bollard::Docker;
use bollard::exec::StartExecResults;
use bollard::models::{ContainerCreateBody, ExecConfig, HostConfig};
use bollard::query_parameters::{CreateContainerOptionsBuilder, RemoveContainerOptionsBuilder};
use futures_util::StreamExt;

/// Addresses used between test containers: TEST-NET-1, a documentation range, inside
/// namespaces these tests create. No packet leaves them.
pub const NET: &str = "192.0.2";

/// The longest any one script of these tests may run (the slowest, a DHCP exchange,
/// takes a few seconds).
pub const SCRIPT_LIMIT: Duration = Duration::from_secs(120);

pub fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread().enable_all().build().expect("a tokio runtime")
}

/// Build options for the tests: the mirror from the environment, logs under the target
/// folder so test runs do not need /var/lib.
pub fn options() -> BuildOptions {
    let mut options = BuildOptions::from_env();
    options.state_dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("asbuilt-state");
    options
}

/// Builds every image once per test binary; every test waits for it.
pub fn images_built() {
    static BUILT: OnceLock<Result<(), String>> = OnceLock::new();
    let result = BUILT.get_or_init(|| {
        runtime().block_on(async {
            let docker = images::connect().await.map_err(|e| e.to_string())?;
            let names: Vec<&str> = images::catalog().iter().map(|spec| spec.name).collect();
            images::ensure_images(&docker, &names, &options(), &PlainProgress)
                .await
                .map_err(|e| e.to_string())?;
            Ok(())
        })
    });
    if let Err(error) = result {
        panic!("failed to build the images: {error}");
    }
}

/// What a test's containers run: a node kind, or the fabric.
#[derive(Debug, Clone, Copy)]
pub enum Image {
    Node(NodeKind),
    Fabric,
}

impl Image {
    pub fn name(self) -> &'static str {
        match self {
            Image::Node(kind) => kind.builtin_image().expect("a builtin kind"),
            Image::Fabric => "fabric",
        }
    }

    pub fn capabilities(self) -> Vec<&'static str> {
        match self {
            Image::Node(kind) => kind.capabilities(),
            Image::Fabric => FABRIC_CAPABILITIES.to_vec(),
        }
    }
}

/// A started container.
#[derive(Debug, Clone)]
pub struct Node {
    /// The container's name in Docker.
    pub id: String,
    /// Its hostname (the lab's node name).
    pub hostname: String,
    /// The pid of its first process on the Docker host, to move veths into its netns.
    pub pid: i64,
}

/// The output and exit code of a command run in a container.
#[derive(Debug)]
pub struct Output {
    pub code: i64,
    pub text: String,
}

static SERIAL: AtomicUsize = AtomicUsize::new(0);

/// A test's containers and veths; dropping it removes them all, even after a panic.
pub struct Lab {
    pub docker: Docker,
    pub containers: Vec<String>,
    pub veths: Vec<String>,
}

impl Lab {
    pub async fn new() -> Lab {
        images_built_async().await;
        Lab {
            docker: images::connect().await.expect("connect to docker"),
            containers: Vec::new(),
            veths: Vec::new(),
        }
    }

    /// Starts a container of `image` named `hostname`, with its kind's capabilities and no
    /// network, and waits until its boot script says it is ready.
    pub async fn start(&mut self, image: Image, hostname: &str) -> Node {
        let reference = images::image_ref(image.name()).expect("a builtin image");
        let id = format!(
            "asbuilt-test-{}-{}-{hostname}",
            std::process::id(),
            SERIAL.fetch_add(1, Ordering::SeqCst)
        );
        let config = ContainerCreateBody {
            image: Some(reference.clone()),
            hostname: Some(hostname.to_string()),
            labels: Some(HashMap::from([("org.asbuilt.test".to_string(), "images".to_string())])),
            host_config: Some(HostConfig {
                network_mode: Some("none".to_string()),
                // The confinement the engine gives nodes (but their disks): the images
                // must work within it.
                cap_drop: Some(vec!["ALL".to_string()]),
                cap_add: Some(image.capabilities().iter().map(|cap| cap.to_string()).collect()),
                security_opt: Some(vec![format!("seccomp={}", asbuilt::confine::seccomp::profile())]),
                cgroupns_mode: Some(bollard::models::HostConfigCgroupnsModeEnum::PRIVATE),
                privileged: Some(false),
                ..Default::default()
            }),
            ..Default::default()
        };
        let create = CreateContainerOptionsBuilder::default().name(&id).build();
        // Registered before it exists, so a failure between create and start still
        // removes it.
        self.containers.push(id.clone());
        self.docker
            .create_container(Some(create), config)
            .await
            .unwrap_or_else(|e| panic!("create {id}: {e}"));
        self.docker.start_container(&id, None).await.unwrap_or_else(|e| panic!("start {id}: {e}"));
        let inspect = self.docker.inspect_container(&id, None).await.expect("inspect container");
        let pid = inspect.state.and_then(|state| state.pid).expect("a running container has a pid");
        let node = Node { id, hostname: hostname.to_string(), pid };
        self.wait_for(&node, "test -e /run/asbuilt/ready", Duration::from_secs(30)).await;
        node
    }

    /// Restarts the node's container, as a power cycle does, and waits until its boot
    /// script says it is ready again.
    pub async fn restart(&self, node: &Node) {
        self.docker
            .restart_container(&node.id, None)
            .await
            .unwrap_or_else(|e| panic!("restart {}: {e}", node.id));
        self.wait_for(node, "test -e /run/asbuilt/ready", Duration::from_secs(30)).await;
    }

    /// Runs `script` with sh in the node. A script that is still running after
    /// [`SCRIPT_LIMIT`] fails the test by name: a hung command must not hang the suite.
    pub async fn sh(&self, node: &Node, script: &str) -> Output {
        tokio::time::timeout(SCRIPT_LIMIT, self.sh_unbounded(node, script))
            .await
            .unwrap_or_else(|_| panic!("`{script}` on {} still ran after {SCRIPT_LIMIT:?}", node.hostname))
    }

    async fn sh_unbounded(&self, node: &Node, script: &str) -> Output {
        let config = ExecConfig {
            cmd: Some(vec!["sh".to_string(), "-c".to_string(), script.to_string()]),
            attach_stdout: Some(true),
            attach_stderr: Some(true),
            ..Default::default()
        };
        let exec = self.docker.create_exec(&node.id, config).await.expect("create exec");
        let mut text = String::new();
        if let StartExecResults::Attached { mut output, .. } =
            self.docker.start_exec(&exec.id, None).await.expect("start exec")
        {
            while let Some(chunk) = output.next().await {
                text.push_str(&chunk.expect("exec output").to_string());
            }
        }
        let code = self.docker.inspect_exec(&exec.id).await.expect("inspect exec").exit_code.unwrap_or(-1);
        Output { code, text }
    }

    /// Runs `script` and fails the test, showing its output, unless it exits 0.
    pub async fn ok(&self, node: &Node, script: &str) -> String {
        let output = self.sh(node, script).await;
        assert_eq!(
            output.code, 0,
            "`{script}` on {} exited {}:\n{}",
            node.hostname, output.code, output.text
        );
        output.text
    }

    /// Retries `script` until it exits 0, or fails the test after `limit`.
    pub async fn wait_for(&self, node: &Node, script: &str, limit: Duration) -> String {
        let started = Instant::now();
        loop {
            let output = self.sh(node, script).await;
            if output.code == 0 {
                return output.text;
            }
            if started.elapsed() > limit {
                panic!("`{script}` on {} still fails after {limit:?}:\n{}", node.hostname, output.text);
            }
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
    }

    /// Connects interface `a_if` of `a` to interface `b_if` of `b` with a veth pair, and
    /// sets both up.
    pub async fn wire(&mut self, a: &Node, a_if: &str, b: &Node, b_if: &str) {
        // Host interface names are limited to 15 bytes and must not clash with parallel
        // tests; both ends are renamed once inside their containers.
        let serial = SERIAL.fetch_add(1, Ordering::SeqCst);
        let left = format!("abt{}x{serial}a", std::process::id() % 100_000);
        let right = format!("abt{}x{serial}b", std::process::id() % 100_000);
        self.veths.push(left.clone());
        ip(&["link", "add", &left, "type", "veth", "peer", "name", &right]);
        ip(&["link", "set", &left, "netns", &a.pid.to_string()]);
        ip(&["link", "set", &right, "netns", &b.pid.to_string()]);
        self.ok(a, &format!("ip link set {left} name {a_if} && ip link set {a_if} up")).await;
        self.ok(b, &format!("ip link set {right} name {b_if} && ip link set {b_if} up")).await;
    }
}

pub async fn images_built_async() {
    // The build blocks on its own runtime, which cannot run inside this test's runtime.
    tokio::task::spawn_blocking(images_built).await.expect("the image build task");
}

/// A script that fails naming the first of `commands` that is not installed.
pub fn has_commands(commands: &str) -> String {
    format!("for c in {commands}; do command -v $c >/dev/null || {{ echo \"missing: $c\"; exit 1; }}; done")
}

/// Runs `ip` on the Docker host and fails the test if it fails.
pub fn ip(args: &[&str]) {
    let output = Command::new("ip").args(args).output().expect("run ip (iproute2)");
    assert!(output.status.success(), "ip {}: {}", args.join(" "), String::from_utf8_lossy(&output.stderr));
}

impl Drop for Lab {
    fn drop(&mut self) {
        // A veth still on the host (the test failed before moving it) is deleted with its
        // peer; one inside a container goes away with the container's namespace.
        for veth in &self.veths {
            let _ = Command::new("ip").args(["link", "del", veth]).output();
        }
        let docker = self.docker.clone();
        let containers = std::mem::take(&mut self.containers);
        // Drop may run inside the test's runtime, which cannot block on another future,
        // so the removal runs on a thread of its own with its own runtime.
        let removal = std::thread::spawn(move || {
            runtime().block_on(async {
                for id in containers {
                    let options = RemoveContainerOptionsBuilder::default().force(true).v(true).build();
                    if let Err(error) = docker.remove_container(&id, Some(options)).await {
                        eprintln!("cleanup: remove container {id}: {error}");
                    }
                }
            })
        });
        let _ = removal.join();
    }
}

/// Whether the Docker host's kernel lets a bridge filter VLANs
/// (CONFIG_BRIDGE_VLAN_FILTERING). Asked in the switch itself, where the bridge will be.
pub async fn kernel_filters_vlans(lab: &Lab, switch: &Node) -> bool {
    let probe =
        lab.sh(switch, "ip link add vlanprobe type bridge vlan_filtering 1 && ip link del vlanprobe").await;
    probe.code == 0
}
