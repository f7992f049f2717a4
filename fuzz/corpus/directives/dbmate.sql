-- migrate:up
-- strata:no-transaction
CREATE INDEX CONCURRENTLY i ON t (x);
-- migrate:down
DROP INDEX i;
