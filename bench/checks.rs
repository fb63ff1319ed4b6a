//! How long a check suite takes: fifty checks of a ten-node lab, run in parallel and
//! one by one, against a lab built in network namespaces (root needed), once complete
//! and once as a student gets it who has not started (every check failing or skipped).
//!
//!     cargo bench --bench checks           # the measurement: three runs each, medians
//!     cargo test --bench checks            # one quick run of each, as a smoke test
//!
//! The complete lab is graded a second time through asbuilt's probe agents, with no
//! namespace for asbuilt to enter. With `--bench` the same suite also runs against the
//! same lab deployed on the Docker engine, cabled with veth pairs and with VXLAN. Figures
//! go into docs/checks.md as ratios; absolute times depend on the machine.

#[path = "../tests/support/mod.rs"]
mod support;

use std::time::{Duration, Instant};

use asbuilt::checks::access::LabAccess;
use asbuilt::checks::derive;
use asbuilt::checks::judge::Names;
use asbuilt::checks::model::{PartRef, Suite};
use asbuilt::checks::runner::{self, RunOptions};
use asbuilt::checks::sim;
use asbuilt::design::{Design, Lab, Part};
use asbuilt::engine::access::InstanceAccess;
use asbuilt::engine::docker::DockerEngine;
use asbuilt::engine::{DeployRequest, Engine, Quiet};
use asbuilt::images::Silent;
use asbuilt::plan::{CableTransport, InstanceId, plan};
use asbuilt::topology::Source;

const CHECKS: usize = 50;

/// How a lab stands when it is graded.
#[derive(Clone, Copy, PartialEq)]
enum Stage {
    /// Built as designed: every check passes.
    Complete,
    /// The student has not started: every part blank.
    Blank,
}

/// Runs the suite one by one (when `one_by_one`) and all at once; the medians.
async fn measure(
    suite: &Suite,
    access: &dyn LabAccess,
    names: &Names,
    stage: Stage,
    rounds: usize,
    one_by_one: bool,
) -> (Option<Duration>, Duration) {
    let mut medians = Vec::new();
    let widths: &[usize] = if one_by_one { &[1, CHECKS] } else { &[CHECKS] };
    for &parallel in widths {
        let options = RunOptions { parallel, ..RunOptions::default() };
        let mut times: Vec<Duration> = Vec::new();
        for _ in 0..rounds {
            let started = Instant::now();
            let results = runner::run(suite, access, names, &options).await;
            times.push(started.elapsed());
            let passed = results.iter().filter(|r| r.outcome.is_pass()).count();
            match stage {
                Stage::Complete => assert_eq!(passed, results.len(), "the complete lab passes every check"),
                Stage::Blank => {
                    assert!(passed < results.len() / 2, "a blank lab fails most checks: {passed}")
                }
            }
        }
        times.sort();
        medians.push(times[times.len() / 2]);
    }
    if one_by_one { (Some(medians[0]), medians[1]) } else { (None, medians[0]) }
}

fn report(lab: &str, (one_by_one, parallel): (Option<Duration>, Duration)) {
    let ms = |d: Duration| d.as_secs_f64() * 1000.0;
    match one_by_one {
        Some(serial) => println!(
            "{lab}: {CHECKS} checks one by one {:.0} ms, all at once {:.0} ms: {:.1}x",
            ms(serial),
            ms(parallel),
            serial.as_secs_f64() / parallel.as_secs_f64()
        ),
        None => println!("{lab}: {CHECKS} checks all at once {:.0} ms", ms(parallel)),
    }
}

/// The lab as a student gets it who has not started: every part of every node left out
/// (for the namespace deployer, which builds what the design holds), and marked as the
/// student's (for the engine, which leaves those parts blank).
fn blank(design: &Design) -> Design {
    let parts: Vec<PartRef> = design
        .nodes
        .values()
        .flat_map(|n| {
            Part::ALL
                .into_iter()
                .filter(|p| p.applies_to(n.kind))
                .map(|part| PartRef { node: n.name.clone(), part })
        })
        .collect();
    let mut blank = parts.iter().fold(design.clone(), |d, part| sim::without(&d, part));
    for node in blank.nodes.values_mut() {
        node.student_builds = Part::ALL.into_iter().filter(|p| p.applies_to(node.kind)).collect();
    }
    blank
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
        for (stage, label) in [(Stage::Complete, "complete"), (Stage::Blank, "blank")] {
            let built = match stage {
                Stage::Complete => support::deploy::deploy(&design).await,
                Stage::Blank => support::deploy::deploy(&blank(&design)).await,
            };
            // One by one on a blank lab takes minutes: only when measuring.
            let serial = measuring || stage == Stage::Complete;
            let figures = measure(&suite, built.lab.as_ref(), &names, stage, rounds, serial).await;
            report(&format!("network namespaces, {label} lab"), figures);
            if stage == Stage::Complete {
                // The same, with asbuilt allowed into no namespace: its probe agent in
                // every node does the work (as on Kubernetes).
                let agents = support::netns_lab::AgentOnly::new(built.lab.as_ref());
                let (_, through_agents) = measure(&suite, &agents, &names, stage, rounds, false).await;
                let ms = |d: Duration| d.as_secs_f64() * 1000.0;
                println!(
                    "network namespaces, complete lab, through probe agents: {CHECKS} checks all at once {:.0} ms, {:.2}x in-process",
                    ms(through_agents),
                    through_agents.as_secs_f64() / figures.1.as_secs_f64()
                );
            }
        }
        if measuring {
            // The same suite against the same lab on the Docker engine, as `asbuilt check` runs it.
            let engine = std::sync::Arc::new(
                DockerEngine::connect(Box::new(Silent)).await.expect("the Docker engine is reachable"),
            );
            let runs = [
                (Stage::Complete, "complete", CableTransport::Veth),
                (Stage::Blank, "blank", CableTransport::Veth),
                (Stage::Complete, "complete, VXLAN", CableTransport::Vxlan),
            ];
            for (stage, label, transport) in runs {
                let name = format!("bench-checks-{}", label.replace(", ", "-").to_lowercase());
                let instance = InstanceId::parse(&name).expect("a valid name");
                let deployed = if stage == Stage::Blank { blank(&design) } else { design.clone() };
                let mut plan = plan(&deployed, instance.clone());
                plan.transport = transport;
                engine
                    .deploy(DeployRequest { plan: &plan, design: &design, workers: 8 }, &Quiet)
                    .await
                    .expect("deploy");
                let access =
                    InstanceAccess::open(engine.clone(), &instance).await.expect("open the instance");
                let figures = measure(&suite, &access, &names, stage, rounds, true).await;
                report(&format!("Docker engine, {label} lab"), figures);
                engine.destroy(&instance).await;
            }
        }
    });
}
