CREATE TABLE "a;b" ([c;d] TEXT DEFAULT 'e;''f', `g;``h` INT);
SELECT 2;
