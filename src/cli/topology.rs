//! `validate`, `render` and `schema`: the commands a teacher uses while writing a lab.

use std::path::{Path, PathBuf};

use clap::Args;

use super::Outcome;
use super::output::{DiagnosticFormat, print_diagnostics};
use crate::design::Lab;
use crate::topology::Source;

#[derive(Debug, Args)]
pub struct ValidateArgs {
    /// Topology files to check (a Kathará lab's folder is imported on the fly).
    #[arg(required = true)]
    files: Vec<PathBuf>,
    /// How to print problems.
    #[arg(long, value_enum, default_value = "human")]
    format: DiagnosticFormat,
    /// Count warnings as errors.
    #[arg(long)]
    strict: bool,
}

#[derive(Debug, Args)]
pub struct RenderArgs {
    /// The topology file.
    file: PathBuf,
    /// Resolve the design for this student's variant.
    #[arg(long)]
    student: Option<String>,
    /// Output format.
    #[arg(long, value_enum, default_value = "yaml")]
    format: RenderFormat,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
enum RenderFormat {
    Yaml,
    Json,
}

/// Checks every file and reports all problems of all files.
pub fn validate(args: &ValidateArgs) -> Outcome {
    let mut outcome = Outcome::Success;
    for path in &args.files {
        let file_outcome = validate_one(path, args.format, args.strict);
        outcome = worse(outcome, file_outcome);
    }
    outcome
}

fn validate_one(path: &Path, format: DiagnosticFormat, strict: bool) -> Outcome {
    let source = if super::import::is_foreign(path) {
        match super::import::on_the_fly(path) {
            Ok(s) => s,
            Err(outcome) => return outcome,
        }
    } else {
        match Source::read(path) {
            Ok(s) => s,
            Err(err) => {
                eprintln!("error: failed to read {}: {err}", path.display());
                return Outcome::Failed;
            }
        }
    };
    match Lab::load(&source) {
        Ok(lab) => {
            print_diagnostics(&lab.warnings, &source, format);
            let bad = strict && !lab.warnings.is_empty();
            if format != DiagnosticFormat::Json {
                let count = lab.warnings.len();
                let note = match count {
                    0 => String::new(),
                    1 => " (1 warning)".into(),
                    n => format!(" ({n} warnings)"),
                };
                eprintln!("{}: {}{note}", source.name, if bad { "warnings count as errors" } else { "ok" });
            }
            if bad { Outcome::Invalid } else { Outcome::Success }
        }
        Err(errors) => {
            print_diagnostics(&errors, &source, format);
            if format != DiagnosticFormat::Json {
                let n = errors.len();
                eprintln!("{}: {n} error{}", source.name, if n == 1 { "" } else { "s" });
            }
            Outcome::Invalid
        }
    }
}

fn worse(a: Outcome, b: Outcome) -> Outcome {
    match (a, b) {
        (Outcome::Failed, _) | (_, Outcome::Failed) => Outcome::Failed,
        (Outcome::Invalid, _) | (_, Outcome::Invalid) => Outcome::Invalid,
        _ => Outcome::Success,
    }
}

/// Loads a lab for a command that needs a valid one, printing its errors if not. A
/// Kathará lab's folder or a containerlab topology is imported on the fly.
pub fn load_lab(path: &Path) -> Result<(Source, Lab), Outcome> {
    let source = if super::import::is_foreign(path) {
        super::import::on_the_fly(path)?
    } else {
        Source::read(path).map_err(|err| {
            eprintln!("error: failed to read {}: {err}", path.display());
            Outcome::Failed
        })?
    };
    match Lab::load(&source) {
        Ok(lab) => Ok((source, lab)),
        Err(errors) => {
            print_diagnostics(&errors, &source, DiagnosticFormat::Human);
            eprintln!("{}: {} error{}", source.name, errors.len(), if errors.len() == 1 { "" } else { "s" });
            Err(Outcome::Invalid)
        }
    }
}

pub fn render(args: &RenderArgs) -> Outcome {
    let (_, lab) = match load_lab(&args.file) {
        Ok(loaded) => loaded,
        Err(outcome) => return outcome,
    };
    let design = lab.design_for(args.student.as_deref());
    let text = match args.format {
        RenderFormat::Yaml => serde_yaml::to_string(&design).expect("designs serialize"),
        RenderFormat::Json => serde_json::to_string_pretty(&design).expect("designs serialize") + "\n",
    };
    print!("{text}");
    Outcome::Success
}

pub fn schema() -> Outcome {
    let schema = schemars::schema_for!(crate::topology::wire::TopologyFile);
    println!("{}", serde_json::to_string_pretty(&schema).expect("schemas serialize"));
    Outcome::Success
}
