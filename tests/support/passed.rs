//! Results of a suite with every check passed: what a report of a finished lab is built
//! from in tests that need no running lab (report formats, the service's stored reports).

use asbuilt::checks::model::Suite;
use asbuilt::checks::outcome::{CheckResult, Outcome};
use asbuilt::design::Text;

pub fn all_passed(suite: &Suite) -> Vec<CheckResult> {
    suite
        .checks
        .iter()
        .map(|c| CheckResult {
            id: c.id.clone(),
            outcome: Outcome::Pass { observed: Text { en: Some("fine".into()), nl: None } },
            attempts: 1,
            duration_ms: 1,
            evidence: Vec::new(),
        })
        .collect()
}
