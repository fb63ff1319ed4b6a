//! `checks` (list a lab's check suite) and `check` (run it against a lab instance and
//! report). Exit codes of `check`: 0 all passed, 1 some failed, 2 could not run.

use std::io::{IsTerminal, Write};
use std::path::PathBuf;
use std::time::{SystemTime, UNIX_EPOCH};

use clap::Args;

use super::Outcome;
use super::topology::load_lab;
use std::sync::Arc;

use tokio_util::sync::CancellationToken;

use crate::checks::access::LabAccess;
use crate::checks::derive;
use crate::checks::events::RunEvent;
use crate::checks::format::{self, Format};
use crate::checks::grade::{GradeOptions, grade};
use crate::checks::model::{Origin, Suite};
use crate::checks::report::{REPORT_VERSION, Report};
use crate::checks::rubric::{self, RubricScores};
use crate::design::{Design, Lang};

#[derive(Debug, Args)]
pub struct ChecksArgs {
    /// The topology file.
    file: PathBuf,
    /// The suite for this student's variant.
    #[arg(long)]
    student: Option<String>,
    #[arg(long, value_enum, default_value = "table")]
    format: ListFormat,
    /// Language of titles: nl or en (default: the lab's).
    #[arg(long, value_parser = parse_lang)]
    lang: Option<Lang>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
enum ListFormat {
    Table,
    Json,
}

/// How a report is shown: the same for `check` and `report`.
#[derive(Debug, Clone, Args)]
pub struct ShowArgs {
    #[arg(long, value_enum, default_value = "table")]
    pub format: Format,
    /// Write the report to this file instead of standard output.
    #[arg(long, short)]
    pub output: Option<PathBuf>,
    /// The "check my work" view: hide expected values the teacher did not reveal.
    #[arg(long)]
    pub student_view: bool,
    /// Language of the report: nl or en (default: the lab's).
    #[arg(long, value_parser = parse_lang)]
    pub lang: Option<Lang>,
}

/// Options of `asbuilt check INSTANCE`.
#[derive(Debug, Clone, Args)]
pub struct CheckArgs {
    /// The lab instance to check.
    pub instance: String,
    #[command(flatten)]
    pub show: ShowArgs,
    /// Checks running at the same time (1: one by one).
    #[arg(long, default_value_t = 32)]
    pub parallel: usize,
    /// A grader's scores for the lab's rubric (YAML or JSON: `ITEM: POINTS`, or
    /// `ITEM: { points: P, comment: "..." }`), put into the report.
    #[arg(long)]
    pub rubric: Option<PathBuf>,
}

/// Options of `asbuilt report REPORT.json`.
#[derive(Debug, Clone, Args)]
pub struct ReportArgs {
    /// A report `asbuilt check --format json` wrote.
    pub report: PathBuf,
    /// A grader's scores for the lab's rubric, as for `asbuilt check --rubric`.
    #[arg(long)]
    pub rubric: Option<PathBuf>,
    #[command(flatten)]
    pub show: ShowArgs,
}

pub(super) fn parse_lang(s: &str) -> Result<Lang, String> {
    Lang::parse(s).ok_or_else(|| format!("`{s}` is not a language asbuilt speaks: use nl or en"))
}

/// Prints the check suite of a lab without running it.
pub fn list(args: &ChecksArgs) -> Outcome {
    let (_, lab) = match load_lab(&args.file) {
        Ok(loaded) => loaded,
        Err(outcome) => return outcome,
    };
    let suite = derive::suite(&lab.design_for(args.student.as_deref()));
    let text = match args.format {
        ListFormat::Json => serde_json::to_string_pretty(&suite).expect("suites serialize") + "\n",
        ListFormat::Table => suite_table(&suite, args.lang.unwrap_or(suite.language)),
    };
    print!("{text}");
    Outcome::Success
}

fn suite_table(suite: &Suite, lang: Lang) -> String {
    let mut out = format!("{} — {}\n", suite.lab, suite.title.get(lang).unwrap_or(""));
    if let (Some(student), Some(seed)) = (&suite.student, &suite.seed) {
        out.push_str(&format!("student {student} · variant {seed}\n"));
    }
    out.push('\n');
    let width = suite.checks.iter().map(|c| c.id.len()).max().unwrap_or(0);
    for c in &suite.checks {
        let trains: Vec<&str> = c.trains.iter().map(|t| t.0.as_str()).collect();
        let evidence = match c.probe.planned_evidence() {
            crate::checks::model::Influence::Asbuilt => "asbuilt",
            crate::checks::model::Influence::NodeTools => "node-tools",
        };
        let origin = match c.origin {
            Origin::Derived => "derived",
            Origin::Explicit => "explicit",
        };
        out.push_str(&format!(
            "{:<width$}  {:>4}  {:<8}  {:<10}  {:<18}  {}\n",
            c.id,
            c.weight,
            origin,
            evidence,
            trains.join(","),
            c.title.get(lang).unwrap_or("")
        ));
        if !c.depends_on.is_empty() {
            let parts: Vec<String> = c.depends_on.iter().map(ToString::to_string).collect();
            out.push_str(&format!("{:<width$}  depends on {}\n", "", parts.join(", ")));
        }
        if !c.graded {
            let resting: Vec<&str> =
                suite.checks.iter().filter(|o| o.requires.contains(&c.id)).map(|o| o.id.as_str()).collect();
            out.push_str(&format!(
                "{:<width$}  dropped: not graded nor reported; runs only for the checks resting on it: {}\n",
                "",
                resting.join(", ")
            ));
        }
    }
    let graded = suite.checks.iter().filter(|c| c.graded).count();
    out.push_str(&format!("\n{graded} checks\n"));
    out
}

/// Grades a running lab against `design` (the library's [`grade`]) and writes the
/// report, showing the run's progress on the terminal.
pub async fn check_instance(access: Arc<dyn LabAccess>, design: &Design, args: &CheckArgs) -> Outcome {
    // Read the scores first: a typo in them should not cost a whole grading run.
    let scores = match args.rubric.as_deref().map(read_scores).transpose() {
        Ok(scores) => scores,
        Err(message) => {
            eprintln!("error: {message}");
            return Outcome::Invalid;
        }
    };
    let options = GradeOptions {
        parallel: args.parallel.max(1),
        student_view: args.show.student_view,
        ..GradeOptions::at(utc_now())
    };
    let (tx, rx) = tokio::sync::mpsc::unbounded_channel();
    let printer = std::io::stderr().is_terminal().then(|| tokio::spawn(print_progress(rx)));
    // The command runs to its end or is killed: nothing cancels it.
    let graded = grade(access, design.clone(), options, Some(tx), CancellationToken::new()).await;
    if let Some(printer) = printer {
        let _ = printer.await;
    }
    let mut report = match graded {
        Ok(report) => report,
        Err(e) => {
            eprintln!("error: failed to {e}");
            return Outcome::Failed;
        }
    };
    if let Some(scores) = &scores
        && !put_scores(&mut report, scores, args.rubric.as_deref())
    {
        return Outcome::Invalid;
    }
    write_report(&report, &args.show, design.language)
}

/// `asbuilt report`: a saved JSON report in any format, with a grader's rubric scores.
pub fn report(args: &ReportArgs) -> Outcome {
    let text = match std::fs::read_to_string(&args.report) {
        Ok(text) => text,
        Err(e) => {
            eprintln!("error: failed to read {}: {e}", args.report.display());
            return Outcome::Invalid;
        }
    };
    let mut report: Report = match serde_json::from_str(&text) {
        Ok(report) => report,
        Err(e) => {
            eprintln!(
                "error: {} is not a report asbuilt wrote (`asbuilt check --format json`): {e}",
                args.report.display()
            );
            return Outcome::Invalid;
        }
    };
    if report.version != REPORT_VERSION {
        eprintln!(
            "error: {} is a report of format version {}; this asbuilt reads version {REPORT_VERSION}",
            args.report.display(),
            report.version
        );
        return Outcome::Invalid;
    }
    if let Some(path) = &args.rubric {
        let scores = match read_scores(path) {
            Ok(scores) => scores,
            Err(message) => {
                eprintln!("error: {message}");
                return Outcome::Invalid;
            }
        };
        if !put_scores(&mut report, &scores, Some(path)) {
            return Outcome::Invalid;
        }
    }
    if args.show.student_view {
        report = report.student_view();
    }
    let lang = report.language;
    write_report(&report, &args.show, lang)
}

fn read_scores(path: &std::path::Path) -> Result<RubricScores, String> {
    let text =
        std::fs::read_to_string(path).map_err(|e| format!("failed to read {}: {e}", path.display()))?;
    rubric::parse(&text).map_err(|e| format!("{}: {e}", path.display()))
}

/// Puts the scores into the report, or says on standard error what is wrong with them.
fn put_scores(report: &mut Report, scores: &RubricScores, from: Option<&std::path::Path>) -> bool {
    match report.score_rubric(scores) {
        Ok(()) => true,
        Err(problems) => {
            let from = from.map(|p| format!("{}: ", p.display())).unwrap_or_default();
            for problem in problems {
                eprintln!("error: {from}{problem}");
            }
            false
        }
    }
}

/// Writes the report as `show` says (in the lab's language unless it names one) to the
/// file or standard output; the exit code says how it scored.
fn write_report(report: &Report, show: &ShowArgs, lab_language: Lang) -> Outcome {
    let output = show.output.as_deref();
    let color = output.is_none() && std::io::stdout().is_terminal() && std::env::var_os("NO_COLOR").is_none();
    let text = format::render(report, show.format, show.lang.unwrap_or(lab_language), color);
    let written = match output {
        Some(path) => {
            std::fs::write(path, text).map_err(|e| format!("failed to write {}: {e}", path.display()))
        }
        None => std::io::stdout()
            .write_all(text.as_bytes())
            .map_err(|e| format!("failed to print the report: {e}")),
    };
    if let Err(message) = written {
        eprintln!("error: {message}");
        return Outcome::Failed;
    }
    match report.exit_code() {
        0 => Outcome::Success,
        1 => Outcome::Invalid,
        _ => Outcome::Failed,
    }
}

/// Prints a run's events on one line of the terminal, rewritten as checks finish.
async fn print_progress(mut events: tokio::sync::mpsc::UnboundedReceiver<RunEvent>) {
    let mut stderr = std::io::stderr();
    while let Some(event) = events.recv().await {
        let line = match event {
            RunEvent::Settling { routers } => {
                format!("waiting for routing (OSPF, BGP) to settle on {}", routers.join(", "))
            }
            RunEvent::Settled(s) if s.settled => {
                format!("routing settled after {:.1} s", s.waited_ms as f64 / 1000.0)
            }
            RunEvent::Settled(s) => {
                format!("routing still busy after {:.1} s; checking anyway", s.waited_ms as f64 / 1000.0)
            }
            RunEvent::Started { .. } => continue,
            RunEvent::Finished { done, total, .. } => format!("checks: {done} of {total} done"),
        };
        let _ = write!(stderr, "\r\x1b[2K{line}");
        let _ = stderr.flush();
    }
    let _ = write!(stderr, "\r\x1b[2K");
}

/// Now, as RFC 3339 in UTC. The report model takes the time from here: the library
/// itself reads no clock.
fn utc_now() -> String {
    let secs = SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| d.as_secs());
    rfc3339(secs)
}

fn rfc3339(secs: u64) -> String {
    let days = (secs / 86_400) as i64;
    let rest = secs % 86_400;
    // Howard Hinnant's days-to-civil algorithm.
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!("{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}Z", rest / 3600, rest % 3600 / 60, rest % 60)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timestamps_are_rfc3339_in_utc() {
        assert_eq!(rfc3339(0), "1970-01-01T00:00:00Z");
        assert_eq!(rfc3339(1_795_000_000), "2026-11-18T11:06:40Z");
        assert_eq!(rfc3339(951_782_400), "2000-02-29T00:00:00Z");
    }
}
