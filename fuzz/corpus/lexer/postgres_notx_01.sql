CREATE INDEX CONCURRENTLY i ON t (a);
create unique index concurrently if not exists i2 on t (b);
CREATE /* c */ INDEX -- x
  CONCURRENTLY i3 ON t (c);
CREATE INDEX i4 ON t (d);
CREATE UNIQUE INDEX i5 ON t (e) WHERE f = 'CONCURRENTLY';
CREATE INDEX "concurrently" ON t (g);
