-- Grading: runs, stored reports with their evidence, and the configuration saved at
-- each assignment's deadline. Times are seconds since the Unix epoch.

CREATE TABLE grading_runs (
    id            INTEGER PRIMARY KEY,
    assignment_id INTEGER NOT NULL REFERENCES assignments(id) ON DELETE CASCADE,
    -- `class` and `student`: started by a grader or teacher; `deadline`: by the service.
    kind          TEXT    NOT NULL CHECK (kind IN ('class', 'student', 'deadline')),
    -- NULL for the deadline run, which nobody starts.
    started_by    INTEGER REFERENCES users(id),
    started_at    INTEGER NOT NULL,
    -- NULL while it runs, and after a crash until the next start finishes it.
    finished_at   INTEGER,
    graded        INTEGER NOT NULL DEFAULT 0,
    failed        INTEGER NOT NULL DEFAULT 0
);
-- The deadline run happens once per assignment: the row is its claim.
CREATE UNIQUE INDEX one_deadline_run ON grading_runs(assignment_id) WHERE kind = 'deadline';

CREATE TABLE reports (
    id            INTEGER PRIMARY KEY,
    assignment_id INTEGER NOT NULL REFERENCES assignments(id) ON DELETE CASCADE,
    student_id    INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    run_id        INTEGER REFERENCES grading_runs(id) ON DELETE SET NULL,
    instance      TEXT    NOT NULL,
    -- Who asked: the student ("check my work"), a grader or teacher; NULL for the
    -- deadline run.
    ran_by        INTEGER REFERENCES users(id),
    ran_at        INTEGER NOT NULL,
    -- 1: the student's view, without the expected values the teacher did not reveal.
    student_view  INTEGER NOT NULL,
    earned        REAL    NOT NULL,
    possible      REAL    NOT NULL,
    percent       REAL    NOT NULL,
    -- How long grading took, for the metrics.
    duration_ms   INTEGER NOT NULL,
    -- The report as `checks::report::Report` serializes it, evidence included.
    report_json   TEXT    NOT NULL
);
CREATE INDEX reports_by_assignment ON reports(assignment_id, student_id, id);

-- A student's instance's running configuration (`asbuilt save`), kept as evidence.
CREATE TABLE saved_configs (
    id            INTEGER PRIMARY KEY,
    assignment_id INTEGER NOT NULL REFERENCES assignments(id) ON DELETE CASCADE,
    student_id    INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    run_id        INTEGER REFERENCES grading_runs(id) ON DELETE SET NULL,
    instance      TEXT    NOT NULL,
    saved_at      INTEGER NOT NULL,
    -- [{"node": ..., "name": ..., "content": ...}, ...]
    files_json    TEXT    NOT NULL
);
CREATE INDEX saved_configs_by_assignment ON saved_configs(assignment_id, student_id);
