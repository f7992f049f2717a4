-- strata:timeout 5m
CREATE TABLE t (
  id int, -- key
  s text DEFAULT 'a  b'
);
/* c /* nested */ */
SELECT E'it\'s', $$ x $$, $1, 6E7$$y$$;
