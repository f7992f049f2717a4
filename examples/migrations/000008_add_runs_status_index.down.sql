DROP INDEX runs_task_id_status_idx;
