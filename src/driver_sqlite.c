/*
 * driver_sqlite.c - the SQLite driver, on SQLite's C API.
 *
 * SQLite has transactional DDL, so every migration runs inside one write
 * transaction with its tracking row. There is no session lock: a runner takes
 * the database's write lock with BEGIN IMMEDIATE for each migration and
 * re-reads the tracking table inside it, so two processes on one file
 * serialise and each migration is applied exactly once. Waiting for another
 * writer goes through a busy handler that reports and gives up after the lock
 * wait, rather than SQLite's silent sleep.
 *
 * A path that does not exist is a new database only for `up`: other commands
 * ask for must_exist and get "does not exist", and `up` reads an empty
 * in-memory stand-in until its first write creates the file, so that a
 * refused run leaves no file behind.
 *
 * Its targets: dbmate's sqlite:PATH, golang-migrate's sqlite3://PATH (with
 * its x-* parameters), and a bare file name ending in .db, .sqlite or
 * .sqlite3; other query parameters (_journal, cache=...) are dropped.
 */
#include <errno.h>
#include <fcntl.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "buf.h"
#include "util.h"
#include "split.h"
#include "driver.h"
#include "driver_sqlite.h"
#include "registry.h"
#include "url.h"

struct strata_conn {
	sqlite3 *db;
	char *path;
	double lock_wait;          /* seconds; < 0 forever */
	double wait_start;         /* when the current busy wait began (ms), 0 when not waiting */
	double last_report;        /* when the last wait report was made */
	void (*on_event)(void *ud, const struct strata_event *ev);
	void *ud;
	int gave_up;               /* the busy handler ran out of time */
	int create_on_write;       /* the file does not exist yet: c->db is an empty in-memory stand-in
				      until the first write (exec, begin), which creates the file */
	/*
	 * Statements with parameters (the bookkeeping: the same few texts for
	 * every migration) stay compiled: preparing them anew each time was
	 * more than half of strata's own CPU per migration.
	 */
	struct {
		char *sql;
		sqlite3_stmt *st;
	} cache[8];
	unsigned next_slot; /* the slot to replace next when all are taken */
};

/*
 * An SQLite result code into err, with its class: read-only, I/O, corrupt,
 * full, cannot open and not a database are the surroundings' doing.
 */
static void set_code(struct strata_err *err, int rc)
{
	switch (rc & 0xff) {
	case SQLITE_READONLY:
	case SQLITE_IOERR:
	case SQLITE_CORRUPT:
	case SQLITE_FULL:
	case SQLITE_CANTOPEN:
	case SQLITE_NOTADB:
		err->err_class = STRATA_ERRCLASS_ENVIRONMENT;
		break;
	default:
		err->err_class = STRATA_ERRCLASS_NONE;
	}
	err->driver_code = rc;
}

static int fill_err(struct strata_conn *c, int rc, struct strata_err *err)
{
	int code = STRATA_EDB;

	if ((rc & 0xff) == SQLITE_BUSY || (rc & 0xff) == SQLITE_LOCKED)
		code = STRATA_ELOCK;
	strata_err_set(err, code, "%s", c->db ? sqlite3_errmsg(c->db) : sqlite3_errstr(rc));
	if (err) {
		set_code(err, rc);
		if (code == STRATA_ELOCK) {
			err->reason = STRATA_R_LOCK_TIMEOUT;
			strata_err_hint(err,
				 "another process is writing to %s; waited %.0f s (the lock wait)", c->path,
				 c->lock_wait < 0 ? 0 : c->lock_wait);
		}
	}
	return code;
}

static int busy_handler(void *arg, int count)
{
	struct strata_conn *c = arg;
	double now = strata_now_ms();
	struct timespec ts;
	long us;

	if (count == 0 || c->wait_start == 0) {
		c->wait_start = now;
		c->last_report = now;
	}
	if (c->lock_wait >= 0 && now - c->wait_start >= c->lock_wait * 1000.0) {
		c->gave_up = 1;
		c->wait_start = 0;
		return 0;
	}
	if (c->on_event && now - c->last_report >= 2000.0) {
		struct strata_event ev = { 0 };

		ev.kind = STRATA_EV_LOCK_WAIT;
		ev.target = c->path;
		ev.lock_wait.waited_ms = now - c->wait_start;
		ev.lock_wait.holder = "another process holds the SQLite write lock";
		c->on_event(c->ud, &ev);
		c->last_report = now;
	}
	us = count < 10 ? 1000L * (count + 1) : 20000L;
	ts.tv_sec = 0;
	ts.tv_nsec = us * 1000L;
	nanosleep(&ts, NULL);
	return 1;
}

static int sq_connect(const struct strata_target *t, const struct strata_opts *o, struct strata_conn **out,
		      struct strata_err *err)
{
	struct strata_conn *c;
	struct stat st;
	const char *path = t->conninfo;
	int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE;
	int rc;

	*out = NULL;
	c = calloc(1, sizeof(*c));
	if (!c)
		return strata_err_set(err, STRATA_ENOMEM, "out of memory");
	c->path = strata_strdup(path);
	c->lock_wait = o ? o->lock_wait : -1;
	c->on_event = o ? o->on_event : NULL;
	c->ud = o ? o->ud : NULL;
	if (o && o->must_exist && strcmp(path, ":memory:") != 0 && stat(path, &st) != 0 && errno == ENOENT) {
		strata_err_set(err, STRATA_ECONNECT,
			       "SQLite database %s does not exist (only `strata up` creates it): check the path",
			       t->conninfo);
		free(c->path);
		free(c);
		return STRATA_ECONNECT;
	}
	if (o && o->read_only) {
		/* looking must not create the file: an absent database has nothing applied (up --dry-run) */
		if (stat(path, &st) != 0 && errno == ENOENT)
			path = ":memory:";
		else
			flags = SQLITE_OPEN_READONLY;
	} else if (o && o->must_exist) {
		flags = SQLITE_OPEN_READWRITE;
	} else if (strcmp(path, ":memory:") != 0 && stat(path, &st) != 0 && errno == ENOENT) {
		/* up on a new path: an empty database until something is written, so that a refused
		   run leaves no file behind; a missing directory is said now, as opening would */
		char *dir = strata_strdup(path), *slash = dir ? strrchr(dir, '/') : NULL;

		if (slash)
			*(slash == dir ? slash + 1 : slash) = '\0';
		if (slash && stat(dir, &st) != 0) {
			strata_err_set(err, STRATA_ECONNECT, "cannot create SQLite database %s: directory %s: %s",
				       t->conninfo, dir, strerror(errno));
			free(dir);
			free(c->path);
			free(c);
			return STRATA_ECONNECT;
		}
		free(dir);
		c->create_on_write = 1;
		path = ":memory:";
	}
	rc = sqlite3_open_v2(path, &c->db, flags, NULL);
	if (rc != SQLITE_OK) {
		strata_err_set(err, STRATA_ECONNECT, "cannot open SQLite database %s: %s", t->conninfo,
			       c->db ? sqlite3_errmsg(c->db) : sqlite3_errstr(rc));
		if (err)
			set_code(err, rc);
		sqlite3_close(c->db);
		free(c->path);
		free(c);
		return STRATA_ECONNECT;
	}
	sqlite3_extended_result_codes(c->db, 1);
	sqlite3_busy_handler(c->db, busy_handler, c);
	/* a file that is not a database shows here, not in the middle of a migration */
	rc = sqlite3_exec(c->db, "SELECT count(*) FROM sqlite_master", NULL, NULL, NULL);
	if (rc != SQLITE_OK) {
		strata_err_set(err, rc == SQLITE_NOTADB ? STRATA_ECONNECT : (rc & 0xff) == SQLITE_BUSY ? STRATA_ELOCK : STRATA_EDB,
			       "cannot read SQLite database %s: %s", t->conninfo, sqlite3_errmsg(c->db));
		if (err)
			set_code(err, rc);
		rc = err ? err->code : STRATA_EDB;
		sqlite3_close(c->db);
		free(c->path);
		free(c);
		return rc;
	}
	*out = c;
	return 0;
}

sqlite3 *strata_sqlite_handle(struct strata_conn *c)
{
	return c->db;
}

static void drop_cache(struct strata_conn *c)
{
	size_t i;

	for (i = 0; i < sizeof(c->cache) / sizeof(c->cache[0]); i++) {
		sqlite3_finalize(c->cache[i].st);
		free(c->cache[i].sql);
		c->cache[i].st = NULL;
		c->cache[i].sql = NULL;
	}
}

static void sq_close(struct strata_conn *c)
{
	if (!c)
		return;
	drop_cache(c);
	sqlite3_close(c->db);
	free(c->path);
	free(c);
}

/* Offset of the first token at or after `at`: past white space, -- and block comments (tokenize.c). */
static long first_token(const char *sql, size_t len, long at)
{
	size_t i = (size_t)at;

	while (i < len) {
		if (sql[i] == ' ' || sql[i] == '\t' || sql[i] == '\n' || sql[i] == '\r' || sql[i] == '\f') {
			i++;
		} else if (sql[i] == '-' && i + 1 < len && sql[i + 1] == '-') {
			while (i < len && sql[i] != '\n')
				i++;
		} else if (sql[i] == '/' && i + 1 < len && sql[i + 1] == '*') {
			size_t j = i + 2;

			while (j + 1 < len && !(sql[j] == '*' && sql[j + 1] == '/'))
				j++;
			if (j + 1 >= len)
				break;
			i = j + 2;
		} else {
			break;
		}
	}
	return i < len ? (long)i : at;
}

/*
 * The first write on a new path: open (and so create) the real file in place
 * of the in-memory stand-in, which held nothing (only reads ran on it).
 * Another runner may have created the file meanwhile: that is fine, each
 * step re-reads the tracking table under the write lock.
 */
static int materialize(struct strata_conn *c, struct strata_err *err)
{
	sqlite3 *db = NULL;
	int rc;

	if (!c->create_on_write)
		return 0;
	rc = sqlite3_open_v2(c->path, &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, NULL);
	if (rc != SQLITE_OK) {
		strata_err_set(err, STRATA_ECONNECT, "cannot create SQLite database %s: %s", c->path,
			       db ? sqlite3_errmsg(db) : sqlite3_errstr(rc));
		if (err)
			set_code(err, rc);
		sqlite3_close(db);
		return STRATA_ECONNECT;
	}
	sqlite3_extended_result_codes(db, 1);
	sqlite3_busy_handler(db, busy_handler, c);
	drop_cache(c);
	sqlite3_close(c->db);
	c->db = db;
	c->create_on_write = 0;
	return 0;
}

static int sq_exec(struct strata_conn *c, const char *sql, size_t len, long *errpos, struct strata_err *err)
{
	const char *p = sql, *end = sql + len, *tail;
	sqlite3_stmt *st;
	int rc;

	if (errpos)
		*errpos = -1;
	rc = materialize(c, err);
	if (rc)
		return rc;
	while (p < end) {
		/* counting the NUL lets SQLite read the text in place instead of copying the rest of
		 * the script for every statement (quadratic in the script's size) */
		rc = sqlite3_prepare_v2(c->db, p, (int)(end - p) + (*end == '\0'), &st, &tail);
		if (rc != SQLITE_OK) {
			int off = sqlite3_error_offset(c->db);

			if (errpos)
				*errpos = (long)(p - sql) + (off >= 0 ? off : 0);
			if (off < 0 && errpos) /* point at the statement's first token, not the comments before it */
				*errpos = first_token(sql, len, *errpos);
			return fill_err(c, rc, err);
		}
		if (!st) { /* only white space or comments left */
			if (tail <= p)
				break;
			p = tail;
			continue;
		}
		while ((rc = sqlite3_step(st)) == SQLITE_ROW)
			;
		if (rc != SQLITE_DONE) {
			const char *s = sqlite3_sql(st);
			long at = (long)(p - sql);

			/* sqlite3_sql() is the statement text without the leading comments */
			if (s) {
				const char *f = strstr(p, s);

				if (f && f < tail)
					at = (long)(f - sql);
			}
			/* a run-time error is the statement's: point at its first token, not at the
			 * white space and comments after the previous one */
			if (errpos)
				*errpos = first_token(sql, len, at);
			fill_err(c, rc, err);
			sqlite3_finalize(st);
			return err ? err->code : STRATA_EDB;
		}
		sqlite3_finalize(st);
		p = tail;
	}
	return 0;
}

/*
 * A compiled statement for `sql`: from the cache when `cacheable` (it is
 * then marked *cached and must go back through done_stmt, not finalize).
 */
static int prepare_cached(struct strata_conn *c, const char *sql, int cacheable, sqlite3_stmt **st, int *cached)
{
	const size_t nslots = sizeof(c->cache) / sizeof(c->cache[0]);
	size_t i;
	int rc;

	*cached = 0;
	if (cacheable)
		for (i = 0; i < nslots; i++)
			if (c->cache[i].sql && strcmp(c->cache[i].sql, sql) == 0) {
				*st = c->cache[i].st;
				*cached = 1;
				return SQLITE_OK;
			}
	rc = sqlite3_prepare_v3(c->db, sql, -1, cacheable ? SQLITE_PREPARE_PERSISTENT : 0, st, NULL);
	if (rc != SQLITE_OK || !cacheable)
		return rc;
	i = c->next_slot++ % nslots;
	sqlite3_finalize(c->cache[i].st);
	free(c->cache[i].sql);
	c->cache[i].st = NULL;
	c->cache[i].sql = strata_strdup(sql);
	if (c->cache[i].sql) {
		c->cache[i].st = *st;
		*cached = 1;
	}
	return SQLITE_OK;
}

/* Done with a statement: a cached one is reset for its next use (so it holds no lock), others finalized. */
static void done_stmt(sqlite3_stmt *st, int cached)
{
	if (cached) {
		sqlite3_reset(st);
		sqlite3_clear_bindings(st);
	} else {
		sqlite3_finalize(st);
	}
}

static int sq_query(struct strata_conn *c, const char *sql, int nparams, const char *const *params,
		    struct strata_rows **rows, struct strata_err *err)
{
	sqlite3_stmt *st;
	struct strata_rows *r = NULL;
	size_t cap = 0;
	int rc, i, cached;

	if (rows)
		*rows = NULL;
	rc = prepare_cached(c, sql, nparams > 0, &st, &cached);
	if (rc != SQLITE_OK)
		return fill_err(c, rc, err);
	for (i = 0; i < nparams; i++) {
		/* "$2" is a named parameter to SQLite, numbered by first appearance: bind by name */
		char name[16];
		int idx;

		snprintf(name, sizeof(name), "$%d", i + 1);
		idx = sqlite3_bind_parameter_index(st, name);
		if (idx == 0)
			continue;
		rc = params[i] ? sqlite3_bind_text(st, idx, params[i], -1, SQLITE_STATIC) : sqlite3_bind_null(st, idx);
		if (rc != SQLITE_OK)
			goto fail;
	}
	if (rows) {
		r = calloc(1, sizeof(*r));
		if (!r)
			goto oom;
		r->ncols = (size_t)sqlite3_column_count(st);
	}
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		size_t j;

		if (!r)
			continue;
		if ((r->nrows + 1) * r->ncols > cap) {
			size_t ncap = cap ? cap * 2 : 16 * (r->ncols ? r->ncols : 1);
			char **nc;

			while (ncap < (r->nrows + 1) * r->ncols)
				ncap *= 2;
			nc = realloc(r->cells, ncap * sizeof(*nc));
			if (!nc)
				goto oom;
			r->cells = nc;
			cap = ncap;
		}
		for (j = 0; j < r->ncols; j++) {
			const unsigned char *v = sqlite3_column_text(st, (int)j);

			r->cells[r->nrows * r->ncols + j] =
				v ? strata_strndup((const char *)v, (size_t)sqlite3_column_bytes(st, (int)j)) : NULL;
		}
		r->nrows++;
	}
	if (rc != SQLITE_DONE)
		goto fail;
	done_stmt(st, cached);
	if (rows)
		*rows = r;
	return 0;
oom:
	done_stmt(st, cached);
	strata_rows_free(r);
	return strata_err_set(err, STRATA_ENOMEM, "out of memory");
fail:
	fill_err(c, rc, err);
	done_stmt(st, cached);
	strata_rows_free(r);
	return err ? err->code : STRATA_EDB;
}

static int simple(struct strata_conn *c, const char *sql, struct strata_err *err)
{
	int rc;

	c->gave_up = 0;
	c->wait_start = 0;
	rc = sqlite3_exec(c->db, sql, NULL, NULL, NULL);
	if (rc != SQLITE_OK)
		return fill_err(c, rc, err);
	return 0;
}

static int sq_begin(struct strata_conn *c, struct strata_err *err)
{
	int rc = materialize(c, err);

	return rc ? rc : simple(c, "BEGIN IMMEDIATE", err);
}

static int sq_commit(struct strata_conn *c, struct strata_err *err)
{
	return simple(c, "COMMIT", err);
}

static int sq_rollback(struct strata_conn *c, struct strata_err *err)
{
	if (sqlite3_get_autocommit(c->db))
		return 0; /* SQLite already rolled back (e.g. after SQLITE_FULL) */
	return simple(c, "ROLLBACK", err);
}

static int sq_table_exists(struct strata_conn *c, const char *schema, const char *table,
			   struct strata_err *err)
{
	struct strata_buf b;
	struct strata_rows *r;
	const char *params[1] = { table };
	int rc;

	strata_buf_init(&b);
	strata_buf_adds(&b, "SELECT 1 FROM ");
	if (schema) {
		strata_buf_add_ident(&b, schema);
		strata_buf_addc(&b, '.');
	}
	strata_buf_adds(&b, "sqlite_master WHERE type = 'table' AND name = $1");
	if (b.broken)
		return strata_err_set(err, STRATA_ENOMEM, "out of memory");
	rc = sq_query(c, b.buf, 1, params, &r, err);
	strata_buf_release(&b);
	if (rc)
		return rc;
	rc = r->nrows > 0;
	strata_rows_free(r);
	return rc;
}

static int sq_drop(struct strata_conn *c, int preview, char **what, struct strata_err *err)
{
	struct strata_rows *r;
	struct strata_buf b;
	size_t i, ntab = 0, nview = 0, ntrig = 0;
	int rc;

	if (what)
		*what = NULL;
	rc = sq_query(c,
		      "SELECT type, name FROM sqlite_master WHERE name NOT LIKE 'sqlite\\_%' ESCAPE '\\' "
		      "AND type IN ('view', 'trigger', 'table') ORDER BY type = 'table', name",
		      0, NULL, &r, err);
	if (rc)
		return rc;
	strata_buf_init(&b);
	for (i = 0; i < r->nrows; i++) {
		const char *type = strata_rows_get(r, i, 0), *name = strata_rows_get(r, i, 1);

		ntab += strcmp(type, "table") == 0;
		nview += strcmp(type, "view") == 0;
		ntrig += strcmp(type, "trigger") == 0;
		strata_buf_addf(&b, "DROP %s IF EXISTS ", type);
		strata_buf_add_ident(&b, name);
		strata_buf_adds(&b, ";\n");
	}
	strata_rows_free(r);
	if (!preview) {
		rc = simple(c, "PRAGMA foreign_keys = OFF", err);
		if (!rc)
			rc = sq_begin(c, err);
		if (!rc && b.len)
			rc = simple(c, b.buf, err);
		if (!rc) /* AUTOINCREMENT counters start again; the table may not exist */
			simple(c, "DELETE FROM sqlite_sequence", NULL);
		if (!rc)
			rc = sq_commit(c, err);
		else
			sq_rollback(c, NULL);
	}
	strata_buf_release(&b);
	if (!rc && what) {
		strata_buf_addf(&b, "%zu table%s, %zu view%s and %zu trigger%s of %s", ntab, ntab == 1 ? "" : "s",
				nview, nview == 1 ? "" : "s", ntrig, ntrig == 1 ? "" : "s", c->path);
		*what = strata_buf_detach(&b, NULL);
	}
	return rc;
}

static int sq_backup(struct strata_conn *c, const char *path, const char *schema, struct strata_err *err)
{
	sqlite3 *dst = NULL;
	sqlite3_backup *bk;
	int fd, rc;

	/* the file exists with mode 0600 before SQLite writes a byte of it */
	fd = open(path, O_WRONLY | O_CREAT | O_EXCL, 0600);
	if (fd < 0)
		return strata_err_set(err, STRATA_EIO, "cannot create backup %s: %s", path, strerror(errno));
	close(fd);
	rc = sqlite3_open_v2(path, &dst, SQLITE_OPEN_READWRITE, NULL);
	if (rc == SQLITE_OK) {
		bk = sqlite3_backup_init(dst, "main", c->db, "main");
		if (bk) {
			while ((rc = sqlite3_backup_step(bk, 256)) == SQLITE_OK || rc == SQLITE_BUSY || rc == SQLITE_LOCKED)
				sqlite3_sleep(rc == SQLITE_OK ? 0 : 10);
			sqlite3_backup_finish(bk);
			rc = rc == SQLITE_DONE ? SQLITE_OK : rc;
		}
		if (rc == SQLITE_OK)
			rc = sqlite3_errcode(dst);
	}
	if (rc != SQLITE_OK) {
		strata_err_set(err, STRATA_EIO, "backup to %s failed: %s", path,
			       dst ? sqlite3_errmsg(dst) : sqlite3_errstr(rc));
		sqlite3_close(dst);
		unlink(path);
		return STRATA_EIO;
	}
	sqlite3_close(dst);
	return 0;
}

static void sq_interrupt(struct strata_conn *c)
{
	sqlite3_interrupt(c->db);
}

static char *sq_dbname(struct strata_conn *c)
{
	const char *base = strrchr(c->path, '/');
	char *name, *dot;

	name = strata_strdup(base ? base + 1 : c->path);
	if (name && (dot = strrchr(name, '.')) != NULL && dot != name)
		*dot = '\0';
	return name;
}

/*
 * A scratch database (check, test) is an in-memory one: nothing to create on
 * disk, nothing left behind however the process ends. It lives as long as
 * the one connection that opens it, which runs the migrations and reads the
 * schema alike; so there is no scratch_drop.
 */
static int sq_scratch_create(struct strata_conn *c, const char *name, struct strata_target *t, struct strata_err *err)
{
	struct strata_buf b;

	(void)c;
	strata_buf_init(&b);
	strata_buf_addf(&b, "scratch database %s (SQLite, in memory)", name);
	t->engine = STRATA_ENGINE_SQLITE;
	t->conninfo = strata_strdup(":memory:");
	t->display = strata_buf_detach(&b, NULL);
	if (!t->conninfo || !t->display)
		return strata_err_set(err, STRATA_ENOMEM, "out of memory");
	return 0;
}

/* ---------------------------------------------------------------- targets */

extern const struct strata_driver strata_driver_sqlite;

static const char *const sq_schemes[] = { "sqlite3://", "sqlite://", "sqlite3:", "sqlite:", NULL };
static const char *const sq_forms[] = { "sqlite:PATH", "a file ending in .db, .sqlite or .sqlite3", NULL };

static int has_suffix(const char *s, size_t len, const char *suf)
{
	size_t n = strlen(suf);

	return len >= n && strcasecmp(s + len - n, suf) == 0;
}

/* A bare file name: no scheme, no key=value, an SQLite file's extension. */
static int sq_url_guess(const char *url)
{
	size_t len = strlen(url);

	return !strata_url_is_url(url) && !strchr(url, '=') &&
	       (has_suffix(url, len, ".db") || has_suffix(url, len, ".sqlite") || has_suffix(url, len, ".sqlite3"));
}

/* The path part of `url`: after the scheme, if any. */
static const char *sq_path(const char *url)
{
	const char *scheme = strata_driver_scheme(&strata_driver_sqlite, url);

	return scheme ? url + strlen(scheme) : url;
}

static int sq_url_parse(const char *url, struct strata_target *t, struct strata_err *err)
{
	struct strata_buf b;
	char *q;

	strata_buf_init(&b);
	strata_url_strip_x(sq_path(url), &b, &t->table);
	t->conninfo = strata_buf_detach(&b, NULL);
	/* other query parameters (_journal, cache=...) are not ours to interpret */
	if (t->conninfo && (q = strchr(t->conninfo, '?')) != NULL)
		*q = '\0';
	if (t->conninfo && !*t->conninfo)
		return strata_err_set(err, STRATA_EUSAGE, "database URL \"%s\" names no file: write sqlite:PATH", url);
	return 0;
}

/* sqlite:dir/user:x@host.db is a file name, not a user and a password */
static char *sq_url_redact(const char *url, int *hidden)
{
	return strata_url_redact(url, hidden, !strata_driver_scheme(&strata_driver_sqlite, url));
}

/* The path, up to a '?' followed by key=value somewhere (its query); a '?' alone is a glob's. */
static const char *sq_url_file(const char *url, size_t *len)
{
	const char *p = sq_path(url), *q = p;

	*len = strlen(p);
	while ((q = strchr(q, '?')) != NULL) {
		if (strchr(q, '=')) {
			*len = (size_t)(q - p);
			break;
		}
		q++;
	}
	return p;
}

/* ------------------------------------------------------------------ dialect */

static void sq_placeholder(struct strata_buf *b, int n)
{
	strata_buf_addf(b, "$%d", n);
}

/*
 * SQLite has no exact type for long versions, so the version column has
 * none: a version below 10^18 (at most 18 digits) goes in as an INTEGER
 * (ORDER BY version and max(version) work as they always did), a longer one
 * as TEXT without leading zeros, which SQLite sorts after every integer.
 */
static void sq_version_param(struct strata_buf *b, int n)
{
	strata_buf_addf(b, "(CASE WHEN length($%d) <= 18 THEN CAST($%d AS INTEGER) ELSE $%d END)", n, n, n);
}

/* Versions are digits only: nothing to escape. */
static void sq_version_literal(struct strata_buf *b, const struct strata_version *v)
{
	if (strlen(v->d) <= 18)
		strata_buf_adds(b, v->d);
	else
		strata_buf_addf(b, "'%s'", v->d);
}

static void sq_timestamp_text(struct strata_buf *b, const char *column)
{
	strata_buf_adds(b, column); /* kept as the text strata wrote */
}

/* The index on (length(version), version) orders INTEGER and TEXT versions alike. */
static void sq_tracking_ddl(struct strata_buf *b, const char *schema, const char *table, const char *qtable)
{
	struct strata_buf n;

	strata_buf_addf(b, "CREATE TABLE IF NOT EXISTS %s (\n", qtable);
	strata_buf_adds(b, "  version PRIMARY KEY,\n"
			   "  name TEXT NOT NULL,\n"
			   "  checksum TEXT NOT NULL,\n"
			   "  down_script TEXT,\n"
			   "  applied_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%d %H:%M:%S', 'now')),\n"
			   "  duration_ms INTEGER NOT NULL DEFAULT 0,\n"
			   "  applied_by TEXT NOT NULL,\n"
			   "  state TEXT NOT NULL DEFAULT 'applied',\n"
			   "  statements_done INTEGER NOT NULL DEFAULT 0,\n"
			   "  progress_checksum TEXT\n);\n");
	strata_buf_adds(b, "CREATE INDEX IF NOT EXISTS ");
	strata_buf_init(&n);
	strata_buf_addf(&n, "%s_version_order", table);
	strata_buf_add_qualified(b, schema, n.buf);
	if (n.broken)
		b->broken = 1;
	strata_buf_release(&n);
	strata_buf_adds(b, " ON "); /* the table of an index is named without its schema */
	strata_buf_add_ident(b, table);
	strata_buf_adds(b, " (length(version), version)");
}

static void sq_log_ddl(struct strata_buf *b, const char *qlog)
{
	strata_buf_addf(b, "CREATE TABLE IF NOT EXISTS %s (\n", qlog);
	strata_buf_adds(b, "  id INTEGER PRIMARY KEY,\n"
			   "  at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%d %H:%M:%S', 'now')),\n"
			   "  action TEXT NOT NULL,\n"
			   "  version,\n"
			   "  name TEXT,\n"
			   "  applied_by TEXT NOT NULL,\n"
			   "  duration_ms INTEGER NOT NULL DEFAULT 0,\n"
			   "  result TEXT NOT NULL\n)");
}

/* pragma_table_info(table[, schema]): the declared type, as written in CREATE TABLE. */
static void sq_column_type(struct strata_buf *b, const char *schema, const char *table, const char *column)
{
	strata_buf_adds(b, "(SELECT type FROM pragma_table_info(");
	strata_buf_add_literal(b, table, strlen(table));
	if (schema) {
		strata_buf_adds(b, ", ");
		strata_buf_add_literal(b, schema, strlen(schema));
	}
	strata_buf_adds(b, ") WHERE name = ");
	strata_buf_add_literal(b, column, strlen(column));
	strata_buf_adds(b, ")");
}

static void sq_columns(struct strata_buf *b, const char *schema, const char *table)
{
	strata_buf_adds(b, "SELECT name FROM pragma_table_info(");
	strata_buf_add_literal(b, table, strlen(table));
	if (schema) {
		strata_buf_adds(b, ", ");
		strata_buf_add_literal(b, schema, strlen(schema));
	}
	strata_buf_adds(b, ") ORDER BY cid");
}

/*
 * ---- the lease lock (lease.c): times as "YYYY-MM-DD HH:MM:SS.SSS" UTC text,
 * which sorts as time does; 'now' is one instant within a statement
 */
/* (formats for strata_buf_addf: %% is one %) */
#define SQ_NOW "strftime('%%Y-%%m-%%d %%H:%%M:%%f', 'now')"
#define SQ_EXPIRES "strftime('%%Y-%%m-%%d %%H:%%M:%%f', 'now', '+' || $3 || ' seconds')"

static void sq_lease_ddl(struct strata_buf *b, const char *qlease)
{
	strata_buf_addf(b,
			"CREATE TABLE IF NOT EXISTS %s (lock_key TEXT PRIMARY KEY, owner TEXT NOT NULL, "
			"acquired_at TEXT NOT NULL, heartbeat_at TEXT NOT NULL, expires_at TEXT NOT NULL)",
			qlease);
}

static void sq_lease_take(struct strata_buf *b, const char *qlease)
{
	strata_buf_addf(b,
			"INSERT INTO %s (lock_key, owner, acquired_at, heartbeat_at, expires_at) "
			"VALUES ($1, $2, " SQ_NOW ", " SQ_NOW ", " SQ_EXPIRES ") "
			"ON CONFLICT (lock_key) DO UPDATE SET owner = excluded.owner, "
			"acquired_at = CASE WHEN owner = excluded.owner THEN acquired_at ELSE excluded.acquired_at END, "
			"heartbeat_at = excluded.heartbeat_at, expires_at = excluded.expires_at "
			"WHERE expires_at < " SQ_NOW " OR owner = excluded.owner",
			qlease);
}

static void sq_lease_beat(struct strata_buf *b, const char *qlease)
{
	strata_buf_addf(b,
			"UPDATE %s SET heartbeat_at = " SQ_NOW ", expires_at = " SQ_EXPIRES " "
			"WHERE lock_key = $1 AND owner = $2",
			qlease);
}

static void sq_lease_read(struct strata_buf *b, const char *qlease)
{
	strata_buf_addf(b,
			"SELECT owner, substr(acquired_at, 1, 19), substr(heartbeat_at, 1, 19), substr(expires_at, 1, 19), "
			"round((julianday('now') - julianday(heartbeat_at)) * 86400.0, 1) FROM %s WHERE lock_key = $1",
			qlease);
}

static void sq_lease_release(struct strata_buf *b, const char *qlease)
{
	strata_buf_addf(b, "DELETE FROM %s WHERE lock_key = $1 AND owner = $2", qlease);
}

static const struct strata_dialect_ops sqlite_sql = {
	.quote_ident = strata_buf_add_ident,
	.quote_literal = strata_buf_add_literal,
	.placeholder = sq_placeholder,
	.version_param = sq_version_param,
	.version_literal = sq_version_literal,
	.version_desc = "length(version) DESC, version DESC",
	/*
	 * in the table's own order (rows go in as versions are applied, so nearly
	 * always in version order; the reader sorts otherwise): ordering by the
	 * index cost a lookup per row
	 */
	.read_order = "",
	.timestamp_format = "%Y-%m-%d %H:%M:%S",
	.timestamp_text = sq_timestamp_text,
	.elapsed_ms = "0", /* an offline script cannot time itself */
	.tracking_ddl = sq_tracking_ddl,
	.log_ddl = sq_log_ddl,
	.upsert = strata_dialect_on_conflict,
	.legacy_version_types = { "INTEGER", "bigint", NULL },
	.column_type = sq_column_type,
	.retype_version = NULL, /* SQLite cannot change a column's type: the table is rebuilt */
	.columns = sq_columns,
	/*
	 * duration_ms stays an INTEGER column, in new tables as in those made
	 * before: its affinity keeps "0.412" as the REAL 0.412 (only a value
	 * that is an integer becomes INTEGER: "5.000" is 5), so every duration
	 * reads back as written and no table needs a change
	 */
	.legacy_duration_types = { NULL },
	.retype_duration = NULL,
	.begin = "BEGIN IMMEDIATE", /* take the write lock now, not at the first write */
	.statement_timeout = NULL,
	.statement_timeout_reset = NULL,
	.client_command = "sqlite3 -bail DB < FILE",
	.backup_suffix = ".db",
	.schemas_query = NULL,
	.lease_ddl = sq_lease_ddl,
	.lease_take = sq_lease_take,
	.lease_beat = sq_lease_beat,
	.lease_read = sq_lease_read,
	.lease_release = sq_lease_release,
};

const struct strata_driver strata_driver_sqlite = {
	.abi = STRATA_DRIVER_ABI,
	.name = "sqlite",
	.url_schemes = sq_schemes,
	.url_forms = sq_forms,
	.url_guess = sq_url_guess,
	.url_parse = sq_url_parse,
	.url_redact = sq_url_redact,
	.url_file = sq_url_file,
	.file_scheme = "sqlite:",
	.engine = STRATA_ENGINE_SQLITE,
	.dialect = STRATA_DIALECT_SQLITE,
	.caps = STRATA_CAP_TRANSACTIONAL_DDL,
	.connect = sq_connect,
	.close = sq_close,
	.exec = sq_exec,
	.query = sq_query,
	.begin = sq_begin,
	.commit = sq_commit,
	.rollback = sq_rollback,
	.lock = NULL,
	.unlock = NULL,
	.drop = sq_drop,
	.backup = sq_backup,
	.dbname = sq_dbname,
	.interrupt = sq_interrupt,
	.table_exists = sq_table_exists,
	.scratch_create = sq_scratch_create,
	/* dialect */
	.display_name = "SQLite",
	.sql = &sqlite_sql,
	.table_schema = NULL,
	/* schema */
	.schema_read = strata_sqlite_schema_read, /* driver_sqlite_schema.c */
	.schema_plan = strata_sqlite_schema_plan, /* driver_sqlite_plan.c */
};
