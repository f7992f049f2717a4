-- migrate:up
-- Logins by e-mail address became common; emails are compared lower-cased.
CREATE UNIQUE INDEX users_email_idx ON users (lower(email));

-- migrate:down
DROP INDEX users_email_idx;
