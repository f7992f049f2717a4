/*
 * schema/sqlfile.c - strata_schema_run_file: a schema file (schema.sql, the
 * output of `pg_dump -s` as users keep it) run in a scratch database, so
 * that its schema can be read with the same code as a live database's.
 * psql meta-commands (a line starting with a backslash outside any string:
 * \restrict, \unrestrict, \connect, \set ...) are client commands and are
 * not sent. The file runs as one script; when that fails, the scratch is
 * reset and the statements run one by one, so that the error names the
 * statement that failed (its line) with the server's message.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "strata_schema.h"
#include "../db.h"
#include "../driver.h"
#include "../lexer.h"
#include "../split.h"
#include "../util.h"

/*
 * Blank (with spaces, newlines kept) every line of sql whose first byte
 * other than blanks is a backslash outside any token of the dialect's SQL:
 * psql's meta-commands. Returns the number of lines blanked, -1 when the
 * script does not lex (the splitter then says where).
 */
static int blank_meta_commands(char *sql, size_t len, enum strata_dialect d)
{
	struct strata_lexer lx;
	struct strata_token t;
	int n = 0, r;

	strata_lexer_init(&lx, sql, len, d);
	while ((r = strata_lexer_next(&lx, &t)) == 1) {
		size_t b = t.off, e;

		if (t.kind != STRATA_TOK_OP || sql[t.off] != '\\')
			continue;
		while (b > 0 && (sql[b - 1] == ' ' || sql[b - 1] == '\t'))
			b--;
		if (b > 0 && sql[b - 1] != '\n' && sql[b - 1] != '\r')
			continue; /* inside a line of SQL: the server's to judge */
		for (e = t.off; e < len && sql[e] != '\n' && sql[e] != '\r'; e++)
			sql[e] = ' ';
		n++;
	}
	return r < 0 ? -1 : n;
}

/* The statements of sql one by one; the first that fails is the error (its line in err->line). */
static int run_each(struct strata_db *sdb, const char *sql, size_t len, const char *file, struct strata_err *err)
{
	struct strata_split sp = { 0 };
	int rc = strata_sql_split(sql, len, sdb->drv->dialect, &sp, err);

	for (size_t i = 0; rc == 0 && i < sp.n; i++) {
		const struct strata_stmt *st = &sp.s[i];
		long errpos = -1;

		if (st->flags & STRATA_STMT_EMPTY)
			continue;
		rc = sdb->drv->exec(sdb->conn, sql + st->body, st->end - st->body, &errpos, err);
		if (rc && err) {
			int line = st->line;

			if (errpos >= 0)
				line = strata_line_of(sql, len, st->body + (size_t)errpos);
			if (line != st->line)
				strata_err_prefix(err, "the statement starting at line %d failed: ", st->line);
			else
				strata_err_prefix(err, "this statement failed: ");
			err->line = line;
			if (file && *file)
				snprintf(err->file, sizeof(err->file), "%s", file);
		}
	}
	if (rc && err && rc == STRATA_ESOURCE && file && *file && !err->file[0])
		snprintf(err->file, sizeof(err->file), "%s", file);
	strata_split_release(&sp);
	return rc;
}

int strata_schema_run_file(struct strata_scratch *scratch, const char *sql, size_t len, const char *file,
			   struct strata_err *err)
{
	struct strata_db *sdb = strata_scratch_db(scratch);
	struct strata_err quiet;
	long errpos = -1;
	char *copy;
	int rc;

	copy = malloc(len + 1);
	if (!copy)
		return strata_err_set(err, STRATA_ENOMEM, "out of memory");
	memcpy(copy, sql, len);
	copy[len] = '\0';
	if (blank_meta_commands(copy, len, sdb->drv->dialect) < 0) {
		rc = run_each(sdb, copy, len, file, err); /* the splitter names the unterminated construct */
		free(copy);
		return rc ? rc : strata_err_set(err, STRATA_ESOURCE, "the schema file does not lex");
	}
	/* the fast way first: one script, one round trip */
	strata_err_clear(&quiet);
	rc = sdb->drv->exec(sdb->conn, copy, len, &errpos, &quiet);
	strata_err_release(&quiet);
	if (rc && rc != STRATA_EINTR) {
		/* again statement by statement on a new database: which one failed, and why */
		rc = strata_scratch_reset(scratch, err);
		if (rc == 0) {
			sdb = strata_scratch_db(scratch);
			rc = run_each(sdb, copy, len, file, err);
		}
	} else if (rc) {
		rc = strata_err_set(err, STRATA_EINTR, "interrupted while running the schema file");
	}
	free(copy);
	return rc;
}
