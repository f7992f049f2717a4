CREATE TABLE main.[Order Items] ( -- strata:renamed-from order_lines
  `Qty` INTEGER NOT NULL, -- strata:renamed-from Amount
  price REAL, PRIMARY KEY (Qty)
) STRICT;
-- strata:renamed-from nowhere
