//! How often a student may ask "check my work": a grading run takes seconds of the
//! server's time, and thirty students pressing the button in a loop would starve the
//! class. One check per interval per student; in memory, since a restart that forgets
//! it costs at most one extra check each.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// The last check of each student.
pub struct CheckLimit {
    interval: Duration,
    last: Mutex<HashMap<i64, Instant>>,
}

impl CheckLimit {
    pub fn new(interval: Duration) -> CheckLimit {
        CheckLimit { interval, last: Mutex::new(HashMap::new()) }
    }

    /// Takes the student's turn now, or says in how many seconds the next one is.
    /// The turn is taken before grading starts, so two requests at once are one check.
    pub fn take(&self, student: i64) -> Result<(), u64> {
        let mut last = self.last.lock().unwrap_or_else(|e| e.into_inner());
        let now = Instant::now();
        if let Some(at) = last.get(&student) {
            let since = now.duration_since(*at);
            if since < self.interval {
                return Err((self.interval - since).as_secs().max(1));
            }
        }
        last.insert(student, now);
        Ok(())
    }

    /// Gives a turn back: a check that graded nothing (no instance, a broken one) does
    /// not count against the student.
    pub fn give_back(&self, student: i64) {
        self.last.lock().unwrap_or_else(|e| e.into_inner()).remove(&student);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_second_check_within_the_interval_waits_and_another_student_does_not() {
        let limit = CheckLimit::new(Duration::from_secs(60));
        assert_eq!(limit.take(1), Ok(()));
        assert!(matches!(limit.take(1), Err(secs) if (1..=60).contains(&secs)));
        assert_eq!(limit.take(2), Ok(()));
        limit.give_back(1);
        assert_eq!(limit.take(1), Ok(()));
    }
}
