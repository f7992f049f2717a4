/*
 * adopt_tools.c - take over a database that Prisma Migrate or drizzle-orm
 * has been migrating, from the tool's own table, running nothing (the part
 * of `strata adopt` for the layouts of layout.h; adopt.c calls it under the
 * migration lock and does the other tools).
 *
 * Prisma's _prisma_migrations (id, checksum, finished_at, migration_name,
 * logs, rolled_back_at, started_at, applied_steps_count): a row finished and
 * not rolled back applies the directory it names. A migration whose rows
 * only started (it failed part way) or were rolled back by `prisma migrate
 * resolve` is refused, like golang-migrate's dirty flag: nobody knows what
 * of it is in the database. The stored checksum is compared with
 * migration.sql as Prisma compares it; a difference is said in a note (the
 * file changed after Prisma ran it) and the migration is recorded with the
 * file as it is now.
 *
 * drizzle-orm's __drizzle_migrations (id, hash, created_at; in schema
 * "drizzle" on PostgreSQL): drizzle-orm takes every journal entry whose
 * `when` is not newer than the newest row's created_at as applied, and so
 * does adopt. Hashes are never compared by drizzle-orm; adopt says in a note
 * when a row's hash is not its file's, and when an entry counts as applied
 * without a row of its own.
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

static void add_unknown(struct strata_adopt_result *res, const char *what)
{
	size_t used = strlen(res->unknown_list);

	res->unknown++;
	if (strstr(res->unknown_list, ", ...") || !what)
		return;
	if (used + strlen(what) + 8 > sizeof(res->unknown_list))
		snprintf(res->unknown_list + used, sizeof(res->unknown_list) - used, ", ...");
	else
		snprintf(res->unknown_list + used, sizeof(res->unknown_list) - used, "%s%s", used ? ", " : "", what);
}

static const struct strata_source *name_src; /* for name_cmp: set while sorting */

static int name_cmp(const void *a, const void *b)
{
	const struct strata_migration *x = &name_src->m[*(const size_t *)a], *y = &name_src->m[*(const size_t *)b];

	return strcmp(x->tool_name ? x->tool_name : "", y->tool_name ? y->tool_name : "");
}

/* Index in src of the migration the tool names `name`, or -1 (byname: indices sorted by tool_name). */
static long find_name(const struct strata_source *src, const size_t *byname, const char *name)
{
	size_t lo = 0, hi = src->n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int c = strcmp(src->m[byname[mid]].tool_name ? src->m[byname[mid]].tool_name : "", name);

		if (c == 0)
			return (long)byname[mid];
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return -1;
}

enum { P_APPLIED = 1, P_FAILED = 2, P_ROLLED = 4 };

/* _prisma_migrations' rows into applied[] (1 = record it). */
static int prisma_state(struct strata_db *db, const struct strata_source *src, const char *qtable, const char *shown,
			char *applied, struct strata_adopt_result *res, struct strata_err *err)
{
	struct strata_rows *r = NULL;
	size_t *byname = NULL, i;
	char *st = NULL;
	int rc = 0;

	if (strata_adopt_try_query(db, "SELECT migration_name, checksum, finished_at, rolled_back_at FROM %s ORDER BY started_at",
			qtable, &r) != 0)
		return strata_err_set(err, STRATA_EUSAGE,
				      "%s is not Prisma Migrate's table (no migration_name, checksum, finished_at, "
				      "rolled_back_at columns)",
				      shown);
	byname = malloc((src->n ? src->n : 1) * sizeof(*byname));
	st = calloc(src->n ? src->n : 1, 1);
	if (!byname || !st) {
		rc = strata_err_set(err, STRATA_ENOMEM, "out of memory");
		goto out;
	}
	for (i = 0; i < src->n; i++)
		byname[i] = i;
	name_src = src;
	qsort(byname, src->n, sizeof(*byname), name_cmp);
	for (i = 0; i < r->nrows; i++) {
		const char *name = strata_rows_get(r, i, 0), *sum = strata_rows_get(r, i, 1);
		int finished = strata_rows_get(r, i, 2) != NULL, rolled = strata_rows_get(r, i, 3) != NULL;
		long k = name ? find_name(src, byname, name) : -1;

		if (k < 0) {
			if (finished && !rolled)
				add_unknown(res, name);
			continue;
		}
		if (rolled) {
			st[k] |= P_ROLLED;
		} else if (!finished) {
			st[k] |= P_FAILED;
		} else {
			st[k] |= P_APPLIED;
			if (!strata_prisma_checksum_matches(sum, &src->m[k]))
				strata_note(db, "%s: %s's checksum %s is not the file's (%s): it changed after Prisma applied it; "
					 "recorded as applied with the file as it is now (`strata status` compares from here on)",
				     src->m[k].up_file, shown, sum ? sum : "(none)", src->m[k].tool_sum);
		}
	}
	for (i = 0; i < src->n; i++) {
		const struct strata_migration *m = &src->m[i];

		if (st[i] & P_APPLIED) {
			applied[i] = 1;
			continue;
		}
		if (!(st[i] & (P_FAILED | P_ROLLED)))
			continue;
		if (st[i] & P_FAILED) {
			strata_err_set(err, STRATA_EHISTORY,
				       "Prisma left migration %s unfinished in %s: it failed part way, and nobody knows how "
				       "much of it ran",
				       m->tool_name, shown);
			if (err)
				strata_err_hint(err,
						"check the database by hand and finish or undo %s, tell Prisma which with "
						"`prisma migrate resolve --applied %s` (or --rolled-back), and adopt again",
						m->tool_name, m->tool_name);
		} else {
			strata_err_set(err, STRATA_EHISTORY,
				       "Prisma records migration %s as rolled back in %s (prisma migrate resolve "
				       "--rolled-back): it failed once, and Prisma would run it again",
				       m->tool_name, shown);
			if (err)
				strata_err_hint(err,
						"check that nothing of %s is left in the database, then apply it with "
						"`prisma migrate deploy` and adopt again (or adopt after undoing it by "
						"hand, then `strata up`, once its row is gone)",
						m->tool_name);
		}
		strata_err_reason(err, STRATA_R_ADOPT_DIRTY);
		rc = STRATA_EHISTORY;
		goto out;
	}
out:
	strata_rows_free(r);
	free(byname);
	free(st);
	return rc;
}

/* A created_at as stored (bigint, or SQLite's numeric), in ms. */
static long long ms_of(const char *v)
{
	char *end;
	long long n;

	if (!v)
		return -1;
	n = strtoll(v, &end, 10);
	if (*end == '.' || *end == 'e' || *end == 'E')
		n = (long long)strtod(v, NULL);
	return n;
}

/* __drizzle_migrations' rows into applied[], as drizzle-orm decides what is pending. */
static int drizzle_state(struct strata_db *db, const struct strata_source *src, const char *qtable, const char *shown,
			 char *applied, struct strata_adopt_result *res, struct strata_err *err)
{
	struct strata_rows *r = NULL;
	long long last = -1;
	char *has_row = NULL;
	size_t i, k;
	int rc = 0;

	if (strata_adopt_try_query(db, "SELECT hash, created_at FROM %s ORDER BY created_at", qtable, &r) != 0)
		return strata_err_set(err, STRATA_EUSAGE, "%s is not drizzle-orm's table (no hash, created_at columns)",
				      shown);
	has_row = calloc(src->n ? src->n : 1, 1);
	if (!has_row) {
		rc = strata_err_set(err, STRATA_ENOMEM, "out of memory");
		goto out;
	}
	for (i = 0; i < r->nrows; i++) {
		const char *hash = strata_rows_get(r, i, 0), *ca = strata_rows_get(r, i, 1);
		long long when = ms_of(ca);
		int found = 0;

		if (when > last)
			last = when;
		for (k = 0; k < src->n; k++) {
			const struct strata_migration *m = &src->m[k];

			if (m->journal_when != when)
				continue;
			found = 1;
			has_row[k] = 1;
			if (!hash || strcmp(hash, m->tool_sum) != 0)
				strata_note(db, "%s: %s's hash for it (created_at %s) is not the file's: it changed after "
					 "drizzle-orm applied it (drizzle-orm never compares); recorded as applied with "
					 "the file as it is now",
				     m->up_file, shown, ca);
			break;
		}
		if (!found)
			add_unknown(res, ca);
	}
	for (k = 0; k < src->n && last >= 0; k++) {
		const struct strata_migration *m = &src->m[k];

		if (m->journal_when > last)
			continue;
		applied[k] = 1;
		if (!has_row[k])
			strata_note(db, "%s: applied as drizzle-orm counts it (its journal \"when\" %lld is not newer than the "
				 "newest created_at in %s, %lld), though no row is its own: drizzle-orm skips it",
			     m->up_file, m->journal_when, shown, last);
	}
out:
	strata_rows_free(r);
	free(has_row);
	return rc;
}

int strata_adopt_tool(struct strata_db *db, const struct strata_source *src, const char *from_table,
		      struct strata_adopt_result *res, struct strata_err *err)
{
	struct strata_applied *rows = NULL;
	struct strata_buf q;
	const char *table, *schema = db->schema, *shown;
	char *applied = NULL;
	size_t nrows = 0, i;
	int prisma, rc, in_tx = 0;

	if (from_table)
		prisma = !strcmp(from_table, "_prisma_migrations")	       ? 1
			 : !strcmp(from_table, "__drizzle_migrations") ||
					 !strcmp(from_table, "drizzle.__drizzle_migrations")
				 ? 0
				 : -1;
	else
		prisma = src->layout == STRATA_LAYOUT_PRISMA ? 1 : src->layout == STRATA_LAYOUT_DRIZZLE ? 0 : -1;
	if (prisma < 0)
		return 1;
	if (src->layout != (prisma ? STRATA_LAYOUT_PRISMA : STRATA_LAYOUT_DRIZZLE))
		return strata_err_set(err, STRATA_EUSAGE,
				      "%s is %s's record of its %s, but the migrations in %s are not in that layout",
				      from_table, prisma ? "Prisma Migrate" : "drizzle-orm",
				      prisma ? "<name>/migration.sql directories" : "meta/_journal.json entries", src->dir);
	rc = strata_layout_check_provider(src, db->drv, err);
	if (rc)
		return rc;
	table = prisma ? "_prisma_migrations" : "__drizzle_migrations";
	shown = table;
	if (!prisma) {
		struct strata_err ignored;

		/* drizzle-orm keeps it in schema "drizzle" where there are schemas */
		strata_err_clear(&ignored);
		rc = db->drv->table_exists(db->conn, "drizzle", table, &ignored);
		strata_err_release(&ignored);
		if (rc == 1) {
			schema = "drizzle";
			shown = "drizzle.__drizzle_migrations";
		}
	}
	if (schema == db->schema) {
		rc = db->drv->table_exists(db->conn, schema, table, err);
		if (rc < 0)
			return rc;
		if (rc == 0) {
			rc = strata_err_setr(err, STRATA_EUSAGE, STRATA_R_ADOPT_NO_TABLE,
					     "there is no table %s%s to adopt from (the migrations in %s are %s's)",
					     prisma ? "_prisma_migrations" : "__drizzle_migrations",
					     prisma ? "" : " (nor drizzle.__drizzle_migrations)", src->dir,
					     prisma ? "Prisma Migrate" : "Drizzle Kit");
			if (err)
				strata_err_hint(err, "for a database no tool tracked, use `strata baseline VERSION`");
			return rc;
		}
	}
	res->tool = prisma ? "Prisma" : "Drizzle";
	res->table = shown;
	rc = strata_history_read(db, 1, &rows, &nrows, err);
	if (rc)
		return rc;
	strata_applied_free(rows, nrows);
	if (nrows)
		return strata_err_setr(err, STRATA_EHISTORY, STRATA_R_NOTHING,
				       "strata already records %zu migration%s in %s: there is nothing to adopt", nrows,
				       nrows == 1 ? "" : "s", db->qtable);
	applied = calloc(src->n ? src->n : 1, 1);
	strata_buf_init(&q);
	strata_db_quote_table(db, &q, schema, table);
	if (!applied || q.broken) {
		rc = strata_err_set(err, STRATA_ENOMEM, "out of memory");
		goto out;
	}
	rc = prisma ? prisma_state(db, src, q.buf, shown, applied, res, err)
		    : drizzle_state(db, src, q.buf, shown, applied, res, err);
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

		if (!applied[i])
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
	}
	rc = db->drv->commit(db->conn, err);
	in_tx = 0;
out:
	if (in_tx)
		db->drv->rollback(db->conn, NULL);
	strata_buf_release(&q);
	free(applied);
	return rc;
}

void strata_other_tool_with_source(struct strata_other_tool *o, const struct strata_source *src)
{
	if (!o->tool || !src)
		return;
	if ((!strcmp(o->tool, "Prisma") && src->layout == STRATA_LAYOUT_PRISMA) ||
	    (!strcmp(o->tool, "Drizzle") && src->layout == STRATA_LAYOUT_DRIZZLE))
		o->adoptable = 1;
}
