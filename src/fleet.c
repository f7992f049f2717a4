/*
 * fleet.c - the same command on many targets: SQLite files matched by a
 * glob, a file of URLs, or every matching schema of one PostgreSQL database.
 *
 * Targets are streamed (a targets file is read line by line as workers ask
 * for more), so memory does not grow with their number; the migration files
 * are read once by the caller and shared read-only by every worker. Each
 * worker keeps its connection while the next target lives in the same
 * PostgreSQL database and only moves its search_path. Every target runs
 * under its own lock, exactly as a single `strata` would.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fnmatch.h>
#include <glob.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "buf.h"
#include "util.h"
#include "driver.h"
#include "db.h"
#include "url.h"
#include "reason.h"
#include "cancel.h"

enum targets_kind { T_GLOB = 1, T_FILE, T_SCHEMAS };

struct strata_targets {
	enum targets_kind kind;
	glob_t g;                  /* T_GLOB: the matching files */
	size_t gi;
	char *query;               /* T_GLOB: the URL's query (x-migrations-table=...), or NULL */
	const char *scheme;        /* T_GLOB: what makes a target of a path (the driver's file_scheme) */
	FILE *fp;                  /* T_FILE: the list, read as it goes */
	const char *file;
	int lineno;
	char **schemas;            /* T_SCHEMAS: matching schema names */
	size_t ns, si;
	char *base;                /* T_SCHEMAS: the database URL */
};

static int has_glob(const char *s, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (s[i] == '*' || s[i] == '?' || s[i] == '[')
			return 1;
	return 0;
}

int strata_is_fleet(const char *database, const char *targets_file, const char *schemas)
{
	const char *p, *scheme;
	size_t n;

	if (targets_file || schemas)
		return 1;
	return database && (p = strata_target_file(database, &n, &scheme)) != NULL && has_glob(p, n);
}

void strata_targets_close(struct strata_targets *ts)
{
	size_t i;

	if (!ts)
		return;
	if (ts->kind == T_GLOB)
		globfree(&ts->g);
	if (ts->fp)
		fclose(ts->fp);
	for (i = 0; i < ts->ns; i++)
		free(ts->schemas[i]);
	free(ts->schemas);
	free(ts->base);
	free(ts->query);
	free(ts);
}

static int list_schemas(struct strata_targets *ts, const char *database, const char *pattern, struct strata_err *err)
{
	const struct strata_driver *drv;
	struct strata_target *t;
	struct strata_db *db;
	struct strata_rows *r;
	struct strata_opts o;
	size_t i;
	int rc;

	rc = strata_target_parse(database, &t, err);
	if (rc)
		return rc;
	drv = strata_driver_load(t->engine, err);
	if (!drv) {
		strata_target_free(t);
		return err ? err->code : STRATA_EUSAGE;
	}
	if (!drv->sql->schemas_query) { /* an engine without schemas */
		strata_target_free(t);
		return strata_err_setr(err, STRATA_EUSAGE, STRATA_R_SCHEMAS,
				       "a fleet over schemas needs a PostgreSQL database");
	}
	strata_opts_init(&o);
	o.read_only = 1;
	rc = strata_db_open(t, &o, &db, err);
	if (rc) {
		strata_target_free(t);
		return rc;
	}
	rc = db->drv->query(db->conn, db->drv->sql->schemas_query, 0, NULL, &r, err);
	strata_db_close(db);
	strata_target_free(t);
	if (rc)
		return rc;
	ts->schemas = calloc(r->nrows ? r->nrows : 1, sizeof(char *));
	if (!ts->schemas) {
		strata_rows_free(r);
		return strata_err_set(err, STRATA_ENOMEM, "out of memory");
	}
	for (i = 0; i < r->nrows; i++) {
		const char *name = strata_rows_get(r, i, 0);

		if (name && fnmatch(pattern, name, 0) == 0) {
			ts->schemas[ts->ns] = strata_strdup(name);
			if (!ts->schemas[ts->ns++]) {
				strata_rows_free(r);
				return strata_err_set(err, STRATA_ENOMEM, "out of memory");
			}
		}
	}
	strata_rows_free(r);
	if (!ts->ns)
		return strata_err_set(err, STRATA_EUSAGE, "no schema matches %s", pattern);
	return 0;
}

int strata_targets_open(const char *database, const char *targets_file, const char *schemas,
			struct strata_targets **out, struct strata_err *err)
{
	struct strata_targets *ts;
	const char *path, *scheme;
	size_t n;
	int rc = 0;

	*out = NULL;
	ts = calloc(1, sizeof(*ts));
	if (!ts)
		return strata_err_set(err, STRATA_ENOMEM, "out of memory");
	if (targets_file) {
		ts->kind = T_FILE;
		ts->file = targets_file;
		ts->fp = strcmp(targets_file, "-") == 0 ? fdopen(dup(0), "r") : fopen(targets_file, "r");
		if (!ts->fp) {
			rc = strata_err_set(err, STRATA_EUSAGE, "cannot read targets file %s: %s", targets_file,
					    strerror(errno));
		} else if (strcmp(targets_file, "-") != 0) {
			/* a bad line is found before any target is touched: read it all once, keeping nothing */
			struct strata_target *t;
			size_t n = 0;

			while ((rc = strata_targets_next(ts, &t, err)) == 1) {
				strata_target_free(t);
				n++;
			}
			if (!rc && !n)
				rc = strata_err_set(err, STRATA_EUSAGE, "%s lists no database", targets_file);
			rewind(ts->fp);
			ts->lineno = 0;
		}
	} else if (schemas) {
		ts->kind = T_SCHEMAS;
		ts->base = strata_strdup(database);
		rc = !database ? strata_err_setr(err, STRATA_EUSAGE, STRATA_R_SCHEMAS,
						 "a fleet over schemas needs the PostgreSQL database they are in")
			       : list_schemas(ts, database, schemas, err);
	} else if (database && (path = strata_target_file(database, &n, &scheme)) != NULL) {
		char *pattern = strata_strndup(path, n);

		ts->kind = T_GLOB;
		ts->scheme = scheme;
		if (path[n])
			ts->query = strata_strdup(path + n);
		if (!pattern || (path[n] && !ts->query)) {
			free(pattern);
			ts->kind = 0;
			strata_targets_close(ts);
			return strata_err_set(err, STRATA_ENOMEM, "out of memory");
		}
		rc = glob(pattern, 0, NULL, &ts->g);
		if (rc == GLOB_NOMATCH)
			rc = strata_err_set(err, STRATA_EUSAGE, "no file matches %s", pattern);
		else if (rc)
			rc = strata_err_set(err, STRATA_EIO, "cannot expand %s", pattern);
		free(pattern);
	} else {
		rc = strata_err_set(err, STRATA_EUSAGE, "not a fleet: %s", database ? database : "(no database)");
	}
	if (rc) {
		if (ts->kind == T_GLOB && ts->g.gl_pathc == 0)
			ts->kind = 0; /* nothing for globfree */
		strata_targets_close(ts);
		return rc;
	}
	*out = ts;
	return 0;
}

int strata_targets_next(struct strata_targets *ts, struct strata_target **out, struct strata_err *err)
{
	struct strata_buf b;
	int rc;

	*out = NULL;
	switch (ts->kind) {
	case T_GLOB:
		if (ts->gi >= ts->g.gl_pathc)
			return 0;
		strata_buf_init(&b);
		strata_buf_addf(&b, "%s%s%s", ts->scheme, ts->g.gl_pathv[ts->gi++], ts->query ? ts->query : "");
		if (b.broken)
			return strata_err_set(err, STRATA_ENOMEM, "out of memory");
		rc = strata_target_parse(b.buf, out, err);
		strata_buf_release(&b);
		return rc ? rc : 1;
	case T_SCHEMAS:
		if (ts->si >= ts->ns)
			return 0;
		rc = strata_target_parse(ts->base, out, err);
		if (rc)
			return rc;
		(*out)->schema = strata_strdup(ts->schemas[ts->si]);
		strata_buf_init(&b);
		strata_buf_addf(&b, "%s (schema %s)", (*out)->display, ts->schemas[ts->si++]);
		free((*out)->display);
		(*out)->display = strata_buf_detach(&b, NULL);
		if (!(*out)->schema || !(*out)->display) {
			strata_target_free(*out);
			*out = NULL;
			return strata_err_set(err, STRATA_ENOMEM, "out of memory");
		}
		return 1;
	case T_FILE: {
		char line[8192];

		while (fgets(line, sizeof(line), ts->fp)) {
			char *s = line, *e;

			ts->lineno++;
			if (!strchr(line, '\n') && !feof(ts->fp))
				return strata_err_set(err, STRATA_EUSAGE, "%s:%d: line too long", ts->file, ts->lineno);
			while (*s == ' ' || *s == '\t')
				s++;
			e = s + strlen(s);
			while (e > s && (e[-1] == '\n' || e[-1] == '\r' || e[-1] == ' ' || e[-1] == '\t'))
				*--e = '\0';
			if (!*s || *s == '#')
				continue;
			rc = strata_target_parse(s, out, err);
			if (rc) {
				strata_err_prefix(err, "%s:%d: ", ts->file, ts->lineno);
				return rc;
			}
			return 1;
		}
		return 0;
	}
	}
	return 0;
}

/* ------------------------------------------------------------------ workers */

struct fleet {
	pthread_mutex_t mu;
	struct strata_targets *ts;
	const struct strata_fleet_opts *fo;
	struct strata_opts dbo;
	strata_fleet_work_fn work;
	strata_fleet_done_fn done;
	void *ud;
	struct strata_fleet_summary *sum;
	size_t handed;           /* targets handed out */
	size_t limit;            /* hand out no more than this (canary), 0: no limit */
	int stop;                /* fail-fast or a stream error */
	int rc;                  /* stream error */
	struct strata_err err;
};

static void *worker(void *arg)
{
	struct fleet *f = arg;
	struct strata_db *db = NULL;
	struct strata_target *cur = NULL;

	for (;;) {
		struct strata_fleet_item item;
		struct strata_target *t = NULL;
		double t0;
		int rc;

		pthread_mutex_lock(&f->mu);
		if (strata_cancel_everyone() || strata_cancel_tripped(f->dbo.cancel))
			f->stop = 1;
		if (f->stop || (f->limit && f->handed >= f->limit)) {
			pthread_mutex_unlock(&f->mu);
			break;
		}
		rc = strata_targets_next(f->ts, &t, &f->err);
		if (rc <= 0) {
			if (rc < 0) {
				f->rc = rc;
				f->stop = 1;
			}
			pthread_mutex_unlock(&f->mu);
			break;
		}
		memset(&item, 0, sizeof(item));
		strata_err_clear(&item.err);
		item.index = f->handed++;
		f->sum->total++;
		pthread_mutex_unlock(&f->mu);

		item.target = t;
		t0 = strata_now_ms();
		rc = -1;
		/* another schema of the same database: move the connection (retarget checks it can) */
		if (db && t->schema && db->drv->set_schema && strcmp(t->conninfo, cur->conninfo) == 0) {
			rc = strata_db_retarget(db, t, &item.err);
			if (rc) { /* the connection may be gone: start afresh */
				strata_db_close(db);
				db = NULL;
				rc = -1;
			}
		}
		if (rc != 0) {
			strata_db_close(db);
			db = NULL;
			rc = strata_db_open(t, &f->dbo, &db, &item.err);
		}
		strata_target_free(cur);
		cur = t;
		if (rc == 0) {
			strata_err_release(&item.err);
			rc = f->work(db, &item, f->ud);
		}
		item.rc = rc;
		item.ms = strata_now_ms() - t0;

		pthread_mutex_lock(&f->mu);
		f->sum->done++;
		if (rc) {
			f->sum->failed++;
			if (f->fo->fail_fast)
				f->stop = 1;
		} else if (item.applied) {
			f->sum->changed++;
		}
		if (f->done)
			f->done(&item, f->ud);
		pthread_mutex_unlock(&f->mu);
		strata_err_release(&item.err);
		if (rc && db) {
			/* after a failure the session may be in any state: do not reuse it */
			strata_db_close(db);
			db = NULL;
		}
	}
	strata_db_close(db);
	strata_target_free(cur);
	return NULL;
}

static int run_workers(struct fleet *f, int jobs)
{
	pthread_t *th = calloc((size_t)jobs, sizeof(*th));
	int i, started = 0;

	if (!th)
		return -1;
	for (i = 0; i < jobs; i++) {
		if (pthread_create(&th[i], NULL, worker, f) != 0)
			break;
		started++;
	}
	if (!started)
		worker(f);
	for (i = 0; i < started; i++)
		pthread_join(th[i], NULL);
	free(th);
	return 0;
}

/* Count (and drop) the targets never started. */
static size_t drain(struct strata_targets *ts)
{
	struct strata_target *t;
	struct strata_err e = { 0 };
	size_t n = 0;

	while (strata_targets_next(ts, &t, &e) == 1) {
		strata_target_free(t);
		n++;
	}
	strata_err_release(&e);
	return n;
}

int strata_fleet_run(struct strata_targets *ts, const struct strata_fleet_opts *fo, strata_fleet_work_fn work,
		     strata_fleet_done_fn done, void *ud, struct strata_fleet_summary *sum, struct strata_err *err)
{
	struct fleet f;
	double t0 = strata_now_ms();
	int jobs = fo->jobs > 0 ? fo->jobs : (int)sysconf(_SC_NPROCESSORS_ONLN);
	char *who;

	memset(sum, 0, sizeof(*sum));
	memset(&f, 0, sizeof(f));
	if (jobs < 1)
		jobs = 1;
	if (jobs > 256)
		jobs = 256;
	pthread_mutex_init(&f.mu, NULL);
	f.ts = ts;
	f.fo = fo;
	if (fo->db_opts)
		f.dbo = *fo->db_opts;
	else
		strata_opts_init(&f.dbo);
	/* workers must not call back into the caller, and must not each ask who we are */
	f.dbo.on_event = NULL;
	who = f.dbo.applied_by ? NULL : strata_whoami();
	if (who)
		f.dbo.applied_by = who;
	f.work = work;
	f.done = done;
	f.ud = ud;
	f.sum = sum;
	if (fo->canary) {
		f.limit = fo->canary;
		run_workers(&f, jobs < (int)fo->canary ? jobs : (int)fo->canary);
		if (sum->failed) {
			sum->canary_failed = 1;
			f.stop = 1;
		}
		f.limit = 0;
	}
	if (!f.stop)
		run_workers(&f, jobs);
	if (f.stop && !f.rc)
		sum->not_started = drain(ts);
	sum->total += sum->not_started;
	sum->ms = strata_now_ms() - t0;
	pthread_mutex_destroy(&f.mu);
	free(who);
	if (f.rc) {
		strata_err_copy(err, &f.err);
		strata_err_release(&f.err);
		return f.rc;
	}
	strata_err_release(&f.err);
	return 0;
}
