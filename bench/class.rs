//! A class asks for its labs at once: 30 students each request their own variant of the
//! 6-node OSPF lab within a second, then all 30 press "check my work" together.
//!
//!     cargo bench --bench class
//!     ASBUILT_BENCH_STUDENTS=30 ASBUILT_BENCH_DEPLOYS=2 cargo bench --bench class
//!
//! Two ways of getting the labs run side by side on the same machine:
//! - baseline: what an operator does today with the CLI, 4 deploys at a time straight
//!   to the engine, in the order of the class list;
//! - asbuilt: the service's lab lifecycle (`service::lifecycle`): every request at once,
//!   admitted under its limits (deploys at a time, nodes on the server), queued in order.
//!
//! It prints, for each, the time from the first request until each lab was ready
//! (median, p95, max), the memory the host gave to each ready lab (the fall of
//! MemAvailable divided by the labs, so shared files count once), and then the 30
//! student-view gradings at once (median, p95, max, and all done) against one grading
//! of a lab alone. Figures go to docs/capacity.md. Under `cargo test` (no `--bench`)
//! it runs two students once, as a smoke test of the harness.

use std::sync::Arc;
use std::time::{Duration, Instant};

use asbuilt::checks::grade::{GradeOptions, grade};
use asbuilt::design::{Design, Lab};
use asbuilt::engine::access::InstanceAccess;
use asbuilt::engine::docker::DockerEngine;
use asbuilt::engine::{DeployRequest, Engine, Quiet};
use asbuilt::images::Silent;
use asbuilt::plan::{InstanceId, Plan, plan};
use asbuilt::service::lifecycle::{
    LabRequest, LabState, Lifecycle, LifecycleConfig, Limits, MemoryStore, Ttl,
};
use asbuilt::topology::Source;
use tokio::sync::Semaphore;
use tokio_util::sync::CancellationToken;

/// Deploys at a time of the baseline: what the outside tester ran with the CLI.
const BASELINE_DEPLOYS: usize = 4;
/// Nodes one deploy builds at a time, in both.
const WORKERS: usize = 4;
/// Every instance of this bench starts with this, so a crashed run is easy to clean.
const PREFIX: &str = "bench-class";

fn main() {
    let runtime = tokio::runtime::Runtime::new().unwrap();
    runtime.block_on(run());
}

fn env_usize(name: &str, default: usize) -> usize {
    std::env::var(name).ok().and_then(|v| v.parse().ok()).unwrap_or(default)
}

/// One student's lab: their variant of the lab, planned under their instance name.
struct Student {
    id: String,
    instance: InstanceId,
    design: Design,
    plan: Plan,
}

async fn run() {
    let measuring = std::env::args().any(|a| a == "--bench");
    let students = if measuring { env_usize("ASBUILT_BENCH_STUDENTS", 30) } else { 2 };
    let deploys = env_usize("ASBUILT_BENCH_DEPLOYS", LifecycleConfig::default().limits.deploys);
    let engine: Arc<dyn Engine> =
        Arc::new(DockerEngine::connect(Box::new(Silent)).await.expect("the Docker engine is reachable"));
    let path = format!("{}/topologies/ospf.yml", env!("CARGO_MANIFEST_DIR"));
    let lab = Lab::load(&Source::read(path.as_ref()).unwrap()).unwrap();
    let class: Vec<Student> = (0..students)
        .map(|i| {
            let id = format!("s{:06}", 100_000 + i);
            let design = lab.design_for(Some(&id));
            let instance = InstanceId::for_lab(PREFIX, Some(&id));
            let plan = plan(&design, instance.clone());
            Student { id, instance, design, plan }
        })
        .collect();
    let nodes = class[0].plan.nodes.len();
    clean(&engine).await;

    println!("{students} students, the OSPF lab ({nodes} nodes), student variants\n");
    println!("| way | deploys at a time | ready: median (s) | p95 (s) | all (s) | memory per lab (MB) |");
    println!("|---|---:|---:|---:|---:|---:|");

    let free = mem_available();
    let started = Instant::now();
    let ready = baseline(&engine, &class).await;
    let memory = (free - mem_available()) / students as f64;
    print_row("baseline: engine, in class-list order", BASELINE_DEPLOYS, &ready, memory, started);
    clean(&engine).await;

    let free = mem_available();
    let started = Instant::now();
    let (lifecycle, shutdown, ready) = through_lifecycle(&engine, &class, deploys, nodes).await;
    let memory = (free - mem_available()) / students as f64;
    print_row("asbuilt: lifecycle, all requests at once", deploys, &ready, memory, started);

    println!("\n| grading | median (s) | p95 (s) | max (s) | all done (s) |");
    println!("|---|---:|---:|---:|---:|");
    let alone = grade_all(&engine, &class[..1]).await;
    println!("| one lab alone (baseline) | {:.1} | | | {:.1} |", alone.0[0], alone.1);
    let (mut each, all) = grade_all(&engine, &class).await;
    println!(
        "| {students} at once | {:.1} | {:.1} | {:.1} | {all:.1} |",
        percentile(&mut each, 0.5),
        percentile(&mut each, 0.95),
        percentile(&mut each, 1.0)
    );
    println!("\nall at once / one alone: {:.1}x", all / alone.1);

    shutdown.cancel();
    lifecycle.stopped().await;
    clean(&engine).await;
}

/// Deploys every lab straight through the engine, `BASELINE_DEPLOYS` at a time. Returns
/// when each was ready, counted from the call.
async fn baseline(engine: &Arc<dyn Engine>, class: &[Student]) -> Vec<Duration> {
    let started = Instant::now();
    let gate = Arc::new(Semaphore::new(BASELINE_DEPLOYS));
    let mut tasks = Vec::new();
    for student in class {
        let (engine, gate) = (engine.clone(), gate.clone());
        let (plan, design) = (student.plan.clone(), student.design.clone());
        tasks.push(tokio::spawn(async move {
            let _turn = gate.acquire().await.unwrap();
            let request = DeployRequest { plan: &plan, design: &design, workers: WORKERS };
            engine.deploy(request, &Quiet).await.expect("the baseline deploys");
            started.elapsed()
        }));
    }
    let mut ready = Vec::new();
    for task in tasks {
        ready.push(task.await.unwrap());
    }
    ready
}

/// Requests every lab from the lifecycle at once and waits until all are ready.
async fn through_lifecycle(
    engine: &Arc<dyn Engine>,
    class: &[Student],
    deploys: usize,
    nodes: usize,
) -> (Lifecycle, CancellationToken, Vec<Duration>) {
    let config = LifecycleConfig {
        limits: Limits { deploys, nodes: nodes * class.len(), per_owner: 1 },
        workers: WORKERS,
        scope: Some(PREFIX.to_string()),
        ..LifecycleConfig::default()
    };
    let shutdown = CancellationToken::new();
    let (lifecycle, _) =
        Lifecycle::start(engine.clone(), Arc::new(MemoryStore::new()), config, shutdown.clone())
            .await
            .expect("the lifecycle starts");
    let started = Instant::now();
    let hour = Duration::from_secs(3600);
    for student in class {
        let request = LabRequest {
            owner: student.id.clone(),
            instance: student.instance.clone(),
            plan: student.plan.clone(),
            design: student.design.clone(),
            ttl: Ttl { idle: hour, lifetime: hour, max_lifetime: hour },
        };
        lifecycle.request(request).await.expect("a request within the limits is taken");
    }
    let mut waits = Vec::new();
    for student in class {
        let (lifecycle, instance) = (lifecycle.clone(), student.instance.clone());
        waits.push(tokio::spawn(async move {
            let status = lifecycle
                .wait_until(&instance, |s| s.state == LabState::Ready || !s.state.is_live())
                .await
                .unwrap();
            assert_eq!(status.state, LabState::Ready, "{instance}: {:?}", status.detail);
            started.elapsed()
        }));
    }
    let mut ready = Vec::new();
    for wait in waits {
        ready.push(wait.await.unwrap());
    }
    (lifecycle, shutdown, ready)
}

/// Grades every student's lab at once in the student view; the seconds each took, and
/// until all were done.
async fn grade_all(engine: &Arc<dyn Engine>, class: &[Student]) -> (Vec<f64>, f64) {
    let started = Instant::now();
    let mut tasks = Vec::new();
    for student in class {
        let (engine, instance, design) = (engine.clone(), student.instance.clone(), student.design.clone());
        tasks.push(tokio::spawn(async move {
            let access = InstanceAccess::open(engine, &instance).await.expect("the lab is there");
            let mut options = GradeOptions::at("2026-12-01T00:00:00Z");
            options.student_view = true;
            let began = Instant::now();
            let report = grade(Arc::new(access), design, options, None, CancellationToken::new())
                .await
                .expect("grading is not cancelled");
            assert!(report.score.possible > 0.0, "{instance}: a report with checks");
            began.elapsed().as_secs_f64()
        }));
    }
    let mut each = Vec::new();
    for task in tasks {
        each.push(task.await.unwrap());
    }
    (each, started.elapsed().as_secs_f64())
}

fn print_row(way: &str, deploys: usize, ready: &[Duration], memory_mb: f64, started: Instant) {
    let mut seconds: Vec<f64> = ready.iter().map(Duration::as_secs_f64).collect();
    println!(
        "| {way} | {deploys} | {:.1} | {:.1} | {:.1} | {memory_mb:.0} |",
        percentile(&mut seconds, 0.5),
        percentile(&mut seconds, 0.95),
        started.elapsed().as_secs_f64()
    );
}

/// The value at `fraction` of the sorted samples (nearest rank).
fn percentile(samples: &mut [f64], fraction: f64) -> f64 {
    samples.sort_by(f64::total_cmp);
    let rank = ((fraction * samples.len() as f64).ceil() as usize).clamp(1, samples.len());
    samples[rank - 1]
}

/// MemAvailable of the host in MB.
fn mem_available() -> f64 {
    let info = std::fs::read_to_string("/proc/meminfo").expect("/proc/meminfo");
    let kib: f64 = info
        .lines()
        .find_map(|l| l.strip_prefix("MemAvailable:"))
        .and_then(|v| v.split_whitespace().next())
        .and_then(|v| v.parse().ok())
        .expect("MemAvailable in /proc/meminfo");
    kib / 1024.0
}

/// Removes every instance of this bench, also one a crashed run left.
async fn clean(engine: &Arc<dyn Engine>) {
    for summary in engine.instances().await.expect("the engine lists its instances") {
        if summary.instance.as_str().starts_with(PREFIX) {
            let report = engine.destroy(&summary.instance).await;
            assert!(report.errors.is_empty(), "{report:?}");
        }
    }
}
