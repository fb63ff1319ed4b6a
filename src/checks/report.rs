//! A graded report: the score with weights and partial credit, subtotals per work
//! process, every check with its evidence. Pure: the timestamp comes from the caller.
//!
//! This struct is the JSON format (docs/checks.md). Change it only by adding optional
//! fields; anything else raises [`REPORT_VERSION`].

use serde::{Deserialize, Serialize};

use super::events::Settling;
use super::model::{Origin, Suite};
use super::outcome::{CheckResult, Evidence, Outcome, Status};
use crate::design::{Lang, RubricItem, Text, WorkProcess};

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
    /// Checks that passed in the lab as the student got it and fail now: what their work
    /// broke. Present for labs with faults or a ticket.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub regressions: Option<Regressions>,
    /// The criteria a teacher scores by hand; unscored ones earn nothing yet.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub rubric: Vec<ScoredItem>,
}

/// The checks a student had to leave working, and those that no longer pass.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Regressions {
    /// How many graded checks passed in the lab as handed out.
    pub guarded: usize,
    /// The ids of those that did not pass now.
    pub broken: Vec<String>,
}

/// A rubric criterion with the grader's score, once given.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ScoredItem {
    pub id: String,
    pub criterion: Text,
    pub points: f64,
    /// `None` until a grader scored it.
    pub earned: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub comment: Option<String>,
    pub trains: Vec<WorkProcess>,
    /// The hand-in text the criterion is about.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub about: Option<String>,
}

impl ScoredItem {
    /// The criterion as no grader has scored it yet.
    pub fn unscored(item: &RubricItem) -> ScoredItem {
        ScoredItem {
            id: item.id.clone(),
            criterion: item.criterion.clone(),
            points: item.points,
            earned: None,
            comment: None,
            trains: item.trains.clone(),
            about: item.about.clone(),
        }
    }
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
    /// Rubric items no grader has scored yet.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub pending: usize,
}

fn is_zero(n: &usize) -> bool {
    *n == 0
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
    /// It passed in the lab as the student got it: failing now is a regression.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub worked_at_start: bool,
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
                worked_at_start: spec.worked_at_start,
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
        let guarded = suite.checks.iter().any(|c| c.worked_at_start);
        let regressions = guarded.then(|| Regressions {
            guarded: checks.iter().filter(|c| c.worked_at_start).count(),
            broken: checks
                .iter()
                .filter(|c| c.worked_at_start && c.status != Status::Pass)
                .map(|c| c.id.clone())
                .collect(),
        });
        let rubric = suite.rubric.iter().map(ScoredItem::unscored).collect();
        let mut report = Report {
            version: REPORT_VERSION,
            lab: suite.lab.clone(),
            title: suite.title.clone(),
            language: suite.language,
            student: suite.student.clone(),
            seed: suite.seed.clone(),
            timestamp: timestamp.to_string(),
            student_view: false,
            score: Score::new(0.0, 0.0),
            work_processes: Vec::new(),
            counts,
            settling: None,
            checks,
            regressions,
            rubric,
        };
        report.total();
        report
    }

    /// Adds up the score, the subtotals per work process and the unscored rubric items,
    /// from the checks and the rubric: after building, and again after scoring.
    pub(crate) fn total(&mut self) {
        let parts: Vec<Scored> = self
            .checks
            .iter()
            .map(|c| Scored { earned: c.earned, possible: c.weight, trains: &c.trains })
            .chain(self.rubric.iter().map(|i| Scored {
                earned: i.earned.unwrap_or(0.0),
                possible: i.points,
                trains: &i.trains,
            }))
            .collect();
        self.score = Score::new(parts.iter().map(|p| p.earned).sum(), parts.iter().map(|p| p.possible).sum());
        self.work_processes = subtotals(&parts);
        self.counts.pending = self.rubric.iter().filter(|i| i.earned.is_none()).count();
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

    /// 0 when every check passed and every rubric item has full points; 1 when some
    /// failed or were skipped, or a rubric item is short or waits for a grader; 2 when
    /// some could not run (the score is then incomplete).
    pub fn exit_code(&self) -> u8 {
        if self.counts.error > 0 {
            2
        } else if self.counts.fail > 0
            || self.counts.skipped > 0
            || self.rubric.iter().any(|i| i.earned.is_none_or(|e| e < i.points))
        {
            1
        } else {
            0
        }
    }
}

/// What a check or a rubric item adds to the totals.
struct Scored<'a> {
    earned: f64,
    possible: f64,
    trains: &'a [WorkProcess],
}

/// A check or rubric item counts fully for every work process it is tagged with.
fn subtotals(parts: &[Scored]) -> Vec<Subtotal> {
    let mut codes: Vec<&WorkProcess> = parts.iter().flat_map(|c| c.trains.iter()).collect();
    codes.sort();
    codes.dedup();
    codes
        .into_iter()
        .map(|code| {
            let tagged = parts.iter().filter(|c| c.trains.contains(code));
            let (earned, possible) = tagged.fold((0.0, 0.0), |(e, p), c| (e + c.earned, p + c.possible));
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
