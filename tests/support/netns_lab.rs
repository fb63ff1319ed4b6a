//! A lab made of network namespaces, for testing the probes and the runner without
//! Docker: one namespace per node, and a "fabric" namespace with one Linux bridge per
//! cable or segment, each node interface a veth whose other end sits on that bridge,
//! as the engine wires containers.
//!
//! Traffic stays inside: nothing is routed to the host, and the only addresses used are
//! the lab's own, inside its namespaces. Everything is deleted on drop, also when a
//! test fails.

use std::path::PathBuf;
use std::process::Command;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use asbuilt::checks::access::{AccessError, AgentChannel, ExecOutput, LabAccess, RunAs};
use asbuilt::checks::probe::net::Net;
use asbuilt::checks::probe::netns::Namespace;

static NEXT_LAB: AtomicUsize = AtomicUsize::new(0);

pub struct NetnsLab {
    /// Short and unique per lab: namespace and temporary veth names start with it.
    tag: String,
    nodes: Vec<String>,
    segments: usize,
    veths: usize,
}

impl NetnsLab {
    pub fn new() -> NetnsLab {
        let tag = format!("t{}x{}", std::process::id() % 100_000, NEXT_LAB.fetch_add(1, Ordering::Relaxed));
        let lab = NetnsLab { tag, nodes: Vec::new(), segments: 0, veths: 0 };
        lab.ip(&["netns", "add", &lab.ns("fabric")]);
        lab.sh("fabric", "ip link set lo up");
        lab
    }

    /// The namespace name of a node.
    pub fn ns(&self, node: &str) -> String {
        format!("{}-{node}", self.tag)
    }

    pub fn path(&self, node: &str) -> PathBuf {
        PathBuf::from("/run/netns").join(self.ns(node))
    }

    /// A node's namespace, as asbuilt enters it from the host.
    pub fn at(&self, node: &str) -> Namespace {
        Namespace::File(self.path(node))
    }

    /// A node's network, worked in from this process.
    pub fn net(&self, node: &str) -> Net {
        Net::Local(self.at(node))
    }

    pub fn add_node(&mut self, node: &str) {
        self.ip(&["netns", "add", &self.ns(node)]);
        self.nodes.push(node.to_string());
        self.sh(node, "ip link set lo up");
    }

    pub fn has_node(&self, node: &str) -> bool {
        self.nodes.iter().any(|n| n == node)
    }

    /// A cable or shared segment: a bridge in the fabric and a veth per member.
    pub fn segment(&mut self, members: &[(&str, &str)]) {
        let bridge = format!("s{}", self.segments);
        self.segments += 1;
        self.sh("fabric", &format!("ip link add {bridge} type bridge && ip link set {bridge} up"));
        for (node, interface) in members {
            let (a, b) = (format!("{}v{}a", self.tag, self.veths), format!("{}v{}b", self.tag, self.veths));
            self.veths += 1;
            self.ip(&["link", "add", &a, "type", "veth", "peer", "name", &b]);
            self.ip(&["link", "set", &a, "netns", &self.ns(node)]);
            self.ip(&["link", "set", &b, "netns", &self.ns("fabric")]);
            self.sh(node, &format!("ip link set {a} name {interface} && ip link set {interface} up"));
            self.sh("fabric", &format!("ip link set {b} master {bridge} && ip link set {b} up"));
        }
    }

    /// Runs a shell script in a node's namespace; panics with its output on failure.
    pub fn sh(&self, node: &str, script: &str) -> String {
        let out = Command::new("ip")
            .args(["netns", "exec", &self.ns(node), "sh", "-c", script])
            .output()
            .expect("ip netns exec runs");
        assert!(
            out.status.success(),
            "`{script}` in {node} failed: {}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    /// Writes the resolv.conf that `ip netns exec` shows to commands in this node.
    pub fn resolv_conf(&self, node: &str, text: &str) {
        let dir = PathBuf::from("/etc/netns").join(self.ns(node));
        std::fs::create_dir_all(&dir).expect("create /etc/netns/NS");
        std::fs::write(dir.join("resolv.conf"), text).expect("write resolv.conf");
    }

    fn ip(&self, args: &[&str]) {
        let out = Command::new("ip").args(args).output().expect("ip runs");
        assert!(
            out.status.success(),
            "ip {} failed: {}",
            args.join(" "),
            String::from_utf8_lossy(&out.stderr)
        );
    }
}

impl Drop for NetnsLab {
    fn drop(&mut self) {
        // Deleting a namespace deletes the veths in it, and with them their peers.
        for node in self.nodes.iter().map(String::as_str).chain(["fabric"]) {
            let ns = self.ns(node);
            let _ = Command::new("ip").args(["netns", "del", &ns]).output();
            let _ = std::fs::remove_dir_all(PathBuf::from("/etc/netns").join(&ns));
        }
    }
}

#[async_trait::async_trait]
impl LabAccess for NetnsLab {
    async fn exec(
        &self,
        node: &str,
        user: RunAs,
        argv: &[String],
        timeout: Duration,
    ) -> Result<ExecOutput, AccessError> {
        if !self.has_node(node) {
            return Err(AccessError::NoSuchNode(node.to_string()));
        }
        let mut command = tokio::process::Command::new("ip");
        command.args(["netns", "exec", &self.ns(node)]);
        if user == RunAs::Checker {
            // These nodes are namespaces of the test host: an unprivileged user is as
            // close as they come to a node's check user.
            command.args(["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", "--"]);
        }
        command.args(argv).kill_on_drop(true);
        let shown = argv.join(" ");
        match tokio::time::timeout(timeout, command.output()).await {
            Ok(Ok(out)) => Ok(ExecOutput {
                exit_code: out.status.code().unwrap_or(-1).into(),
                stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
                stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
                truncated: false,
            }),
            Ok(Err(e)) => Err(AccessError::Exec { node: node.into(), command: shown, reason: e.to_string() }),
            Err(_) => Err(AccessError::Timeout { node: node.into(), command: shown, timeout }),
        }
    }

    fn netns(&self, node: &str) -> Option<PathBuf> {
        self.has_node(node).then(|| self.path(node))
    }
}

/// The same lab, but the engine gives no namespaces: every probe must use the nodes'
/// own tools.
pub struct ExecOnly<'a>(pub &'a NetnsLab);

#[async_trait::async_trait]
impl LabAccess for ExecOnly<'_> {
    async fn exec(
        &self,
        node: &str,
        user: RunAs,
        argv: &[String],
        timeout: Duration,
    ) -> Result<ExecOutput, AccessError> {
        self.0.exec(node, user, argv, timeout).await
    }

    fn netns(&self, _node: &str) -> Option<PathBuf> {
        None
    }
}

impl NetnsLab {
    /// Starts asbuilt's probe agent (the real binary) in a node's namespace, as an
    /// engine starts it in a node it cannot enter from the host.
    pub fn agent_channel(&self, node: &str) -> AgentChannel {
        let mut child = tokio::process::Command::new("ip")
            .args(["netns", "exec", &self.ns(node), env!("CARGO_BIN_EXE_asbuilt"), "probe-agent"])
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .kill_on_drop(true)
            .spawn()
            .expect("the probe agent starts");
        let requests = Box::pin(child.stdin.take().expect("piped stdin"));
        let answers = Box::pin(child.stdout.take().expect("piped stdout"));
        AgentChannel { requests, answers, keep: Box::new(child) }
    }
}

/// The same lab, but asbuilt may not enter any namespace: every probe that works from
/// outside the node must go through asbuilt's probe agent running in it.
pub struct AgentOnly<'a> {
    pub lab: &'a NetnsLab,
    /// How many agents were started, so a test can show they were used.
    pub started: AtomicUsize,
}

impl<'a> AgentOnly<'a> {
    pub fn new(lab: &'a NetnsLab) -> AgentOnly<'a> {
        AgentOnly { lab, started: AtomicUsize::new(0) }
    }
}

#[async_trait::async_trait]
impl LabAccess for AgentOnly<'_> {
    async fn exec(
        &self,
        node: &str,
        user: RunAs,
        argv: &[String],
        timeout: Duration,
    ) -> Result<ExecOutput, AccessError> {
        self.lab.exec(node, user, argv, timeout).await
    }

    fn netns(&self, _node: &str) -> Option<PathBuf> {
        None
    }

    async fn agent(&self, node: &str) -> Result<Option<AgentChannel>, AccessError> {
        if !self.lab.has_node(node) {
            return Err(AccessError::NoSuchNode(node.to_string()));
        }
        self.started.fetch_add(1, Ordering::SeqCst);
        Ok(Some(self.lab.agent_channel(node)))
    }
}
