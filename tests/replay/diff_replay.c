/*
 * tests/replay/diff_replay.c - the replay of a real history through strata's
 * diff, graded by an oracle strata did not write (pg_dump -s).
 *
 * Three databases are made on one PostgreSQL server. A is migrated forward
 * one migration at a time with strata_run (what `strata up --to` does); its
 * schema is read before and after each migration (same database, same
 * origin: a rename is recognised by the engine's identity, not guessed), and
 * the plan from the one to the other (strata_schema_plan) is applied to B,
 * which holds the earlier state and follows A. After each pair:
 *   - pg_dump -s of A and of B must be equal (normalised only where pg_dump
 *     itself varies: its header, the \restrict lines, the SET lines);
 *   - a second plan, from B's schema (another origin: by name) to A's, must
 *     be empty;
 *   - with --data, B's tables got synthetic, FK-consistent rows before the
 *     plan (schema/data.c, what `strata test --data` uses) and no row nor
 *     value of a surviving column (renames followed) may be lost by a plan
 *     with no step flagged destructive.
 * A pair that fails is reported (and written to --failures as markdown) and
 * B is rebuilt from A's dump, so the pairs after it are still tested.
 *
 * With --migra PATH, migra runs on the same pairs in the same run: from C
 * (at the earlier state, following A like B) to A; its output (the warning
 * block it prints on stdout first taken off) is applied to C with psql and
 * graded the same way.
 *
 *   diff_replay -d URL -p DIR [--first N] [--last N] [--data] [--migra PATH]
 *               [--failures FILE] [--pg-bin DIR] [-v]
 *
 * N counts migrations from 1 (the pair of migration N is S(N-1) -> S(N)).
 * Exit 0 when every pair was identical with an empty second diff and no data
 * lost; 1 when a pair failed; 2 on an error of the harness or when a
 * migration itself fails on A.
 */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "strata.h"
#include "strata_schema.h"
#include "buf.h"
#include "db.h"
#include "util.h"
#include "schema/data.h"
#include "schema/diffplan.h"

static const char *pg_bin = "/usr/lib/postgresql/15/bin";
static char work[256];
static int verbose;

static struct strata_scratch *opened[3]; /* A, B, C: dropped on the way out, an error's too */

static void die(const char *what, const struct strata_err *e)
{
	fprintf(stderr, "diff_replay: %s: %s%s%s\n", what, e && e->message ? e->message : "error",
		e && e->detail && *e->detail ? " / " : "", e && e->detail ? e->detail : "");
	for (size_t i = 0; i < 3; i++)
		strata_scratch_close(opened[i], NULL);
	exit(2);
}

/* The whole file at path (malloc'ed, NUL-terminated), NULL when it cannot be read. */
static char *slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	struct strata_buf b;
	char chunk[65536];
	size_t n;

	if (!f)
		return NULL;
	strata_buf_init(&b);
	while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0)
		strata_buf_add(&b, chunk, n);
	fclose(f);
	strata_buf_addc(&b, '\0');
	if (len)
		*len = b.len - 1;
	return strata_buf_detach(&b, NULL);
}

/*
 * Run argv with stdin from `in` (NULL: /dev/null), stdout into `out` and
 * stderr into `errf` (paths; NULL: /dev/null). Its exit status, or -1.
 */
static int run(char *const argv[], const char *in, const char *out, const char *errf)
{
	pid_t pid = fork();
	int st;

	if (pid < 0)
		return -1;
	if (pid == 0) {
		int fi = open(in ? in : "/dev/null", O_RDONLY);
		int fo = open(out ? out : "/dev/null", O_WRONLY | O_CREAT | O_TRUNC, 0600);
		int fe = open(errf ? errf : "/dev/null", O_WRONLY | O_CREAT | O_TRUNC, 0600);

		if (fi < 0 || fo < 0 || fe < 0)
			_exit(127);
		dup2(fi, 0);
		dup2(fo, 1);
		dup2(fe, 2);
		execv(argv[0], argv);
		_exit(127);
	}
	while (waitpid(pid, &st, 0) < 0)
		if (errno != EINTR)
			return -1;
	return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

static char *path_in_work(const char *name)
{
	static char p[8][512];
	static int k;

	k = (k + 1) % 8;
	snprintf(p[k], sizeof(p[k]), "%s/%s", work, name);
	return p[k];
}

/* pg_dump -s of conninfo into file `out`, strata's own tables left out. 0 or -1 (stderr in work/pg_dump.err). */
static int pg_dump(const char *conninfo, const char *out)
{
	char exe[512];
	char *argv[] = { exe,	       "-s", "--no-owner", "--no-privileges", "--exclude-table=public.strata_migrations*",
			 "-d", (char *)conninfo, NULL };

	snprintf(exe, sizeof(exe), "%s/pg_dump", pg_bin);
	return run(argv, NULL, out, path_in_work("pg_dump.err")) == 0 ? 0 : -1;
}

/* Run an SQL file with psql (ON_ERROR_STOP; one transaction when `one`). Its stderr in errf. 0 or -1. */
static int psql_file(const char *conninfo, const char *file, int one, const char *errf)
{
	char exe[512];
	char *argv[] = { exe, "-X", "-q", "-v", "ON_ERROR_STOP=1", "-d", (char *)conninfo, "-f", (char *)file,
			 one ? "-1" : NULL, NULL };

	snprintf(exe, sizeof(exe), "%s/psql", pg_bin);
	return run(argv, NULL, NULL, errf) == 0 ? 0 : -1;
}

/*
 * A dump with what pg_dump itself varies on taken out: its header lines
 * ("-- Dumped from/by"), \restrict and \unrestrict (a random key each time),
 * the SET lines and the search_path set_config. Nothing else.
 */
static char *normalise(const char *dump)
{
	struct strata_buf b;
	const char *p = dump;

	strata_buf_init(&b);
	while (p && *p) {
		const char *e = strchr(p, '\n');
		size_t n = e ? (size_t)(e - p) + 1 : strlen(p);

		if (strncmp(p, "\\restrict ", 10) && strncmp(p, "\\unrestrict ", 12) && strncmp(p, "SET ", 4) &&
		    strncmp(p, "SELECT pg_catalog.set_config('search_path'", 43) && strncmp(p, "-- Dumped from ", 15) &&
		    strncmp(p, "-- Dumped by ", 13))
			strata_buf_add(&b, p, n);
		p += n;
	}
	strata_buf_addc(&b, '\0');
	return strata_buf_detach(&b, NULL);
}

static int write_file(const char *path, const char *s)
{
	FILE *f = fopen(path, "wb");

	if (!f)
		return -1;
	fputs(s, f);
	return fclose(f);
}

/* The first `max` lines of `diff -u` of two files (headers off), malloc'ed. */
static char *diff_excerpt(const char *a, const char *b, int max)
{
	char *argv[] = { "/usr/bin/diff", "-u", (char *)a, (char *)b, NULL };
	char *out, *p, *q;
	struct strata_buf r;
	int lines = 0;

	run(argv, NULL, path_in_work("diff.out"), NULL);
	out = slurp(path_in_work("diff.out"), NULL);
	strata_buf_init(&r);
	for (p = out; p && *p && lines < max; p = q) {
		q = strchr(p, '\n');
		q = q ? q + 1 : p + strlen(p);
		if (!strncmp(p, "--- ", 4) || !strncmp(p, "+++ ", 4) || !strncmp(p, "@@", 2))
			continue;
		if (*p != '-' && *p != '+')
			continue;
		strata_buf_add(&r, p, (size_t)(q - p));
		lines++;
	}
	free(out);
	strata_buf_addc(&r, '\0');
	return strata_buf_detach(&r, NULL);
}

/* ---- the databases */

struct side {
	const char *label;          /* "strata", "migra" */
	struct strata_scratch *s;
	size_t identical, second_empty, failed_pairs;
	double ms_total, ms_max;    /* planning (strata) or the whole diff command (migra) */
	size_t timed;
};

static const char *ci(struct side *x)
{
	return strata_scratch_target(x->s)->conninfo;
}

/*
 * Make x's database A's schema again (A at migration k of src): an empty
 * one, A's dump (file) run in it; when the dump does not restore (pg_dump's
 * empty search_path breaks a function that names a type unqualified and is
 * inlined by a later statement), an empty one with migrations 1..k run by
 * strata_run, which makes the same state.
 */
static int rebuild(struct side *x, const char *a_dump, const struct strata_source *src, long k)
{
	struct strata_request req = { .action = STRATA_UP, .count = k };
	struct strata_err e;

	strata_err_clear(&e);
	if (strata_scratch_reset(x->s, &e))
		die("reset of a scratch database", &e);
	if (psql_file(ci(x), a_dump, 1, path_in_work("rebuild.err")) == 0)
		return 0;
	if (verbose) {
		char *m = slurp(path_in_work("rebuild.err"), NULL);

		printf("note: A's dump does not restore (%.200s): %s rebuilt by migrating\n", m ? m : "", x->label);
		free(m);
	}
	if (strata_scratch_reset(x->s, &e) || strata_run(strata_scratch_db(x->s), src, &req, NULL, &e))
		die("rebuilding a database by migrating", &e);
	return 0;
}

/* ---- the failures file */

static FILE *fails;

static void fail_section(size_t seq, const struct strata_migration *m, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static void fail_section(size_t seq, const struct strata_migration *m, const char *fmt, ...)
{
	va_list ap;

	if (!fails)
		return;
	fprintf(fails, "\n## pair %04zu: %s_%s\n\n", seq, m->vtext, m->name);
	va_start(ap, fmt);
	vfprintf(fails, fmt, ap);
	va_end(ap);
	fflush(fails);
}

static void fail_block(const char *title, const char *text, int max_lines)
{
	const char *p = text;
	int n = 0;

	if (!fails || !text || !*text)
		return;
	fprintf(fails, "\n%s:\n\n```\n", title);
	while (*p && n < max_lines) {
		const char *e = strchr(p, '\n');
		size_t len = e ? (size_t)(e - p) + 1 : strlen(p);

		fwrite(p, 1, len, fails);
		if (!e)
			fputc('\n', fails);
		p += len;
		n++;
	}
	if (*p)
		fprintf(fails, "... (%s)\n", "cut");
	fprintf(fails, "```\n");
	fflush(fails);
}

/* ---- applying a plan */

/*
 * Apply the plan's steps to db: in one transaction (rolled back on failure)
 * unless a step must run outside one, then each on its own. On failure
 * *failed is the step's index and e the error. 0 or -1.
 */
static int apply_plan(struct strata_db *db, const struct strata_schema_plan *p, size_t *failed, struct strata_err *e)
{
	int tx = !(p->flags & (STRATA_STEP_NO_TRANSACTION | STRATA_STEP_OWN_TRANSACTION));
	size_t i;

	*failed = (size_t)-1;
	if (tx && db->drv->begin(db->conn, e))
		return -1;
	for (i = 0; i < p->n; i++) {
		long errpos = -1;

		if (db->drv->exec(db->conn, p->steps[i].sql, strlen(p->steps[i].sql), &errpos, e)) {
			struct strata_err e2;

			*failed = i;
			strata_err_clear(&e2);
			if (tx)
				db->drv->rollback(db->conn, &e2);
			strata_err_release(&e2);
			return -1;
		}
	}
	if (tx && db->drv->commit(db->conn, e))
		return -1;
	return 0;
}

/*
 * The migration itself on db as it is (with its rows), in a transaction
 * rolled back: 1 when it runs (*snap: the rows it leaves, read with the
 * schema `to`), 0 when it fails, -1 when it cannot be tried (it must run
 * outside a transaction).
 */
static int up_on_rows(struct strata_db *db, const struct strata_migration *m, const struct strata_schema *to,
		      struct strata_data_snap **snap)
{
	struct strata_err e;
	long errpos = -1;
	int ok;

	*snap = NULL;
	if (m->no_transaction)
		return -1;
	strata_err_clear(&e);
	if (db->drv->begin(db->conn, &e)) {
		strata_err_release(&e);
		return -1;
	}
	ok = db->drv->exec(db->conn, m->up, m->up_len, &errpos, &e) == 0;
	if (ok && strata_data_snap(db, to, snap))
		*snap = NULL;
	strata_err_release(&e);
	strata_err_clear(&e);
	db->drv->rollback(db->conn, &e);
	strata_err_release(&e);
	return ok;
}

/* Does the migration move data itself (a statement starting UPDATE, DELETE or INSERT, or WITH ... DELETE)? */
static int moves_data(const struct strata_migration *m)
{
	static const char *const verbs[] = { "update ", "delete ", "insert ", "delete\n", "update\n" };
	const char *p = m->up;

	while (p && *p) {
		const char *e = strchr(p, '\n');

		while (*p == ' ' || *p == '\t')
			p++;
		for (size_t v = 0; v < sizeof(verbs) / sizeof(verbs[0]); v++)
			if (strncasecmp(p, verbs[v], strlen(verbs[v])) == 0)
				return 1;
		if (!strncasecmp(p, "delete from", 11) || !strncasecmp(p, "update ", 7))
			return 1;
		p = e ? e + 1 : p + strlen(p);
	}
	return 0;
}

/* Empty every table of s in db (one TRUNCATE ... CASCADE). */
static int empty_tables(struct strata_db *db, const struct strata_schema *s)
{
	struct strata_buf b;
	struct strata_err e;
	long errpos;
	int n = 0, rc;

	strata_buf_init(&b);
	strata_buf_adds(&b, "TRUNCATE TABLE ");
	for (size_t i = 0; i < s->n; i++) {
		if (s->objs[i].kind != STRATA_OBJ_TABLE)
			continue;
		if (n++)
			strata_buf_adds(&b, ", ");
		strata_db_quote_table(db, &b, s->objs[i].schema, s->objs[i].name);
	}
	strata_buf_adds(&b, " CASCADE");
	strata_err_clear(&e);
	rc = n ? db->drv->exec(db->conn, b.buf, b.len, &errpos, &e) : 0;
	strata_err_release(&e);
	strata_buf_release(&b);
	return rc;
}

/* Has the plan a step that renames something to `name` (RENAME ... name, quoted or not)? */
static int plan_renames(const struct strata_schema_plan *p, const char *name)
{
	for (size_t i = 0; i < p->n; i++) {
		const char *r = strstr(p->steps[i].sql, "RENAME");

		if (r && strstr(r, name))
			return 1;
	}
	return 0;
}

/* Rename, in snapshot sn (of `from`), what the match says `to` renamed: columns first, then their tables. */
static int snap_follow_renames(struct strata_data_snap *sn, const struct strata_plan_match *m)
{
	int rc = 0;

	for (int pass = 0; pass < 2 && !rc; pass++)
		for (size_t i = 0; i < m->to->n && !rc; i++) {
			const struct strata_schema_obj *t = &m->to->objs[i], *f;

			if (!m->renamed[i] || m->to_from[i] < 0)
				continue;
			f = &m->from->objs[m->to_from[i]];
			if (pass == 0 && t->kind == STRATA_OBJ_COLUMN)
				rc = strata_data_snap_rename(sn, f->schema, f->parent, f->name, t->name);
			else if (pass == 1 && t->kind == STRATA_OBJ_TABLE)
				rc = strata_data_snap_rename(sn, f->schema, f->name, NULL, t->name);
		}
	return rc;
}

/* ---- migra */

/* migra's output without the warning block it prints first (WARNING: lines, their "    at" stack, a blank). */
static const char *strip_migra(const char *s)
{
	while (!strncmp(s, "WARNING:", 8)) {
		const char *e = strchr(s, '\n');

		s = e ? e + 1 : s + strlen(s);
		while (!strncmp(s, "    at ", 7)) {
			e = strchr(s, '\n');
			s = e ? e + 1 : s + strlen(s);
		}
		if (*s == '\n')
			s++;
	}
	return s;
}

/*
 * One pair through migra: from C (the earlier state) to A, applied to C,
 * compared with A's normalised dump. 1 identical, 0 not (why in *why).
 */
static int migra_pair(struct side *c, const char *migra, const char *a_url, const char *a_norm, double *ms,
		      char **why, char **sql_out)
{
	const char *c_url = strata_scratch_target(c->s)->display;
	char *argv[] = { (char *)migra, (char *)c_url, (char *)a_url, "--unsafe", NULL };
	char *out, *dump, *norm;
	double t0 = strata_now_ms();
	int rc;

	*why = NULL;
	*sql_out = NULL;
	rc = run(argv, NULL, path_in_work("migra.out"), path_in_work("migra.err"));
	*ms = strata_now_ms() - t0;
	out = slurp(path_in_work("migra.out"), NULL);
	if (rc != 0 && rc != 2) { /* 2: migra's "there are differences" in the Python original */
		char *e = slurp(path_in_work("migra.err"), NULL);
		struct strata_buf b;

		strata_buf_init(&b);
		strata_buf_addf(&b, "migra exited %d: %.300s", rc, e ? e : "");
		strata_buf_addc(&b, '\0');
		*why = strata_buf_detach(&b, NULL);
		free(e);
		free(out);
		return 0;
	}
	write_file(path_in_work("migra.sql"), strip_migra(out ? out : ""));
	*sql_out = strata_strdup(strip_migra(out ? out : ""));
	free(out);
	if (psql_file(ci(c), path_in_work("migra.sql"), 1, path_in_work("migra.psql.err"))) {
		char *e = slurp(path_in_work("migra.psql.err"), NULL);
		struct strata_buf b;

		strata_buf_init(&b);
		strata_buf_addf(&b, "its SQL failed: %.400s", e ? e : "");
		strata_buf_addc(&b, '\0');
		*why = strata_buf_detach(&b, NULL);
		free(e);
		return 0;
	}
	if (pg_dump(ci(c), path_in_work("c.raw")))
		return 0;
	dump = slurp(path_in_work("c.raw"), NULL);
	norm = normalise(dump);
	free(dump);
	rc = strcmp(norm, a_norm) == 0;
	if (!rc) {
		write_file(path_in_work("c.sql"), norm);
		*why = diff_excerpt(path_in_work("a.sql"), path_in_work("c.sql"), 8);
	}
	free(norm);
	return rc;
}

/* ---- main */

static void usage(void)
{
	fprintf(stderr, "usage: diff_replay -d URL -p DIR [--first N] [--last N] [--data] [--migra PATH]\n"
			"                   [--failures FILE] [--pg-bin DIR] [-v]\n");
	exit(2);
}

int main(int argc, char **argv)
{
	const char *url = NULL, *dir = NULL, *migra = NULL, *fails_path = NULL;
	long first = 1, last = -1;
	int data = 0;
	struct strata_err e;
	struct strata_source *src = NULL;
	struct strata_target *t = NULL;
	struct strata_opts o;
	struct side A = { .label = "A" }, B = { .label = "strata" }, C = { .label = "migra" };
	size_t pairs = 0, renaming = 0, renames_planned = 0, renamed_objs = 0, destructive = 0, destructive_pairs = 0;
	size_t data_checked = 0, data_lost = 0, data_lost_destr = 0, rows_refused = 0, rows_refused_mig = 0;
	size_t rows_refused_dml = 0, converted = 0;
	size_t migra_pairs = 0;
	double pair_ms = 0;
	int i;

	for (i = 1; i < argc; i++) {
		const char *a = argv[i];

		if (!strcmp(a, "-d") && i + 1 < argc)
			url = argv[++i];
		else if (!strcmp(a, "-p") && i + 1 < argc)
			dir = argv[++i];
		else if (!strcmp(a, "--first") && i + 1 < argc)
			first = atol(argv[++i]);
		else if (!strcmp(a, "--last") && i + 1 < argc)
			last = atol(argv[++i]);
		else if (!strcmp(a, "--data"))
			data = 1;
		else if (!strcmp(a, "--migra") && i + 1 < argc)
			migra = argv[++i];
		else if (!strcmp(a, "--failures") && i + 1 < argc)
			fails_path = argv[++i];
		else if (!strcmp(a, "--pg-bin") && i + 1 < argc)
			pg_bin = argv[++i];
		else if (!strcmp(a, "-v"))
			verbose = 1;
		else
			usage();
	}
	if (!url || !dir || first < 1)
		usage();
	snprintf(work, sizeof(work), "/tmp/diff_replay.XXXXXX");
	if (!mkdtemp(work)) {
		perror("diff_replay: mkdtemp");
		return 2;
	}
	strata_err_clear(&e);
	if (strata_source_load(dir, &src, &e))
		die("the migrations directory", &e);
	if (last < 0 || (size_t)last > src->n)
		last = (long)src->n;
	if (strata_target_parse(url, &t, &e))
		die("the server URL", &e);
	strata_opts_init(&o);
	o.application_name = "diff_replay";
	if (strata_scratch_open(t, NULL, &o, &A.s, &e) || strata_scratch_open(t, NULL, &o, &B.s, &e) ||
	    (migra && strata_scratch_open(t, NULL, &o, &C.s, &e)))
		die("a scratch database", &e);
	opened[0] = A.s;
	opened[1] = B.s;
	opened[2] = C.s;
	if (fails_path) {
		fails = fopen(fails_path, "w");
		if (!fails) {
			perror(fails_path);
			return 2;
		}
		fprintf(fails, "# diff replay: failing pairs\n\n"
			       "Migrations %ld..%ld of %s%s. Each section: the pair (migration N: S(N-1) -> S(N)), "
			       "what failed, `diff -u` of pg_dump -s (expected A, then B), the plan.\n"
			       "Rewritten by every run of tests/replay/diff_replay.\n",
			first, last, dir, data ? ", with synthetic rows (--data)" : "");
		fflush(fails);
	}

	/* migrations before the first pair: on A at once, B (and C) made from A's dump */
	if (first > 1) {
		struct strata_request req = { .action = STRATA_UP, .count = first - 1 };

		if (strata_run(strata_scratch_db(A.s), src, &req, NULL, &e))
			die("a migration before the first pair", &e);
		if (pg_dump(ci(&A), path_in_work("a.raw")))
			die("pg_dump of A", NULL);
		rebuild(&B, path_in_work("a.raw"), src, first - 1);
		if (migra)
			rebuild(&C, path_in_work("a.raw"), src, first - 1);
	}

	for (long k = first; k <= last; k++) {
		const struct strata_migration *m = &src->m[k - 1];
		struct strata_db *adb = strata_scratch_db(A.s), *bdb;
		struct strata_schema *from = NULL, *to = NULL, *bs = NULL;
		struct strata_schema_plan *plan = NULL, *plan2 = NULL;
		struct strata_data_snap *snap0 = NULL, *snap1 = NULL, *snap_mig = NULL;
		struct strata_request req = { .action = STRATA_UP, .count = 1 };
		struct strata_buf why;
		char *a_dump = NULL, *a_norm = NULL, *b_dump = NULL, *b_norm = NULL, *plan_sql = NULL, *lost = NULL;
		char *notes = NULL, *excerpt = NULL;
		size_t failed_step = (size_t)-1, ndestr = 0;
		double t_pair = strata_now_ms(), t0, ms;
		int ok = 1, identical = 0, second_empty = 0, with_rows = 0, mig_rows = -1;

		strata_buf_init(&why);
		bdb = strata_scratch_db(B.s);
		if (strata_schema_read(adb, 0, &from, &e))
			die("reading A's schema", &e);
		if (data) {
			strata_data_fill(bdb, from, &notes);
			free(notes);
			notes = NULL;
			if (strata_data_snap(bdb, from, &snap0))
				die("a snapshot of B's rows", NULL);
			with_rows = 1;
		}
		if (strata_run(adb, src, &req, NULL, &e)) {
			fprintf(stderr, "diff_replay: migration %04ld (%s) fails on A:", k, m->up_file);
			die("", &e);
		}
		if (strata_schema_read(adb, 0, &to, &e))
			die("reading A's schema", &e);
		pairs++;

		/* the plan, from two models */
		t0 = strata_now_ms();
		if (strata_schema_plan(from, to, NULL, &plan, &e)) {
			strata_buf_addf(&why, "the plan failed: %s\n", e.message);
			strata_err_release(&e);
			strata_err_clear(&e);
			ok = 0;
		}
		ms = strata_now_ms() - t0;
		B.ms_total += ms;
		B.timed++;
		if (ms > B.ms_max)
			B.ms_max = ms;
		if (plan) {
			strata_schema_plan_sql(plan, &plan_sql, NULL);
			for (size_t s = 0; s < plan->n; s++)
				ndestr += (plan->steps[s].flags & STRATA_STEP_DESTRUCTIVE) != 0;
			destructive += ndestr;
			destructive_pairs += ndestr > 0;
			for (size_t u = 0; u < plan->nunhandled; u++)
				strata_buf_addf(&why, "not handled: %s\n", plan->unhandled[u]);
			if (plan->nunhandled)
				ok = 0;
		}

		/* the migration itself on B's rows (rolled back): what it makes of them, for type conversions */
		if (ok && with_rows)
			mig_rows = up_on_rows(bdb, m, to, &snap_mig);

		/* applied to B (with rows: retried on empty tables when the rows refuse it) */
		if (ok && apply_plan(bdb, plan, &failed_step, &e)) {
			if (with_rows && !(plan->flags & STRATA_STEP_NO_TRANSACTION)) {
				int dml = moves_data(m);

				rows_refused++;
				rows_refused_mig += mig_rows == 0;
				rows_refused_dml += mig_rows != 0 && dml;
				strata_buf_addf(&why, "%s: the plan fails on B with rows, loudly (step %zu, %s: %s); the "
						      "migration itself %s; tried again on empty tables\n",
						mig_rows == 0 || dml ? "note" : "DATA", failed_step + 1,
						failed_step < plan->n ? plan->steps[failed_step].what : "commit", e.message,
						mig_rows == 0 ? "fails on them too"
						: dml	      ? "runs, as it moves data itself (UPDATE/DELETE), which no schema "
								"diff can know"
						: mig_rows > 0 ? "runs on them"
							       : "could not be tried");
				if (mig_rows != 0 && !dml)
					ok = 0;
				strata_err_release(&e);
				strata_err_clear(&e);
				with_rows = 0;
				empty_tables(bdb, from);
				if (apply_plan(bdb, plan, &failed_step, &e))
					goto step_failed;
			} else {
			step_failed:
				strata_buf_addf(&why, "step %zu (%s) failed: %s%s%s\n", failed_step + 1,
						failed_step < plan->n ? plan->steps[failed_step].what : "commit", e.message,
						e.detail && *e.detail ? " / " : "", e.detail ? e.detail : "");
				if (fails && failed_step < plan->n) {
					strata_buf_adds(&why, "failing step's SQL:\n");
					strata_buf_adds(&why, plan->steps[failed_step].sql);
				}
				strata_err_release(&e);
				strata_err_clear(&e);
				ok = 0;
				failed_step = (size_t)-2; /* B is part way: rebuilt below */
			}
		}

		/* the oracle: pg_dump -s of A and B */
		if (pg_dump(ci(&A), path_in_work("a.raw")))
			die("pg_dump of A", NULL);
		a_dump = slurp(path_in_work("a.raw"), NULL);
		a_norm = normalise(a_dump);
		write_file(path_in_work("a.sql"), a_norm);
		if (plan && failed_step != (size_t)-2) {
			if (pg_dump(ci(&B), path_in_work("b.raw")))
				die("pg_dump of B", NULL);
			b_dump = slurp(path_in_work("b.raw"), NULL);
			b_norm = normalise(b_dump);
			identical = strcmp(a_norm, b_norm) == 0;
			if (!identical) {
				write_file(path_in_work("b.sql"), b_norm);
				excerpt = diff_excerpt(path_in_work("a.sql"), path_in_work("b.sql"), 12);
				strata_buf_addf(&why, "pg_dump -s of B differs from A's\n");
			}
			/* the second plan, from B's schema (read by name) to A's */
			if (strata_schema_read(bdb, 0, &bs, &e) == 0 && strata_schema_plan(bs, to, NULL, &plan2, &e) == 0) {
				second_empty = plan2->n == 0 && plan2->nunhandled == 0;
				if (!second_empty) {
					strata_buf_addf(&why, "a second plan from B to A is not empty (%zu steps, %zu not handled)"
							      ": %s\n",
							plan2->n, plan2->nunhandled,
							plan2->n ? plan2->steps[0].what : plan2->unhandled[0]);
				}
			} else {
				strata_buf_addf(&why, "the second plan failed: %s\n", e.message);
				strata_err_release(&e);
				strata_err_clear(&e);
			}
		}
		if (!identical || !second_empty)
			ok = 0;
		B.identical += identical;
		B.second_empty += second_empty;

		/*
		 * renames: the objects A itself renamed (same engine identity, another
		 * name); each must be planned as a RENAME naming its new name
		 */
		{
			struct strata_plan_match pm;
			size_t here = 0, planned = 0;

			if (strata_plan_match_build(from, to, NULL, &pm, &e) == 0) {
				for (size_t q = 0; q < to->n; q++) {
					if (!pm.renamed[q] || pm.to_from[q] < 0)
						continue;
					here++;
					planned += plan && plan_renames(plan, to->objs[q].name);
				}
				if (snap0)
					snap_follow_renames(snap0, &pm);
				strata_plan_match_release(&pm);
			} else {
				strata_err_release(&e);
				strata_err_clear(&e);
			}
			renamed_objs += here;
			renames_planned += planned;
			renaming += here > 0;
			if (here > planned) {
				ok = 0;
				strata_buf_addf(&why, "%zu of the %zu objects A renamed are not planned as a RENAME\n",
						here - planned, here);
			}
		}

		/* data: what B's rows kept through a plan not flagged destructive */
		if (with_rows && identical && snap0) {
			if (strata_data_snap(bdb, to, &snap1) || strata_data_lost(snap0, snap1, &lost))
				die("comparing B's rows", NULL);
			data_checked++;
			if (lost && snap_mig) {
				/* what changed as the migration itself changes it (a type's conversion) is kept */
				char *lost_mig = NULL;

				if (strata_data_lost(snap_mig, snap1, &lost_mig))
					die("comparing B's rows", NULL);
				if (!lost_mig) {
					converted++;
					if (verbose)
						strata_buf_addf(&why, "note: values changed as the migration changes them:\n%s",
								lost);
					free(lost);
					lost = NULL;
				}
				free(lost_mig);
			}
			if (lost && !ndestr) {
				data_lost++;
				ok = 0;
				strata_buf_addf(&why, "data lost by a plan with no destructive step:\n%s", lost);
			} else if (lost) {
				data_lost_destr++;
			}
		}

		if (!ok) {
			B.failed_pairs++;
			printf("FAIL %04ld %s_%s: %s", k, m->vtext, m->name, why.buf ? why.buf : "\n");
			if (excerpt && *excerpt)
				printf("%s", excerpt);
			fail_section((size_t)k, m, "%s\n", why.buf ? why.buf : "");
			fail_block("pg_dump -s, expected (A) `-` vs got (B) `+`", excerpt, 12);
			fail_block("the plan", plan_sql, 40);
			fflush(stdout);
			rebuild(&B, path_in_work("a.raw"), src, k);
		} else if (verbose) {
			printf("ok   %04ld %s_%s (%zu steps, %.1f ms)%s", k, m->vtext, m->name, plan ? plan->n : 0, ms,
			       why.len ? ": " : "\n");
			if (why.len)
				printf("%s", why.buf);
		}

		pair_ms += strata_now_ms() - t_pair;

		/* migra on the same pair: C follows A as B does */
		if (migra) {
			char *mwhy = NULL, *msql = NULL;
			double mms = 0;
			int mok = migra_pair(&C, migra, strata_scratch_target(A.s)->display, a_norm, &mms, &mwhy, &msql);

			migra_pairs++;
			C.identical += mok;
			C.ms_total += mms;
			C.timed++;
			if (mms > C.ms_max)
				C.ms_max = mms;
			if (!mok) {
				C.failed_pairs++;
				if (verbose)
					printf("migra FAIL %04ld %s_%s: %s\n", k, m->vtext, m->name, mwhy ? mwhy : "");
				rebuild(&C, path_in_work("a.raw"), src, k);
			}
			free(mwhy);
			free(msql);
		}

		strata_schema_free(from);
		strata_schema_free(to);
		strata_schema_free(bs);
		strata_schema_plan_free(plan);
		strata_schema_plan_free(plan2);
		strata_data_snap_free(snap0);
		strata_data_snap_free(snap1);
		strata_data_snap_free(snap_mig);
		strata_buf_release(&why);
		free(a_dump);
		free(a_norm);
		free(b_dump);
		free(b_norm);
		free(plan_sql);
		free(lost);
		free(excerpt);
	}

	printf("strata: pairs %zu, identical %zu, second diff empty %zu, renames recognised %zu of the %zu objects A "
	       "renamed (in %zu pairs), destructive steps %zu (in %zu pairs)",
	       pairs, B.identical, B.second_empty, renames_planned, renamed_objs, renaming, destructive,
	       destructive_pairs);
	if (data)
		printf(", data lost (non-destructive) %zu of %zu pairs checked (%zu more with destructive steps; "
		       "%zu with values converted as the migration converts them), plans refused loudly by the rows %zu "
		       "(the migration fails too: %zu; it moves data itself: %zu)",
		       data_lost, data_checked, data_lost_destr, converted, rows_refused, rows_refused_mig,
		       rows_refused_dml);
	printf("; plan %.2f ms avg (max %.2f), pair %.0f ms avg\n", B.timed ? B.ms_total / (double)B.timed : 0,
	       B.ms_max, pairs ? pair_ms / (double)pairs : 0);
	if (migra)
		printf("migra: pairs %zu, identical %zu; diff %.0f ms avg (max %.0f)\n", migra_pairs, C.identical,
		       C.timed ? C.ms_total / (double)C.timed : 0, C.ms_max);
	/* one line for scripts (bench/diff.sh) */
	printf("summary pairs=%zu identical=%zu second_empty=%zu renames=%zu/%zu destructive=%zu data_lost=%zu "
	       "data_checked=%zu refused_by_rows=%zu plan_ms=%.3f plan_max_ms=%.3f pair_ms=%.1f",
	       pairs, B.identical, B.second_empty, renames_planned, renamed_objs, destructive, data_lost, data_checked,
	       rows_refused, B.timed ? B.ms_total / (double)B.timed : 0, B.ms_max, pairs ? pair_ms / (double)pairs : 0);
	if (migra)
		printf(" migra_identical=%zu migra_ms=%.1f", C.identical, C.timed ? C.ms_total / (double)C.timed : 0);
	printf("\n");
	if (fails) {
		if (!B.failed_pairs)
			fprintf(fails, "\nNo pair failed.\n");
		fclose(fails);
	}
	strata_scratch_close(A.s, NULL);
	strata_scratch_close(B.s, NULL);
	strata_scratch_close(C.s, NULL);
	strata_target_free(t);
	strata_source_free(src);
	{
		char *argv2[] = { "/bin/rm", "-rf", work, NULL };

		run(argv2, NULL, NULL, NULL);
	}
	return B.failed_pairs ? 1 : 0;
}
