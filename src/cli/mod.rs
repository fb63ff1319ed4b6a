//! The command line: argument parsing and dispatch to the library.
//!
//! Exit codes: 0 success, 1 the input is wrong (invalid topology, failed checks),
//! 2 asbuilt could not do its work (I/O, engine unreachable). See docs/cli.md.

use std::process::ExitCode;

use clap::{Parser, Subcommand};

#[derive(Debug, Parser)]
#[command(name = "asbuilt", version, about = "Network labs for education, graded against their design")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {}

pub fn main() -> ExitCode {
    let cli = Cli::parse();
    match cli.command {}
}
