SELECT `a``;
