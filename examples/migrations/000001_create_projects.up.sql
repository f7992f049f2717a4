-- Projects: the top of the hierarchy. Every install starts with one project
-- named "default" so that tasks always have somewhere to go.
CREATE TABLE projects (
    id          INTEGER PRIMARY KEY,
    name        TEXT NOT NULL UNIQUE,
    description TEXT,
    created_at  TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP
);

INSERT INTO projects (id, name, description)
VALUES (1, 'default', 'Created by the first migration');
