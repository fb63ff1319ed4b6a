//! A class asks for its labs at once: 30 students each request their own variant of the
//! 6-node OSPF lab within a second, then all 30 press "check my work" together.
//!
//!     cargo bench --bench class
//!     ASBUILT_BENCH_STUDENTS=30 ASBUILT_BENCH_DEPLOYS=2 cargo bench --bench class
//!
//! Two ways of getting the labs run side by side on the same machine:
//! - baseline: what an operator does today with the CLI, 4 deploys at a time straight
//!   to the engine, in the order of the class list;
//! - asbuilt: `asbuilt serve` as its own process, driven through its HTTP API as the
//!   students' browsers would: every student asks for their lab at once
//!   (`POST /api/assignments/{id}/instance`), the lifecycle admits them under its limits
//!   (deploys at a time, nodes on the server) in order, and each student polls the
//!   lab's state until it is ready.
//!
//! It prints, for each, the time from the first request until each lab was ready
//! (median, p95, max), the memory the host gave to each ready lab (the fall of
//! MemAvailable divided by the labs, so shared files count once), and then "check my
//! work" through the API: one student alone, then the whole class at once (median,
//! p95, max, and all done). Figures go to docs/capacity.md. Under `cargo test` (no
//! `--bench`) it runs two students once, as a smoke test of the harness.

#[path = "support/service.rs"]
mod service;

use std::sync::Arc;
use std::time::{Duration, Instant};

use asbuilt::design::{Design, Lab};
use asbuilt::engine::docker::DockerEngine;
use asbuilt::engine::{DeployRequest, Engine, Quiet};
use asbuilt::images::Silent;
use asbuilt::plan::{InstanceId, Plan, plan};
use asbuilt::service::Config;
use asbuilt::topology::Source;
use reqwest::{Method, StatusCode};
use service::{School, Served, Session, env_usize, percentile};
use tokio::sync::Semaphore;

/// Deploys at a time of the baseline: what the outside tester ran with the CLI.
const BASELINE_DEPLOYS: usize = 4;
/// Nodes one deploy builds at a time, as the service does.
const WORKERS: usize = 4;
/// Every instance of this bench starts with this, so a crashed run is easy to clean.
const PREFIX: &str = "bench-class";

fn main() {
    let runtime = tokio::runtime::Runtime::new().unwrap();
    runtime.block_on(run());
}

/// One student's lab for the baseline: their variant, planned under their instance name.
struct Student {
    design: Design,
    plan: Plan,
}

async fn run() {
    let measuring = std::env::args().any(|a| a == "--bench");
    let students = if measuring { env_usize("ASBUILT_BENCH_STUDENTS", 30) } else { 2 };
    let deploys = env_usize("ASBUILT_BENCH_DEPLOYS", Config::default().lab_deploys);
    let engine: Arc<dyn Engine> =
        Arc::new(DockerEngine::connect(Box::new(Silent)).await.expect("the Docker engine is reachable"));
    let path = format!("{}/topologies/ospf.yml", env!("CARGO_MANIFEST_DIR"));
    let lab_source = std::fs::read_to_string(&path).expect("the OSPF example lab");
    let lab = Lab::load(&Source::read(path.as_ref()).unwrap()).unwrap();
    let class: Vec<Student> = (0..students)
        .map(|i| {
            let id = format!("s{:06}", 100_000 + i);
            let design = lab.design_for(Some(&id));
            let instance = InstanceId::for_lab(PREFIX, Some(&id));
            let plan = plan(&design, instance.clone());
            Student { design, plan }
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

    let data = tempfile::tempdir().expect("the service's data dir");
    let settings = [
        ("ASBUILT_LAB_DEPLOYS", deploys.to_string()),
        ("ASBUILT_LAB_NODES", (nodes * students).to_string()),
        // The bench grades one student alone and then all: no waiting between checks.
        ("ASBUILT_CHECK_INTERVAL_SECS", "0".to_string()),
    ];
    let served = Served::start(data.path(), PREFIX, &settings).await;
    let school = School::new(&served, students, &lab_source).await;
    let free = mem_available();
    let started = Instant::now();
    let ready = through_the_service(&school).await;
    let memory = (free - mem_available()) / students as f64;
    print_row("asbuilt serve: every request at once, through the API", deploys, &ready, memory, started);

    println!("\n| check my work, through the API | median (s) | p95 (s) | max (s) | all done (s) |");
    println!("|---|---:|---:|---:|---:|");
    let alone = check_all(&school, &school.students[..1]).await;
    println!("| one student alone (baseline) | {:.1} | | | {:.1} |", alone.0[0], alone.1);
    let (mut each, all) = check_all(&school, &school.students).await;
    println!(
        "| {students} at once | {:.1} | {:.1} | {:.1} | {all:.1} |",
        percentile(&mut each, 0.5),
        percentile(&mut each, 0.95),
        percentile(&mut each, 1.0)
    );
    println!("\nall at once / one alone: {:.1}x", all / alone.1);

    for (i, student) in school.students.iter().enumerate() {
        let name = instance_name(&school, i).await;
        let _ = student.send(Method::DELETE, &format!("/api/instances/{name}"), None).await;
    }
    served.stop().await;
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

/// Every student asks for their lab at once through the API; then each polls its
/// state, as the lab page does, until it is ready. When each was ready, counted from
/// the first request.
async fn through_the_service(school: &School) -> Vec<Duration> {
    let started = Instant::now();
    let names = futures::future::join_all((0..school.students.len()).map(|i| school.request(i))).await;
    let polls = names.into_iter().zip(school.students.iter().cloned()).map(|(name, student)| {
        tokio::spawn(async move {
            loop {
                let (status, shown) = student.get(&format!("/api/instances/{name}")).await;
                assert_eq!(status, StatusCode::OK, "{name}: {shown}");
                match shown["state"].as_str() {
                    Some("ready") => return started.elapsed(),
                    Some("failed" | "lost" | "expired" | "destroyed") => panic!("{name}: {shown}"),
                    _ => tokio::time::sleep(Duration::from_millis(250)).await,
                }
            }
        })
    });
    let mut ready = Vec::new();
    for poll in polls.collect::<Vec<_>>() {
        ready.push(poll.await.unwrap());
    }
    ready
}

/// The name of student `i`'s instance of the assignment.
async fn instance_name(school: &School, i: usize) -> String {
    let (_, list) = school.students[i].get("/api/instances").await;
    list.as_array().and_then(|l| l.first()).and_then(|l| l["name"].as_str()).unwrap_or_default().to_string()
}

/// "Check my work" for each of `students` at once; the seconds each took, and until
/// all were done.
async fn check_all(school: &School, students: &[Session]) -> (Vec<f64>, f64) {
    let started = Instant::now();
    let path = format!("/api/assignments/{}/check", school.assignment);
    let checks = students.iter().cloned().map(|student| {
        let path = path.clone();
        tokio::spawn(async move {
            let began = Instant::now();
            let (status, report) = student.send(Method::POST, &path, None).await;
            assert_eq!(status, StatusCode::OK, "check my work: {report}");
            began.elapsed().as_secs_f64()
        })
    });
    let mut each = Vec::new();
    for check in checks.collect::<Vec<_>>() {
        each.push(check.await.unwrap());
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
