/*
 * driver_pg_libpq.c - libpq, opened when the PostgreSQL driver first needs
 * it (see driver_pg_libpq.h): dlopen("libpq.so.5") and one dlsym() per
 * function into the table the driver calls through. strata is not linked
 * with libpq, so a command on SQLite never maps it, and a strata copied
 * alone into an image needs only the system's libpq5 to reach PostgreSQL.
 */
#include <dlfcn.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>

#define STRATA_LIBPQ_NO_CALLS
#include "util.h"
#include "driver_pg_libpq.h"

struct strata_libpq strata_libpq;

static pthread_mutex_t load_mu = PTHREAD_MUTEX_INITIALIZER;
static int loaded;

int strata_libpq_open(const char *soname, struct strata_libpq *out, struct strata_err *err)
{
	struct strata_libpq t;
	void *h = dlopen(soname, RTLD_NOW | RTLD_LOCAL);

	if (!h) {
		const char *why = dlerror();

		strata_err_set(err, STRATA_EUSAGE, "PostgreSQL support needs %s, which cannot be loaded: %s", soname,
			       why ? why : "not found");
		if (err)
			strata_err_hint(err,
				 "install the package that provides it (Debian and Ubuntu: apt-get install %s; "
				 "Fedora, RHEL and Alpine: libpq), or point LD_LIBRARY_PATH at the directory holding %s",
				 STRATA_LIBPQ_PACKAGE, soname);
		return STRATA_EUSAGE;
	}
	memset(&t, 0, sizeof(t));
#define STRATA_LIBPQ_RESOLVE(f)                                                                              \
	if (!(t.f = (__typeof__(t.f))dlsym(h, #f))) {                                                        \
		strata_err_set(err, STRATA_EUSAGE, "%s has no function %s: it is too old for strata", soname, #f); \
		if (err)                                                                                     \
			strata_err_hint(err, "install a newer %s", STRATA_LIBPQ_PACKAGE);                      \
		dlclose(h);                                                                                  \
		return STRATA_EUSAGE;                                                                        \
	}
	STRATA_LIBPQ_FUNCTIONS(STRATA_LIBPQ_RESOLVE)
#undef STRATA_LIBPQ_RESOLVE
	*out = t;
	return 0;
}

int strata_libpq_load(struct strata_err *err)
{
	int rc = 0;

	pthread_mutex_lock(&load_mu);
	if (!loaded) {
		rc = strata_libpq_open(STRATA_LIBPQ_SONAME, &strata_libpq, err);
		loaded = rc == 0;
	}
	pthread_mutex_unlock(&load_mu);
	return rc;
}
