//! Labs: a teacher uploads a topology, which the library validates; every upload of a
//! lab with the same `lab:` name is its next version.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::checks::derive;
use crate::design::{Lab, Lang};
use crate::diagnostic::{Severity, render::locate};
use crate::service::auth::CurrentUser;
use crate::service::authz::{self, Access};
use crate::service::error::{ApiError, ErrorBody};
use crate::service::state::AppState;
use crate::service::time::now;
use crate::topology::Source;

/// A stored lab version, loaded. Versions were validated when they were uploaded, so
/// one that no longer loads is the service's fault, not the caller's.
pub async fn stored_lab(db: &sqlx::SqlitePool, lab_version_id: i64) -> Result<Lab, ApiError> {
    let source: String = sqlx::query_scalar("SELECT source FROM lab_versions WHERE id = ?")
        .bind(lab_version_id)
        .fetch_one(db)
        .await?;
    Lab::load(&Source::new("topology.yml", source))
        .map_err(|_| ApiError::Internal(format!("stored lab version {lab_version_id} no longer loads")))
}

/// The design of a stored lab version as one student (by account) has it: their
/// variant, faults drawn from a pool, rubric and texts to hand in.
pub async fn student_design(
    db: &sqlx::SqlitePool,
    lab_version_id: i64,
    student_id: i64,
) -> Result<crate::design::Design, ApiError> {
    let lab = stored_lab(db, lab_version_id).await?;
    let key = crate::service::instances::student_key_of(db, student_id).await?;
    Ok(lab.design_for(Some(&key)))
}

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/api/labs", get(list).post(upload))
        .route("/api/labs/validate", post(validate_only))
        .route("/api/labs/{id}", get(show))
        .route("/api/labs/{id}/versions/{version}", get(version))
}

/// One problem in an uploaded topology, placed by line and column (1-based) as
/// `asbuilt validate --format json` places it.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct DiagnosticView {
    /// The file the problem is in, where the upload had several (an imported lab's
    /// archive); absent for a topology uploaded as text.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub file: Option<String>,
    /// `error` or `warning`.
    pub severity: String,
    pub code: String,
    pub message: String,
    /// Absent for problems of the whole file.
    pub line: Option<usize>,
    pub column: Option<usize>,
    pub end_line: Option<usize>,
    pub end_column: Option<usize>,
    pub help: Option<String>,
}

/// A topology to upload.
#[derive(Debug, Deserialize, ToSchema)]
pub struct Upload {
    /// The YAML text of the topology file.
    pub source: String,
}

/// A lab and its versions.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct LabView {
    pub id: i64,
    pub name: String,
    pub owner_id: i64,
    pub versions: Vec<VersionView>,
}

/// One uploaded version of a lab.
#[derive(Debug, Serialize, Deserialize, ToSchema, sqlx::FromRow)]
pub struct VersionView {
    pub version: i64,
    pub uploaded_at: i64,
}

/// What an upload made.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct Uploaded {
    pub lab_id: i64,
    pub name: String,
    pub version: i64,
    /// Warnings about the file, which do not stop the upload.
    pub warnings: Vec<DiagnosticView>,
}

/// A version's source.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct VersionSource {
    pub version: i64,
    pub source: String,
}

/// The labs the caller may see (their own; every lab for an admin).
#[utoipa::path(get, path = "/api/labs", tag = "labs",
    responses((status = 200, body = Vec<LabView>), (status = 401, body = ErrorBody)))]
pub async fn list(State(state): State<AppState>, user: CurrentUser) -> Result<Json<Vec<LabView>>, ApiError> {
    let mut labs = Vec::new();
    for lab in authz::visible_labs(&state.db, &user).await? {
        let versions = versions(&state, lab.id).await?;
        labs.push(LabView { id: lab.id, name: lab.name, owner_id: lab.owner_id, versions });
    }
    Ok(Json(labs))
}

/// Uploads a topology: a new lab, or the next version of the caller's lab with the same
/// name. An invalid file answers 422 with every diagnostic and its line and column.
#[utoipa::path(post, path = "/api/labs", tag = "labs", request_body = Upload,
    responses((status = 201, body = Uploaded), (status = 403, body = ErrorBody),
        (status = 422, description = "the topology has errors; `error.diagnostics` lists them", body = ErrorBody)))]
pub async fn upload(
    State(state): State<AppState>,
    user: CurrentUser,
    Json(upload): Json<Upload>,
) -> Result<(StatusCode, Json<Uploaded>), ApiError> {
    authz::create_teaching_material(&user)?;
    let text = upload.source;
    // Validation is bounded (topology::bounds) but CPU work; keep it off the async workers.
    let checked = tokio::task::spawn_blocking(move || validate(text))
        .await
        .map_err(|e| ApiError::Internal(format!("validate upload: {e}")))?;
    let (name, warnings, source) = checked.map_err(ApiError::InvalidTopology)?;
    let (lab_id, version) = store(&state, &user, &name, &source).await?;
    Ok((StatusCode::CREATED, Json(Uploaded { lab_id, name, version, warnings })))
}

/// Stores a validated topology as a new lab of the caller's, or the next version of
/// their lab with the same name: its lab id and version number.
pub(crate) async fn store(
    state: &AppState,
    user: &CurrentUser,
    name: &str,
    source: &str,
) -> Result<(i64, i64), ApiError> {
    // IMMEDIATE: uploads of one lab wait their turn instead of failing on a lock.
    let mut tx = state.db.begin_with("BEGIN IMMEDIATE").await?;
    sqlx::query("INSERT OR IGNORE INTO labs (name, owner_id, created_at) VALUES (?, ?, ?)")
        .bind(name)
        .bind(user.id)
        .bind(now())
        .execute(&mut *tx)
        .await?;
    let lab_id: i64 = sqlx::query_scalar("SELECT id FROM labs WHERE owner_id = ? AND name = ?")
        .bind(user.id)
        .bind(name)
        .fetch_one(&mut *tx)
        .await?;
    // The next number is taken in the same statement that stores it, so two uploads at
    // once cannot both read the same highest version.
    let version: i64 = sqlx::query_scalar(
        "INSERT INTO lab_versions (lab_id, version, source, uploaded_by, uploaded_at) \
         SELECT ?1, COALESCE(MAX(version), 0) + 1, ?2, ?3, ?4 FROM lab_versions WHERE lab_id = ?1 \
         RETURNING version",
    )
    .bind(lab_id)
    .bind(source)
    .bind(user.id)
    .bind(now())
    .fetch_one(&mut *tx)
    .await?;
    tx.commit().await?;
    tracing::info!(by = %user.username, lab = %name, version, "uploaded lab");
    Ok((lab_id, version))
}

/// Validates a topology with the library: its lab name, warnings and text, or every
/// diagnostic.
pub(crate) type Checked = Result<(String, Vec<DiagnosticView>, String), Vec<DiagnosticView>>;

pub(crate) fn validate(text: String) -> Checked {
    let (source, loaded) = load(text);
    match loaded {
        Ok(lab) => {
            let warnings = lab.warnings.iter().map(|d| view(d, &source)).collect();
            let name = lab.name().to_string();
            Ok((name, warnings, source.text))
        }
        Err(errors) => Err(errors),
    }
}

/// The one way a topology's text becomes a lab here: the library's `Lab::load`, as the
/// CLI's `validate` does; its diagnostics placed by line and column.
fn load(text: String) -> (Source, Result<Lab, Vec<DiagnosticView>>) {
    let source = Source::new("topology.yml", text);
    let loaded = Lab::load(&source).map_err(|errors| errors.iter().map(|d| view(d, &source)).collect());
    (source, loaded)
}

/// A topology to check without storing it (the editor, as the teacher types).
#[derive(Debug, Deserialize, ToSchema)]
pub struct ValidateRequest {
    /// The YAML text of the topology file.
    pub source: String,
    /// Draw and derive for this student's variant (their student number), as they see
    /// it; the teacher's own plan when left out.
    pub student: Option<String>,
    /// `nl` or `en` for the diagram and the check titles (default: the lab's language).
    pub lang: Option<String>,
}

/// What the editor shows of a topology: its problems, and when it is valid its diagram
/// and the checks derived from it.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct Validation {
    /// No errors (warnings may remain).
    pub valid: bool,
    /// The `lab:` name, when the file is valid.
    pub name: Option<String>,
    /// Errors, or the warnings of a valid file, each at its line and column.
    pub diagnostics: Vec<DiagnosticView>,
    /// The diagram (`asbuilt render`), when the file is valid.
    pub svg: Option<String>,
    /// The task as the student reads it (placeholders filled in for the student).
    pub task: Option<String>,
    /// The student the diagram and checks are for, and their variant's seed.
    pub student: Option<String>,
    pub seed: Option<String>,
    /// The derived check suite (`asbuilt checks list`).
    pub checks: Vec<CheckSummary>,
}

/// One check of a suite, as a list shows it.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct CheckSummary {
    pub id: String,
    pub title: String,
    pub weight: f64,
    /// Work process codes it counts towards.
    pub trains: Vec<String>,
    /// Whether a student sees the expected value; when not, they see `hint`.
    pub reveal: bool,
    pub hint: Option<String>,
    /// `derived` or `explicit` (written by the teacher).
    pub origin: String,
}

/// Checks a topology without storing it: the diagnostics an upload would give, and for
/// a valid file its diagram and derived checks, for the teacher's plan or one
/// student's variant. Always 200 when the request is well formed; `valid` says whether
/// an upload would be accepted.
#[utoipa::path(post, path = "/api/labs/validate", tag = "labs", request_body = ValidateRequest,
    responses((status = 200, body = Validation), (status = 403, body = ErrorBody)))]
pub async fn validate_only(
    user: CurrentUser,
    Json(request): Json<ValidateRequest>,
) -> Result<Json<Validation>, ApiError> {
    authz::create_teaching_material(&user)?;
    let lang = match request.lang.as_deref() {
        Some(code) => Some(
            Lang::parse(code).ok_or_else(|| ApiError::BadRequest(format!("lang {code:?}: use nl or en")))?,
        ),
        None => None,
    };
    // Bounded CPU work (topology::bounds), run off the async workers like an upload's.
    let validation = tokio::task::spawn_blocking(move || preview(request.source, request.student, lang))
        .await
        .map_err(|e| ApiError::Internal(format!("validate: {e}")))?;
    Ok(Json(validation))
}

fn preview(text: String, student: Option<String>, lang: Option<Lang>) -> Validation {
    let (source, loaded) = load(text);
    let lab = match loaded {
        Ok(lab) => lab,
        Err(diagnostics) => {
            return Validation {
                valid: false,
                name: None,
                diagnostics,
                svg: None,
                task: None,
                student: None,
                seed: None,
                checks: Vec::new(),
            };
        }
    };
    let student = student.map(|s| s.trim().to_string()).filter(|s| !s.is_empty());
    let design = lab.design_for(student.as_deref());
    let lang = lang.unwrap_or(design.language);
    let suite = derive::suite(&design);
    let checks = suite
        .checks
        .iter()
        .filter(|c| c.graded)
        .map(|c| CheckSummary {
            id: c.id.clone(),
            title: c.title.get(lang).unwrap_or_default().to_string(),
            weight: c.weight,
            trains: c.trains.iter().map(|t| t.0.clone()).collect(),
            reveal: c.reveal,
            hint: c.hint.get(lang).map(str::to_string),
            origin: match c.origin {
                crate::checks::model::Origin::Derived => "derived",
                crate::checks::model::Origin::Explicit => "explicit",
            }
            .to_string(),
        })
        .collect();
    Validation {
        valid: true,
        name: Some(lab.name().to_string()),
        diagnostics: lab.warnings.iter().map(|d| view(d, &source)).collect(),
        svg: Some(crate::graph::draw_in(&design, crate::graph::Format::Svg, lang)),
        task: design.task.get(lang).map(str::to_string),
        student: design.variant.as_ref().map(|v| v.student.clone()),
        seed: design.variant.as_ref().map(|v| v.seed.clone()),
        checks,
    }
}

fn view(diag: &crate::diagnostic::Diagnostic, source: &Source) -> DiagnosticView {
    let located = locate(diag, source);
    DiagnosticView {
        file: None,
        severity: match located.severity {
            Severity::Error => "error",
            Severity::Warning => "warning",
        }
        .to_string(),
        code: located.code.to_string(),
        message: located.message,
        line: located.line,
        column: located.column,
        end_line: located.end_line,
        end_column: located.end_column,
        help: located.help,
    }
}

async fn versions(state: &AppState, lab_id: i64) -> Result<Vec<VersionView>, ApiError> {
    Ok(sqlx::query_as("SELECT version, uploaded_at FROM lab_versions WHERE lab_id = ? ORDER BY version")
        .bind(lab_id)
        .fetch_all(&state.db)
        .await?)
}

/// One lab and its versions.
#[utoipa::path(get, path = "/api/labs/{id}", tag = "labs", params(("id" = i64, Path, description = "lab id")),
    responses((status = 200, body = LabView), (status = 404, body = ErrorBody)))]
pub async fn show(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<i64>,
) -> Result<Json<LabView>, ApiError> {
    let lab = authz::lab(&state.db, &user, id, Access::Read).await?;
    let versions = versions(&state, lab.id).await?;
    Ok(Json(LabView { id: lab.id, name: lab.name, owner_id: lab.owner_id, versions }))
}

/// The source of one version of a lab.
#[utoipa::path(get, path = "/api/labs/{id}/versions/{version}", tag = "labs",
    params(("id" = i64, Path, description = "lab id"), ("version" = i64, Path, description = "version number")),
    responses((status = 200, body = VersionSource), (status = 404, body = ErrorBody)))]
pub async fn version(
    State(state): State<AppState>,
    user: CurrentUser,
    Path((id, version)): Path<(i64, i64)>,
) -> Result<Json<VersionSource>, ApiError> {
    authz::lab(&state.db, &user, id, Access::Read).await?;
    let source: String =
        sqlx::query_scalar("SELECT source FROM lab_versions WHERE lab_id = ? AND version = ?")
            .bind(id)
            .bind(version)
            .fetch_optional(&state.db)
            .await?
            .ok_or(ApiError::NotFound)?;
    Ok(Json(VersionSource { version, source }))
}
