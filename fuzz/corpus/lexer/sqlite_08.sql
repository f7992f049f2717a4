
SELECT [abc;
