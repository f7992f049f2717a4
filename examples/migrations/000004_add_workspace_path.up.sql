-- Projects get a checkout directory. Existing projects get the conventional
-- location; new ones set it when they are created.
ALTER TABLE projects ADD COLUMN workspace_path TEXT;

UPDATE projects
   SET workspace_path = '/srv/workspaces/' || name
 WHERE workspace_path IS NULL;
