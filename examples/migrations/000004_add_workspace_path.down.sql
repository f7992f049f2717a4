ALTER TABLE projects DROP COLUMN workspace_path;
