SELECT '$$', "$$";
SELECT 2;
