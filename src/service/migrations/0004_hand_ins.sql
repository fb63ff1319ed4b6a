-- A student's hand-in of an assignment: they say they are done, the service grades
-- their lab right then (a full report, as a grader's), and the teacher sees both.
-- Once per student and assignment. Times are seconds since the Unix epoch.

CREATE TABLE hand_ins (
    assignment_id INTEGER NOT NULL REFERENCES assignments(id) ON DELETE CASCADE,
    student_id    INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    handed_in_at  INTEGER NOT NULL,
    -- The report graded at hand-in; NULL while grading runs, or when it failed.
    report_id     INTEGER REFERENCES reports(id) ON DELETE SET NULL,
    -- Why grading at hand-in gave no report (no lab, a broken one); NULL otherwise.
    grading_error TEXT,
    PRIMARY KEY (assignment_id, student_id)
);
