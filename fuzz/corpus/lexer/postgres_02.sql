SELECT name'\';
SELECT 2;
