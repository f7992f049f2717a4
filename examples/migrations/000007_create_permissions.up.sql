-- Named permissions, and the ones granted to an agent session.
CREATE TABLE permissions (
    id           INTEGER PRIMARY KEY,
    name         TEXT NOT NULL UNIQUE,
    description  TEXT NOT NULL
);

CREATE TABLE session_permissions (
    session_id     TEXT NOT NULL,
    permission_id  INTEGER NOT NULL REFERENCES permissions (id) ON DELETE CASCADE,
    granted_by     TEXT NOT NULL,
    granted_at     TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP,
    PRIMARY KEY (session_id, permission_id)
);

INSERT INTO permissions (id, name, description) VALUES
    (1, 'read_files',   'Read files in the workspace'),
    (2, 'write_files',  'Create and modify files in the workspace'),
    (3, 'run_commands', 'Run shell commands in the workspace'),
    (4, 'git_push',     'Push to the project''s remote');
