//! A student's rubric for an assignment: the criteria of the lab, the scores a grader
//! gave, and the texts the student handed in that the criteria are about. Graders and
//! the class's teacher read and score; the student reads their own.

use std::collections::BTreeMap;

use axum::extract::{Path, State};
use axum::routing::get;
use axum::{Json, Router};
use serde::Serialize;
use utoipa::ToSchema;

use crate::checks::rubric::{ItemScore, RubricScores};
use crate::design::Text;
use crate::service::auth::{CurrentUser, Role};
use crate::service::authz::{self, Access, AssignmentRow};
use crate::service::error::{ApiError, ErrorBody};
use crate::service::grading::{self, rubric};
use crate::service::routes::{hand_ins, labs};
use crate::service::state::AppState;

pub fn router() -> Router<AppState> {
    Router::new().route("/api/assignments/{id}/students/{student_id}/rubric", get(show).put(score))
}

/// One criterion, with its score once given.
#[derive(Debug, Serialize, ToSchema)]
pub struct RubricItemView {
    pub id: String,
    /// `{ "nl": ..., "en": ... }`
    #[schema(value_type = Object)]
    pub criterion: Text,
    pub points: f64,
    /// Null until a grader scored it.
    pub earned: Option<f64>,
    pub comment: Option<String>,
    pub trains: Vec<String>,
    /// The id of the handed-in text the criterion is about.
    pub about: Option<String>,
}

/// A text the lab asks the student to hand in, with what they wrote.
#[derive(Debug, Serialize, ToSchema)]
pub struct WritingView {
    pub id: String,
    #[schema(value_type = Object)]
    pub prompt: Text,
    /// Null when the student has not handed in, or left it empty.
    pub text: Option<String>,
}

/// A student's rubric of an assignment.
#[derive(Debug, Serialize, ToSchema)]
pub struct RubricView {
    pub assignment_id: i64,
    pub student_id: i64,
    pub items: Vec<RubricItemView>,
    pub writings: Vec<WritingView>,
}

/// The caller may see this student's rubric: their own, or as staff of the assignment.
async fn readable(
    state: &AppState,
    user: &CurrentUser,
    id: i64,
    student_id: i64,
) -> Result<AssignmentRow, ApiError> {
    if user.role == Role::Student {
        if user.id != student_id {
            return Err(ApiError::NotFound);
        }
        return authz::assignment(&state.db, user, id, Access::Read).await;
    }
    let assignment = authz::grade_assignment(&state.db, user, id).await?;
    // Only students of the assignment's class have a rubric there.
    grading::target(&state.db, &state.config.lab_prefix, id, student_id).await?;
    Ok(assignment)
}

async fn view(state: &AppState, assignment: &AssignmentRow, student_id: i64) -> Result<RubricView, ApiError> {
    let design = labs::student_design(&state.db, assignment.lab_version_id, student_id).await?;
    let scores = rubric::given(&state.db, assignment.id, student_id).await?;
    let texts = hand_ins::texts_of(&state.db, assignment.id, student_id).await?;
    Ok(RubricView {
        assignment_id: assignment.id,
        student_id,
        items: design
            .rubric
            .iter()
            .map(|item| {
                let score = scores.get(&item.id);
                RubricItemView {
                    id: item.id.clone(),
                    criterion: item.criterion.clone(),
                    points: item.points,
                    earned: score.map(ItemScore::points),
                    comment: score.and_then(|s| s.comment().map(str::to_string)),
                    trains: item.trains.iter().map(ToString::to_string).collect(),
                    about: item.about.clone(),
                }
            })
            .collect(),
        writings: design
            .hand_in
            .iter()
            .map(|w| WritingView {
                id: w.id.clone(),
                prompt: w.prompt.clone(),
                text: texts.get(&w.id).filter(|t| !t.trim().is_empty()).cloned(),
            })
            .collect(),
    })
}

/// The rubric of one student: criteria, scores given, and the texts they handed in.
#[utoipa::path(get, path = "/api/assignments/{id}/students/{student_id}/rubric", tag = "grading",
    params(("id" = i64, Path, description = "assignment id"), ("student_id" = i64, Path, description = "the student's account id")),
    responses((status = 200, body = RubricView), (status = 404, body = ErrorBody)))]
pub async fn show(
    State(state): State<AppState>,
    user: CurrentUser,
    Path((id, student_id)): Path<(i64, i64)>,
) -> Result<Json<RubricView>, ApiError> {
    let assignment = readable(&state, &user, id, student_id).await?;
    Ok(Json(view(&state, &assignment, student_id).await?))
}

/// Scores rubric items of one student, by item id: `{"diagnosis": 3, "tested":
/// {"points": 1.5, "comment": "..."}}`. Items not named keep their score. The scores
/// go into every stored report of the student for the assignment. 400 names every
/// score that is for no item or out of its range, and then nothing is scored.
#[utoipa::path(put, path = "/api/assignments/{id}/students/{student_id}/rubric", tag = "grading",
    params(("id" = i64, Path, description = "assignment id"), ("student_id" = i64, Path, description = "the student's account id")),
    request_body(content = Object, description = "points (or {points, comment}) by rubric item id"),
    responses((status = 200, body = RubricView), (status = 400, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn score(
    State(state): State<AppState>,
    user: CurrentUser,
    Path((id, student_id)): Path<(i64, i64)>,
    Json(scores): Json<BTreeMap<String, ItemScore>>,
) -> Result<Json<RubricView>, ApiError> {
    if user.role == Role::Student {
        return Err(ApiError::NotFound);
    }
    let assignment = readable(&state, &user, id, student_id).await?;
    let scores: RubricScores = scores.into_iter().collect();
    rubric::give(&state.db, &assignment, student_id, user.id, &scores).await?;
    Ok(Json(view(&state, &assignment, student_id).await?))
}
