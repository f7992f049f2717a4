/*
 * lexer.h - the SQL tokenizers (lexer.c) and the token API over them.
 *
 * One tokenizer per dialect cuts a script into tokens that cover it exactly
 * and in order, white space and comments included; the splitter
 * (sqlsplit.c), the checksum's normaliser (checksum.c) and the small
 * statement readers (strata_sql_dollar_body, strata_sql_defines_routine)
 * all read these tokens instead of scanning bytes of their own, so the
 * rules for what is a string, a comment or a dollar quote live in one place.
 * Later lint and diff work reads statements token by token through
 * strata_sql_split_tokens(): each struct strata_stmt names its token range.
 */
#ifndef STRATA_LEXER_H
#define STRATA_LEXER_H

#include <stddef.h>

struct strata_err;
struct strata_split;
enum strata_dialect;

enum strata_tok_kind {
	STRATA_TOK_SPACE = 1, /* a run of [ \t\n\r\f]; also a UTF-8 byte order mark at offset 0 (STRATA_TOKF_BOM) */
	STRATA_TOK_COMMENT,   /* -- (MySQL: "-- " and #) to the end of the line (newline excluded), or a block comment (STRATA_TOKF_BLOCK) */
	STRATA_TOK_WORD,      /* keyword or unquoted identifier */
	STRATA_TOK_QIDENT,    /* "ident", PostgreSQL U&"ident", SQLite `ident` and [ident], MySQL `ident`: quotes included */
	STRATA_TOK_STRING,    /* '...', PostgreSQL E'' N'' B'' X'' U&'' (prefix included), MySQL "..." too */
	STRATA_TOK_DOLLAR,    /* PostgreSQL $tag$ ... $tag$, both delimiters included */
	STRATA_TOK_NUMBER,    /* a number (SQLite: any run of identifier bytes starting with a digit) */
	STRATA_TOK_PARAM,     /* PostgreSQL $1; SQLite $name */
	STRATA_TOK_OP,        /* one byte of operator or punctuation, parentheses included */
	STRATA_TOK_SEMI,      /* ; (whether it ends a statement is the splitter's business); MySQL: the current
			       * delimiter, ";" or what DELIMITER set (STRATA_TOKF_DELIM), a ";" then being an OP */
	/* MySQL only */
	STRATA_TOK_DELIMITER, /* a client DELIMITER command: its line, newline excluded (never sent to the server);
			       * also Atlas's "-- atlas:delimiter X" comment before the first statement */
	STRATA_TOK_COND_OPEN, /* the opening of a version comment: slash-star-! (or MariaDB's slash-star-M!) and its digits */
	STRATA_TOK_COND_CLOSE, /* the star-slash that closes a version comment (its content is code) */
};

enum {
	STRATA_TOKF_BLOCK = 1 << 0,     /* COMMENT: a block comment */
	STRATA_TOKF_BOM = 1 << 1,       /* SPACE: the byte order mark at offset 0 */
	STRATA_TOKF_ESCAPES = 1 << 2,   /* STRING: backslash escapes (E'', or '' with standard_conforming_strings off) */
	STRATA_TOKF_CONTINUES = 1 << 3, /* STRING: continues the previous STRING ('a'<newline>'b' is one literal) */
	STRATA_TOKF_UFAILED = 1 << 4,   /* WORD: the u of U& with no quote after it (psqlscan {xufailed}) */
	STRATA_TOKF_DELIM = 1 << 5,     /* SEMI: MySQL, a delimiter other than ";" (not part of the statement) */
	STRATA_TOKF_HINT = 1 << 6,      /* COMMENT: MySQL optimizer hint, slash-star-+ ... star-slash (kept by checksums) */
};

struct strata_token {
	size_t off;          /* first byte in the script */
	size_t len;          /* bytes (never 0) */
	int line;            /* 1-based line of `off`; set by strata_lex()/strata_sql_split_tokens() only */
	unsigned char kind;  /* enum strata_tok_kind */
	unsigned char flags; /* STRATA_TOKF_* */
};

struct strata_tokens {
	struct strata_token *t; /* tokens */
	size_t n;               /* tokens used */
	size_t cap;             /* tokens allocated */
};

/*
 * A tokenizer over one script. The state is public so that callers can keep
 * it on the stack; only std_strings is theirs to change (the splitter
 * follows the script's SET standard_conforming_strings, as psql does).
 */
struct strata_lexer {
	const unsigned char *s; /* the script */
	size_t len;             /* its length */
	size_t pos;             /* next byte to read */
	int pg;                 /* PostgreSQL's rules (psqlscan.l), else SQLite's (tokenize.c) or ... */
	int mysql;              /* ... MySQL's (the mysql client's add_line() and the server's sql_lex.cc) */
	int std_strings;        /* PostgreSQL standard_conforming_strings: '' has no backslash escapes */
	int cont;               /* the next STRING continues the last one */
	int cont_esc;           /* ... and has backslash escapes */
	size_t cont_from;       /* ... which opened here */
	size_t count;           /* tokens returned or skipped so far */
	int skip_trivia;        /* return only tokens other than SPACE and COMMENT (still counted) */
	/* after strata_lexer_next() returned -1: the unterminated construct */
	size_t err_off;         /* where it opened */
	const char *err_what;   /* "unterminated quoted string", ... */
	size_t err_taglen;      /* a dollar quote's tag (at s + err_off), else 0 */
	/* MySQL: the client's state */
	char delim[16];         /* the current delimiter (DELIMITER), NUL-terminated; ";" at first */
	size_t delim_len;       /* its length, 1..15 */
	int pending;            /* statement text since the last delimiter (a DELIMITER command needs none) */
	int started;            /* statement text since the start (-- atlas:delimiter must come before any) */
	int in_cond;            /* inside a version comment: its star-slash is a COND_CLOSE */
	size_t cond_from;       /* ... which opened here */
};

/* Start tokenizing [sql, sql+len) in dialect d (offset 0 may hold a byte order mark). */
void strata_lexer_init(struct strata_lexer *lx, const char *sql, size_t len, enum strata_dialect d);
/*
 * The next token into *t (line not set). Returns 1, 0 at the end of the
 * input, or -1 on an unterminated quote, dollar quote, quoted identifier or
 * block comment (see err_* in the lexer; lx->pos is then left at the end).
 */
int strata_lexer_next(struct strata_lexer *lx, struct strata_token *t);

/*
 * Every token of `sql` in dialect d, lines set, exactly as the splitter sees
 * them (PostgreSQL strings follow the script's standard_conforming_strings).
 * An unterminated construct is STRATA_ESOURCE with err->line where it
 * opened, as strata_sql_split() reports it; out then holds the tokens before
 * it. `out` must be zeroed or previously used; release with
 * strata_tokens_release().
 */
int strata_lex(const char *sql, size_t len, enum strata_dialect d, struct strata_tokens *out, struct strata_err *err);
/*
 * strata_sql_split() that also keeps the tokens (toks may be NULL): statement
 * k's tokens are toks->t[sp->s[k].tok ...], sp->s[k].ntok of them.
 */
int strata_sql_split_tokens(const char *sql, size_t len, enum strata_dialect d, struct strata_split *sp,
			    struct strata_tokens *toks, struct strata_err *err);
void strata_tokens_release(struct strata_tokens *t);
/* Name of a token kind ("word", "string", ...), for messages and tests. */
const char *strata_tok_kind_name(int kind);

/*
 * Does one statement of dialect d commit the open transaction by itself?
 * MySQL/MariaDB ("Statements That Cause an Implicit Commit"): DDL (CREATE,
 * ALTER, DROP, RENAME, TRUNCATE of any object, except CREATE|DROP TEMPORARY
 * TABLE and DROP PREPARE), account statements (GRANT, REVOKE, SET PASSWORD,
 * CREATE|ALTER|DROP|RENAME USER|ROLE), transaction and locking statements
 * (BEGIN, START TRANSACTION, SET autocommit = 1, LOCK TABLES, UNLOCK
 * TABLES), administrative statements (ANALYZE, CACHE INDEX, CHECK,
 * OPTIMIZE, REPAIR, FLUSH, LOAD INDEX INTO CACHE, RESET, INSTALL|UNINSTALL,
 * SHUTDOWN) and replication control (START|STOP SLAVE|REPLICA|
 * GROUP_REPLICATION, CHANGE MASTER|REPLICATION). Version comments count as
 * code ("/" "*!50001 CREATE ..." is a CREATE). When in doubt it answers 1:
 * running a statement outside a transaction is safe, the other way is not.
 * Other dialects: 0 (PostgreSQL and SQLite DDL is transactional). `sql` is
 * one statement (a piece's body..end); only its first words are read.
 */
int strata_stmt_implicit_commit(enum strata_dialect d, const char *sql, size_t len);

#endif
