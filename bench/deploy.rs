//! Deploy and destroy times of every example lab and of a generated 50-node lab, next to
//! a floor: the same containers created and started with the fewest Docker API calls,
//! with no cabling, no configuration and no waiting for daemons.
//!
//!     cargo bench --bench deploy            # 3 rounds
//!     ASBUILT_BENCH_ROUNDS=5 cargo bench --bench deploy
//!
//! Prints a Markdown table of medians and ratios (asbuilt / floor) for docs/benchmarks.md.
//! Under `cargo test` (no `--bench` argument) it makes one quick round of one small lab,
//! as a smoke test of the harness.

use std::collections::HashMap;
use std::time::{Duration, Instant};

use asbuilt::design::{Design, Lab};
use asbuilt::engine::docker::DockerEngine;
use asbuilt::engine::{DeployRequest, Engine, Quiet};
use asbuilt::images::{self, Silent};
use asbuilt::plan::{CableTransport, ImageChoice, InstanceId, Plan, plan};
use asbuilt::topology::Source;
use bollard::Docker;
use bollard::models::{ContainerCreateBody, HostConfig};
use bollard::query_parameters::{
    CreateContainerOptionsBuilder, RemoveContainerOptionsBuilder, StartContainerOptions,
};
use futures::StreamExt;

const WORKERS: usize = 8;

fn main() {
    let runtime = tokio::runtime::Runtime::new().unwrap();
    runtime.block_on(run());
}

async fn run() {
    let measuring = std::env::args().any(|a| a == "--bench");
    let rounds: usize = match measuring {
        true => std::env::var("ASBUILT_BENCH_ROUNDS").ok().and_then(|r| r.parse().ok()).unwrap_or(3),
        false => 1,
    };
    let engine = DockerEngine::connect(Box::new(Silent)).await.expect("the Docker engine is reachable");
    let docker = images::connect().await.unwrap();
    let mut labs: Vec<(String, Design)> = Vec::new();
    for file in ["eerste-lan", "statisch-routeren", "ospf", "dmz", "dhcp-dns", "storingen"] {
        let path = format!("{}/topologies/{file}.yml", env!("CARGO_MANIFEST_DIR"));
        let lab = Lab::load(&Source::read(path.as_ref()).unwrap()).unwrap();
        labs.push((file.to_string(), lab.design_for(None)));
    }
    labs.push(("generated-50".into(), generated(10, 4)));
    if !measuring {
        labs.truncate(1);
    }

    println!(
        "| lab | nodes | asbuilt deploy (s) | floor start (s) | ratio | asbuilt destroy (s) | floor remove (s) | ratio | VXLAN deploy (s) | VXLAN / veth |"
    );
    println!("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
    for (name, design) in &labs {
        let instance = InstanceId::parse(&format!("bench-{name}")).unwrap();
        let plan = plan(design, instance.clone());
        let mut tunnelled = plan.clone();
        tunnelled.instance = InstanceId::parse(&format!("bench-{name}-vx")).unwrap();
        tunnelled.transport = CableTransport::Vxlan;
        let (mut deploy, mut destroy, mut floor_up, mut floor_down) = (vec![], vec![], vec![], vec![]);
        let mut vxlan = Vec::new();
        for _ in 0..rounds {
            let t = Instant::now();
            engine
                .deploy(DeployRequest { plan: &plan, design, workers: WORKERS }, &Quiet)
                .await
                .expect("deploy");
            deploy.push(t.elapsed());
            let t = Instant::now();
            let report = engine.destroy(&instance).await;
            assert!(report.errors.is_empty(), "{:?}", report.errors);
            destroy.push(t.elapsed());
            let (up, down) = floor(&docker, &plan).await;
            floor_up.push(up);
            floor_down.push(down);
            let t = Instant::now();
            engine
                .deploy(DeployRequest { plan: &tunnelled, design, workers: WORKERS }, &Quiet)
                .await
                .expect("deploy over VXLAN");
            vxlan.push(t.elapsed());
            let report = engine.destroy(&tunnelled.instance).await;
            assert!(report.errors.is_empty(), "{:?}", report.errors);
        }
        let (d, fu, x, fd) =
            (median(&mut deploy), median(&mut floor_up), median(&mut destroy), median(&mut floor_down));
        let vx = median(&mut vxlan);
        println!(
            "| {name} | {} | {:.2} | {:.2} | {:.1} | {:.2} | {:.2} | {:.1} | {:.2} | {:.2} |",
            plan.nodes.len(),
            d,
            fu,
            d / fu,
            x,
            fd,
            x / fd,
            vx,
            vx / d
        );
    }
}

/// The same containers (images, limits, capabilities, no network), created and started
/// WORKERS at a time, then removed: the least any deploy has to do.
async fn floor(docker: &Docker, plan: &Plan) -> (Duration, Duration) {
    let mut names =
        vec![(format!("floor-{}-fabric", plan.instance), images::image_ref("fabric").unwrap(), vec![])];
    for node in &plan.nodes {
        let image = match &node.image {
            ImageChoice::Builtin(n) => images::image_ref(n).unwrap(),
            ImageChoice::Custom(i) => i.clone(),
        };
        names.push((format!("floor-{}-{}", plan.instance, node.name), image, node.capabilities.clone()));
    }
    let t = Instant::now();
    futures::stream::iter(names.clone())
        .for_each_concurrent(WORKERS, |(name, image, caps)| async move {
            let body = ContainerCreateBody {
                image: Some(image),
                labels: Some(HashMap::from([("org.asbuilt.bench".to_string(), "floor".to_string())])),
                host_config: Some(HostConfig {
                    network_mode: Some("none".into()),
                    cap_add: Some(caps),
                    ..Default::default()
                }),
                ..Default::default()
            };
            let options = CreateContainerOptionsBuilder::default().name(&name).build();
            docker.create_container(Some(options), body).await.unwrap();
            docker.start_container(&name, None::<StartContainerOptions>).await.unwrap();
        })
        .await;
    let up = t.elapsed();
    let t = Instant::now();
    futures::stream::iter(names)
        .for_each_concurrent(WORKERS, |(name, _, _)| async move {
            let options = RemoveContainerOptionsBuilder::default().force(true).v(true).build();
            docker.remove_container(&name, Some(options)).await.unwrap();
        })
        .await;
    (up, t.elapsed())
}

/// A chain of `routers` routers, each with `hosts` hosts on a switchless LAN segment,
/// addressed from pools, with static routes everywhere: a 50-node lab for 10 and 4.
fn generated(routers: usize, hosts: usize) -> Design {
    let mut yaml = String::from(
        "lab: generated\ntitle: Generated\ntrains: [B1-K2-W1]\ntask: { nl: x, en: x }\naddressing:\n  p2p: { pool: 10.0.0.0/22, prefix: 30 }\n  lan: { pool: 172.16.0.0/16, prefix: 24 }\nnodes:\n",
    );
    for r in 1..=routers {
        yaml.push_str(&format!("  r{r}: {{ kind: router, build: [routes] }}\n"));
        for h in 1..=hosts {
            yaml.push_str(&format!("  h{r}x{h}: {{ kind: host }}\n"));
        }
    }
    yaml.push_str("links:\n");
    for r in 1..routers {
        yaml.push_str(&format!("  - r{r}:eth1 -- r{}:eth2\n", r + 1));
    }
    yaml.push_str("segments:\n");
    for r in 1..=routers {
        let members: Vec<String> = std::iter::once(format!("r{r}:eth3"))
            .chain((1..=hosts).map(|h| format!("h{r}x{h}:eth1")))
            .collect();
        yaml.push_str(&format!("  lan{r}: [{}]\n", members.join(", ")));
    }
    yaml.push_str("design:\n  gateways:\n");
    for r in 1..=routers {
        for h in 1..=hosts {
            yaml.push_str(&format!("    h{r}x{h}: r{r}\n"));
        }
    }
    let source = Source::new("generated.yml", yaml);
    Lab::load(&source).unwrap_or_else(|e| panic!("{e:?}")).design_for(None)
}

fn median(samples: &mut [Duration]) -> f64 {
    samples.sort();
    samples[samples.len() / 2].as_secs_f64()
}
