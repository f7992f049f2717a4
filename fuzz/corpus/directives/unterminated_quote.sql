-- strata:verify SELECT 'x' = 'x'
SELECT 'never closed
