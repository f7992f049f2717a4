-- strata:timeout 30s
  --   strata:timeout 500ms
UPDATE big SET x = 1;
