//! What a lab request is and which state an instance is in.

use std::sync::Arc;
use std::time::{Duration, SystemTime};

use serde::{Deserialize, Serialize};

use crate::design::Design;
use crate::plan::{InstanceId, Plan};

/// How long a lab may live: per assignment, chosen by the teacher.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Ttl {
    /// A ready lab nobody touched for this long is expired.
    pub idle: Duration,
    /// A lab expires this long after it first became ready, unless extended.
    pub lifetime: Duration,
    /// Extensions never push the expiry further than this after the lab first became
    /// ready.
    pub max_lifetime: Duration,
}

/// One student's request for a lab: everything needed to deploy it, again after a
/// restart of the service.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct LabRequest {
    /// Who asked: the per-owner quota counts by this.
    pub owner: String,
    pub instance: InstanceId,
    pub plan: Plan,
    /// The design the instance is graded against.
    pub design: Design,
    pub ttl: Ttl,
}

impl LabRequest {
    /// The containers the lab runs on the server; switches are containers too.
    pub fn nodes(&self) -> usize {
        self.plan.nodes.len()
    }
}

/// Where an instance is in its life.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum LabState {
    /// Accepted and stored; about to take its place in the queue.
    Requested,
    /// Waiting for room on the server.
    Queued,
    /// The engine is building it.
    Deploying,
    /// Running; the student works in it.
    Ready,
    /// Being removed (destroyed, expired or reset); its nodes still run until it is gone.
    Destroying,
    /// Removed because it was idle too long or reached its maximum lifetime.
    Expired,
    /// Removed on request.
    Destroyed,
    /// The deploy failed (and the engine removed what it made), or a removal failed;
    /// the detail says which.
    Failed,
    /// The service knew it as ready, but the engine no longer has it (a host that lost
    /// its disks, an operator's `destroy --all`). It can be deployed again.
    Lost,
}

impl LabState {
    pub const ALL: [LabState; 9] = [
        LabState::Requested,
        LabState::Queued,
        LabState::Deploying,
        LabState::Ready,
        LabState::Destroying,
        LabState::Expired,
        LabState::Destroyed,
        LabState::Failed,
        LabState::Lost,
    ];

    /// The state as a word, for metrics and pages.
    pub fn name(self) -> &'static str {
        match self {
            LabState::Requested => "requested",
            LabState::Queued => "queued",
            LabState::Deploying => "deploying",
            LabState::Ready => "ready",
            LabState::Destroying => "destroying",
            LabState::Expired => "expired",
            LabState::Destroyed => "destroyed",
            LabState::Failed => "failed",
            LabState::Lost => "lost",
        }
    }

    /// Whether the instance counts against its owner's quota: it waits, runs or is on
    /// its way out.
    pub fn is_live(self) -> bool {
        matches!(
            self,
            LabState::Requested
                | LabState::Queued
                | LabState::Deploying
                | LabState::Ready
                | LabState::Destroying
        )
    }

    /// Whether its nodes run (or are being built or removed) on the server.
    pub fn holds_nodes(self) -> bool {
        matches!(self, LabState::Deploying | LabState::Ready | LabState::Destroying)
    }
}

impl std::fmt::Display for LabState {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.pad(self.name())
    }
}

/// One instance as the manager knows it; also what the store keeps.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct StoredLab {
    pub request: Arc<LabRequest>,
    pub state: LabState,
    /// Why it is in this state, when that is worth saying: the engine's error of a
    /// failed deploy, the reason it expired.
    pub detail: Option<String>,
    /// Its place in the queue relative to the others (lower goes first); kept so that a
    /// restart queues them again in the same order.
    pub seq: i64,
    pub requested_at: SystemTime,
    /// When it first became ready; resets keep it, so a reset never extends a lab.
    pub ready_at: Option<SystemTime>,
    /// The last sign of a student working in it.
    pub last_active: SystemTime,
    /// When its lifetime ends (set when it first becomes ready, moved by extend).
    pub expires_at: Option<SystemTime>,
    /// How often the service stopped while this lab was deploying.
    pub interrupted: u32,
}

impl StoredLab {
    pub fn instance(&self) -> &InstanceId {
        &self.request.instance
    }
}

/// An instance as `status` and `list` show it.
#[derive(Debug, Clone, Serialize)]
pub struct LabStatus {
    pub instance: InstanceId,
    pub owner: String,
    pub lab: String,
    pub nodes: usize,
    pub state: LabState,
    pub detail: Option<String>,
    /// Its place in the queue, 1 for the next to deploy; only while queued.
    pub position: Option<usize>,
    pub requested_at: SystemTime,
    pub ready_at: Option<SystemTime>,
    pub last_active: SystemTime,
    pub expires_at: Option<SystemTime>,
    /// When it expires if nobody touches it before then; only while ready.
    pub idle_expires_at: Option<SystemTime>,
}
