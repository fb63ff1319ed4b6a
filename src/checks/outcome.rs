//! What running one check gave: the outcome, and the evidence it rests on.

use serde::{Deserialize, Serialize};

use super::model::Influence;
use crate::design::Text;

/// How a check ended.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase", tag = "status")]
pub enum Outcome {
    Pass {
        observed: Text,
    },
    /// What was expected and what was seen, in words a student understands. `credit`
    /// is the share of the weight still earned (partial credit), from 0 up to but not
    /// including 1.
    Fail {
        expected: Text,
        observed: Text,
        credit: f64,
    },
    /// The check could not run: asbuilt could not gather evidence.
    Error {
        why: Text,
    },
    /// The check was not run: a check it requires did not pass.
    Skipped {
        reason: Text,
    },
}

impl Outcome {
    /// The share of the check's weight earned.
    pub fn credit(&self) -> f64 {
        match self {
            Outcome::Pass { .. } => 1.0,
            Outcome::Fail { credit, .. } => *credit,
            Outcome::Error { .. } | Outcome::Skipped { .. } => 0.0,
        }
    }

    pub fn is_pass(&self) -> bool {
        matches!(self, Outcome::Pass { .. })
    }

    pub fn status(&self) -> Status {
        match self {
            Outcome::Pass { .. } => Status::Pass,
            Outcome::Fail { .. } => Status::Fail,
            Outcome::Error { .. } => Status::Error,
            Outcome::Skipped { .. } => Status::Skipped,
        }
    }
}

/// An outcome without its details.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    Pass,
    Fail,
    Error,
    Skipped,
}

impl Status {
    pub fn name(self) -> &'static str {
        match self {
            Status::Pass => "pass",
            Status::Fail => "fail",
            Status::Error => "error",
            Status::Skipped => "skipped",
        }
    }
}

/// One piece of evidence: how it was gathered, whether the student could have
/// influenced it, and the raw text it was judged on.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Evidence {
    pub influence: Influence,
    /// What asbuilt did: "netlink in r1's network namespace", "`vtysh -c ...` in r1".
    pub method: String,
    /// What it saw, as text.
    pub raw: String,
}

/// The result of one check.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CheckResult {
    pub id: String,
    pub outcome: Outcome,
    /// Attempts made (1 when it passed, or failed for good, at once).
    pub attempts: u32,
    pub duration_ms: u64,
    /// The evidence of the last attempt.
    pub evidence: Vec<Evidence>,
}
