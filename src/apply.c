/*
 * apply.c - run a plan against an open target.
 *
 * The order of a run is fixed: take the lock, read where the database
 * stands, have the planner (plan.c) choose the steps, refuse a history that
 * cannot be trusted and check every step, create the tracking table (only
 * now: a refusal leaves the database as it was), then run each step as its
 * strategy says, most in their own transaction together with the row that
 * records it; `up` stops before a goose Go migration, which it cannot run.
 * A failed step is rolled back; the error names the file and the line,
 * computed from the driver's error offset (or, for PL/pgSQL, from the line
 * its CONTEXT names) and where the script starts in its file. A step that
 * cannot run in a transaction, or whose file manages its own (BEGIN ...
 * COMMIT, SQLite's PRAGMA foreign_keys), or any step with statements on an
 * engine whose DDL does not roll back, runs as written, statement by
 * statement, recording its progress so that a failed run resumes where it
 * stopped (run_notx); a down run that way records how far it got on the
 * still applied row, and the next down resumes there.
 *
 * SQLite has no session lock: each step takes the write lock with BEGIN
 * IMMEDIATE and first checks that no other runner recorded the same version
 * meanwhile, so concurrent runners serialise and skip each other's work.
 *
 * A request with .script runs nothing: it builds the SQL a DBA runs
 * (build_script); with .offline as well, where the database stands is the
 * request's `from` (status.c's strata_status_assume), nothing of it is read
 * and it may have been opened without a connection (strata_db_open_offline).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "buf.h"
#include "util.h"
#include "split.h"
#include "driver.h"
#include "db.h"
#include "history.h"
#include "status.h"
#include "plan.h"
#include "reason.h"
#include "cancel.h"

/* At each migration boundary: the run's cancel tokens (cancel.c). */
static int interrupted(struct strata_db *db)
{
	return strata_db_cancelled(db);
}

/* ------------------------------------------------------------------ steps */

struct run {
	struct strata_db *db;
	const struct strata_source *src;
	struct strata_status *st;
	struct strata_plan plan;
	struct strata_deferred held; /* bookkeeping held back in a server's batch transaction */
	int notx_done;           /* after run_notx() failed: statements of it that ran and stay */
	double ms;               /* after run_step(): the duration it recorded (ms, to the microsecond), or -1 */
};

/* Held bookkeeping is sent in statements of at most this many rows. */
#define HOLD_MAX 1000

/* Byte offset -> file:line:column in err. */
static void locate_pos(struct strata_err *err, const struct strata_step *s, long pos)
{
	size_t lstart;
	int line;

	if (!err)
		return;
	snprintf(err->file, sizeof(err->file), "%s", s->file);
	if (pos < 0 || (size_t)pos > s->len)
		return;
	line = strata_line_of(s->script, s->len, (size_t)pos);
	err->line = s->line + line - 1;
	lstart = (size_t)pos;
	while (lstart > 0 && s->script[lstart - 1] != '\n')
		lstart--;
	err->column = (int)((size_t)pos - lstart) + 1;
}


/*
 * A server error without a position, raised in PL/pgSQL: its CONTEXT says
 * "PL/pgSQL function NAME line N at ...", innermost call first. The first
 * frame whose body is in this script gives the place: the DO block of the
 * failing statement `i` (NAME is inline_code_block), or a function or
 * procedure this script creates before it. PL/pgSQL counts line 1 from the
 * byte after the body's opening dollar quote, so the file line is that
 * byte's line plus N-1. Returns the offset in s->script of the first
 * non-blank byte of that line, or -1.
 */
static long context_pos(const struct strata_step *s, long i, const struct strata_err *err)
{
	static const char frame[] = "PL/pgSQL function ";
	const char *c = err->context;

	while (c && (c = strstr(c, frame)) != NULL) {
		const char *name = c + sizeof(frame) - 1, *eol = strchr(name, '\n'), *at, *q, *dot = NULL;
		size_t namelen;
		long k, n, def = -1, body;
		int line;

		c = name;
		at = strstr(name, " line ");
		if (!at || (eol && at > eol))
			continue;
		line = atoi(at + 6);
		if (line <= 0)
			continue;
		/* NAME is [schema.]name(argument types), each part quoted when it needs to be */
		for (q = name; q < at && *q != '('; q++)
			if (*q == '.')
				dot = q;
		if (dot)
			name = dot + 1;
		namelen = (size_t)(q - name);
		if (namelen >= 2 && name[0] == '"' && name[namelen - 1] == '"') {
			name++;
			namelen -= 2;
		}
		if (namelen == 17 && !strncmp(name, "inline_code_block", 17) && q == at) {
			def = i;
		} else {
			for (k = 0; k <= i; k++)
				if (!(s->sp.s[k].flags & STRATA_STMT_EMPTY) &&
				    strata_sql_defines_routine(s->script + s->sp.s[k].body,
							       s->sp.s[k].end - s->sp.s[k].body, name, namelen))
					def = k;
		}
		if (def < 0)
			continue;
		body = strata_sql_dollar_body(s->script + s->sp.s[def].body, s->sp.s[def].end - s->sp.s[def].body);
		if (body < 0)
			continue;
		body += (long)s->sp.s[def].body;
		for (n = 1; n < line && body < (long)s->sp.s[def].end; body++)
			n += s->script[body] == '\n';
		if (n < line)
			continue;
		while (body < (long)s->sp.s[def].end && (s->script[body] == ' ' || s->script[body] == '\t'))
			body++;
		return body;
	}
	return -1;
}

/*
 * Where an error of a whole-script exec is: the driver's offset, or, without
 * one, the PL/pgSQL line its CONTEXT names, or the start of the statement
 * the driver says failed.
 */
static void locate(struct strata_err *err, const struct strata_step *s, long pos)
{
	if (err && pos < 0 && err->statement > 0) {
		long i = strata_step_nth_statement(s, err->statement);

		if (i >= 0) {
			pos = context_pos(s, i, err);
			if (pos < 0)
				pos = (long)s->sp.s[i].body;
		}
	}
	locate_pos(err, s, pos);
}

static void mig_fill(struct strata_ev_mig *m, const struct strata_step *s, double ms)
{
	m->version = s->row->version;
	m->vtext = s->row->vtext;
	m->name = s->row->name;
	m->down = s->down;
	m->empty = s->empty;
	m->ms = ms;
}

/* MIG_START, MIG_DONE, MIG_SKIPPED */
static void emit_mig(struct strata_db *db, enum strata_event_kind kind, const struct strata_step *s, double ms)
{
	struct strata_event ev;

	memset(&ev, 0, sizeof(ev));
	ev.kind = kind;
	mig_fill(&ev.mig, s, ms);
	strata_emit(db, &ev);
}

static void emit_statements(struct strata_db *db, const struct strata_step *s)
{
	struct strata_event ev = { 0 };
	size_t i;
	int k = 0;

	ev.kind = STRATA_EV_STATEMENT;
	mig_fill(&ev.statement.mig, s, 0);
	for (i = 0; i < s->sp.n; i++) {
		char *text;

		if (s->sp.s[i].flags & STRATA_STMT_EMPTY)
			continue;
		if (++k <= s->resume)
			continue;
		text = strata_strndup(s->script + s->sp.s[i].body, s->sp.s[i].end - s->sp.s[i].body);
		if (!text)
			continue;
		ev.statement.sql = text;
		ev.statement.index = (size_t)k;
		strata_emit(db, &ev);
		free(text);
	}
}


static int is_true(const char *v)
{
	return v && (strcmp(v, "t") == 0 || strcmp(v, "true") == 0 || strcmp(v, "1") == 0);
}

/* Evaluate -- strata:require / verify conditions; false is STRATA_ECONDITION naming the line. */
static int check_conditions(struct strata_db *db, const struct strata_step *s, char **conds, const int *lines, size_t n,
			    const char *what, struct strata_err *err)
{
	size_t i;

	for (i = 0; i < n; i++) {
		struct strata_rows *r;
		int rc = db->drv->query(db->conn, conds[i], 0, NULL, &r, err);

		if (rc) {
			strata_err_prefix(err, "-- strata:%s %s: ", what, conds[i]);
			if (err) {
				snprintf(err->file, sizeof(err->file), "%s", s->file);
				err->line = s->line + lines[i] - 1;
			}
			return rc;
		}
		if (r->nrows != 1 || r->ncols < 1 || !is_true(strata_rows_get(r, 0, 0))) {
			strata_err_setr(err, STRATA_ECONDITION, STRATA_R_CONDITION, "-- strata:%s is not true: %s", what,
					conds[i]);
			if (err) {
				snprintf(err->file, sizeof(err->file), "%s", s->file);
				err->line = s->line + lines[i] - 1;
				strata_err_hint(err, "%s",
					 strcmp(what, "require") == 0
						 ? "nothing was run; make the condition hold, then run strata again"
						 : "the migration was rolled back");
			}
			strata_rows_free(r);
			return STRATA_ECONDITION;
		}
		strata_rows_free(r);
	}
	return 0;
}

static int set_timeout(struct strata_db *db, const struct strata_step *s, int local, struct strata_err *err)
{
	struct strata_buf b;
	long pos;
	int rc;

	if (s->dv->timeout <= 0 || !db->drv->sql->statement_timeout)
		return 0;
	strata_buf_init(&b);
	db->drv->sql->statement_timeout(&b, s->dv->timeout * 1000.0, local);
	rc = b.broken ? strata_err_set(err, STRATA_ENOMEM, "out of memory")
		      : db->drv->exec(db->conn, b.buf, b.len, &pos, err);
	strata_buf_release(&b);
	return rc;
}

/*
 * run_notx() could not write the record of statements that ran and stay:
 * say so, rather than let the failure read as the script's (or as nothing run).
 */
static int unrecorded(struct run *r, const struct strata_step *s, int rc, struct strata_err *err)
{
	if (r->notx_done == 0 || rc != STRATA_EDB || !err)
		return rc;
	strata_err_prefix(err, "recording %s %s failed: ", s->row->vtext, s->row->name);
	err->code = STRATA_EHISTORY;
	err->reason = STRATA_R_UNRECORDED;
	err->statement = 0;
	if (r->notx_done == 1)
		strata_err_hint(err, "statement 1 of its %s ran and stays, but strata's record does not say so: check the "
				     "database, then record where it stands with `strata force VERSION`",
				s->down ? "down script" : "script");
	else
		strata_err_hint(err, "statements 1-%d of its %s ran and stay, but strata's record does not say so: check "
				     "the database, then record where it stands with `strata force VERSION`",
				r->notx_done, s->down ? "down script" : "script");
	return STRATA_EHISTORY;
}

/*
 * A migration that cannot run in a transaction: its statements one by one,
 * its progress recorded after each, so that a failure at statement k leaves
 * a partial record from which a later run resumes at k.
 *
 * A file that manages its own transactions runs the same way, as written:
 * its BEGIN ... COMMIT blocks are the server's transactions, and the
 * progress recorded inside one commits or rolls back with it. So when a
 * statement inside such a block fails, the block is rolled back (by the
 * caller) and what stays, and is recorded, ends before its BEGIN:
 * r->notx_done says how many statements that is. Resuming on a new
 * connection first runs the file's PRAGMA foreign_keys statements that came
 * before the resume point again, because that setting belongs to the
 * connection: a table rebuild resumed with foreign keys back on would let
 * DROP TABLE cascade into the child tables.
 */
/*
 * A test hook (crash tests): STRATA_TEST_PAUSE_UNRECORDED=K:FILE makes a run
 * stop for a minute after statement K of a migration ran and before the
 * journal records it, having created FILE, so that a test can kill it there.
 */
static void pause_unrecorded(int k)
{
	const char *v = getenv("STRATA_TEST_PAUSE_UNRECORDED");
	const char *colon = v ? strchr(v, ':') : NULL;
	FILE *f;

	if (!colon || atoi(v) != k)
		return;
	f = fopen(colon + 1, "w");
	if (f)
		fclose(f);
	{
		struct timespec ts = { 60, 0 };

		nanosleep(&ts, NULL);
	}
}

/*
 * On an engine whose DDL commits implicitly (the driver has
 * statement_landed), the journal also says which statement is running: its
 * row holds statements_done = k-1 and the checksum of statements 1..k while
 * statement k runs (plan.c reads that as `inflight`), so that after a crash
 * the next run asks the catalog whether statement k landed. Not needed for
 * a statement that does not commit (DML): it runs in one transaction with
 * its record.
 */
static int journal_intent(struct run *r, const struct strata_step *s, int k, struct strata_err *err)
{
	char sum[65];

	strata_step_prefix_checksum(s, k, sum);
	return strata_history_progress(r->db, s->row->mig, k - 1, sum, err);
}

/*
 * Resuming after a run that stopped while statement k was running: did it
 * land? 1 yes (recorded now, the run goes on after it), 0 no (it runs), or a
 * refusal when the catalog cannot tell.
 */
static int check_landed(struct run *r, const struct strata_step *s, int k, struct strata_err *err)
{
	struct strata_db *db = r->db;
	const struct strata_stmt *st = &s->sp.s[strata_step_nth_statement(s, k)];
	char *what = NULL, sum[65];
	int rc, line = s->line + st->line - 1;

	rc = db->drv->statement_landed(db->conn, s->script + st->body, st->end - st->body, &what, err);
	if (rc < 0) {
		free(what);
		return rc;
	}
	if (rc == 2) {
		strata_err_setr(err, STRATA_EHISTORY, STRATA_R_PARTIAL,
				"%s %s stopped while statement %d (line %d) ran, before strata could record it, and "
				"the catalog cannot tell %s",
				s->row->vtext, s->row->name, k, line, what ? what : "whether it ran");
		if (err) {
			snprintf(err->file, sizeof(err->file), "%s", s->file);
			err->line = line;
			strata_err_hint(err,
				 "check the database by hand: if statement %d ran, run the statements after it by "
				 "hand; if not, run it and the rest; then record the migration with `strata force %s`",
				 k, s->row->vtext);
		}
		free(what);
		return STRATA_EHISTORY;
	}
	free(what);
	if (rc == 0)
		return 0;
	strata_note(db, "%s %s: statement %d (line %d) ran before the last run stopped (the catalog shows it); going on "
		 "after it",
	     s->row->vtext, s->row->name, k, line);
	strata_step_prefix_checksum(s, k, sum);
	rc = strata_history_progress(db, s->row->mig, k, sum, err);
	return rc ? rc : 1;
}

static int run_notx(struct run *r, const struct strata_step *s, double t0, struct strata_err *err)
{
	struct strata_db *db = r->db;
	const struct strata_migration *m = s->row->mig;
	int total = (int)strata_split_count(&s->sp), k, rc, in_tx = 0, first;
	/* implicit commits: see journal_intent (a down resumes from its applied row's count alone) */
	int watch = db->drv->statement_landed != NULL && !db->opts.dry_run && !s->down;
	int have_row = s->resume > 0 || s->inflight, stmt_tx;
	char sum[65];
	double ms;

	r->notx_done = s->resume;
	rc = set_timeout(db, s, 0, err);
	if (rc)
		return rc;
	if (s->wrapped && s->resume == 0) {
		/* the transaction drizzle-orm would have open: the file's first statement ends it */
		rc = db->drv->begin(db->conn, err);
		if (rc)
			return rc;
		in_tx = 1;
	}
	for (k = 1; s->own_tx && k <= s->resume; k++) {
		const struct strata_stmt *st = &s->sp.s[strata_step_nth_statement(s, k)];
		long pos = -1;

		if (!(st->flags & STRATA_STMT_TX_PRAGMA))
			continue;
		rc = db->drv->exec(db->conn, s->script + st->body, st->end - st->body, &pos, err);
		if (rc) {
			locate_pos(err, s, (long)st->body);
			if (err)
				err->statement = k;
			return rc;
		}
	}
	first = s->resume + 1;
	if (watch && s->inflight && first <= total) {
		rc = check_landed(r, s, first, err);
		if (rc < 0)
			return rc;
		if (rc == 1)
			r->notx_done = first++;
	}
	for (k = first; k <= total; k++) {
		const struct strata_stmt *st = &s->sp.s[strata_step_nth_statement(s, k)];
		long pos = -1;

		/* a statement that does not commit goes with its record; one that does is announced first */
		stmt_tx = watch && !s->own_tx && !in_tx && k < total && !strata_stmt_commits(st, db->drv->caps);
		if (watch && !stmt_tx && !in_tx && !s->own_tx) {
			rc = journal_intent(r, s, k, err);
			if (rc)
				return unrecorded(r, s, rc, err);
			have_row = 1;
		}
		if (stmt_tx && (rc = db->drv->begin(db->conn, err)) != 0)
			return rc;
		rc = db->drv->exec(db->conn, s->script + st->body, st->end - st->body, &pos, err);
		if (rc) {
			if (stmt_tx)
				db->drv->rollback(db->conn, NULL);
			if (watch && !stmt_tx && !in_tx && !s->own_tx) {
				/* it failed, so it did not land: the journal says so again (best effort) */
				struct strata_err ignored = { 0 };

				if (k == 1 && !s->resume && !s->inflight) {
					strata_history_delete(db, &s->row->version, &ignored);
				} else {
					strata_step_prefix_checksum(s, k - 1, sum);
					strata_history_progress(db, m, k - 1, sum, &ignored);
				}
				strata_err_release(&ignored);
			}
			if (pos >= 0)
				pos += (long)st->body;
			else if (err)
				pos = context_pos(s, strata_step_nth_statement(s, k), err);
			locate_pos(err, s, pos >= 0 ? pos : (long)st->body);
			if (err)
				err->statement = k;
			return rc;
		}
		if (st->flags & STRATA_STMT_TX_END)
			in_tx = 0;
		if (st->flags & STRATA_STMT_TX_BEGIN)
			in_tx = 1;
		if (!in_tx)
			r->notx_done = k;
		pause_unrecorded(k);
		if (k < total) {
			strata_step_prefix_checksum(s, k, sum);
			rc = s->down ? strata_history_down_progress(db, &s->row->version, k, sum, err)
				     : strata_history_progress(db, m, k, sum, err);
			if (stmt_tx && !rc)
				rc = db->drv->commit(db->conn, err);
			if (rc) {
				if (stmt_tx)
					db->drv->rollback(db->conn, NULL);
				return unrecorded(r, s, rc, err);
			}
			have_row = 1;
		}
	}
	if (s->dv->timeout > 0 && db->drv->sql->statement_timeout_reset) {
		long pos;

		db->drv->exec(db->conn, db->drv->sql->statement_timeout_reset,
			      strlen(db->drv->sql->statement_timeout_reset), &pos, NULL);
	}
	ms = strata_history_ms(strata_now_ms() - t0);
	if (s->down)
		rc = strata_history_delete(db, &s->row->version, err);
	else if (total > 1 || s->resume || have_row)
		rc = strata_history_complete(db, m, ms, err);
	else
		rc = strata_history_insert(db, m, ms, err);
	if (rc)
		return unrecorded(r, s, rc, err);
	rc = strata_history_log(db, s->action, s->row, ms, "ok", err);
	if (!rc && in_tx) /* a wrapped Drizzle file's trailing BEGIN: its record commits with what follows it */
		rc = db->drv->commit(db->conn, err);
	if (!rc)
		r->ms = ms;
	return rc;
}

/*
 * The common case on a server, in one round trip: BEGIN, the script, its
 * bookkeeping and COMMIT sent together. The server runs them in order and
 * stops at the first error, leaving the transaction aborted for our ROLLBACK;
 * offsets and statement numbers are mapped back past the BEGIN.
 */
static int run_batched(struct run *r, const struct strata_step *s, struct strata_err *err)
{
	static const char begin[] = "BEGIN;\n";
	struct strata_db *db = r->db;
	struct strata_buf b;
	long pos = -1;
	size_t script_end;
	int rc;

	strata_buf_init(&b);
	strata_buf_adds(&b, begin);
	strata_buf_add(&b, s->script, s->len);
	strata_buf_adds(&b, "\n;\n");
	script_end = b.len;
	strata_history_batch_sql(db, s->row->mig, &s->row->version, s->row->name, s->action, s->down,
				 db->drv->exec_value != NULL, &b);
	strata_buf_adds(&b, "COMMIT;");
	if (b.broken)
		return strata_err_set(err, STRATA_ENOMEM, "out of memory");
	if (db->drv->exec_value) {
		/* the server timed it: what it recorded is what the run reports */
		char *value = NULL;

		rc = db->drv->exec_value(db->conn, b.buf, b.len, &pos, &value, err);
		if (!rc && value)
			r->ms = strata_history_ms(strtod(value, NULL));
		free(value);
	} else {
		rc = db->drv->exec(db->conn, b.buf, b.len, &pos, err);
	}
	if (rc) {
		struct strata_err ignored = { 0 };

		db->drv->rollback(db->conn, &ignored);
		strata_err_release(&ignored);
		if (err && err->statement > 0)
			err->statement -= 1; /* BEGIN was statement 1 */
		if (pos >= (long)script_end || (err && err->statement > (int)strata_split_count(&s->sp))) {
			strata_err_prefix(err, "recording %s %s failed: ", s->row->vtext, s->row->name);
			if (err)
				err->statement = 0;
			pos = -1;
		} else if (pos >= 0) {
			pos -= (long)(sizeof(begin) - 1);
		}
		locate(err, s, pos);
		if (err) {
			err->version = s->row->version;
			err->has_version = 1;
		}
	}
	strata_buf_release(&b);
	return rc;
}


static void partial_note(struct strata_db *db, const struct strata_step *s)
{
	char what[160];

	strata_step_partial_text(s, what, sizeof(what));
	if (s->down)
		strata_note(db, "%s %s was partial: %s; force removed its record without undoing anything (undo them by hand "
			 "if the schema must not have them)",
		     s->row->vtext, s->row->name, what);
	else
		strata_note(db, "%s %s was partial: %s; force recorded it as applied without running or undoing anything "
			 "(run what is missing by hand if the schema needs it)",
		     s->row->vtext, s->row->name, what);
}


/* Run one step as its strategy says. */
static int run_step(struct run *r, const struct strata_step *s, int *skipped, struct strata_err *err)
{
	struct strata_db *db = r->db;
	const struct strata_driver *d = db->drv;
	const struct strata_migration *m = s->row->mig;
	int own_tx = s->strategy == STRATA_STRATEGY_TX;
	int in_batch = s->strategy == STRATA_STRATEGY_BATCH || s->strategy == STRATA_STRATEGY_BATCH_HELD;
	double t0 = strata_now_ms(), ms;
	long pos = -1;
	int rc;

	*skipped = 0;
	r->ms = -1;
	if (!s->record_only && s->dv->nrequire) {
		rc = check_conditions(db, s, s->dv->require, s->dv->require_line, s->dv->nrequire, "require", err);
		if (rc)
			goto out;
	}
	if (s->strategy == STRATA_STRATEGY_JOURNAL) {
		rc = run_notx(r, s, t0, err);
		goto out;
	}
	if (s->strategy == STRATA_STRATEGY_ONE_TRIP) {
		rc = run_batched(r, s, err);
		goto out;
	}
	if (own_tx) {
		rc = d->begin(db->conn, err);
		if (rc)
			return rc;
	}
	if (!(d->caps & STRATA_CAP_ADVISORY_LOCK) && !in_batch && !s->rerun) {
		/* without a session lock, another runner may have done this step meanwhile */
		rc = strata_history_has(db, &s->row->version, err);
		if (rc < 0)
			goto fail;
		if (rc == (s->down ? 0 : 1)) {
			if (own_tx)
				d->rollback(db->conn, NULL);
			*skipped = 1;
			return 0;
		}
	}
	if (!s->record_only && s->len && !s->empty) {
		rc = set_timeout(db, s, 1, err);
		if (rc)
			goto fail;
		rc = d->exec(db->conn, s->script, s->len, &pos, err);
		if (rc) {
			locate(err, s, pos);
			goto fail;
		}
		if (s->dv->nverify) {
			rc = check_conditions(db, s, s->dv->verify, s->dv->verify_line, s->dv->nverify, "verify", err);
			if (rc)
				goto fail;
		}
	}
	if (s->strategy == STRATA_STRATEGY_BATCH_HELD) {
		/* inside --single-transaction: the rows go with later ones (see strata_deferred) */
		if (r->held.n >= HOLD_MAX || (r->held.n && r->held.down != s->down)) {
			rc = strata_history_flush(db, &r->held, err);
			if (rc)
				goto fail;
		}
		ms = strata_history_ms(strata_now_ms() - t0);
		strata_history_defer(db, &r->held, m, &s->row->version, s->row->name, s->action, s->down, ms);
		r->ms = ms;
		return 0;
	}
	ms = strata_history_ms(strata_now_ms() - t0);
	if (s->accept)
		rc = strata_history_accept(db, m, err);
	else if (s->down)
		rc = strata_history_delete(db, &s->row->version, err);
	else if (s->rerun && (rc = strata_history_delete(db, &s->row->version, err)) != 0)
		; /* a changed repeatable: its old record goes, the new one follows */
	else
		rc = strata_history_insert(db, m, ms, err);
	if (!rc)
		rc = strata_history_log(db, s->action, s->row, ms, s->result ? s->result : "ok", err);
	if (rc)
		goto fail;
	if (own_tx) {
		rc = d->commit(db->conn, err);
		if (rc)
			goto fail;
	}
	r->ms = ms;
	if (s->closes_partial && !db->opts.dry_run)
		partial_note(db, s);
	return 0;
fail:
	if (own_tx || in_batch) {
		struct strata_err ignored = { 0 };

		d->rollback(db->conn, &ignored);
		strata_err_release(&ignored);
	}
out:
	if (rc && err && s->row) {
		err->version = s->row->version;
		err->has_version = 1;
	}
	return rc;
}


/*
 * The offline script: what `strata up`, `down` or `goto` would do, as SQL a
 * DBA runs with `psql -v ON_ERROR_STOP=1 -f` or `sqlite3`. Each migration
 * (or roll-back, in the plan's order: newest first) in BEGIN/COMMIT with its
 * tracking row (or the row's DELETE) and a log row whose result says "ok
 * (offline script)"; no-transaction migrations unwrapped.
 */
static int build_script(struct run *r, const struct strata_request *req, char **out, struct strata_err *err)
{
	struct strata_db *db = r->db;
	struct strata_buf b;
	size_t i, ndown = 0;

	for (i = 0; i < r->plan.nsteps; i++)
		ndown += r->plan.steps[i].down != 0;
	strata_buf_init(&b);
	strata_buf_addf(&b, "-- strata: %zu migration%s %sfor %s\n", r->plan.nsteps, r->plan.nsteps == 1 ? "" : "s",
			ndown ? "to roll back " : "", db->target->display);
	if (req->offline)
		strata_buf_addf(&b, "-- offline: the database was not read; it is taken to %s%s\n",
				r->st->have_current ? "be at " : "have nothing applied",
				r->st->have_current ? r->st->current_vtext : "");
	strata_buf_addf(&b, "-- run with: %s\n\n", db->drv->sql->client_command);
	strata_history_create_sql(db, &b);
	for (i = 0; i < r->plan.nsteps; i++) {
		const struct strata_step *s = &r->plan.steps[i];
		const struct strata_status_row *row = s->row;
		size_t k;

		strata_buf_addf(&b, "\n-- %s %s (%s%s)\n", row->vtext, row->name, s->down ? "roll back: " : "",
				s->recorded_down ? "the down script recorded when it was applied" : s->file);
		if (s->strategy != STRATA_STRATEGY_JOURNAL || s->wrapped)
			strata_buf_adds(&b, s->wrapped ? "-- written for drizzle-orm's transaction: it leaves it and "
							 "enters it again\nBEGIN;\n"
							 : "BEGIN;\n");
		else
			strata_buf_adds(&b, "-- runs outside a transaction\n");
		for (k = 0; k < s->sp.n; k++) {
			const struct strata_stmt *st = &s->sp.s[k];

			if (st->flags & STRATA_STMT_EMPTY)
				continue;
			strata_buf_add(&b, s->script + st->body, st->end - st->body);
			/* a last statement without its semicolon gets one */
			if (s->script[st->end - 1] != ';')
				strata_buf_adds(&b, "\n;");
			strata_buf_addc(&b, '\n');
		}
		if (s->rerun) /* a changed repeatable: its old record goes first */
			strata_buf_addf(&b, "DELETE FROM %s WHERE version = '%s';\n", db->qtable, row->version.d);
		strata_history_script_sql(db, row->mig, &row->version, row->name, s->action, s->down, &b);
		if (s->strategy != STRATA_STRATEGY_JOURNAL || s->wrapped)
			strata_buf_adds(&b, "COMMIT;\n");
	}
	*out = strata_buf_detach(&b, NULL);
	if (!*out)
		return strata_err_set(err, STRATA_ENOMEM, "out of memory");
	return 0;
}

/*
 * Up reached a goose Go migration: what came before it ran, it cannot. A
 * dry run (or --sql) says so as a note and succeeds, so that `goto` can ask
 * first; a real run fails with STRATA_EUNSUPPORTED saying how to go on.
 */
static int go_stopped(struct run *r, const char *at, int dry, struct strata_err *err)
{
	const struct strata_status_row *row = r->plan.go_stop;
	const char *runner, *kind = strata_migration_foreign(row->mig, &runner);

	if (dry) {
		strata_note(r->db, "%s %s (%s) is a %s, which strata cannot run: `strata up` stops before it",
			    row->vtext, row->name, row->mig->up_file, kind);
		return 0;
	}
	strata_err_set(err, STRATA_EUNSUPPORTED,
		       "%s %s (%s) is a %s, which strata cannot run: stopped before it; the "
		       "database is %s%s",
		       row->vtext, row->name, row->mig->up_file, kind, at ? "at " : "at no version", at ? at : "");
	strata_err_reason(err, STRATA_R_GO_MIGRATION);
	if (err) {
		snprintf(err->file, sizeof(err->file), "%s", row->mig->up_file);
		err->version = row->version;
		err->has_version = 1;
		if (strcmp(runner, "goose") != 0)
			strata_err_hint(err, "run it with %s outside strata, then `strata baseline %s` records it, and "
					     "`strata up` continues after it", runner, row->vtext);
		else
		strata_err_hint(err,
			 "run its Go code outside strata (goose decides what to run from its own goose_db_version "
			 "table, which strata does not keep: a plain `goose up` would start again at the first "
			 "migration), then `strata baseline %s` records it, and `strata up` continues after it",
			 row->vtext);
	}
	return STRATA_EUNSUPPORTED;
}


int strata_run(struct strata_db *db, const struct strata_source *src, const struct strata_request *req,
	       struct strata_run_result *res, struct strata_err *err)
{
	struct run r;
	struct strata_plan_opts po;
	struct strata_event ev = { 0 };
	int locked = 0, rc, in_batch = 0;
	size_t i, done = 0;
	const char *at = NULL;
	int dry = db->opts.dry_run || req->dry_run || req->script;

	if (res)
		memset(res, 0, sizeof(*res));
	if (req->script)
		*req->script = NULL;
	rc = strata_plan_check_source(src, err);
	if (rc)
		return rc;
	if (req->offline && !req->script)
		return strata_err_set(err, STRATA_EUSAGE, "an offline request (reading nothing of the database) can "
							  "only write a script: set request.script");
	if (!db->conn && !req->offline)
		return strata_db_offline_err(db, err);
	if (!req->offline && (req->action == STRATA_UP || req->action == STRATA_GOTO || req->action == STRATA_DOWN ||
	     req->action == STRATA_REDO) &&
	    !db->opts.ignore_other_tool) {
		/* another tool's database: running migration 1 again would fail on "already exists", or worse */
		struct strata_other_tool o;

		rc = strata_other_tool_find(db, &o, err);
		if (rc < 0)
			return rc;
		if (rc == 1) {
			strata_other_tool_with_source(&o, src);
			strata_err_setr(err, STRATA_EREFUSED, STRATA_R_OTHER_TOOL,
					"another tool manages this database; nothing was run");
			if (err) {
				char msg[1024], hint[512];

				strata_other_tool_explain(&o, msg, sizeof(msg), hint, sizeof(hint));
				strata_err_setr(err, STRATA_EREFUSED, STRATA_R_OTHER_TOOL, "%s; nothing was run", msg);
				strata_err_hint(err, "%s", hint);
				if (req->action == STRATA_DOWN || req->action == STRATA_REDO)
					strata_err_detail(err, "strata keeps no record here yet, so it has nothing to roll "
							       "back: the other tool's migrations are not strata's until "
							       "adopted");
				else
					strata_err_detail(err,
						 "strata keeps no record here yet, so it would run every migration from the "
						 "first; ignoring the other tool does that anyway");
			}
			return STRATA_EREFUSED;
		}
	}
	memset(&r, 0, sizeof(r));
	strata_deferred_init(&r.held);
	r.db = db;
	r.src = src;
	if (!dry) {
		/* the tracking tables are created only once the plan is known to run (below): a refusal
		   leaves a new database as it was */
		rc = strata_lock(db, &locked, err);
		if (rc && interrupted(db)) {
			rc = strata_err_setr(err, STRATA_EINTR, STRATA_R_INTERRUPTED,
					     "interrupted before any migration ran; nothing changed");
			if (err)
				strata_err_hint(err, NULL);
		}
		if (rc)
			goto out;
	}
	if (req->offline) /* Alembic's offline mode: where the database stands is what the request says */
		rc = strata_status_assume(src, req->from_set ? &req->from : NULL, &r.st, err);
	else
		rc = strata_status_read(db, src, 1, &r.st, err);
	if (rc)
		goto out;
	at = r.st->have_current ? r.st->current_vtext : NULL;
	po.drv = db->drv;
	po.allow_modified = db->opts.allow_modified;
	po.allow_out_of_order = db->opts.allow_out_of_order;
	po.single_transaction = db->opts.single_transaction;
	rc = strata_plan_build(src, r.st, req, &po, &r.plan, err);
	for (i = 0; i < r.plan.nprepared; i++) {
		const struct strata_step *s = &r.plan.steps[i];

		if (s->notx_line && !db->opts.dry_run && !db->opts.single_transaction)
			strata_note(db, "%s %s: runs outside a transaction, statement by statement, because %s:%d "
				 "cannot run inside one (add -- strata:no-transaction to say so)",
			     s->row->vtext, s->row->name, s->file, s->notx_line);
	}
	if (rc)
		goto out;
	if (req->script) {
		rc = build_script(&r, req, req->script, err);
		if (!rc && r.plan.go_stop)
			go_stopped(&r, NULL, 1, err);
		goto out;
	}
	for (i = 0; i < r.st->n; i++)
		if (r.st->rows[i].state == STRATA_MISSING && !strata_action_records_only(req->action))
			strata_note(db, "%s %s is applied but its file is gone", r.st->rows[i].vtext, r.st->rows[i].name);
	ev.kind = STRATA_EV_PLAN;
	ev.plan.count = r.plan.nsteps;
	if (r.plan.nsteps || !r.plan.go_stop) /* not "nothing to do" when a Go migration is next */
		strata_emit(db, &ev);
	if (!dry && r.plan.nsteps && db->opts.backup_dir) {
		char *path = NULL;
		struct strata_event bev = { 0 };

		rc = strata_backup(db, db->opts.backup_dir, &path, err);
		if (rc) {
			strata_err_prefix(err, "nothing was changed: ");
			goto out;
		}
		bev.kind = STRATA_EV_BACKUP;
		bev.backup.path = path;
		strata_emit(db, &bev);
		free(path);
	}
	if (!dry && r.plan.nsteps) {
		rc = strata_history_ensure(db, err);
		if (rc && interrupted(db)) {
			rc = strata_err_setr(err, STRATA_EINTR, STRATA_R_INTERRUPTED,
					     "interrupted before any migration ran; nothing changed");
			strata_err_hint(err, NULL);
		}
		if (rc)
			goto out;
	}
	at = r.st->have_current ? r.st->current_vtext : NULL;
	if (!dry && r.plan.nsteps && r.plan.single_tx) {
		rc = db->drv->begin(db->conn, err);
		if (rc)
			goto out;
		in_batch = 1;
	}
	for (i = 0; i < r.plan.nsteps; i++) {
		const struct strata_step *s = &r.plan.steps[i];
		double t0 = strata_now_ms();
		int skipped;

		if (interrupted(db) && !dry) {
			rc = strata_err_setr(err, STRATA_EINTR, STRATA_R_INTERRUPTED,
					     "interrupted before %s %s; the database is %s%s",
					    s->row->vtext, s->row->name, in_batch ? "as it was before this run" : at ? "at " : "at no version",
					    in_batch ? "" : at ? at : "");
			goto out;
		}
		/* a lease that expired unseen (no heartbeat got through) and was taken over: stop here */
		if (!dry && (rc = strata_lock_held(db, locked, err)) != 0)
			goto out;
		emit_mig(db, STRATA_EV_MIG_START, s, 0);
		if (s->wrapped && !s->record_only && s->resume)
			strata_note(db, "%s %s leaves and re-enters the transaction drizzle-orm runs it in (%s:%d: COMMIT "
				 "first, BEGIN last): %s at statement %d, where its earlier run stopped, its record "
				 "committed after its last BEGIN",
			     s->row->vtext, s->row->name, s->file, s->wrapped, dry ? "it would resume" : "resuming",
			     s->resume + 1);
		else if (s->wrapped && !s->record_only)
			strata_note(db, "%s %s leaves and re-enters the transaction drizzle-orm runs it in (%s:%d: COMMIT "
				 "first, BEGIN last): %s as drizzle-orm does, inside a transaction strata opens, "
				 "statement by statement, its record committed after its last BEGIN",
			     s->row->vtext, s->row->name, s->file, s->wrapped, dry ? "it would run" : "running it");
		else if (s->own_tx && !s->record_only)
			strata_note(db, "%s %s manages its own transactions (%s:%d): %s as written, statement by "
				 "statement, outside a transaction of strata's",
			     s->row->vtext, s->row->name, s->file, s->own_tx_line, dry ? "it would run" : "running it");
		if (s->recorded_down)
			strata_note(db, "%s %s: running the down script recorded when it was applied (%s)", s->row->vtext,
			     s->row->name, s->row->mig ? "its up file was changed" : "its file is gone");
		if (dry) {
			if (!s->record_only)
				emit_statements(db, s);
			emit_mig(db, STRATA_EV_MIG_DONE, s, 0);
			continue;
		}
		rc = run_step(&r, s, &skipped, err);
		if (rc && interrupted(db) && err) {
			/* the cancelled statement's error is not the news: the interruption is */
			err->code = rc = STRATA_EINTR;
			if (strcmp(err->message, "interrupted") != 0)
				strata_err_detail(err, "%s", err->message);
			strata_err_setr(err, rc, STRATA_R_INTERRUPTED, "interrupted by a signal");
			strata_err_hint(err, NULL);
		}
		{
			int retries = db->opts.lock_retries >= 0 ? db->opts.lock_retries : db->opts.lock_timeout > 0 ? 3 : 0;
			int attempt;

			/* gave up on a lock (lock_timeout): rolled back whole, so try it again after a pause */
			for (attempt = 1; rc && err && err->err_class == STRATA_ERRCLASS_LOCK_TIMEOUT && attempt <= retries &&
					  !in_batch && (s->strategy != STRATA_STRATEGY_JOURNAL || err->statement <= 1);
			     attempt++) {
				double wait = 0.5 * (double)(1 << (attempt - 1));
				struct timespec ts;

				strata_note(db, "%s %s: %s; retrying in %.1f s (retry %d of %d)", s->row->vtext, s->row->name,
				     err->message, wait, attempt, retries);
				ts.tv_sec = (time_t)wait;
				ts.tv_nsec = (long)((wait - (double)ts.tv_sec) * 1e9);
				nanosleep(&ts, NULL);
				strata_err_release(err);
				rc = run_step(&r, s, &skipped, err);
			}
		}
		if (rc) {
			if (in_batch)
				at = r.st->have_current ? r.st->current_vtext : NULL;
			{
				struct strata_event fe;

				memset(&fe, 0, sizeof(fe));
				fe.kind = STRATA_EV_MIG_FAILED;
				mig_fill(&fe.failed.mig, s, strata_now_ms() - t0);
				fe.failed.err = err;
				fe.failed.at = at;
				if (s->strategy == STRATA_STRATEGY_JOURNAL) {
					fe.failed.outside_tx = 1;
					fe.failed.own_tx = s->own_tx;
					fe.failed.total = strata_split_count(&s->sp);
					fe.failed.stmts_done = err && err->statement > 0 ? (size_t)r.notx_done : 0;
				}
				strata_emit(db, &fe);
			}
			if (!s->record_only) {
				/* best effort: the failure joins the log, outside the rolled back transaction */
				struct strata_buf msg;
				struct strata_err ignored = { 0 };

				strata_buf_init(&msg);
				if (err && err->file[0] && err->line)
					strata_buf_addf(&msg, "failed: %s:%d: %s", err->file, err->line, err->message);
				else if (err && err->file[0])
					strata_buf_addf(&msg, "failed: %s: %s", err->file, err->message);
				else
					strata_buf_addf(&msg, "failed: %s", err ? err->message : "");
				if (db->drv->rollback(db->conn, &ignored) == 0 && !msg.broken)
					strata_history_log(db, s->action, s->row, strata_now_ms() - t0, msg.buf, &ignored);
				strata_buf_release(&msg);
				strata_err_release(&ignored);
			}
			in_batch = 0;
			goto out;
		}
		if (skipped) {
			emit_mig(db, STRATA_EV_MIG_SKIPPED, s, strata_now_ms() - t0);
			continue;
		}
		done++;
		if (s->down) {
			/* the database is now at the applied row before this one */
			long k;

			for (k = (long)(s->row - r.st->rows) - 1; k >= 0; k--)
				if (strata_row_is_applied(&r.st->rows[k]))
					break;
			at = k >= 0 ? r.st->rows[k].vtext : NULL;
		} else {
			at = s->row->vtext;
		}
		/* the duration recorded, so that status and history show what the run showed */
		emit_mig(db, STRATA_EV_MIG_DONE, s, r.ms >= 0 ? r.ms : strata_now_ms() - t0);
	}
	if (in_batch) {
		rc = strata_history_flush(db, &r.held, err);
		if (!rc) {
			rc = db->drv->commit(db->conn, err);
			in_batch = 0;
		}
		if (rc) { /* nothing of the batch stays (rolled back below, if still open) */
			done = 0;
			at = r.st->have_current ? r.st->current_vtext : NULL;
			goto out;
		}
	}
	rc = r.plan.go_stop ? go_stopped(&r, at, dry, err) : 0;
out:
	if (res && r.st) {
		res->applied = done;
		res->have_current = at != NULL;
		if (at)
			snprintf(res->current, sizeof(res->current), "%s", at);
	}
	if (in_batch)
		db->drv->rollback(db->conn, NULL);
	strata_unlock(db, locked);
	strata_deferred_release(&r.held);
	strata_plan_release(&r.plan);
	strata_status_free(r.st);
	return rc;
}
