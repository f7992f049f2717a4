-- strata:no-transaction
-- strata:require SELECT 1
CREATE TABLE t (x int);
-- strata:verify SELECT 1
