SELECT "a\"
;
