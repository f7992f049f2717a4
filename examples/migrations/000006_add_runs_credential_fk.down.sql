ALTER TABLE runs DROP COLUMN user_git_credential_id;
