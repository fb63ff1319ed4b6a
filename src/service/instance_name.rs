//! How the service names the instances it runs.

use crate::plan::InstanceId;

/// The default of the `lab-prefix` key. Every instance the service runs starts with
/// its prefix, and the lifecycle claims only these at start (`LifecycleConfig::scope`):
/// labs an operator deploys from the command line on the same server are never taken
/// for strays and destroyed.
pub const SERVICE_PREFIX: &str = "svc-";

/// The instance of one student's lab of one assignment. The assignment id is part of
/// the name, so two assignments of one lab (a class that does it twice) never share an
/// instance; `for_lab` keeps two student numbers apart however they fold.
pub fn instance_for_assignment(lab_name: &str, assignment_id: i64, student_number: &str) -> InstanceId {
    instance_with_prefix(SERVICE_PREFIX, lab_name, assignment_id, student_number)
}

/// The same, under a configured prefix (`lab-prefix`).
pub fn instance_with_prefix(
    prefix: &str,
    lab_name: &str,
    assignment_id: i64,
    student_number: &str,
) -> InstanceId {
    InstanceId::for_lab(&format!("{prefix}{lab_name}-a{assignment_id}"), Some(student_number))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn two_assignments_of_one_lab_give_a_student_two_instances_in_the_service_scope() {
        let first = instance_for_assignment("ospf", 1, "s123");
        let second = instance_for_assignment("ospf", 2, "s123");
        assert_ne!(first, second);
        assert_eq!(first.as_str(), "svc-ospf-a1-s123");
        let long = instance_for_assignment(&"x".repeat(60), 7, "Jan.de.Vries");
        assert!(long.as_str().starts_with(SERVICE_PREFIX), "{long}");
        assert!(InstanceId::parse(long.as_str()).is_ok(), "{long}");
    }
}
