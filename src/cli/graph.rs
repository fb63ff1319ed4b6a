//! `graph`: draws a lab's design as SVG, DOT or Mermaid.

use std::io::Write;
use std::path::PathBuf;

use clap::Args;

use super::Outcome;
use super::topology::load_lab;
use crate::design::Lang;
use crate::graph::{self, Format};

#[derive(Debug, Args)]
pub struct GraphArgs {
    /// The topology file.
    file: PathBuf,
    /// Write the drawing to this file instead of standard output.
    #[arg(short, long, value_name = "FILE")]
    output: Option<PathBuf>,
    /// Drawing format.
    #[arg(long, value_enum, default_value = "svg")]
    format: GraphFormat,
    /// Draw this student's variant of the lab.
    #[arg(long)]
    student: Option<String>,
    /// Language of the title, legend and every other text asbuilt writes: nl or en
    /// (default: the lab's).
    #[arg(long, value_parser = super::checks::parse_lang)]
    lang: Option<Lang>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
enum GraphFormat {
    Svg,
    Dot,
    Mermaid,
}

impl From<GraphFormat> for Format {
    fn from(format: GraphFormat) -> Format {
        match format {
            GraphFormat::Svg => Format::Svg,
            GraphFormat::Dot => Format::Dot,
            GraphFormat::Mermaid => Format::Mermaid,
        }
    }
}

pub fn graph(args: &GraphArgs) -> Outcome {
    let (_, lab) = match load_lab(&args.file) {
        Ok(loaded) => loaded,
        Err(outcome) => return outcome,
    };
    let design = lab.design_for(args.student.as_deref());
    let lang = args.lang.unwrap_or(design.language);
    let drawing = graph::draw_in(&design, args.format.into(), lang);
    let written = match &args.output {
        Some(path) => {
            std::fs::write(path, &drawing).map_err(|err| format!("failed to write {}: {err}", path.display()))
        }
        None => std::io::stdout()
            .lock()
            .write_all(drawing.as_bytes())
            .map_err(|err| format!("failed to write the drawing: {err}")),
    };
    match written {
        Ok(()) => Outcome::Success,
        Err(message) => {
            eprintln!("error: {message}");
            Outcome::Failed
        }
    }
}
