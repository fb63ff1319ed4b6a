-- The lab lifecycle's instances: one row per instance the service ever ran, so a
-- restart (or a kill -9) loses no lab. `owner_id` and `assignment_id` are claimed by the
-- request handler before the lifecycle stores anything (authorization reads them);
-- `lab` is the lifecycle's whole record (request with plan and design, state, queue
-- order, times) as JSON, NULL until the lifecycle first stored it. `state` and
-- `detail` repeat what `lab` holds, for queries and for people reading the database.

CREATE TABLE instances (
    name          TEXT    PRIMARY KEY,
    owner_id      INTEGER NOT NULL REFERENCES users(id),
    -- No cascade: an assignment with instances is not deleted from under them.
    assignment_id INTEGER NOT NULL REFERENCES assignments(id),
    state         TEXT,
    detail        TEXT,
    lab           TEXT,
    created_at    INTEGER NOT NULL,
    updated_at    INTEGER NOT NULL
);
CREATE INDEX instances_by_owner ON instances(owner_id);
CREATE INDEX instances_by_assignment ON instances(assignment_id);
