/*
 * driver.c - the registry of drivers and what all of them share.
 *
 * Adding a database is adding a driver_*.c file and one row here. SQLite is
 * built in. Server drivers are modules (strata-pg.so) loaded the first time
 * a target needs one, so that a command on an SQLite file does not pay for
 * loading libpq and the dozen libraries behind it (most of a cold start).
 * A module is looked for beside the executable (the build tree), then in
 * the installed module directory relative to the executable and to
 * libstrata.so itself (a program that embeds the shared library), then in
 * the configured one, or in $STRATA_DRIVER_DIR when set.
 */
#define _GNU_SOURCE /* dladdr */
#include <dlfcn.h>
#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "internal.h"

#ifndef STRATA_MODULE_RELDIR
#define STRATA_MODULE_RELDIR "../lib/strata"
#endif
#ifndef STRATA_MODULE_DIR
#define STRATA_MODULE_DIR "/usr/local/lib/strata"
#endif

struct driver_row {
	enum strata_engine engine;
	const struct strata_driver *builtin; /* or NULL: load `module` */
	const char *module;                  /* file name of the module */
	const char *symbol;                  /* the struct strata_driver it exports */
	const char *package;                 /* what to install when it is missing */
};

static const struct driver_row registry[] = {
	{ STRATA_ENGINE_SQLITE, &strata_driver_sqlite, NULL, NULL, NULL },
	{ STRATA_ENGINE_POSTGRES, NULL, "strata-pg.so", "strata_driver_postgres", "libpq5" },
};

static pthread_mutex_t load_mu = PTHREAD_MUTEX_INITIALIZER;
static const struct strata_driver *loaded[sizeof(registry) / sizeof(registry[0])];

static void *try_open(const char *dir, const char *rel, const char *file, struct strata_buf *tried)
{
	char path[PATH_MAX];
	void *h;

	if (rel)
		snprintf(path, sizeof(path), "%s/%s/%s", dir, rel, file);
	else
		snprintf(path, sizeof(path), "%s/%s", dir, file);
	if (access(path, F_OK) != 0) {
		strata_buf_addf(tried, "%s%s", tried->len ? ", " : "", path);
		return NULL;
	}
	h = dlopen(path, RTLD_NOW | RTLD_LOCAL);
	if (!h)
		strata_buf_addf(tried, "%s%s (%s)", tried->len ? ", " : "", path, dlerror());
	return h;
}

static const struct strata_driver *load_module(const struct driver_row *row, struct strata_err *err)
{
	struct strata_buf tried;
	char exe[PATH_MAX], *slash;
	const char *env = getenv("STRATA_DRIVER_DIR");
	const struct strata_driver *drv = NULL;
	void *h = NULL;
	ssize_t n;

	strata_buf_init(&tried);
	if (env && *env)
		h = try_open(env, NULL, row->module, &tried);
	n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	if (!h && n > 0) {
		exe[n] = '\0';
		slash = strrchr(exe, '/');
		if (slash) {
			*slash = '\0';
			h = try_open(exe, NULL, row->module, &tried);
			if (!h)
				h = try_open(exe, STRATA_MODULE_RELDIR, row->module, &tried);
		}
	}
	if (!h) {
		/* libstrata.so in LIBDIR: the modules are in LIBDIR/strata, wherever it was installed */
		Dl_info info;

		if (dladdr((void *)strata_driver_load, &info) && info.dli_fname &&
		    snprintf(exe, sizeof(exe), "%s", info.dli_fname) < (int)sizeof(exe) && (slash = strrchr(exe, '/')) &&
		    strstr(slash, ".so")) {
			*slash = '\0';
			h = try_open(exe, "strata", row->module, &tried);
		}
	}
	if (!h)
		h = try_open(STRATA_MODULE_DIR, NULL, row->module, &tried);
	if (h)
		drv = dlsym(h, row->symbol);
	if (!drv) {
		strata_err_set(err, STRATA_EUSAGE, "the %s driver is not available: %s not found or not loadable (%s)",
			       row->engine == STRATA_ENGINE_POSTGRES ? "PostgreSQL" : "database", row->module,
			       tried.len ? tried.buf : "no candidate path");
		if (err)
			strata_err_hint(err,
				 "install strata with its drivers (make install), or point STRATA_DRIVER_DIR at the "
				 "directory holding %s; it needs %s",
				 row->module, row->package);
		if (h)
			dlclose(h);
	}
	strata_buf_release(&tried);
	return drv;
}

const struct strata_driver *strata_driver_load(enum strata_engine e, struct strata_err *err)
{
	const struct strata_driver *drv = NULL;
	size_t i;

	for (i = 0; i < sizeof(registry) / sizeof(registry[0]); i++) {
		if (registry[i].engine != e)
			continue;
		if (registry[i].builtin)
			return registry[i].builtin;
		pthread_mutex_lock(&load_mu);
		if (!loaded[i])
			loaded[i] = load_module(&registry[i], err);
		drv = loaded[i];
		pthread_mutex_unlock(&load_mu);
		return drv;
	}
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
