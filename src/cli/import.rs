//! `asbuilt import kathara DIR`: a lab written for another tool as an asbuilt topology,
//! with the import report beside it; `asbuilt import lab-checker CONFIG`: a
//! kathara-lab-checker configuration as the topology's checks.

use std::path::{Path, PathBuf};

use clap::{Args, Subcommand};

use super::Outcome;
use crate::design::Lab;
use crate::import::{self, ImportError, Imported};
use crate::topology::Source;

#[derive(Debug, Args)]
pub struct ImportArgs {
    #[command(subcommand)]
    from: ImportFrom,
}

#[derive(Debug, Subcommand)]
enum ImportFrom {
    /// A Kathará lab: a folder with lab.conf, startup files and a folder per device.
    Kathara(KatharaArgs),
    /// A containerlab topology (`*.clab.yml`), with the files it binds.
    Containerlab(ContainerlabArgs),
    /// A kathara-lab-checker configuration (YAML or JSON): its tests as checks.
    LabChecker(LabCheckerArgs),
}

#[derive(Debug, Args)]
pub struct ContainerlabArgs {
    /// The topology file.
    file: PathBuf,
    /// Where to write the topology (default: beside it, `.asbuilt.yml` in place of
    /// `.yml`). The report goes beside it, with `.import.txt` in place of `.yml`.
    #[arg(short, long)]
    output: Option<PathBuf>,
    #[command(flatten)]
    report: ReportArgs,
}

/// What an importer of a whole lab does with its report.
#[derive(Debug, Args)]
pub struct ReportArgs {
    /// Fail (exit 1) when anything of the lab was mapped with loss or refused.
    #[arg(long)]
    strict: bool,
    /// Print the report as JSON on standard output instead of the topology's path.
    #[arg(long)]
    json: bool,
}

#[derive(Debug, Args)]
pub struct LabCheckerArgs {
    /// The configuration file.
    config: PathBuf,
    /// The topology to add the checks to (the one `asbuilt import kathara` wrote): it is
    /// checked with them and rewritten, or written to `--output`.
    #[arg(long)]
    into: Option<PathBuf>,
    /// Where to write (default: the `--into` topology itself, else the configuration's
    /// name with `.checks.yml`). The report goes beside it, with `.import.txt`.
    #[arg(short, long)]
    output: Option<PathBuf>,
    /// Fail (exit 1) when a test was mapped with loss or left out.
    #[arg(long)]
    strict: bool,
}

#[derive(Debug, Args)]
pub struct KatharaArgs {
    /// The lab's folder (the one with lab.conf).
    dir: PathBuf,
    /// Where to write the topology (default: asbuilt.yml in the lab's folder). The
    /// report goes beside it, with `.import.txt` in place of `.yml`.
    #[arg(short, long)]
    output: Option<PathBuf>,
    #[command(flatten)]
    report: ReportArgs,
}

pub fn import(args: &ImportArgs) -> Outcome {
    match &args.from {
        ImportFrom::Kathara(args) => kathara(args),
        ImportFrom::Containerlab(args) => containerlab(args),
        ImportFrom::LabChecker(args) => lab_checker(args),
    }
}

fn kathara(args: &KatharaArgs) -> Outcome {
    let output = args.output.clone().unwrap_or_else(|| args.dir.join("asbuilt.yml"));
    let out_folder = crate::topology::beside::folder_of(&output);
    let imported = match import::kathara::import(&args.dir, &out_folder) {
        Ok(imported) => imported,
        Err(errors) => return print_errors(&args.dir, &errors),
    };
    write_imported(&imported, &output, out_folder, &args.report)
}

fn containerlab(args: &ContainerlabArgs) -> Outcome {
    let output = args.output.clone().unwrap_or_else(|| args.file.with_extension("asbuilt.yml"));
    let out_folder = crate::topology::beside::folder_of(&output);
    let imported = match import::containerlab::import(&args.file) {
        Ok(imported) => imported,
        Err(errors) => return print_errors(args.file.parent().unwrap_or(Path::new(".")), &errors),
    };
    write_imported(&imported, &output, out_folder, &args.report)
}

/// Writes an imported topology and its report, and checks the topology as `validate`.
fn write_imported(imported: &Imported, output: &Path, out_folder: PathBuf, report: &ReportArgs) -> Outcome {
    let report_path = output.with_extension("import.txt");
    if let Err(err) = std::fs::write(output, &imported.yaml) {
        eprintln!("error: failed to write {}: {err}", output.display());
        return Outcome::Failed;
    }
    let text = imported.report.render();
    if let Err(err) = std::fs::write(&report_path, &text) {
        eprintln!("error: failed to write {}: {err}", report_path.display());
        return Outcome::Failed;
    }
    if report.json {
        println!("{}", serde_json::to_string_pretty(&imported.report).expect("reports serialize"));
    } else {
        eprint!("{text}");
    }
    // The topology must be one asbuilt accepts: check it as `validate` would.
    let mut source = Source::new(output.display().to_string(), imported.yaml.clone());
    source.folder = Some(out_folder);
    if let Err(errors) = Lab::load(&source) {
        super::output::print_diagnostics(&errors, &source, super::output::DiagnosticFormat::Human);
        eprintln!(
            "{}: the imported topology has {} error(s); fix them in the lab or the topology",
            output.display(),
            errors.len()
        );
        return Outcome::Invalid;
    }
    eprintln!("wrote {} and {}", output.display(), report_path.display());
    if report.strict && imported.report.dropped_anything() {
        eprintln!("--strict: something of the lab was mapped with loss or refused (see the report)");
        return Outcome::Invalid;
    }
    Outcome::Success
}

fn lab_checker(args: &LabCheckerArgs) -> Outcome {
    let text = match std::fs::read_to_string(&args.config) {
        Ok(text) => text,
        Err(err) => {
            eprintln!("error: failed to read {}: {err}", args.config.display());
            return Outcome::Failed;
        }
    };
    let name = args
        .config
        .file_name()
        .map_or_else(|| args.config.display().to_string(), |n| n.to_string_lossy().into());
    let imported = match import::lab_checker::import(&name, &text) {
        Ok(imported) => imported,
        Err(errors) => {
            let dir = args.config.parent().unwrap_or(Path::new("."));
            return print_errors(dir, &errors);
        }
    };
    let (output, yaml) = match &args.into {
        Some(topology) => {
            let current = match std::fs::read_to_string(topology) {
                Ok(text) => text,
                Err(err) => {
                    eprintln!("error: failed to read {}: {err}", topology.display());
                    return Outcome::Failed;
                }
            };
            let merged = imported.merge_into(&current);
            let output = args.output.clone().unwrap_or_else(|| topology.clone());
            // The checks must name nodes and things the topology has: check as `validate`.
            let mut source = Source::new(output.display().to_string(), merged.clone());
            source.folder = Some(crate::topology::beside::folder_of(topology));
            if let Err(errors) = Lab::load(&source) {
                super::output::print_diagnostics(&errors, &source, super::output::DiagnosticFormat::Human);
                eprintln!("{}: the checks do not fit the topology; nothing was written", output.display());
                return Outcome::Invalid;
            }
            (output, merged)
        }
        None => {
            (args.output.clone().unwrap_or_else(|| args.config.with_extension("checks.yml")), imported.yaml())
        }
    };
    let report_path = output.with_extension("import.txt");
    let report = imported.report.render();
    for (path, content) in [(&output, &yaml), (&report_path, &report)] {
        if let Err(err) = std::fs::write(path, content) {
            eprintln!("error: failed to write {}: {err}", path.display());
            return Outcome::Failed;
        }
    }
    eprint!("{report}");
    eprintln!("{} checks; wrote {} and {}", imported.checks.len(), output.display(), report_path.display());
    if args.strict && imported.report.dropped_anything() {
        eprintln!("--strict: some tests were mapped with loss or left out (see the report)");
        return Outcome::Invalid;
    }
    Outcome::Success
}

fn print_errors(dir: &Path, errors: &[ImportError]) -> Outcome {
    for e in errors {
        eprintln!("{}/{e}", dir.display());
    }
    eprintln!("{}: {} error{}", dir.display(), errors.len(), if errors.len() == 1 { "" } else { "s" });
    Outcome::Invalid
}

/// Whether `path` is another tool's lab, which commands that take a topology import on
/// the fly: a Kathará lab's folder, or a containerlab topology (`*.clab.yml`).
pub fn is_foreign(path: &Path) -> bool {
    (path.is_dir() && import::kathara::is_lab(path)) || import::containerlab::is_topology(path)
}

/// Another tool's lab, imported on the fly for a command that takes a topology
/// (`asbuilt deploy DIR`): the topology as if written beside it, its report on standard
/// error.
pub fn on_the_fly(path: &Path) -> Result<Source, Outcome> {
    let (written, imported) = if path.is_dir() {
        (path.join("asbuilt.yml"), import::kathara::import(path, path))
    } else {
        (path.with_extension("asbuilt.yml"), import::containerlab::import(path))
    };
    let dir = if path.is_dir() { path } else { path.parent().unwrap_or(Path::new(".")) };
    let Imported { yaml, report } = imported.map_err(|errors| print_errors(dir, &errors))?;
    eprint!("{}", report.render());
    let mut source = Source::new(written.display().to_string(), yaml);
    source.folder = Some(crate::topology::beside::folder_of(&written));
    Ok(source)
}
