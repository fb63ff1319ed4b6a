//! Shared by the tests that deploy real labs on the local Docker engine.

#![allow(dead_code)]

use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use asbuilt::design::{Design, Lab};
use asbuilt::engine::docker::DockerEngine;
use asbuilt::engine::{DeployRequest, Engine, ExecOutput, Quiet};
use asbuilt::images::Silent;
use asbuilt::plan::{InstanceId, Plan, plan};
use asbuilt::topology::Source;

/// An example lab from topologies/.
pub fn example(name: &str) -> Lab {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("topologies").join(name);
    Lab::load(&Source::read(&path).unwrap()).unwrap()
}

/// The design with every part prebuilt: what asbuilt alone makes of the lab, faults
/// kept.
pub fn all_prebuilt(design: Design) -> Design {
    design.prebuilt()
}

pub async fn engine() -> DockerEngine {
    DockerEngine::connect(Box::new(Silent)).await.expect("the Docker engine is reachable")
}

/// Destroys every instance whose name starts with the prefix when it is dropped: when
/// the test ends, however it ends (labs a service under test deployed, say).
pub struct DestroyOnDrop(pub &'static str);

impl Drop for DestroyOnDrop {
    fn drop(&mut self) {
        let prefix = self.0;
        // Drop may run inside the test's runtime, which cannot be blocked on: destroy
        // from a thread with a runtime and an engine of its own.
        std::thread::spawn(move || {
            let runtime = tokio::runtime::Runtime::new().expect("a runtime");
            runtime.block_on(async {
                let engine = engine().await;
                for summary in engine.instances().await.unwrap_or_default() {
                    if summary.instance.as_str().starts_with(prefix) {
                        let _ = engine.destroy(&summary.instance).await;
                    }
                }
            });
        })
        .join()
        .expect("cleanup thread");
    }
}

/// A deployed instance, destroyed when the test ends, however it ends.
pub struct Deployed {
    pub engine: Arc<DockerEngine>,
    pub instance: InstanceId,
    pub plan: Plan,
    pub design: Design,
}

impl Deployed {
    pub async fn new(design: Design, name: &str) -> Deployed {
        Deployed::with_transport(design, name, asbuilt::plan::CableTransport::Veth).await
    }

    /// Deploys with the cables as `transport` says (veth pairs, or VXLAN tunnels).
    pub async fn with_transport(
        design: Design,
        name: &str,
        transport: asbuilt::plan::CableTransport,
    ) -> Deployed {
        let engine = engine().await;
        let instance = InstanceId::parse(name).unwrap();
        let mut plan = plan(&design, instance.clone());
        plan.transport = transport;
        let request = DeployRequest { plan: &plan, design: &design, workers: 8 };
        engine.deploy(request, &Quiet).await.unwrap_or_else(|e| panic!("deploy {name}: {e}"));
        Deployed { engine: Arc::new(engine), instance, plan, design }
    }

    /// Runs a command on a node.
    pub async fn run(&self, node: &str, command: &str) -> ExecOutput {
        let argv = ["sh".to_string(), "-c".to_string(), command.to_string()];
        self.engine.exec(&self.instance, node, None, &argv, None, Duration::from_secs(60)).await.unwrap()
    }

    /// Runs a command in the fabric.
    pub async fn fabric(&self, command: &str) -> ExecOutput {
        let argv = ["sh".to_string(), "-c".to_string(), command.to_string()];
        self.engine.fabric_exec(&self.instance, &argv, Duration::from_secs(60)).await.unwrap()
    }

    /// Whether `from` gets an answer to ping from `to`, trying for a while (routing
    /// protocols converge).
    pub async fn pings(&self, from: &str, to: &str, tries: u32) -> bool {
        for _ in 0..tries {
            if self.run(from, &format!("ping -c 1 -W 1 {to}")).await.success() {
                return true;
            }
            tokio::time::sleep(Duration::from_millis(500)).await;
        }
        false
    }
}

impl Drop for Deployed {
    fn drop(&mut self) {
        let instance = self.instance.clone();
        // Drop runs inside the test's runtime, which cannot be blocked on: destroy from
        // a thread with a runtime of its own.
        std::thread::spawn(move || {
            let runtime = tokio::runtime::Runtime::new().unwrap();
            runtime.block_on(async {
                let engine = engine().await;
                let report = engine.destroy(&instance).await;
                assert!(report.errors.is_empty(), "destroy {instance}: {:?}", report.errors);
            });
        })
        .join()
        .unwrap();
    }
}

impl Deployed {
    /// Grades the lab against `design`'s suite, as `asbuilt check` does, at the runner's
    /// own pace (checks of converging protocols retry once a second).
    pub async fn grade(
        &self,
        design: &Design,
        suite: &asbuilt::checks::model::Suite,
    ) -> asbuilt::checks::report::Report {
        let access =
            asbuilt::engine::access::InstanceAccess::open(self.engine.clone(), &self.instance).await.unwrap();
        let names = asbuilt::checks::judge::Names::of(design);
        let results = asbuilt::checks::runner::run(suite, &access, &names, &Default::default()).await;
        asbuilt::checks::report::Report::build(suite, &results, "2026-12-02T12:00:00Z")
    }
}

/// Copies a folder (a lab written for another tool) to change it for one test.
pub fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), target).unwrap();
        }
    }
}

/// The first IPv4 address of a node's interface in a design.
pub fn address(design: &Design, node: &str, iface: &str) -> String {
    design
        .interface(node, iface)
        .unwrap()
        .addresses
        .iter()
        .find(|a| a.addr().is_ipv4())
        .unwrap()
        .addr()
        .to_string()
}

/// A TCP listener on every address of the host, non-blocking, with the positive control
/// done: a connection from the host itself was taken, so one from a lab would be too.
/// Returns it and its port.
pub fn host_listener() -> (std::net::TcpListener, u16) {
    let listener = std::net::TcpListener::bind("0.0.0.0:0").unwrap();
    listener.set_nonblocking(true).unwrap();
    let port = listener.local_addr().unwrap().port();
    let _control = std::net::TcpStream::connect(("127.0.0.1", port)).expect("the listener answers");
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(2);
    while listener.accept().is_err() {
        assert!(std::time::Instant::now() < deadline, "the listener took no connection from the host itself");
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    (listener, port)
}

/// The host's own IPv4 addresses but loopback: where a lab must never reach.
pub fn host_addresses() -> Vec<String> {
    let out = std::process::Command::new("ip").args(["-4", "-o", "addr", "show"]).output().unwrap();
    let addresses: Vec<String> = String::from_utf8_lossy(&out.stdout)
        .lines()
        .filter_map(|l| l.split_whitespace().nth(3).and_then(|a| a.split('/').next()).map(str::to_string))
        .filter(|a| !a.starts_with("127."))
        .collect();
    assert!(!addresses.is_empty(), "the host has an address besides loopback");
    addresses
}
