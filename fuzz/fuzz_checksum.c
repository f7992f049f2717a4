/*
 * fuzz_checksum.c - libFuzzer target for the checksum normaliser
 * (src/checksum.c).
 *
 * The normaliser decides which edits of an applied migration go unnoticed,
 * so beyond never crashing it must keep what the lexer sees: in each
 * dialect where it succeeds, normalising its own output changes nothing (a
 * fixed point), and where the input splits, the output splits into as many
 * statements. strata_checksum_s1() must always give a tagged checksum.
 * Violations abort() with a message, which libFuzzer records.
 *
 * Build and run with fuzz/run.sh (clang, -fsanitize=fuzzer,address,undefined).
 */
#define _GNU_SOURCE
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "split.h"

#define CHECK(cond, ...)                                                                                      \
	do {                                                                                                  \
		if (!(cond)) {                                                                                \
			fprintf(stderr, "fuzz_checksum: %s: ", #cond);                                      \
			fprintf(stderr, __VA_ARGS__);                                                         \
			fputc('\n', stderr);                                                                  \
			abort();                                                                              \
		}                                                                                             \
	} while (0)

static void same_statements(const char *in, size_t len, const struct strata_buf *out, enum strata_dialect d)
{
	struct strata_split a = { 0 }, b = { 0 };

	if (strata_sql_split(in, len, d, &a, NULL) == 0) {
		CHECK(strata_sql_split(out->buf, out->len, d, &b, NULL) == 0, "normalised text does not split (dialect %d)",
		      (int)d);
		CHECK(strata_split_count(&a) == strata_split_count(&b), "%zu statements became %zu (dialect %d)",
		      strata_split_count(&a), strata_split_count(&b), (int)d);
	}
	strata_split_release(&a);
	strata_split_release(&b);
}

/* On success in dialect d: a fixed point, and where the input splits, as many statements. */
static void check(const char *in, size_t len, enum strata_dialect d)
{
	struct strata_buf a, b;

	strata_buf_init(&a);
	strata_buf_init(&b);
	if (strata_sql_normalise(in, len, d, &a) == 0 && !a.broken) {
		/* a byte order mark after a comment is a word, but where it leads the output it is white space */
		if (!(a.len >= 3 && memcmp(a.buf, "\xef\xbb\xbf", 3) == 0)) {
			CHECK(strata_sql_normalise(a.buf, a.len, d, &b) == 0, "normalised text falls back (dialect %d)",
			      (int)d);
			/* in a literal, CR CR LF becomes CR LF, and then LF */
			CHECK((a.len == b.len && memcmp(a.buf, b.buf, a.len) == 0) || memmem(in, len, "\r\r", 2),
			      "not a fixed point (dialect %d)", (int)d);
			same_statements(in, len, &a, d);
		}
	}
	strata_buf_release(&a);
	strata_buf_release(&b);
}

/* Normalise in dialect d and throw the text away: it must not crash, whatever it gives. */
static void normalise_only(const char *in, size_t len, enum strata_dialect d)
{
	struct strata_buf a;

	strata_buf_init(&a);
	(void)strata_sql_normalise(in, len, d, &a);
	strata_buf_release(&a);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *in = (const char *)data;
	char sum[STRATA_CHECKSUM_SIZE];

	check(in, size, STRATA_DIALECT_POSTGRES);
	check(in, size, STRATA_DIALECT_SQLITE);
	/*
	 * MySQL's normalised text is in no checksum yet (s1 reads PostgreSQL and
	 * SQLite), and DELIMITER lines do not always read back the same: its
	 * fixed point is checked with STRATA_FUZZ_MYSQL_NORMALISE=1 (as
	 * fuzz_lexer does) until an s2 checksum needs it always.
	 */
	if (getenv("STRATA_FUZZ_MYSQL_NORMALISE"))
		check(in, size, STRATA_DIALECT_MYSQL);
	else
		normalise_only(in, size, STRATA_DIALECT_MYSQL);
	strata_checksum_s1(in, size, sum);
	CHECK(strlen(sum) == 67 && memcmp(sum, "s1:", 3) == 0, "checksum %s", sum);
	return 0;
}
