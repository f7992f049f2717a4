-- strata:
SELECT 1;
