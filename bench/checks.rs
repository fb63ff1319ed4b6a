//! How long a check suite takes: fifty checks of a ten-node lab, run in parallel and
//! one by one, against a lab built in network namespaces (root needed).
//!
//!     cargo bench --bench checks           # the measurement: three runs each, medians
//!     cargo test --bench checks            # one quick run of each, as a smoke test
//!
//! With `--bench` the same suite also runs against the same lab deployed on the Docker
//! engine. Figures go into docs/checks.md as ratios; absolute times depend on the machine.

#[path = "../tests/support/mod.rs"]
mod support;

use std::time::{Duration, Instant};

use asbuilt::checks::access::LabAccess;
use asbuilt::checks::derive;
use asbuilt::checks::judge::Names;
use asbuilt::checks::model::Suite;
use asbuilt::checks::runner::{self, RunOptions};
use asbuilt::design::Lab;
use asbuilt::engine::access::InstanceAccess;
use asbuilt::engine::docker::DockerEngine;
use asbuilt::engine::{DeployRequest, Engine, Quiet};
use asbuilt::images::Silent;
use asbuilt::plan::{InstanceId, plan};
use asbuilt::topology::Source;

const CHECKS: usize = 50;

/// Runs the suite one by one and all at once; the medians of each.
async fn measure(
    suite: &Suite,
    access: &dyn LabAccess,
    names: &Names,
    rounds: usize,
) -> (Duration, Duration) {
    let mut medians = Vec::new();
    for parallel in [1, CHECKS] {
        let options = RunOptions { parallel, ..RunOptions::default() };
        let mut times: Vec<Duration> = Vec::new();
        for _ in 0..rounds {
            let started = Instant::now();
            let results = runner::run(suite, access, names, &options).await;
            times.push(started.elapsed());
            let failed: Vec<&str> =
                results.iter().filter(|r| !r.outcome.is_pass()).map(|r| r.id.as_str()).collect();
            assert!(failed.is_empty(), "the bench lab is built as designed, yet {failed:?} did not pass");
        }
        times.sort();
        medians.push(times[times.len() / 2]);
    }
    (medians[0], medians[1])
}

fn report(lab: &str, (one_by_one, parallel): (Duration, Duration)) {
    println!(
        "{lab}: {CHECKS} checks one by one {:.0} ms, all at once {:.0} ms: {:.1}x",
        one_by_one.as_secs_f64() * 1000.0,
        parallel.as_secs_f64() * 1000.0,
        one_by_one.as_secs_f64() / parallel.as_secs_f64()
    );
}

fn main() {
    let measuring = std::env::args().any(|a| a == "--bench");
    let rounds = if measuring { 3 } else { 1 };
    let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build().expect("a tokio runtime");
    runtime.block_on(async {
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("bench/checks-lab.yml");
        let design =
            Lab::load(&Source::read(&path).expect("the bench lab")).expect("a valid lab").design_for(None);
        let mut suite = derive::suite(&design);
        suite.checks.truncate(CHECKS);
        let names = Names::of(&design);
        let built = support::deploy::deploy(&design).await;
        report("network namespaces", measure(&suite, &built.lab, &names, rounds).await);
        drop(built);
        if measuring {
            // The same suite against the same lab on the Docker engine, as `asbuilt check` runs it.
            let engine =
                DockerEngine::connect(Box::new(Silent)).await.expect("the Docker engine is reachable");
            let instance = InstanceId::parse("bench-checks").expect("a valid name");
            let plan = plan(&design, instance.clone());
            engine
                .deploy(DeployRequest { plan: &plan, design: &design, workers: 8 }, &Quiet)
                .await
                .expect("deploy");
            let access = InstanceAccess::open(&engine, &instance).await.expect("open the instance");
            report("Docker engine", measure(&suite, &access, &names, rounds).await);
            engine.destroy(&instance).await;
        }
    });
}
