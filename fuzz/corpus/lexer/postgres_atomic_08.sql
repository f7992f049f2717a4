CREATE TABLE function_calls (begin int, "end" int);
SELECT 2;
