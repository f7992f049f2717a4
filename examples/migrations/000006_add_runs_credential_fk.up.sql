-- Record which credential a run used. Deleting the credential keeps the run.
ALTER TABLE runs
    ADD COLUMN user_git_credential_id INTEGER
        REFERENCES user_git_credentials (id) ON DELETE SET NULL;
