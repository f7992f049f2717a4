/*
 * layout.c - which tool's own layout a directory is in (layout.h), the
 * loader for it, and whether the engine the directory says it is for is the
 * target's.
 */
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "util.h"
#include "driver.h"
#include "layout.h"

enum strata_layout strata_layout_detect(int dfd)
{
	if (faccessat(dfd, "migration_lock.toml", F_OK, 0) == 0)
		return STRATA_LAYOUT_PRISMA;
	if (faccessat(dfd, "meta/_journal.json", F_OK, 0) == 0)
		return STRATA_LAYOUT_DRIZZLE;
	return 0;
}

int strata_layout_prisma_dir(int dfd, const char *name)
{
	char p[4096];

	snprintf(p, sizeof(p), "%s/up.sql", name);
	if (faccessat(dfd, p, F_OK, 0) == 0)
		return 0;
	snprintf(p, sizeof(p), "%s/migration.sql", name);
	return faccessat(dfd, p, F_OK, 0) == 0;
}

void strata_layout_load(struct loader *L, enum strata_layout lay, DIR *d, const char *rp)
{
	if (lay == STRATA_LAYOUT_PRISMA)
		strata_layout_prisma_load(L, d, rp);
	else if (lay == STRATA_LAYOUT_DRIZZLE)
		strata_layout_drizzle_load(L, d, rp);
}

/* The URL scheme that names the provider's engine (Prisma's and Drizzle's words for them). */
static const char *provider_scheme(const char *p)
{
	static const struct {
		const char *provider, *scheme;
	} map[] = {
		{ "postgresql", "postgresql:" }, { "postgres", "postgresql:" }, { "cockroachdb", "postgresql:" },
		{ "sqlite", "sqlite:" },	 { "turso", "sqlite:" },	{ "mysql", "mysql:" },
		{ "singlestore", "mysql:" },	 { NULL, NULL },
	};
	size_t i;

	for (i = 0; map[i].provider; i++)
		if (strcmp(p, map[i].provider) == 0)
			return map[i].scheme;
	return NULL;
}

int strata_layout_check_provider(const struct strata_source *src, const struct strata_driver *drv,
				 struct strata_err *err)
{
	const char *want;
	size_t i;

	if (!src || !src->provider || !drv)
		return 0;
	want = provider_scheme(src->provider);
	for (i = 0; want && drv->url_schemes && drv->url_schemes[i]; i++)
		if (strncmp(drv->url_schemes[i], want, strlen(want)) == 0)
			return 0;
	strata_err_set(err, STRATA_EUSAGE,
		       "%s says these migrations are written for %s, but the database is %s: %s's SQL is not "
		       "%s's",
		       src->provider_file, src->provider, drv->name, src->provider, drv->name);
	if (err) {
		snprintf(err->file, sizeof(err->file), "%s", src->provider_file);
		strata_err_hint(err, "point strata at the directory written for this database's engine (or the "
				     "database at the engine the directory is written for)");
	}
	return STRATA_EUSAGE;
}

int strata_source_create_in_layout(const struct strata_source *src, const char *dir, const char *slug, char *path,
				   size_t pathlen, struct strata_err *err)
{
	struct timespec ts;

	if (src && src->layout == STRATA_LAYOUT_PRISMA)
		return strata_prisma_create(src, dir, slug, path, pathlen, err);
	if (src && src->layout == STRATA_LAYOUT_DRIZZLE) {
		clock_gettime(CLOCK_REALTIME, &ts);
		return strata_drizzle_create(dir, slug, (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000, path, pathlen,
					     err);
	}
	return strata_err_set(err, STRATA_EUSAGE, "the directory is in no tool's own layout");
}
