CREATE TABLE [a b] (`c d` int);
SELECT 'a'
'b';
-- c;SELECT 2;
