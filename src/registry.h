/*
 * registry.h - the drivers strata knows (driver.c): how the rest of the
 * library finds one, for an engine or for a target string, without naming
 * any. Every driver handed out has passed strata_driver_check().
 */
#ifndef STRATA_REGISTRY_H
#define STRATA_REGISTRY_H
#include "driver.h"

struct strata_driver;

/*
 * Is `d` built for this strata's struct strata_driver (STRATA_DRIVER_ABI)?
 * 0 yes; STRATA_EUSAGE with err saying which driver and which versions.
 */
int strata_driver_check(const struct strata_driver *d, struct strata_err *err);
/* The drivers in registry order, skipping any that fail the check: start with *i = 0; NULL at the end. */
const struct strata_driver *strata_driver_next(size_t *i);
/*
 * The driver whose target `url` is: the first whose url_schemes prefix it,
 * else the first whose url_guess() takes it. 0 with *out (NULL when no
 * driver takes it), or STRATA_EUSAGE when none does and a driver was
 * refused by strata_driver_check() (err says why).
 */
int strata_driver_for_url(const char *url, const struct strata_driver **out, struct strata_err *err);
/* The url_schemes entry `url` starts with (compared without case), or NULL. */
const char *strata_driver_scheme(const struct strata_driver *d, const char *url);

#endif
