INSERT INTO "t;1" ("a""b") VALUES ('x;''y', 'z');
