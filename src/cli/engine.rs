//! The commands that build and handle running labs: deploy, inspect, console, link,
//! save and destroy (exec has a module of its own).

use std::io::IsTerminal;
use std::path::PathBuf;
use std::time::Instant;

use clap::Args;

use super::Outcome;
use super::topology::load_lab;
use crate::design::Endpoint;
use crate::engine::access::InstanceAccess;
use crate::engine::choice::{EngineConfig, EngineKind, SeccompKind};
use crate::engine::docker::DockerEngine;
use crate::engine::kubernetes::manifests;
use crate::engine::{DeployProgress, DeployRequest, Engine, EngineError, save};
use crate::images::{Progress, RegistryPrefix};
use crate::kind::NodeKind;
use crate::plan::{CableTransport, InstanceId, LinkSetting, plan};

#[derive(Debug, Args)]
pub struct DeployArgs {
    /// The topology file, or a Kathará lab's folder (imported on the fly, see docs/import.md).
    file: PathBuf,
    /// Build this student's variant of the lab.
    #[arg(long)]
    student: Option<String>,
    /// Name the instance (default: the lab's name, plus the student's id, plus
    /// `-solution` for a solution).
    #[arg(long)]
    name: Option<String>,
    /// Build the solution: every part the student would build is built too, and the
    /// faults of a troubleshooting lab are left out. It scores full marks.
    #[arg(long)]
    solution: bool,
    /// How many nodes to create and configure at the same time.
    #[arg(long, default_value_t = 8)]
    workers: usize,
    /// How the cables reach the fabric: veth pairs, or VXLAN tunnels over an underlay
    /// network of the instance's own (as on a cluster; see docs/engine.md).
    #[arg(long, value_enum, default_value_t = Transport::Veth)]
    transport: Transport,
    /// Build nothing: print every object the Kubernetes engine would create (with
    /// `--engine kubernetes`), for review or `kubectl apply`.
    #[arg(long)]
    dry_run: bool,
    /// What a dry run prints in.
    #[arg(short = 'o', long = "output", value_enum, default_value_t = DryRunFormat::Yaml, requires = "dry_run")]
    output: DryRunFormat,
}

/// `--output` of a dry run.
#[derive(Debug, Clone, Copy, clap::ValueEnum)]
enum DryRunFormat {
    Yaml,
}

/// Which engine the commands use, over the `ASBUILT_*` variables of the same names
/// (docs/cli.md); the service reads the same settings from its `[engine]` table.
#[derive(Debug, Clone, Default, Args)]
pub struct EngineArgs {
    /// The engine that runs labs: docker (this host) or kubernetes (a cluster).
    #[arg(long, global = true, value_enum)]
    engine: Option<EngineKind>,
    /// Kubernetes: the kubeconfig context (default: kube-rs's own search).
    #[arg(long, global = true)]
    context: Option<String>,
    /// Kubernetes: put in front of every instance's namespace (default `asbuilt-`).
    #[arg(long, global = true)]
    namespace_prefix: Option<String>,
    /// Kubernetes: the registry prefix the cluster pulls asbuilt's images from (where
    /// `asbuilt images push` put them).
    #[arg(long, global = true, value_name = "PREFIX")]
    pull_from: Option<RegistryPrefix>,
    /// Kubernetes: asbuilt's own seccomp profile, installed on the cluster's machines
    /// (localhost), or the runtime's (runtime-default).
    #[arg(long, global = true, value_enum)]
    seccomp: Option<SeccompKind>,
}

/// The engine settings of this run, chosen once at start (`choose`).
static CHOSEN: std::sync::OnceLock<EngineConfig> = std::sync::OnceLock::new();

/// Settles which engine this run uses: the defaults, the environment, then the flags.
pub fn choose(args: &EngineArgs) -> Result<(), Outcome> {
    let mut config = EngineConfig::default();
    if let Err((name, value, why)) = config.apply_env(|name| std::env::var(name).ok()) {
        eprintln!("error: environment variable {name}={value:?} is invalid: {why}");
        return Err(Outcome::Invalid);
    }
    if let Some(kind) = args.engine {
        config.kind = kind;
    }
    if let Some(context) = &args.context {
        config.context = Some(context.clone());
    }
    if let Some(prefix) = &args.namespace_prefix {
        config.namespace_prefix = prefix.clone();
    }
    if let Some(registry) = &args.pull_from {
        config.pull_from = Some(registry.clone());
    }
    if let Some(seccomp) = args.seccomp {
        config.seccomp = seccomp;
    }
    if let Err(why) = config.check() {
        eprintln!("error: {why}");
        return Err(Outcome::Invalid);
    }
    let _ = CHOSEN.set(config);
    Ok(())
}

fn chosen() -> EngineConfig {
    CHOSEN.get().cloned().unwrap_or_default()
}

/// `--transport`, in the command line's words.
#[derive(Debug, Clone, Copy, clap::ValueEnum)]
enum Transport {
    Veth,
    Vxlan,
}

#[derive(Debug, Args)]
pub struct InspectArgs {
    /// The instance; without it, every instance is listed.
    instance: Option<String>,
    /// Print JSON instead of a table.
    #[arg(long)]
    json: bool,
}

#[derive(Debug, Args)]
pub struct ConsoleArgs {
    instance: String,
    node: String,
    /// A shell even on routers and firewalls, which open in vtysh.
    #[arg(long)]
    shell: bool,
}

#[derive(Debug, Args)]
pub struct LinkArgs {
    instance: String,
    /// The cable end: `node:interface`.
    endpoint: String,
    /// Pull the cable out (`down`) or plug it back in (`up`).
    #[arg(value_parser = ["up", "down"])]
    state: Option<String>,
    /// Delay in milliseconds added in each direction (0 removes it).
    #[arg(long)]
    delay: Option<u32>,
    /// Percentage of frames lost in each direction (0 removes it).
    #[arg(long)]
    loss: Option<f64>,
}

#[derive(Debug, Args)]
pub struct SaveArgs {
    instance: String,
    /// Folder to write to (default: INSTANCE-config).
    #[arg(short, long)]
    output: Option<PathBuf>,
}

#[derive(Debug, Args)]
pub struct RecoverArgs {
    /// How many nodes to rebuild at the same time.
    #[arg(long, default_value_t = 8)]
    workers: usize,
}

#[derive(Debug, Args)]
pub struct DestroyArgs {
    /// The instance to remove.
    #[arg(required_unless_present = "all", conflicts_with = "all")]
    instance: Option<String>,
    /// Remove every instance and everything a crash left behind.
    #[arg(long)]
    all: bool,
}

/// Connects to the chosen engine and runs `work` on a runtime of its own; an engine
/// error ends the command with exit status 2 and says what failed.
pub(super) fn with_engine<F, Fut>(work: F) -> Outcome
where
    F: FnOnce(std::sync::Arc<dyn Engine>) -> Fut,
    Fut: std::future::Future<Output = Result<Outcome, EngineError>>,
{
    let config = chosen();
    on_runtime(|| async move {
        match config.connect(Box::new(Progress::for_stderr())).await {
            Ok(engine) => work(engine).await.unwrap_or_else(|e| fail(&e)),
            Err(e) => fail(&e),
        }
    })
}

/// As [`with_engine`], for what only the Docker engine does (`doctor`).
pub(super) fn with_docker<F, Fut>(work: F) -> Outcome
where
    F: FnOnce(DockerEngine) -> Fut,
    Fut: std::future::Future<Output = Result<Outcome, EngineError>>,
{
    on_runtime(|| async move {
        match DockerEngine::connect(Box::new(Progress::for_stderr())).await {
            Ok(engine) => work(engine).await.unwrap_or_else(|e| fail(&e)),
            Err(e) => fail(&e),
        }
    })
}

fn on_runtime<F, Fut>(work: F) -> Outcome
where
    F: FnOnce() -> Fut,
    Fut: std::future::Future<Output = Outcome>,
{
    match tokio::runtime::Builder::new_multi_thread().enable_all().build() {
        Ok(runtime) => runtime.block_on(work()),
        Err(e) => {
            eprintln!("error: failed to start the async runtime: {e}");
            Outcome::Failed
        }
    }
}

/// As [`with_engine`], for a command about one instance named on the command line.
pub(super) fn on_instance<F, Fut>(name: &str, work: F) -> Outcome
where
    F: FnOnce(std::sync::Arc<dyn Engine>, InstanceId) -> Fut,
    Fut: std::future::Future<Output = Result<Outcome, EngineError>>,
{
    match instance_id(name) {
        Ok(instance) => with_engine(|engine| work(engine, instance)),
        Err(outcome) => outcome,
    }
}

fn fail(error: &EngineError) -> Outcome {
    eprintln!("error: failed to {error}");
    Outcome::Failed
}

fn instance_id(name: &str) -> Result<InstanceId, Outcome> {
    InstanceId::parse(name).map_err(|e| {
        eprintln!("error: {e}");
        Outcome::Invalid
    })
}

/// Deploy progress as lines with the time since the start.
struct Lines {
    started: Instant,
}

impl DeployProgress for Lines {
    fn step(&self, what: &str) {
        eprintln!("[{:>5.1}s] {what}", self.started.elapsed().as_secs_f64());
    }

    fn node(&self, node: &str, state: &str) {
        eprintln!("[{:>5.1}s]   {node}: {state}", self.started.elapsed().as_secs_f64());
    }
}

pub fn deploy(args: &DeployArgs) -> Outcome {
    let (_, lab) = match load_lab(&args.file) {
        Ok(loaded) => loaded,
        Err(outcome) => return outcome,
    };
    let design = lab.design_for(args.student.as_deref());
    let design = if args.solution { design.solution() } else { design };
    let instance = match &args.name {
        Some(name) => match instance_id(name) {
            Ok(id) => id,
            Err(outcome) => return outcome,
        },
        None if args.solution => InstanceId::for_solution(&design.lab, args.student.as_deref()),
        None => InstanceId::for_lab(&design.lab, args.student.as_deref()),
    };
    let mut plan = plan(&design, instance.clone());
    plan.transport = match args.transport {
        Transport::Veth => CableTransport::Veth,
        Transport::Vxlan => CableTransport::Vxlan,
    };
    if args.dry_run {
        return dry_run(&plan, args.output);
    }
    with_engine(|engine| async move {
        let progress = Lines { started: Instant::now() };
        let request = DeployRequest { plan: &plan, design: &design, workers: args.workers };
        let done = engine.deploy(request, &progress).await?;
        if done.unchanged {
            eprintln!("{instance}: already deployed from this design and running; left as it is");
            return Ok(Outcome::Success);
        }
        if !done.repaired.is_empty() {
            eprintln!(
                "{instance}: repaired in {:.1} s: built again {} (their disks, and what was saved on them, kept)",
                done.elapsed.as_secs_f64(),
                done.repaired.join(", ")
            );
            return Ok(Outcome::Success);
        }
        if done.design_updated {
            eprintln!("{instance}: running as deployed; its design (the answer key) was updated");
            return Ok(Outcome::Success);
        }
        let verb = if done.replaced { "replaced" } else { "deployed" };
        eprintln!("{instance}: {verb}, {} nodes ready in {:.1} s", done.nodes, done.elapsed.as_secs_f64());
        if args.solution {
            eprintln!("  the solution: every part built, no faults; it should score 100 %");
        }
        if let Some(first) = plan.nodes.iter().find(|n| n.kind != NodeKind::Switch) {
            eprintln!("  open a console:  asbuilt console {instance} {}", first.name);
        }
        eprintln!("  grade it:        asbuilt check {instance}");
        eprintln!("  see it:          asbuilt inspect {instance}");
        eprintln!("  remove it:       asbuilt destroy {instance}");
        Ok(Outcome::Success)
    })
}

/// Prints what the Kubernetes engine would create for `plan`, creating nothing.
fn dry_run(plan: &crate::plan::Plan, format: DryRunFormat) -> Outcome {
    let config = chosen();
    if config.kind != EngineKind::Kubernetes {
        eprintln!("error: a dry run prints the objects of a cluster: add `--engine kubernetes`");
        return Outcome::Invalid;
    }
    let mut plan = plan.clone();
    plan.transport = CableTransport::Vxlan;
    match manifests::manifests(&plan, &config.kube_settings()) {
        Ok(objects) => {
            match format {
                DryRunFormat::Yaml => print!("{}", objects.to_yaml()),
            }
            Outcome::Success
        }
        Err(e) => {
            eprintln!("error: failed to {e}");
            Outcome::Invalid
        }
    }
}

pub fn inspect(args: &InspectArgs) -> Outcome {
    let Some(name) = &args.instance else {
        return with_engine(|engine| async move {
            let list = engine.instances().await?;
            if args.json {
                return Ok(print_json(&list));
            }
            if list.is_empty() {
                println!("no lab instances");
                return Ok(Outcome::Success);
            }
            println!("{:<36} {:<20} {:<16} {:>5}  state", "instance", "lab", "student", "nodes");
            for i in list {
                println!(
                    "{:<36} {:<20} {:<16} {:>5}  {}",
                    i.instance,
                    i.lab,
                    i.student.unwrap_or_default(),
                    i.nodes,
                    i.state
                );
            }
            Ok(Outcome::Success)
        });
    };
    on_instance(name, |engine, instance| async move {
        let nodes = engine.nodes(&instance).await?;
        let record = engine.record(&instance).await;
        let problems = match &record {
            Ok(_) => engine.health(&instance).await?,
            Err(_) => Vec::new(),
        };
        // A broken infrastructure is an engine failure, whatever else is shown.
        let outcome = if problems.is_empty() && record.is_ok() { Outcome::Success } else { Outcome::Failed };
        if args.json {
            let cables: Option<Vec<serde_json::Value>> = record.as_ref().ok().map(|r| {
                r.plan
                    .segments
                    .iter()
                    .map(|segment| {
                        let ends: Vec<serde_json::Value> = segment
                            .ports
                            .iter()
                            .map(|p| {
                                let s = r.link_setting(&p.endpoint);
                                serde_json::json!({
                                    "end": p.endpoint.to_string(),
                                    "plugged_in": s.up,
                                    "loss_percent": s.loss_percent,
                                    "delay_ms": s.delay_ms,
                                })
                            })
                            .collect();
                        serde_json::json!({ "segment": segment.name, "ends": ends })
                    })
                    .collect()
            });
            let value = serde_json::json!({
                "instance": instance,
                "nodes": nodes,
                "deployed_at": record.as_ref().ok().map(|r| r.deployed_at.clone()),
                "lab": record.as_ref().ok().map(|r| r.plan.lab.clone()),
                "student": record.as_ref().ok().and_then(|r| r.plan.student.clone()),
                "cables": cables,
                "problems": problems.iter().map(|p| serde_json::json!({ "what": p, "says": p.to_string() })).collect::<Vec<_>>(),
                "record_error": record.as_ref().err().map(|e| e.to_string()),
            });
            print_json(&value);
            return Ok(outcome);
        }
        match &record {
            Ok(r) => println!(
                "instance {instance}: lab {}, {}, deployed {}",
                r.plan.lab,
                r.plan
                    .student
                    .as_deref()
                    .map(|s| format!("student {s}"))
                    .unwrap_or_else(|| "teacher's plan".into()),
                r.deployed_at
            ),
            Err(e) => println!("instance {instance}: {e}"),
        }
        println!("\n{:<16} {:<10} {:<10} image", "node", "kind", "state");
        for n in &nodes {
            println!(
                "{:<16} {:<10} {:<10} {}",
                n.node,
                n.kind.map(|k| k.name()).unwrap_or("?"),
                n.state,
                n.image
            );
        }
        if let Ok(r) = &record {
            println!("\ncables");
            for segment in &r.plan.segments {
                let ends: Vec<String> = segment
                    .ports
                    .iter()
                    .map(|p| {
                        let s = r.link_setting(&p.endpoint);
                        if s.is_default() {
                            p.endpoint.to_string()
                        } else {
                            format!("{} ({})", p.endpoint, describe(s))
                        }
                    })
                    .collect();
                println!("  {}", ends.join(" -- "));
            }
        }
        if !problems.is_empty() {
            println!("\nbroken (not the student's doing; `asbuilt deploy` with the same file repairs it)");
            for problem in &problems {
                println!("  {problem}");
            }
        }
        Ok(outcome)
    })
}

/// A cable end's state in words: "plugged in, 30% loss, 150 ms delay".
fn describe(s: LinkSetting) -> String {
    let mut parts = vec![if s.up { "plugged in".to_string() } else { "pulled out".to_string() }];
    if s.loss_percent > 0.0 {
        parts.push(format!("{}% loss", s.loss_percent));
    }
    if s.delay_ms > 0 {
        parts.push(format!("{} ms delay", s.delay_ms));
    }
    parts.join(", ")
}

fn print_json(value: &impl serde::Serialize) -> Outcome {
    println!("{}", serde_json::to_string_pretty(value).expect("values serialize"));
    Outcome::Success
}

pub fn console(args: &ConsoleArgs) -> Outcome {
    on_instance(&args.instance, |engine, instance| async move {
        let nodes = engine.nodes(&instance).await?;
        let kind = nodes.into_iter().find(|n| n.node == args.node).and_then(|n| n.kind);
        let command: Vec<String> = match kind {
            Some(NodeKind::Router | NodeKind::Firewall) if !args.shell => vec!["vtysh".into()],
            Some(NodeKind::Custom) => vec!["sh".into()],
            _ => vec!["bash".into(), "-l".into()],
        };
        super::terminal::attach(engine.as_ref(), &instance, &args.node, &command).await?;
        Ok(Outcome::Success)
    })
}

pub fn link(args: &LinkArgs) -> Outcome {
    let Some((node, interface)) = args.endpoint.split_once(':') else {
        eprintln!("error: `{}` is not a cable end: write it as node:interface, e.g. r1:eth1", args.endpoint);
        return Outcome::Invalid;
    };
    if args.loss.is_some_and(|l| !(0.0..=100.0).contains(&l)) {
        eprintln!("error: --loss is a percentage from 0 to 100");
        return Outcome::Invalid;
    }
    if args.state.is_none() && args.delay.is_none() && args.loss.is_none() {
        eprintln!("error: say what to do: `up`, `down`, `--delay MS` or `--loss PCT`");
        return Outcome::Invalid;
    }
    let endpoint = Endpoint { node: node.to_string(), interface: interface.to_string() };
    on_instance(&args.instance, |engine, instance| async move {
        let record = engine.record(&instance).await?;
        let mut setting = record.link_setting(&endpoint);
        if let Some(state) = &args.state {
            setting.up = state == "up";
        }
        if let Some(ms) = args.delay {
            setting.delay_ms = ms;
        }
        if let Some(loss) = args.loss {
            setting.loss_percent = loss;
        }
        engine.set_link(&instance, &endpoint, setting).await?;
        eprintln!("{instance}: {endpoint} is {}", describe(setting));
        Ok(Outcome::Success)
    })
}

pub fn save(args: &SaveArgs) -> Outcome {
    on_instance(&args.instance, |engine, instance| async move {
        let dir = args.output.clone().unwrap_or_else(|| PathBuf::from(format!("{instance}-config")));
        let files = save::save(engine.as_ref(), &instance).await?;
        for file in &files {
            let path = dir.join(&file.node).join(&file.name);
            let written = std::fs::create_dir_all(dir.join(&file.node))
                .and_then(|()| std::fs::write(&path, &file.content));
            if let Err(source) = written {
                return Err(EngineError::Io { doing: format!("write {}", path.display()), source });
            }
        }
        eprintln!("{instance}: saved {} files to {}", files.len(), dir.display());
        Ok(Outcome::Success)
    })
}

/// `asbuilt check INSTANCE`: grades the instance against the design it was deployed
/// from (the answer key in its record, not the faulty configuration it started with).
pub fn check(args: &super::checks::CheckArgs) -> Outcome {
    on_instance(&args.instance, |engine, instance| async move {
        let record = engine.record(&instance).await?;
        let problems = engine.health(&instance).await?;
        if !problems.is_empty() {
            eprintln!("error: {instance} is not graded: its infrastructure is broken, which no student did:");
            for problem in &problems {
                eprintln!("  {problem}");
            }
            eprintln!("  repair it with `asbuilt deploy` and the same file; what students saved is kept");
            return Ok(Outcome::Failed);
        }
        let access = InstanceAccess::open(engine, &instance).await?;
        Ok(super::checks::check_instance(std::sync::Arc::new(access), &record.design, args).await)
    })
}

/// `asbuilt recover`: every instance converged to its record, as after a reboot.
pub fn recover(args: &RecoverArgs) -> Outcome {
    with_engine(|engine| async move {
        let results = engine.recover(args.workers.max(1)).await;
        if results.is_empty() {
            eprintln!("no lab instances");
        }
        let mut failed = false;
        for (instance, result) in results {
            match result {
                Ok(done) if done.repaired.is_empty() => eprintln!("{instance}: whole, left as it is"),
                Ok(done) => eprintln!("{instance}: brought back: {}", done.repaired.join(", ")),
                Err(e) => {
                    failed = true;
                    eprintln!("error: failed to {e}");
                }
            }
        }
        Ok(if failed { Outcome::Failed } else { Outcome::Success })
    })
}

pub fn destroy(args: &DestroyArgs) -> Outcome {
    let instance = match args.instance.as_deref().map(instance_id).transpose() {
        Ok(i) => i,
        Err(outcome) => return outcome,
    };
    with_engine(|engine| async move {
        let report = match &instance {
            Some(i) => engine.destroy(i).await,
            None => engine.destroy_all().await,
        };
        if let Some(i) = &instance
            && report.containers == 0
            && report.errors.is_empty()
        {
            eprintln!("{i}: no such instance; nothing to remove");
            return Ok(Outcome::Success);
        }
        let names: Vec<String> = report.instances.iter().map(|i| i.to_string()).collect();
        eprintln!(
            "removed {} containers, {} stranded cables, {} volumes{}",
            report.containers,
            report.links,
            report.volumes,
            if names.is_empty() { String::new() } else { format!(" ({})", names.join(", ")) }
        );
        for e in &report.errors {
            eprintln!("error: failed to {e}");
        }
        Ok(if report.errors.is_empty() { Outcome::Success } else { Outcome::Failed })
    })
}

/// Whether the user is at a terminal (for the console).
pub fn interactive() -> bool {
    std::io::stdin().is_terminal() && std::io::stdout().is_terminal()
}
