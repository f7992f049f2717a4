-- A run is one execution of a task: queued, then running, then finished
-- one way or another. The timings are filled in by the runner.
CREATE TABLE runs (
    id           INTEGER PRIMARY KEY,
    task_id      INTEGER NOT NULL REFERENCES tasks (id) ON DELETE CASCADE,
    status       TEXT NOT NULL DEFAULT 'queued'
                 CHECK (status IN ('queued', 'running', 'succeeded', 'failed', 'cancelled')),
    queued_at    TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP,
    started_at   TIMESTAMP,
    finished_at  TIMESTAMP,
    duration_ms  INTEGER CHECK (duration_ms >= 0),
    exit_code    INTEGER,
    log_excerpt  TEXT
);
