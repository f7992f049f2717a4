/*
 * apply.c - open a target and run a plan against it.
 *
 * The order of a run is fixed: take the lock, read where the database
 * stands, refuse a history that cannot be trusted and check every step,
 * create the tracking table (only now: a refusal leaves the database as it
 * was), then run each step in its own transaction together with the row that
 * records it; `up` stops before a goose Go migration, which it cannot run.
 * A failed step is rolled back; the error names the file and the line,
 * computed from the driver's error offset (or, for PL/pgSQL, from the line
 * its CONTEXT names) and where the script starts in its file. A step that
 * cannot run in a transaction, or whose file manages its own (BEGIN ...
 * COMMIT, SQLite's PRAGMA foreign_keys), runs as written, statement by
 * statement, recording its progress so that a failed run resumes where it
 * stopped (run_notx); a down run that way records how far it got on the
 * still applied row, and the next down resumes there.
 *
 * On PostgreSQL a tracking table named without a schema is pinned at open to
 * the session's current_schema() (pin_schema), since migrations may change
 * search_path.
 *
 * SQLite has no session lock: each step takes the write lock with BEGIN
 * IMMEDIATE and first checks that no other runner recorded the same version
 * meanwhile, so concurrent runners serialise and skip each other's work.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "internal.h"

void strata_opts_init(struct strata_opts *o)
{
	memset(o, 0, sizeof(*o));
	o->version = STRATA_OPTS_VERSION;
	o->lock_wait = -1;
}

volatile int strata_interrupted_all;

void strata_interrupt(struct strata_db *db)
{
	if (!db)
		return;
	db->interrupted = 1;
	if (db->conn && db->drv->interrupt)
		db->drv->interrupt(db->conn);
}

void strata_interrupt_all(void)
{
	strata_interrupted_all = 1;
}

static int interrupted(struct strata_db *db)
{
	return db->interrupted || strata_interrupted_all;
}

void strata_emit(struct strata_db *db, struct strata_event *ev)
{
	if (!db->opts.on_event)
		return;
	ev->target = db->target->display;
	db->opts.on_event(db->opts.ud, ev);
}

const char *strata_db_engine(const struct strata_db *db)
{
	return db->drv->name;
}

void strata_db_close(struct strata_db *db)
{
	if (!db)
		return;
	if (db->conn)
		db->drv->close(db->conn);
	free(db->schema);
	free(db->table);
	free(db->qtable);
	free(db->logtable);
	free(db->qlog);
	free(db->lockkey);
	free(db->applied_by);
	free(db);
}

/* (Re)compute the tracking and log table names and the lock key for db->target. */
static int set_names(struct strata_db *db, struct strata_err *err)
{
	const struct strata_target *t = db->target;
	struct strata_buf b;
	const char *name, *dot;

	free(db->schema);
	free(db->table);
	free(db->qtable);
	free(db->logtable);
	free(db->qlog);
	free(db->lockkey);
	db->schema = db->table = db->qtable = db->logtable = db->qlog = db->lockkey = NULL;
	name = db->opts.table && *db->opts.table ? db->opts.table : t->table && *t->table ? t->table
											    : "strata_migrations";
	dot = strchr(name, '.');
	if (dot && dot != name && dot[1] && t->schema)
		return strata_err_set(err, STRATA_EUSAGE,
				      "--table %s names a schema, but each schema of a --schemas fleet keeps its own "
				      "tracking table: give the table name alone",
				      name);
	if (dot && dot != name && dot[1]) {
		db->schema = strata_strndup(name, (size_t)(dot - name));
		db->table = strata_strdup(dot + 1);
	} else {
		db->table = strata_strdup(name);
		if (t->schema)
			db->schema = strata_strdup(t->schema);
	}
	strata_buf_init(&b);
	if (db->table) {
		strata_buf_add_qualified(&b, db->schema, db->table);
		db->qtable = strata_buf_detach(&b, NULL);
		strata_buf_addf(&b, "%s_log", db->table);
		db->logtable = strata_buf_detach(&b, NULL);
	}
	if (db->logtable) {
		strata_buf_add_qualified(&b, db->schema, db->logtable);
		db->qlog = strata_buf_detach(&b, NULL);
	}
	strata_buf_addf(&b, "strata:%s", db->qtable ? db->qtable : "");
	db->lockkey = strata_buf_detach(&b, NULL);
	if (!db->table || !db->qtable || !db->logtable || !db->qlog || !db->lockkey ||
	    (dot && dot != name && dot[1] && !db->schema))
		return strata_err_set(err, STRATA_ENOMEM, "out of memory");
	return 0;
}

/*
 * A tracking table named without a schema is pinned, once connected, to the
 * schema the session starts in (current_schema(), as golang-migrate does):
 * a migration may change search_path (every pg_dump -s file begins by
 * emptying it), and the bookkeeping after it must still find its tables.
 * A table the bare name already finds through search_path stays where it is
 * (a schema named like the user, created later, would otherwise hide it).
 * The lock key stays the one set_names() made from the bare name, so runners
 * from before this and after it still exclude each other.
 */
static int pin_schema(struct strata_db *db, struct strata_err *err)
{
	struct strata_rows *r;
	struct strata_buf b;
	const char *cur, *params[1];
	int rc;

	if (db->schema || db->drv->engine != STRATA_ENGINE_POSTGRES)
		return 0;
	/* a table the bare name already finds stays where it is (found through search_path, as before) */
	strata_buf_init(&b);
	strata_buf_add_ident(&b, db->table);
	if (b.broken)
		return strata_err_set(err, STRATA_ENOMEM, "out of memory");
	params[0] = b.buf;
	rc = db->drv->query(db->conn,
			    "SELECT coalesce((SELECT n.nspname FROM pg_class c JOIN pg_namespace n ON n.oid = "
			    "c.relnamespace WHERE c.oid = to_regclass($1)), current_schema())",
			    1, params, &r, err);
	strata_buf_release(&b);
	if (rc)
		return rc;
	cur = r->nrows == 1 ? strata_rows_get(r, 0, 0) : NULL;
	if (!cur || !*cur) {
		strata_rows_free(r);
		return strata_err_set(err, STRATA_EUSAGE,
				      "no schema to keep %s in: set search_path or use --table schema.name", db->table);
	}
	db->schema = strata_strdup(cur);
	strata_rows_free(r);
	if (!db->schema)
		return strata_err_set(err, STRATA_ENOMEM, "out of memory");
	free(db->qtable);
	free(db->qlog);
	strata_buf_init(&b);
	strata_buf_add_qualified(&b, db->schema, db->table);
	db->qtable = strata_buf_detach(&b, NULL);
	strata_buf_add_qualified(&b, db->schema, db->logtable);
	db->qlog = strata_buf_detach(&b, NULL);
	if (!db->qtable || !db->qlog)
		return strata_err_set(err, STRATA_ENOMEM, "out of memory");
	return 0;
}

int strata_db_open(const struct strata_target *t, const struct strata_opts *o, struct strata_db **out,
		   struct strata_err *err)
{
	struct strata_db *db;
	int rc;

	*out = NULL;
	if (o && o->version != STRATA_OPTS_VERSION)
		return strata_err_set(err, STRATA_EUSAGE, "strata_opts version %d is not supported", o->version);
	db = calloc(1, sizeof(*db));
	if (!db)
		return strata_err_set(err, STRATA_ENOMEM, "out of memory");
	if (o)
		db->opts = *o;
	else
		strata_opts_init(&db->opts);
	db->target = t;
	db->drv = strata_driver_load(t->engine, err);
	if (!db->drv) {
		strata_db_close(db);
		return err ? err->code : STRATA_EUSAGE;
	}
	db->applied_by = db->opts.applied_by ? strata_strdup(db->opts.applied_by) : strata_whoami();
	rc = set_names(db, err);
	if (!rc && !db->applied_by)
		rc = strata_err_set(err, STRATA_ENOMEM, "out of memory");
	if (!rc)
		rc = db->drv->connect(t, &db->opts, &db->conn, err);
	if (!rc)
		rc = pin_schema(db, err);
	if (rc) {
		strata_db_close(db);
		return rc;
	}
	*out = db;
	return 0;
}

int strata_db_retarget(struct strata_db *db, const struct strata_target *t, struct strata_err *err)
{
	int rc;

	if (t->engine != db->drv->engine || strcmp(t->conninfo, db->target->conninfo) != 0 || !db->drv->set_schema)
		return strata_err_set(err, STRATA_EUSAGE, "cannot move this connection to %s", t->display);
	db->target = t;
	rc = set_names(db, err);
	if (!rc)
		rc = db->drv->set_schema(db->conn, t->schema, err);
	if (!rc)
		rc = pin_schema(db, err);
	return rc;
}

/* ------------------------------------------------------------------ steps */

struct step {
	const struct strata_status_row *row;
	int down;
	const char *script;      /* what runs */
	size_t len;
	const char *file;        /* where it comes from, for messages */
	int line;                /* line of `file` where `script` starts */
	int recorded_down;       /* the down comes from the tracking table, not the file */
	int record_only;         /* force/baseline/accept: change the record, run nothing */
	int accept;              /* accept: record the file's new checksum */
	const char *action;      /* for the history log: up, down, force, baseline, accept */
	struct strata_split sp;  /* the script's statements */
	struct strata_directives *dv; /* never NULL: no_directives when the script has none */
	int notx;                /* run statement by statement outside a transaction */
	int own_tx;              /* the file manages its own transactions (BEGIN/COMMIT, PRAGMA foreign_keys) */
	int own_tx_line;         /* line of `file` of its first such statement */
	int resume;              /* statements already done by an earlier, partial run */
	int empty;               /* a down with no statements: only the record is removed */
	char *result;            /* for the history log: what force was asked and what it closed (owned); NULL: "ok" */
	int closes_partial;      /* force's record of a partial row: say which statements stay */
	size_t partial_total;    /* that row's number of statements, 0 if unknown */
};

static struct strata_directives no_directives;

struct run {
	struct strata_db *db;
	const struct strata_source *src;
	struct strata_status *st;
	struct step *steps;
	size_t nsteps;
	struct strata_deferred held; /* bookkeeping held back in a server's batch transaction */
	int notx_done;           /* after run_notx() failed: statements of it that ran and stay */
	const struct strata_status_row *go_stop; /* up stops before this goose Go migration, or NULL */
};

/* Held bookkeeping is sent in statements of at most this many rows. */
#define HOLD_MAX 1000

/* Byte offset -> file:line:column in err. */
static void locate_pos(struct strata_err *err, const struct step *s, long pos)
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

/* Index in s->sp of the k-th (1-based) non-empty statement, or -1. */
static long nth_statement(const struct step *s, int k)
{
	size_t i;
	int seen = 0;

	for (i = 0; i < s->sp.n; i++)
		if (!(s->sp.s[i].flags & STRATA_STMT_EMPTY) && ++seen == k)
			return (long)i;
	return -1;
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
static long context_pos(const struct step *s, long i, const struct strata_err *err)
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
static void locate(struct strata_err *err, const struct step *s, long pos)
{
	if (err && pos < 0 && err->statement > 0) {
		long i = nth_statement(s, err->statement);

		if (i >= 0) {
			pos = context_pos(s, i, err);
			if (pos < 0)
				pos = (long)s->sp.s[i].body;
		}
	}
	locate_pos(err, s, pos);
}

static void mig_event(struct strata_event *ev, enum strata_event_kind kind, const struct step *s, double ms,
		      const struct strata_err *err, const char *text)
{
	memset(ev, 0, sizeof(*ev));
	ev->kind = kind;
	ev->version = s->row->version;
	ev->vtext = s->row->vtext;
	ev->name = s->row->name;
	ev->down = s->down;
	ev->empty = s->empty;
	ev->ms = ms;
	ev->err = err;
	ev->text = text;
}

static void emit_mig(struct strata_db *db, enum strata_event_kind kind, const struct step *s, double ms,
		     const struct strata_err *err, const char *text)
{
	struct strata_event ev;

	mig_event(&ev, kind, s, ms, err, text);
	strata_emit(db, &ev);
}

static void note(struct strata_db *db, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void note(struct strata_db *db, const char *fmt, ...)
{
	struct strata_event ev = { 0 };
	struct strata_buf b;
	va_list ap;

	strata_buf_init(&b);
	va_start(ap, fmt);
	strata_buf_vaddf(&b, fmt, ap);
	va_end(ap);
	ev.kind = STRATA_EV_NOTE;
	ev.text = b.buf;
	strata_emit(db, &ev);
	strata_buf_release(&b);
}

static void emit_statements(struct strata_db *db, const struct step *s)
{
	struct strata_event ev = { 0 };
	size_t i;
	int k = 0;

	ev.kind = STRATA_EV_STATEMENT;
	ev.version = s->row->version;
	ev.vtext = s->row->vtext;
	ev.name = s->row->name;
	ev.down = s->down;
	for (i = 0; i < s->sp.n; i++) {
		char *text;

		if (s->sp.s[i].flags & STRATA_STMT_EMPTY)
			continue;
		if (++k <= s->resume)
			continue;
		text = strata_strndup(s->script + s->sp.s[i].body, s->sp.s[i].end - s->sp.s[i].body);
		if (!text)
			continue;
		ev.text = text;
		ev.count = (size_t)k;
		strata_emit(db, &ev);
		free(text);
	}
}

/* Checksum of the first k statements of a step (what a partial run has done). */
static void prefix_checksum(const struct step *s, int k, char hex[65])
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

static int is_true(const char *v)
{
	return v && (strcmp(v, "t") == 0 || strcmp(v, "true") == 0 || strcmp(v, "1") == 0);
}

/* Evaluate -- strata:require / verify conditions; false is STRATA_ECONDITION naming the line. */
static int check_conditions(struct strata_db *db, const struct step *s, char **conds, const int *lines, size_t n,
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
			strata_err_set(err, STRATA_ECONDITION, "-- strata:%s is not true: %s", what, conds[i]);
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

static int set_timeout(struct strata_db *db, const struct step *s, int local, struct strata_err *err)
{
	char sql[96];
	long pos;

	if (s->dv->timeout <= 0 || db->drv->engine != STRATA_ENGINE_POSTGRES)
		return 0;
	snprintf(sql, sizeof(sql), "SET %sstatement_timeout = %.0f", local ? "LOCAL " : "", s->dv->timeout * 1000.0);
	return db->drv->exec(db->conn, sql, strlen(sql), &pos, err);
}

/*
 * run_notx() could not write the record of statements that ran and stay:
 * say so, rather than let the failure read as the script's (or as nothing run).
 */
static int unrecorded(struct run *r, const struct step *s, int rc, struct strata_err *err)
{
	if (r->notx_done == 0 || rc != STRATA_EDB || !err)
		return rc;
	strata_err_prefix(err, "recording %s %s failed: ", s->row->vtext, s->row->name);
	err->code = STRATA_EHISTORY;
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
static int run_notx(struct run *r, const struct step *s, double t0, struct strata_err *err)
{
	struct strata_db *db = r->db;
	const struct strata_migration *m = s->row->mig;
	int total = (int)strata_split_count(&s->sp), k, rc, in_tx = 0;
	char sum[65];

	r->notx_done = s->resume;
	rc = set_timeout(db, s, 0, err);
	if (rc)
		return rc;
	for (k = 1; s->own_tx && k <= s->resume; k++) {
		const struct strata_stmt *st = &s->sp.s[nth_statement(s, k)];
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
	for (k = s->resume + 1; k <= total; k++) {
		const struct strata_stmt *st = &s->sp.s[nth_statement(s, k)];
		long pos = -1;

		rc = db->drv->exec(db->conn, s->script + st->body, st->end - st->body, &pos, err);
		if (rc) {
			if (pos >= 0)
				pos += (long)st->body;
			else if (err)
				pos = context_pos(s, nth_statement(s, k), err);
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
		if (k < total) {
			prefix_checksum(s, k, sum);
			rc = s->down ? strata_history_down_progress(db, &s->row->version, k, sum, err)
				     : strata_history_progress(db, m, k, sum, err);
			if (rc)
				return unrecorded(r, s, rc, err);
		}
	}
	if (s->dv->timeout > 0 && db->drv->engine == STRATA_ENGINE_POSTGRES) {
		long pos;

		db->drv->exec(db->conn, "RESET statement_timeout", 23, &pos, NULL);
	}
	if (s->down)
		rc = strata_history_delete(db, &s->row->version, err);
	else if (total > 1 || s->resume)
		rc = strata_history_complete(db, m, strata_now_ms() - t0, err);
	else
		rc = strata_history_insert(db, m, strata_now_ms() - t0, err);
	if (rc)
		return unrecorded(r, s, rc, err);
	return strata_history_log(db, s->action, s->row, strata_now_ms() - t0, "ok", err);
}

/*
 * The common case on a server, in one round trip: BEGIN, the script, its
 * bookkeeping and COMMIT sent together. The server runs them in order and
 * stops at the first error, leaving the transaction aborted for our ROLLBACK;
 * offsets and statement numbers are mapped back past the BEGIN.
 */
static int run_batched(struct run *r, const struct step *s, struct strata_err *err)
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
	strata_history_batch_sql(db, s->row->mig, &s->row->version, s->row->name, s->action, s->down, &b);
	strata_buf_adds(&b, "COMMIT;");
	if (b.broken)
		return strata_err_set(err, STRATA_ENOMEM, "out of memory");
	rc = db->drv->exec(db->conn, b.buf, b.len, &pos, err);
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

/*
 * force over a partial migration: what of it is in the database. Its first
 * stmts_done statements ran and stay (force runs nothing and undoes nothing);
 * the rest never ran. Into buf, for the note and the history log.
 */
static void partial_text(const struct step *s, char *buf, size_t n)
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

static void partial_note(struct strata_db *db, const struct step *s)
{
	char what[160];

	partial_text(s, what, sizeof(what));
	if (s->down)
		note(db, "%s %s was partial: %s; force removed its record without undoing anything (undo them by hand "
			 "if the schema must not have them)",
		     s->row->vtext, s->row->name, what);
	else
		note(db, "%s %s was partial: %s; force recorded it as applied without running or undoing anything "
			 "(run what is missing by hand if the schema needs it)",
		     s->row->vtext, s->row->name, what);
}

/* force's steps: logged with what was asked, and what a partial row left behind. */
static void label_force(struct run *r, const struct strata_request *req, long idx)
{
	char to[STRATA_VERSION_MAX + 32], what[160];
	struct strata_buf b;
	size_t i;

	if (idx >= 0)
		snprintf(to, sizeof(to), "force %s", r->st->rows[idx].vtext);
	else
		snprintf(to, sizeof(to), "force %s: to no version", req->target.d[0] ? req->target.d : "-1");
	for (i = 0; i < r->nsteps; i++) {
		struct step *s = &r->steps[i];

		s->record_only = 1;
		s->action = "force";
		strata_buf_init(&b);
		if (s->row->state == STRATA_PARTIAL && s->row->mig) {
			struct strata_split sp;

			memset(&sp, 0, sizeof(sp));
			if (strata_sql_split(s->row->mig->up, s->row->mig->up_len, r->db->drv->dialect, &sp, NULL) == 0)
				s->partial_total = strata_split_count(&sp);
			strata_split_release(&sp);
			/* the note once per row: after its record when force unrecords and records it again */
			s->closes_partial = !(i + 1 < r->nsteps && r->steps[i + 1].row == s->row);
			partial_text(s, what, sizeof(what));
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

/* Run one step; in_batch: inside the caller's single transaction. */
static int run_step(struct run *r, const struct step *s, int in_batch, int *skipped, struct strata_err *err)
{
	struct strata_db *db = r->db;
	const struct strata_driver *d = db->drv;
	const struct strata_migration *m = s->row->mig;
	int own_tx = !in_batch && !s->notx;
	double t0 = strata_now_ms();
	long pos = -1;
	int rc;

	*skipped = 0;
	if (!s->record_only && s->dv->nrequire) {
		rc = check_conditions(db, s, s->dv->require, s->dv->require_line, s->dv->nrequire, "require", err);
		if (rc)
			goto out;
	}
	if (s->notx && !s->record_only) {
		rc = run_notx(r, s, t0, err);
		goto out;
	}
	if ((d->caps & STRATA_CAP_BATCH) && own_tx && !s->record_only && !s->accept && !s->dv->nverify &&
	    s->dv->timeout <= 0 && s->row->mig) {
		rc = run_batched(r, s, err);
		goto out;
	}
	if (own_tx) {
		rc = d->begin(db->conn, err);
		if (rc)
			return rc;
	}
	if (!(d->caps & STRATA_CAP_ADVISORY_LOCK) && !in_batch) {
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
	if (in_batch && (d->caps & STRATA_CAP_BATCH) && !s->record_only && !s->accept && (s->down || m)) {
		/* inside --single-transaction: the rows go with later ones (see strata_deferred) */
		if (r->held.n >= HOLD_MAX || (r->held.n && r->held.down != s->down)) {
			rc = strata_history_flush(db, &r->held, err);
			if (rc)
				goto fail;
		}
		strata_history_defer(db, &r->held, m, &s->row->version, s->row->name, s->action, s->down,
				     strata_now_ms() - t0);
		return 0;
	}
	if (s->accept)
		rc = strata_history_accept(db, m, err);
	else if (s->down)
		rc = strata_history_delete(db, &s->row->version, err);
	else
		rc = strata_history_insert(db, m, strata_now_ms() - t0, err);
	if (!rc)
		rc = strata_history_log(db, s->action, s->row, strata_now_ms() - t0, s->result ? s->result : "ok", err);
	if (rc)
		goto fail;
	if (own_tx) {
		rc = d->commit(db->conn, err);
		if (rc)
			goto fail;
	}
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
 * Does the script manage its own transactions? Then it must not end inside
 * one: strata records the migration after its last statement, and that
 * record would go into the file's open transaction and vanish with it.
 */
static int own_transactions(struct step *s, struct strata_err *err)
{
	size_t i;
	int open_line = strata_split_open_tx(&s->sp);

	for (i = 0; i < s->sp.n && !s->own_tx; i++) {
		if (s->sp.s[i].flags & STRATA_STMT_TX) {
			s->own_tx = 1;
			s->own_tx_line = s->line + s->sp.s[i].line - 1;
		}
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
static int prepare_step(struct run *r, struct step *s, struct strata_err *err)
{
	struct strata_db *db = r->db;
	const struct strata_migration *m = s->row->mig;
	struct strata_directives dv;
	size_t i;
	int rc;

	if (!s->script || s->record_only)
		return 0;
	memset(&dv, 0, sizeof(dv));
	rc = strata_sql_split(s->script, s->len, db->drv->dialect, &s->sp, err);
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
	if (!s->notx && db->drv->engine == STRATA_ENGINE_POSTGRES) {
		for (i = 0; i < s->sp.n; i++) {
			if (s->sp.s[i].flags & STRATA_STMT_NO_TX) {
				s->notx = 1;
				if (!db->opts.dry_run && !db->opts.single_transaction)
					note(db, "%s %s: runs outside a transaction, statement by statement, because %s:%d "
						 "cannot run inside one (add -- strata:no-transaction to say so)",
					     s->row->vtext, s->row->name, s->file, s->line + s->sp.s[i].line - 1);
				break;
			}
		}
	}
	if (s->notx && s->dv->nverify)
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
			if (err)
				strata_err_hint(err,
						"restore the statements that ran; if the database was undone by hand, "
						"record that with `strata force VERSION`");
			return STRATA_EHISTORY;
		}
		prefix_checksum(s, s->resume, sum);
		if (!s->row->progress || strcmp(sum, s->row->progress) != 0) {
			strata_err_set(err, STRATA_EHISTORY,
				       "%s: statements 1-%d of the down script already ran, and have been edited since",
				       s->file, s->resume);
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
			return STRATA_EHISTORY;
		}
		prefix_checksum(s, s->resume, sum);
		if (!s->row->progress || strcmp(sum, s->row->progress) != 0) {
			strata_err_set(err, STRATA_EHISTORY,
				       "%s: statements 1-%d already ran, and have been edited since", s->file,
				       s->resume);
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

static void release_steps(struct run *r)
{
	size_t i;

	for (i = 0; i < r->nsteps; i++) {
		strata_split_release(&r->steps[i].sp);
		free(r->steps[i].result);
		if (r->steps[i].dv != &no_directives) {
			strata_directives_release(r->steps[i].dv);
			free(r->steps[i].dv);
		}
	}
	free(r->steps);
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

static int is_applied(const struct strata_status_row *row)
{
	return row->state == STRATA_APPLIED || row->state == STRATA_MODIFIED || row->state == STRATA_MISSING;
}

static int add_step(struct run *r, const struct strata_status_row *row, int down)
{
	struct step *s = &r->steps[r->nsteps++];
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

/* Up to a pending row: a step, or, for a Go migration, the end of the plan (1). */
static int add_up_step(struct run *r, const struct strata_status_row *row)
{
	if (is_go(row)) {
		r->go_stop = row;
		return 1;
	}
	add_step(r, row, 0);
	return 0;
}

static int refuse_untrusted(struct run *r, int up, struct strata_err *err)
{
	struct strata_db *db = r->db;
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
		} else if (row->state == STRATA_MODIFIED && !db->opts.allow_modified && row->recorded_name) {
			/* not an edit: another migration under the same version */
			strata_buf_addf(&b, "%s%s was applied as `%s`, the file is `%s`: is this the right directory and "
					"database?", bad ? "\n" : "", row->vtext, row->recorded_name, row->name);
			bad++;
			first = first ? first : row;
		} else if (row->state == STRATA_MODIFIED && !db->opts.allow_modified) {
			strata_buf_addf(&b, "%s%s was changed after it was applied (recorded sha256 %.12s, file %.12s)",
					bad ? "\n" : "", row->mig->up_file, strata_checksum_hex(row->checksum),
					strata_checksum_file_hex(row->checksum, row->mig));
			bad++;
			first = first ? first : row;
		}
	}
	if (bad) {
		strata_err_set(err, STRATA_EHISTORY, "%s", b.buf);
		if (err) {
			snprintf(err->file, sizeof(err->file), "%s", first->mig ? first->mig->up_file : "");
			err->version = first->version;
			err->has_version = 1;
			if (first->state == STRATA_PARTIAL)
				strata_err_hint(err, "%s",
					 "fix the migration and record its state by hand with `strata force VERSION`");
			else if (first->recorded_name)
				strata_err_hint(err,
					 "check -p/--path and -d/--database; if %s `%s` really replaces `%s`, record it "
					 "with `strata accept %s`",
					 first->vtext, first->name, first->recorded_name, first->vtext);
			else
				strata_err_hint(err,
					 "restore the applied file; if the change is deliberate and harmless, record it with "
					 "`strata accept %s` (or run once with --allow-modified)",
					 first->vtext);
		}
		strata_buf_release(&b);
		return STRATA_EHISTORY;
	}
	strata_buf_release(&b);
	return 0;
}

static int check_out_of_order(struct run *r, struct strata_err *err)
{
	size_t i;
	const struct strata_status_row *newest = NULL;

	if (r->db->opts.allow_out_of_order)
		return 0;
	for (i = 0; i < r->st->n; i++)
		if (r->st->rows[i].state != STRATA_PENDING)
			newest = &r->st->rows[i];
	for (i = 0; i < r->nsteps; i++) {
		const struct step *s = &r->steps[i];

		if (!s->down && s->row->out_of_order) {
			strata_err_set(err, STRATA_EHISTORY,
				       "%s %s is pending but is older than %s %s, which is already applied",
				       s->row->vtext, s->row->name, newest ? newest->vtext : "?",
				       newest ? newest->name : "?");
			if (err) {
				snprintf(err->file, sizeof(err->file), "%s", s->row->mig->up_file);
				err->version = s->row->version;
				err->has_version = 1;
				strata_err_hint(err,
					 "two branches added migrations; apply it anyway with --allow-out-of-order");
			}
			return STRATA_EHISTORY;
		}
	}
	return 0;
}

static int plan(struct run *r, const struct strata_request *req, struct strata_err *err)
{
	struct strata_status *st = r->st;
	long i, idx, last = -1;
	long count = req->count;

	r->steps = calloc(st->n * 2 + 2, sizeof(*r->steps));
	if (!r->steps)
		return strata_err_set(err, STRATA_ENOMEM, "out of memory");
	for (i = 0; i < (long)st->n; i++)
		if (is_applied(&st->rows[i]) || st->rows[i].state == STRATA_PARTIAL)
			last = i;
	switch (req->action) {
	case STRATA_UP:
		for (i = 0; i < (long)st->n && (count <= 0 || (long)r->nsteps < count); i++)
			if ((st->rows[i].state == STRATA_PENDING || st->rows[i].state == STRATA_PARTIAL) &&
			    add_up_step(r, &st->rows[i]))
				break;
		break;
	case STRATA_DOWN:
		if (count <= 0)
			count = 1;
		for (i = (long)st->n - 1; i >= 0 && (req->all || (long)r->nsteps < count); i--)
			if (is_applied(&st->rows[i]))
				add_step(r, &st->rows[i], 1);
		break;
	case STRATA_GOTO:
		if (to_nothing(st, &req->target)) {
			idx = -1;
		} else {
			idx = find_row(st, &req->target);
			if (idx < 0)
				return strata_err_set(err, STRATA_EUSAGE,
						      "no migration has version %s; `strata status` lists them",
						      req->target.d);
		}
		for (i = (long)st->n - 1; i > idx; i--)
			if (is_applied(&st->rows[i]))
				add_step(r, &st->rows[i], 1);
		for (i = 0; i <= idx; i++)
			if ((st->rows[i].state == STRATA_PENDING || st->rows[i].state == STRATA_PARTIAL) &&
			    add_up_step(r, &st->rows[i]))
				break;
		break;
	case STRATA_REDO:
		for (i = (long)st->n - 1; i >= 0; i--)
			if (is_applied(&st->rows[i]))
				break;
		if (i < 0)
			return strata_err_set(err, STRATA_EUSAGE, "nothing is applied: there is nothing to redo");
		if (!st->rows[i].mig)
			return strata_err_set(err, STRATA_ESOURCE,
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
				return strata_err_set(err, STRATA_EUSAGE,
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
			return strata_err_set(err, STRATA_EUSAGE,
					      "no migration file has version %s; `strata status` lists them",
					      req->target.d);
		for (i = 0; i <= idx; i++) {
			if (st->rows[i].state != STRATA_PENDING)
				continue;
			add_step(r, &st->rows[i], 0);
			r->steps[r->nsteps - 1].record_only = 1;
			r->steps[r->nsteps - 1].action = "baseline";
		}
		return 0;
	case STRATA_ACCEPT:
		idx = find_row(st, &req->target);
		if (idx < 0)
			return strata_err_set(err, STRATA_EUSAGE, "no migration has version %s; `strata status` lists them",
					      req->target.d);
		if (st->rows[idx].state != STRATA_MODIFIED)
			return strata_err_set(err, STRATA_EUSAGE, "%s %s is %s, not modified: there is nothing to accept",
					      st->rows[idx].vtext, st->rows[idx].name, strata_state_name(st->rows[idx].state));
		add_step(r, &st->rows[idx], 0);
		r->steps[0].record_only = 1;
		r->steps[0].accept = 1;
		r->steps[0].action = "accept";
		return 0;
	}
	(void)last;
	return 0;
}

static int records_only(enum strata_action a)
{
	return a == STRATA_FORCE || a == STRATA_BASELINE || a == STRATA_ACCEPT;
}

/* Why step s cannot be rolled back (into why), or 0 when it can. */
static int irreversible(const struct step *s, char *why, size_t n)
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
static int refuse_irreversible(struct run *r, struct strata_err *err)
{
	struct strata_buf b;
	const struct step *first = NULL;
	size_t i, bad = 0, shown = 0, missing = 0;
	char why[900];

	strata_buf_init(&b);
	for (i = 0; i < r->nsteps; i++) {
		const struct step *s = &r->steps[i];

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
static int prepare(struct run *r, struct strata_err *err)
{
	size_t i;
	int rc;

	for (i = 0; i < r->nsteps; i++) {
		struct step *s = &r->steps[i];

		rc = prepare_step(r, s, err);
		if (rc)
			return rc;
		if (s->down && !s->record_only && s->script && !s->dv->irreversible && strata_split_count(&s->sp) == 0)
			s->empty = 1; /* as golang-migrate, dbmate, goose and Diesel run it: nothing, then the record goes */
		if (s->own_tx && !s->record_only && r->db->opts.single_transaction) {
			strata_err_set(err, STRATA_EUSAGE,
				       "%s %s manages its own transactions (BEGIN/COMMIT), so it cannot be part of "
				       "--single-transaction; nothing was run",
				       s->row->vtext, s->row->name);
			if (err) {
				snprintf(err->file, sizeof(err->file), "%s", s->file);
				err->line = s->own_tx_line;
				strata_err_hint(err,
					 "run `strata up` without --single-transaction: each migration then runs in its "
					 "own transaction, and this one as written");
			}
			return STRATA_EUSAGE;
		}
		if (s->notx && !s->record_only && r->db->opts.single_transaction) {
			strata_err_set(err, STRATA_EUSAGE,
				       "%s %s must run outside a transaction, so it cannot be part of "
				       "--single-transaction",
				       s->row->vtext, s->row->name);
			if (err)
				snprintf(err->file, sizeof(err->file), "%s", s->file);
			return STRATA_EUSAGE;
		}
	}
	return refuse_irreversible(r, err);
}

/*
 * The offline script: what `strata up` would do, as SQL a DBA runs with
 * `psql -v ON_ERROR_STOP=1 -f` or `sqlite3`. Each migration in BEGIN/COMMIT
 * with its tracking row; no-transaction migrations unwrapped.
 */
static int build_script(struct run *r, char **out, struct strata_err *err)
{
	struct strata_db *db = r->db;
	struct strata_buf b;
	size_t i;

	strata_buf_init(&b);
	strata_buf_addf(&b, "-- strata: %zu migration%s for %s\n-- run with: %s\n\n", r->nsteps,
			r->nsteps == 1 ? "" : "s", db->target->display,
			db->drv->engine == STRATA_ENGINE_POSTGRES ? "psql -X -v ON_ERROR_STOP=1 -f FILE"
								  : "sqlite3 -bail DB < FILE");
	strata_history_create_sql(db, &b);
	for (i = 0; i < r->nsteps; i++) {
		const struct step *s = &r->steps[i];
		const struct strata_migration *m = s->row->mig;
		size_t k;

		if (s->down || s->record_only || s->resume)
			return strata_err_set(err, STRATA_EUSAGE,
					      "--sql writes scripts that apply pending migrations; %s %s is not one",
					      s->row->vtext, s->row->name);
		strata_buf_addf(&b, "\n-- %s %s (%s)\n", m->vtext, m->name, m->up_file);
		if (!s->notx)
			strata_buf_adds(&b, "BEGIN;\n");
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
		strata_history_batch_sql(db, m, &m->version, m->name, "up", 0, &b);
		if (!s->notx)
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
	const struct strata_status_row *row = r->go_stop;

	if (dry) {
		note(r->db, "%s %s (%s) is a goose Go migration, which strata cannot run: `strata up` stops before it",
		     row->vtext, row->name, row->mig->up_file);
		return 0;
	}
	strata_err_set(err, STRATA_EUNSUPPORTED,
		       "%s %s (%s) is a goose Go migration, which strata cannot run: stopped before it; the "
		       "database is %s%s",
		       row->vtext, row->name, row->mig->up_file, at ? "at " : "at no version", at ? at : "");
	if (err) {
		snprintf(err->file, sizeof(err->file), "%s", row->mig->up_file);
		err->version = row->version;
		err->has_version = 1;
		strata_err_hint(err,
			 "run its Go code outside strata (goose decides what to run from its own goose_db_version "
			 "table, which strata does not keep: a plain `goose up` would start again at the first "
			 "migration), then `strata baseline %s` records it, and `strata up` continues after it",
			 row->vtext);
	}
	return STRATA_EUNSUPPORTED;
}

static void lock_waiting(void *ud, const char *holder, double waited_ms)
{
	struct strata_db *db = ud;
	struct strata_event ev = { 0 };

	ev.kind = STRATA_EV_LOCK_WAIT;
	ev.text = holder;
	ev.ms = waited_ms;
	strata_emit(db, &ev);
}

void strata_unlock(struct strata_db *db, int locked)
{
	if (locked)
		db->drv->unlock(db->conn, db->lockkey, NULL);
}

int strata_lock(struct strata_db *db, int *locked, struct strata_err *err)
{
	struct strata_event ev = { 0 };
	int rc;

	*locked = 0;
	if (!db->drv->lock)
		return 0;
	rc = db->drv->lock(db->conn, db->lockkey, db->opts.lock_wait, lock_waiting, db, err);
	if (rc)
		return rc;
	*locked = 1;
	ev.kind = STRATA_EV_LOCKED;
	strata_emit(db, &ev);
	return 0;
}

int strata_run(struct strata_db *db, const struct strata_source *src, const struct strata_request *req,
	       struct strata_run_result *res, struct strata_err *err)
{
	struct run r;
	struct strata_event ev = { 0 };
	int locked = 0, rc, in_batch = 0;
	size_t i, done = 0;
	const char *at = NULL;
	int dry = db->opts.dry_run || req->dry_run || req->script;

	if (res)
		memset(res, 0, sizeof(*res));
	if (req->script)
		*req->script = NULL;
	if (src->ups_only)
		return strata_err_set(err, STRATA_EUSAGE, "this source was loaded without its down scripts "
							  "(STRATA_SOURCE_UPS_ONLY) and cannot be run");
	if ((req->action == STRATA_UP || req->action == STRATA_GOTO || req->action == STRATA_DOWN ||
	     req->action == STRATA_REDO) &&
	    !db->opts.ignore_other_tool) {
		/* another tool's database: running migration 1 again would fail on "already exists", or worse */
		struct strata_other_tool o;

		rc = strata_other_tool_find(db, &o, err);
		if (rc < 0)
			return rc;
		if (rc == 1) {
			strata_err_set(err, STRATA_EREFUSED, "another tool manages this database; nothing was run");
			if (err) {
				char msg[1024], hint[512];

				strata_other_tool_explain(&o, msg, sizeof(msg), hint, sizeof(hint));
				strata_err_set(err, STRATA_EREFUSED, "%s; nothing was run", msg);
				strata_err_hint(err, "%s", hint);
				if (req->action == STRATA_DOWN || req->action == STRATA_REDO)
					strata_err_detail(err, "strata keeps no record here yet, so it has nothing to roll "
							       "back: the other tool's migrations are not strata's until "
							       "adopted");
				else
					strata_err_detail(err,
						 "strata keeps no record here yet, so it would run every migration from the "
						 "first; --ignore-other-tool does that anyway");
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
			rc = strata_err_set(err, STRATA_EINTR, "interrupted before any migration ran; nothing changed");
			if (err)
				strata_err_hint(err, NULL);
		}
		if (rc)
			goto out;
	}
	rc = strata_status_read(db, src, 1, &r.st, err);
	if (rc)
		goto out;
	at = r.st->have_current ? r.st->current_vtext : NULL;
	if (!records_only(req->action)) {
		rc = refuse_untrusted(&r, req->action == STRATA_UP || req->action == STRATA_GOTO, err);
		if (rc)
			goto out;
	}
	rc = plan(&r, req, err);
	if (rc)
		goto out;
	if (r.nsteps) { /* plan() allowed for the worst case (redo); give the rest back */
		struct step *fit = realloc(r.steps, r.nsteps * sizeof(*r.steps));

		if (fit)
			r.steps = fit;
	}
	if (req->action == STRATA_UP || req->action == STRATA_GOTO) {
		rc = check_out_of_order(&r, err);
		if (rc)
			goto out;
	}
	rc = prepare(&r, err);
	if (rc)
		goto out;
	if (req->script) {
		rc = build_script(&r, req->script, err);
		if (!rc && r.go_stop)
			go_stopped(&r, NULL, 1, err);
		goto out;
	}
	for (i = 0; i < r.st->n; i++)
		if (r.st->rows[i].state == STRATA_MISSING && !records_only(req->action))
			note(db, "%s %s is applied but its file is gone", r.st->rows[i].vtext, r.st->rows[i].name);
	ev.kind = STRATA_EV_PLAN;
	ev.count = r.nsteps;
	if (r.nsteps || !r.go_stop) /* not "nothing to do" when a Go migration is next */
		strata_emit(db, &ev);
	if (!dry && r.nsteps && db->opts.backup_dir) {
		char *path = NULL;
		struct strata_event bev = { 0 };

		rc = strata_backup(db, db->opts.backup_dir, &path, err);
		if (rc) {
			strata_err_prefix(err, "nothing was changed: ");
			goto out;
		}
		bev.kind = STRATA_EV_BACKUP;
		bev.text = path;
		strata_emit(db, &bev);
		free(path);
	}
	if (!dry && r.nsteps) {
		rc = strata_history_ensure(db, err);
		if (rc && interrupted(db)) {
			rc = strata_err_set(err, STRATA_EINTR, "interrupted before any migration ran; nothing changed");
			strata_err_hint(err, NULL);
		}
		if (rc)
			goto out;
	}
	at = r.st->have_current ? r.st->current_vtext : NULL;
	if (!dry && r.nsteps && (db->opts.single_transaction || records_only(req->action))) {
		rc = db->drv->begin(db->conn, err);
		if (rc)
			goto out;
		in_batch = 1;
	}
	for (i = 0; i < r.nsteps; i++) {
		const struct step *s = &r.steps[i];
		double t0 = strata_now_ms();
		int skipped;

		if (interrupted(db) && !dry) {
			rc = strata_err_set(err, STRATA_EINTR, "interrupted before %s %s; the database is %s%s",
					    s->row->vtext, s->row->name, in_batch ? "as it was before this run" : at ? "at " : "at no version",
					    in_batch ? "" : at ? at : "");
			goto out;
		}
		emit_mig(db, STRATA_EV_MIG_START, s, 0, NULL, NULL);
		if (s->own_tx && !s->record_only)
			note(db, "%s %s manages its own transactions (%s:%d): %s as written, statement by "
				 "statement, outside a transaction of strata's",
			     s->row->vtext, s->row->name, s->file, s->own_tx_line, dry ? "it would run" : "running it");
		if (s->recorded_down)
			note(db, "%s %s: running the down script recorded when it was applied (%s)", s->row->vtext,
			     s->row->name, s->row->mig ? "its up file was changed" : "its file is gone");
		if (dry) {
			if (!s->record_only)
				emit_statements(db, s);
			emit_mig(db, STRATA_EV_MIG_DONE, s, 0, NULL, NULL);
			continue;
		}
		rc = run_step(&r, s, in_batch, &skipped, err);
		if (rc && interrupted(db) && err) {
			/* the cancelled statement's error is not the news: the interruption is */
			err->code = rc = STRATA_EINTR;
			if (strcmp(err->message, "interrupted") != 0)
				strata_err_detail(err, "%s", err->message);
			strata_err_set(err, rc, "interrupted by a signal");
			strata_err_hint(err, NULL);
		}
		{
			int retries = db->opts.lock_retries >= 0 ? db->opts.lock_retries : db->opts.lock_timeout > 0 ? 3 : 0;
			int attempt;

			/* gave up on a lock (lock_timeout): rolled back whole, so try it again after a pause */
			for (attempt = 1; rc && err && strcmp(err->sqlstate, "55P03") == 0 && attempt <= retries &&
					  !in_batch && (!s->notx || err->statement <= 1);
			     attempt++) {
				double wait = 0.5 * (double)(1 << (attempt - 1));
				struct timespec ts;

				note(db, "%s %s: %s; retrying in %.1f s (retry %d of %d)", s->row->vtext, s->row->name,
				     err->message, wait, attempt, retries);
				ts.tv_sec = (time_t)wait;
				ts.tv_nsec = (long)((wait - (double)ts.tv_sec) * 1e9);
				nanosleep(&ts, NULL);
				strata_err_release(err);
				rc = run_step(&r, s, in_batch, &skipped, err);
			}
		}
		if (rc) {
			if (in_batch)
				at = r.st->have_current ? r.st->current_vtext : NULL;
			{
				struct strata_event fe;

				mig_event(&fe, STRATA_EV_MIG_FAILED, s, strata_now_ms() - t0, err, at);
				if (s->notx) {
					fe.outside_tx = 1;
					fe.own_tx = s->own_tx;
					fe.total = strata_split_count(&s->sp);
					fe.count = err && err->statement > 0 ? (size_t)r.notx_done : 0;
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
			emit_mig(db, STRATA_EV_MIG_SKIPPED, s, strata_now_ms() - t0, NULL, NULL);
			continue;
		}
		done++;
		if (s->down) {
			/* the database is now at the applied row before this one */
			long k;

			for (k = (long)(s->row - r.st->rows) - 1; k >= 0; k--)
				if (is_applied(&r.st->rows[k]))
					break;
			at = k >= 0 ? r.st->rows[k].vtext : NULL;
		} else {
			at = s->row->vtext;
		}
		emit_mig(db, STRATA_EV_MIG_DONE, s, strata_now_ms() - t0, NULL, NULL);
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
	rc = r.go_stop ? go_stopped(&r, at, dry, err) : 0;
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
	release_steps(&r);
	strata_status_free(r.st);
	return rc;
}
