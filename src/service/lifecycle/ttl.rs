//! When a ready lab expires. Pure: the reaper passes in the time.

use std::time::{Duration, SystemTime};

use super::state::StoredLab;

/// Why a lab expired.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Expiry {
    /// Nobody worked in it for its idle time.
    Idle(Duration),
    /// It reached the end of its lifetime.
    Lifetime,
}

impl std::fmt::Display for Expiry {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Expiry::Idle(idle) => write!(f, "idle for more than {}", humantime::format_duration(*idle)),
            Expiry::Lifetime => f.write_str("reached the end of its lifetime"),
        }
    }
}

/// When a ready lab expires if nobody touches it: counted from the last activity, or
/// from when it became ready if that is later (a redeploy is not the student's idling).
pub fn idle_deadline(lab: &StoredLab) -> Option<SystemTime> {
    let ready = lab.ready_at?;
    Some(lab.last_active.max(ready) + lab.request.ttl.idle)
}

/// Whether a ready lab is due to expire at `now`, and why. The lifetime wins when both
/// are due: it is the one an extend would have helped with.
pub fn due(lab: &StoredLab, now: SystemTime) -> Option<Expiry> {
    if lab.expires_at.is_some_and(|end| now >= end) {
        return Some(Expiry::Lifetime);
    }
    if idle_deadline(lab).is_some_and(|end| now >= end) {
        return Some(Expiry::Idle(lab.request.ttl.idle));
    }
    None
}

/// The expiry after extending by `by`: never past the maximum lifetime.
pub fn extended(lab: &StoredLab, by: Duration) -> Option<SystemTime> {
    let ready = lab.ready_at?;
    let limit = ready + lab.request.ttl.max_lifetime;
    let current = lab.expires_at.unwrap_or(ready + lab.request.ttl.lifetime);
    Some((current + by).min(limit))
}

#[cfg(test)]
pub(super) mod tests {
    use std::sync::Arc;

    use super::*;
    use crate::plan::InstanceId;
    use crate::service::lifecycle::state::{LabRequest, LabState, Ttl};

    /// A ready lab of no nodes, ready at `t0`.
    pub(in crate::service::lifecycle) fn lab(ttl: Ttl, t0: SystemTime) -> StoredLab {
        let design = crate::design::Lab::load(&crate::topology::Source::new(
            "t.yml",
            "lab: t\ntitle: T\ntrains: [B1-K2-W1]\nnodes:\n  pc1: { kind: host }\n",
        ))
        .expect("a valid lab")
        .design_for(None);
        let instance = InstanceId::parse("t").unwrap();
        let plan = crate::plan::plan(&design, instance.clone());
        StoredLab {
            request: Arc::new(LabRequest { owner: "anna".into(), instance, plan, design, ttl }),
            state: LabState::Ready,
            detail: None,
            seq: 0,
            requested_at: t0,
            ready_at: Some(t0),
            last_active: t0,
            expires_at: Some(t0 + ttl.lifetime),
            interrupted: 0,
        }
    }

    const MIN: Duration = Duration::from_secs(60);
    const TTL: Ttl = Ttl {
        idle: Duration::from_secs(600),
        lifetime: Duration::from_secs(3600),
        max_lifetime: Duration::from_secs(7200),
    };

    #[test]
    fn an_untouched_lab_expires_after_its_idle_time_and_a_touch_postpones_it() {
        let t0 = SystemTime::UNIX_EPOCH + Duration::from_secs(1_000_000);
        let mut lab = lab(TTL, t0);
        assert_eq!(due(&lab, t0 + 9 * MIN), None);
        assert_eq!(due(&lab, t0 + 10 * MIN), Some(Expiry::Idle(TTL.idle)));
        lab.last_active = t0 + 5 * MIN;
        assert_eq!(due(&lab, t0 + 10 * MIN), None, "touched five minutes in");
        assert_eq!(due(&lab, t0 + 15 * MIN), Some(Expiry::Idle(TTL.idle)));
    }

    #[test]
    fn a_busy_lab_still_ends_with_its_lifetime_and_extend_stops_at_the_maximum() {
        let t0 = SystemTime::UNIX_EPOCH + Duration::from_secs(1_000_000);
        let mut lab = lab(TTL, t0);
        lab.last_active = t0 + 59 * MIN;
        assert_eq!(due(&lab, t0 + 59 * MIN), None);
        assert_eq!(due(&lab, t0 + 60 * MIN), Some(Expiry::Lifetime));
        assert_eq!(extended(&lab, 30 * MIN), Some(t0 + 90 * MIN));
        lab.expires_at = extended(&lab, 30 * MIN);
        assert_eq!(extended(&lab, 60 * MIN), Some(t0 + 120 * MIN), "never past the maximum lifetime");
    }
}
