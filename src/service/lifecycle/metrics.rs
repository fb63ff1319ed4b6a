//! Figures the service exports (`/metrics`): a snapshot, taken when asked.

use std::collections::BTreeMap;
use std::time::Duration;

use serde::Serialize;

use super::state::LabState;

/// How long deploys took, since the manager started.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct DeployDurations {
    /// Successful deploys.
    pub count: u64,
    pub total: Duration,
    pub max: Duration,
    /// The most recent ones, oldest first, at most [`DeployDurations::RECENT`]: enough for
    /// a median and a 95th percentile of the last class.
    pub recent: Vec<Duration>,
    /// Deploys that failed.
    pub failed: u64,
}

impl DeployDurations {
    pub const RECENT: usize = 128;

    pub(super) fn record(&mut self, took: Duration) {
        self.count += 1;
        self.total += took;
        self.max = self.max.max(took);
        if self.recent.len() == Self::RECENT {
            self.recent.remove(0);
        }
        self.recent.push(took);
    }
}

/// The manager's figures at one moment.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Metrics {
    /// Instances per state; every state is present, zero or not.
    pub by_state: BTreeMap<LabState, usize>,
    pub queue_length: usize,
    /// Nodes of labs that run, deploy or are being removed.
    pub nodes: usize,
    pub deploys_running: usize,
    pub deploys: DeployDurations,
    /// Changes of state the store failed to keep.
    pub store_errors: u64,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_most_recent_durations_are_kept() {
        let mut d = DeployDurations::default();
        for s in 0..(DeployDurations::RECENT as u64 + 2) {
            d.record(Duration::from_secs(s));
        }
        assert_eq!(d.count, DeployDurations::RECENT as u64 + 2);
        assert_eq!(d.recent.len(), DeployDurations::RECENT);
        assert_eq!(d.recent[0], Duration::from_secs(2));
        assert_eq!(d.max, Duration::from_secs(DeployDurations::RECENT as u64 + 1));
    }
}
