/*
 * driver.c - the registry of drivers and what all of them share.
 *
 * Adding a database is adding a driver_*.c file and one line here.
 */
#include <stdlib.h>

#include "internal.h"

const struct strata_driver *const strata_drivers[] = {
	&strata_driver_sqlite,
	&strata_driver_postgres,
	NULL,
};

const struct strata_driver *strata_driver_for(enum strata_engine e)
{
	int i;

	for (i = 0; strata_drivers[i]; i++)
		if (strata_drivers[i]->engine == e)
			return strata_drivers[i];
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
