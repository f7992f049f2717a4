/*
 * status.c - where a database stands: recorded history merged with the files.
 *
 * Every file and every recorded row becomes one status row: pending,
 * applied, modified (checksum differs), missing (recorded, file gone) or
 * partial. The merge is pure so that it can be tested without a database;
 * strata_status_get() only adds the reading of the tracking table, and
 * strata_status_assume() stands in for it in an offline script (--sql
 * --from V): the files alone, as if those up to V were applied.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"
#include "reason.h"
#include "version_int.h"
#include "db.h"
#include "history.h"
#include "status.h"
#include "layout_flyway.h"

const char *strata_state_name(enum strata_state s)
{
	switch (s) {
	case STRATA_PENDING: return "pending";
	case STRATA_APPLIED: return "applied";
	case STRATA_MODIFIED: return "modified";
	case STRATA_MISSING: return "missing";
	case STRATA_PARTIAL: return "partial";
	}
	return "?";
}

void strata_status_free(struct strata_status *st)
{
	size_t i;

	if (!st)
		return;
	for (i = 0; i < st->n; i++) {
		struct strata_status_row *r = &st->rows[i];

		if (!r->mig || r->vtext != r->mig->vtext)
			free(r->vtext);
		if (!r->mig || r->name != r->mig->name)
			free(r->name);
		free(r->applied_at);
		free(r->applied_by);
		free(r->checksum);
		free(r->recorded_name);
		free(r->down);
		free(r->progress);
	}
	free(st->rows);
	free(st);
}

/* Recorded rows are ordered by version (strata_version_cmp); find one by binary search. */
static const struct strata_applied *find_applied(const struct strata_applied *rows, size_t n,
						 const struct strata_version *v)
{
	size_t lo = 0, hi = n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int c = strata_version_cmp(&rows[mid].version, v);

		if (c == 0)
			return &rows[mid];
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

struct keyed {
	char key[STRATA_VERSION_KEY];
	const char *sortkey;
	size_t idx;
};

static int cmp_keyed(const void *a, const void *b)
{
	const struct keyed *x = a, *y = b;
	int c = strcmp(x->sortkey, y->sortkey);

	if (c)
		return c;
	return x->idx < y->idx ? -1 : x->idx > y->idx;
}

/* The recorded columns move from `a` to `r` (a's pointers are left NULL). */
static void fill_recorded(struct strata_status_row *r, struct strata_applied *a)
{
	r->applied_at = a->applied_at;
	r->applied_by = a->applied_by;
	r->checksum = a->checksum;
	r->down = a->down;
	r->duration_ms = a->duration_ms;
	r->stmts_done = a->stmts_done;
	r->progress = a->progress;
	a->applied_at = a->applied_by = a->checksum = a->down = a->progress = NULL;
}

/* Is a row a Flyway repeatable (its file's layout, or, gone, its reserved version)? */
static int row_repeatable(const struct strata_status_row *r)
{
	return r->mig ? strata_migration_repeatable(r->mig) : strata_flyway_is_repeatable_version(&r->version);
}

/* A recorded row's version text when its file is gone: Flyway's spelling in a Flyway directory. */
static char *missing_vtext(const struct strata_source *src, const struct strata_applied *a)
{
	char buf[STRATA_VERSION_MAX + 64];
	size_t i;

	for (i = 0; i < src->n; i++)
		if (src->m[i].layout == STRATA_LAYOUT_FLYWAY || src->m[i].layout == STRATA_LAYOUT_REPEATABLE) {
			if (strata_flyway_is_repeatable_version(&a->version))
				snprintf(buf, sizeof(buf), "R__%s", a->name ? a->name : "");
			else
				strata_flyway_version_text(&a->version, buf, sizeof(buf));
			return strata_strdup(buf);
		}
	return strata_strdup(a->version.d);
}

int strata_status_build(const struct strata_source *src, struct strata_applied *rows, size_t n,
			struct strata_status **out, struct strata_err *err)
{
	struct strata_status *st;
	struct keyed *order;
	char *seen;
	size_t i, total, nmissing, k = 0;

	*out = NULL;
	order = NULL;
	st = calloc(1, sizeof(*st));
	seen = calloc(n ? n : 1, 1);
	if (!st || !seen)
		goto oom;
	/* rows whose file is gone are the only ones to sort in; mostly there are none */
	for (i = 0, total = 0; i < src->n; i++) {
		const struct strata_applied *a = find_applied(rows, n, &src->m[i].version);

		if (a && !seen[a - rows]) {
			seen[a - rows] = 1;
			total++;
		}
	}
	nmissing = n - total;
	memset(seen, 0, n ? n : 1);
	total = src->n + nmissing;
	st->rows = calloc(total ? total : 1, sizeof(*st->rows));
	if (nmissing)
		order = calloc(total, sizeof(*order));
	if (!st->rows || (nmissing && !order))
		goto oom;

	/* files first, each matched with its recorded row */
	for (i = 0; i < src->n; i++) {
		const struct strata_migration *m = &src->m[i];
		const struct strata_applied *a = find_applied(rows, n, &m->version);

		if (order) {
			order[k].sortkey = m->sortkey;
			order[k].idx = k;
		}
		st->rows[k].version = m->version;
		/* a file's row shares its strings with the source, as `mig` does (see strata_status_free) */
		st->rows[k].vtext = m->vtext;
		st->rows[k].name = m->name;
		st->rows[k].mig = m;
		if (a) {
			seen[a - rows] = 1;
			if (strcmp(a->state, "partial") == 0)
				st->rows[k].state = STRATA_PARTIAL;
			else if (!strata_checksum_matches(a->checksum, m))
				st->rows[k].state = STRATA_MODIFIED;
			else
				st->rows[k].state = STRATA_APPLIED;
			fill_recorded(&st->rows[k], &rows[a - rows]);
			if (a->name && strcmp(a->name, m->name) != 0) {
				st->rows[k].recorded_name = a->name;
				rows[a - rows].name = NULL;
			}
		} else {
			st->rows[k].state = STRATA_PENDING;
		}
		k++;
	}
	/* then recorded rows whose file is gone */
	for (i = 0; i < n; i++) {
		if (seen[i])
			continue;
		strata_version_sortkey(&rows[i].version, order[k].key);
		order[k].sortkey = order[k].key;
		order[k].idx = k;
		st->rows[k].version = rows[i].version;
		st->rows[k].vtext = missing_vtext(src, &rows[i]);
		st->rows[k].name = rows[i].name;
		rows[i].name = NULL;
		fill_recorded(&st->rows[k], &rows[i]);
		if (!st->rows[k].vtext || !st->rows[k].name)
			goto oom;
		st->rows[k].state = strcmp(rows[i].state, "partial") == 0 ? STRATA_PARTIAL : STRATA_MISSING;
		k++;
	}
	st->n = k;
	/* order everything: files keep their order; missing rows slot in by version */
	if (order) {
		struct strata_status_row *sorted = calloc(k ? k : 1, sizeof(*sorted));

		qsort(order, k, sizeof(*order), cmp_keyed);
		if (!sorted)
			goto oom;
		for (i = 0; i < k; i++)
			sorted[i] = st->rows[order[i].idx];
		free(st->rows);
		st->rows = sorted;
	}
	/* counts, current version, out-of-order pending rows */
	{
		long last_applied = -1;

		for (i = 0; i < k; i++) {
			switch (st->rows[i].state) {
			case STRATA_PENDING: st->npending++; break;
			case STRATA_APPLIED: st->napplied++; break;
			case STRATA_MODIFIED: st->napplied++; st->nmodified++; break;
			case STRATA_MISSING: st->napplied++; st->nmissing++; break;
			case STRATA_PARTIAL: st->npartial++; break;
			}
			/* repeatables run after every versioned migration, whenever: they date nothing */
			if (st->rows[i].state != STRATA_PENDING && !row_repeatable(&st->rows[i]))
				last_applied = (long)i;
		}
		for (i = 0; last_applied >= 0 && i < (size_t)last_applied; i++)
			if (st->rows[i].state == STRATA_PENDING && !row_repeatable(&st->rows[i]))
				st->rows[i].out_of_order = 1;
		if (last_applied >= 0) {
			st->have_current = 1;
			st->current = st->rows[last_applied].version;
			st->current_vtext = st->rows[last_applied].vtext;
		}
	}
	free(order);
	free(seen);
	*out = st;
	return 0;
oom:
	if (st)
		st->n = k;
	strata_status_free(st);
	free(order);
	free(seen);
	return strata_err_set(err, STRATA_ENOMEM, "out of memory");
}

static int cmp_applied(const void *a, const void *b)
{
	return strata_version_cmp(&((const struct strata_applied *)a)->version,
				  &((const struct strata_applied *)b)->version);
}

int strata_status_assume(const struct strata_source *src, const struct strata_version *from,
			 struct strata_status **out, struct strata_err *err)
{
	struct strata_applied *rows = NULL;
	size_t i, n = 0;
	int found = 0, rc;

	*out = NULL;
	for (i = 0; from && i < src->n; i++)
		found |= strata_version_cmp(&src->m[i].version, from) == 0;
	if (from && !found && from->d[0] && strcmp(from->d, "0") != 0)
		return strata_err_setr(err, STRATA_EUSAGE, STRATA_R_NO_VERSION,
				       "no migration has version %s, where the offline script starts from", from->d);
	if (from && found) {
		rows = calloc(src->n ? src->n : 1, sizeof(*rows));
		if (!rows)
			return strata_err_set(err, STRATA_ENOMEM, "out of memory");
		for (i = 0; i < src->n; i++) {
			const struct strata_migration *m = &src->m[i];

			if (strata_version_cmp(&m->version, from) > 0)
				continue;
			rows[n].version = m->version;
			rows[n].name = strata_strdup(m->name);
			rows[n].checksum = strata_strdup(m->checksum);
			rows[n].state = strata_strdup("applied");
			n++;
			if (!rows[n - 1].name || !rows[n - 1].checksum || !rows[n - 1].state) {
				strata_applied_free(rows, n);
				return strata_err_set(err, STRATA_ENOMEM, "out of memory");
			}
		}
		qsort(rows, n, sizeof(*rows), cmp_applied);
	}
	rc = strata_status_build(src, rows, n, out, err);
	strata_applied_free(rows, n);
	return rc;
}

int strata_status_get(struct strata_db *db, const struct strata_source *src, struct strata_status **out,
		      struct strata_err *err)
{
	return strata_status_read(db, src, 0, out, err);
}

int strata_status_read(struct strata_db *db, const struct strata_source *src, int with_down,
		       struct strata_status **out, struct strata_err *err)
{
	struct strata_applied *rows;
	size_t n;
	int rc;

	*out = NULL;
	rc = strata_history_read(db, with_down, &rows, &n, err);
	if (rc)
		return rc;
	rc = strata_status_build(src, rows, n, out, err);
	strata_applied_free(rows, n);
	return rc;
}
