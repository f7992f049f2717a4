-- Credentials a run uses to clone and push. The token itself lives in the
-- secret store; the database keeps only a reference to it.
CREATE TABLE user_git_credentials (
    id            INTEGER PRIMARY KEY,
    user_id       TEXT NOT NULL,
    host          TEXT NOT NULL,
    username      TEXT NOT NULL,
    token_ref     TEXT NOT NULL,
    created_at    TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP,
    last_used_at  TIMESTAMP,
    UNIQUE (user_id, host)
);
