/*
 * fuzz_ini.c - libFuzzer target for strata.ini: strata_config_read_stream()
 * (src/config.c, on inih) reading the input through fmemopen(), as
 * strata_config_read_file() reads a file.
 *
 * Besides the sanitizers' checks (and LeakSanitizer's: a config filled half
 * way before an error must still be released whole), the target asserts:
 * the result is 0, STRATA_EUSAGE or STRATA_ENOMEM; an error has a message
 * and, when it names a file, names the stream's and a line from 1 up;
 * booleans are -1, 0 or 1; every string value read is a piece of the input;
 * a lock_wait that was set parsed as a duration; a second read of the same
 * input into a config that already holds values gives the same values.
 * Violations print what went wrong and trap.
 * Seeds: fuzz/corpus/ini/ (one file per seed).
 */
#define _GNU_SOURCE
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "strata.h"


#define NAME "fuzz.ini"

#define CHECK(cond, ...)                                                \
	do {                                                            \
		if (!(cond)) {                                          \
			fprintf(stderr, "fuzz_ini: %s failed: ", #cond); \
			fprintf(stderr, __VA_ARGS__);                   \
			fputc('\n', stderr);                            \
			__builtin_trap();                               \
		}                                                       \
	} while (0)

static int read_into(const uint8_t *data, size_t size, struct strata_config *c, struct strata_err *err)
{
	/* fmemopen of 0 bytes fails on some libcs: an empty file is one with no bytes to read */
	static const char empty[1] = "";
	FILE *fp = fmemopen(size ? (void *)data : (void *)empty, size ? size : 1, "r");
	int rc;

	if (!fp)
		return -100;
	if (!size)
		(void)fgetc(fp);
	strata_err_release(err);
	rc = strata_config_read_stream(fp, NAME, c, err);
	fclose(fp);
	return rc;
}

static void check_value(const uint8_t *data, size_t size, const char *what, const char *v)
{
	if (!v)
		return;
	CHECK(memmem(data, size, v, strlen(v)) != NULL, "%s \"%s\" is not in the input", what, v);
}

static int streq(const char *a, const char *b)
{
	return (!a && !b) || (a && b && strcmp(a, b) == 0);
}

/* The same list of migrations directories in both. */
static int same_paths(const struct strata_config *a, const struct strata_config *b)
{
	size_t k;

	if (a->npaths != b->npaths)
		return 0;
	for (k = 0; k < a->npaths; k++)
		if (!streq(a->paths[k], b->paths[k]))
			return 0;
	return 1;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct strata_config c, c2;
	struct strata_err err = { 0 }, err2 = { 0 };
	int rc, rc2;

	if (size > 65536)
		return 0;
	strata_config_init(&c);
	rc = read_into(data, size, &c, &err);
	if (rc == -100) {
		strata_config_release(&c);
		return 0;
	}
	CHECK(rc == 0 || rc == STRATA_EUSAGE || rc == STRATA_ENOMEM, "rc %d", rc);
	if (rc) {
		CHECK(err.code == rc, "err.code %d, rc %d", err.code, rc);
		CHECK(err.message[0] != '\0', "empty message");
		CHECK(err.file[0] == '\0' || strcmp(err.file, NAME) == 0, "file \"%s\"", err.file);
		CHECK(err.file[0] == '\0' || err.line >= 1, "line %d", err.line);
		CHECK(rc != STRATA_EUSAGE || strstr(err.message, NAME) != NULL, "message does not name the file: %s", err.message);
	}
	CHECK(c.single_transaction >= -1 && c.single_transaction <= 1, "single_transaction %d", c.single_transaction);
	CHECK(c.allow_out_of_order >= -1 && c.allow_out_of_order <= 1, "allow_out_of_order %d", c.allow_out_of_order);
	CHECK(c.allow_modified >= -1 && c.allow_modified <= 1, "allow_modified %d", c.allow_modified);
	CHECK(!c.lock_wait_set || c.lock_wait == -1 || c.lock_wait >= 0, "lock_wait %g", c.lock_wait);
	check_value(data, size, "database", c.database);
	for (size_t k = 0; k < c.npaths; k++)
		CHECK(c.paths[k] && c.paths[k][0], "empty path %zu", k);
	check_value(data, size, "table", c.table);

	/* read again into a config that already holds values: the same result, nothing leaked */
	rc2 = read_into(data, size, &c, &err2);
	if (rc2 != -100) {
		CHECK(rc2 == rc, "second read: rc %d, first %d", rc2, rc);
		strata_config_init(&c2);
		rc2 = read_into(data, size, &c2, &err2);
		if (rc2 != -100 && rc == 0) {
			CHECK(streq(c.database, c2.database) && same_paths(&c, &c2) && streq(c.table, c2.table),
			      "second read differs");
			CHECK(c.lock_wait_set == c2.lock_wait_set && c.single_transaction == c2.single_transaction &&
				      c.allow_modified == c2.allow_modified &&
				      c.allow_out_of_order == c2.allow_out_of_order,
			      "second read differs");
		}
		strata_config_release(&c2);
	}
	strata_config_release(&c);
	strata_err_release(&err);
	strata_err_release(&err2);
	CHECK(c.database == NULL && c.paths == NULL && c.npaths == 0 && c.table == NULL, "release left values");
	return 0;
}
