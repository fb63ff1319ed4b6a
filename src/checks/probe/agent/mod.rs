//! asbuilt's probe agent: the probes' work done inside a node, for engines whose nodes
//! are not on this host (Kubernetes) or that give no namespace to enter.
//!
//! The agent is asbuilt itself (`asbuilt probe-agent`), started in the node's network
//! namespace by the engine. It reads requests, one JSON object per line, and answers
//! each with one line carrying the same id, in whatever order they finish: checks run
//! side by side and share one agent per node. Sockets, captures and listeners a probe
//! holds across requests stay in the agent under a handle until released, or until the
//! agent's input closes, which ends it. See docs/checks.md, "The probe agent".

mod serve;
mod session;

use std::net::{IpAddr, SocketAddr};
use std::pin::Pin;
use std::time::Duration;

use serde::{Deserialize, Serialize};

pub use serve::serve;
pub use session::Session;

use super::icmp::Burst;
use super::watch::Sought;
use crate::design::Transport;

/// The longest line either side sends: a capture never travels, so answers are small
/// (a routing table is the biggest); anything longer is a broken agent.
pub const MAX_LINE: usize = 4 << 20;

/// One request.
#[derive(Debug, Serialize, Deserialize)]
pub struct Request {
    pub id: u64,
    pub op: Op,
}

/// One answer: the operation's result as JSON, or why it failed.
#[derive(Debug, Serialize, Deserialize)]
pub struct Response {
    pub id: u64,
    pub result: Result<serde_json::Value, String>,
}

/// What a probe asks of the agent; each is one method of [`super::net::Net`].
#[derive(Debug, Serialize, Deserialize)]
#[serde(tag = "op", rename_all = "kebab-case")]
pub enum Op {
    Interface {
        name: String,
    },
    Routes,
    BridgeVlans {
        port: String,
    },
    LinkAddress {
        name: String,
    },
    Ping {
        dst: IpAddr,
        id: u16,
        burst: Burst,
    },
    Traceroute {
        dst: IpAddr,
        max_hops: u32,
        per_hop: Duration,
        budget: Duration,
    },
    Listening {
        protocol: Transport,
        port: u16,
    },
    /// Answers `(handle, port)`.
    BindFresh {
        protocol: Transport,
        to: SocketAddr,
    },
    /// Uses up the bound socket `socket`.
    Connect {
        socket: u64,
        to: SocketAddr,
        timeout: Duration,
    },
    /// Uses up the bound socket `socket`.
    Exchange {
        socket: u64,
        to: SocketAddr,
        payload: Vec<u8>,
        timeout: Duration,
    },
    Http {
        to: SocketAddr,
        method: String,
        host: String,
        path: String,
        timeout: Duration,
    },
    Https {
        to: SocketAddr,
        name: String,
        path: String,
        timeout: Duration,
    },
    Greeting {
        to: SocketAddr,
        timeout: Duration,
    },
    DhcpDiscover {
        interface: String,
        timeout: Duration,
    },
    /// Answers a handle.
    Watch {
        sought: Sought,
    },
    Seen {
        watch: u64,
        grace: Duration,
    },
    /// Answers a handle, or `null` when the node listens there itself.
    Listen {
        protocol: Transport,
        port: u16,
    },
    FirstPeer {
        listener: u64,
        timeout: Duration,
    },
    SendFrame {
        ifindex: u32,
        mac: Vec<u8>,
        packet: Vec<u8>,
    },
    /// Drops what a handle holds; unknown handles are no error.
    Release {
        handle: u64,
    },
}

/// The two ends of a running agent, as an engine hands them over.
pub struct AgentChannel {
    /// The agent's standard input: requests go here.
    pub requests: Pin<Box<dyn tokio::io::AsyncWrite + Send>>,
    /// The agent's standard output: answers come from here.
    pub answers: Pin<Box<dyn tokio::io::AsyncRead + Send>>,
    /// Whatever must live as long as the agent runs (a child process, an exec stream);
    /// dropped when the session ends.
    pub keep: Box<dyn Send>,
}
