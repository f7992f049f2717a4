/*
 * plan.c - the planner: from where a database stands (a status: the files
 * merged with the recorded history, status.c) and a request to a plan, the
 * steps a run makes, each a migration, a direction and an action.
 *
 * Pure: it reads no database and sends no event, so that every request kind
 * and every refusal is tested without one (tests/unit/test_plan.c). In
 * order, as a run meets them: an untrusted history (a modified migration,
 * another migration under a recorded version, a partial one outside `up`),
 * the request's own refusals (no such version, nothing to redo, nothing to
 * accept), an out-of-order pending migration, then each step's script read
 * (statements, directives, own transactions, the point a partial run
 * resumes from, which must not have been edited), --single-transaction over
 * a step that cannot be part of one, downs that cannot be rolled back, and
 * an offline script (--sql) asked for anything but applying or rolling back
 * migrations (a record change, a partial migration's rest).
 *
 * Each step's strategy is chosen once, by strata_strategy_choose(), from
 * what the step is, its directives and statement flags, and the driver's
 * capabilities; apply.c runs the steps as chosen.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "util.h"
#include "split.h"
#include "driver.h"
#include "directives.h"
#include "plan.h"
#include "layout.h"
#include "reason.h"
#include "layout_flyway.h"

static struct strata_directives no_directives;

struct planner {
	const struct strata_status *st;
	const struct strata_plan_opts *po;
	struct strata_plan *p;
};

/* Index in s->sp of the k-th (1-based) non-empty statement, or -1. */
long strata_step_nth_statement(const struct strata_step *s, int k)
{
	size_t i;
	int seen = 0;

	for (i = 0; i < s->sp.n; i++)
		if (!(s->sp.s[i].flags & STRATA_STMT_EMPTY) && ++seen == k)
			return (long)i;
	return -1;
}

/* Checksum of the first k statements of a step (what a partial run has done). */
void strata_step_prefix_checksum(const struct strata_step *s, int k, char hex[65])
{
	struct strata_buf b;
	size_t i;
	int seen = 0;

	strata_buf_init(&b);
	for (i = 0; i < s->sp.n && seen < k; i++) {
		if (s->sp.s[i].flags & STRATA_STMT_EMPTY)
			continue;
		seen++;
		strata_buf_add(&b, s->script + s->sp.s[i].body, s->sp.s[i].end - s->sp.s[i].body);
		strata_buf_addc(&b, '\n');
	}
	strata_checksum(b.buf, b.len, hex);
	strata_buf_release(&b);
}

/*
 * force over a partial migration: what of it is in the database. Its first
 * stmts_done statements ran and stay (force runs nothing and undoes nothing);
 * the rest never ran. Into buf, for the note and the history log.
 */
void strata_step_partial_text(const struct strata_step *s, char *buf, size_t n)
{
	int k = s->row->stmts_done;
	size_t total = s->partial_total;
	char ran[48], rest[64] = "";

	if (k == 1)
		snprintf(ran, sizeof(ran), "statement 1");
	else
		snprintf(ran, sizeof(ran), "statements 1-%d", k);
	if (total == (size_t)k + 1)
		snprintf(rest, sizeof(rest), ", statement %zu never ran", total);
	else if (total > (size_t)k + 1)
		snprintf(rest, sizeof(rest), ", statements %d-%zu never ran", k + 1, total);
	if (total > (size_t)k)
		snprintf(buf, n, "%s of %zu ran and stay%s in the database%s", ran, total, k == 1 ? "s" : "", rest);
	else
		snprintf(buf, n, "%s ran and stay%s in the database", ran, k == 1 ? "s" : "");
}

/* force's steps: logged with what was asked, and what a partial row left behind. */
static void label_force(struct planner *r, const struct strata_request *req, long idx)
{
	char to[STRATA_VERSION_MAX + 32], what[160];
	struct strata_buf b;
	size_t i;

	if (idx >= 0)
		snprintf(to, sizeof(to), "force %s", r->st->rows[idx].vtext);
	else
		snprintf(to, sizeof(to), "force %s: to no version", req->target.d[0] ? req->target.d : "-1");
	for (i = 0; i < r->p->nsteps; i++) {
		struct strata_step *s = &r->p->steps[i];

		s->record_only = 1;
		s->action = "force";
		strata_buf_init(&b);
		if (s->row->state == STRATA_PARTIAL && s->row->mig) {
			struct strata_split sp;

			memset(&sp, 0, sizeof(sp));
			if (strata_sql_split(s->row->mig->up, s->row->mig->up_len, r->po->drv->dialect, &sp, NULL) == 0)
				s->partial_total = strata_split_count(&sp);
			strata_split_release(&sp);
			/* the note once per row: after its record when force unrecords and records it again */
			s->closes_partial = !(i + 1 < r->p->nsteps && r->p->steps[i + 1].row == s->row);
			strata_step_partial_text(s, what, sizeof(what));
			strata_buf_addf(&b, "ok (%s; %s partial: %s)", to, s->down ? "unrecorded the" : "recorded as applied the",
					what);
		} else {
			strata_buf_addf(&b, "ok (%s)", to);
		}
		/* out of memory: the log says "ok", as before */
		s->result = b.broken ? NULL : strata_buf_detach(&b, NULL);
		if (!s->result)
			strata_buf_release(&b);
	}
}

/*
 * Does the script manage its own transactions? Then it must not end inside
 * one: strata records the migration after its last statement, and that
 * record would go into the file's open transaction and vanish with it.
 */
static int own_transactions(struct strata_step *s, struct strata_err *err)
{
	size_t i;
	int open_line = strata_split_open_tx(&s->sp);

	for (i = 0; i < s->sp.n && !s->own_tx; i++) {
		if (s->sp.s[i].flags & STRATA_STMT_TX) {
			s->own_tx = 1;
			s->own_tx_line = s->line + s->sp.s[i].line - 1;
		}
	}
	/* written for drizzle-orm's one transaction: run inside one of strata's, as drizzle-orm runs it */
	if (open_line && !s->down && !s->recorded_down && s->row->mig && strata_drizzle_wrapped(s->row->mig, &s->sp)) {
		s->wrapped = s->line + strata_drizzle_wrapped(s->row->mig, &s->sp) - 1;
		return 0;
	}
	if (open_line) {
		strata_err_set(err, STRATA_ESOURCE,
			       "the transaction started here is never committed: the script ends inside it");
		if (err) {
			err->line = s->line + open_line - 1;
			strata_err_hint(err, "end it with COMMIT; strata records the migration after its last "
					     "statement, outside the script's own transactions");
		}
		return STRATA_ESOURCE;
	}
	return 0;
}

/*
 * Read a step's statements and directives before anything runs, so that an
 * unterminated quote or an unknown directive stops the run untouched, and
 * decide whether it must run outside a transaction.
 */
static int prepare_step(struct planner *r, struct strata_step *s, struct strata_err *err)
{
	const struct strata_driver *drv = r->po->drv;
	const struct strata_migration *m = s->row->mig;
	struct strata_directives dv;
	size_t i;
	int rc;

	if (!s->script || s->record_only)
		return 0;
	memset(&dv, 0, sizeof(dv));
	rc = strata_sql_split(s->script, s->len, drv->dialect, &s->sp, err);
	if (!rc)
		rc = strata_directives_read(s->script, s->len, &s->sp, &dv, err);
	if (!rc && (dv.no_transaction || dv.nrequire || dv.nverify || dv.timeout > 0 || dv.irreversible)) {
		/* most scripts have none: a step keeps a copy only when there are some */
		s->dv = malloc(sizeof(*s->dv));
		if (!s->dv) {
			s->dv = &no_directives;
			strata_directives_release(&dv);
			return strata_err_set(err, STRATA_ENOMEM, "out of memory");
		}
		*s->dv = dv;
	} else {
		strata_directives_release(&dv);
	}
	if (rc) {
		if (err) {
			snprintf(err->file, sizeof(err->file), "%s", s->file);
			err->line = err->line ? s->line + err->line - 1 : 0;
			err->version = s->row->version;
			err->has_version = 1;
		}
		return rc;
	}
	s->notx = s->dv->no_transaction || (m && m->no_transaction && !s->recorded_down);
	rc = own_transactions(s, err);
	if (rc) {
		if (err) {
			snprintf(err->file, sizeof(err->file), "%s", s->file);
			err->version = s->row->version;
			err->has_version = 1;
		}
		return rc;
	}
	if (s->own_tx)
		s->notx = 1;
	if (!s->notx) { /* the dialect's lexer flags the statements its engine runs only outside one */
		for (i = 0; i < s->sp.n; i++) {
			if (s->sp.s[i].flags & STRATA_STMT_NO_TX) {
				s->notx = 1;
				/* apply.c says so in a note */
				s->notx_line = s->line + s->sp.s[i].line - 1;
				break;
			}
		}
	}
	/* a step the journal runs has no transaction for -- strata:verify to roll back */
	if (s->dv->nverify && strata_strategy_choose(s, 0, drv->caps) == STRATA_STRATEGY_JOURNAL)
		return strata_err_set(err, STRATA_ESOURCE,
				      "%s: -- strata:verify needs a transaction to roll back, but this migration runs "
				      "outside one",
				      s->file);
	if (s->down && s->row->stmts_done > 0 && s->row->state != STRATA_PARTIAL) {
		char sum[65];

		/* an earlier down of it stopped after these statements, which stayed: go on after them */
		s->resume = s->row->stmts_done;
		s->notx = 1;
		if (s->resume >= (int)strata_split_count(&s->sp)) {
			strata_err_set(err, STRATA_EHISTORY,
				       "%s: %d statements of the down script already ran, but it now has only %zu",
				       s->file, s->resume, strata_split_count(&s->sp));
			strata_err_reason(err, STRATA_R_PARTIAL);
			if (err)
				strata_err_hint(err,
						"restore the statements that ran; if the database was undone by hand, "
						"record that with `strata force VERSION`");
			return STRATA_EHISTORY;
		}
		strata_step_prefix_checksum(s, s->resume, sum);
		if (!s->row->progress || strcmp(sum, s->row->progress) != 0) {
			strata_err_set(err, STRATA_EHISTORY,
				       "%s: statements 1-%d of the down script already ran, and have been edited since",
				       s->file, s->resume);
			strata_err_reason(err, STRATA_R_PARTIAL);
			if (err) {
				snprintf(err->file, sizeof(err->file), "%s", s->file);
				strata_err_hint(err,
						"restore them as they ran (only statement %d onwards may change); if the "
						"database was undone by hand, record that with `strata force VERSION`",
						s->resume + 1);
			}
			return STRATA_EHISTORY;
		}
	}
	if (!s->down && s->row->state == STRATA_PARTIAL) {
		char sum[65];

		s->resume = s->row->stmts_done;
		if (s->resume > (int)strata_split_count(&s->sp)) {
			strata_err_set(err, STRATA_EHISTORY,
				       "%s: %d statements of it already ran, but the file now has only %zu",
				       s->file, s->resume, strata_split_count(&s->sp));
			strata_err_reason(err, STRATA_R_PARTIAL);
			return STRATA_EHISTORY;
		}
		strata_step_prefix_checksum(s, s->resume, sum);
		if (s->row->progress && strcmp(sum, s->row->progress) != 0 && s->resume < (int)strata_split_count(&s->sp)) {
			/* the journal said "running statement resume+1" (apply.c's run_notx) */
			strata_step_prefix_checksum(s, s->resume + 1, sum);
			s->inflight = strcmp(sum, s->row->progress) == 0;
			if (!s->inflight)
				strata_step_prefix_checksum(s, s->resume, sum);
		}
		if (!s->row->progress || strcmp(sum, s->row->progress) != 0) {
			strata_err_set(err, STRATA_EHISTORY,
				       "%s: statements 1-%d already ran, and have been edited since", s->file,
				       s->resume);
			strata_err_reason(err, STRATA_R_PARTIAL);
			if (err) {
				snprintf(err->file, sizeof(err->file), "%s", s->file);
				strata_err_hint(err,
					 "restore them as they ran (only statement %d onwards may change), or, after "
					 "fixing the database by hand, record the migration with `strata force %s`",
					 s->resume + 1, s->row->vtext);
			}
			return STRATA_EHISTORY;
		}
	}
	return 0;
}

void strata_plan_release(struct strata_plan *p)
{
	size_t i;

	if (!p)
		return;
	for (i = 0; i < p->nsteps; i++) {
		strata_split_release(&p->steps[i].sp);
		free(p->steps[i].result);
		if (p->steps[i].dv != &no_directives) {
			strata_directives_release(p->steps[i].dv);
			free(p->steps[i].dv);
		}
	}
	free(p->steps);
	memset(p, 0, sizeof(*p));
}

/* ------------------------------------------------------------------ planning */

static long find_row(const struct strata_status *st, const struct strata_version *v)
{
	size_t i;

	for (i = 0; i < st->n; i++)
		if (strata_version_cmp(&st->rows[i].version, v) == 0)
			return (long)i;
	return -1;
}

/* goto/force to no version: "" (golang-migrate's -1), or 0 when no migration has version 0. */
static int to_nothing(const struct strata_status *st, const struct strata_version *v)
{
	return !v->d[0] || (strcmp(v->d, "0") == 0 && find_row(st, v) < 0);
}

int strata_row_is_applied(const struct strata_status_row *row)
{
	return row->state == STRATA_APPLIED || row->state == STRATA_MODIFIED || row->state == STRATA_MISSING;
}

static int add_step(struct planner *r, const struct strata_status_row *row, int down)
{
	struct strata_step *s = &r->p->steps[r->p->nsteps++];
	const struct strata_migration *m = row->mig;

	memset(s, 0, sizeof(*s));
	s->dv = &no_directives;
	s->row = row;
	s->down = down;
	s->action = down ? "down" : "up";
	if (!down) {
		s->script = m->up;
		s->len = m->up_len;
		s->file = m->up_file;
		s->line = m->up_line;
		return 0;
	}
	if (m && m->down && row->state != STRATA_MODIFIED) {
		s->script = m->down;
		s->len = m->down_len;
		s->file = m->down_file ? m->down_file : m->up_file; /* markers: the down section of the same file */
		s->line = m->down_line;
	} else if (row->down) {
		s->script = row->down;
		s->len = strlen(row->down);
		s->file = "(recorded down script)";
		s->line = 1;
		s->recorded_down = 1;
	}
	return 0;
}

/* A goose Go migration: compiled into goose's binary, so strata can list and record it, never run it. */
static int is_go(const struct strata_status_row *row)
{
	return row->mig && row->mig->layout == STRATA_LAYOUT_GO;
}

/* A Flyway repeatable's row (its file, or its reserved version when the file is gone): never rolled back. */
static int repeatable(const struct strata_status_row *row)
{
	return row->mig ? strata_migration_repeatable(row->mig) : strata_flyway_is_repeatable_version(&row->version);
}

/* A repeatable whose file changed since it ran: up runs it again. */
static int rerun(const struct strata_status_row *row)
{
	return row->state == STRATA_MODIFIED && row->mig && strata_migration_repeatable(row->mig);
}

/* Up to a pending row: a step, or, for a Go migration, the end of the plan (1). */
static int add_up_step(struct planner *r, const struct strata_status_row *row)
{
	if (is_go(row)) {
		r->p->go_stop = row;
		return 1;
	}
	add_step(r, row, 0);
	return 0;
}

static int refuse_untrusted(struct planner *r, int up, struct strata_err *err)
{
	struct strata_buf b;
	size_t i, bad = 0;
	const struct strata_status_row *first = NULL;

	strata_buf_init(&b);
	for (i = 0; i < r->st->n; i++) {
		const struct strata_status_row *row = &r->st->rows[i];

		if (row->state == STRATA_PARTIAL && !up) {
			strata_buf_addf(&b, "%s%s %s stopped part way (%d statement%s done)", bad ? "\n" : "",
					row->vtext, row->name, row->stmts_done, row->stmts_done == 1 ? "" : "s");
			bad++;
			first = first ? first : row;
		} else if (row->state == STRATA_MODIFIED && row->mig && strata_migration_repeatable(row->mig)) {
			continue; /* changed since it ran: run again, as Flyway does */
		} else if (row->state == STRATA_MODIFIED && !r->po->allow_modified && row->recorded_name) {
			/* not an edit: another migration under the same version */
			strata_buf_addf(&b, "%s%s was applied as `%s`, the file is `%s`: is this the right directory and "
					"database?", bad ? "\n" : "", row->vtext, row->recorded_name, row->name);
			bad++;
			first = first ? first : row;
		} else if (row->state == STRATA_MODIFIED && !r->po->allow_modified) {
			strata_buf_addf(&b, "%s%s was changed after it was applied (recorded sha256 %.12s, file %.12s)",
					bad ? "\n" : "", row->mig->up_file, strata_checksum_hex(row->checksum),
					strata_checksum_file_hex(row->checksum, row->mig));
			bad++;
			first = first ? first : row;
		}
	}
	if (bad) {
		strata_err_set(err, STRATA_EHISTORY, "%s", b.buf);
		strata_err_reason(err, first->state == STRATA_PARTIAL ? STRATA_R_PARTIAL
				       : first->recorded_name	     ? STRATA_R_REPLACED
								     : STRATA_R_MODIFIED);
		if (err) {
			snprintf(err->file, sizeof(err->file), "%s", first->mig ? first->mig->up_file : "");
			err->version = first->version;
			err->has_version = 1;
			if (first->state == STRATA_PARTIAL)
				strata_err_hint(err, "%s",
					 "fix the migration and record its state by hand with `strata force VERSION`");
			else if (first->recorded_name)
				strata_err_hint(err,
					 "check the migrations directory and the database; if %s `%s` really replaces `%s`, "
					 "record it "
					 "with `strata accept %s`",
					 first->vtext, first->name, first->recorded_name, first->vtext);
			else
				strata_err_hint(err,
					 "restore the applied file; if the change is deliberate and harmless, record it with "
					 "`strata accept %s` (or run once allowing modified migrations)",
					 first->vtext);
		}
		strata_buf_release(&b);
		return STRATA_EHISTORY;
	}
	strata_buf_release(&b);
	return 0;
}

static int check_out_of_order(struct planner *r, struct strata_err *err)
{
	size_t i;
	const struct strata_status_row *newest = NULL;

	if (r->po->allow_out_of_order)
		return 0;
	for (i = 0; i < r->st->n; i++)
		if (r->st->rows[i].state != STRATA_PENDING)
			newest = &r->st->rows[i];
	for (i = 0; i < r->p->nsteps; i++) {
		const struct strata_step *s = &r->p->steps[i];

		if (!s->down && s->row->out_of_order) {
			strata_err_set(err, STRATA_EHISTORY,
				       "%s %s is pending but is older than %s %s, which is already applied",
				       s->row->vtext, s->row->name, newest ? newest->vtext : "?",
				       newest ? newest->name : "?");
			strata_err_reason(err, STRATA_R_OUT_OF_ORDER);
			if (err) {
				snprintf(err->file, sizeof(err->file), "%s", s->row->mig->up_file);
				err->version = s->row->version;
				err->has_version = 1;
				strata_err_hint(err,
					 "two branches added migrations; apply it anyway by allowing out-of-order migrations");
			}
			return STRATA_EHISTORY;
		}
	}
	return 0;
}

static int plan(struct planner *r, const struct strata_request *req, struct strata_err *err)
{
	const struct strata_status *st = r->st;
	long i, idx, last = -1;
	long count = req->count;

	r->p->steps = calloc(st->n * 2 + 2, sizeof(*r->p->steps));
	if (!r->p->steps)
		return strata_err_set(err, STRATA_ENOMEM, "out of memory");
	for (i = 0; i < (long)st->n; i++)
		if (strata_row_is_applied(&st->rows[i]) || st->rows[i].state == STRATA_PARTIAL)
			last = i;
	switch (req->action) {
	case STRATA_UP:
		for (i = 0; i < (long)st->n && (count <= 0 || (long)r->p->nsteps < count); i++) {
			if (rerun(&st->rows[i])) {
				/* a repeatable whose file changed: it runs again and its record is replaced */
				add_step(r, &st->rows[i], 0);
				r->p->steps[r->p->nsteps - 1].rerun = 1;
				continue;
			}
			if ((st->rows[i].state == STRATA_PENDING || st->rows[i].state == STRATA_PARTIAL) &&
			    add_up_step(r, &st->rows[i]))
				break;
		}
		break;
	case STRATA_DOWN:
		if (count <= 0)
			count = 1;
		for (i = (long)st->n - 1; i >= 0 && (req->all || (long)r->p->nsteps < count); i--)
			if (strata_row_is_applied(&st->rows[i]) && !repeatable(&st->rows[i]))
				add_step(r, &st->rows[i], 1);
		break;
	case STRATA_GOTO:
		if (to_nothing(st, &req->target)) {
			idx = -1;
		} else {
			idx = find_row(st, &req->target);
			if (idx < 0)
				return strata_err_setr(err, STRATA_EUSAGE, STRATA_R_NO_VERSION,
						       "no migration has version %s; `strata status` lists them",
						       req->target.d);
		}
		for (i = (long)st->n - 1; i > idx; i--)
			if (strata_row_is_applied(&st->rows[i]) && !repeatable(&st->rows[i]))
				add_step(r, &st->rows[i], 1);
		for (i = 0; i <= idx; i++)
			if ((st->rows[i].state == STRATA_PENDING || st->rows[i].state == STRATA_PARTIAL) &&
			    add_up_step(r, &st->rows[i]))
				break;
		break;
	case STRATA_REDO:
		for (i = (long)st->n - 1; i >= 0; i--)
			if (strata_row_is_applied(&st->rows[i]))
				break;
		if (i < 0)
			return strata_err_setr(err, STRATA_EUSAGE, STRATA_R_NOTHING,
					       "nothing is applied: there is nothing to redo");
		if (!st->rows[i].mig)
			return strata_err_setr(err, STRATA_ESOURCE, STRATA_R_MISSING,
					       "%s %s is applied but its file is gone: it cannot be applied again",
					      st->rows[i].vtext, st->rows[i].name);
		add_step(r, &st->rows[i], 1);
		add_step(r, &st->rows[i], 0);
		break;
	case STRATA_FORCE:
		if (to_nothing(st, &req->target)) {
			idx = -1;
		} else {
			idx = find_row(st, &req->target);
			if (idx < 0 || !st->rows[idx].mig)
				return strata_err_setr(err, STRATA_EUSAGE, STRATA_R_NO_VERSION,
						       "no migration file has version %s; `strata status` lists them",
						       req->target.d);
		}
		for (i = (long)st->n - 1; i > idx; i--)
			if (st->rows[i].state != STRATA_PENDING)
				add_step(r, &st->rows[i], 1);
		for (i = 0; i <= idx; i++) {
			/* partial, or a down stopped part way: re-recorded whole below */
			int redo = st->rows[i].state == STRATA_PARTIAL ||
				   (st->rows[i].state == STRATA_APPLIED && st->rows[i].stmts_done > 0);

			if (redo)
				add_step(r, &st->rows[i], 1);
			if (st->rows[i].state == STRATA_PENDING || redo)
				add_step(r, &st->rows[i], 0);
		}
		label_force(r, req, idx);
		return 0;
	case STRATA_BASELINE:
		idx = find_row(st, &req->target);
		if (idx < 0 || !st->rows[idx].mig)
			return strata_err_setr(err, STRATA_EUSAGE, STRATA_R_NO_VERSION,
					       "no migration file has version %s; `strata status` lists them",
					       req->target.d);
		for (i = 0; i <= idx; i++) {
			if (st->rows[i].state != STRATA_PENDING)
				continue;
			add_step(r, &st->rows[i], 0);
			r->p->steps[r->p->nsteps - 1].record_only = 1;
			r->p->steps[r->p->nsteps - 1].action = "baseline";
		}
		return 0;
	case STRATA_ACCEPT:
		idx = find_row(st, &req->target);
		if (idx < 0)
			return strata_err_setr(err, STRATA_EUSAGE, STRATA_R_NO_VERSION,
					       "no migration has version %s; `strata status` lists them", req->target.d);
		if (st->rows[idx].state != STRATA_MODIFIED)
			return strata_err_setr(err, STRATA_EUSAGE, STRATA_R_NOTHING,
					       "%s %s is %s, not modified: there is nothing to accept",
					      st->rows[idx].vtext, st->rows[idx].name, strata_state_name(st->rows[idx].state));
		add_step(r, &st->rows[idx], 0);
		r->p->steps[0].record_only = 1;
		r->p->steps[0].accept = 1;
		r->p->steps[0].action = "accept";
		return 0;
	}
	(void)last;
	return 0;
}

int strata_action_records_only(enum strata_action a)
{
	return a == STRATA_FORCE || a == STRATA_BASELINE || a == STRATA_ACCEPT;
}

/* Why step s cannot be rolled back (into why), or 0 when it can. */
static int irreversible(const struct strata_step *s, char *why, size_t n)
{
	const struct strata_migration *m = s->row->mig;

	if (!s->down || s->record_only)
		return 0;
	if (is_go(s->row)) {
		snprintf(why, n, "it is a goose Go migration, which strata cannot run (roll it back with goose, then "
				 "record that with `strata force VERSION`, the version before it)");
		return 1;
	}
	if (s->script && !s->dv->irreversible)
		return 0;
	if (s->script && s->recorded_down)
		snprintf(why, n, "the down script recorded when it was applied says -- strata:irreversible%s%s%s",
			 s->dv->irreversible_why ? " (" : "", s->dv->irreversible_why ? s->dv->irreversible_why : "",
			 s->dv->irreversible_why ? ")" : "");
	else if (s->script)
		snprintf(why, n, "%s:%d says -- strata:irreversible%s%s%s", s->file, s->line + s->dv->irreversible - 1,
			 s->dv->irreversible_why ? " (" : "", s->dv->irreversible_why ? s->dv->irreversible_why : "",
			 s->dv->irreversible_why ? ")" : "");
	else if (!m)
		snprintf(why, n, "its down script is missing (its file is gone, and no down script was recorded when "
				 "it was applied)");
	else if (m->down)
		snprintf(why, n, "its down script is missing (the file changed since it was applied, and no down "
				 "script was recorded then)");
	else {
		char where[600];

		strata_down_absent(m, where, sizeof(where));
		snprintf(why, n, "its down script is missing (%s)", where);
	}
	return 1;
}

/*
 * Refuse a range that holds migrations which cannot be rolled back, naming
 * every one of them at once, before anything runs: one run per refusal would
 * teach them to people one at a time.
 */
static int refuse_irreversible(struct planner *r, struct strata_err *err)
{
	struct strata_buf b;
	const struct strata_step *first = NULL;
	size_t i, bad = 0, shown = 0, missing = 0;
	char why[900];

	strata_buf_init(&b);
	for (i = 0; i < r->p->nsteps; i++) {
		const struct strata_step *s = &r->p->steps[i];

		if (!irreversible(s, why, sizeof(why)))
			continue;
		if (!first)
			first = s;
		bad++;
		missing += !s->script;
		/* the message has a fixed size: the rest are counted */
		if (b.len < 700) {
			strata_buf_addf(&b, "%s%s %s cannot be rolled back: %s", b.len ? "\n" : "", s->row->vtext,
					s->row->name, why);
			shown++;
		}
	}
	if (!bad) {
		strata_buf_release(&b);
		return 0;
	}
	if (shown < bad)
		strata_buf_addf(&b, "\nand %zu more (`strata validate` lists them all)", bad - shown);
	strata_err_set(err, STRATA_EREFUSED, "%s", b.broken ? "out of memory" : b.buf);
	strata_err_reason(err, is_go(first->row)	     ? STRATA_R_GO_MIGRATION
			       : first->script	     ? STRATA_R_IRREVERSIBLE
			       : !first->row->mig ? STRATA_R_MISSING
						     : STRATA_R_NO_DOWN);
	strata_buf_release(&b);
	if (err) {
		snprintf(err->file, sizeof(err->file), "%s", first->script && !first->recorded_down ? first->file : "");
		err->line = 0;
		err->version = first->row->version;
		err->has_version = 1;
		strata_err_hint(err,
			 "nothing was changed. %s%s",
			 missing ? "Write the missing down script, or roll back less (`strata down N`, `strata goto V`); "
				 : "Roll back less (`strata down N`, `strata goto V`); ",
			 "if the database was undone by hand, record that with `strata force VERSION`");
	}
	return STRATA_EREFUSED;
}

/* Every step read and checked before anything runs. */
static int prepare(struct planner *r, struct strata_err *err)
{
	size_t i;
	int rc;

	for (i = 0; i < r->p->nsteps; i++) {
		struct strata_step *s = &r->p->steps[i];

		r->p->nprepared = i + 1;
		rc = prepare_step(r, s, err);
		if (rc)
			return rc;
		if (s->down && !s->record_only && s->script && !s->dv->irreversible && strata_split_count(&s->sp) == 0)
			s->empty = 1; /* as golang-migrate, dbmate, goose and Diesel run it: nothing, then the record goes */
		s->strategy = strata_strategy_choose(s, r->p->single_tx, r->po->drv->caps);
		if (s->own_tx && !s->record_only && r->po->single_transaction) {
			strata_err_setr(err, STRATA_EUSAGE, STRATA_R_OWN_TRANSACTION,
					"%s %s manages its own transactions (BEGIN/COMMIT), so it cannot be part of a "
					"single transaction for the whole batch; nothing was run",
					s->row->vtext, s->row->name);
			if (err) {
				snprintf(err->file, sizeof(err->file), "%s", s->file);
				err->line = s->own_tx_line;
				strata_err_hint(err,
					 "run without a single transaction for the whole batch: each migration then runs "
					 "in its own transaction, and this one as written");
			}
			return STRATA_EUSAGE;
		}
		if (s->strategy == STRATA_STRATEGY_JOURNAL && r->po->single_transaction) {
			strata_err_setr(err, STRATA_EUSAGE, STRATA_R_OWN_TRANSACTION,
					"%s %s must run outside a transaction, so it cannot be part of a single "
					"transaction for the whole batch",
					s->row->vtext, s->row->name);
			if (err)
				snprintf(err->file, sizeof(err->file), "%s", s->file);
			return STRATA_EUSAGE;
		}
	}
	return refuse_irreversible(r, err);
}

int strata_stmt_commits(const struct strata_stmt *st, unsigned caps)
{
	if (caps & STRATA_CAP_TRANSACTIONAL_DDL)
		return 0;
	if (caps & STRATA_CAP_IMPLICIT_COMMITS_KNOWN)
		return (st->flags & STRATA_STMT_IMPLICIT_COMMIT) != 0;
	return !(st->flags & STRATA_STMT_EMPTY); /* any statement may */
}

/* Does any statement of the step commit implicitly (so that it cannot be one transaction with its record)? */
static int step_commits(const struct strata_step *s, unsigned caps)
{
	size_t i;

	for (i = 0; i < s->sp.n; i++)
		if (strata_stmt_commits(&s->sp.s[i], caps))
			return 1;
	return 0;
}

enum strata_strategy strata_strategy_choose(const struct strata_step *s, int single_tx, unsigned caps)
{
	int runs = !s->record_only && s->script && !s->empty;

	if (s->rerun && !s->notx) /* its record is replaced, not inserted: the plain way */
		return single_tx ? STRATA_STRATEGY_BATCH : STRATA_STRATEGY_TX;

	/*
	 * asked for by the migration, or DDL that would not roll back with a
	 * transaction anyway (a script of DML alone still runs in one, with its
	 * record, on any engine)
	 */
	if (!s->record_only && (s->notx || (runs && (s->resume || s->inflight || step_commits(s, caps)))))
		return STRATA_STRATEGY_JOURNAL;
	if (single_tx)
		return (caps & STRATA_CAP_BATCH) && !s->record_only && !s->accept && (s->down || s->row->mig)
			       ? STRATA_STRATEGY_BATCH_HELD
			       : STRATA_STRATEGY_BATCH;
	/* verify and timeout need their own statements inside the transaction */
	if ((caps & STRATA_CAP_BATCH) && !s->record_only && !s->accept && !s->dv->nverify && s->dv->timeout <= 0 &&
	    s->row->mig)
		return STRATA_STRATEGY_ONE_TRIP;
	return STRATA_STRATEGY_TX;
}

int strata_plan_check_source(const struct strata_source *src, struct strata_err *err)
{
	if (src->ups_only)
		return strata_err_set(err, STRATA_EUSAGE, "this source was loaded without its down scripts "
							  "(STRATA_SOURCE_UPS_ONLY) and cannot be run");
	return 0;
}

int strata_plan_build(const struct strata_source *src, const struct strata_status *st,
		      const struct strata_request *req, const struct strata_plan_opts *po, struct strata_plan *out,
		      struct strata_err *err)
{
	struct planner r;
	size_t i;
	int rc;

	memset(out, 0, sizeof(*out));
	rc = strata_plan_check_source(src, err);
	if (rc)
		return rc;
	r.st = st;
	r.po = po;
	r.p = out;
	out->single_tx = po->single_transaction || strata_action_records_only(req->action);
	if (!strata_action_records_only(req->action)) {
		rc = refuse_untrusted(&r, req->action == STRATA_UP || req->action == STRATA_GOTO, err);
		if (rc)
			return rc;
	}
	rc = plan(&r, req, err);
	if (rc)
		return rc;
	if (out->nsteps) { /* plan() allowed for the worst case (redo); give the rest back */
		struct strata_step *fit = realloc(out->steps, out->nsteps * sizeof(*out->steps));

		if (fit)
			out->steps = fit;
	}
	if (req->action == STRATA_UP || req->action == STRATA_GOTO) {
		rc = check_out_of_order(&r, err);
		if (rc)
			return rc;
	}
	rc = prepare(&r, err);
	if (rc || !req->script)
		return rc;
	/* the offline script (build_script in apply.c) applies and rolls back migrations, nothing else */
	for (i = 0; i < out->nsteps; i++) {
		const struct strata_step *s = &out->steps[i];

		if (s->record_only || s->resume)
			return strata_err_setr(err, STRATA_EUSAGE, STRATA_R_SCRIPT_UP_ONLY,
					       "an offline script can only apply or roll back migrations; %s %s %s",
					       s->row->vtext, s->row->name,
					       s->record_only ? "would only have its record changed"
							      : "stopped part way, and only a run on the database "
								"finishes it");
	}
	return 0;
}
