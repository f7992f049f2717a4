-- strata:timeout forever-ish
SELECT 1;
