/*
 * version_int.h - what the library does with exact versions besides what
 * strata.h offers (version.c): sort keys, the next version, and versions as
 * tracking tables made by earlier strata stored them.
 */
#ifndef STRATA_VERSION_INT_H
#define STRATA_VERSION_INT_H

#include "strata.h"

/* Room for a sort key of a version (strata_version_sortkey). */
#define STRATA_VERSION_KEY (STRATA_VERSION_MAX + 5)
/*
 * A key that orders versions numerically under strcmp: up to 20 digits
 * zero-padded to 20 (comparable with Diesel's digit strings as before), longer
 * ones after those, by length.
 */
void strata_version_sortkey(const struct strata_version *v, char key[STRATA_VERSION_KEY]);
/* v + 1 into *out (an unset v gives 1). 0 ok, -2 too long. */
int strata_version_next(const struct strata_version *v, struct strata_version *out);
/*
 * A version as a tracking table holds it: digits, or (tables made before
 * versions were exact) a negative signed 64-bit number standing for a version
 * above 2^63. 0 ok, -1 not a version.
 */
int strata_version_from_stored(const char *s, struct strata_version *v);

#endif
