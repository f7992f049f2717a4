/*
 * target_caps.c - what a target's engine does, asked by front ends that must
 * not compare engine ids themselves: features of its driver, and reading
 * scripts as that engine would (or, with no target known, as the strictest
 * dialect would). The public functions that name an engine (strata.h) find
 * its driver here too.
 */
#include "split.h"
#include "driver.h"
#include "directives.h"
#include "layout.h"

/* With no target: the reading that refuses the most (PostgreSQL's dollar quotes and E'' strings). */
#define NO_TARGET_DIALECT STRATA_DIALECT_POSTGRES

/*
 * The dialect an engine's scripts are written in: its driver's. The
 * strictest one when there is no such driver, as its scripts are still to be
 * read although no target of it could be opened.
 */
static enum strata_dialect engine_dialect(enum strata_engine engine)
{
	const struct strata_driver *drv = strata_driver_load(engine, NULL);

	return drv ? drv->dialect : NO_TARGET_DIALECT;
}

static enum strata_dialect target_dialect(const struct strata_target *t)
{
	return t ? engine_dialect(t->engine) : NO_TARGET_DIALECT;
}

int strata_target_supports(const struct strata_target *t, enum strata_target_feature f)
{
	const struct strata_driver *drv;

	if (!t)
		return 0;
	drv = strata_driver_load(t->engine, NULL);
	if (!drv)
		return 0;
	switch (f) {
	case STRATA_FEATURE_SESSION_TIMEOUTS:
		return (drv->caps & STRATA_CAP_SESSION_TIMEOUTS) != 0;
	}
	return 0;
}

int strata_source_check(const struct strata_source *src, enum strata_engine engine, struct strata_err *err)
{
	return strata_source_check_dialect(src, engine_dialect(engine), err);
}

enum strata_down_kind strata_down_kind(const struct strata_migration *m, enum strata_engine engine, char *why,
				       size_t whylen)
{
	return strata_down_kind_dialect(m, engine_dialect(engine), why, whylen);
}

int strata_source_check_target(const struct strata_source *src, const struct strata_target *t,
			       struct strata_err *err)
{
	/* Prisma's migration_lock.toml and Drizzle's journal name the engine their SQL is for */
	int rc = t ? strata_layout_check_provider(src, strata_driver_load(t->engine, NULL), err) : 0;

	return rc ? rc : strata_source_check_dialect(src, target_dialect(t), err);
}

enum strata_down_kind strata_down_kind_target(const struct strata_migration *m, const struct strata_target *t,
					      char *why, size_t whylen)
{
	return strata_down_kind_dialect(m, target_dialect(t), why, whylen);
}

const char *strata_target_driver_name(const char *url)
{
	struct strata_target *t = NULL;
	const struct strata_driver *drv;
	const char *name;

	if (!url || !*url || strata_target_parse(url, &t, NULL) != 0)
		return NULL;
	drv = strata_driver_load(t->engine, NULL);
	name = drv ? drv->name : NULL;
	strata_target_free(t);
	return name;
}
