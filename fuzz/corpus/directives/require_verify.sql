-- strata:require SELECT count(*) = 0 FROM users WHERE email IS NULL
-- strata:verify SELECT count(*) > 0 FROM pg_indexes WHERE indexname = 'users_email_key';
ALTER TABLE users ALTER COLUMN email SET NOT NULL;
-- strata:verify   SELECT true  
CREATE UNIQUE INDEX users_email_key ON users (email);
