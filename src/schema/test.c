/*
 * schema/test.c - strata_test: the round trip of every migration on a
 * scratch database. For each migration i of the range: read S(i-1), up,
 * read S(i), down and compare with S(i-1), up again and compare with S(i);
 * one verdict per migration, given to the caller's callback (the CLI
 * prints). Every step runs through strata_run, as up and down would.
 *
 * A finding never stops the test. After the steps of a migration the
 * scratch must be at S(i) with i recorded as the last applied; when it is
 * not (a down that failed part way outside a transaction, a redo that failed
 * or built something else), it is rebuilt from nothing with 1..i applied, and
 * the test goes on from there. Only an up that fails stops it: the
 * migrations after it build on what it makes.
 *
 * With --data (data.c), every empty table gets a few rows before the up,
 * and the rows the down leaves are compared with those: a down that loses
 * rows or values the tables had before the up is DATA_LOST.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "strata_schema.h"
#include "../cancel.h"
#include "../db.h"
#include "../buf.h"
#include "../util.h"
#include "data.h"
#include "scratch.h"

const char *strata_test_verdict_name(enum strata_test_verdict v)
{
	switch (v) {
	case STRATA_TEST_OK: return "ok";
	case STRATA_TEST_UP_FAILED: return "up_failed";
	case STRATA_TEST_DOWN_FAILED: return "down_failed";
	case STRATA_TEST_NOT_RESTORED: return "not_restored";
	case STRATA_TEST_ORDER_ONLY: return "order_only";
	case STRATA_TEST_REDO_FAILED: return "redo_failed";
	case STRATA_TEST_REDO_DIFFERS: return "redo_differs";
	case STRATA_TEST_IRREVERSIBLE: return "irreversible";
	case STRATA_TEST_DATA_LOST: return "data_lost";
	case STRATA_TEST_DATA_UP_FAILED: return "up_failed_with_data";
	}
	return "?";
}

/* strata_run one request, its time added to sum's. */
static int step(struct strata_test_summary *sum, struct strata_db *db, const struct strata_source *src,
		enum strata_action a, long count, struct strata_err *err)
{
	struct strata_request req = { .action = a, .count = count };
	double t0 = strata_now_ms();
	int rc = strata_run(db, src, &req, NULL, err);

	sum->run_ms += strata_now_ms() - t0;
	return rc;
}

/* strata_schema_read, its time added to sum's. */
static int readc(struct strata_test_summary *sum, struct strata_db *db, unsigned flags, struct strata_schema **out,
		 struct strata_err *err)
{
	double t0 = strata_now_ms();
	int rc = strata_schema_read(db, flags, out, err);

	sum->read_ms += strata_now_ms() - t0;
	return rc;
}

static int equal(const struct strata_schema_diff *d)
{
	return d->n == 0 && d->nunhandled == 0;
}

/* Is db at S(i): the same schema as `want`, and migration i the last one recorded? 1, 0, or < 0 on error. */
static int at_state(struct strata_test_summary *sum, struct strata_db *db, const struct strata_source *src, size_t i,
		    const struct strata_schema *want, unsigned flags, struct strata_err *err)
{
	struct strata_schema *now = NULL;
	struct strata_schema_diff *d = NULL;
	struct strata_status *st = NULL;
	int rc, ok;

	rc = readc(sum, db, flags, &now, err);
	if (rc == 0)
		rc = strata_schema_compare(want, now, &d, err);
	strata_schema_free(now);
	if (rc)
		return rc;
	ok = equal(d);
	strata_schema_diff_free(d);
	if (!ok)
		return 0;
	rc = strata_status_get(db, src, &st, err);
	if (rc)
		return rc;
	ok = st->have_current && strata_version_cmp(&st->current, &src->m[i].version) == 0 &&
	     st->napplied == i + 1 && st->npartial == 0;
	strata_status_free(st);
	return ok;
}

/* Find the range of indices [*lo, *hi] the versions name (inclusive; NULL: open). */
static int range(const struct strata_source *src, const struct strata_test_opts *o, size_t *lo, size_t *hi,
		 struct strata_err *err)
{
	size_t i;
	int have = 0;

	for (i = 0; i < src->n; i++) {
		const struct strata_version *v = &src->m[i].version;

		if (o && o->from && strata_version_cmp(v, o->from) < 0)
			continue;
		if (o && o->to && strata_version_cmp(v, o->to) > 0)
			continue;
		if (!have)
			*lo = i;
		*hi = i;
		have = 1;
	}
	if (!have)
		return strata_err_set(err, STRATA_EUSAGE, "no migration has a version in the range asked for");
	return 0;
}

/* A result kept by a worker until the results before it are given (its diff, err and note its own). */
struct kept {
	struct strata_test_result r;
	struct strata_schema_diff *diff;
	struct strata_err err;
	int has_err;
	char *note;
	char *lost;
};

/* The migrations lo..hi on one scratch database; a worker's thread when `buf` (results kept there). */
struct chunk {
	struct strata_scratch *scratch;
	const struct strata_source *src;
	size_t lo, hi;
	unsigned flags;
	int data;               /* --data */
	struct strata_buf said; /* --data: tables already named as not filled, one per line */
	strata_test_fn fn;
	void *ud;
	struct strata_test_summary sum;
	struct strata_err err;
	int rc;
	int up_failed;          /* it stopped at an up that failed */
	struct kept *kept;      /* worker: results in order */
	size_t nkept, capkept;
	int worker;
	pthread_t th;
};

/*
 * Give a result: to the callback (the calling thread), or into the chunk's
 * list, taking *d and *e over. Nonzero: stop.
 */
static int emit(struct chunk *c, const struct strata_test_result *r, struct strata_schema_diff **d,
		struct strata_err *e)
{
	struct kept *k;

	if (!c->worker)
		return c->fn ? c->fn(c->ud, r) : 0;
	if (c->nkept == c->capkept) {
		size_t cap = c->capkept ? c->capkept * 2 : 16;
		struct kept *n = realloc(c->kept, cap * sizeof(*n));

		if (!n)
			return -1;
		c->kept = n;
		c->capkept = cap;
	}
	k = &c->kept[c->nkept++];
	memset(k, 0, sizeof(*k));
	k->r = *r;
	if (r->diff) {
		k->diff = *d;
		*d = NULL;
	}
	if (r->err) {
		k->err = *e;
		k->has_err = 1;
		strata_err_clear(e);
	}
	if (r->note)
		k->note = strata_strdup(r->note);
	if (r->lost)
		k->lost = strata_strdup(r->lost);
	return 0;
}

static void kept_release(struct kept *k)
{
	strata_schema_diff_free(k->diff);
	if (k->has_err)
		strata_err_release(&k->err);
	free(k->note);
	free(k->lost);
}

/*
 * --data: fill the empty tables of db (at schema s) and give in *note
 * (malloc'ed, NULL: none) the tables that took no rows and were not named
 * before in this chunk. 0 or STRATA_ENOMEM.
 */
static int fill(struct chunk *c, struct strata_db *db, const struct strata_schema *s, char **note)
{
	char *all = NULL, *p, *nl;
	struct strata_buf b;
	int rc;

	*note = NULL;
	rc = strata_data_fill(db, s, &all);
	if (rc || !all)
		return rc;
	strata_buf_init(&b);
	if (!c->said.len)
		strata_buf_addc(&c->said, '\n');
	for (p = all; (nl = strchr(p, '\n')) != NULL; p = nl + 1) {
		char *end = strstr(p, " (");
		size_t len = end && end < nl ? (size_t)(end - p) : (size_t)(nl - p);
		char key[700];

		/* "\nname\n" in the list of tables named before */
		snprintf(key, sizeof(key), "\n%.*s\n", (int)len, p);
		if (c->said.buf && strstr(c->said.buf, key))
			continue;
		strata_buf_adds(&c->said, key + 1);
		strata_buf_add(&b, p, (size_t)(nl - p));
		strata_buf_addc(&b, '\n');
	}
	free(all);
	if (b.broken || c->said.broken) {
		strata_buf_release(&b);
		return STRATA_ENOMEM;
	}
	if (b.len) {
		b.buf[b.len - 1] = '\0'; /* no newline at the end, as other notes */
		*note = strata_buf_detach(&b, NULL);
	}
	strata_buf_release(&b);
	return 0;
}

static int run_range(struct chunk *c)
{
	struct strata_scratch *scratch = c->scratch;
	const struct strata_source *src = c->src;
	size_t lo = c->lo, hi = c->hi, i;
	unsigned flags = c->flags;
	struct strata_test_summary *sum = &c->sum;
	struct strata_err *err = &c->err;
	struct strata_schema *prev = NULL, *cur = NULL, *now = NULL;
	struct strata_schema_diff *d = NULL;
	struct strata_data_snap *snap = NULL; /* --data: the rows at S(i), after the first up */
	char *fillnote = NULL, *lost = NULL;
	int rc;

	if (lo > 0) {
		struct strata_err e;

		/* what comes before the range: ups alone */
		strata_err_clear(&e);
		rc = step(sum, strata_scratch_db(scratch), src, STRATA_UP, (long)lo, &e);
		if (rc == STRATA_EINTR || rc == STRATA_ENOMEM) {
			*err = e;
			return rc;
		}
		if (rc && c->worker) {
			/* the ups before a worker's part ran in the part before it: this one's state cannot be had */
			*err = e;
			return rc;
		}
		if (rc) {
			struct strata_status *st = NULL;
			size_t at = 0;
			struct strata_test_result r = { .verdict = STRATA_TEST_UP_FAILED, .err = &e };

			/* which one failed: the first one not applied */
			if (strata_status_get(strata_scratch_db(scratch), src, &st, NULL) == 0) {
				at = st->napplied;
				strata_status_free(st);
			}
			r.mig = &src->m[at < src->n ? at : 0];
			r.index = at;
			sum->tested++;
			sum->reported++;
			sum->untested = hi - lo + 1;
			c->up_failed = 1;
			emit(c, &r, &d, &e);
			strata_err_release(&e);
			return 0;
		}
	}
	rc = readc(sum, strata_scratch_db(scratch), flags, &prev, err);
	if (rc)
		return rc;
	for (i = lo; i <= hi; i++) {
		struct strata_db *db = strata_scratch_db(scratch);
		const struct strata_migration *m = &src->m[i];
		struct strata_test_result r = { .mig = m, .index = i, .verdict = STRATA_TEST_OK };
		struct strata_err e;
		char why[512], note[700], datanote[700];
		double t0 = strata_now_ms();
		int rebuild = 0, data_up_failed = 0;
		enum strata_down_kind kind;

		strata_err_clear(&e);
		if (strata_db_cancelled(db)) {
			rc = strata_err_set(err, STRATA_EINTR, "interrupted");
			goto out;
		}
		/* --data: rows in every empty table, and what S(i-1) holds then */
		if (c->data && (fill(c, db, prev, &fillnote) || strata_data_snap(db, prev, &snap))) {
			rc = strata_err_set(err, STRATA_ENOMEM, "out of memory");
			goto out;
		}
		rc = step(sum, db, src, STRATA_UP, 1, &e);
		if (rc && rc != STRATA_EINTR && rc != STRATA_ENOMEM && snap) {
			struct strata_err e2;

			/*
			 * --data: an up that fails on tables with rows (ADD COLUMN
			 * ... NOT NULL without a default) is said, and tested again
			 * on empty tables: the scratch rebuilt at S(i-1), no rows
			 */
			snprintf(datanote, sizeof(datanote),
				 "data: the up fails on tables with rows (%s); tested again on empty tables",
				 e.message ? e.message : "error");
			data_up_failed = 1;
			strata_err_release(&e);
			strata_err_clear(&e);
			strata_data_snap_free(snap);
			snap = NULL;
			strata_err_clear(&e2);
			rc = strata_scratch_reset(scratch, err);
			if (rc == 0 && i > 0)
				rc = step(sum, strata_scratch_db(scratch), src, STRATA_UP, (long)i, &e2);
			if (rc) {
				if (e2.code) {
					strata_err_release(err);
					*err = e2;
				}
				goto out;
			}
			sum->rebuilds++;
			r.rebuilt = 1;
			db = strata_scratch_db(scratch);
			rc = step(sum, db, src, STRATA_UP, 1, &e);
		}
		if (rc == STRATA_EINTR || rc == STRATA_ENOMEM) {
			*err = e;
			goto out;
		}
		if (rc) {
			r.verdict = STRATA_TEST_UP_FAILED;
			r.err = &e;
			r.ms = strata_now_ms() - t0;
			sum->tested++;
			sum->reported++;
			sum->untested = hi - i;
			c->up_failed = 1;
			emit(c, &r, &d, &e);
			strata_err_release(&e);
			rc = 0;
			goto out;
		}
		rc = readc(sum, db, flags, &cur, err);
		if (rc)
			goto out;
		kind = strata_down_kind_target(m, strata_scratch_target(scratch), why, sizeof(why));
		if (kind != STRATA_DOWN_STATEMENTS) {
			r.verdict = STRATA_TEST_IRREVERSIBLE;
			snprintf(note, sizeof(note), "%s: the up alone was tested", why);
			r.note = note;
			goto report;
		}
		rc = step(sum, db, src, STRATA_DOWN, 1, &e);
		if (rc == STRATA_EINTR || rc == STRATA_ENOMEM) {
			*err = e;
			goto out;
		}
		if (rc) {
			r.verdict = STRATA_TEST_DOWN_FAILED;
			r.err = &e;
			/* rolled back with its transaction: still at S(i), go on; else rebuild */
			rc = at_state(sum, db, src, i, cur, flags, err);
			if (rc < 0)
				goto out;
			rebuild = !rc;
			rc = 0;
			goto report;
		}
		rc = readc(sum, db, flags, &now, err);
		if (rc == 0)
			rc = strata_schema_compare(prev, now, &d, err);
		if (rc == 0 && snap) {
			struct strata_data_snap *after = NULL;

			/*
			 * the rows the down left of S(i-1)'s, on the tables and
			 * columns both have: what the up made and the down drops
			 * is not compared, what was there before the up is
			 */
			if (strata_data_snap(db, now, &after) || strata_data_lost(snap, after, &lost))
				rc = strata_err_set(err, STRATA_ENOMEM, "out of memory");
			strata_data_snap_free(after);
		}
		strata_schema_free(now);
		now = NULL;
		if (rc)
			goto out;
		if (!equal(d)) {
			r.verdict = d->order_only && !d->nunhandled ? STRATA_TEST_ORDER_ONLY : STRATA_TEST_NOT_RESTORED;
			r.diff = d;
		} else {
			strata_schema_diff_free(d);
			d = NULL;
		}
		/* up again: must build S(i) once more */
		rc = step(sum, db, src, STRATA_UP, 1, &e);
		if (rc == STRATA_EINTR || rc == STRATA_ENOMEM) {
			*err = e;
			goto out;
		}
		if (rc) {
			if (r.verdict == STRATA_TEST_OK) {
				r.verdict = STRATA_TEST_REDO_FAILED;
				r.err = &e;
			}
			rebuild = 1;
			rc = 0;
			goto report;
		}
		{
			struct strata_schema_diff *d2 = NULL;

			rc = readc(sum, db, flags, &now, err);
			if (rc == 0)
				rc = strata_schema_compare(cur, now, &d2, err);
			strata_schema_free(now);
			now = NULL;
			if (rc)
				goto out;
			if (!equal(d2)) {
				rebuild = 1;
				if (r.verdict == STRATA_TEST_OK) {
					r.verdict = STRATA_TEST_REDO_DIFFERS;
					r.diff = d = d2;
					d2 = NULL;
				}
			}
			strata_schema_diff_free(d2);
		}
		if (lost && r.verdict == STRATA_TEST_OK) {
			r.verdict = STRATA_TEST_DATA_LOST;
			r.lost = lost;
		}
report:
		if (data_up_failed) {
			if (r.verdict == STRATA_TEST_OK)
				r.verdict = STRATA_TEST_DATA_UP_FAILED;
			if (!r.note)
				r.note = datanote;
		}
		if (fillnote && !r.note)
			r.note = fillnote;
		if (rebuild) {
			struct strata_err e2;

			strata_err_clear(&e2);
			rc = strata_scratch_reset(scratch, err);
			if (rc == 0)
				rc = step(sum, strata_scratch_db(scratch), src, STRATA_UP, (long)(i + 1), &e2);
			if (rc) {
				if (e2.code) {
					strata_err_release(err);
					*err = e2;
				}
				strata_err_release(&e);
				goto out;
			}
			strata_schema_free(cur);
			cur = NULL;
			rc = readc(sum, strata_scratch_db(scratch), flags, &cur, err);
			if (rc) {
				strata_err_release(&e);
				goto out;
			}
			r.rebuilt = 1;
			if (!r.note) {
				snprintf(note, sizeof(note), "the scratch database was rebuilt with migrations up to %s "
							     "applied to go on",
					 m->vtext);
				r.note = note;
			}
			sum->rebuilds++;
		}
		r.ms = strata_now_ms() - t0;
		sum->tested++;
		if (r.verdict != STRATA_TEST_OK)
			sum->reported++;
		if (emit(c, &r, &d, &e)) {
			strata_err_release(&e);
			rc = c->worker ? strata_err_set(err, STRATA_ENOMEM, "out of memory")
				       : strata_err_set(err, STRATA_EINTR, "stopped");
			goto out;
		}
		strata_err_release(&e);
		strata_schema_diff_free(d);
		d = NULL;
		strata_data_snap_free(snap);
		snap = NULL;
		free(fillnote);
		fillnote = NULL;
		free(lost);
		lost = NULL;
		strata_schema_free(prev);
		prev = cur;
		cur = NULL;
	}
	rc = 0;
out:
	strata_data_snap_free(snap);
	free(fillnote);
	free(lost);
	strata_schema_diff_free(d);
	strata_schema_free(prev);
	strata_schema_free(cur);
	return rc;
}

static void *worker_main(void *arg)
{
	struct chunk *c = arg;

	c->rc = run_range(c);
	return NULL;
}

/* Where to cut lo..hi into n parts of about equal cost: a migration costs more as the schema grows. */
static void split(size_t lo, size_t hi, int n, size_t *starts)
{
	double total = 0, acc = 0;
	size_t i;
	int k = 1;

	for (i = lo; i <= hi; i++)
		total += (double)(i + 10);
	starts[0] = lo;
	for (i = lo; i <= hi && k < n; i++) {
		acc += (double)(i + 10);
		if (acc >= total * k / n && i < hi)
			starts[k++] = i + 1;
	}
	while (k < n)
		starts[k++] = hi + 1; /* fewer migrations than parts: empty ones */
}

int strata_test(struct strata_scratch *scratch, const struct strata_source *src, const struct strata_test_opts *o,
		struct strata_test_summary *sum, struct strata_err *err)
{
	struct strata_test_summary dummy;
	struct chunk ch[STRATA_TEST_MAX_JOBS];
	size_t lo = 0, hi = 0, starts[STRATA_TEST_MAX_JOBS];
	int jobs = o && o->jobs > 1 ? o->jobs : 1, n, k, rc = 0, stop = 0;

	if (!sum)
		sum = &dummy;
	memset(sum, 0, sizeof(*sum));
	rc = range(src, o, &lo, &hi, err);
	if (rc)
		return rc;
	if (jobs > STRATA_TEST_MAX_JOBS)
		jobs = STRATA_TEST_MAX_JOBS;
	/* a part is worth a scratch database of its own only with some migrations in it */
	while (jobs > 1 && (hi - lo + 1) / (size_t)jobs < 8)
		jobs--;
	split(lo, hi, jobs, starts);
	memset(ch, 0, sizeof(ch));
	for (n = 0; n < jobs; n++) {
		struct chunk *c = &ch[n];

		c->src = src;
		c->lo = starts[n];
		c->hi = n + 1 < jobs ? starts[n + 1] - 1 : hi;
		c->flags = o ? o->flags : 0;
		c->fn = o ? o->on_result : NULL;
		c->ud = o ? o->ud : NULL;
		c->worker = n > 0;
		c->data = o ? o->data : 0;
		strata_buf_init(&c->said);
		strata_err_clear(&c->err);
		if (n == 0) {
			c->scratch = scratch;
			continue;
		}
		rc = strata_scratch_open_like(scratch, &c->scratch, err);
		if (rc)
			break;
	}
	/* every part but the first on its own thread; a thread that does not start runs after the first */
	for (k = 1; rc == 0 && k < n; k++)
		if (pthread_create(&ch[k].th, NULL, worker_main, &ch[k]) != 0)
			ch[k].th = 0;
	if (rc == 0)
		ch[0].rc = run_range(&ch[0]);
	for (k = 1; k < n; k++) {
		if (rc == 0 && ch[k].th)
			pthread_join(ch[k].th, NULL);
		else if (rc == 0)
			worker_main(&ch[k]);
	}
	/* the results in order; the first error, or an up that failed, ends them */
	for (k = 0; rc == 0 && k < n; k++) {
		struct chunk *c = &ch[k];
		size_t j;

		if (stop) {
			sum->untested += c->hi - c->lo + 1;
			continue;
		}
		for (j = 0; j < c->nkept; j++) {
			struct kept *kp = &c->kept[j];

			kp->r.diff = kp->diff;
			kp->r.err = kp->has_err ? &kp->err : NULL;
			kp->r.note = kp->note;
			kp->r.lost = kp->lost;
			if (c->fn && c->fn(c->ud, &kp->r)) {
				rc = strata_err_set(err, STRATA_EINTR, "stopped");
				break;
			}
		}
		sum->tested += c->sum.tested;
		sum->reported += c->sum.reported;
		sum->rebuilds += c->sum.rebuilds;
		sum->untested += c->sum.untested;
		if (rc == 0 && c->rc) {
			rc = c->rc;
			*err = c->err;
			strata_err_clear(&c->err);
		}
		if (c->up_failed)
			stop = 1;
	}
	for (k = 0; k < n; k++) {
		size_t j;

		sum->read_ms += ch[k].sum.read_ms;
		sum->run_ms += ch[k].sum.run_ms;
		for (j = 0; j < ch[k].nkept; j++)
			kept_release(&ch[k].kept[j]);
		free(ch[k].kept);
		strata_err_release(&ch[k].err);
		strata_buf_release(&ch[k].said);
		if (k > 0)
			strata_scratch_close(ch[k].scratch, NULL);
	}
	return rc;
}
