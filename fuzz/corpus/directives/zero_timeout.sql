-- strata:timeout 0
SELECT 1;
