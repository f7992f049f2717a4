/*
 * adopt.c - take over a database another tool has been migrating.
 *
 * Users arrive with a database whose history lives in golang-migrate's,
 * dbmate's, Diesel's, goose's, Flyway's (flyway_schema_history, its
 * checksums compared) or pop's (schema_migration) table (or Prisma's or
 * drizzle-orm's: adopt_tools.c, for their layouts). Adopting reads that state and records
 * the matching migration files as applied (with their current checksums),
 * running nothing, in one transaction under the migration lock. The other
 * tool's table is left as it was, so going back stays possible.
 *
 * Before strata has a table of its own, strata_other_tool_find() tells
 * status, validate and up who has been migrating the database (those six,
 * and Prisma and Drizzle, and sqlx and Alembic, which adopt cannot read),
 * so that up does not run migration 1 again on a database that has it.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "util.h"
#include "driver.h"
#include "db.h"
#include "history.h"
#include "reason.h"
#include "layout.h"
#include "layout_flyway.h"

/* Flyway: the checksum it recorded for a version (its last successful row). */
struct fly_sum {
	struct strata_version v;
	int32_t crc;
	int has_crc;
};

struct applied_set {
	struct strata_version *v;
	size_t n, cap;
	int all_up_to;        /* golang-migrate: everything <= max is applied */
	struct strata_version max;
	int have_max;
	int flyway;           /* Flyway's table: versions are Flyway's, checksums compared (sums) */
	struct fly_sum *sums;
	size_t nsums, csums;
	int have_floor;       /* Flyway's BASELINE row: every version up to floor is applied */
	struct strata_version floor;
	int pop14;            /* pop: a stored 14-digit version stands for the longer versions it begins */
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

	if (set->have_floor && strata_version_cmp(v, &set->floor) <= 0 && !strata_flyway_is_repeatable_version(v))
		return 1;
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

/* Run a read query; a failure is "not this layout", not an error (layout.h). */
int strata_adopt_try_query(struct strata_db *db, const char *sql, const char *table, struct strata_rows **r)
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

/* The recorded Flyway checksum of v goes into set->sums (a later row replaces an earlier one). */
static int flyway_sum(struct applied_set *set, const struct strata_version *v, const char *crc)
{
	size_t i;
	struct fly_sum *p;

	for (i = 0; i < set->nsums && strata_version_cmp(&set->sums[i].v, v) != 0; i++)
		;
	if (i == set->nsums) {
		if (set->nsums == set->csums) {
			size_t c = set->csums ? set->csums * 2 : 64;

			p = realloc(set->sums, c * sizeof(*p));
			if (!p)
				return -1;
			set->sums = p;
			set->csums = c;
		}
		set->nsums++;
	}
	set->sums[i].v = *v;
	set->sums[i].has_crc = crc && *crc;
	set->sums[i].crc = crc && *crc ? (int32_t)strtol(crc, NULL, 10) : 0;
	return 0;
}

/*
 * flyway_schema_history, in installed_rank order: versioned rows (SQL, and
 * Java's JDBC) are applied, repeatables (no version) are keyed by their
 * description, UNDO_SQL and DELETE rows take a version away again, a
 * BASELINE row stands for every version up to its own. A failed row
 * (success false) is refused as golang-migrate's dirty flag is: Flyway
 * itself stops there until `flyway repair`.
 */
static int read_flyway(struct strata_rows *r, const char *table, struct applied_set *set, struct strata_err *err)
{
	size_t i;

	set->flyway = 1;
	for (i = 0; i < r->nrows; i++) {
		const char *ver = strata_rows_get(r, i, 1), *desc = strata_rows_get(r, i, 2);
		const char *type = strata_rows_get(r, i, 3), *script = strata_rows_get(r, i, 4);
		const char *crc = strata_rows_get(r, i, 5), *ok = strata_rows_get(r, i, 6), *why;
		struct strata_version v;

		if (!type || !strcmp(type, "SCHEMA"))
			continue;
		if (!(ok && (!strcmp(ok, "t") || !strcmp(ok, "1") || !strcmp(ok, "true")))) {
			strata_err_set(err, STRATA_EHISTORY,
				       "Flyway records a failed migration in %s: %s%s%s (installed_rank %s) did not finish, "
				       "and nobody knows how much of it ran",
				       table, script ? script : "?", ver ? ", version " : "", ver ? ver : "",
				       strata_rows_get(r, i, 0) ? strata_rows_get(r, i, 0) : "?");
			strata_err_reason(err, STRATA_R_ADOPT_DIRTY);
			strata_err_hint(err, "check the database by hand and finish or undo that migration, then "
					     "`flyway repair` (it removes the failed row), and adopt again");
			return STRATA_EHISTORY;
		}
		if (!ver || !*ver) {
			/* a repeatable: keyed by the description strata derives from R__<description>.sql (the
			   script's name, in whatever folder of Flyway's locations it was) */
			const char *base = script && strrchr(script, '/') ? strrchr(script, '/') + 1 : script;
			const char *d = base && !strncmp(base, "R__", 3) ? base + 3 : desc;
			size_t n = d ? strlen(d) : 0;

			if (d != desc && n > 4 && !strcmp(d + n - 4, ".sql"))
				n -= 4;
			if (!d)
				continue;
			if (d == desc) {
				/* Flyway's description has spaces where the file name has underscores */
				char buf[512];
				size_t k;

				snprintf(buf, sizeof(buf), "%s", desc);
				for (k = 0; buf[k]; k++)
					if (buf[k] == ' ')
						buf[k] = '_';
				strata_flyway_repeatable_version(buf, strlen(buf), &v);
			} else {
				strata_flyway_repeatable_version(d, n, &v);
			}
		} else if (strata_flyway_version(ver, strlen(ver), &v, &why) != 0) {
			continue; /* not a version strata can order; it has no file here either */
		}
		if (!strcmp(type, "BASELINE")) {
			set->have_floor = 1;
			set->floor = v;
			continue;
		}
		if (!strcmp(type, "UNDO_SQL") || !strcmp(type, "UNDO_JDBC") || !strcmp(type, "DELETE")) {
			remove_version(set, &v);
			continue;
		}
		if (!contains(set, &v) && add_version(set, &v))
			return strata_err_set(err, STRATA_ENOMEM, "out of memory");
		if (flyway_sum(set, &v, crc))
			return strata_err_set(err, STRATA_ENOMEM, "out of memory");
	}
	return 0;
}

/* pop: a version recorded by its first 14 digits (pop's older format) counts for m, as popx counts it. */
static int pop_prefix(const struct applied_set *set, const struct strata_migration *m)
{
	size_t i;

	for (i = 0; set->pop14 && i < set->n; i++)
		if (strlen(set->v[i].d) == 14 && strlen(m->vtext) > 14 && !strncmp(m->vtext, set->v[i].d, 14))
			return 1;
	return 0;
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
	strata_db_quote_table(db, &q, db->schema, table);
	if (q.broken)
		return strata_err_set(err, STRATA_ENOMEM, "out of memory");
	if (strata_adopt_try_query(db, "SELECT installed_rank, version, description, type, script, checksum, success FROM %s "
			  "ORDER BY installed_rank", q.buf, &r) == 0) {
		res->tool = "Flyway";
		rc = read_flyway(r, table, set, err);
		goto out;
	} else if (strata_adopt_try_query(db, "SELECT version, version_self FROM %s", q.buf, &r) == 0) {
		res->tool = "pop";
		set->pop14 = 1;
		for (i = 0; i < r->nrows; i++)
			if (parse_version(strata_rows_get(r, i, 0), &v) == 0 && add_version(set, &v))
				goto oom;
		goto out;
	} else if (strata_adopt_try_query(db, "SELECT version, dirty FROM %s", q.buf, &r) == 0) {
		res->tool = "golang-migrate";
		set->all_up_to = 1;
		for (i = 0; i < r->nrows; i++) {
			const char *ver = strata_rows_get(r, i, 0), *dirty = strata_rows_get(r, i, 1);

			if (dirty && (strcmp(dirty, "t") == 0 || strcmp(dirty, "1") == 0 || strcmp(dirty, "true") == 0)) {
				strata_err_set(err, STRATA_EHISTORY,
					       "golang-migrate left version %s dirty in %s: that migration failed part "
					       "way, and nobody knows how much of it ran",
					       ver ? ver : "?", table);
				strata_err_reason(err, STRATA_R_ADOPT_DIRTY);
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
	} else if (strata_adopt_try_query(db, "SELECT version_id, is_applied FROM %s ORDER BY id", q.buf, &r) == 0) {
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
	} else if (strata_adopt_try_query(db, "SELECT version FROM %s", q.buf, &r) == 0) {
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

/*
 * golang-migrate's record is one version: everything up to it is applied. Its
 * own runner stops when that version has no file ("no migration found for
 * version N"), and so does adopt: the files here are not the ones it ran, and
 * recording those below would leave the missing ones to run again as new.
 */
static int check_current_file(const struct strata_source *src, const char *table, const struct strata_version *v,
			      struct strata_err *err)
{
	const struct strata_migration *below = NULL;
	size_t i;

	for (i = 0; i < src->n; i++) {
		int c = strata_version_cmp(&src->m[i].version, v);

		if (c == 0)
			return 0;
		if (c < 0)
			below = &src->m[i];
	}
	strata_err_set(err, STRATA_EUSAGE,
		       "golang-migrate records version %s in %s, but there is no migration %s in %s: is this the "
		       "directory golang-migrate ran from?",
		       v->d, table, v->d, src->dir);
	if (!err)
		return STRATA_EUSAGE;
	err->reason = STRATA_R_ADOPT_NO_FILE;
	strata_err_detail(err,
			  "nothing was recorded. golang-migrate itself stops here (no migration found for version %s); "
			  "adopting would record %s and leave what lies between to run again as new",
			  v->d, below ? "the files below it" : "nothing");
	if (below)
		strata_err_hint(err,
				"point the migrations directory at the one golang-migrate used and adopt again; if the "
				"files up to %s are gone for good and the database has them, `strata baseline %s` "
				"records the files here up to %s as applied, running nothing",
				v->d, below->vtext, below->vtext);
	else
		strata_err_hint(err, "point the migrations directory at the one golang-migrate used and adopt again");
	return STRATA_EUSAGE;
}

static int cmp_version(const void *a, const void *b)
{
	return strata_version_cmp(a, b);
}

/* "4, 5, 7" (sorted; ", ..." when they do not all fit) into buf. */
static void list_versions(struct applied_set *set, char *buf, size_t len)
{
	size_t i, used = 0;

	buf[0] = '\0';
	qsort(set->v, set->n, sizeof(*set->v), cmp_version);
	for (i = 0; i < set->n; i++) {
		char shown[STRATA_VERSION_MAX + 64];
		size_t need;

		/* Flyway's versions as Flyway writes them */
		if (set->flyway)
			strata_flyway_version_text(&set->v[i], shown, sizeof(shown));
		else
			snprintf(shown, sizeof(shown), "%s", set->v[i].d);
		need = strlen(shown) + (i ? 2 : 0);
		if (used + need + 6 > len) {
			snprintf(buf + used, len - used, ", ...");
			return;
		}
		used += (size_t)snprintf(buf + used, len - used, "%s%s", i ? ", " : "", shown);
	}
}

/*
 * x-migrations-table in a golang-migrate user's URL names golang-migrate's
 * table, which strata would take for its own: when that table exists and
 * is not strata's, say so and how to adopt from it.
 */
static int named_table_is_other(struct strata_db *db, struct strata_err *err)
{
	struct strata_rows *r = NULL;
	int rc;

	rc = db->drv->table_exists(db->conn, db->schema, db->table, err);
	if (rc <= 0)
		return rc;
	if (strata_adopt_try_query(db, "SELECT version, checksum, applied_by FROM %s WHERE 1 = 0", db->qtable, &r) == 0) {
		strata_rows_free(r);
		return 0;
	}
	strata_err_set(err, STRATA_EUSAGE,
		       "x-migrations-table=%s in the URL names another tool's table, not strata's: strata would keep "
		       "its own records there",
		       db->table);
	strata_err_reason(err, STRATA_R_TABLE);
	if (err)
		strata_err_hint(err,
				"adopt from it, naming %s as the table to adopt from and strata_migrations as the "
				"tracking table, and give every later run the same tracking table (or drop "
				"x-migrations-table from the URL strata uses)",
				db->table);
	return STRATA_EUSAGE;
}

static const char *const candidates[] = { "schema_migrations", "__diesel_schema_migrations", "goose_db_version",
					  "flyway_schema_history", "schema_migration", NULL };

/* Flyway recorded another checksum for m than its file has now: *copy is m with that one recorded. */
static int flyway_changed(const struct applied_set *set, const struct strata_migration *m,
			  struct strata_migration *copy)
{
	size_t i;

	if (!set->flyway || !m->has_flyway_checksum)
		return 0;
	for (i = 0; i < set->nsums; i++) {
		if (strata_version_cmp(&set->sums[i].v, &m->version) != 0)
			continue;
		if (!set->sums[i].has_crc || set->sums[i].crc == m->flyway_checksum)
			return 0;
		*copy = *m;
		snprintf(copy->checksum, sizeof(copy->checksum), "flyway:%ld", (long)set->sums[i].crc);
		return 1;
	}
	return 0;
}

int strata_adopt(struct strata_db *db, const struct strata_source *src, const char *from_table,
		 struct strata_adopt_result *res, struct strata_err *err)
{
	struct applied_set set = { 0 };
	struct strata_applied *rows = NULL;
	size_t nrows = 0, i;
	int locked = 0, rc, in_tx = 0;
	const char *table = from_table;
	double t0 = strata_now_ms();

	if (!db->conn)
		return strata_db_offline_err(db, err);
	memset(res, 0, sizeof(*res));
	rc = strata_lock(db, &locked, err);
	if (rc)
		return rc;
	/* Prisma's and drizzle-orm's tables, for their layouts (layout.h) */
	rc = strata_adopt_tool(db, src, from_table, res, err);
	if (rc != 1)
		goto out;
	rc = 0;
	if (!table && db->target->table && *db->target->table && !(db->opts.table && *db->opts.table)) {
		rc = named_table_is_other(db, err);
		if (rc)
			goto out;
	}
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
					    "__diesel_schema_migrations, goose_db_version, flyway_schema_history, "
					    "schema_migration)");
			strata_err_reason(err, STRATA_R_ADOPT_NO_TABLE);
			if (err)
				strata_err_hint(err,
					 "name the table to adopt from, or, for a database no tool tracked, use "
					 "`strata baseline VERSION`");
			goto out;
		}
	} else {
		rc = db->drv->table_exists(db->conn, db->schema, table, err);
		if (rc <= 0) {
			if (rc == 0)
				rc = strata_err_setr(err, STRATA_EUSAGE, STRATA_R_ADOPT_NO_TABLE,
						     "there is no table %s to adopt from", table);
			goto out;
		}
	}
	res->table = table;
	rc = strata_history_read(db, 1, &rows, &nrows, err);
	if (rc)
		goto out;
	if (nrows) {
		rc = strata_err_setr(err, STRATA_EHISTORY, STRATA_R_NOTHING,
				    "strata already records %zu migration%s in %s: there is nothing to adopt", nrows,
				    nrows == 1 ? "" : "s", db->qtable);
		goto out;
	}
	rc = read_state(db, table, &set, res, err);
	if (!rc && set.all_up_to && set.have_max)
		rc = check_current_file(src, table, &set.max, err);
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
		struct strata_migration changed;

		if (!contains(&set, &m->version) && !pop_prefix(&set, m))
			continue;
		row.version = m->version;
		row.name = m->name;
		if (flyway_changed(&set, m, &changed)) {
			/* recorded with Flyway's checksum, which is not the file's: status says modified (a
			   repeatable runs again, as Flyway would run it) */
			res->changed++;
			m = &changed;
		}
		rc = strata_history_insert(db, m, 0, err);
		if (!rc)
			rc = strata_history_log(db, "adopt", &row, 0, "ok", err);
		if (rc)
			goto out;
		res->recorded++;
		if (!strata_migration_repeatable(m)) { /* where it stands: the newest versioned one */
			res->have_version = 1;
			res->version = m->version;
		}
		remove_version(&set, &m->version);
	}
	if (set.pop14)
		for (i = 0; i < set.n;) { /* a 14-digit version that stood for a file is not unknown */
			size_t k;
			int used = 0;

			for (k = 0; k < src->n && !used; k++)
				used = strlen(set.v[i].d) == 14 && !strncmp(src->m[k].vtext, set.v[i].d, 14);
			if (used)
				set.v[i] = set.v[--set.n];
			else
				i++;
		}
	res->unknown = set.all_up_to ? 0 : set.n;
	if (res->unknown)
		list_versions(&set, res->unknown_list, sizeof(res->unknown_list));
	rc = db->drv->commit(db->conn, err);
	in_tx = 0;
	(void)t0;
out:
	if (in_tx)
		db->drv->rollback(db->conn, NULL);
	strata_unlock(db, locked);
	strata_applied_free(rows, nrows);
	free(set.v);
	free(set.sums);
	return rc;
}

/* ------------------------------------------------------------------ another tool's table */

/* The tables other tools keep, in the order they are looked for. */
static const struct other_table {
	const char *schema;   /* NULL: where strata's own table is */
	const char *table;
	const char *shown;    /* how messages name it */
} other_tables[] = {
	{ NULL, "schema_migrations", "schema_migrations" },
	{ NULL, "goose_db_version", "goose_db_version" },
	{ NULL, "__diesel_schema_migrations", "__diesel_schema_migrations" },
	{ NULL, "_sqlx_migrations", "_sqlx_migrations" },
	{ NULL, "flyway_schema_history", "flyway_schema_history" },
	{ NULL, "schema_migration", "schema_migration" },                     /* pop / Ory popx */
	{ NULL, "alembic_version", "alembic_version" },
	{ NULL, "_prisma_migrations", "_prisma_migrations" },
	{ "drizzle", "__drizzle_migrations", "drizzle.__drizzle_migrations" }, /* drizzle-orm on PostgreSQL */
	{ NULL, "__drizzle_migrations", "__drizzle_migrations" },              /* ... on SQLite */
	{ NULL, NULL, NULL },
};

static int truthy(const char *v)
{
	return v && (strcmp(v, "t") == 0 || strcmp(v, "1") == 0 || strcmp(v, "true") == 0);
}

/* Is digit string a newer than b? (Leading zeros ignored; non-digits compare as text.) */
static int newer(const char *a, const char *b)
{
	size_t la, lb;

	if (!b || !*b)
		return 1;
	while (*a == '0' && a[1])
		a++;
	while (*b == '0' && b[1])
		b++;
	la = strlen(a);
	lb = strlen(b);
	if (la != lb && strspn(a, "0123456789") == la && strspn(b, "0123456789") == lb)
		return la > lb;
	return strcmp(a, b) > 0;
}

static void set_version(struct strata_other_tool *o, const char *v)
{
	snprintf(o->version, sizeof(o->version), "%s", v ? v : "");
}

/* Read what the tool in `t` says is applied. 0 when read, <0 when the table is not that tool's. */
static int read_other(struct strata_db *db, const struct other_table *t, struct strata_other_tool *o)
{
	struct strata_buf q;
	struct strata_rows *r = NULL;
	size_t i;
	int rc = -1;

	strata_buf_init(&q);
	strata_db_quote_table(db, &q, t->schema ? t->schema : db->schema, t->table);
	if (q.broken)
		return STRATA_ENOMEM;
	o->table = t->shown;
	if (strcmp(t->table, "schema_migrations") == 0) {
		if ((rc = strata_adopt_try_query(db, "SELECT version, dirty FROM %s", q.buf, &r)) == 0) {
			o->tool = "golang-migrate";
			o->adoptable = 1;
			/* one row: the current version; -1 or none is "nothing applied" */
			for (i = 0; i < r->nrows; i++) {
				const char *v = strata_rows_get(r, i, 0);

				if (v && strcmp(v, "-1") != 0 && newer(v, o->version))
					set_version(o, v);
				o->dirty |= truthy(strata_rows_get(r, i, 1));
			}
		} else if ((rc = strata_adopt_try_query(db, "SELECT version FROM %s", q.buf, &r)) == 0) {
			o->tool = "dbmate";
			o->adoptable = 1;
			for (i = 0; i < r->nrows; i++)
				if (strata_rows_get(r, i, 0) && newer(strata_rows_get(r, i, 0), o->version))
					set_version(o, strata_rows_get(r, i, 0));
			o->count = r->nrows;
		}
	} else if (strcmp(t->table, "goose_db_version") == 0) {
		if ((rc = strata_adopt_try_query(db, "SELECT version_id, is_applied FROM %s ORDER BY id", q.buf, &r)) == 0) {
			struct applied_set set = { 0 };
			struct strata_version v, top = { { 0 } };

			o->tool = "goose";
			o->adoptable = 1;
			for (i = 0; i < r->nrows; i++) {
				if (parse_version(strata_rows_get(r, i, 0), &v) != 0 || strcmp(v.d, "0") == 0)
					continue; /* goose's own first row, version 0 */
				if (truthy(strata_rows_get(r, i, 1))) {
					if (!contains(&set, &v))
						add_version(&set, &v);
				} else {
					remove_version(&set, &v);
				}
			}
			o->count = set.n;
			for (i = 0; i < set.n; i++)
				if (strata_version_cmp(&set.v[i], &top) > 0)
					top = set.v[i];
			if (set.n)
				snprintf(o->version, sizeof(o->version), "%s", top.d);
			free(set.v);
		}
	} else if (strcmp(t->table, "__diesel_schema_migrations") == 0) {
		if ((rc = strata_adopt_try_query(db, "SELECT version FROM %s", q.buf, &r)) == 0) {
			o->tool = "diesel";
			o->adoptable = 1;
			for (i = 0; i < r->nrows; i++)
				if (strata_rows_get(r, i, 0) && newer(strata_rows_get(r, i, 0), o->version))
					set_version(o, strata_rows_get(r, i, 0));
			o->count = r->nrows;
		}
	} else if (strcmp(t->table, "_sqlx_migrations") == 0) {
		if ((rc = strata_adopt_try_query(db, "SELECT version, success FROM %s ORDER BY version", q.buf, &r)) == 0) {
			o->tool = "sqlx";
			for (i = 0; i < r->nrows; i++) {
				if (!truthy(strata_rows_get(r, i, 1))) {
					o->dirty = 1;
					continue;
				}
				o->count++;
				set_version(o, strata_rows_get(r, i, 0));
			}
		}
	} else if (strcmp(t->table, "flyway_schema_history") == 0) {
		if ((rc = strata_adopt_try_query(db, "SELECT version, success FROM %s ORDER BY installed_rank", q.buf, &r)) == 0) {
			o->tool = "Flyway";
			o->adoptable = 1;
			for (i = 0; i < r->nrows; i++) {
				const char *v = strata_rows_get(r, i, 0);

				o->dirty = !truthy(strata_rows_get(r, i, 1));
				if (v && !o->dirty) { /* versioned and applied (repeatables have no version) */
					o->count++;
					set_version(o, v);
				}
			}
		}
	} else if (strcmp(t->table, "schema_migration") == 0) {
		if ((rc = strata_adopt_try_query(db, "SELECT version, version_self FROM %s", q.buf, &r)) == 0) {
			o->tool = "pop";
			o->adoptable = 1;
			for (i = 0; i < r->nrows; i++)
				if (strata_rows_get(r, i, 0) && newer(strata_rows_get(r, i, 0), o->version))
					set_version(o, strata_rows_get(r, i, 0));
			o->count = r->nrows;
		}
	} else if (strcmp(t->table, "alembic_version") == 0) {
		if ((rc = strata_adopt_try_query(db, "SELECT version_num FROM %s ORDER BY version_num", q.buf, &r)) == 0) {
			struct strata_buf b;

			o->tool = "Alembic";
			strata_buf_init(&b);
			for (i = 0; i < r->nrows; i++)
				strata_buf_addf(&b, "%s%s", i ? ", " : "", strata_rows_get(r, i, 0) ? strata_rows_get(r, i, 0) : "");
			set_version(o, b.buf);
			strata_buf_release(&b);
		}
	} else if (strcmp(t->table, "_prisma_migrations") == 0) {
		if ((rc = strata_adopt_try_query(db, "SELECT migration_name, finished_at, rolled_back_at FROM %s ORDER BY started_at",
				    q.buf, &r)) == 0) {
			o->tool = "Prisma";
			for (i = 0; i < r->nrows; i++) {
				if (strata_rows_get(r, i, 2))
					continue; /* rolled back */
				if (!strata_rows_get(r, i, 1)) {
					o->dirty = 1; /* started, never finished: failed */
					continue;
				}
				o->count++;
				set_version(o, strata_rows_get(r, i, 0));
			}
		}
	} else if (strcmp(t->table, "__drizzle_migrations") == 0) {
		if ((rc = strata_adopt_try_query(db, "SELECT created_at FROM %s ORDER BY created_at", q.buf, &r)) == 0) {
			o->tool = "Drizzle";
			o->count = r->nrows;
			if (r->nrows)
				set_version(o, strata_rows_get(r, r->nrows - 1, 0));
		}
	}
	strata_rows_free(r);
	strata_buf_release(&q);
	return rc;
}

int strata_other_tool_find(struct strata_db *db, struct strata_other_tool *out, struct strata_err *err)
{
	size_t i;
	int rc;

	memset(out, 0, sizeof(*out));
	if (!db->conn)
		return strata_db_offline_err(db, err);
	rc = strata_history_exists(db, err);
	if (rc != 0)
		return rc < 0 ? rc : 0;
	for (i = 0; other_tables[i].table; i++) {
		const struct other_table *t = &other_tables[i];
		struct strata_err ignored;

		/* a schema that cannot be there (SQLite has no "drizzle") is not an error */
		strata_err_clear(&ignored);
		rc = db->drv->table_exists(db->conn, t->schema ? t->schema : db->schema, t->table,
					   t->schema ? &ignored : err);
		strata_err_release(&ignored);
		if (rc < 0 && !t->schema)
			return rc;
		if (rc != 1)
			continue;
		rc = read_other(db, t, out);
		if (rc == STRATA_ENOMEM)
			return strata_err_set(err, rc, "out of memory");
		if (rc == 0)
			return 1;
		memset(out, 0, sizeof(*out)); /* a table of that name, but not that tool's: look on */
	}
	return 0;
}

void strata_other_tool_explain(const struct strata_other_tool *o, char *msg, size_t msglen, char *hint,
			       size_t hintlen)
{
	char applied[400];

	if (!o->version[0])
		snprintf(applied, sizeof(applied), "which records nothing as applied%s",
			 o->dirty ? " (a migration of it failed)" : "");
	else if (!strcmp(o->tool, "golang-migrate"))
		snprintf(applied, sizeof(applied), "which says version %s is applied%s", o->version,
			 o->dirty ? " and dirty (it failed part way)" : "");
	else if (!strcmp(o->tool, "Alembic"))
		snprintf(applied, sizeof(applied), "which says revision %s is applied", o->version);
	else if (!strcmp(o->tool, "Drizzle"))
		snprintf(applied, sizeof(applied), "which records %zu migration%s, the newest created_at %s", o->count,
			 o->count == 1 ? "" : "s", o->version);
	else
		snprintf(applied, sizeof(applied), "which records %zu migration%s as applied, the newest %s%s", o->count,
			 o->count == 1 ? "" : "s", o->version, o->dirty ? "; one failed" : "");
	if (msg)
		snprintf(msg, msglen, "this database is managed by %s (table %s), %s", o->tool, o->table, applied);
	if (!hint)
		return;
	if (!strcmp(o->tool, "golang-migrate") && o->dirty)
		snprintf(hint, hintlen,
			 "check the database by hand and finish or undo migration %s, clear the flag with `migrate force "
			 "%s` (or the version before it), then `strata adopt` records its state for strata",
			 o->version, o->version);
	else if (o->adoptable)
		snprintf(hint, hintlen,
			 "`strata adopt` records %s's state in strata's table, running nothing; then `strata up` "
			 "goes on from there",
			 o->tool);
	else
		snprintf(hint, hintlen,
			 "strata cannot import %s's records%s: when the files here are what %s applied, record them "
			 "with `strata baseline VERSION` (running nothing); then `strata up` goes on from there",
			 o->tool,
			 !o->dirty ? ""
			 : !strcmp(o->tool, "sqlx")   ? " (and sqlx records a failed migration: see `sqlx migrate info`)"
			 : !strcmp(o->tool, "Flyway") ? " (and Flyway records a failed migration: `flyway repair` first)"
			 : !strcmp(o->tool, "Prisma") ? " (and Prisma records a failed migration: `prisma migrate resolve` "
							"first)"
						      : "",
			 o->tool);
}
