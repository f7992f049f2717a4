/*
 * fuzz_hints.c - libFuzzer target for strata_rename_hints_parse()
 * (src/schema/hints.c), which finds the "-- strata:renamed-from OLD"
 * comments of a desired schema file on CREATE TABLE and column lines.
 *
 * Each input is parsed as PostgreSQL and as SQLite. Besides the sanitizers'
 * checks, the target asserts the contract of strata_schema.h: on success
 * every hint is a table or a column one, has a name and an old name, a
 * column one names its table, its line is inside the script and its file is
 * the one given; a script without "strata:renamed" has none; on failure the
 * code is STRATA_ESOURCE (or ENOMEM) with a message, the result empty, and
 * an error at a line carries the file. A second parse gives the same answer.
 * Seeds: fuzz/corpus/hints/ (one schema file per file).
 */
#define _GNU_SOURCE
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "strata_schema.h"

#define CHECK(cond, ...)                                                            \
	do {                                                                        \
		if (!(cond)) {                                                      \
			fprintf(stderr, "fuzz_hints: engine %d: %s failed: ", e, #cond); \
			fprintf(stderr, __VA_ARGS__);                               \
			fputc('\n', stderr);                                        \
			__builtin_trap();                                           \
		}                                                                   \
	} while (0)

static void one(enum strata_engine e, const char *s, size_t len)
{
	struct strata_rename_hint *h = NULL, *h2 = NULL;
	struct strata_err err, err2;
	size_t n = 99, n2 = 99;
	int rc, rc2, lines = 1;

	for (size_t i = 0; i < len; i++)
		lines += s[i] == '\n';
	strata_err_clear(&err);
	strata_err_clear(&err2);
	rc = strata_rename_hints_parse(s, len, "f.sql", e, &h, &n, &err);
	rc2 = strata_rename_hints_parse(s, len, "f.sql", e, &h2, &n2, &err2);
	CHECK(rc == rc2 && n == n2, "two parses differ: %d/%zu, %d/%zu", rc, n, rc2, n2);
	if (rc) {
		CHECK(rc == STRATA_ESOURCE || rc == STRATA_ENOMEM, "rc %d", rc);
		CHECK(err.message && *err.message, "an error without a message");
		CHECK(!h && n == 0, "a failed parse left %zu hints", n);
		CHECK(err.line <= lines, "error line %d of %d", err.line, lines);
		CHECK(err.line <= 0 || !strcmp(err.file, "f.sql"), "error at a line without the file: %s", err.file);
	} else {
		CHECK(n == 0 || memmem(s, len, "strata:renamed", 14), "%zu hints without a hint comment", n);
		for (size_t i = 0; i < n; i++) {
			CHECK(h[i].kind == STRATA_OBJ_TABLE || h[i].kind == STRATA_OBJ_COLUMN, "kind %d", h[i].kind);
			CHECK(h[i].name && h[i].old_name, "hint %zu without names", i);
			CHECK((h[i].kind == STRATA_OBJ_COLUMN) == (h[i].parent != NULL), "hint %zu: parent", i);
			CHECK(h[i].line >= 1 && h[i].line <= lines, "hint line %d of %d", h[i].line, lines);
			CHECK(h[i].file && !strcmp(h[i].file, "f.sql"), "hint file");
			CHECK(!strcmp(h[i].name, h2[i].name) && !strcmp(h[i].old_name, h2[i].old_name) &&
				      h[i].line == h2[i].line,
			      "hint %zu differs between parses", i);
		}
	}
	strata_rename_hints_free(h, n);
	strata_rename_hints_free(h2, n2);
	strata_err_release(&err);
	strata_err_release(&err2);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	one(STRATA_ENGINE_POSTGRES, (const char *)data, size);
	one(STRATA_ENGINE_SQLITE, (const char *)data, size);
	return 0;
}
