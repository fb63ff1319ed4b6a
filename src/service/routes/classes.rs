//! Classes: a teacher makes them, imports students from the school's class list, and
//! assigns graders.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::routing::{get, post, put};
use axum::{Json, Router};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::users::unique_to_conflict;
use crate::service::auth::{CurrentUser, Role, password};
use crate::service::authz::{self, Access, ClassRow};
use crate::service::csv_import::{self, RowError, StudentRow};
use crate::service::error::{ApiError, ErrorBody};
use crate::service::state::AppState;
use crate::service::time::now;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/api/classes", get(list).post(create))
        .route("/api/classes/{id}", get(show))
        .route("/api/classes/{id}/students", get(students))
        .route("/api/classes/{id}/students/import", post(import))
        .route("/api/classes/{id}/students/first-passwords", post(first_passwords))
        .route("/api/classes/{id}/graders/{user_id}", put(add_grader))
}

/// A class.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct ClassView {
    pub id: i64,
    pub name: String,
    pub owner_id: i64,
}

impl From<ClassRow> for ClassView {
    fn from(row: ClassRow) -> ClassView {
        ClassView { id: row.id, name: row.name, owner_id: row.owner_id }
    }
}

/// A new class; name it as the school's administration does (`4A`), since an import
/// refuses rows of another class.
#[derive(Debug, Deserialize, ToSchema)]
pub struct NewClass {
    pub name: String,
}

/// A student in a class.
#[derive(Debug, Serialize, Deserialize, ToSchema, sqlx::FromRow)]
pub struct StudentView {
    pub id: i64,
    pub student_number: Option<String>,
    pub display_name: String,
    pub email: Option<String>,
}

/// What an import did.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct ImportReport {
    /// Rows imported (new students and ones already known).
    pub imported: usize,
    /// Accounts that did not exist before.
    pub created: usize,
    /// Each row that was not imported, with why.
    pub errors: Vec<RowError>,
    /// Rows of students who already had an account whose name or e-mail differ from
    /// the row: the student is in the class, the account is kept as is ("exists, kept
    /// as is"). Only an admin changes an existing account (`PATCH /api/users/{id}`).
    pub kept: Vec<RowError>,
}

/// The classes the caller may see.
#[utoipa::path(get, path = "/api/classes", tag = "classes",
    responses((status = 200, body = Vec<ClassView>), (status = 401, body = ErrorBody)))]
pub async fn list(
    State(state): State<AppState>,
    user: CurrentUser,
) -> Result<Json<Vec<ClassView>>, ApiError> {
    let classes = authz::visible_classes(&state.db, &user).await?;
    Ok(Json(classes.into_iter().map(ClassView::from).collect()))
}

/// Makes a class owned by the caller (teachers and admins).
#[utoipa::path(post, path = "/api/classes", tag = "classes", request_body = NewClass,
    responses((status = 201, body = ClassView), (status = 400, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 409, body = ErrorBody)))]
pub async fn create(
    State(state): State<AppState>,
    user: CurrentUser,
    Json(new): Json<NewClass>,
) -> Result<(StatusCode, Json<ClassView>), ApiError> {
    authz::create_teaching_material(&user)?;
    let name = new.name.trim();
    if name.is_empty() || name.len() > 100 {
        return Err(ApiError::BadRequest("class name must be 1 to 100 characters".into()));
    }
    let id = sqlx::query("INSERT INTO classes (name, owner_id, created_at) VALUES (?, ?, ?)")
        .bind(name)
        .bind(user.id)
        .bind(now())
        .execute(&state.db)
        .await
        .map_err(|e| unique_to_conflict(e, "you already have a class with that name"))?
        .last_insert_rowid();
    Ok((StatusCode::CREATED, Json(ClassView { id, name: name.to_string(), owner_id: user.id })))
}

/// One class.
#[utoipa::path(get, path = "/api/classes/{id}", tag = "classes", params(("id" = i64, Path, description = "class id")),
    responses((status = 200, body = ClassView), (status = 404, body = ErrorBody)))]
pub async fn show(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<i64>,
) -> Result<Json<ClassView>, ApiError> {
    Ok(Json(authz::class(&state.db, &user, id, Access::Read).await?.into()))
}

/// The students of a class (its teacher, graders and admins).
#[utoipa::path(get, path = "/api/classes/{id}/students", tag = "classes",
    params(("id" = i64, Path, description = "class id")),
    responses((status = 200, body = Vec<StudentView>), (status = 404, body = ErrorBody)))]
pub async fn students(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<i64>,
) -> Result<Json<Vec<StudentView>>, ApiError> {
    authz::class(&state.db, &user, id, Access::Read).await?;
    authz::read_roster(&user)?;
    let students = sqlx::query_as(
        "SELECT u.id, u.student_number, u.display_name, u.email FROM users u \
         JOIN class_students s ON s.user_id = u.id WHERE s.class_id = ? ORDER BY u.student_number, u.id",
    )
    .bind(id)
    .fetch_all(&state.db)
    .await?;
    Ok(Json(students))
}

/// Imports students from a class list (CSV as the school's administration exports it:
/// student number, name, e-mail, class; `;` or `,`; header in Dutch or English). Good
/// rows are kept and bad rows reported with their row number. Importing the same list
/// again changes nothing: the student number is the key.
///
/// A student who already has an account is put in the class as they are: an import
/// never changes an existing account's name or e-mail, since student numbers are
/// school-wide and a teacher must not rewrite another teacher's student. A row that
/// differs from the account is listed under `kept`.
#[utoipa::path(post, path = "/api/classes/{id}/students/import", tag = "classes",
    params(("id" = i64, Path, description = "class id")),
    request_body(content = String, content_type = "text/csv"),
    responses((status = 200, body = ImportReport), (status = 400, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn import(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<i64>,
    body: String,
) -> Result<Json<ImportReport>, ApiError> {
    let class = authz::class(&state.db, &user, id, Access::Write).await?;
    let parsed =
        csv_import::parse(&body).map_err(|e| ApiError::BadRequest(format!("class list refused: {e}")))?;
    let mut report = ImportReport { imported: 0, created: 0, errors: parsed.errors, kept: Vec::new() };
    // One transaction: a crash half-way leaves the class as it was, and a retry is safe.
    // IMMEDIATE takes the write lock first: a deferred transaction that read before
    // another import wrote would fail at its first write instead of waiting its turn.
    let mut tx = state.db.begin_with("BEGIN IMMEDIATE").await?;
    for row in parsed.rows {
        match import_row(&mut tx, &class, &row).await? {
            Ok(outcome) => {
                report.imported += 1;
                match outcome {
                    RowOutcome::Created => report.created += 1,
                    RowOutcome::Linked => {}
                    RowOutcome::KeptAsIs => report.kept.push(RowError {
                        row: row.row,
                        message: format!(
                            "student number {} exists, kept as is (an admin changes existing accounts)",
                            row.student_number
                        ),
                    }),
                }
            }
            Err(message) => report.errors.push(RowError { row: row.row, message }),
        }
    }
    tx.commit().await?;
    report.errors.sort_by_key(|e| e.row);
    tracing::info!(class = %class.name, imported = report.imported, errors = report.errors.len(), "imported class list");
    Ok(Json(report))
}

/// A student's first password, to hand out; the service keeps only its hash.
#[derive(Debug, Serialize, ToSchema)]
pub struct FirstPassword {
    pub student_id: i64,
    pub username: String,
    pub display_name: String,
    pub student_number: Option<String>,
    pub password: String,
}

/// Gives every student of the class who has no password yet (an imported class list
/// makes accounts without one) a first password, and answers them this once, to print
/// or hand out. A student who has a password keeps it: a teacher never resets an
/// account someone already uses (an admin does, `POST /api/users/{id}/password`).
#[utoipa::path(post, path = "/api/classes/{id}/students/first-passwords", tag = "classes",
    params(("id" = i64, Path, description = "class id")),
    responses((status = 200, body = [FirstPassword]), (status = 404, body = ErrorBody)))]
pub async fn first_passwords(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<i64>,
) -> Result<Json<Vec<FirstPassword>>, ApiError> {
    let class = authz::class(&state.db, &user, id, Access::Write).await?;
    let students: Vec<(i64, String, String, Option<String>)> = sqlx::query_as(
        "SELECT u.id, u.username, u.display_name, u.student_number FROM users u \
         JOIN class_students s ON s.user_id = u.id \
         WHERE s.class_id = ? AND u.role = 'student' AND u.password_hash IS NULL AND u.disabled = 0 \
         ORDER BY u.student_number, u.id",
    )
    .bind(class.id)
    .fetch_all(&state.db)
    .await?;
    let mut made = Vec::new();
    for (student_id, username, display_name, student_number) in students {
        let secret = password::random_password();
        let to_hash = secret.clone();
        let hash = password::off_thread(move || password::hash(&to_hash))
            .await
            .map_err(ApiError::Internal)?
            .map_err(ApiError::Internal)?;
        // Only if there is still none: of two teachers pressing at once, one hands out
        // the password that works and the other hands out nothing.
        let stored = sqlx::query("UPDATE users SET password_hash = ? WHERE id = ? AND password_hash IS NULL")
            .bind(hash)
            .bind(student_id)
            .execute(&state.db)
            .await?;
        if stored.rows_affected() == 1 {
            made.push(FirstPassword { student_id, username, display_name, student_number, password: secret });
        }
    }
    tracing::info!(class = %class.name, students = made.len(), "made first passwords");
    Ok(Json(made))
}

/// What storing one row did.
enum RowOutcome {
    /// A new student account.
    Created,
    /// An existing student, whose account matches the row.
    Linked,
    /// An existing student whose name or e-mail differ from the row: linked, unchanged.
    KeptAsIs,
}

/// Stores one row: `Ok(Ok(outcome))`, or `Ok(Err(why))` for a row that conflicts with
/// what exists.
async fn import_row(
    tx: &mut sqlx::SqliteConnection,
    class: &ClassRow,
    row: &StudentRow,
) -> Result<Result<RowOutcome, String>, ApiError> {
    if let Some(their_class) = &row.class
        && !their_class.eq_ignore_ascii_case(class.name.trim())
    {
        return Ok(Err(format!("the student is in class {their_class}, not {}", class.name)));
    }
    let existing: Option<(i64, String, String, Option<String>)> =
        sqlx::query_as("SELECT id, role, display_name, email FROM users WHERE student_number = ?")
            .bind(&row.student_number)
            .fetch_optional(&mut *tx)
            .await?;
    let (user_id, outcome) = match existing {
        Some((_, role, _, _)) if role != Role::Student.as_str() => {
            return Ok(Err(format!("student number {} belongs to a {role} account", row.student_number)));
        }
        // Student numbers are school-wide: the account may be another teacher's
        // student, so it is linked and never rewritten from this teacher's list.
        Some((user_id, _, name, email)) => {
            let same = name == row.name && email.as_deref() == Some(row.email.as_str());
            (user_id, if same { RowOutcome::Linked } else { RowOutcome::KeptAsIs })
        }
        None => {
            // The student number is the username: it is what students know and unique.
            let taken = sqlx::query("SELECT 1 FROM users WHERE username = ? COLLATE NOCASE")
                .bind(&row.student_number)
                .fetch_optional(&mut *tx)
                .await?
                .is_some();
            if taken {
                return Ok(Err(format!("username {} is taken by another account", row.student_number)));
            }
            let user_id = sqlx::query(
                "INSERT INTO users (username, display_name, email, role, student_number, created_at) \
                 VALUES (?, ?, ?, 'student', ?, ?)",
            )
            .bind(&row.student_number)
            .bind(&row.name)
            .bind(&row.email)
            .bind(&row.student_number)
            .bind(now())
            .execute(&mut *tx)
            .await?
            .last_insert_rowid();
            (user_id, RowOutcome::Created)
        }
    };
    sqlx::query("INSERT OR IGNORE INTO class_students (class_id, user_id) VALUES (?, ?)")
        .bind(class.id)
        .bind(user_id)
        .execute(&mut *tx)
        .await?;
    Ok(Ok(outcome))
}

/// Lets a grader read a class (its teacher or an admin).
#[utoipa::path(put, path = "/api/classes/{id}/graders/{user_id}", tag = "classes",
    params(("id" = i64, Path, description = "class id"), ("user_id" = i64, Path, description = "the grader's account id")),
    responses((status = 204), (status = 400, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn add_grader(
    State(state): State<AppState>,
    user: CurrentUser,
    Path((id, grader_id)): Path<(i64, i64)>,
) -> Result<StatusCode, ApiError> {
    authz::class(&state.db, &user, id, Access::Write).await?;
    let role: Option<String> = sqlx::query_scalar("SELECT role FROM users WHERE id = ?")
        .bind(grader_id)
        .fetch_optional(&state.db)
        .await?;
    match role.as_deref() {
        Some("grader") => {}
        Some(_) => return Err(ApiError::BadRequest(format!("account {grader_id} is not a grader"))),
        None => return Err(ApiError::NotFound),
    }
    sqlx::query("INSERT OR IGNORE INTO class_graders (class_id, user_id) VALUES (?, ?)")
        .bind(id)
        .bind(grader_id)
        .execute(&state.db)
        .await?;
    Ok(StatusCode::NO_CONTENT)
}
