/*
 * fuzz_directives.c - libFuzzer target for strata_directives_parse(), which
 * reads the `-- strata:NAME [ARGUMENT]` comment lines of a migration
 * (src/directives.c) on top of the SQL splitter.
 *
 * Each input is parsed as a PostgreSQL and as an SQLite script. Besides the
 * sanitizers' checks, the target asserts the contract of directives.h: on
 * success every require/verify condition is a non-empty single line taken
 * from the script (unless a NUL byte, which source.c refuses before, cuts
 * it short), with a line number inside it, the timeout is 0 or
 * positive, and a script without "strata:" has no directives at all; on
 * failure the code is STRATA_ESOURCE with a message and a line inside the
 * script, and the result is left empty. A second parse gives the same
 * answer. Violations print what went wrong and trap.
 * Seeds: fuzz/corpus/directives/ (one script per file).
 */
#define _GNU_SOURCE
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"
#include "split.h"
#include "directives.h"

#define CHECK(cond, ...)                                                                   \
	do {                                                                               \
		if (!(cond)) {                                                             \
			fprintf(stderr, "fuzz_directives: dialect %d: %s failed: ", d, #cond); \
			fprintf(stderr, __VA_ARGS__);                                      \
			fputc('\n', stderr);                                               \
			__builtin_trap();                                                  \
		}                                                                          \
	} while (0)

static void check_list(enum strata_dialect d, const char *s, size_t len, char **list, const int *lines, size_t n,
		       int nlines)
{
	size_t i;

	CHECK(n == 0 || (list && lines), "list of %zu without storage", n);
	for (i = 0; i < n; i++) {
		CHECK(list[i] != NULL, "condition %zu is NULL", i);
		/* a NUL byte cuts a condition short (source.c refuses files with NUL bytes) */
		CHECK(list[i][0] != '\0' || memchr(s, '\0', len), "condition %zu is empty", i);
		CHECK(!strchr(list[i], '\n'), "condition %zu spans lines", i);
		CHECK(memmem(s, len, list[i], strlen(list[i])) != NULL, "condition %zu \"%s\" not in the script", i,
		      list[i]);
		CHECK(lines[i] >= 1 && lines[i] <= nlines, "condition %zu on line %d of %d", i, lines[i], nlines);
	}
}

static int same(const struct strata_directives *a, const struct strata_directives *b)
{
	size_t i;

	if (a->no_transaction != b->no_transaction || a->nrequire != b->nrequire || a->nverify != b->nverify ||
	    a->timeout != b->timeout)
		return 0;
	for (i = 0; i < a->nrequire; i++)
		if (strcmp(a->require[i], b->require[i]) || a->require_line[i] != b->require_line[i])
			return 0;
	for (i = 0; i < a->nverify; i++)
		if (strcmp(a->verify[i], b->verify[i]) || a->verify_line[i] != b->verify_line[i])
			return 0;
	return 1;
}

static void check_parse(const char *s, size_t len, enum strata_dialect d)
{
	struct strata_directives dv, again;
	struct strata_err err = { 0 }, err2 = { 0 };
	int rc, rc2, nlines = strata_line_of(s, len, len);

	memset(&dv, 0x5a, sizeof(dv)); /* the parser must not rely on a zeroed struct */
	strata_err_release(&err);
	rc = strata_directives_parse(s, len, d, &dv, &err);
	if (rc) {
		CHECK(rc == STRATA_ESOURCE || rc == STRATA_ENOMEM, "rc %d", rc);
		CHECK(err.code == rc, "err.code %d, rc %d", err.code, rc);
		CHECK(err.message[0] != '\0', "empty message");
		if (rc == STRATA_ESOURCE)
			CHECK(err.line >= 1 && err.line <= nlines, "error line %d of %d: %s", err.line, nlines,
			      err.message);
		CHECK(dv.require == NULL && dv.verify == NULL && dv.nrequire == 0 && dv.nverify == 0 &&
			      dv.require_line == NULL && dv.verify_line == NULL,
		      "result not empty after an error");
	} else {
		CHECK(dv.no_transaction == 0 || dv.no_transaction == 1, "no_transaction %d", dv.no_transaction);
		CHECK(dv.timeout == 0 || dv.timeout > 0, "timeout %g", dv.timeout);
		check_list(d, s, len, dv.require, dv.require_line, dv.nrequire, nlines);
		check_list(d, s, len, dv.verify, dv.verify_line, dv.nverify, nlines);
		if (!memmem(s, len, "strata:", 7))
			CHECK(!dv.no_transaction && !dv.nrequire && !dv.nverify && dv.timeout == 0,
			      "directives without \"strata:\"");
	}

	/* the same input gives the same answer */
	strata_err_release(&err2);
	rc2 = strata_directives_parse(s, len, d, &again, &err2);
	CHECK(rc2 == rc, "second parse: rc %d, first %d", rc2, rc);
	if (rc)
		CHECK(err2.line == err.line && strcmp(err2.message, err.message) == 0, "second error differs");
	else
		CHECK(same(&dv, &again), "second parse differs");
	strata_directives_release(&again);
	strata_directives_release(&dv);
	strata_err_release(&err);
	strata_err_release(&err2);
	CHECK(dv.require == NULL && dv.nrequire == 0 && dv.verify == NULL && dv.nverify == 0, "release left data");
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	/* a copy without a terminating NUL, so that reading past the end is caught */
	char *s = malloc(size ? size : 1);

	if (!s)
		return 0;
	memcpy(s, data, size);
	check_parse(s, size, STRATA_DIALECT_POSTGRES);
	check_parse(s, size, STRATA_DIALECT_SQLITE);
	free(s);
	return 0;
}
