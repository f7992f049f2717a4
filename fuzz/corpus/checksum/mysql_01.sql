SELECT 'a;b', "c;d", `e;f`;
SELECT 'it\'s;', "say \";\"", 'x'';y', `a``;b`;
SELECT 1; # a comment; with semicolons
SELECT 2 -- another; one
;
SELECT /* ; */ 3;
