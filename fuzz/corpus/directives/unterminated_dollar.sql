-- strata:timeout 2m
SELECT $tag$ -- strata:no-transaction
