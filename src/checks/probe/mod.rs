//! Gathering evidence in a running lab, for one check at a time.
//!
//! Each probe prefers to work from outside the node: it enters the node's network
//! namespace from the host ([`netns`]), reads the kernel over [`netlink`], and sends
//! its own packets ([`icmp`], [`transport`], [`http`], [`dns`], [`dhcp`]). Where the
//! engine gives no namespace, or the state lives in a daemon (OSPF), it runs the
//! node's own tools through [`LabAccess::exec`] and reads their output ([`parse`]);
//! that evidence is marked as one the student could have influenced. Where the node is
//! not on this host, asbuilt's own probe [`agent`] does the same work inside it; every
//! probe reaches a node's network through [`net::Net`], whichever way it goes.

pub mod accounts;
pub mod agent;
mod backups;
mod bgp;
mod boot;
pub mod dhcp;
pub mod dns;
pub mod fresh;
pub mod http;
pub mod icmp;
pub mod inject;
pub mod monitoring;
pub mod net;
pub mod netlink;
pub mod netns;
mod ospf_detail;
mod packages;
pub mod parse;
mod services;
pub mod snmp;
mod state;
pub mod tls;
mod traffic;
pub mod transport;
pub mod watch;

use std::collections::HashMap;
use std::sync::{Arc, Weak};
use std::time::Duration;

use super::access::{AccessError, ExecOutput, LabAccess, RunAs};
use super::model::{Influence, ProbeSpec};
use super::observation::Observation;
use super::outcome::Evidence;
use crate::design::Transport;
use agent::Session;
use net::{Listener, Net};
use netns::{Namespace, NetnsError};

/// What a probe saw, and the evidence for it.
#[derive(Debug, Clone)]
pub struct Gathered {
    pub observation: Observation,
    pub evidence: Vec<Evidence>,
}

/// Why a probe could not gather evidence.
#[derive(Debug, thiserror::Error)]
pub enum ProbeError {
    /// The engine could not run a command in the node.
    #[error(transparent)]
    Access(#[from] AccessError),
    /// asbuilt could not work inside the node's network namespace.
    #[error(transparent)]
    Netns(#[from] NetnsError),
    /// This probe needs the node's network namespace and the engine gives none.
    #[error("{what} needs the network namespace of {node}, which this engine does not give")]
    NeedsNamespace { what: &'static str, node: String },
    /// asbuilt's probe agent in a node failed, or could not be started.
    #[error("asbuilt's probe agent in {node}: {reason}")]
    Agent { node: String, reason: String },
    /// asbuilt needed a port in a node for itself, and the node uses it already.
    #[error("port {port} in {node} is in use, so asbuilt cannot listen there")]
    PortInUse { node: String, port: u16 },
    /// A node's tool printed something asbuilt cannot read.
    #[error("could not read the output of `{command}` in {node}: {output}")]
    Unreadable { node: String, command: String, output: String },
}

/// Everything probes share during one run: the way into the lab, the probe agents
/// started in its nodes, and the ports asbuilt listens on.
pub struct Probes<'a> {
    access: &'a dyn LabAccess,
    /// One agent per node, started at its first use; `None` where none can run. A
    /// cell per node, so agents of different nodes start side by side (on a cluster,
    /// each start is a few calls to its API) and two probes of one node start one.
    agents: std::sync::Mutex<HashMap<String, AgentCell>>,
    /// Two checks that need asbuilt on the same port of the same node get the same
    /// listener, and it closes when the last of them is done.
    listeners: tokio::sync::Mutex<HashMap<(String, Transport, u16), Weak<Listener>>>,
}

type AgentCell = Arc<tokio::sync::OnceCell<Option<Arc<Session>>>>;

/// What happened when asbuilt tried to listen.
pub enum Listening {
    /// asbuilt listens.
    Asbuilt(Arc<Listener>),
    /// Something in the node listens there already: the port is the node's own.
    Taken,
}

impl<'a> Probes<'a> {
    pub fn new(access: &'a dyn LabAccess) -> Probes<'a> {
        Probes { access, agents: Default::default(), listeners: Default::default() }
    }

    /// Observes what `probe` is about, within `timeout`.
    pub async fn gather(&self, probe: &ProbeSpec, timeout: Duration) -> Result<Gathered, ProbeError> {
        match probe {
            ProbeSpec::OspfRoute { metric: Some(_), .. } | ProbeSpec::OspfInterface { .. } => {
                ospf_detail::gather(self, probe, timeout).await
            }
            ProbeSpec::Address { .. }
            | ProbeSpec::Gateway { .. }
            | ProbeSpec::Route { .. }
            | ProbeSpec::RouteTable { .. }
            | ProbeSpec::OspfNeighbour { .. }
            | ProbeSpec::Ospf6Neighbour { .. }
            | ProbeSpec::OspfRouterId { .. }
            | ProbeSpec::OspfRoute { .. }
            | ProbeSpec::RipRoute { .. }
            | ProbeSpec::Vlan { .. }
            | ProbeSpec::Command { .. }
            | ProbeSpec::File { .. } => state::gather(self, probe, timeout).await,
            ProbeSpec::BgpSession { .. } | ProbeSpec::BgpRoute { .. } => {
                bgp::gather(self, probe, timeout).await
            }
            ProbeSpec::Link { .. }
            | ProbeSpec::Ping { .. }
            | ProbeSpec::Traceroute { .. }
            | ProbeSpec::Port { .. }
            | ProbeSpec::Inject { .. }
            | ProbeSpec::Nat { .. } => traffic::gather(self, probe, timeout).await,
            ProbeSpec::Http { .. }
            | ProbeSpec::Site { .. }
            | ProbeSpec::Dns { .. }
            | ProbeSpec::Dhcp { .. }
            | ProbeSpec::Ssh { .. } => services::gather(self, probe, timeout).await,
            ProbeSpec::Account { .. }
            | ProbeSpec::Sudo { .. }
            | ProbeSpec::Login { .. }
            | ProbeSpec::KeyLogin { .. } => accounts::gather(self, probe, timeout).await,
            ProbeSpec::Syslog { .. }
            | ProbeSpec::Snmp { .. }
            | ProbeSpec::NtpServer { .. }
            | ProbeSpec::NtpFollows { .. } => monitoring::gather(self, probe, timeout).await,
            ProbeSpec::Backup { node, server, file, source } => {
                backups::gather(self, node, server, file, *source, timeout).await
            }
            ProbeSpec::Boot { node, service, .. } => boot::gather(self, node, service, timeout).await,
            ProbeSpec::Package { node, name, .. } => packages::gather(self, node, name, timeout).await,
        }
    }

    /// The way into a node's network: its namespace from this host, or else the probe
    /// agent in it; `None` when the engine gives neither.
    async fn net(&self, node: &str) -> Result<Option<Net>, ProbeError> {
        if let Some(path) = self.access.netns(node) {
            return Ok(Some(Net::Local(Namespace::File(path))));
        }
        let cell = self.agents.lock().expect("not poisoned").entry(node.to_string()).or_default().clone();
        // A start that failed leaves the cell empty: the next probe tries again.
        let session = cell
            .get_or_try_init(|| async {
                Ok::<_, ProbeError>(
                    self.access.agent(node).await?.map(|channel| Session::start(node, channel)),
                )
            })
            .await?;
        Ok(session.clone().map(Net::Agent))
    }

    /// [`Probes::net`] for a probe that cannot do without: `what` names it in the error.
    async fn need_net(&self, node: &str, what: &'static str) -> Result<Net, ProbeError> {
        self.net(node).await?.ok_or_else(|| ProbeError::NeedsNamespace { what, node: node.to_string() })
    }

    /// Listens on `port` of every address of `node` (shared with any check listening
    /// there already), or reports that the node itself does.
    pub async fn listen(&self, node: &str, protocol: Transport, port: u16) -> Result<Listening, ProbeError> {
        let net = self.need_net(node, "listening on a port for a check").await?;
        let key = (node.to_string(), protocol, port);
        let mut open = self.listeners.lock().await;
        if let Some(existing) = open.get(&key).and_then(Weak::upgrade) {
            return Ok(Listening::Asbuilt(existing));
        }
        let Some(listener) = net.listen(protocol, port).await? else { return Ok(Listening::Taken) };
        let listener = Arc::new(listener);
        open.insert(key, Arc::downgrade(&listener));
        Ok(Listening::Asbuilt(listener))
    }

    /// Runs a node's own command as root; the evidence says so.
    async fn exec(
        &self,
        node: &str,
        argv: &[&str],
        timeout: Duration,
    ) -> Result<(ExecOutput, Evidence), ProbeError> {
        self.exec_as(node, RunAs::Root, argv, timeout).await
    }

    /// Asks FRR in a node (`vtysh -c COMMAND`, as root) and reads its answer with
    /// `read`: what it read (`None` when vtysh failed or the answer made no sense), and
    /// the evidence. Routing state lives in FRR's daemons; only FRR itself can tell.
    async fn vtysh<T>(
        &self,
        node: &str,
        command: &str,
        timeout: Duration,
        read: impl FnOnce(&str) -> Option<T>,
    ) -> Result<(Option<T>, Evidence), ProbeError> {
        let (out, evidence) = self.exec(node, &["vtysh", "-c", command], timeout).await?;
        let read = if out.success() { read(&out.stdout) } else { None };
        Ok((read, evidence))
    }

    /// Runs a node's own command as `user`; the evidence says so.
    async fn exec_as(
        &self,
        node: &str,
        user: RunAs,
        argv: &[&str],
        timeout: Duration,
    ) -> Result<(ExecOutput, Evidence), ProbeError> {
        let owned: Vec<String> = argv.iter().map(|s| s.to_string()).collect();
        let output = self.access.exec(node, user, &owned, timeout).await?;
        let mut raw = output.stdout.clone();
        if !output.stderr.trim().is_empty() {
            raw.push_str(&output.stderr);
        }
        let evidence = Evidence {
            influence: Influence::NodeTools,
            method: format!("`{}` in {node} (exit status {})", shell_words(argv), output.exit_code),
            raw,
        };
        Ok((output, evidence))
    }
}

/// Evidence asbuilt gathered itself from outside the node.
fn by_asbuilt(method: String, raw: String) -> Evidence {
    Evidence { influence: Influence::Asbuilt, method, raw }
}

/// A command line as one would type it.
fn shell_words(argv: &[&str]) -> String {
    argv.iter()
        .map(|a| if a.contains(' ') || a.is_empty() { format!("'{a}'") } else { a.to_string() })
        .collect::<Vec<_>>()
        .join(" ")
}
