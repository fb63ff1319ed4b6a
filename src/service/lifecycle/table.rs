//! The manager's view of its instances: who is where, the queue and what runs. No I/O:
//! the manager changes it under its lock and then saves and announces what changed.

use std::collections::{BTreeMap, VecDeque};

use tokio_util::sync::CancellationToken;

use super::admission::Load;
use super::manager::After;
use super::metrics::DeployDurations;
use super::state::{LabState, StoredLab};
use crate::plan::InstanceId;

/// One instance and what only this process needs to know about it.
pub(super) struct Entry {
    pub(super) lab: StoredLab,
    /// Cancels its deploy, while it deploys.
    pub(super) deploy: Option<CancellationToken>,
    /// Its queue position as last announced, so that only changes are announced.
    pub(super) announced: Option<usize>,
    /// What follows when a removal was asked while it deployed.
    pub(super) removal: Option<After>,
}

#[derive(Default)]
pub(super) struct Table {
    pub(super) entries: BTreeMap<InstanceId, Entry>,
    /// Queued instances, first to deploy first.
    pub(super) queue: VecDeque<InstanceId>,
    pub(super) durations: DeployDurations,
    pub(super) store_errors: u64,
}

impl Table {
    pub(super) fn load(&self) -> Load {
        let mut load = Load::default();
        for entry in self.entries.values() {
            if entry.lab.state == LabState::Deploying {
                load.deploys += 1;
            }
            if entry.lab.state.holds_nodes() {
                load.nodes += entry.lab.request.nodes();
            }
        }
        load
    }

    /// The owner's instances that count against the quota.
    pub(super) fn live_of(&self, owner: &str) -> usize {
        self.entries.values().filter(|e| e.lab.request.owner == owner && e.lab.state.is_live()).count()
    }

    /// The 1-based queue position of an instance.
    pub(super) fn position(&self, instance: &InstanceId) -> Option<usize> {
        self.queue.iter().position(|q| q == instance).map(|i| i + 1)
    }

    /// A sequence number behind every queued instance.
    pub(super) fn seq_last(&self) -> i64 {
        self.seq_bound(i64::max).map_or(0, |s| s + 1)
    }

    /// A sequence number before every queued instance: a lab that had its place already
    /// (a reset, a deploy the service's stop interrupted) goes first.
    pub(super) fn seq_first(&self) -> i64 {
        self.seq_bound(i64::min).map_or(0, |s| s - 1)
    }

    fn seq_bound(&self, pick: fn(i64, i64) -> i64) -> Option<i64> {
        self.queue.iter().filter_map(|q| self.entries.get(q)).map(|e| e.lab.seq).reduce(pick)
    }

    /// Puts an instance in the queue at the place its sequence number says.
    pub(super) fn enqueue(&mut self, instance: InstanceId) {
        let seq = self.entries[&instance].lab.seq;
        let at = self.queue.iter().position(|q| self.entries[q].lab.seq > seq).unwrap_or(self.queue.len());
        self.queue.insert(at, instance);
    }

    /// Queued instances whose position changed since it was last announced, with the
    /// new one; marks them announced.
    pub(super) fn moved(&mut self) -> Vec<(InstanceId, usize)> {
        let mut out = Vec::new();
        for (i, instance) in self.queue.iter().enumerate() {
            let entry = self.entries.get_mut(instance).expect("queued instances are entries");
            if entry.announced != Some(i + 1) {
                entry.announced = Some(i + 1);
                out.push((instance.clone(), i + 1));
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use std::time::{Duration, SystemTime};

    use super::*;
    use crate::service::lifecycle::state::Ttl;
    use crate::service::lifecycle::ttl::tests::lab;

    fn table(seqs: &[(&str, i64)]) -> Table {
        let mut table = Table::default();
        let ttl = Ttl {
            idle: Duration::from_secs(1),
            lifetime: Duration::from_secs(1),
            max_lifetime: Duration::from_secs(1),
        };
        for (name, seq) in seqs {
            let mut stored = lab(ttl, SystemTime::UNIX_EPOCH);
            let request = std::sync::Arc::make_mut(&mut stored.request);
            request.instance = InstanceId::parse(name).unwrap();
            stored.state = LabState::Queued;
            stored.seq = *seq;
            let id = stored.instance().clone();
            table
                .entries
                .insert(id.clone(), Entry { lab: stored, deploy: None, announced: None, removal: None });
            table.enqueue(id);
        }
        table
    }

    #[test]
    fn the_queue_keeps_sequence_order_and_announces_only_moves() {
        let mut t = table(&[("b", 2), ("a", 1), ("c", 3)]);
        let order: Vec<&str> = t.queue.iter().map(|q| q.as_str()).collect();
        assert_eq!(order, ["a", "b", "c"]);
        assert_eq!(t.moved().len(), 3, "all new");
        assert!(t.moved().is_empty(), "nothing moved");
        let first = t.queue.pop_front().unwrap();
        t.entries.remove(&first);
        let moved: Vec<(String, usize)> = t.moved().into_iter().map(|(i, p)| (i.to_string(), p)).collect();
        assert_eq!(moved, [("b".to_string(), 1), ("c".to_string(), 2)]);
        assert_eq!(t.seq_first(), 1);
        assert_eq!(t.seq_last(), 4);
    }
}
