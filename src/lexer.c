/*
 * lexer.c - the SQL tokenizers: PostgreSQL's, SQLite's and MySQL's token
 * shapes, and nothing else.
 *
 * Each dialect transcribes the lexer of the database's own client, reduced
 * to token shapes (where a string, a quoted identifier, a dollar quote or a
 * comment starts and ends); what a token means for statement boundaries is
 * the splitter's business (sqlsplit.c), what it means for checksums the
 * normaliser's (checksum.c). Keep in sync with:
 *
 *   PostgreSQL  src/fe_utils/psqlscan.l (the flex patterns of
 *               src/backend/parser/scan.l) at postgres/postgres 029c5ac0.
 *   SQLite      src/tokenize.c (sqlite3GetToken) as of SQLite 3.40.
 *   MySQL       client/mysql.cc (add_line, com_delimiter, get_arg) and
 *               sql/sql_lex.cc of MySQL 8.0; MariaDB's M! version comments.
 *               The client's view wins where they differ (it is what
 *               cuts a script into statements); see lexer_scan.h.
 *
 * The comments below name the upstream rule each branch mirrors. Where this
 * differs from upstream, on purpose (see also sqlsplit.c's file comment):
 *   - unterminated constructs are errors, also a final open SQLite comment;
 *   - operators are one byte each (psqlscan glues {operator} runs): no
 *     statement boundary depends on it, and lint can rejoin them;
 *   - SQLite numbers, identifiers and $params are all one IdChar() run, as
 *     complete.c sees them (1.5 is NUMBER OP NUMBER);
 *   - a PostgreSQL literal continued over a newline ('a'<newline>'b',
 *     {quotecontinue}) is one STRING per part, the later ones flagged
 *     STRATA_TOKF_CONTINUES, so that the white space and comments between
 *     the parts are tokens of their own;
 *   - a UTF-8 byte order mark at offset 0 is a SPACE token of its own.
 *
 * Shape: a 256-entry class table says what a byte can start, and tight loops
 * (memchr inside strings, quoted identifiers and dollar quotes) consume each
 * token. Nothing is allocated; strata_lex() (in sqlsplit.c, next to the
 * splitter whose view of standard_conforming_strings it needs) stores them.
 * The tokenizers themselves are in lexer_scan.h, so that the splitter's and
 * the normaliser's loops inline them; this file is their public face.
 */
#include <string.h>

#include "split.h"
#include "lexer.h"
#include "lexer_scan.h"

/* ---------------------------------------------------------------- API */

void strata_lexer_init(struct strata_lexer *lx, const char *sql, size_t len, enum strata_dialect d)
{
	memset(lx, 0, sizeof(*lx));
	lx->s = (const unsigned char *)sql;
	lx->len = sql ? len : 0;
	lx->pg = d == STRATA_DIALECT_POSTGRES;
	lx->mysql = d == STRATA_DIALECT_MYSQL;
	lx->std_strings = 1;
	lx->delim[0] = ';';
	lx->delim_len = 1;
}

int strata_lexer_next(struct strata_lexer *lx, struct strata_token *t)
{
	if (lx->pg)
		return lx->skip_trivia ? lexer_scan(lx, t, LX_PG, 1) : lexer_scan(lx, t, LX_PG, 0);
	if (lx->mysql)
		return lx->skip_trivia ? lexer_scan(lx, t, LX_MYSQL, 1) : lexer_scan(lx, t, LX_MYSQL, 0);
	return lx->skip_trivia ? lexer_scan(lx, t, LX_SQLITE, 1) : lexer_scan(lx, t, LX_SQLITE, 0);
}

const char *strata_tok_kind_name(int kind)
{
	static const char *const names[] = {
		[STRATA_TOK_SPACE] = "space",     [STRATA_TOK_COMMENT] = "comment", [STRATA_TOK_WORD] = "word",
		[STRATA_TOK_QIDENT] = "qident",   [STRATA_TOK_STRING] = "string",   [STRATA_TOK_DOLLAR] = "dollar",
		[STRATA_TOK_NUMBER] = "number",   [STRATA_TOK_PARAM] = "param",     [STRATA_TOK_OP] = "op",
		[STRATA_TOK_SEMI] = "semi",       [STRATA_TOK_DELIMITER] = "delimiter",
		[STRATA_TOK_COND_OPEN] = "cond-open", [STRATA_TOK_COND_CLOSE] = "cond-close",
	};

	return kind > 0 && kind <= STRATA_TOK_COND_CLOSE ? names[kind] : "?";
}
