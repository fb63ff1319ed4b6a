-- The first schema of the service: accounts, sessions and tokens, classes, labs and
-- assignments. Times are seconds since the Unix epoch. Secrets (session and API tokens)
-- are stored only as SHA-256 hashes; passwords only as argon2 hashes.

CREATE TABLE users (
    id             INTEGER PRIMARY KEY,
    -- Unique whatever the case: `Jan` and `jan` are one person logging in.
    username       TEXT    NOT NULL UNIQUE COLLATE NOCASE,
    display_name   TEXT    NOT NULL,
    email          TEXT,
    role           TEXT    NOT NULL CHECK (role IN ('admin', 'teacher', 'grader', 'student')),
    -- NULL until someone sets one: students imported from a class list cannot log in yet.
    password_hash  TEXT,
    -- The school's student number, the key of a class list import.
    student_number TEXT    UNIQUE,
    disabled       INTEGER NOT NULL DEFAULT 0,
    created_at     INTEGER NOT NULL
);

CREATE TABLE sessions (
    token_hash  BLOB    PRIMARY KEY,
    user_id     INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    csrf_token  TEXT    NOT NULL,
    created_at  INTEGER NOT NULL,
    expires_at  INTEGER NOT NULL
);
CREATE INDEX sessions_by_user ON sessions(user_id);

CREATE TABLE api_tokens (
    id           INTEGER PRIMARY KEY,
    user_id      INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    name         TEXT    NOT NULL,
    token_hash   BLOB    NOT NULL UNIQUE,
    created_at   INTEGER NOT NULL,
    last_used_at INTEGER
);

CREATE TABLE classes (
    id         INTEGER PRIMARY KEY,
    name       TEXT    NOT NULL,
    owner_id   INTEGER NOT NULL REFERENCES users(id),
    created_at INTEGER NOT NULL,
    UNIQUE (owner_id, name)
);

CREATE TABLE class_students (
    class_id INTEGER NOT NULL REFERENCES classes(id) ON DELETE CASCADE,
    user_id  INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    PRIMARY KEY (class_id, user_id)
);

CREATE TABLE class_graders (
    class_id INTEGER NOT NULL REFERENCES classes(id) ON DELETE CASCADE,
    user_id  INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    PRIMARY KEY (class_id, user_id)
);

CREATE TABLE labs (
    id         INTEGER PRIMARY KEY,
    -- The `lab:` name in the file; uploads with the same name are versions of one lab.
    name       TEXT    NOT NULL,
    owner_id   INTEGER NOT NULL REFERENCES users(id),
    created_at INTEGER NOT NULL,
    UNIQUE (owner_id, name)
);

CREATE TABLE lab_versions (
    id          INTEGER PRIMARY KEY,
    lab_id      INTEGER NOT NULL REFERENCES labs(id) ON DELETE CASCADE,
    version     INTEGER NOT NULL,
    source      TEXT    NOT NULL,
    uploaded_by INTEGER NOT NULL REFERENCES users(id),
    uploaded_at INTEGER NOT NULL,
    UNIQUE (lab_id, version)
);

CREATE TABLE assignments (
    id                INTEGER PRIMARY KEY,
    class_id          INTEGER NOT NULL REFERENCES classes(id) ON DELETE CASCADE,
    lab_version_id    INTEGER NOT NULL REFERENCES lab_versions(id),
    title             TEXT    NOT NULL,
    opens_at          INTEGER NOT NULL,
    deadline          INTEGER NOT NULL CHECK (deadline > opens_at),
    idle_ttl_secs     INTEGER NOT NULL CHECK (idle_ttl_secs > 0),
    max_lifetime_secs INTEGER NOT NULL CHECK (max_lifetime_secs > 0),
    created_by        INTEGER NOT NULL REFERENCES users(id),
    created_at        INTEGER NOT NULL
);
CREATE INDEX assignments_by_class ON assignments(class_id);
