//! The web pages under load: 200 students, each with their own session, poll their lab
//! page and their labs' status once a second for 30 s, while some of them have labs
//! deploying, against `asbuilt serve` running as its own process on loopback.
//!
//!     cargo bench --bench web_load
//!     ASBUILT_BENCH_STUDENTS=200 ASBUILT_BENCH_SECS=30 ASBUILT_BENCH_LABS=8 cargo bench --bench web_load
//!     cargo test --bench web_load      # a smoke run: 10 students, 3 s, no labs
//!
//! Each poll is three requests, measured apart: the lab page (HTML rendered from the
//! database), the status (`GET /api/instances`, JSON) and, as the baseline side by
//! side, `GET /healthz` (no database, no template: what any request costs on the same
//! loaded machine). It prints p50, p99 and max of each, errors (a transport error or
//! any status but 200), and the ratio of the page's p99 to the baseline's. Figures go
//! to docs/benchmarks.md.

#[path = "support/service.rs"]
mod service;

use std::time::{Duration, Instant};

use asbuilt::engine::Engine;
use asbuilt::engine::docker::DockerEngine;
use asbuilt::images::Silent;
use reqwest::Method;
use service::{School, Served, env_usize, percentile};

/// Every instance of this bench starts with this, so a crashed run is easy to clean.
const PREFIX: &str = "bench-web";

fn main() {
    let runtime = tokio::runtime::Runtime::new().unwrap();
    runtime.block_on(run());
}

/// What one kind of request saw.
#[derive(Default)]
struct Seen {
    millis: Vec<f64>,
    errors: usize,
    first_error: Option<String>,
}

impl Seen {
    fn add(&mut self, started: Instant, outcome: Result<reqwest::StatusCode, String>) {
        self.millis.push(started.elapsed().as_secs_f64() * 1000.0);
        match outcome {
            Ok(status) if status == reqwest::StatusCode::OK => {}
            Ok(status) => self.error(format!("status {status}")),
            Err(e) => self.error(e),
        }
    }

    fn error(&mut self, what: String) {
        self.errors += 1;
        self.first_error.get_or_insert(what);
    }

    fn merge(&mut self, other: Seen) {
        self.millis.extend(other.millis);
        self.errors += other.errors;
        if self.first_error.is_none() {
            self.first_error = other.first_error;
        }
    }
}

async fn timed_get(session: &service::Session, path: &str) -> Result<reqwest::StatusCode, String> {
    let response =
        session.client.get(format!("{}{path}", session.base)).send().await.map_err(|e| e.to_string())?;
    let status = response.status();
    // The whole body, as a browser would read it.
    response.bytes().await.map_err(|e| e.to_string())?;
    Ok(status)
}

async fn run() {
    let measuring = std::env::args().any(|a| a == "--bench");
    let students = if measuring { env_usize("ASBUILT_BENCH_STUDENTS", 200) } else { 10 };
    let seconds = if measuring { env_usize("ASBUILT_BENCH_SECS", 30) } else { 3 };
    let labs = if measuring { env_usize("ASBUILT_BENCH_LABS", 8) } else { 0 }.min(students);
    let lab_source = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/topologies/ospf.yml"))
        .expect("the OSPF example lab");

    let data = tempfile::tempdir().expect("data dir");
    let served = Served::start(data.path(), PREFIX, &[]).await;
    eprintln!("web_load: {students} students, {seconds} s, {labs} labs deploying meanwhile");
    let setup = Instant::now();
    let school = School::new(&served, students, &lab_source).await;
    eprintln!("  set up the school in {:.1} s", setup.elapsed().as_secs_f64());

    let mut instances = Vec::new();
    for i in 0..labs {
        instances.push((i, school.request(i).await));
    }

    let page = format!("/my/assignments/{}", school.assignment);
    let start = Instant::now();
    let end = start + Duration::from_secs(seconds as u64);
    let tasks: Vec<_> = school
        .students
        .iter()
        .cloned()
        .enumerate()
        .map(|(i, session)| {
            let page = page.clone();
            tokio::spawn(async move {
                let (mut pages, mut status, mut floor) = (Seen::default(), Seen::default(), Seen::default());
                // Spread the students over the second, as real ones would be.
                tokio::time::sleep(Duration::from_millis((i * 1000 / students.max(1)) as u64)).await;
                let mut tick = tokio::time::interval(Duration::from_secs(1));
                while Instant::now() < end {
                    tick.tick().await;
                    let t = Instant::now();
                    pages.add(t, timed_get(&session, &page).await);
                    let t = Instant::now();
                    status.add(t, timed_get(&session, "/api/instances").await);
                    let t = Instant::now();
                    floor.add(t, timed_get(&session, "/healthz").await);
                }
                (pages, status, floor)
            })
        })
        .collect();
    let (mut pages, mut status, mut floor) = (Seen::default(), Seen::default(), Seen::default());
    for task in tasks {
        let (p, s, f) = task.await.expect("a student's poller");
        pages.merge(p);
        status.merge(s);
        floor.merge(f);
    }
    let elapsed = start.elapsed().as_secs_f64();

    // How far the labs got while the pages were under load.
    let mut ready = 0;
    for (i, name) in &instances {
        let (_, shown) = school.students[*i].get(&format!("/api/instances/{name}")).await;
        if shown["state"] == "ready" {
            ready += 1;
        }
    }

    println!(
        "web_load: {students} students polling for {elapsed:.1} s; {ready} of {labs} labs ready by the end"
    );
    println!("| request | count | p50 (ms) | p99 (ms) | max (ms) | errors |");
    println!("|---|---:|---:|---:|---:|---:|");
    let mut rows =
        [("lab page (HTML)", &mut pages), ("status (JSON)", &mut status), ("baseline /healthz", &mut floor)];
    for (name, seen) in rows.iter_mut() {
        println!(
            "| {name} | {} | {:.1} | {:.1} | {:.1} | {} |",
            seen.millis.len(),
            percentile(&mut seen.millis, 0.5),
            percentile(&mut seen.millis, 0.99),
            percentile(&mut seen.millis, 1.0),
            seen.errors
        );
    }
    println!(
        "page p99 / baseline p99: {:.1}x",
        percentile(&mut pages.millis, 0.99) / percentile(&mut floor.millis, 0.99)
    );
    for (name, seen) in [("page", &pages), ("status", &status), ("baseline", &floor)] {
        if let Some(error) = &seen.first_error {
            println!("first {name} error: {error}");
        }
    }

    for (i, name) in &instances {
        let _ = school.students[*i].send(Method::DELETE, &format!("/api/instances/{name}"), None).await;
    }
    served.stop().await;
    clean().await;
    let errors = pages.errors + status.errors + floor.errors;
    assert!(!pages.millis.is_empty(), "no page was measured");
    assert_eq!(errors, 0, "requests failed under load (see above)");
}

/// Removes whatever this bench left in the engine (a destroy the service had not
/// finished when it stopped).
async fn clean() {
    let Ok(engine) = DockerEngine::connect(Box::new(Silent)).await else { return };
    for summary in engine.instances().await.unwrap_or_default() {
        if summary.instance.as_str().starts_with(PREFIX) {
            let _ = engine.destroy(&summary.instance).await;
        }
    }
}
