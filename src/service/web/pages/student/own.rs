//! What a student's pages read about one of their assignments: their lab instance as
//! the lifecycle sees it, their last score and their hand-in. Everything is read the
//! way the JSON API reads it, through `authz`, so a page never shows what the API
//! would not.

use serde::Serialize;

use crate::plan::InstanceId;
use crate::service::auth::CurrentUser;
use crate::service::authz::{self, Access, AssignmentRow};
use crate::service::error::ApiError;
use crate::service::grading::lab_name;
use crate::service::instances::instance_for;
use crate::service::lifecycle::LifecycleError;
use crate::service::routes::hand_ins::{self, HandInView};
use crate::service::routes::instances::InstanceView;
use crate::service::state::AppState;
use crate::service::time::{format_rfc3339, now};

/// The student's key (their number, else `u<id>`), which picks their variant and
/// names their instance.
pub async fn key_of(state: &AppState, user: &CurrentUser) -> Result<String, ApiError> {
    Ok(crate::service::instances::student_key_of(&state.db, user.id).await?)
}

/// The name the caller's instance of the assignment has (or would have).
pub async fn instance_name(
    state: &AppState,
    user: &CurrentUser,
    assignment_id: i64,
) -> Result<InstanceId, ApiError> {
    let lab = lab_name(&state.db, assignment_id).await?;
    Ok(instance_for(&state.config.lab_prefix, &lab, assignment_id, &key_of(state, user).await?))
}

/// Where the caller's lab of an assignment is.
#[derive(Debug, Serialize)]
pub struct OwnLab {
    /// The instance's name, also before it was ever requested (the page follows it).
    pub name: String,
    /// `not_requested`, `unavailable` (no lab engine on this server), or the
    /// lifecycle's state (`queued`, `deploying`, `ready`, `expired`...).
    pub state: String,
    pub instance: Option<InstanceView>,
}

pub async fn own_lab(state: &AppState, user: &CurrentUser, assignment_id: i64) -> Result<OwnLab, ApiError> {
    let name = instance_name(state, user, assignment_id).await?;
    let Some(lifecycle) = state.lifecycle.as_ref() else {
        return Ok(OwnLab { name: name.to_string(), state: "unavailable".into(), instance: None });
    };
    let not_requested = || OwnLab { name: name.to_string(), state: "not_requested".into(), instance: None };
    let row = match authz::instance(&state.db, user, name.as_str(), Access::Read).await {
        Ok(row) => row,
        Err(ApiError::NotFound) => return Ok(not_requested()),
        Err(other) => return Err(other),
    };
    match lifecycle.status(&name).await {
        Ok(status) => {
            let view = InstanceView::new(status, &row);
            Ok(OwnLab { name: name.to_string(), state: view.state.clone(), instance: Some(view) })
        }
        Err(LifecycleError::NoSuchInstance(_)) => Ok(not_requested()),
        Err(error) => Err(ApiError::Internal(error.to_string())),
    }
}

/// The caller's newest report of the assignment (any kind: check my work, a grader's
/// run, the deadline): its id and percentage.
pub async fn last_score(
    state: &AppState,
    user: &CurrentUser,
    assignment_id: i64,
) -> Result<Option<(i64, f64)>, ApiError> {
    Ok(sqlx::query_as(
        "SELECT id, percent FROM reports WHERE assignment_id = ? AND student_id = ? ORDER BY id DESC LIMIT 1",
    )
    .bind(assignment_id)
    .bind(user.id)
    .fetch_optional(&state.db)
    .await?)
}

/// One assignment as the student's pages show it.
#[derive(Debug, Serialize)]
pub struct AssignmentCard {
    pub id: i64,
    pub title: String,
    /// RFC 3339, UTC; and whether it has passed.
    pub deadline: String,
    pub closed: bool,
    pub lab: OwnLab,
    pub last_percent: Option<f64>,
    pub last_report_id: Option<i64>,
    pub hand_in: Option<HandInView>,
}

pub async fn card(
    state: &AppState,
    user: &CurrentUser,
    row: AssignmentRow,
) -> Result<AssignmentCard, ApiError> {
    let lab = own_lab(state, user, row.id).await?;
    let last = last_score(state, user, row.id).await?;
    let hand_in = hand_ins::of_student(&state.db, row.id, user.id).await?;
    Ok(AssignmentCard {
        id: row.id,
        title: row.title,
        deadline: format_rfc3339(row.deadline),
        closed: now() >= row.deadline,
        lab,
        last_percent: last.map(|(_, p)| p),
        last_report_id: last.map(|(id, _)| id),
        hand_in,
    })
}
