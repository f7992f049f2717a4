/*
 * fuzz_sqlsplit.c - libFuzzer target for the SQL splitter (src/sqlsplit.c).
 *
 * Migration files are user input that strata cuts into statements before
 * anything touches a database, so the splitter must never crash, read out
 * of bounds or hand back pieces that do not describe the input. Each input
 * is split in both dialects and the result checked against the contract of
 * split.h: on success the pieces are in order, do not overlap, cover the
 * input exactly, every body lies inside its piece (== end for EMPTY pieces,
 * on a non-blank byte otherwise), every piece but the last ends with ';',
 * lines agree with strata_line_of(), strata_split_count() agrees, and a
 * second split into the reused array gives the same pieces; on failure the
 * code is STRATA_ESOURCE with a message, a line inside the input, and no
 * pieces left. Violations abort() with a message, which libFuzzer records.
 *
 * Build and run with fuzz/run.sh (clang, -fsanitize=fuzzer,address,undefined).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"
#include "split.h"
#include "lexer.h"

#define CHECK(cond, ...)                                                                                      \
	do {                                                                                                  \
		if (!(cond)) {                                                                                \
			fprintf(stderr, "fuzz_sqlsplit: %s: ", #cond);                                      \
			fprintf(stderr, __VA_ARGS__);                                                         \
			fputc('\n', stderr);                                                                  \
			abort();                                                                              \
		}                                                                                             \
	} while (0)

static void check_split(const char *sql, size_t len, enum strata_dialect d)
{
	struct strata_split sp = { 0 }, again = { 0 };
	struct strata_err err = { 0 };
	size_t i, at = 0, nonempty = 0;
	int rc;

	rc = strata_sql_split(sql, len, d, &sp, &err);
	if (rc != 0) {
		CHECK(rc == STRATA_ESOURCE, "dialect %d: rc %d", d, rc);
		CHECK(err.code == STRATA_ESOURCE, "err.code %d", err.code);
		CHECK(err.message[0] != '\0', "empty message");
		CHECK(strncmp(err.message, "unterminated ", 13) == 0 ||
			      (d == STRATA_DIALECT_MYSQL &&
			       (strncmp(err.message, "DELIMITER ", 10) == 0 || strncmp(err.message, "atlas:delimiter ", 16) == 0)),
		      "message %s", err.message);
		CHECK(err.line >= 1 && err.line <= strata_line_of(sql, len, len), "error line %d", err.line);
		CHECK(err.column >= 1, "error column %d", err.column);
		CHECK(sp.n == 0, "%zu pieces after an error", sp.n);
		strata_split_release(&sp);
		strata_err_release(&err);
		return;
	}
	CHECK(len > 0 || sp.n == 0, "pieces for empty input");
	CHECK(len == 0 || sp.n > 0, "no pieces for %zu bytes", len);
	for (i = 0; i < sp.n; i++) {
		const struct strata_stmt *st = &sp.s[i];
		int empty = !!(st->flags & STRATA_STMT_EMPTY);

		CHECK(st->start == at, "piece %zu starts at %zu, expected %zu", i, st->start, at);
		CHECK(st->end > st->start && st->end <= len, "piece %zu: end %zu, start %zu, len %zu", i, st->end,
		      st->start, len);
		CHECK(st->body >= st->start && st->body <= st->end, "piece %zu: body %zu outside", i, st->body);
		CHECK(!(st->flags & ~(unsigned)(STRATA_STMT_EMPTY | STRATA_STMT_NO_TX | STRATA_STMT_TX |
						STRATA_STMT_IMPLICIT_COMMIT | STRATA_STMT_OPEN_BODY)),
		      "flags %#x", st->flags);
		CHECK(d == STRATA_DIALECT_MYSQL || !(st->flags & (STRATA_STMT_IMPLICIT_COMMIT | STRATA_STMT_OPEN_BODY)),
		      "MySQL flags outside MySQL");
		CHECK(!(st->flags & STRATA_STMT_OPEN_BODY) || sql[st->end - 1] == ';', "piece %zu: open body not cut at ';'",
		      i);
		CHECK(!(st->flags & STRATA_STMT_IMPLICIT_COMMIT) ||
			      strata_stmt_implicit_commit(d, sql + st->body, st->end - st->body),
		      "piece %zu: flagged, but strata_stmt_implicit_commit says no", i);
		CHECK(d == STRATA_DIALECT_SQLITE || !(st->flags & STRATA_STMT_TX_PRAGMA), "PostgreSQL PRAGMA");
		CHECK(!(st->flags & STRATA_STMT_TX_PRAGMA) || !(st->flags & (STRATA_STMT_TX_BEGIN | STRATA_STMT_TX_END)),
		      "a PRAGMA that begins or ends a transaction");
		if (empty) {
			CHECK(st->body == st->end, "empty piece %zu: body != end", i);
			CHECK(!(st->flags & (STRATA_STMT_NO_TX | STRATA_STMT_TX | STRATA_STMT_IMPLICIT_COMMIT |
					     STRATA_STMT_OPEN_BODY)),
			      "empty piece %zu flagged", i);
		} else {
			CHECK(st->body < st->end, "piece %zu: empty body", i);
			CHECK(!strchr(" \t\n\r\f", sql[st->body]) || sql[st->body] == '\0',
			      "piece %zu: body on white space", i);
			nonempty++;
		}
		CHECK(d == STRATA_DIALECT_POSTGRES || !(st->flags & STRATA_STMT_NO_TX), "SQLite NO_TX");
		CHECK(i + 1 == sp.n || sql[st->end - 1] == ';' || d == STRATA_DIALECT_MYSQL, "piece %zu does not end with ';'",
		      i);
		CHECK(st->line == strata_line_of(sql, len, empty ? st->start : st->body), "piece %zu: line %d vs %d",
		      i, st->line, strata_line_of(sql, len, empty ? st->start : st->body));
		at = st->end;
	}
	CHECK(at == len, "pieces end at %zu of %zu", at, len);
	CHECK(strata_split_count(&sp) == nonempty, "count %zu vs %zu", strata_split_count(&sp), nonempty);

	/* reusing an array gives the same answer */
	again.s = malloc(sizeof(*again.s));
	again.cap = again.s ? 1 : 0;
	again.n = 7;
	rc = strata_sql_split(sql, len, d, &again, &err);
	CHECK(rc == 0, "second split failed: %d", rc);
	CHECK(again.n == sp.n && (sp.n == 0 || memcmp(again.s, sp.s, sp.n * sizeof(*sp.s)) == 0),
	      "second split differs");
	strata_split_release(&again);
	strata_split_release(&sp);
	strata_err_release(&err);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	check_split((const char *)data, size, STRATA_DIALECT_POSTGRES);
	check_split((const char *)data, size, STRATA_DIALECT_SQLITE);
	check_split((const char *)data, size, STRATA_DIALECT_MYSQL);
	return 0;
}
