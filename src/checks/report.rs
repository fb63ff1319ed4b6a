//! A graded report: the score with weights and partial credit, subtotals per work
//! process, every check with its evidence. Pure: the timestamp comes from the caller.
//!
//! This struct is the JSON format (docs/checks.md). Change it only by adding optional
//! fields; anything else raises [`REPORT_VERSION`].

use serde::{Deserialize, Serialize};

use super::events::Settling;
use super::model::{Origin, Suite};
use super::outcome::{CheckResult, Evidence, Outcome, Status};
use crate::design::{Lang, Text, WorkProcess};

/// The version of the report format. Readers check it before anything else.
pub const REPORT_VERSION: u32 = 1;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Report {
    pub version: u32,
    pub lab: String,
    pub title: Text,
    pub language: Lang,
    pub student: Option<String>,
    pub seed: Option<String>,
    /// When the checks ran, as the caller gave it (RFC 3339).
    pub timestamp: String,
    /// Whether expected values the teacher did not reveal were left out.
    pub student_view: bool,
    pub score: Score,
    pub work_processes: Vec<Subtotal>,
    pub counts: Counts,
    /// How the wait for OSPF went before grading; absent when no check looks at OSPF.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub settling: Option<Settling>,
    pub checks: Vec<ReportedCheck>,
}

/// Points earned of points possible.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Score {
    pub earned: f64,
    pub possible: f64,
    /// 0 to 100, one decimal.
    pub percent: f64,
}

impl Score {
    fn new(earned: f64, possible: f64) -> Score {
        let percent = if possible > 0.0 { (earned / possible * 1000.0).round() / 10.0 } else { 0.0 };
        Score { earned: round2(earned), possible: round2(possible), percent }
    }
}

/// The score of the checks that count for one work process.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Subtotal {
    pub code: String,
    pub name: Text,
    #[serde(flatten)]
    pub score: Score,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Counts {
    pub pass: usize,
    pub fail: usize,
    pub error: usize,
    pub skipped: usize,
}

/// One check in a report.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ReportedCheck {
    pub id: String,
    pub origin: Origin,
    pub title: Text,
    pub status: Status,
    pub weight: f64,
    pub earned: f64,
    pub trains: Vec<WorkProcess>,
    /// `None` in the student view when the teacher did not reveal it.
    pub expected: Option<Text>,
    pub observed: Option<Text>,
    /// Why it could not run, or why it was skipped.
    pub reason: Option<Text>,
    pub hint: Option<Text>,
    pub reveal: bool,
    pub attempts: u32,
    pub duration_ms: u64,
    pub evidence: Vec<Evidence>,
}

impl Report {
    /// Scores `results` (one per check of `suite`, any order) into a report.
    pub fn build(suite: &Suite, results: &[CheckResult], timestamp: &str) -> Report {
        let mut counts = Counts::default();
        let mut checks = Vec::new();
        // A check the teacher dropped runs only for the checks that rest on it: it is in
        // no list and no count.
        for spec in suite.checks.iter().filter(|c| c.graded) {
            let Some(result) = results.iter().find(|r| r.id == spec.id) else { continue };
            let (expected, observed, reason) = match &result.outcome {
                Outcome::Pass { observed } => (None, Some(observed.clone()), None),
                Outcome::Fail { expected, observed, .. } => {
                    (Some(expected.clone()), Some(observed.clone()), None)
                }
                Outcome::Error { why } => (None, None, Some(why.clone())),
                Outcome::Skipped { reason } => (None, None, Some(reason.clone())),
            };
            let status = result.outcome.status();
            match status {
                Status::Pass => counts.pass += 1,
                Status::Fail => counts.fail += 1,
                Status::Error => counts.error += 1,
                Status::Skipped => counts.skipped += 1,
            }
            checks.push(ReportedCheck {
                id: spec.id.clone(),
                origin: spec.origin,
                title: spec.title.clone(),
                status,
                weight: spec.weight,
                earned: round2(spec.weight * result.outcome.credit()),
                trains: spec.trains.clone(),
                expected,
                observed,
                reason,
                hint: (!spec.hint.is_empty()).then(|| spec.hint.clone()),
                reveal: spec.reveal,
                attempts: result.attempts,
                duration_ms: result.duration_ms,
                evidence: result.evidence.clone(),
            });
        }
        let score = Score::new(checks.iter().map(|c| c.earned).sum(), checks.iter().map(|c| c.weight).sum());
        Report {
            version: REPORT_VERSION,
            lab: suite.lab.clone(),
            title: suite.title.clone(),
            language: suite.language,
            student: suite.student.clone(),
            seed: suite.seed.clone(),
            timestamp: timestamp.to_string(),
            student_view: false,
            score,
            work_processes: subtotals(&checks),
            counts,
            settling: None,
            checks,
        }
    }

    /// The "check my work" view: expected values the teacher did not reveal are
    /// left out, with their evidence; hints stay.
    pub fn student_view(&self) -> Report {
        let mut out = self.clone();
        out.student_view = true;
        for check in out.checks.iter_mut().filter(|c| !c.reveal) {
            check.expected = None;
            check.evidence.clear();
        }
        out
    }

    /// 0 when every check passed, 1 when some failed or were skipped, 2 when some
    /// could not run (the score is then incomplete).
    pub fn exit_code(&self) -> u8 {
        if self.counts.error > 0 {
            2
        } else if self.counts.fail > 0 || self.counts.skipped > 0 {
            1
        } else {
            0
        }
    }
}

/// A check counts fully for every work process it is tagged with.
fn subtotals(checks: &[ReportedCheck]) -> Vec<Subtotal> {
    let mut codes: Vec<&WorkProcess> = checks.iter().flat_map(|c| c.trains.iter()).collect();
    codes.sort();
    codes.dedup();
    codes
        .into_iter()
        .map(|code| {
            let tagged = checks.iter().filter(|c| c.trains.contains(code));
            let (earned, possible) = tagged.fold((0.0, 0.0), |(e, p), c| (e + c.earned, p + c.weight));
            let name = WorkProcess::KNOWN
                .iter()
                .find(|(c, _, _)| *c == code.0)
                .map(|(_, nl, en)| Text { nl: Some(nl.to_string()), en: Some(en.to_string()) })
                .unwrap_or_default();
            Subtotal { code: code.0.clone(), name, score: Score::new(earned, possible) }
        })
        .collect()
}

fn round2(x: f64) -> f64 {
    (x * 100.0).round() / 100.0
}
