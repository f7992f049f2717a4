INSERT INTO notes VALUES ('
-- strata:no-transaction
');
CREATE FUNCTION f() RETURNS int AS $$
-- strata:bogus
SELECT 1 $$ LANGUAGE sql;
/* -- strata:require */
SELECT 1; -- strata:no_transaction
