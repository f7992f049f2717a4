CREATE TABLE "a;b (id int);
