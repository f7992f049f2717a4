/*
 * diffsrc.c - the diff pipeline (diff.h): where the engine and the scratch
 * server come from, each kind of source read into a schema model (a URL
 * read as it is; a migrations directory applied with strata_run, a .sql
 * file run with strata_schema_run_file, each in the scratch database, then
 * read with the same code), the plan verified on a scratch copy of the
 * from-state, and what refuses a plan said for people.
 */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "cli.h"
#include "diff.h"
#include "strata_schema.h"

static double now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

enum diff_src_kind diff_src_kind(const char *spec)
{
	struct stat st;
	size_t n = strlen(spec);

	if (stat(spec, &st) == 0 && S_ISDIR(st.st_mode))
		return DIFF_SRC_DIR;
	if (n > 4 && strcmp(spec + n - 4, ".sql") == 0 && !strstr(spec, "://"))
		return DIFF_SRC_SQL;
	return DIFF_SRC_URL;
}

/* Does the file say it is pg_dump's output (its header comment, in the first lines)? */
static int pg_dump_output(const char *path)
{
	char head[4096];
	FILE *f = fopen(path, "rb");
	size_t n;

	if (!f)
		return 0;
	n = fread(head, 1, sizeof(head) - 1, f);
	fclose(f);
	head[n] = '\0';
	return strstr(head, "-- PostgreSQL database dump") != NULL;
}

int diff_env_init(struct diff_env *e, struct cli *c, const char *cmd, const char *const *specs, size_t n)
{
	struct strata_err err;
	const char *url = NULL, *why = NULL, *drv;
	size_t i;
	int rc;

	memset(e, 0, sizeof(*e));
	e->c = c;
	e->cmd = cmd;
	if (c->cfg.database && *c->cfg.database) {
		url = c->cfg.database;
		why = "-d";
	}
	for (i = 0; !url && i < n; i++)
		if (diff_src_kind(specs[i]) == DIFF_SRC_URL) {
			url = specs[i];
			why = "the first database given";
		}
	if (!url && scratch_server(c)) {
		url = scratch_server(c);
		why = "--scratch";
	}
	if (!url) {
		/* no server named anywhere: SQLite, its scratch databases in memory */
		for (i = 0; i < n; i++)
			if (diff_src_kind(specs[i]) == DIFF_SRC_SQL && pg_dump_output(specs[i])) {
				fprintf(stderr, "strata %s: %s is pg_dump output, and no database URL says where to run "
						"it: name a PostgreSQL server for the scratch databases with -d URL or "
						"--scratch URL (with no URL anywhere, files are read as SQLite)\n",
					cmd, specs[i]);
				return 2;
			}
		url = "sqlite::memory:";
		why = NULL;
		e->defaulted = 1;
	}
	e->like_url = strdup(url);
	if (!e->like_url) {
		fprintf(stderr, "strata: out of memory\n");
		return 1;
	}
	strata_err_clear(&err);
	rc = strata_target_parse(url, &e->like, &err);
	if (rc)
		return out_error_release(c, rc, &err);
	drv = strata_target_driver_name(url);
	for (i = 0; drv && i < n; i++) {
		const char *d;

		if (diff_src_kind(specs[i]) != DIFF_SRC_URL)
			continue;
		d = strata_target_driver_name(specs[i]);
		if (!d) {
			fprintf(stderr, "strata %s: %s is not a database URL, a migrations directory or a .sql schema "
					"file (a directory must exist; a schema file's name ends in .sql)\n",
				cmd, specs[i]);
			return 2;
		}
		if (strcmp(d, drv) != 0) {
			fprintf(stderr, "strata %s: %s is a %s database but %s (%s) is %s: both sides of a diff are "
					"of one engine\n",
				cmd, specs[i], d, url, why ? why : "the default", drv);
			return 2;
		}
	}
	return 0;
}

int diff_env_close(struct diff_env *e, int rc)
{
	if (e->vscratch)
		rc = close_scratch(e->c, e->vscratch, rc);
	e->vscratch = NULL;
	if (e->scratch)
		rc = close_scratch(e->c, e->scratch, rc);
	e->scratch = NULL;
	strata_target_free(e->like);
	e->like = NULL;
	free(e->like_url);
	e->like_url = NULL;
	free(e->setup);
	e->setup = NULL;
	return rc;
}

/* The scratch database, new or reset (empty). 0 or an exit code (printed). */
static int fresh_scratch(struct diff_env *e)
{
	struct strata_err err;
	double t0 = now_ms();
	int rc;

	if (!e->scratch) {
		rc = open_scratch(e->c, e->like, &e->scratch, &e->setup);
		e->scratch_ms += now_ms() - t0;
		return rc;
	}
	strata_err_clear(&err);
	rc = strata_scratch_reset(e->scratch, &err);
	e->scratch_ms += now_ms() - t0;
	return rc ? out_error_release(e->c, rc, &err) : 0;
}

/*
 * The scratch database plans are verified in (strata_schema_plan_verify
 * resets it first unless it is new): `scratch` itself, unless a scratch setup is given (the
 * from-schema's dump holds what the setup made: run after it, it would make
 * it twice). 0 or an exit code (printed).
 */
static int verify_scratch(struct diff_env *e, struct strata_scratch **out)
{
	struct strata_scratch_opts so = { .server = scratch_server(e->c) };
	struct strata_opts o = e->c->opts;
	struct strata_scratch **slot = scratch_setup_file(e->c) ? &e->vscratch : &e->scratch;
	struct strata_err err;
	double t0;
	int rc;

	*out = *slot;
	if (*slot)
		return 0;
	if (slot == &e->scratch) {
		rc = fresh_scratch(e);
		*out = e->scratch;
		return rc;
	}
	t0 = now_ms();
	o.on_event = e->c->verbose ? e->c->opts.on_event : NULL;
	strata_err_clear(&err);
	rc = strata_scratch_open(e->like, &so, &o, slot, &err);
	e->scratch_ms += now_ms() - t0;
	if (rc)
		return out_error_release(e->c, rc, &err);
	*out = *slot;
	return 0;
}

/* A live database's schema: rc and err (said by the caller), so that it can run on a thread of its own. */
struct url_read {
	struct diff_env *e;
	const char *spec;
	unsigned flags;
	struct strata_schema *out;
	struct strata_err err;
	int rc;
};

static void *url_read_run(void *arg)
{
	struct url_read *u = arg;
	struct strata_target *t = NULL;
	struct strata_db *db = NULL;
	struct strata_opts o = u->e->c->opts;

	strata_err_clear(&u->err);
	o.read_only = 1;
	o.must_exist = 1;
	/* what the library says while it reads is not news: -v shows it (never from this thread) */
	o.on_event = NULL;
	u->rc = strata_target_parse(u->spec, &t, &u->err);
	if (u->rc == 0)
		u->rc = strata_db_open(t, &o, &db, &u->err);
	if (u->rc == 0)
		u->rc = strata_schema_read(db, u->flags, &u->out, &u->err);
	strata_db_close(db);
	strata_target_free(t);
	return NULL;
}

static int read_url(struct diff_env *e, const char *spec, unsigned flags, struct strata_schema **out)
{
	struct url_read u = { .e = e, .spec = spec, .flags = flags };

	url_read_run(&u);
	*out = u.out;
	return u.rc ? out_error_release(e->c, u.rc, &u.err) : 0;
}

static int read_dir(struct diff_env *e, const char *spec, unsigned flags, struct strata_schema **out)
{
	struct strata_source *src = NULL;
	struct strata_source_opts so;
	struct strata_request req = { .action = STRATA_UP };
	struct strata_err err;
	struct cli *c = e->c;
	int rc;

	strata_err_clear(&err);
	strata_source_opts_init(&so);
	so.driver = strata_target_driver_name(e->like_url);
	so.placeholders = c->cfg.placeholders;
	so.ph_names = (const char *const *)c->cfg.ph_names;
	so.ph_values = (const char *const *)c->cfg.ph_values;
	so.nph = c->cfg.nph;
	rc = strata_source_load_opts(&spec, 1, STRATA_SOURCE_NONEMPTY, &so, &src, &err);
	if (rc == 0)
		rc = strata_source_check_target(src, e->like, &err);
	if (rc) {
		strata_source_free(src);
		return out_error_release(c, rc, &err);
	}
	rc = fresh_scratch(e);
	if (rc) {
		strata_source_free(src);
		return rc;
	}
	rc = strata_run(strata_scratch_db(e->scratch), src, &req, NULL, &err);
	if (rc) {
		strata_source_free(src);
		rc = out_error_release(c, rc, &err);
		fprintf(stderr, "  the migrations of %s are applied to a scratch database to read the schema they "
				"make: fix the migration named above\n", spec);
		if (e->defaulted)
			fprintf(stderr, "  (applied to SQLite: no database URL was given; -d URL names the engine and "
					"server)\n");
		return rc;
	}
	strata_source_free(src);
	rc = strata_schema_read(strata_scratch_db(e->scratch), flags, out, &err);
	return rc ? out_error_release(c, rc, &err) : 0;
}

static int read_sql(struct diff_env *e, const char *spec, unsigned flags, struct strata_schema **out,
		    struct strata_rename_hint **hints, size_t *nhints)
{
	struct strata_err err;
	char *sql = NULL;
	size_t len = 0;
	int rc;

	rc = cli_read_file(e->cmd, "the schema file", spec, &sql, &len);
	if (rc)
		return rc;
	strata_err_clear(&err);
	if (hints) {
		rc = strata_rename_hints_parse(sql, len, spec, e->like->engine, hints, nhints, &err);
		if (rc) {
			free(sql);
			return out_error_release(e->c, rc, &err);
		}
	}
	rc = fresh_scratch(e);
	if (rc == 0) {
		rc = strata_schema_run_file(e->scratch, sql, len, spec, &err);
		if (rc) {
			rc = out_error_release(e->c, rc, &err);
			fprintf(stderr, "  %s is run in a scratch database to read the schema it makes: it must run on "
					"an empty database by itself; fix the statement named above\n", spec);
			if (e->defaulted)
				fprintf(stderr, "  (run on SQLite: no database URL was given; -d URL names the engine "
						"and server)\n");
		}
	}
	free(sql);
	if (rc == 0 && (rc = strata_schema_read(strata_scratch_db(e->scratch), flags, out, &err)) != 0)
		rc = out_error_release(e->c, rc, &err);
	if (rc && hints) {
		strata_rename_hints_free(*hints, *nhints);
		*hints = NULL;
		*nhints = 0;
	}
	return rc;
}

int diff_src_read(struct diff_env *e, const char *spec, unsigned read_flags, struct strata_schema **out,
		  struct strata_rename_hint **hints, size_t *nhints)
{
	*out = NULL;
	if (hints) {
		*hints = NULL;
		*nhints = 0;
	}
	switch (diff_src_kind(spec)) {
	case DIFF_SRC_DIR:
		return read_dir(e, spec, read_flags, out);
	case DIFF_SRC_SQL:
		return read_sql(e, spec, read_flags, out, hints, nhints);
	default:
		return read_url(e, spec, read_flags, out);
	}
}

int diff_src_read_both(struct diff_env *e, const char *a, const char *b, unsigned read_flags,
		       struct strata_schema **sa, struct strata_schema **sb, struct strata_rename_hint **hints_b,
		       size_t *nhints_b)
{
	struct url_read u = { .e = e, .flags = read_flags };
	pthread_t th;
	int threaded = 0, rc;

	*sa = *sb = NULL;
	*hints_b = NULL;
	*nhints_b = 0;
	/* a live database is read on a thread of its own while the other side is read */
	if (diff_src_kind(a) == DIFF_SRC_URL)
		u.spec = a;
	else if (diff_src_kind(b) == DIFF_SRC_URL)
		u.spec = b;
	if (u.spec && pthread_create(&th, NULL, url_read_run, &u) == 0)
		threaded = 1;
	else
		u.spec = NULL;
	if (u.spec == a)
		rc = diff_src_read(e, b, read_flags, sb, hints_b, nhints_b);
	else if (u.spec == b)
		rc = diff_src_read(e, a, read_flags, sa, NULL, NULL);
	else {
		rc = diff_src_read(e, a, read_flags, sa, NULL, NULL);
		if (rc == 0)
			rc = diff_src_read(e, b, read_flags, sb, hints_b, nhints_b);
	}
	if (threaded) {
		pthread_join(th, NULL);
		if (u.spec == a)
			*sa = u.out;
		else
			*sb = u.out;
		if (u.rc && !rc)
			rc = out_error_release(e->c, u.rc, &u.err);
		else
			strata_err_release(&u.err);
	}
	return rc;
}

int diff_plan(struct diff_env *e, const struct strata_schema *from, const struct strata_schema *to,
	      unsigned plan_flags, unsigned read_flags, const struct strata_rename_hint *hints, size_t nhints,
	      struct strata_schema_plan **plan, struct strata_schema_diff **left)
{
	struct strata_plan_opts po = { .flags = plan_flags, .renames = hints, .nrenames = nhints };
	struct strata_scratch *vs = NULL;
	struct strata_err err;
	double t0;
	int rc;

	*plan = NULL;
	*left = NULL;
	strata_err_clear(&err);
	rc = strata_schema_plan(from, to, &po, plan, &err);
	if (rc)
		return out_error_release(e->c, rc, &err);
	if ((*plan)->nunhandled)
		return 0; /* nothing to print */
	if (!(*plan)->n) {
		/* nothing to run: the state it leaves is `from` itself, so what is left is what differs */
		rc = strata_schema_compare(to, from, left, &err);
		return rc ? out_error_release(e->c, rc, &err) : 0;
	}
	t0 = now_ms();
	rc = verify_scratch(e, &vs);
	if (rc == 0) {
		rc = strata_schema_plan_verify(vs, from, *plan, to, read_flags, left, &err);
		if (rc)
			rc = out_error_release(e->c, rc, &err);
	}
	e->verify_ms += now_ms() - t0;
	return rc;
}

size_t diff_hints_pending(struct diff_env *e, const struct strata_schema *from, const struct strata_schema *to,
			  struct strata_rename_hint *h, size_t n)
{
	size_t i, k = 0;

	for (i = 0; i < n; i++) {
		const char *schema = strata_rename_hint_schema(&h[i], to);
		const char *parent = h[i].kind == STRATA_OBJ_COLUMN ? h[i].parent : NULL;
		int done = strata_schema_find(from, h[i].kind, schema, parent, h[i].name) &&
			   !strata_schema_find(from, h[i].kind, schema, parent, h[i].old_name);

		if (done) {
			if (e->c->verbose)
				fprintf(stderr, "strata %s: %s:%d: %s %s is renamed from %s already: the hint has nothing "
						"left to do\n",
					e->cmd, h[i].file ? h[i].file : "?", h[i].line, strata_obj_kind_name(h[i].kind),
					h[i].name, h[i].old_name);
			continue;
		}
		if (i != k) {
			struct strata_rename_hint t = h[k];

			h[k] = h[i];
			h[i] = t;
		}
		k++;
	}
	return k;
}

int diff_hints_reverse(const struct strata_rename_hint *h, size_t n, struct strata_rename_hint **out)
{
	size_t i, j;

	*out = calloc(n ? n : 1, sizeof(**out));
	if (!*out)
		return 1;
	for (i = 0; i < n; i++) {
		(*out)[i] = h[i];
		(*out)[i].name = h[i].old_name;
		(*out)[i].old_name = h[i].name;
		if (h[i].kind != STRATA_OBJ_COLUMN || !h[i].parent)
			continue;
		/* the column's table as the other side names it: its old name when it was renamed too */
		for (j = 0; j < n; j++)
			if (h[j].kind == STRATA_OBJ_TABLE && !strcmp(h[j].name, h[i].parent) &&
			    ((!h[j].schema && !h[i].schema) ||
			     (h[j].schema && h[i].schema && !strcmp(h[j].schema, h[i].schema))))
				(*out)[i].parent = h[j].old_name;
	}
	return 0;
}

int diff_refusal(struct diff_env *e, const char *label, const struct strata_schema_plan *p,
		 const struct strata_schema_diff *left, int allow_destructive)
{
	const char *cmd = e->cmd;
	const char *done = strcmp(cmd, "diff") == 0 ? "printed" : "written"; /* create writes files */
	size_t i, ndestr = 0;
	int bad = 0;

	if (p->nunhandled) {
		fprintf(stderr, "strata %s: %s cannot express everything that differs, so none of it is %s:\n", cmd,
			label, done);
		for (i = 0; i < p->nunhandled; i++)
			fprintf(stderr, "  not handled: %s\n", p->unhandled[i]);
		fprintf(stderr, "  write these changes by hand in a migration of your own (strata create NAME), then "
				"diff again for the rest\n");
		return 1;
	}
	for (i = 0; i < p->n; i++)
		if (p->steps[i].flags & STRATA_STEP_DESTRUCTIVE)
			ndestr++;
	if (ndestr && !allow_destructive) {
		fprintf(stderr, "strata %s: %s has %zu destructive step%s (data would be lost), so it is not %s:\n",
			cmd, label, ndestr, ndestr == 1 ? "" : "s", done);
		for (i = 0; i < p->n; i++)
			if (p->steps[i].flags & STRATA_STEP_DESTRUCTIVE)
				fprintf(stderr, "  destructive: %s\n", p->steps[i].what);
		fprintf(stderr, "  if that is what you want, run again with --allow-destructive; if a table or column "
				"was renamed, mark it in the schema file with -- strata:renamed-from OLD on its line\n");
		bad = 1;
	}
	if (left && (left->n || left->nunhandled)) {
		FILE *f = stderr;

		if (left->order_only && !left->nunhandled) {
			fprintf(f, "strata %s: note: after %s, columns are in another order than the target's (PostgreSQL "
				   "cannot reorder columns; nothing else differs):\n", cmd, label);
		} else {
			fprintf(f, "strata %s: %s was verified on a scratch copy of the schema diffed from, and the result "
				   "still differs from the target:\n", cmd, label);
			bad = 1;
		}
		for (i = 0; i < left->n; i++) {
			char *line = NULL;

			if (strata_schema_diff_line(&left->items[i], &line) == 0 && line)
				fprintf(f, "  %s\n", line);
			free(line);
		}
		for (i = 0; i < left->nunhandled; i++)
			fprintf(f, "  not handled: %s\n", left->unhandled[i]);
		if (!(left->order_only && !left->nunhandled))
			fprintf(f, "  this is a bug of strata's planner: please report it with both schemas; write these "
				   "changes by hand meanwhile\n");
	}
	return bad;
}
