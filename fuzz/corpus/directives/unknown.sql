SELECT 1;
-- strata:frobnicate now
