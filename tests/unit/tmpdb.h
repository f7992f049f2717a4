/*
 * tmpdb.h - a throwaway SQLite database and migrations directory for the
 * unit tests that go through the public API end to end (reasons, cancel
 * tokens, events): a temporary directory holding migrations/ and app.db,
 * removed afterwards. Included by those test files only (cmocka asserts).
 */
#ifndef STRATA_TEST_TMPDB_H
#define STRATA_TEST_TMPDB_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "strata.h"
#include "db.h"

struct tmpdb {
	char dir[256];              /* the temporary directory */
	char mig[300];              /* dir/migrations */
	struct strata_source *src;
	struct strata_target *target;
	struct strata_db *db;
	struct strata_opts opts;    /* what tmpdb_open opens with; set fields before it */
	struct strata_err err;
};

static inline void tmpdb_init(struct tmpdb *t)
{
	char cmd[400];

	memset(t, 0, sizeof(*t));
	snprintf(t->dir, sizeof(t->dir), "%s/strata-unit-XXXXXX", getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
	assert_non_null(mkdtemp(t->dir));
	snprintf(t->mig, sizeof(t->mig), "%s/migrations", t->dir);
	snprintf(cmd, sizeof(cmd), "mkdir -p '%s'", t->mig);
	assert_int_equal(system(cmd), 0);
	strata_opts_init(&t->opts);
	strata_err_clear(&t->err);
}

/* Write migrations/name with text (NULL text: remove it). */
static inline void tmpdb_file(struct tmpdb *t, const char *name, const char *text)
{
	char path[600];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", t->mig, name);
	if (!text) {
		assert_int_equal(unlink(path), 0);
		return;
	}
	f = fopen(path, "w");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
}

/* (Re)read the migrations directory. */
static inline void tmpdb_load(struct tmpdb *t)
{
	strata_source_free(t->src);
	t->src = NULL;
	assert_int_equal(strata_source_load(t->mig, &t->src, &t->err), 0);
}

/* Open app.db with t->opts (closing what was open). */
static inline void tmpdb_open(struct tmpdb *t)
{
	char url[400];

	strata_db_close(t->db);
	t->db = NULL;
	if (!t->target) {
		snprintf(url, sizeof(url), "sqlite:%s/app.db", t->dir);
		assert_int_equal(strata_target_parse(url, &t->target, &t->err), 0);
	}
	assert_int_equal(strata_db_open(t->target, &t->opts, &t->db, &t->err), 0);
}

/* Run a request; returns its code, t->err filled on failure. */
static inline int tmpdb_run(struct tmpdb *t, enum strata_action action, struct strata_run_result *res)
{
	struct strata_request req;

	memset(&req, 0, sizeof(req));
	req.action = action;
	strata_err_release(&t->err);
	return strata_run(t->db, t->src, &req, res, &t->err);
}

/* How many migrations are in each state: applied (or modified/missing) and pending. */
static inline void tmpdb_counts(struct tmpdb *t, size_t *applied, size_t *pending)
{
	struct strata_status *st;

	assert_int_equal(strata_status_get(t->db, t->src, &st, &t->err), 0);
	*applied = st->napplied;
	*pending = st->npending;
	strata_status_free(st);
}

static inline void tmpdb_free(struct tmpdb *t)
{
	char cmd[400];

	strata_db_close(t->db);
	strata_target_free(t->target);
	strata_source_free(t->src);
	strata_err_release(&t->err);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", t->dir);
	assert_int_equal(system(cmd), 0);
}

#endif
