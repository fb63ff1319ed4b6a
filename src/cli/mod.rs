//! The command line: argument parsing and dispatch to the library.
//!
//! Exit codes (docs/cli.md): 0 success; 1 the input is wrong (an invalid topology);
//! 2 asbuilt could not do its work (a file could not be read, the engine is unreachable).
//! `exec` exits with the status of the command it ran, and 2 when asbuilt itself failed.

pub mod checks;
mod doctor;
mod engine;
mod exec;
mod graph;
mod images;
mod import;
mod output;
mod probe_agent;
mod serve;
mod startup_log;
mod terminal;
mod topology;

use std::process::ExitCode;

use clap::{Parser, Subcommand};

#[derive(Debug, Parser)]
#[command(name = "asbuilt", version, about = "Network labs for education, graded against their design")]
struct Cli {
    #[command(subcommand)]
    command: Command,
    #[command(flatten)]
    engine: engine::EngineArgs,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Check topology files and report every error and warning.
    Validate(topology::ValidateArgs),
    /// Show the resolved design of a lab, for the teacher's plan or one student.
    Render(topology::RenderArgs),
    /// Draw a lab's design as SVG, DOT or Mermaid.
    Graph(graph::GraphArgs),
    /// Print the JSON Schema of the topology file format, for editors.
    Schema,
    /// Import a lab written for another tool (Kathará) as an asbuilt topology, with a
    /// report of what was not carried over exactly.
    Import(import::ImportArgs),
    /// Build and list the node images (offline, from Debian packages).
    Images(images::ImagesArgs),
    /// Build an instance of a lab (on Docker, or with `--engine kubernetes` on a cluster).
    Deploy(engine::DeployArgs),
    /// List lab instances, or show one: its nodes and cables.
    Inspect(engine::InspectArgs),
    /// Show what the teacher's startup commands printed and how they exited, per node.
    StartupLog(startup_log::StartupLogArgs),
    /// Run a command on a node of an instance.
    Exec(exec::ExecArgs),
    /// Open an interactive console on a node (vtysh on routers and firewalls).
    Console(engine::ConsoleArgs),
    /// Pull out, plug in, or impair a cable of an instance.
    Link(engine::LinkArgs),
    /// Save the running configuration of every node of an instance.
    Save(engine::SaveArgs),
    /// Remove an instance, or every instance, with everything it has.
    Destroy(engine::DestroyArgs),
    /// Bring every instance back after Docker or the host restarted (run at boot).
    Recover(engine::RecoverArgs),
    /// List the checks of a lab (derived from its design, and the teacher's own)
    /// without running them.
    Checks(checks::ChecksArgs),
    /// Check a running instance against its design: score per work process, with evidence.
    Check(checks::CheckArgs),
    /// Show a report `check --format json` saved in another format, with a grader's
    /// scores for the lab's rubric.
    Report(checks::ReportArgs),
    /// Show which confinement holds labs on this host, and prove it with a self-test.
    Doctor(doctor::DoctorArgs),
    /// Run the service for a school: accounts, classes, labs and assignments over a JSON
    /// API (docs/operations.md).
    Serve(serve::ServeArgs),
    /// Serve asbuilt's probes inside a node, on standard input and output (started by
    /// an engine where asbuilt cannot enter the node from its own host).
    ProbeAgent(probe_agent::ProbeAgentArgs),
}

/// How a command ended, as an exit code.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    Success,
    /// The input is wrong.
    Invalid,
    /// asbuilt could not do its work.
    Failed,
    /// A command asbuilt ran on a node ended with this status, passed on as it is.
    Exited(u8),
}

impl From<Outcome> for ExitCode {
    fn from(outcome: Outcome) -> ExitCode {
        match outcome {
            Outcome::Success => ExitCode::SUCCESS,
            Outcome::Invalid => ExitCode::from(1),
            Outcome::Failed => ExitCode::from(2),
            Outcome::Exited(code) => ExitCode::from(code),
        }
    }
}

pub fn main() -> ExitCode {
    let cli = Cli::parse();
    if let Err(outcome) = engine::choose(&cli.engine) {
        return outcome.into();
    }
    let outcome = match cli.command {
        Command::Validate(args) => topology::validate(&args),
        Command::Render(args) => topology::render(&args),
        Command::Graph(args) => graph::graph(&args),
        Command::Schema => topology::schema(),
        Command::Import(args) => import::import(&args),
        Command::Images(args) => return images::run(args),
        Command::Deploy(args) => engine::deploy(&args),
        Command::Inspect(args) => engine::inspect(&args),
        Command::StartupLog(args) => startup_log::startup_log(&args),
        Command::Exec(args) => exec::exec(&args),
        Command::Console(args) => engine::console(&args),
        Command::Link(args) => engine::link(&args),
        Command::Save(args) => engine::save(&args),
        Command::Destroy(args) => engine::destroy(&args),
        Command::Recover(args) => engine::recover(&args),
        Command::Checks(args) => checks::list(&args),
        Command::Check(args) => engine::check(&args),
        Command::Report(args) => checks::report(&args),
        Command::Doctor(args) => doctor::doctor(&args),
        Command::Serve(args) => serve::serve(&args),
        Command::ProbeAgent(args) => probe_agent::probe_agent(&args),
    };
    outcome.into()
}
