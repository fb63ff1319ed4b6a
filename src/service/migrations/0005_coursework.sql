-- Written work and what a teacher scores by hand: a lab's `hand-in` texts and its
-- `rubric`. Times are seconds since the Unix epoch.

-- The texts a student handed in with their lab (a ticket's diagnosis, an instruction
-- for a user), as a JSON object by the lab's text id.
ALTER TABLE hand_ins ADD COLUMN texts_json TEXT NOT NULL DEFAULT '{}';

-- A grader's score of one rubric item for one student of an assignment. The service
-- also puts the scores into that student's stored reports of the assignment, so every
-- report, list and export shows them.
CREATE TABLE rubric_scores (
    assignment_id INTEGER NOT NULL REFERENCES assignments(id) ON DELETE CASCADE,
    student_id    INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    item          TEXT    NOT NULL,
    points        REAL    NOT NULL,
    comment       TEXT,
    scored_by     INTEGER REFERENCES users(id) ON DELETE SET NULL,
    scored_at     INTEGER NOT NULL,
    PRIMARY KEY (assignment_id, student_id, item)
);
