/*
 * layout_flyway.h - Flyway's migration files (layout_flyway.c): names
 * (V<version>__<desc>.sql, U<version>__ downs, R__<desc>.sql repeatables,
 * V<version>__<desc>.java), Flyway's part-wise versions mapped onto strata's
 * exact digit versions, the reserved versions that record repeatables,
 * Flyway's CRC32 checksum and its ${placeholder} replacement. Pure: no
 * allocation but the replaced text (fuzzed through strata_flyway_parse_name).
 */
#ifndef STRATA_LAYOUT_FLYWAY_H
#define STRATA_LAYOUT_FLYWAY_H

#include <stddef.h>
#include <stdint.h>

#include "strata.h"

/* A Flyway version has at most this many parts (V1.2.3.4); parts after the first at most this many digits. */
#define STRATA_FLYWAY_PARTS 4
#define STRATA_FLYWAY_PART_DIGITS 9
/* ... and the first part at most this many (timestamps fit: V20240101120000). */
#define STRATA_FLYWAY_FIRST_DIGITS 30

enum strata_flyway_kind {
	STRATA_FLYWAY_NONE = 0,   /* not a Flyway name */
	STRATA_FLYWAY_VERSIONED,  /* V<version>__<desc>.sql */
	STRATA_FLYWAY_UNDO,       /* U<version>__<desc>.sql */
	STRATA_FLYWAY_REPEATABLE, /* R__<desc>.sql */
	STRATA_FLYWAY_JAVA,       /* V<version>__<desc>.java: a Java migration, listed, never run */
	STRATA_FLYWAY_OTHER,      /* V<version>__<desc>.<anything else> (.md, .txt): Flyway ignores it */
};

struct strata_flyway_name {
	enum strata_flyway_kind kind;
	struct strata_version version; /* the version as strata stores it (repeatables: the reserved one) */
	size_t ver_off, ver_len;       /* the version as written ("2.1", "1_10"); 0 for repeatables */
	size_t desc_off, desc_len;     /* the description ("add_x") */
	const char *why;               /* on error: what is wrong (static) */
};

/*
 * Classify a file name by Flyway's default naming. Returns 0 (kind NONE when
 * it is no Flyway name: not V/U/R + version + "__"), or -1 with out->why
 * when it is one but cannot be read (a version part that is not digits,
 * more parts or wider parts than strata maps). Allocation-free.
 */
int strata_flyway_parse_name(const char *name, struct strata_flyway_name *out);

/*
 * A Flyway version as written ("2.1", "1_10", "69.3") into the digits strata
 * stores: the parts compared as integers become one number whose order is
 * Flyway's (the first part, then each later part zero-padded to
 * STRATA_FLYWAY_PART_DIGITS, STRATA_FLYWAY_PARTS parts in all), so 1.10 >
 * 1.9 and 2 == 2.0. 0, or -1 with *why set.
 */
int strata_flyway_version(const char *s, size_t len, struct strata_version *v, const char **why);
/* strata_flyway_version_text (strata.h): back from stored digits to Flyway's "2.1". */

/*
 * The version a repeatable is recorded under: above every versioned one
 * (60 digits: 40 nines, then a 64-bit hash of the description), so that its
 * row in the tracking table is keyed by its description.
 */
void strata_flyway_repeatable_version(const char *desc, size_t len, struct strata_version *v);
/* Is v in the range reserved for repeatables? */
int strata_flyway_is_repeatable_version(const struct strata_version *v);
/* strata_migration_repeatable (strata.h): is m a Flyway repeatable? */

/*
 * Flyway's checksum: CRC32 over the file's lines, each line's bytes without
 * its line break (\n, \r\n or \r), a UTF-8 BOM at the start skipped; as
 * Flyway stores it, a signed 32-bit int.
 */
int32_t strata_flyway_crc(const char *text, size_t len);

/* Placeholder values: name=value pairs (the caller's, borrowed). */
struct strata_flyway_vars {
	const char *const *names;
	const char *const *values;
	size_t n;
};
/*
 * Replace each ${name} of `text` by its value (first in `a`, then in `b`;
 * either may be NULL). Returns 0 with *out a malloc'ed copy (NULL when
 * nothing was replaced), -1 out of memory, or 1 for an unresolved
 * placeholder: *bad_off and *bad_len say where its name is.
 */
int strata_flyway_replace(const char *text, size_t len, const struct strata_flyway_vars *a,
			  const struct strata_flyway_vars *b, char **out, size_t *outlen, size_t *bad_off,
			  size_t *bad_len);

#endif
