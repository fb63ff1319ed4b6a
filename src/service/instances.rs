//! Which lab instance belongs to whom: the one function that names the instance of an
//! assignment for a student, used by the lab lifecycle, grading, consoles and the
//! deadline run alike, and the student's key that picks their variant of the lab.

use crate::plan::InstanceId;

/// The default of the `lab-prefix` key. Every instance the service runs starts with
/// its prefix, and the lifecycle claims only these at start (`LifecycleConfig::scope`):
/// labs an operator deploys from the command line on the same server are never taken
/// for strays and destroyed.
pub const SERVICE_PREFIX: &str = "svc-";

/// The key a student's instance and variant are made from: their school student
/// number, or for an account made by hand without one, `u` and the account id (ids are
/// never reused, so two accounts never share a key).
pub fn student_key(student_number: Option<&str>, user_id: i64) -> String {
    match student_number {
        Some(number) if !number.is_empty() => number.to_string(),
        _ => format!("u{user_id}"),
    }
}

/// The key of the account `user_id`, read from the database.
pub async fn student_key_of(db: &sqlx::SqlitePool, user_id: i64) -> Result<String, sqlx::Error> {
    let number: Option<String> = sqlx::query_scalar("SELECT student_number FROM users WHERE id = ?")
        .bind(user_id)
        .fetch_one(db)
        .await?;
    Ok(student_key(number.as_deref(), user_id))
}

/// The instance of `assignment_id` (a lab named `lab`) for the student with `key`,
/// under the service's `prefix`: `InstanceId::for_lab("<prefix><lab>-a<assignment>",
/// key)`, such as `svc-tiny-a7-100001`.
///
/// The assignment id is part of the name so that two assignments of one lab (a lab
/// given to two classes, or twice to one) never share an instance; `for_lab` folds what
/// a name cannot hold and adds a hash of the original when it does, so two students
/// never share one either.
pub fn instance_for(prefix: &str, lab: &str, assignment_id: i64, key: &str) -> InstanceId {
    InstanceId::for_lab(&format!("{prefix}{lab}-a{assignment_id}"), Some(key))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn two_assignments_of_one_lab_give_a_student_two_instances_in_the_service_scope() {
        let first = instance_for(SERVICE_PREFIX, "tiny", 1, "100001");
        assert_ne!(first, instance_for(SERVICE_PREFIX, "tiny", 2, "100001"));
        assert_eq!(first.as_str(), "svc-tiny-a1-100001");
        let long = instance_for(SERVICE_PREFIX, &"x".repeat(60), 7, "Jan.de.Vries");
        assert!(long.as_str().starts_with(SERVICE_PREFIX), "{long}");
        assert!(InstanceId::parse(long.as_str()).is_ok(), "{long}");
    }

    #[test]
    fn students_whose_keys_fold_alike_get_different_instances() {
        assert_ne!(instance_for("", "tiny", 1, "AB12"), instance_for("", "tiny", 1, "ab12"));
    }

    #[test]
    fn an_account_without_a_student_number_is_keyed_by_its_id() {
        assert_eq!(student_key(None, 42), "u42");
        assert_eq!(student_key(Some(""), 42), "u42");
        assert_eq!(student_key(Some("100001"), 42), "100001");
    }
}
