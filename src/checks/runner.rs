//! Running a suite against a lab: checks in parallel up to a bound, each retried within
//! its attempts for things that converge, skipped when a check it requires did not
//! pass.
//!
//! All checks are futures of one task: probes wait on sockets and on short-lived
//! namespace threads, not on the CPU, so one task keeps hundreds of them going. A check
//! waiting for its prerequisites holds no permit, so a bound never deadlocks.

use std::collections::HashMap;
use std::time::{Duration, Instant};

use futures_util::future::join_all;
use tokio::sync::{Semaphore, watch};

use super::access::LabAccess;
use super::derive::texts::t;
use super::events::{Events, RunEvent, Settling, emit};
use super::judge::{self, Names};
use super::model::{CheckSpec, Suite};
use super::outcome::{CheckResult, Outcome};
use super::probe::Probes;
use super::{settle, settle_bgp, settle_rip};

/// How to run a suite.
#[derive(Debug, Clone)]
pub struct RunOptions {
    /// Checks running at the same time; 1 runs them one by one.
    pub parallel: usize,
    /// The pause between two attempts of one check.
    pub retry_delay: Duration,
    /// The longest the runner waits for OSPF to converge before grading.
    pub settle_limit: Duration,
}

impl Default for RunOptions {
    fn default() -> Self {
        // A dead interval and a half: enough for the designated-router election on
        // every segment.
        RunOptions {
            parallel: 32,
            retry_delay: Duration::from_secs(1),
            settle_limit: Duration::from_secs(60),
        }
    }
}

/// A probe that hangs past its own timeout by this much is given up on.
const GRACE: Duration = Duration::from_secs(5);

/// Once OSPF has settled, a check of it gets this many more attempts at most: a route
/// can trail the adjacency by an SPF run, but what is missing after that stays missing,
/// and a failing lab must not take the full patience of every check.
const SETTLED_OSPF_RETRIES: u32 = 2;

/// What a run gives: a result per check, in suite order, and how settling went.
#[derive(Debug, Clone)]
pub struct Run {
    pub results: Vec<CheckResult>,
    /// `None` when no check looks at OSPF.
    pub settling: Option<Settling>,
}

/// Runs every check of `suite` in the lab and returns the results in suite order.
pub async fn run(
    suite: &Suite,
    access: &dyn LabAccess,
    names: &Names,
    options: &RunOptions,
) -> Vec<CheckResult> {
    run_observed(suite, access, names, options, None).await.results
}

/// As [`run`], reporting every step to `events`, and how settling went.
pub async fn run_observed(
    suite: &Suite,
    access: &dyn LabAccess,
    names: &Names,
    options: &RunOptions,
    events: Events<'_>,
) -> Run {
    let routers = settle::ospf_routers(suite);
    let bgp_routers = settle_bgp::bgp_routers(suite);
    let settling = if routers.is_empty() && bgp_routers.is_empty() {
        None
    } else {
        let all: std::collections::BTreeSet<String> = routers.iter().chain(&bgp_routers).cloned().collect();
        let all: Vec<String> = all.into_iter().collect();
        emit(events, RunEvent::Settling { routers: all.clone() });
        let (mut waited, mut settled) = (std::time::Duration::ZERO, true);
        if !routers.is_empty() {
            (waited, settled) = settle::ospf(
                access,
                &routers,
                &settle::expected_neighbours(suite),
                &settle::ospf6_interfaces(suite),
                options.settle_limit,
            )
            .await;
        }
        // BGP runs over what OSPF (or addresses) give it: after OSPF, within what is left.
        if !bgp_routers.is_empty() {
            let left = options.settle_limit.saturating_sub(waited);
            let (more, bgp_settled) =
                settle_bgp::bgp(access, &bgp_routers, &settle_bgp::expected_sessions(suite), left).await;
            waited += more;
            settled &= bgp_settled;
        }
        let settling = Settling { routers: all, waited_ms: waited.as_millis() as u64, settled };
        emit(events, RunEvent::Settled(settling.clone()));
        Some(settling)
    };
    let settled = settling.as_ref().is_some_and(|s| s.settled);
    let rip_expected = settle_rip::expected_routes(suite);
    let rip_settled =
        !rip_expected.is_empty() && settle_rip::rip(access, &rip_expected, options.settle_limit).await.1;
    let probes = Probes::new(access);
    let permits = Semaphore::new(options.parallel.max(1));
    let mut done: HashMap<&str, watch::Sender<Option<bool>>> = HashMap::new();
    for check in &suite.checks {
        done.insert(check.id.as_str(), watch::channel(None).0);
    }
    let finished = std::sync::atomic::AtomicUsize::new(0);
    let total = suite.checks.len();
    let futures = suite.checks.iter().map(|check| {
        let (probes, permits, done, finished) = (&probes, &permits, &done, &finished);
        async move {
            let settled = Settled { ospf_bgp: settled, rip: rip_settled };
            let result = run_one(check, suite, probes, permits, done, names, options, settled, events).await;
            done[check.id.as_str()].send_replace(Some(result.outcome.is_pass()));
            let count = finished.fetch_add(1, std::sync::atomic::Ordering::Relaxed) + 1;
            emit(
                events,
                RunEvent::Finished {
                    id: check.id.clone(),
                    status: result.outcome.status(),
                    done: count,
                    total,
                },
            );
            result
        }
    });
    Run { results: join_all(futures).await, settling }
}

/// Which routing protocols came to rest before the checks started.
#[derive(Debug, Clone, Copy)]
struct Settled {
    /// OSPF's neighbours and BGP's sessions came up (they are waited for together).
    ospf_bgp: bool,
    rip: bool,
}

#[allow(clippy::too_many_arguments)]
async fn run_one(
    check: &CheckSpec,
    suite: &Suite,
    probes: &Probes<'_>,
    permits: &Semaphore,
    done: &HashMap<&str, watch::Sender<Option<bool>>>,
    names: &Names,
    options: &RunOptions,
    settled: Settled,
    events: Events<'_>,
) -> CheckResult {
    let started = Instant::now();
    for required in &check.requires {
        let Some(sender) = done.get(required.as_str()) else { continue };
        let mut rx = sender.subscribe();
        let passed = match rx.wait_for(Option::is_some).await {
            Ok(value) => value.unwrap_or(false),
            Err(_) => false,
        };
        if !passed {
            let title = suite.check(required).map(|c| c.title.clone()).unwrap_or_default();
            let (nl, en) = (title.nl.unwrap_or_default(), title.en.unwrap_or_default());
            return CheckResult {
                id: check.id.clone(),
                outcome: Outcome::Skipped {
                    reason: t(
                        format!("eerst moet `{required}` slagen ({nl})"),
                        format!("`{required}` must pass first ({en})"),
                    ),
                },
                attempts: 0,
                duration_ms: 0,
                evidence: Vec::new(),
            };
        }
    }
    let _permit = permits.acquire().await.expect("the semaphore is never closed");
    emit(events, RunEvent::Started { id: check.id.clone() });
    let at_rest = (settled.ospf_bgp && (settle::is_ospf(&check.probe) || settle_bgp::is_bgp(&check.probe)))
        || (settled.rip && settle_rip::is_rip(&check.probe));
    let retries = if at_rest { check.retries.min(SETTLED_OSPF_RETRIES) } else { check.retries };
    let timeout = Duration::from_millis(check.timeout_ms);
    let mut attempts = 0;
    let mut evidence = Vec::new();
    let mut outcome;
    loop {
        attempts += 1;
        outcome = match tokio::time::timeout(timeout + GRACE, probes.gather(&check.probe, timeout)).await {
            Ok(Ok(gathered)) => {
                evidence = gathered.evidence;
                judge::judge(&check.probe, &gathered.observation, names)
            }
            Ok(Err(e)) => {
                let why = e.to_string();
                Outcome::Error {
                    why: t(format!("kon niet meten: {why}"), format!("could not observe: {why}")),
                }
            }
            Err(_elapsed) => {
                let ms = (timeout + GRACE).as_millis();
                Outcome::Error {
                    why: t(
                        format!("de meting was na {ms} ms niet klaar"),
                        format!("the probe did not finish within {ms} ms"),
                    ),
                }
            }
        };
        if outcome.is_pass() || attempts > retries {
            break;
        }
        tokio::time::sleep(options.retry_delay).await;
    }
    CheckResult {
        id: check.id.clone(),
        outcome,
        attempts,
        duration_ms: u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX),
        evidence,
    }
}
