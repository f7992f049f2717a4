SELECT E'a'
-- strata:ver{. S]
'b\';
