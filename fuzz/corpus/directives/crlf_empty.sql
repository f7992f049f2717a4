-- strata:require
-- strata:verify ;
SELECT 1;
