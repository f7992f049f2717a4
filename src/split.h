/*
 * split.h - the SQL splitter (sqlsplit.c): scripts cut into statements as
 * each dialect's database would, with the flags the runner needs
 * (no-transaction statements, transaction control), and the checksum's
 * normal form of a script (checksum.c). The tokens behind it are lexer.h's.
 */
#ifndef STRATA_SPLIT_H
#define STRATA_SPLIT_H

#include <stddef.h>

#include "strata.h"
#include "buf.h"

enum strata_dialect {
	STRATA_DIALECT_POSTGRES = 1,
	STRATA_DIALECT_SQLITE,
	STRATA_DIALECT_MYSQL, /* MySQL and MariaDB, as the mysql client splits a script (DELIMITER included) */
};

enum {
	STRATA_STMT_EMPTY = 1 << 0, /* only white space and comments (trailing piece, or ";;") */
	STRATA_STMT_NO_TX = 1 << 1, /* PostgreSQL refuses it inside a transaction block */
	/* transaction control at the top level of the script: the file manages its own transactions */
	STRATA_STMT_TX_BEGIN = 1 << 2,  /* starts one: BEGIN, START TRANSACTION (COMMIT AND CHAIN too) */
	STRATA_STMT_TX_END = 1 << 3,    /* ends one: COMMIT, END, ROLLBACK, ABORT, PREPARE TRANSACTION */
	STRATA_STMT_TX_PRAGMA = 1 << 4, /* SQLite's PRAGMA foreign_keys = ..., which a transaction ignores */
	/* MySQL: the statement commits the open transaction itself (DDL, LOCK TABLES, ...: strata_stmt_implicit_commit) */
	STRATA_STMT_IMPLICIT_COMMIT = 1 << 5,
	/*
	 * MySQL: a CREATE whose BEGIN ... END body is still open where a ";"
	 * ended it: the body's first ";" (the mysql client cuts there too, and
	 * the server then rejects both parts). DELIMITER around it is the fix.
	 */
	STRATA_STMT_OPEN_BODY = 1 << 6,
};
#define STRATA_STMT_TX (STRATA_STMT_TX_BEGIN | STRATA_STMT_TX_END | STRATA_STMT_TX_PRAGMA)

/*
 * One piece of a script. Pieces are in order and cover the input exactly:
 * piece k+1 starts at piece k's `end`. Leading white space and comments
 * belong to the piece that follows them. MySQL: a statement ended by a
 * delimiter other than ";" (DELIMITER //) ends before it, because the mysql
 * client does not send it; that delimiter and any DELIMITER command line
 * lead the next piece (body..end is always the text to send).
 */
struct strata_stmt {
	size_t start;    /* first byte of the piece (may be white space or a comment) */
	size_t body;     /* first byte of the statement's first token (== end for EMPTY pieces) */
	size_t end;      /* one past the terminating ';' (MySQL: or at another delimiter), or the end of input */
	int line;        /* 1-based line of `body` */
	unsigned flags;  /* STRATA_STMT_* */
	size_t tok;      /* index of the piece's first token (lexer.h), white space and comments counted */
	size_t ntok;     /* tokens in the piece, its leading white space and comments and its ';' included */
};

struct strata_split {
	struct strata_stmt *s; /* pieces */
	size_t n;              /* pieces used */
	size_t cap;            /* pieces allocated */
};

/*
 * Split `sql` into statements as the database would see them. On an
 * unterminated quote, dollar quote or comment returns STRATA_ESOURCE with
 * err->line set to the line where it opened and err->message saying what is
 * unterminated (err->file is left for the caller). `out` must be zeroed or
 * previously used; it is reused without freeing. Release with
 * strata_split_release().
 */
int strata_sql_split(const char *sql, size_t len, enum strata_dialect d, struct strata_split *out,
		     struct strata_err *err);
void strata_split_release(struct strata_split *s);
/* Number of non-empty statements. */
size_t strata_split_count(const struct strata_split *s);
/*
 * A script that manages its own transactions must not end inside one: the
 * line (1-based, in the script) of a BEGIN that nothing after it ends, or 0.
 */
int strata_split_open_tx(const struct strata_split *s);
/*
 * In one PostgreSQL statement's text: the offset of the byte after the
 * opening tag of its first dollar-quoted string (where PL/pgSQL counts line
 * 1 of a DO block or a function body), or -1 when it has none.
 */
long strata_sql_dollar_body(const char *sql, size_t len);
/*
 * Is this PostgreSQL statement CREATE [OR REPLACE] FUNCTION|PROCEDURE of a
 * routine named `name` (unqualified; compared without case unless quoted)?
 */
int strata_sql_defines_routine(const char *sql, size_t len, const char *name, size_t namelen);
/*
 * The text a checksum covers (checksum.c): `text` as dialect `d` lexes it,
 * without comments, white space made canonical outside literals, `-- strata:`
 * directives kept. Appends to out; returns 1 when the text is not followed
 * exactly (then out is to be ignored and the text hashed as written).
 */
int strata_sql_normalise(const char *text, size_t len, enum strata_dialect d, struct strata_buf *out);

#endif
