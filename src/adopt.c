/*
 * adopt.c - take over a database another tool has been migrating.
 *
 * Users arrive with a database whose history lives in golang-migrate's,
 * dbmate's, Diesel's or goose's table. Adopting reads that state and records
 * the matching migration files as applied (with their current checksums),
 * running nothing, in one transaction under the migration lock. The other
 * tool's table is left as it was, so going back stays possible.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

struct applied_set {
	struct strata_version *v;
	size_t n, cap;
	int all_up_to;        /* golang-migrate: everything <= max is applied */
	struct strata_version max;
	int have_max;
};

static int add_version(struct applied_set *set, const struct strata_version *v)
{
	if (set->n == set->cap) {
		size_t cap = set->cap ? set->cap * 2 : 64;
		struct strata_version *p = realloc(set->v, cap * sizeof(*p));

		if (!p)
			return -1;
		set->v = p;
		set->cap = cap;
	}
	set->v[set->n++] = *v;
	if (!set->have_max || strata_version_cmp(v, &set->max) > 0)
		set->max = *v;
	set->have_max = 1;
	return 0;
}

static int remove_version(struct applied_set *set, const struct strata_version *v)
{
	size_t i;

	for (i = 0; i < set->n; i++) {
		if (strata_version_cmp(&set->v[i], v) == 0) {
			set->v[i] = set->v[--set->n];
			return 1;
		}
	}
	return 0;
}

static int contains(const struct applied_set *set, const struct strata_version *v)
{
	size_t i;

	if (set->all_up_to)
		return set->have_max && strata_version_cmp(v, &set->max) <= 0;
	for (i = 0; i < set->n; i++)
		if (strata_version_cmp(&set->v[i], v) == 0)
			return 1;
	return 0;
}

/*
 * A version as another tool stored it (bigint or varchar, any length):
 * digits, maybe with dashes or underscores (Diesel) or a sign (golang-migrate's -1).
 */
static int parse_version(const char *s, struct strata_version *v)
{
	char digits[2 * STRATA_VERSION_MAX];
	size_t n = 0;

	if (!s)
		return -1;
	for (; *s; s++) {
		if (*s == '-' || *s == '_')
			continue;
		if (*s < '0' || *s > '9' || n >= sizeof(digits))
			return -1;
		digits[n++] = *s;
	}
	return strata_version_parse(digits, n, v);
}

/* Run a read query; a failure is "not this layout", not an error. */
static int try_query(struct strata_db *db, const char *sql, const char *table, struct strata_rows **r)
{
	struct strata_buf b;
	struct strata_err ignored = { 0 };
	int rc;

	strata_buf_init(&b);
	strata_buf_addf(&b, sql, table);
	if (b.broken)
		return STRATA_ENOMEM;
	rc = db->drv->query(db->conn, b.buf, 0, NULL, r, &ignored);
	strata_buf_release(&b);
	strata_err_release(&ignored);
	return rc;
}

/* Read the other tool's state from `table` into set; res->tool says which tool. */
static int read_state(struct strata_db *db, const char *table, struct applied_set *set,
		      struct strata_adopt_result *res, struct strata_err *err)
{
	struct strata_buf q;
	struct strata_rows *r = NULL;
	size_t i;
	struct strata_version v;
	int rc = 0;

	strata_buf_init(&q);
	strata_buf_add_qualified(&q, db->schema, table);
	if (q.broken)
		return strata_err_set(err, STRATA_ENOMEM, "out of memory");
	if (try_query(db, "SELECT version, dirty FROM %s", q.buf, &r) == 0) {
		res->tool = "golang-migrate";
		set->all_up_to = 1;
		for (i = 0; i < r->nrows; i++) {
			const char *ver = strata_rows_get(r, i, 0), *dirty = strata_rows_get(r, i, 1);

			if (dirty && (strcmp(dirty, "t") == 0 || strcmp(dirty, "1") == 0 || strcmp(dirty, "true") == 0)) {
				strata_err_set(err, STRATA_EHISTORY,
					       "golang-migrate left version %s dirty in %s: that migration failed part "
					       "way, and nobody knows how much of it ran",
					       ver ? ver : "?", table);
				if (err)
					strata_err_hint(err,
						 "check the database by hand and finish or undo migration %s, then clear "
						 "the flag as golang-migrate does it (`migrate force %s` if it is now "
						 "complete, `migrate force <previous version>` if undone), and adopt again",
						 ver ? ver : "V", ver ? ver : "V");
				rc = STRATA_EHISTORY;
				goto out;
			}
			if (ver && strcmp(ver, "-1") != 0 && parse_version(ver, &v) == 0 && add_version(set, &v))
				goto oom;
		}
	} else if (try_query(db, "SELECT version_id, is_applied FROM %s ORDER BY id", q.buf, &r) == 0) {
		res->tool = "goose";
		for (i = 0; i < r->nrows; i++) {
			const char *ver = strata_rows_get(r, i, 0), *ap = strata_rows_get(r, i, 1);
			int applied = ap && (strcmp(ap, "t") == 0 || strcmp(ap, "1") == 0 || strcmp(ap, "true") == 0);

			if (!ver || parse_version(ver, &v) != 0 || strcmp(v.d, "0") == 0)
				continue;
			if (applied) {
				if (!contains(set, &v) && add_version(set, &v))
					goto oom;
			} else {
				remove_version(set, &v);
			}
		}
	} else if (try_query(db, "SELECT version FROM %s", q.buf, &r) == 0) {
		res->tool = strcmp(table, "__diesel_schema_migrations") == 0 ? "diesel" : "dbmate";
		for (i = 0; i < r->nrows; i++)
			if (parse_version(strata_rows_get(r, i, 0), &v) == 0 && add_version(set, &v))
				goto oom;
	} else {
		rc = strata_err_set(err, STRATA_EUSAGE,
				    "%s is not a table of golang-migrate, dbmate, Diesel or goose (no version column)",
				    table);
	}
	goto out;
oom:
	rc = strata_err_set(err, STRATA_ENOMEM, "out of memory");
out:
	strata_rows_free(r);
	strata_buf_release(&q);
	return rc;
}

static const char *const candidates[] = { "schema_migrations", "__diesel_schema_migrations", "goose_db_version",
					  NULL };

int strata_adopt(struct strata_db *db, const struct strata_source *src, const char *from_table,
		 struct strata_adopt_result *res, struct strata_err *err)
{
	struct applied_set set = { 0 };
	struct strata_applied *rows = NULL;
	size_t nrows = 0, i;
	int locked = 0, rc, in_tx = 0;
	const char *table = from_table;
	double t0 = strata_now_ms();

	memset(res, 0, sizeof(*res));
	rc = strata_lock(db, &locked, err);
	if (rc)
		return rc;
	if (!table) {
		for (i = 0; candidates[i] && !table; i++) {
			rc = db->drv->table_exists(db->conn, db->schema, candidates[i], err);
			if (rc < 0)
				goto out;
			if (rc == 1)
				table = candidates[i];
		}
		if (!table) {
			rc = strata_err_set(err, STRATA_EUSAGE,
					    "found no other tool's table here (looked for schema_migrations, "
					    "__diesel_schema_migrations, goose_db_version)");
			if (err)
				strata_err_hint(err,
					 "name it with --from TABLE, or, for a database no tool tracked, use "
					 "`strata baseline VERSION`");
			goto out;
		}
	} else {
		rc = db->drv->table_exists(db->conn, db->schema, table, err);
		if (rc <= 0) {
			if (rc == 0)
				rc = strata_err_set(err, STRATA_EUSAGE, "there is no table %s to adopt from", table);
			goto out;
		}
	}
	res->table = table;
	rc = strata_history_read(db, 1, &rows, &nrows, err);
	if (rc)
		goto out;
	if (nrows) {
		rc = strata_err_set(err, STRATA_EHISTORY,
				    "strata already records %zu migration%s in %s: there is nothing to adopt", nrows,
				    nrows == 1 ? "" : "s", db->qtable);
		goto out;
	}
	rc = read_state(db, table, &set, res, err);
	if (rc)
		goto out;
	/* only now: a refusal above leaves the database without strata's tables */
	rc = strata_history_ensure(db, err);
	if (rc)
		goto out;
	rc = db->drv->begin(db->conn, err);
	if (rc)
		goto out;
	in_tx = 1;
	for (i = 0; i < src->n; i++) {
		const struct strata_migration *m = &src->m[i];
		struct strata_status_row row = { 0 };

		if (!contains(&set, &m->version))
			continue;
		row.version = m->version;
		row.name = m->name;
		rc = strata_history_insert(db, m, 0, err);
		if (!rc)
			rc = strata_history_log(db, "adopt", &row, 0, "ok", err);
		if (rc)
			goto out;
		res->recorded++;
		res->have_version = 1;
		res->version = m->version;
		remove_version(&set, &m->version);
	}
	res->unknown = set.all_up_to ? 0 : set.n;
	rc = db->drv->commit(db->conn, err);
	in_tx = 0;
	(void)t0;
out:
	if (in_tx)
		db->drv->rollback(db->conn, NULL);
	strata_unlock(db, locked);
	strata_applied_free(rows, nrows);
	free(set.v);
	return rc;
}
