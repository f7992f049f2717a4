/*
 * target_caps.c - what a target's engine does, asked by front ends that must
 * not compare engine ids themselves: features of its driver, and reading
 * scripts as that engine would (or, with no target known, as the strictest
 * one would).
 */
#include "internal.h"

/* With no target: the reading that refuses the most (PostgreSQL's dollar quotes and E'' strings). */
#define NO_TARGET_ENGINE STRATA_ENGINE_POSTGRES

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
		/* the PostgreSQL dialect's sessions take SET lock_timeout / statement_timeout (driver_pg.c connect) */
		return drv->dialect == STRATA_DIALECT_POSTGRES;
	}
	return 0;
}

int strata_source_check_target(const struct strata_source *src, const struct strata_target *t,
			       struct strata_err *err)
{
	return strata_source_check(src, t ? t->engine : NO_TARGET_ENGINE, err);
}

enum strata_down_kind strata_down_kind_target(const struct strata_migration *m, const struct strata_target *t,
					      char *why, size_t whylen)
{
	return strata_down_kind(m, t ? t->engine : NO_TARGET_ENGINE, why, whylen);
}
