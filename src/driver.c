/*
 * driver.c - the registry of drivers and what all of them share.
 *
 * Adding a database is adding a driver_*.c file and one row here: the
 * registry names drivers, never engines, and finds one for an engine or for a
 * target string by asking each (its url_schemes, then its url_guess()).
 * Every driver is compiled in; one that needs a client library opens it the
 * first time a target of its kind is used (driver_pg_libpq.c), so that a
 * command on an SQLite file does not pay for libpq and the libraries behind
 * it. A driver is handed out only when it was built for this layout of
 * struct strata_driver (STRATA_DRIVER_ABI).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "buf.h"
#include "util.h"
#include "driver.h"
#include "registry.h"

extern const struct strata_driver strata_driver_postgres;
extern const struct strata_driver strata_driver_sqlite;
extern const struct strata_driver strata_driver_mysql;

/* In the order the URL forms are listed in messages. */
static const struct strata_driver *const registry[] = {
	&strata_driver_postgres,
	&strata_driver_sqlite,
	&strata_driver_mysql,
};

#define NDRIVERS (sizeof(registry) / sizeof(registry[0]))

int strata_driver_check(const struct strata_driver *d, struct strata_err *err)
{
	if (d->abi == STRATA_DRIVER_ABI)
		return 0;
	strata_err_set(err, STRATA_EUSAGE, "the %s driver was built for driver interface %u, this strata has %u",
		       d->name ? d->name : "?", d->abi, (unsigned)STRATA_DRIVER_ABI);
	if (err)
		strata_err_hint(err, "rebuild the driver with this version of strata");
	return STRATA_EUSAGE;
}

/* The first registered driver that fails the check, or NULL. */
static const struct strata_driver *first_refused(void)
{
	size_t i;

	for (i = 0; i < NDRIVERS; i++)
		if (strata_driver_check(registry[i], NULL))
			return registry[i];
	return NULL;
}

const struct strata_driver *strata_driver_next(size_t *i)
{
	while (*i < NDRIVERS) {
		const struct strata_driver *d = registry[(*i)++];

		if (!strata_driver_check(d, NULL))
			return d;
	}
	return NULL;
}

const char *strata_driver_scheme(const struct strata_driver *d, const char *url)
{
	size_t k;

	for (k = 0; d->url_schemes && d->url_schemes[k]; k++)
		if (strncasecmp(url, d->url_schemes[k], strlen(d->url_schemes[k])) == 0)
			return d->url_schemes[k];
	return NULL;
}

int strata_driver_for_url(const char *url, const struct strata_driver **out, struct strata_err *err)
{
	const struct strata_driver *d, *refused;
	size_t i = 0;

	*out = NULL;
	while ((d = strata_driver_next(&i)) != NULL)
		if (strata_driver_scheme(d, url)) {
			*out = d;
			return 0;
		}
	i = 0;
	while ((d = strata_driver_next(&i)) != NULL)
		if (d->url_guess && d->url_guess(url)) {
			*out = d;
			return 0;
		}
	refused = first_refused();
	return refused ? strata_driver_check(refused, err) : 0;
}

const struct strata_driver *strata_driver_load(enum strata_engine e, struct strata_err *err)
{
	const struct strata_driver *d, *refused;
	size_t i = 0;

	while ((d = strata_driver_next(&i)) != NULL)
		if (d->engine == e)
			return d;
	refused = first_refused();
	if (refused)
		strata_driver_check(refused, err);
	else
		strata_err_set(err, STRATA_EUSAGE, "no driver for this kind of database");
	return NULL;
}

void strata_rows_free(struct strata_rows *r)
{
	size_t i;

	if (!r)
		return;
	for (i = 0; i < r->nrows * r->ncols; i++)
		free(r->cells[i]);
	free(r->cells);
	free(r);
}

/* PostgreSQL's upsert, which SQLite (3.24) took; key and cols are column names strata chose (not quoted). */
void strata_dialect_on_conflict(struct strata_buf *b, const char *key, const char *const *cols)
{
	size_t i;

	strata_buf_addf(b, " ON CONFLICT (%s) DO UPDATE SET ", key);
	for (i = 0; cols[i]; i++)
		strata_buf_addf(b, "%s%s = excluded.%s", i ? ", " : "", cols[i], cols[i]);
}
