//! The Kubernetes engine against a real cluster: deploy → check → destroy of example
//! labs, with the same verdicts as on Docker, and the isolation the NetworkPolicies
//! promise. It runs wherever a kubeconfig is found (`KUBECONFIG`, `~/.kube/config`)
//! and shows as *ignored*, with that reason, everywhere else: never as passed.
//!
//! The cluster needs asbuilt's images (`ASBUILT_PULL_FROM` names the registry they were
//! pushed to; without it the cluster must have them under their local names), and, by
//! default, asbuilt's seccomp profile on every machine; docs/kubernetes.md says how.
//! `ASBUILT_KUBE_CONTEXT`, `ASBUILT_NAMESPACE_PREFIX` and `ASBUILT_SECCOMP` apply as for
//! the command line.

#[path = "support/verdicts.rs"]
mod verdicts;

use std::sync::Arc;

use asbuilt::checks::derive;
use asbuilt::checks::judge::Names;
use asbuilt::checks::report::Report;
use asbuilt::checks::runner::{self, RunOptions};
use asbuilt::design::{Design, Lab};
use asbuilt::engine::access::InstanceAccess;
use asbuilt::engine::choice::{EngineConfig, EngineKind};
use asbuilt::engine::kubernetes;
use asbuilt::engine::{DeployRequest, Engine, Quiet};
use asbuilt::plan::{InstanceId, plan};
use asbuilt::topology::Source;
use libtest_mimic::{Arguments, Completion, Failed, Trial};

type Body = fn() -> Result<Completion, Failed>;

fn main() {
    let args = Arguments::from_args();
    let trials: Vec<(&str, Body)> = vec![
        ("every_example_lab_built_completely_scores_full_marks_on_the_cluster", full_marks),
        ("a_lab_as_students_get_it_fails_exactly_the_checks_of_their_parts_on_the_cluster", student_parts),
        ("a_node_reaches_nothing_of_the_cluster_but_its_own_tunnels", no_way_out),
    ];
    let trials = trials.into_iter().map(|(name, body)| Trial::ignorable_test(name, body)).collect();
    libtest_mimic::run(&args, trials).exit();
}

/// Why these trials cannot run here, or `None` when a cluster is configured.
fn no_cluster() -> Option<String> {
    (!kubernetes::kubeconfig_present()).then(|| {
        "no kubeconfig here (KUBECONFIG or ~/.kube/config): no Kubernetes cluster to run against".into()
    })
}

fn block_on<T>(work: impl std::future::Future<Output = T>) -> T {
    tokio::runtime::Runtime::new().expect("a tokio runtime").block_on(work)
}

async fn engine() -> Result<Arc<dyn Engine>, Failed> {
    let mut config = EngineConfig { kind: EngineKind::Kubernetes, ..EngineConfig::default() };
    config.apply_env(|name| std::env::var(name).ok()).map_err(|(name, _, why)| format!("{name}: {why}"))?;
    config.kind = EngineKind::Kubernetes;
    config.connect(Box::new(asbuilt::images::Silent)).await.map_err(|e| Failed::from(e.to_string()))
}

fn example(name: &str) -> Lab {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("topologies").join(name);
    Lab::load(&Source::read(&path).unwrap()).unwrap()
}

/// Deploys `design` as `name`, grades it, and removes it whatever happened.
async fn deploy_and_grade(engine: &Arc<dyn Engine>, design: &Design, name: &str) -> Result<Report, Failed> {
    let instance = InstanceId::parse(name).unwrap();
    let plan = plan(design, instance.clone());
    let deployed = engine.deploy(DeployRequest { plan: &plan, design, workers: 4 }, &Quiet).await;
    let graded = match deployed {
        Ok(_) => grade(engine, &instance, design).await,
        Err(e) => Err(Failed::from(format!("deploy {name}: {e}"))),
    };
    let removed = engine.destroy(&instance).await;
    if !removed.errors.is_empty() {
        return Err(format!("destroy {name}: {}", removed.errors.join("; ")).into());
    }
    graded
}

async fn grade(engine: &Arc<dyn Engine>, instance: &InstanceId, design: &Design) -> Result<Report, Failed> {
    let access = InstanceAccess::open(engine.clone(), instance).await.map_err(|e| e.to_string())?;
    let suite = derive::suite(design);
    let results = runner::run(&suite, &access, &Names::of(design), &RunOptions::default()).await;
    Ok(Report::build(&suite, &results, "2026-12-02T12:00:00Z"))
}

fn full_marks() -> Result<Completion, Failed> {
    if let Some(why) = no_cluster() {
        return Ok(Completion::ignored_with(why));
    }
    block_on(async {
        let engine = engine().await?;
        for (file, name) in [
            ("eerste-lan.yml", "t-k8s-first"),
            ("ospf.yml", "t-k8s-ospf"),
            ("dmz.yml", "t-k8s-dmz"),
            ("dhcp-dns.yml", "t-k8s-dhcp"),
        ] {
            let design = example(file).design_for(Some("s1")).solution();
            let report = deploy_and_grade(&engine, &design, name).await?;
            if report.score.percent != 100.0 {
                return Err(
                    format!("{file}: {} %:\n{}", report.score.percent, verdicts::explain(&report)).into()
                );
            }
        }
        Ok(Completion::Completed)
    })
}

fn student_parts() -> Result<Completion, Failed> {
    if let Some(why) = no_cluster() {
        return Ok(Completion::ignored_with(why));
    }
    block_on(async {
        let engine = engine().await?;
        for (file, name) in [("ospf.yml", "t-k8s-part-ospf"), ("dmz.yml", "t-k8s-part-dmz")] {
            let design = example(file).design_for(Some("s2"));
            let expected = verdicts::depending_on(&derive::suite(&design), &verdicts::student_parts(&design));
            let report = deploy_and_grade(&engine, &design, name).await?;
            if verdicts::not_passed(&report) != expected {
                return Err(format!(
                    "{file}: not exactly the student's parts fail:\n{}",
                    verdicts::explain(&report)
                )
                .into());
            }
        }
        Ok(Completion::Completed)
    })
}

/// From a node, as root, with every route a student could add: the cluster's API and
/// DNS are out of reach, while the fabric (the positive control) answers on the tunnel.
fn no_way_out() -> Result<Completion, Failed> {
    if let Some(why) = no_cluster() {
        return Ok(Completion::ignored_with(why));
    }
    block_on(async {
        let engine = engine().await?;
        let design = example("eerste-lan.yml").design_for(None).solution();
        let instance = InstanceId::parse("t-k8s-isolation").unwrap();
        let plan = plan(&design, instance.clone());
        let deployed =
            engine.deploy(DeployRequest { plan: &plan, design: &design, workers: 4 }, &Quiet).await;
        let verdict = async {
            deployed.map_err(|e| e.to_string())?;
            let node = &plan.nodes.iter().find(|n| !n.interfaces.is_empty()).unwrap().name;
            let run = |script: String| {
                let engine = engine.clone();
                let instance = instance.clone();
                let node = node.clone();
                async move {
                    let argv = vec!["sh".to_string(), "-c".to_string(), script];
                    engine
                        .exec(&instance, &node, None, &argv, None, std::time::Duration::from_secs(30))
                        .await
                        .map_err(|e| e.to_string())
                }
            };
            // What the kubelet would put into a pod names the cluster's API service.
            let told = run("echo ${KUBERNETES_SERVICE_HOST:-none}".into()).await?;
            if told.stdout.trim() != "none" {
                return Err(format!("the node is told where the cluster's API is: {}", told.stdout));
            }
            // The API server this test itself talks to, tried from the node over the
            // underlay, with the route a student who is root could add.
            let api = kube::Config::infer().await.map_err(|e| e.to_string())?.cluster_url;
            let (name, port) = (api.host().unwrap_or("localhost").to_string(), api.port_u16().unwrap_or(443));
            // By address: the node has no name server, and a name that does not resolve
            // would look blocked without a packet sent.
            let host = tokio::net::lookup_host((name.as_str(), port))
                .await
                .map_err(|e| e.to_string())?
                .find(|a| a.is_ipv4())
                .map(|a| a.ip().to_string())
                .ok_or_else(|| format!("{name} has no IPv4 address"))?;
            let out = run(format!(
                "ip route add default dev asb-underlay table main 2>/dev/null; \
                 timeout 5 bash -c 'exec 3<>/dev/tcp/{host}/{port}' && echo reached || echo blocked"
            ))
            .await?;
            if !out.stdout.contains("blocked") {
                return Err(format!("a node reached the cluster's API server {host}:{port}: {}", out.stdout));
            }
            // The positive control: the lab's own cables carry traffic across the cluster.
            let report = grade(&engine, &instance, &design).await.map_err(|e| format!("{e:?}"))?;
            if report.score.percent != 100.0 {
                return Err(format!("the lab itself does not work:\n{}", verdicts::explain(&report)));
            }
            Ok::<_, String>(())
        }
        .await;
        let removed = engine.destroy(&instance).await;
        verdict?;
        if !removed.errors.is_empty() {
            return Err(removed.errors.join("; ").into());
        }
        Ok(Completion::Completed)
    })
}
