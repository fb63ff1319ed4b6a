//! Grading a lab in one call: the suite derived from the design, run against the lab,
//! scored into a report.
//!
//! The CLI's `asbuilt check` and the service's grading runs are two callers of
//! [`grade`], never two implementations: both get the same events while it runs, and
//! the same report at the end. The call owns what it needs (`Arc` access, the design),
//! so it can run in a task of its own, and it stops when its cancellation token fires.

use std::sync::Arc;
use std::time::Duration;

use tokio::sync::mpsc::UnboundedSender;
use tokio_util::sync::CancellationToken;

use super::access::LabAccess;
use super::derive;
use super::events::RunEvent;
use super::judge::Names;
use super::report::Report;
use super::runner::{self, RunOptions};
use crate::design::Design;

/// How to grade.
#[derive(Debug, Clone)]
pub struct GradeOptions {
    /// Checks running at the same time.
    pub parallel: usize,
    /// The longest to wait for OSPF to settle before grading.
    pub settle_limit: Duration,
    /// The "check my work" view: expected values the teacher did not reveal left out.
    pub student_view: bool,
    /// When the grading happens, RFC 3339 (the library reads no clock).
    pub timestamp: String,
}

impl GradeOptions {
    pub fn at(timestamp: impl Into<String>) -> GradeOptions {
        let run = RunOptions::default();
        GradeOptions {
            parallel: run.parallel,
            settle_limit: run.settle_limit,
            student_view: false,
            timestamp: timestamp.into(),
        }
    }
}

/// Why grading gave no report.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum GradeError {
    /// The cancellation token fired before the checks were done.
    #[error("grade the lab: cancelled before the checks were done")]
    Cancelled,
}

/// Grades the lab behind `access` against `design`, sending a [`RunEvent`] for every
/// step to `events` when given.
pub async fn grade(
    access: Arc<dyn LabAccess>,
    design: Design,
    options: GradeOptions,
    events: Option<UnboundedSender<RunEvent>>,
    cancel: CancellationToken,
) -> Result<Report, GradeError> {
    let suite = derive::suite(&design);
    let names = Names::of(&design);
    let run_options = RunOptions {
        parallel: options.parallel.max(1),
        settle_limit: options.settle_limit,
        ..RunOptions::default()
    };
    let run = runner::run_observed(&suite, access.as_ref(), &names, &run_options, events.as_ref());
    let run = tokio::select! {
        // A cancelled run drops its probes: their sockets and threads go with them.
        _ = cancel.cancelled() => return Err(GradeError::Cancelled),
        run = run => run,
    };
    let mut report = Report::build(&suite, &run.results, &options.timestamp);
    report.settling = run.settling;
    Ok(if options.student_view { report.student_view() } else { report })
}
