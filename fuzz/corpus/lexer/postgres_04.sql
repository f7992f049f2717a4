SELECT 1; -- two; 'three
-- "four; $$
SELECT 2;
