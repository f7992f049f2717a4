SELECT u&'x' U&"y" $a$x$a$ [b] `c` 1.5e3;
