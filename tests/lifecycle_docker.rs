//! The lab lifecycle manager (`service::lifecycle`) on the real Docker engine: the
//! queue, refusals, expiry, extend, reset, failed deploys, reconciling at start and the
//! events a page streams.
//!
//! Every test runs its own manager over tiny labs named with a prefix of its own, and
//! scopes the manager to that prefix, so that reconciling never touches another test's
//! labs. One runtime and one engine serve every test; what a test leaves behind is
//! removed when it ends, however it ends.

mod common;

use std::sync::{Arc, LazyLock};
use std::time::{Duration, Instant};

use asbuilt::design::{Design, Lab};
use asbuilt::engine::docker::DockerEngine;
use asbuilt::engine::{DeployRequest, Engine, EngineError, Quiet};
use asbuilt::plan::{InstanceId, plan};
use asbuilt::service::lifecycle::{
    LabRequest, LabState, LabStatus, Lifecycle, LifecycleConfig, LifecycleError, LifecycleEvent, Limits,
    MemoryStore, Refusal, StoredLab, Ttl,
};
use asbuilt::topology::Source;
use tokio::sync::broadcast;
use tokio_util::sync::CancellationToken;

/// One runtime for every test, so that one engine (and its connections) serves them all.
static RUNTIME: LazyLock<tokio::runtime::Runtime> =
    LazyLock::new(|| tokio::runtime::Builder::new_multi_thread().enable_all().build().expect("a runtime"));

static ENGINE: tokio::sync::OnceCell<Arc<DockerEngine>> = tokio::sync::OnceCell::const_new();

async fn engine() -> Arc<DockerEngine> {
    ENGINE.get_or_init(|| async { Arc::new(common::engine().await) }).await.clone()
}

/// A lab of one host: the smallest that deploys.
const ONE_HOST: &str = "lab: t-lc-one\ntitle: One host\ntrains: [B1-K2-W1]\nnodes:\n  pc1: { kind: host }\n";

/// Two hosts on a switch: three nodes.
const TWO_HOSTS: &str = "\
lab: t-lc-two
title: Two hosts
trains: [B1-K2-W1]
nodes:
  sw1: { kind: switch }
  pc1: { kind: host }
  pc2: { kind: host }
links:
  - pc1:eth1 -- sw1:eth1
  - pc2:eth1 -- sw1:eth2
design:
  addresses:
    pc1:eth1: 192.0.2.11/24
    pc2:eth1: 192.0.2.12/24
";

fn design(yaml: &str, owner: &str) -> Design {
    Lab::load(&Source::new("t.yml", yaml)).expect("a valid lab").design_for(Some(owner))
}

const LONG: Duration = Duration::from_secs(3600);
const HOUR: Ttl = Ttl { idle: LONG, lifetime: LONG, max_lifetime: LONG };

fn request(yaml: &str, owner: &str, instance: &str, ttl: Ttl) -> LabRequest {
    let design = design(yaml, owner);
    let instance = InstanceId::parse(instance).unwrap();
    let plan = plan(&design, instance.clone());
    LabRequest { owner: owner.into(), instance, plan, design, ttl }
}

fn config(prefix: &str, limits: Limits) -> LifecycleConfig {
    LifecycleConfig {
        limits,
        reap_every: Duration::from_millis(200),
        scope: Some(prefix.to_string()),
        ..LifecycleConfig::default()
    }
}

/// A manager over the shared engine, with a store of its own unless given one.
async fn manager(
    prefix: &str,
    limits: Limits,
    store: Option<Arc<MemoryStore>>,
) -> (Lifecycle, Arc<MemoryStore>) {
    let store = store.unwrap_or_default();
    let (lifecycle, _) =
        Lifecycle::start(engine().await, store.clone(), config(prefix, limits), CancellationToken::new())
            .await
            .expect("the manager starts");
    (lifecycle, store)
}

fn id(name: &str) -> InstanceId {
    InstanceId::parse(name).unwrap()
}

/// Waits (at most two minutes) until the instance is in `state`.
async fn reaches(lifecycle: &Lifecycle, instance: &str, state: LabState) -> LabStatus {
    let name = id(instance);
    let wait = lifecycle.wait_until(&name, |s| s.state == state || s.state == LabState::Failed);
    let status = tokio::time::timeout(Duration::from_secs(120), wait)
        .await
        .unwrap_or_else(|_| panic!("{instance} did not become {state} in time"))
        .unwrap();
    assert_eq!(status.state, state, "{instance}: {:?}", status.detail);
    status
}

/// Whether the engine runs anything of the instance.
async fn engine_has(instance: &str) -> bool {
    match engine().await.nodes(&id(instance)).await {
        Ok(nodes) => !nodes.is_empty(),
        Err(EngineError::NoSuchInstance(_)) => false,
        Err(e) => panic!("list the nodes of {instance}: {e}"),
    }
}

/// Runs a command on a node of an instance.
async fn run(instance: &str, node: &str, command: &str) -> asbuilt::engine::ExecOutput {
    let argv = ["sh".to_string(), "-c".to_string(), command.to_string()];
    engine().await.exec(&id(instance), node, None, &argv, None, Duration::from_secs(30)).await.unwrap()
}

/// Removes every instance of a prefix when a test ends, however it ends.
struct Sweep(&'static str);

impl Drop for Sweep {
    fn drop(&mut self) {
        let prefix = self.0;
        // Drop may run while a panic unwinds out of `block_on`: a thread with a runtime
        // of its own does the removal.
        std::thread::spawn(move || {
            let runtime = tokio::runtime::Runtime::new().unwrap();
            runtime.block_on(async {
                let engine = common::engine().await;
                for summary in engine.instances().await.unwrap() {
                    if summary.instance.as_str().starts_with(prefix) {
                        let report = engine.destroy(&summary.instance).await;
                        assert!(
                            report.errors.is_empty(),
                            "destroy {}: {:?}",
                            summary.instance,
                            report.errors
                        );
                    }
                }
            });
        })
        .join()
        .unwrap();
    }
}

/// Runs a test on the shared runtime.
fn test<F: std::future::Future<Output = ()>>(prefix: &'static str, body: impl FnOnce(&'static str) -> F) {
    let _sweep = Sweep(prefix);
    RUNTIME.block_on(body(prefix));
}

/// Every event of one instance received so far.
fn drain(events: &mut broadcast::Receiver<LifecycleEvent>, instance: &str) -> Vec<LifecycleEvent> {
    let mut out = Vec::new();
    while let Ok(event) = events.try_recv() {
        if event.instance().as_str() == instance {
            out.push(event);
        }
    }
    out
}

#[test]
fn a_full_server_queues_requests_with_their_positions_and_deploys_them_as_room_frees() {
    test("t-lcq-", |p| async move {
        let limits = Limits { deploys: 1, nodes: 1, per_owner: 1 };
        let (lc, _) = manager(p, limits, None).await;
        let mut events = lc.subscribe();
        let (a, b, c) = ("t-lcq-anna", "t-lcq-bram", "t-lcq-cor");
        assert_eq!(lc.request(request(ONE_HOST, "anna", a, HOUR)).await.unwrap().state, LabState::Deploying);
        let second = lc.request(request(ONE_HOST, "bram", b, HOUR)).await.unwrap();
        assert_eq!((second.state, second.position), (LabState::Queued, Some(1)));
        let third = lc.request(request(ONE_HOST, "cor", c, HOUR)).await.unwrap();
        assert_eq!((third.state, third.position), (LabState::Queued, Some(2)));
        reaches(&lc, a, LabState::Ready).await;
        // The first holds the server's only node: the second still waits, deploying nothing.
        assert!(engine_has(a).await, "positive control: the first lab runs");
        let waiting = lc.status(&id(b)).await.unwrap();
        assert_eq!((waiting.state, waiting.position), (LabState::Queued, Some(1)));
        assert!(!engine_has(b).await, "the second is not deployed while it waits");
        let metrics = lc.metrics().await;
        assert_eq!((metrics.queue_length, metrics.nodes), (2, 1));

        lc.destroy(&id(a)).await.unwrap();
        assert!(!engine_has(a).await, "the first is gone");
        assert_eq!(lc.status(&id(c)).await.unwrap().position, Some(1), "the third moved up");
        reaches(&lc, b, LabState::Ready).await;
        assert!(engine_has(b).await);

        // A queued request that is destroyed leaves the queue and never deploys.
        let gone = lc.destroy(&id(c)).await.unwrap();
        assert_eq!((gone.state, gone.position), (LabState::Destroyed, None));
        assert_eq!(lc.metrics().await.queue_length, 0);
        lc.destroy(&id(b)).await.unwrap();
        assert!(!engine_has(c).await && !engine_has(b).await);

        // The second lab's events, in order: stored, queued at 1, deploying with its
        // progress, ready, then destroyed.
        let seen = drain(&mut events, b);
        let states: Vec<LabState> = seen
            .iter()
            .filter_map(|e| match e {
                LifecycleEvent::State { state, .. } => Some(*state),
                _ => None,
            })
            .collect();
        assert_eq!(
            states,
            [
                LabState::Requested,
                LabState::Queued,
                LabState::Deploying,
                LabState::Ready,
                LabState::Destroying,
                LabState::Destroyed
            ]
        );
        let at = |wanted: &dyn Fn(&LifecycleEvent) -> bool| seen.iter().position(wanted).unwrap();
        let queued = at(&|e| matches!(e, LifecycleEvent::State { state: LabState::Queued, .. }));
        let first_place = at(&|e| matches!(e, LifecycleEvent::Position { position: 1, .. }));
        let deploying = at(&|e| matches!(e, LifecycleEvent::State { state: LabState::Deploying, .. }));
        let progress = at(&|e| matches!(e, LifecycleEvent::Node { .. } | LifecycleEvent::Step { .. }));
        let ready = at(&|e| matches!(e, LifecycleEvent::State { state: LabState::Ready, .. }));
        assert!(queued < first_place && first_place < deploying, "{seen:#?}");
        assert!(deploying < progress && progress < ready, "{seen:#?}");
        assert!(seen.iter().all(|e| e.owner() == "bram"));
    });
}

#[test]
fn a_request_that_can_never_fit_is_refused_at_once() {
    test("t-lcr-", |p| async move {
        let limits = Limits { deploys: 2, nodes: 2, per_owner: 1 };
        let (lc, _) = manager(p, limits, None).await;
        let asked = Instant::now();
        let too_big = lc.request(request(TWO_HOSTS, "anna", "t-lcr-big", HOUR)).await.unwrap_err();
        assert!(asked.elapsed() < Duration::from_secs(1), "refused at once");
        assert!(
            matches!(
                &too_big,
                LifecycleError::Refused { refusal: Refusal::TooBig { nodes: 3, limit: 2 }, .. }
            ),
            "{too_big}"
        );
        assert!(too_big.to_string().contains("3 nodes"), "{too_big}");
        assert!(matches!(lc.status(&id("t-lcr-big")).await, Err(LifecycleError::NoSuchInstance(_))));

        // Positive control: a lab that fits is taken from the same student.
        lc.request(request(ONE_HOST, "anna", "t-lcr-small", HOUR)).await.unwrap();
        // Her second lab is over the quota: refused, not queued.
        let over = lc.request(request(ONE_HOST, "anna", "t-lcr-second", HOUR)).await.unwrap_err();
        assert!(
            matches!(&over, LifecycleError::Refused { refusal: Refusal::OverQuota { .. }, .. }),
            "{over}"
        );
        assert!(matches!(lc.status(&id("t-lcr-second")).await, Err(LifecycleError::NoSuchInstance(_))));
        // Positive control: another student's lab is taken.
        lc.request(request(ONE_HOST, "bram", "t-lcr-other", HOUR)).await.unwrap();
        for lab in ["t-lcr-small", "t-lcr-other"] {
            reaches(&lc, lab, LabState::Ready).await;
            lc.destroy(&id(lab)).await.unwrap();
        }
        assert!(!engine_has("t-lcr-big").await && !engine_has("t-lcr-second").await);
    });
}

#[test]
fn an_idle_lab_expires_and_the_engine_has_nothing_of_it_while_a_touched_one_lives_on() {
    test("t-lci-", |p| async move {
        let (lc, _) = manager(p, Limits { deploys: 2, nodes: 4, per_owner: 1 }, None).await;
        let idle = Ttl { idle: Duration::from_secs(3), lifetime: LONG, max_lifetime: LONG };
        let (left, busy) = ("t-lci-left", "t-lci-busy");
        lc.request(request(ONE_HOST, "anna", left, idle)).await.unwrap();
        lc.request(request(ONE_HOST, "bram", busy, idle)).await.unwrap();
        reaches(&lc, left, LabState::Ready).await;
        reaches(&lc, busy, LabState::Ready).await;
        assert!(engine_has(left).await, "positive control: it ran");
        // Bram works in his lab; Anna walked away.
        let until = Instant::now() + Duration::from_secs(6);
        while Instant::now() < until {
            lc.touch(&id(busy)).await.unwrap();
            tokio::time::sleep(Duration::from_millis(500)).await;
        }
        let expired = reaches(&lc, left, LabState::Expired).await;
        assert!(expired.detail.as_deref().unwrap_or_default().contains("idle"), "{expired:?}");
        assert!(!engine_has(left).await, "nothing of the expired lab is left");
        assert_eq!(lc.status(&id(busy)).await.unwrap().state, LabState::Ready, "touched past its idle time");
        assert!(engine_has(busy).await);
        // Left alone, his expires too.
        reaches(&lc, busy, LabState::Expired).await;
        assert!(!engine_has(busy).await);
    });
}

#[test]
fn extend_pushes_the_end_of_a_lab_but_never_past_its_maximum_lifetime() {
    test("t-lce-", |p| async move {
        let (lc, _) = manager(p, Limits { deploys: 1, nodes: 1, per_owner: 1 }, None).await;
        let short =
            Ttl { idle: LONG, lifetime: Duration::from_secs(3), max_lifetime: Duration::from_secs(8) };
        let lab = "t-lce-anna";
        lc.request(request(ONE_HOST, "anna", lab, short)).await.unwrap();
        let ready = reaches(&lc, lab, LabState::Ready).await;
        let ready_at = ready.ready_at.unwrap();
        assert_eq!(ready.expires_at, Some(ready_at + Duration::from_secs(3)));
        let pushed = lc.extend(&id(lab), Duration::from_secs(3600)).await.unwrap();
        assert_eq!(pushed, ready_at + Duration::from_secs(8), "capped at the maximum lifetime");
        // Past its first end it still runs; at its maximum it expires.
        tokio::time::sleep(Duration::from_secs(5)).await;
        assert_eq!(lc.status(&id(lab)).await.unwrap().state, LabState::Ready, "extended past 3 s");
        assert!(engine_has(lab).await);
        let expired = reaches(&lc, lab, LabState::Expired).await;
        assert!(expired.detail.as_deref().unwrap_or_default().contains("lifetime"), "{expired:?}");
        assert!(!engine_has(lab).await);
        // A lab that is gone cannot be extended.
        let refused = lc.extend(&id(lab), Duration::from_secs(60)).await.unwrap_err();
        assert!(matches!(refused, LifecycleError::WrongState { state: LabState::Expired, .. }), "{refused}");
    });
}

#[test]
fn reset_gives_a_clean_lab_of_the_same_plan() {
    test("t-lcs-", |p| async move {
        let (lc, _) = manager(p, Limits { deploys: 1, nodes: 3, per_owner: 1 }, None).await;
        let lab = "t-lcs-anna";
        lc.request(request(TWO_HOSTS, "anna", lab, HOUR)).await.unwrap();
        let first = reaches(&lc, lab, LabState::Ready).await;
        run(lab, "pc1", "echo mine > /root/saved").await;
        assert_eq!(run(lab, "pc1", "cat /root/saved").await.stdout.trim(), "mine", "positive control");
        lc.reset(&id(lab)).await.unwrap();
        let again = reaches(&lc, lab, LabState::Ready).await;
        assert!(!run(lab, "pc1", "test -e /root/saved").await.success(), "the saved file is gone");
        assert!(
            run(lab, "pc1", "ip -4 address show eth1").await.stdout.contains("192.0.2.11/24"),
            "and the lab is built again as planned"
        );
        assert_eq!(again.ready_at, first.ready_at, "a reset does not extend the lab");
        lc.destroy(&id(lab)).await.unwrap();
        assert!(!engine_has(lab).await);
    });
}

#[test]
fn a_failed_deploy_is_reported_leaves_nothing_behind_and_frees_its_place() {
    test("t-lcf-", |p| async move {
        let (lc, _) = manager(p, Limits { deploys: 1, nodes: 3, per_owner: 1 }, None).await;
        let (broken, next) = ("t-lcf-broken", "t-lcf-next");
        let mut bad = request(TWO_HOSTS, "anna", broken, HOUR);
        let pc2 = bad.plan.nodes.iter_mut().find(|n| n.name == "pc2").unwrap();
        pc2.configure = Some(format!(
            "{}echo 'asbuilt-step: break on purpose'\nexit 3\n",
            pc2.configure.clone().unwrap()
        ));
        lc.request(bad).await.unwrap();
        lc.request(request(TWO_HOSTS, "bram", next, HOUR)).await.unwrap();
        let failed = reaches(&lc, broken, LabState::Failed).await;
        let why = failed.detail.unwrap_or_default();
        assert!(why.contains("break on purpose") && why.contains("removed"), "{why}");
        // The next one takes its place (all three nodes of the server) and runs.
        reaches(&lc, next, LabState::Ready).await;
        assert!(engine_has(next).await, "positive control");
        assert!(!engine_has(broken).await, "nothing of the failed deploy is left");
        let metrics = lc.metrics().await;
        assert_eq!((metrics.deploys.failed, metrics.deploys.count), (1, 1));
        assert_eq!(metrics.by_state[&LabState::Failed], 1);
        lc.destroy(&id(next)).await.unwrap();
    });
}

/// A lab as the store would hold it after a crash, in `state`.
fn stored(yaml: &str, owner: &str, instance: &str, state: LabState, seq: i64) -> StoredLab {
    let now = std::time::SystemTime::now();
    StoredLab {
        request: Arc::new(request(yaml, owner, instance, HOUR)),
        state,
        detail: None,
        seq,
        requested_at: now,
        ready_at: (state == LabState::Ready).then_some(now),
        last_active: now,
        expires_at: (state == LabState::Ready).then_some(now + LONG),
        interrupted: 0,
    }
}

#[test]
fn reconcile_at_start_destroys_strangers_marks_lost_labs_and_requeues_interrupted_deploys() {
    test("t-lcc-", |p| async move {
        use asbuilt::service::lifecycle::LifecycleStore;
        let engine = engine().await;
        // Before the service starts: a lab it knows as ready, still running; a lab it
        // does not know; a lab it knows as ready that the engine lost; a deploy it was
        // doing when it stopped.
        let (kept, stranger, lost, cut) = ("t-lcc-kept", "t-lcc-stranger", "t-lcc-lost", "t-lcc-cut");
        let store = Arc::new(MemoryStore::new());
        for (name, state, seq) in
            [(kept, LabState::Ready, 0), (lost, LabState::Ready, 1), (cut, LabState::Deploying, 2)]
        {
            store.save(&stored(ONE_HOST, name, name, state, seq)).await.unwrap();
        }
        for name in [kept, stranger] {
            let r = request(ONE_HOST, name, name, HOUR);
            engine
                .deploy(DeployRequest { plan: &r.plan, design: &r.design, workers: 2 }, &Quiet)
                .await
                .unwrap();
        }
        // Outside the manager's scope: an operator's lab, left alone.
        let operator = "t-lcd-operator";
        let _sweep = Sweep("t-lcd-");
        let r = request(ONE_HOST, "op", operator, HOUR);
        engine.deploy(DeployRequest { plan: &r.plan, design: &r.design, workers: 2 }, &Quiet).await.unwrap();

        let limits = Limits { deploys: 1, nodes: 4, per_owner: 1 };
        let (lc, report) =
            Lifecycle::start(engine.clone(), store.clone(), config(p, limits), CancellationToken::new())
                .await
                .unwrap();
        assert_eq!(report.unknown, [id(stranger)], "{report:?}");
        assert_eq!(report.lost, [id(lost)], "{report:?}");
        assert_eq!(report.kept, [id(kept)], "{report:?}");
        assert_eq!(report.requeued, [id(cut)], "{report:?}");
        assert!(report.errors.is_empty(), "{report:?}");
        assert!(!engine_has(stranger).await, "the stranger is destroyed");
        assert!(engine_has(kept).await, "positive control: the known lab runs on");
        assert!(engine_has(operator).await, "a lab outside the scope is left alone");
        assert_eq!(lc.status(&id(kept)).await.unwrap().state, LabState::Ready);
        let marked = lc.status(&id(lost)).await.unwrap();
        assert_eq!(marked.state, LabState::Lost);
        assert_eq!(store.get(&id(lost)).unwrap().state, LabState::Lost, "and stored so");
        reaches(&lc, cut, LabState::Ready).await;
        assert_eq!(store.get(&id(cut)).unwrap().interrupted, 1);
        // A lost lab is deployed again by a reset.
        lc.destroy(&id(cut)).await.unwrap();
        lc.reset(&id(lost)).await.unwrap();
        reaches(&lc, lost, LabState::Ready).await;
        assert!(engine_has(lost).await);
        for name in [kept, lost] {
            lc.destroy(&id(name)).await.unwrap();
        }
        engine.destroy(&id(operator)).await;
    });
}

#[test]
fn a_shutdown_lets_the_deploy_finish_and_keeps_the_queue_for_the_next_start() {
    test("t-lcx-", |p| async move {
        let limits = Limits { deploys: 1, nodes: 1, per_owner: 1 };
        let store = Arc::new(MemoryStore::new());
        let shutdown = CancellationToken::new();
        let (lc, _) = Lifecycle::start(engine().await, store.clone(), config(p, limits), shutdown.clone())
            .await
            .unwrap();
        let (first, waiting) = ("t-lcx-first", "t-lcx-waiting");
        lc.request(request(ONE_HOST, "anna", first, HOUR)).await.unwrap();
        lc.request(request(ONE_HOST, "bram", waiting, HOUR)).await.unwrap();
        shutdown.cancel();
        tokio::time::timeout(Duration::from_secs(120), lc.stopped()).await.expect("stopped in time");
        assert_eq!(store.get(&id(first)).unwrap().state, LabState::Ready, "the deploy in flight finished");
        assert_eq!(store.get(&id(waiting)).unwrap().state, LabState::Queued, "the queue is kept");
        assert!(!engine_has(waiting).await);
        let refused = lc.request(request(ONE_HOST, "cor", "t-lcx-late", HOUR)).await.unwrap_err();
        assert!(matches!(refused, LifecycleError::ShuttingDown { .. }), "{refused}");
        drop(lc);

        // The next start picks the queue up where it was.
        let (lc, report) =
            Lifecycle::start(engine().await, store, config(p, limits), CancellationToken::new())
                .await
                .unwrap();
        assert_eq!(report.kept, [id(first)]);
        assert_eq!(lc.status(&id(waiting)).await.unwrap().position, Some(1));
        lc.destroy(&id(first)).await.unwrap();
        reaches(&lc, waiting, LabState::Ready).await;
        lc.destroy(&id(waiting)).await.unwrap();
    });
}

#[test]
fn a_lab_destroyed_while_it_deploys_is_rolled_back_and_frees_its_place() {
    test("t-lcd2-", |p| async move {
        let (lc, _) = manager(p, Limits { deploys: 1, nodes: 3, per_owner: 1 }, None).await;
        let mut events = lc.subscribe();
        let (cut, next) = ("t-lcd2-cut", "t-lcd2-next");
        lc.request(request(TWO_HOSTS, "anna", cut, HOUR)).await.unwrap();
        lc.request(request(TWO_HOSTS, "bram", next, HOUR)).await.unwrap();
        // Halfway: a node of it runs.
        let started = async {
            loop {
                match events.recv().await.unwrap() {
                    LifecycleEvent::Node { instance, state, .. }
                        if instance.as_str() == cut && state == "started" =>
                    {
                        return;
                    }
                    _ => {}
                }
            }
        };
        tokio::time::timeout(Duration::from_secs(120), started).await.expect("a node of it started");
        assert!(engine_has(cut).await, "positive control: something of it exists");
        let gone = lc.destroy(&id(cut)).await.unwrap();
        assert_eq!(gone.state, LabState::Destroyed, "{:?}", gone.detail);
        assert!(!engine_has(cut).await, "nothing of the cancelled deploy is left");
        reaches(&lc, next, LabState::Ready).await;
        assert!(engine_has(next).await);
        lc.destroy(&id(next)).await.unwrap();
    });
}
