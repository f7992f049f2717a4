SELECT * FROM (
  SELECT * FROM t1 # comment;
);
# CREATE TABLE t(a int);
SELECT 2;
