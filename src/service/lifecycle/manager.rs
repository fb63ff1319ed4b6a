//! The manager: takes requests, admits them in order, deploys, expires and removes
//! labs through the engine, and keeps the store and the watchers up to date.
//!
//! One lock over the table. Every change of state happens under it: the store is
//! written and the event sent before the lock is let go, so the store and the events
//! see changes in the order they happened. Engine calls (deploys and removals, seconds
//! each) never run under it.

use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime};

use futures::future::BoxFuture;
use tokio::sync::{Mutex, MutexGuard, broadcast, watch};
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;

use super::admission::Limits;
use super::error::LifecycleError;
use super::events::{LifecycleEvent, Relay};
use super::metrics::Metrics;
use super::reconcile::{self, ReconcileReport};
use super::state::{LabRequest, LabState, LabStatus, StoredLab};
use super::store::LifecycleStore;
use super::table::{Entry, Table};
use super::ttl;
use crate::engine::{DeployRequest, DestroyReport, Engine};
use crate::plan::InstanceId;

/// Where the manager reads the time: the system's, or a test's.
pub trait Clock: Send + Sync {
    fn now(&self) -> SystemTime;
}

/// The system's clock.
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> SystemTime {
        SystemTime::now()
    }
}

/// How the manager runs.
pub struct LifecycleConfig {
    pub limits: Limits,
    /// Nodes one deploy creates and configures at the same time.
    pub workers: usize,
    /// How often the reaper looks for expired labs.
    pub reap_every: Duration,
    /// Only instances whose names start with this are the manager's: at start, others
    /// the engine runs (an operator's labs from the command line) are left alone. `None`
    /// claims every instance of the engine.
    pub scope: Option<String>,
    /// How many events a slow watcher may fall behind before it misses some.
    pub event_buffer: usize,
    pub clock: Arc<dyn Clock>,
}

impl Default for LifecycleConfig {
    /// Figures for the 2-core school server of issue 10: two deploys at once keep both
    /// cores busy, 30 students with a 6-node lab each make 180 nodes.
    fn default() -> LifecycleConfig {
        LifecycleConfig {
            limits: Limits { deploys: 2, nodes: 180, per_owner: 1 },
            workers: 4,
            reap_every: Duration::from_secs(30),
            scope: None,
            event_buffer: 1024,
            clock: Arc::new(SystemClock),
        }
    }
}

/// What a removal leads to once the engine is done.
#[derive(Debug, Clone)]
pub(super) enum After {
    Destroyed,
    Expired(String),
    /// A reset: deploy the same plan again, first in the queue.
    Requeue,
}

/// The lab lifecycle manager. Cheap to clone; every clone is the same manager.
#[derive(Clone)]
pub struct Lifecycle {
    inner: Arc<Inner>,
}

pub(super) struct Inner {
    pub(super) engine: Arc<dyn Engine>,
    store: Arc<dyn LifecycleStore>,
    pub(super) config: LifecycleConfig,
    table: Mutex<Table>,
    events: broadcast::Sender<LifecycleEvent>,
    /// Bumped on every change of state, for [`Lifecycle::wait_until`].
    changed: watch::Sender<u64>,
    shutdown: CancellationToken,
    tasks: TaskTracker,
}

impl Lifecycle {
    /// Starts the manager: reads the store, reconciles it with what the engine runs
    /// (see [`ReconcileReport`]), queues again what waited, and starts the reaper. When
    /// `shutdown` is cancelled, nothing new starts deploying and the reaper stops (until
    /// then it runs, also when every handle is dropped); see [`Lifecycle::stopped`].
    pub async fn start(
        engine: Arc<dyn Engine>,
        store: Arc<dyn LifecycleStore>,
        config: LifecycleConfig,
        shutdown: CancellationToken,
    ) -> Result<(Lifecycle, ReconcileReport), LifecycleError> {
        let (events, _) = broadcast::channel(config.event_buffer.max(1));
        let inner = Arc::new(Inner {
            engine,
            store,
            config,
            table: Mutex::new(Table::default()),
            events,
            changed: watch::Sender::new(0),
            shutdown,
            tasks: TaskTracker::new(),
        });
        let report = {
            let mut table = inner.table.lock().await;
            let report = reconcile::run(&inner, &mut table).await?;
            inner.dispatch(&mut table).await;
            report
        };
        inner.tasks.spawn(Inner::reap(inner.clone()));
        Ok((Lifecycle { inner }, report))
    }

    /// Takes a request: refused at once if it can never run here (too many nodes for
    /// the server, over the owner's quota), else stored, queued and deployed as soon
    /// as there is room. An instance that expired, was destroyed, failed or was lost
    /// may be requested again.
    pub async fn request(&self, request: LabRequest) -> Result<LabStatus, LifecycleError> {
        let inner = &self.inner;
        let instance = request.instance.clone();
        if inner.shutdown.is_cancelled() {
            return Err(LifecycleError::ShuttingDown { doing: "request", instance });
        }
        let mut t = inner.table.lock().await;
        if let Some(entry) = t.entries.get(&instance)
            && entry.lab.state.is_live()
        {
            return Err(LifecycleError::Exists { instance, state: entry.lab.state });
        }
        inner
            .config
            .limits
            .admissible(&request.owner, request.nodes(), t.live_of(&request.owner))
            .map_err(|refusal| LifecycleError::Refused { instance: instance.clone(), refusal })?;
        let now = inner.config.clock.now();
        let lab = StoredLab {
            request: Arc::new(request),
            state: LabState::Requested,
            detail: None,
            seq: t.seq_last(),
            requested_at: now,
            ready_at: None,
            last_active: now,
            expires_at: None,
            interrupted: 0,
        };
        // Stored before anything else: a request the store did not take is not taken.
        inner.store.save(&lab).await?;
        t.entries.insert(instance.clone(), Entry { lab, deploy: None, announced: None, removal: None });
        inner.announce(&t, &instance);
        inner.set_state(&mut t, &instance, LabState::Queued, None).await;
        t.enqueue(instance.clone());
        inner.dispatch(&mut t).await;
        Ok(inner.view(&t, &instance))
    }

    /// A clean redeploy: removes the lab (what the student saved goes with it) and
    /// deploys the same plan again, first in the queue. Also brings back a lab that
    /// failed or was lost. Returns once the lab is queued again.
    pub async fn reset(&self, instance: &InstanceId) -> Result<LabStatus, LifecycleError> {
        let inner = &self.inner;
        if inner.shutdown.is_cancelled() {
            return Err(LifecycleError::ShuttingDown { doing: "reset", instance: instance.clone() });
        }
        let mut t = inner.table.lock().await;
        let entry =
            t.entries.get(instance).ok_or_else(|| LifecycleError::NoSuchInstance(instance.clone()))?;
        let state = entry.lab.state;
        match state {
            LabState::Ready => {}
            LabState::Failed | LabState::Lost => {
                // Coming back to life: it counts against the quota again.
                let owner = entry.lab.request.owner.clone();
                inner
                    .config
                    .limits
                    .admissible(&owner, entry.lab.request.nodes(), t.live_of(&owner))
                    .map_err(|refusal| LifecycleError::Refused { instance: instance.clone(), refusal })?;
            }
            _ => {
                return Err(LifecycleError::WrongState { doing: "reset", instance: instance.clone(), state });
            }
        }
        inner.set_state(&mut t, instance, LabState::Destroying, None).await;
        drop(t);
        inner.remove(instance, After::Requeue).await;
        self.status(instance).await
    }

    /// Pushes a ready lab's expiry back by `by`, never past its maximum lifetime.
    /// Returns the new expiry.
    pub async fn extend(&self, instance: &InstanceId, by: Duration) -> Result<SystemTime, LifecycleError> {
        let inner = &self.inner;
        let mut t = inner.table.lock().await;
        let entry =
            t.entries.get_mut(instance).ok_or_else(|| LifecycleError::NoSuchInstance(instance.clone()))?;
        let Some(expires) = ttl::extended(&entry.lab, by).filter(|_| entry.lab.state == LabState::Ready)
        else {
            return Err(LifecycleError::WrongState {
                doing: "extend",
                instance: instance.clone(),
                state: entry.lab.state,
            });
        };
        let mut changed = entry.lab.clone();
        changed.expires_at = Some(expires);
        inner.store.save(&changed).await?;
        entry.lab = changed;
        Ok(expires)
    }

    /// Someone worked in the lab: its idle time starts again. Not stored (the service
    /// may call this often); after a restart every ready lab's idle time starts again.
    pub async fn touch(&self, instance: &InstanceId) -> Result<(), LifecycleError> {
        let now = self.inner.config.clock.now();
        let mut t = self.inner.table.lock().await;
        let entry =
            t.entries.get_mut(instance).ok_or_else(|| LifecycleError::NoSuchInstance(instance.clone()))?;
        entry.lab.last_active = entry.lab.last_active.max(now);
        Ok(())
    }

    /// Removes a lab: a queued one leaves the queue, a deploying one is cancelled (the
    /// engine removes what it made), a running one is destroyed. Returns once it is
    /// gone. Destroying a lab that is gone already does nothing.
    pub async fn destroy(&self, instance: &InstanceId) -> Result<LabStatus, LifecycleError> {
        let inner = &self.inner;
        let mut t = inner.table.lock().await;
        let entry =
            t.entries.get_mut(instance).ok_or_else(|| LifecycleError::NoSuchInstance(instance.clone()))?;
        match entry.lab.state {
            LabState::Requested | LabState::Queued => {
                t.queue.retain(|q| q != instance);
                inner.set_state(&mut t, instance, LabState::Destroyed, None).await;
                inner.dispatch(&mut t).await;
                return Ok(inner.view(&t, instance));
            }
            LabState::Deploying => {
                entry.removal = Some(After::Destroyed);
                if let Some(deploy) = &entry.deploy {
                    deploy.cancel();
                }
                inner.set_state(&mut t, instance, LabState::Destroying, None).await;
                drop(t);
                return self.wait_until(instance, |s| s.state != LabState::Destroying).await;
            }
            LabState::Ready | LabState::Failed | LabState::Lost => {
                inner.set_state(&mut t, instance, LabState::Destroying, None).await;
                drop(t);
                inner.remove(instance, After::Destroyed).await;
            }
            LabState::Destroying => {
                drop(t);
                return self.wait_until(instance, |s| s.state != LabState::Destroying).await;
            }
            LabState::Expired | LabState::Destroyed => return Ok(inner.view(&t, instance)),
        }
        self.status(instance).await
    }

    /// One instance as it is now.
    pub async fn status(&self, instance: &InstanceId) -> Result<LabStatus, LifecycleError> {
        let t = self.inner.table.lock().await;
        if !t.entries.contains_key(instance) {
            return Err(LifecycleError::NoSuchInstance(instance.clone()));
        }
        Ok(self.inner.view(&t, instance))
    }

    /// Every instance the manager knows, in any state, by name.
    pub async fn list(&self) -> Vec<LabStatus> {
        let t = self.inner.table.lock().await;
        t.entries.keys().map(|id| self.inner.view(&t, id)).collect()
    }

    /// Every event from now on. A watcher that falls more than the configured buffer
    /// behind misses events (and is told so by the receiver); `status` catches up.
    pub fn subscribe(&self) -> broadcast::Receiver<LifecycleEvent> {
        self.inner.events.subscribe()
    }

    /// Waits until the instance's status satisfies `done`. Bound it with a timeout.
    pub async fn wait_until(
        &self,
        instance: &InstanceId,
        done: impl Fn(&LabStatus) -> bool,
    ) -> Result<LabStatus, LifecycleError> {
        let mut changes = self.inner.changed.subscribe();
        loop {
            changes.borrow_and_update();
            let status = self.status(instance).await?;
            if done(&status) {
                return Ok(status);
            }
            // The sender lives as long as the manager, so this only waits.
            let _ = changes.changed().await;
        }
    }

    /// The figures the service exports.
    pub async fn metrics(&self) -> Metrics {
        let t = self.inner.table.lock().await;
        let mut by_state: std::collections::BTreeMap<LabState, usize> =
            LabState::ALL.iter().map(|s| (*s, 0)).collect();
        for entry in t.entries.values() {
            *by_state.entry(entry.lab.state).or_default() += 1;
        }
        let load = t.load();
        Metrics {
            by_state,
            queue_length: t.queue.len(),
            nodes: load.nodes,
            deploys_running: load.deploys,
            deploys: t.durations.clone(),
            store_errors: t.store_errors,
        }
    }

    /// Waits, after `shutdown` was cancelled, until the reaper stopped and every deploy
    /// and removal in flight ended: each deploy finished or was rolled back by the
    /// engine. Queued requests stay queued in the store, for the next start.
    pub async fn stopped(&self) {
        self.inner.shutdown.cancelled().await;
        self.inner.tasks.close();
        self.inner.tasks.wait().await;
    }
}

impl Inner {
    /// Moves an instance to a state: stored, then announced. A store that fails here
    /// cannot undo what the engine did; the change is kept in memory and counted
    /// ([`Metrics::store_errors`]), and the next change stores the whole lab again.
    pub(super) async fn set_state(
        &self,
        t: &mut MutexGuard<'_, Table>,
        instance: &InstanceId,
        state: LabState,
        detail: Option<String>,
    ) {
        let entry = t.entries.get_mut(instance).expect("the instance is in the table");
        entry.lab.state = state;
        entry.lab.detail = detail;
        if state != LabState::Queued {
            entry.announced = None;
        }
        let saved = self.store.save(&entry.lab).await;
        if saved.is_err() {
            t.store_errors += 1;
        }
        self.announce(t, instance);
    }

    pub(super) async fn store_load(&self) -> Result<Vec<StoredLab>, super::store::StoreError> {
        self.store.load().await
    }

    pub(super) async fn store_save(&self, lab: &StoredLab) -> Result<(), super::store::StoreError> {
        self.store.save(lab).await
    }

    /// Tells watchers the instance's current state.
    fn announce(&self, t: &Table, instance: &InstanceId) {
        let lab = &t.entries[instance].lab;
        // Nobody watching is fine: events are for watchers, the store is the record.
        let _ = self.events.send(LifecycleEvent::State {
            instance: instance.clone(),
            owner: lab.request.owner.clone(),
            state: lab.state,
            detail: lab.detail.clone(),
        });
        self.changed.send_modify(|v| *v += 1);
    }

    /// Starts deploying queued labs, first come first served, while they fit; then
    /// tells every queued lab that moved its new position. A lab at the head that does
    /// not fit yet holds the ones behind it: a small lab never overtakes, so a big one
    /// is never starved.
    pub(super) async fn dispatch(self: &Arc<Self>, t: &mut MutexGuard<'_, Table>) {
        while !self.shutdown.is_cancelled() {
            let Some(head) = t.queue.front().cloned() else { break };
            let nodes = t.entries[&head].lab.request.nodes();
            if !self.config.limits.fits(t.load(), nodes) {
                break;
            }
            t.queue.pop_front();
            let cancel = CancellationToken::new();
            let entry = t.entries.get_mut(&head).expect("queued instances are entries");
            entry.deploy = Some(cancel.clone());
            let request = entry.lab.request.clone();
            self.set_state(t, &head, LabState::Deploying, None).await;
            self.tasks.spawn(self.clone().deploy(request, cancel));
        }
        for (instance, position) in t.moved() {
            let owner = t.entries[&instance].lab.request.owner.clone();
            let _ = self.events.send(LifecycleEvent::Position { instance, owner, position });
        }
    }

    /// Deploys one admitted lab and records how it ended. A destroy asked meanwhile
    /// cancels it: the engine rolls back a dropped deploy.
    ///
    /// Boxed: a deploy dispatches the next, which spawns a deploy; the box ends the
    /// cycle in the future's type.
    fn deploy(
        self: Arc<Self>,
        request: Arc<LabRequest>,
        cancel: CancellationToken,
    ) -> BoxFuture<'static, ()> {
        Box::pin(self.deploy_inner(request, cancel))
    }

    async fn deploy_inner(self: Arc<Self>, request: Arc<LabRequest>, cancel: CancellationToken) {
        let instance = request.instance.clone();
        let relay =
            Relay { instance: instance.clone(), owner: request.owner.clone(), events: self.events.clone() };
        let started = Instant::now();
        let deploy = self.engine.deploy(
            DeployRequest { plan: &request.plan, design: &request.design, workers: self.config.workers },
            &relay,
        );
        let outcome = tokio::select! {
            outcome = deploy => Some(outcome),
            () = cancel.cancelled() => None,
        };
        let mut t = self.table.lock().await;
        let entry = t.entries.get_mut(&instance).expect("deploying instances stay in the table");
        entry.deploy = None;
        // Asked to go while it deployed (whether or not the deploy got to its end).
        if outcome.is_none() || entry.removal.is_some() {
            let after = entry.removal.take().unwrap_or(After::Destroyed);
            drop(t);
            self.remove(&instance, after).await;
            return;
        }
        match outcome {
            Some(Ok(_)) => {
                t.durations.record(started.elapsed());
                let now = self.config.clock.now();
                let lab = &mut t.entries.get_mut(&instance).expect("still there").lab;
                let ready = *lab.ready_at.get_or_insert(now);
                lab.last_active = now;
                lab.expires_at.get_or_insert(ready + lab.request.ttl.lifetime);
                self.set_state(&mut t, &instance, LabState::Ready, None).await;
            }
            Some(Err(error)) => {
                // The engine removed what this deploy made: its place is free again.
                t.durations.failed += 1;
                self.set_state(&mut t, &instance, LabState::Failed, Some(error.to_string())).await;
            }
            None => {}
        }
        self.dispatch(&mut t).await;
    }

    /// Removes a lab that is in state destroying through the engine, then moves it on.
    /// A removal that left something behind marks the lab failed, with what; another
    /// destroy tries again.
    pub(super) async fn remove(self: &Arc<Self>, instance: &InstanceId, after: After) {
        let report = self.engine.destroy(instance).await;
        let mut t = self.table.lock().await;
        self.finish_removal(&mut t, instance, after, report).await;
        self.dispatch(&mut t).await;
    }

    pub(super) async fn finish_removal(
        &self,
        t: &mut MutexGuard<'_, Table>,
        instance: &InstanceId,
        after: After,
        report: DestroyReport,
    ) {
        if !report.errors.is_empty() {
            let detail = format!("remove the lab: {}", report.errors.join("; "));
            self.set_state(t, instance, LabState::Failed, Some(detail)).await;
            return;
        }
        match after {
            After::Destroyed => self.set_state(t, instance, LabState::Destroyed, None).await,
            After::Expired(why) => self.set_state(t, instance, LabState::Expired, Some(why)).await,
            After::Requeue => {
                let seq = t.seq_first();
                t.entries.get_mut(instance).expect("in the table").lab.seq = seq;
                self.set_state(t, instance, LabState::Queued, None).await;
                t.enqueue(instance.clone());
            }
        }
    }

    /// Expires ready labs that were idle too long or reached their lifetime, until the
    /// manager shuts down.
    async fn reap(self: Arc<Self>) {
        loop {
            tokio::select! {
                () = self.shutdown.cancelled() => return,
                () = tokio::time::sleep(self.config.reap_every) => {}
            }
            let now = self.config.clock.now();
            let mut t = self.table.lock().await;
            let due: Vec<(InstanceId, ttl::Expiry)> = t
                .entries
                .values()
                .filter(|e| e.lab.state == LabState::Ready)
                .filter_map(|e| ttl::due(&e.lab, now).map(|why| (e.lab.instance().clone(), why)))
                .collect();
            for (instance, why) in due {
                let why = why.to_string();
                self.set_state(&mut t, &instance, LabState::Destroying, Some(why.clone())).await;
                let inner = self.clone();
                self.tasks.spawn(async move { inner.remove(&instance, After::Expired(why)).await });
            }
        }
    }

    /// An instance as `status` shows it.
    fn view(&self, t: &Table, instance: &InstanceId) -> LabStatus {
        let lab = &t.entries[instance].lab;
        LabStatus {
            instance: instance.clone(),
            owner: lab.request.owner.clone(),
            lab: lab.request.plan.lab.clone(),
            nodes: lab.request.nodes(),
            state: lab.state,
            detail: lab.detail.clone(),
            position: t.position(instance),
            requested_at: lab.requested_at,
            ready_at: lab.ready_at,
            last_active: lab.last_active,
            expires_at: lab.expires_at,
            idle_expires_at: ttl::idle_deadline(lab).filter(|_| lab.state == LabState::Ready),
        }
    }

    /// Whether an instance of the engine is the manager's to reconcile.
    pub(super) fn in_scope(&self, instance: &InstanceId) -> bool {
        self.config.scope.as_deref().is_none_or(|prefix| instance.as_str().starts_with(prefix))
    }
}
