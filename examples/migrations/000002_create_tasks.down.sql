DROP INDEX tasks_project_id_idx;
DROP TABLE tasks;
