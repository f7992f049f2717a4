SELECT E'a'
-- strata:verify SELECT 1
'b\'c' ' ';
