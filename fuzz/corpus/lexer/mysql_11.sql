create table mysqltest.$test1 (a$1 int, $b int, c$ int);
