//! At start, the store and the engine are made to agree: the store says what the
//! service promised, the engine what runs. Whatever a crash interrupted is finished or
//! taken back, so no instance stays half-built and no request is lost.

use std::collections::BTreeSet;
use std::sync::Arc;

use serde::Serialize;
use tokio::sync::MutexGuard;

use super::error::LifecycleError;
use super::manager::Inner;
use super::state::{LabState, StoredLab};
use super::table::{Entry, Table};
use crate::plan::InstanceId;

/// What reconciling found and did.
#[derive(Debug, Clone, Default, Serialize)]
pub struct ReconcileReport {
    /// Ready labs the engine still runs; their idle time starts again.
    pub kept: Vec<InstanceId>,
    /// Ready labs the engine no longer has: marked lost, `reset` deploys them again.
    pub lost: Vec<InstanceId>,
    /// Labs queued again: those that waited, and deploys the stop interrupted (first).
    pub requeued: Vec<InstanceId>,
    /// Deploys interrupted a second time: marked failed rather than tried forever.
    pub failed: Vec<InstanceId>,
    /// Instances the engine runs that the store does not know: destroyed.
    pub unknown: Vec<InstanceId>,
    /// What removing leftovers could not remove.
    pub errors: Vec<String>,
}

/// What becomes of one stored lab.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum Decision {
    Keep,
    Lost,
    /// Queued again; `first` for a deploy the stop interrupted, which had its place.
    Requeue {
        first: bool,
    },
    Fail(String),
    Finish(LabState),
    Unchanged,
}

/// Decides for one stored lab, given whether the engine has an instance of its name.
/// The flag says whether that instance is removed first: only a ready lab's instance is
/// the lab; any other is a leftover.
///
/// A deploy the stop interrupted is queued again, first, rather than failed: the
/// student did nothing wrong, and the engine's rollback (or the removal here) left
/// nothing of it. A second interruption of the same lab marks it failed, so a lab that
/// brings the service down is not deployed again at every start.
pub(super) fn decide(lab: &StoredLab, present: bool) -> (bool, Decision) {
    match lab.state {
        LabState::Ready if present => (false, Decision::Keep),
        LabState::Ready => (false, Decision::Lost),
        LabState::Requested | LabState::Queued => (present, Decision::Requeue { first: false }),
        LabState::Deploying if lab.interrupted >= 1 => {
            (present, Decision::Fail("the service stopped twice while deploying it".into()))
        }
        LabState::Deploying => (present, Decision::Requeue { first: true }),
        // Whether it was a destroy, an expiry or a reset, the lab was on its way out.
        LabState::Destroying => (present, Decision::Finish(LabState::Destroyed)),
        LabState::Expired | LabState::Destroyed | LabState::Failed | LabState::Lost => {
            (present, Decision::Unchanged)
        }
    }
}

/// Reconciles and fills the table; the caller dispatches afterwards.
pub(super) async fn run(
    inner: &Arc<Inner>,
    t: &mut MutexGuard<'_, Table>,
) -> Result<ReconcileReport, LifecycleError> {
    let mut stored = inner.store_load().await?;
    let running = inner.engine.instances().await?;
    let present: BTreeSet<InstanceId> = running.iter().map(|s| s.instance.clone()).collect();
    let now = inner.config.clock.now();
    let mut report = ReconcileReport::default();
    stored.sort_by_key(|lab| lab.seq);
    let known: BTreeSet<InstanceId> = stored.iter().map(|lab| lab.instance().clone()).collect();
    let mut interrupted = Vec::new();
    for mut lab in stored {
        let instance = lab.instance().clone();
        let (remove, decision) = decide(&lab, present.contains(&instance));
        if remove {
            report.errors.extend(inner.engine.destroy(&instance).await.errors);
        }
        let before = (lab.state, lab.detail.clone(), lab.interrupted);
        match decision {
            Decision::Keep => {
                // The service's downtime is not the student's idling.
                lab.last_active = lab.last_active.max(now);
                report.kept.push(instance.clone());
            }
            Decision::Lost => {
                lab.state = LabState::Lost;
                lab.detail = Some("the engine no longer has it; a reset deploys it again".into());
                report.lost.push(instance.clone());
            }
            Decision::Requeue { first } => {
                lab.state = LabState::Queued;
                if first {
                    lab.interrupted += 1;
                    interrupted.push(instance.clone());
                }
                report.requeued.push(instance.clone());
            }
            Decision::Fail(why) => {
                lab.state = LabState::Failed;
                lab.detail = Some(why);
                report.failed.push(instance.clone());
            }
            Decision::Finish(state) => lab.state = state,
            Decision::Unchanged => {}
        }
        if before != (lab.state, lab.detail.clone(), lab.interrupted) {
            inner.store_save(&lab).await?;
        }
        let queued = lab.state == LabState::Queued && !interrupted.contains(&instance);
        t.entries.insert(instance.clone(), Entry { lab, deploy: None, announced: None, removal: None });
        if queued {
            t.enqueue(instance);
        }
    }
    // Interrupted deploys go first, in their old order: the last one put in front is
    // the one that was first.
    for instance in interrupted.into_iter().rev() {
        let seq = t.seq_first();
        let entry = t.entries.get_mut(&instance).expect("just inserted");
        entry.lab.seq = seq;
        inner.store_save(&entry.lab).await?;
        t.enqueue(instance);
    }
    for summary in running {
        if inner.in_scope(&summary.instance) && !known.contains(&summary.instance) {
            report.errors.extend(inner.engine.destroy(&summary.instance).await.errors);
            report.unknown.push(summary.instance);
        }
    }
    Ok(report)
}

#[cfg(test)]
mod tests {
    use std::time::{Duration, SystemTime};

    use super::*;
    use crate::service::lifecycle::state::Ttl;
    use crate::service::lifecycle::ttl::tests::lab;

    fn stored(state: LabState, interrupted: u32) -> StoredLab {
        let ttl = Ttl {
            idle: Duration::from_secs(1),
            lifetime: Duration::from_secs(1),
            max_lifetime: Duration::from_secs(1),
        };
        let mut lab = lab(ttl, SystemTime::UNIX_EPOCH);
        lab.state = state;
        lab.interrupted = interrupted;
        lab
    }

    #[test]
    fn a_ready_lab_is_kept_when_the_engine_has_it_and_lost_when_not() {
        assert_eq!(decide(&stored(LabState::Ready, 0), true), (false, Decision::Keep));
        assert_eq!(decide(&stored(LabState::Ready, 0), false), (false, Decision::Lost));
    }

    #[test]
    fn an_interrupted_deploy_is_removed_and_queued_first_once_then_failed() {
        assert_eq!(decide(&stored(LabState::Deploying, 0), true), (true, Decision::Requeue { first: true }));
        let (remove, twice) = decide(&stored(LabState::Deploying, 1), true);
        assert!(remove && matches!(twice, Decision::Fail(_)), "{twice:?}");
    }

    #[test]
    fn leftovers_of_labs_that_are_gone_are_removed() {
        for state in [LabState::Destroyed, LabState::Expired, LabState::Failed, LabState::Queued] {
            assert!(decide(&stored(state, 0), true).0, "{state}");
            assert!(!decide(&stored(state, 0), false).0, "{state}");
        }
        assert_eq!(
            decide(&stored(LabState::Destroying, 0), true),
            (true, Decision::Finish(LabState::Destroyed))
        );
    }
}
