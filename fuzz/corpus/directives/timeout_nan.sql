-- strata:timeout nan
SELECT 1;
