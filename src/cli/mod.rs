//! The command line: argument parsing and dispatch to the library.
//!
//! Exit codes: 0 success, 1 the input is wrong (invalid topology, failed checks),
//! 2 asbuilt could not do its work (I/O, engine unreachable). See docs/cli.md.

use std::process::ExitCode;

use clap::{Parser, Subcommand};

mod images;

#[derive(Debug, Parser)]
#[command(
    name = "asbuilt",
    version,
    about = "Network labs for education, graded against their design"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Build and list the node images (offline, from Debian packages).
    Images(images::ImagesArgs),
}

pub fn main() -> ExitCode {
    let cli = Cli::parse();
    match cli.command {
        Command::Images(args) => images::run(args),
    }
}
