INSERT INTO t VALUES (X'AB;CD', $name, :x, @y, ?1);
