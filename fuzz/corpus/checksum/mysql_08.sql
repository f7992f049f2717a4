SELECT 1
DELIMITER //
;
SELECT 2; DELIMITER //
;
/* comments do not count */
-- nor these
DELIMITER //
SELECT 3 //
