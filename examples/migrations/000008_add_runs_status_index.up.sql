-- The dashboard lists a task's latest runs by status; this keeps it fast.
CREATE INDEX runs_task_id_status_idx ON runs (task_id, status, queued_at);
