//! A grader's scores for a lab's rubric, and putting them into a report.
//!
//! The scores come as YAML or JSON from the command line (`asbuilt check --rubric`,
//! `asbuilt report --rubric`) and as JSON from the service, by item id:
//!
//! ```yaml
//! ticket-note: 3
//! instruction: { points: 2, comment: "Clear, but step 3 is missing" }
//! ```

use indexmap::IndexMap;
use serde::{Deserialize, Serialize};

use super::report::{Report, ScoredItem};
use crate::diagnostic::did_you_mean;

/// A grader's score for one rubric item.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum ItemScore {
    Points(f64),
    WithComment {
        points: f64,
        #[serde(default)]
        comment: Option<String>,
    },
}

impl ItemScore {
    pub fn points(&self) -> f64 {
        match self {
            ItemScore::Points(p) | ItemScore::WithComment { points: p, .. } => *p,
        }
    }

    pub fn comment(&self) -> Option<&str> {
        match self {
            ItemScore::Points(_) => None,
            ItemScore::WithComment { comment, .. } => comment.as_deref().filter(|c| !c.trim().is_empty()),
        }
    }
}

/// Scores by rubric item id.
pub type RubricScores = IndexMap<String, ItemScore>;

/// Longest comment a grader may give one item.
pub const MAX_COMMENT: usize = 4000;

/// Reads scores written as YAML (JSON is YAML too).
pub fn parse(text: &str) -> Result<RubricScores, String> {
    if text.trim().is_empty() {
        return Ok(RubricScores::new());
    }
    serde_yaml::from_str(text).map_err(|e| {
        format!("rubric scores: {e}; write one line per item: `ITEM: POINTS` or `ITEM: {{ points: P, comment: \"...\" }}`")
    })
}

/// What is wrong with `scores` for a rubric of `items` (of lab `lab`): a score for an
/// item the rubric lacks, points out of the item's range, a comment too long. Empty when
/// the scores may be given.
pub fn problems(items: &[ScoredItem], lab: &str, scores: &RubricScores) -> Vec<String> {
    let mut problems = Vec::new();
    for (id, score) in scores {
        let Some(item) = items.iter().find(|i| i.id == *id) else {
            let known = items.iter().map(|i| i.id.as_str());
            let hint = did_you_mean(id, known).unwrap_or_else(|| {
                let all: Vec<&str> = items.iter().map(|i| i.id.as_str()).collect();
                if all.is_empty() {
                    "this lab has no rubric".to_string()
                } else {
                    format!("the rubric has: {}", all.join(", "))
                }
            });
            problems.push(format!("`{id}` is not an item of the rubric of lab {lab}; {hint}"));
            continue;
        };
        let points = score.points();
        if !(points.is_finite() && points >= 0.0 && points <= item.points) {
            problems.push(format!("`{id}` gets {points} points, but may get from 0 to {}", item.points));
        }
        if score.comment().is_some_and(|c| c.chars().count() > MAX_COMMENT) {
            problems.push(format!("the comment on `{id}` is longer than {MAX_COMMENT} characters"));
        }
    }
    problems
}

impl Report {
    /// Puts a grader's scores into the report and adds up again. Every score must name an
    /// item of this lab's rubric and lie between 0 and the item's points; items without a
    /// score stay as they were. Nothing changes when any score is wrong.
    pub fn score_rubric(&mut self, scores: &RubricScores) -> Result<(), Vec<String>> {
        let problems = problems(&self.rubric, &self.lab, scores);
        if !problems.is_empty() {
            return Err(problems);
        }
        for item in &mut self.rubric {
            if let Some(score) = scores.get(&item.id) {
                item.earned = Some((score.points() * 100.0).round() / 100.0);
                item.comment = score.comment().map(str::to_string);
            }
        }
        self.total();
        Ok(())
    }
}
