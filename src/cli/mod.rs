//! The command line: argument parsing and dispatch to the library.
//!
//! Exit codes (docs/cli.md): 0 success; 1 the input is wrong (an invalid topology);
//! 2 asbuilt could not do its work (a file could not be read, the engine is unreachable).

pub mod checks;
mod graph;
mod output;
mod topology;

use std::process::ExitCode;

use clap::{Parser, Subcommand};

#[derive(Debug, Parser)]
#[command(name = "asbuilt", version, about = "Network labs for education, graded against their design")]
struct Cli {
    #[command(subcommand)]
    command: Command,
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
    /// List the checks of a lab (derived from its design, and the teacher's own)
    /// without running them.
    Checks(checks::ChecksArgs),
}

/// How a command ended, as an exit code.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    Success,
    /// The input is wrong.
    Invalid,
    /// asbuilt could not do its work.
    Failed,
}

impl From<Outcome> for ExitCode {
    fn from(outcome: Outcome) -> ExitCode {
        match outcome {
            Outcome::Success => ExitCode::SUCCESS,
            Outcome::Invalid => ExitCode::from(1),
            Outcome::Failed => ExitCode::from(2),
        }
    }
}

pub fn main() -> ExitCode {
    let cli = Cli::parse();
    let outcome = match cli.command {
        Command::Validate(args) => topology::validate(&args),
        Command::Render(args) => topology::render(&args),
        Command::Graph(args) => graph::graph(&args),
        Command::Schema => topology::schema(),
        Command::Checks(args) => checks::list(&args),
    };
    outcome.into()
}
