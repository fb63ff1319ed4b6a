//! Authorization, in one place: every handler asks here before it reads or changes
//! anything, and every list a handler returns is filtered here.
//!
//! The rules:
//! - an admin sees and changes everything;
//! - a teacher sees and changes their own classes, labs and assignments;
//! - a grader reads the classes they are assigned to (their roster and assignments);
//! - a student reads their own classes and the assignments of those that have opened;
//! - grading an assignment's students, and reading their reports and runs, is for its
//!   class's teacher, its graders and admins; a student reads only their own reports
//!   and instances.
//!
//! What the caller may not see answers 404, exactly as if it did not exist, so ids
//! cannot be probed. An action a role may never take (a student creating a class, a
//! teacher managing accounts) answers 403 to staff, who know what the roles are, and
//! 404 to students, to whom the service shows nothing but their own things.

use sqlx::SqlitePool;

use super::auth::{CurrentUser, Role};
use super::error::ApiError;
use super::time::now;

/// Reading or changing.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Access {
    Read,
    Write,
}

/// Refuses the caller unless their role is one of `roles`.
pub fn require_role(user: &CurrentUser, roles: &[Role]) -> Result<(), ApiError> {
    if roles.contains(&user.role) {
        Ok(())
    } else if user.role == Role::Student {
        Err(ApiError::NotFound)
    } else {
        Err(ApiError::Forbidden)
    }
}

/// Only admins manage accounts.
pub fn manage_users(user: &CurrentUser) -> Result<(), ApiError> {
    require_role(user, &[Role::Admin])
}

/// Teachers (and admins) create classes and labs.
pub fn create_teaching_material(user: &CurrentUser) -> Result<(), ApiError> {
    require_role(user, &[Role::Admin, Role::Teacher])
}

/// Who may list the grader accounts: those who assign graders to classes.
pub fn list_graders(user: &CurrentUser) -> Result<(), ApiError> {
    require_role(user, &[Role::Admin, Role::Teacher])
}

/// The class with this id, if the caller may have `access` to it.
pub async fn class(
    db: &SqlitePool,
    user: &CurrentUser,
    class_id: i64,
    access: Access,
) -> Result<ClassRow, ApiError> {
    let class: ClassRow = sqlx::query_as("SELECT id, name, owner_id FROM classes WHERE id = ?")
        .bind(class_id)
        .fetch_optional(db)
        .await?
        .ok_or(ApiError::NotFound)?;
    let allowed = match (user.role, access) {
        (Role::Admin, _) => true,
        (Role::Teacher, _) => class.owner_id == user.id,
        (Role::Grader, Access::Read) => is_member(db, "class_graders", class_id, user.id).await?,
        (Role::Student, Access::Read) => is_member(db, "class_students", class_id, user.id).await?,
        (Role::Grader | Role::Student, Access::Write) => false,
    };
    if allowed { Ok(class) } else { Err(ApiError::NotFound) }
}

/// Whether the caller may read a class's roster: a student sees their classes but not
/// their classmates.
pub fn read_roster(user: &CurrentUser) -> Result<(), ApiError> {
    if user.role == Role::Student { Err(ApiError::NotFound) } else { Ok(()) }
}

/// One of the caller's own API tokens. Tokens belong to their owner alone: not even an
/// admin revokes someone else's (an admin disables the account instead).
pub async fn own_token(db: &SqlitePool, user: &CurrentUser, token_id: i64) -> Result<(), ApiError> {
    let owner: Option<i64> = sqlx::query_scalar("SELECT user_id FROM api_tokens WHERE id = ?")
        .bind(token_id)
        .fetch_optional(db)
        .await?;
    if owner == Some(user.id) { Ok(()) } else { Err(ApiError::NotFound) }
}

/// The classes the caller may read, by name.
///
/// Each role's query takes the same binds; an admin's compares a bind with itself
/// (`?1 = ?1`) so that one bind list fits every query.
pub async fn visible_classes(db: &SqlitePool, user: &CurrentUser) -> Result<Vec<ClassRow>, ApiError> {
    let query = match user.role {
        Role::Admin => "SELECT id, name, owner_id FROM classes WHERE ?1 = ?1 ORDER BY name, id",
        Role::Teacher => "SELECT id, name, owner_id FROM classes WHERE owner_id = ?1 ORDER BY name, id",
        Role::Grader => {
            "SELECT c.id, c.name, c.owner_id FROM classes c JOIN class_graders g ON g.class_id = c.id \
             WHERE g.user_id = ?1 ORDER BY c.name, c.id"
        }
        Role::Student => {
            "SELECT c.id, c.name, c.owner_id FROM classes c JOIN class_students s ON s.class_id = c.id \
             WHERE s.user_id = ?1 ORDER BY c.name, c.id"
        }
    };
    Ok(sqlx::query_as(query).bind(user.id).fetch_all(db).await?)
}

/// The lab with this id, if the caller may have `access` to it. Labs are teaching
/// material: only their owner and admins see them; students see an assignment, not
/// the lab's source (it holds the answer).
pub async fn lab(
    db: &SqlitePool,
    user: &CurrentUser,
    lab_id: i64,
    access: Access,
) -> Result<LabRow, ApiError> {
    let lab: LabRow = sqlx::query_as("SELECT id, name, owner_id FROM labs WHERE id = ?")
        .bind(lab_id)
        .fetch_optional(db)
        .await?
        .ok_or(ApiError::NotFound)?;
    // Reading and changing are the same right for a lab: its owner's.
    let allowed = match (user.role, access) {
        (Role::Admin, _) => true,
        (Role::Teacher, Access::Read | Access::Write) => lab.owner_id == user.id,
        (Role::Grader | Role::Student, _) => false,
    };
    if allowed { Ok(lab) } else { Err(ApiError::NotFound) }
}

/// The labs the caller may read.
pub async fn visible_labs(db: &SqlitePool, user: &CurrentUser) -> Result<Vec<LabRow>, ApiError> {
    let query = match user.role {
        Role::Admin => "SELECT id, name, owner_id FROM labs WHERE ?1 = ?1 ORDER BY name, id",
        Role::Teacher => "SELECT id, name, owner_id FROM labs WHERE owner_id = ?1 ORDER BY name, id",
        Role::Grader | Role::Student => return Ok(Vec::new()),
    };
    Ok(sqlx::query_as(query).bind(user.id).fetch_all(db).await?)
}

/// The assignment with this id, if the caller may have `access` to it: through its
/// class, and for a student only once it has opened.
pub async fn assignment(
    db: &SqlitePool,
    user: &CurrentUser,
    assignment_id: i64,
    access: Access,
) -> Result<AssignmentRow, ApiError> {
    let row: AssignmentRow = sqlx::query_as(&format!("{ASSIGNMENT_COLUMNS} WHERE a.id = ?"))
        .bind(assignment_id)
        .fetch_optional(db)
        .await?
        .ok_or(ApiError::NotFound)?;
    class(db, user, row.class_id, access).await?;
    if user.role == Role::Student && row.opens_at > now() {
        return Err(ApiError::NotFound);
    }
    Ok(row)
}

/// An assignment the caller may grade (all of its students): its class's teacher, a
/// grader assigned to the class, or an admin. A student gets 404, whatever exists.
pub async fn grade_assignment(
    db: &SqlitePool,
    user: &CurrentUser,
    assignment_id: i64,
) -> Result<AssignmentRow, ApiError> {
    if user.role == Role::Student {
        return Err(ApiError::NotFound);
    }
    assignment(db, user, assignment_id, Access::Read).await
}

/// A stored report: a student reads only their own; staff read those of the
/// assignments they may grade.
pub async fn report(db: &SqlitePool, user: &CurrentUser, report_id: i64) -> Result<ReportRow, ApiError> {
    let row: ReportRow = sqlx::query_as(
        "SELECT id, assignment_id, student_id, ran_by, ran_at, student_view, report_json FROM reports WHERE id = ?",
    )
    .bind(report_id)
    .fetch_optional(db)
    .await?
    .ok_or(ApiError::NotFound)?;
    if user.role == Role::Student {
        return if row.student_id == user.id { Ok(row) } else { Err(ApiError::NotFound) };
    }
    grade_assignment(db, user, row.assignment_id).await?;
    Ok(row)
}

/// A grading run, to those who may grade its assignment.
pub async fn run(db: &SqlitePool, user: &CurrentUser, run_id: i64) -> Result<RunRow, ApiError> {
    let row: RunRow = sqlx::query_as(
        "SELECT id, assignment_id, kind, started_by, started_at, finished_at, graded, failed FROM grading_runs WHERE id = ?",
    )
    .bind(run_id)
    .fetch_optional(db)
    .await?
    .ok_or(ApiError::NotFound)?;
    grade_assignment(db, user, row.assignment_id).await?;
    Ok(row)
}

/// Whether the caller may attach to a console of `student_id`'s instance of the
/// assignment, and whether they may type: the owner types; the class's teacher and
/// admins watch, or type when they `take_over`; the class's graders watch. Everyone
/// else gets 404.
pub async fn console(
    db: &SqlitePool,
    user: &CurrentUser,
    assignment_id: i64,
    student_id: i64,
    take_over: bool,
) -> Result<bool, ApiError> {
    assignment(db, user, assignment_id, Access::Read).await?;
    match user.role {
        Role::Student => {
            if student_id == user.id {
                Ok(true)
            } else {
                Err(ApiError::NotFound)
            }
        }
        Role::Admin | Role::Teacher => Ok(take_over),
        Role::Grader if take_over => Err(ApiError::Forbidden),
        Role::Grader => Ok(false),
    }
}

/// The assignments the caller may read: of the classes they may read, and for a
/// student only those that have opened.
pub async fn visible_assignments(
    db: &SqlitePool,
    user: &CurrentUser,
) -> Result<Vec<AssignmentRow>, ApiError> {
    let filter = match user.role {
        Role::Admin => "WHERE ?1 = ?1 AND ?2 = ?2",
        Role::Teacher => "WHERE c.owner_id = ?1 AND ?2 = ?2",
        Role::Grader => {
            "WHERE a.class_id IN (SELECT class_id FROM class_graders WHERE user_id = ?1) AND ?2 = ?2"
        }
        Role::Student => {
            "WHERE a.class_id IN (SELECT class_id FROM class_students WHERE user_id = ?1) AND a.opens_at <= ?2"
        }
    };
    let query = format!("{ASSIGNMENT_COLUMNS} {filter} ORDER BY a.deadline, a.id");
    Ok(sqlx::query_as(&query).bind(user.id).bind(now()).fetch_all(db).await?)
}

const ASSIGNMENT_COLUMNS: &str = "SELECT a.id, a.class_id, a.lab_version_id, v.lab_id, v.version, a.title, \
     a.opens_at, a.deadline, a.idle_ttl_secs, a.max_lifetime_secs \
     FROM assignments a JOIN classes c ON c.id = a.class_id JOIN lab_versions v ON v.id = a.lab_version_id";

/// The lab instance with this name, if the caller may have `access` to it: its owner
/// always; a teacher of its class and an admin to read and act; a grader of its class
/// to read. Another student gets 404, as if it did not exist.
pub async fn instance(
    db: &SqlitePool,
    user: &CurrentUser,
    name: &str,
    access: Access,
) -> Result<InstanceRow, ApiError> {
    let row: InstanceRow = sqlx::query_as(&format!("{INSTANCE_COLUMNS} WHERE i.name = ?"))
        .bind(name)
        .fetch_optional(db)
        .await?
        .ok_or(ApiError::NotFound)?;
    if row.owner_id == user.id {
        return Ok(row);
    }
    if user.role == Role::Student {
        return Err(ApiError::NotFound);
    }
    class(db, user, row.class_id, access).await?;
    Ok(row)
}

/// A lab instance whose cables the caller may pull, plug in or make lossy (a fault put
/// in for the class to find, or one cleared): its class's teacher and admins. Graders
/// only watch (403); students, even the owner, get 404: a cable fault is the teacher's
/// exercise, not the student's tool.
pub async fn operate_instance(
    db: &SqlitePool,
    user: &CurrentUser,
    name: &str,
) -> Result<InstanceRow, ApiError> {
    require_role(user, &[Role::Admin, Role::Teacher])?;
    instance(db, user, name, Access::Write).await
}

/// The lab instances the caller may read: a student's own, those of a teacher's or a
/// grader's classes, every one for an admin.
pub async fn visible_instances(db: &SqlitePool, user: &CurrentUser) -> Result<Vec<InstanceRow>, ApiError> {
    let filter = match user.role {
        Role::Admin => "WHERE ?1 = ?1",
        Role::Teacher => "WHERE a.class_id IN (SELECT id FROM classes WHERE owner_id = ?1)",
        Role::Grader => "WHERE a.class_id IN (SELECT class_id FROM class_graders WHERE user_id = ?1)",
        Role::Student => "WHERE i.owner_id = ?1",
    };
    let query = format!("{INSTANCE_COLUMNS} {filter} ORDER BY i.name");
    Ok(sqlx::query_as(&query).bind(user.id).fetch_all(db).await?)
}

// Only instances the lifecycle stored (`lab IS NOT NULL`): a bare claim is a request
// still on its way in, or one that was refused.
const INSTANCE_COLUMNS: &str = "SELECT i.name, i.owner_id, i.assignment_id, a.class_id \
     FROM instances i JOIN assignments a ON a.id = i.assignment_id AND i.lab IS NOT NULL";

async fn is_member(db: &SqlitePool, table: &str, class_id: i64, user_id: i64) -> Result<bool, ApiError> {
    // `table` is one of two constants above, never input.
    let query = format!("SELECT 1 FROM {table} WHERE class_id = ? AND user_id = ?");
    Ok(sqlx::query(&query).bind(class_id).bind(user_id).fetch_optional(db).await?.is_some())
}

/// A class as authorization sees it.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct ClassRow {
    pub id: i64,
    pub name: String,
    pub owner_id: i64,
}

/// A lab as authorization sees it.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct LabRow {
    pub id: i64,
    pub name: String,
    pub owner_id: i64,
}

/// An assignment with the lab version it publishes.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct AssignmentRow {
    pub id: i64,
    pub class_id: i64,
    pub lab_version_id: i64,
    pub lab_id: i64,
    pub version: i64,
    pub title: String,
    pub opens_at: i64,
    pub deadline: i64,
    pub idle_ttl_secs: i64,
    pub max_lifetime_secs: i64,
}

/// A stored report.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct ReportRow {
    pub id: i64,
    pub assignment_id: i64,
    pub student_id: i64,
    pub ran_by: Option<i64>,
    pub ran_at: i64,
    pub student_view: bool,
    pub report_json: String,
}

/// A grading run.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct RunRow {
    pub id: i64,
    pub assignment_id: i64,
    pub kind: String,
    pub started_by: Option<i64>,
    pub started_at: i64,
    pub finished_at: Option<i64>,
    pub graded: i64,
    pub failed: i64,
}

/// A lab instance as authorization sees it.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct InstanceRow {
    pub name: String,
    pub owner_id: i64,
    pub assignment_id: i64,
    pub class_id: i64,
}
