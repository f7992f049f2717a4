-- strata:timeout 1h;
/* never closed
