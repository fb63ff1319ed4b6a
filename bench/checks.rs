//! How long a check suite takes: fifty checks of a ten-node lab, run in parallel and
//! one by one, against a lab built in network namespaces (root needed).
//!
//!     cargo bench --bench checks           # the measurement: three runs each, medians
//!     cargo test --bench checks            # one quick run of each, as a smoke test
//!
//! Figures go into docs/checks.md as ratios; absolute times depend on the machine.

#[path = "../tests/support/mod.rs"]
mod support;

use std::time::{Duration, Instant};

use asbuilt::checks::derive;
use asbuilt::checks::judge::Names;
use asbuilt::checks::runner::{self, RunOptions};
use asbuilt::design::Lab;
use asbuilt::topology::Source;

const CHECKS: usize = 50;

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
        let built = support::deploy::deploy(&design).await;
        let names = Names::of(&design);
        let mut medians = Vec::new();
        for parallel in [1, CHECKS] {
            let options = RunOptions { parallel, ..RunOptions::default() };
            let mut times: Vec<Duration> = Vec::new();
            for _ in 0..rounds {
                let started = Instant::now();
                let results = runner::run(&suite, &built.lab, &names, &options).await;
                times.push(started.elapsed());
                let failed: Vec<&str> =
                    results.iter().filter(|r| !r.outcome.is_pass()).map(|r| r.id.as_str()).collect();
                assert!(failed.is_empty(), "the bench lab is built as designed, yet {failed:?} did not pass");
            }
            times.sort();
            let median = times[times.len() / 2];
            println!(
                "{} checks, {parallel:>2} at a time: {:>7.0} ms",
                suite.checks.len(),
                median.as_secs_f64() * 1000.0
            );
            medians.push(median);
        }
        println!(
            "one by one takes {:.1}x as long as in parallel",
            medians[0].as_secs_f64() / medians[1].as_secs_f64()
        );
    });
}
