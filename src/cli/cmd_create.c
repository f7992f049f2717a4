/*
 * cmd_create.c - `strata create NAME`: write the files of a new migration in
 * the layout the directory already uses (golang-migrate pair by default,
 * dbmate single file, Diesel directory), with a timestamp version or, with
 * --seq, the next number at the width in use. Never overwrites a file.
 *
 * golang-migrate's options work as its users type them: -digits N (width of
 * -seq), -format LAYOUT (a Go time layout such as 20060102150405, or unix,
 * unixNano) and -tz ZONE. The name becomes a file-name slug ("Add Code
 * Owner" -> add_code_owner), and every file starts with a comment saying
 * where its SQL goes.
 *
 * With --from-schema FILE (autogenerate) the files hold SQL instead: the
 * plan from the schema all the directory's migrations make to the one FILE
 * makes, and the plan back as the down, both verified before anything is
 * written (the pipeline of strata diff, diff.h). Each layout gets them in
 * its own shape and its own way of saying that a migration runs outside a
 * transaction (or manages its own: SQLite's rebuild); a plan with steps
 * that cannot run in a transaction is cut into several migrations there,
 * each with the down back to the state before it.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"
#include "diff.h"
#include "strata_schema.h"

/* What create's own options set. */
static struct {
	int seq;                 /* --seq: the next number instead of a timestamp */
	int digits;              /* -digits N (golang-migrate), 0: the width in use */
	const char *time_format; /* -format LAYOUT (Go time layout), or NULL */
	const char *tz;          /* -tz ZONE, or NULL: UTC */
	const char *ext;         /* -ext (golang-migrate); only "sql" */
	const char *from_schema; /* --from-schema FILE: the migration that makes the directory's schema FILE's */
} co;

const struct cli_option create_options[] = {
	{ .longname = "seq", .kind = OPT_FLAG, .value = &co.seq,
	  .help = "with create: next sequential number instead of a timestamp" },
	{ .longname = "digits", .kind = OPT_INT, .value = &co.digits, .lo = 1, .hi = 30,
	  .bad = "--%s: \"%s\" is not a positive number (up to 30)", .arg = "N",
	  .help = "with create --seq: zero-pad the number to N digits" },
	{ .longname = "format", .kind = OPT_STRING, .value = &co.time_format, .arg = "LAYOUT",
	  .help = "with create: Go time layout of the version (20060102150405, unix, unixNano)" },
	{ .longname = "tz", .kind = OPT_STRING, .value = &co.tz, .arg = "ZONE",
	  .help = "with create: time zone of the timestamp version (default UTC)" },
	{ .longname = "ext", .kind = OPT_STRING, .value = &co.ext }, /* golang-migrate's -ext sql */
	{ .longname = "from-schema", .kind = OPT_STRING, .value = &co.from_schema, .arg = "FILE",
	  .help = "with create: write the up and the down that turn the schema of the migrations into the one this "
		  ".sql file makes (on scratch databases of -d's engine and server)" },
	{ 0 },
};

/*
 * --from-schema works as strata diff does, with the same --allow-destructive
 * and --online (plan_options). Scratch databases are made on -d's server or
 * --scratch's.
 */
const struct cli_option *create_tables[] = {
	source_options, config_options, create_options, scratch_options, plan_options, output_options, NULL,
};

const struct command create_command = {
	"create", cmd_create, WANT_SOURCE | SCRATCH, "NAME",
	"write a new migration pair (timestamp version; --seq: next number); --from-schema FILE: its up and down "
	"from a desired schema",
	"strata create add_users\nstrata create \"Add code owner\" --seq\n"
	"strata create -ext sql -dir migrations -seq -digits 6 init\n"
	"strata create add_email --from-schema schema.sql -d postgres://localhost/app\n"
	"strata create add_index --from-schema schema.sql --online",
	NULL, NULL, NULL, create_tables, NULL,
};

static int mkdir_p(const char *dir)
{
	char buf[4096];
	size_t i, n = strlen(dir);

	if (n >= sizeof(buf))
		return -1;
	memcpy(buf, dir, n + 1);
	for (i = 1; i <= n; i++) {
		if (buf[i] == '/' || buf[i] == '\0') {
			char ch = buf[i];

			buf[i] = '\0';
			if (mkdir(buf, 0777) != 0 && errno != EEXIST)
				return -1;
			buf[i] = ch;
		}
	}
	return 0;
}

static int write_new(const char *path, const char *text)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_EXCL, 0666);
	size_t n = strlen(text);

	if (fd < 0) {
		fprintf(stderr, "strata create: cannot create %s: %s\n", path, strerror(errno));
		return 1;
	}
	if (write(fd, text, n) != (ssize_t)n || close(fd) != 0) {
		fprintf(stderr, "strata create: cannot write %s: %s\n", path, strerror(errno));
		return 1;
	}
	printf("%s\n", path);
	return 0;
}

/* Is the newest single-file migration goose's (-- +goose Up) rather than dbmate's? */
static int uses_goose(struct cli *c)
{
	char path[4096], line[256];
	FILE *f;
	int goose = 0, n = 0;

	if (c->src->m[c->src->n - 1].layout == STRATA_LAYOUT_GO)
		return 1;
	/* several directories: up_file names its directory already */
	if (c->src->ndirs > 1)
		snprintf(path, sizeof(path), "%s", c->src->m[c->src->n - 1].up_file);
	else
		snprintf(path, sizeof(path), "%s/%s", c->src->dirs[0], c->src->m[c->src->n - 1].up_file);
	f = fopen(path, "r");
	if (!f)
		return 0;
	while (!goose && n++ < 50 && fgets(line, sizeof(line), f))
		goose = strstr(line, "+goose") != NULL;
	fclose(f);
	return goose;
}

/*
 * NAME as a file name: lower case, every run of blanks and punctuation one
 * '_' ("Add Code Owner" -> add_code_owner); letters, digits, '-' and non-ASCII
 * bytes are kept. Returns the length (0: nothing usable in NAME).
 */
static size_t slugify(const char *name, char *out, size_t n)
{
	size_t k = 0;
	const unsigned char *p;

	for (p = (const unsigned char *)name; *p && k + 2 < n; p++) {
		if ((*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') || *p == '-' || *p >= 0x80)
			out[k++] = (char)*p;
		else if (*p >= 'A' && *p <= 'Z')
			out[k++] = (char)(*p - 'A' + 'a');
		else if (k && out[k - 1] != '_')
			out[k++] = '_';
	}
	while (k && out[k - 1] == '_')
		k--;
	out[k] = '\0';
	return k;
}

/*
 * Format the time `tv` (in the zone of TZ) with a Go layout: the numeric
 * elements (2006 06 01 1 02 2 _2 15 03 3 04 4 05 5 .000...) become digits,
 * anything else stays as written. 0 ok, -1 too long.
 */
static int go_format(const char *layout, const struct timeval *tv, char *out, size_t n)
{
	static const struct {
		const char *tok, *fmt;
	} std[] = {
		{ "2006", "%04d" }, { "15", "%02d" }, { "01", "%02d" }, { "02", "%02d" }, { "_2", "%2d" },
		{ "03", "%02d" },   { "04", "%02d" }, { "05", "%02d" }, { "06", "%02d" }, { "1", "%d" },
		{ "2", "%d" },      { "3", "%d" },    { "4", "%d" },    { "5", "%d" },
	};
	struct tm tm;
	time_t t = tv->tv_sec;
	size_t k = 0, i;

	if (!localtime_r(&t, &tm))
		return -1;
	while (*layout) {
		int v = -1;
		const char *fmt = NULL;

		if (layout[0] == '.' && (layout[1] == '0' || layout[1] == '9')) {
			/* fractional seconds: as many digits as the layout has */
			size_t d = strspn(layout + 1, layout[1] == '0' ? "0" : "9");
			char frac[16];

			snprintf(frac, sizeof(frac), "%06ld000", (long)tv->tv_usec);
			if (k + d + 2 >= n || d > 9)
				return -1;
			out[k++] = '.';
			memcpy(out + k, frac, d);
			k += d;
			layout += d + 1;
			continue;
		}
		for (i = 0; i < sizeof(std) / sizeof(std[0]); i++)
			if (strncmp(layout, std[i].tok, strlen(std[i].tok)) == 0)
				break;
		if (i < sizeof(std) / sizeof(std[0])) {
			const char *tok = std[i].tok;

			fmt = std[i].fmt;
			if (!strcmp(tok, "2006"))
				v = tm.tm_year + 1900;
			else if (!strcmp(tok, "06"))
				v = tm.tm_year % 100;
			else if (!strcmp(tok, "01") || !strcmp(tok, "1"))
				v = tm.tm_mon + 1;
			else if (!strcmp(tok, "02") || !strcmp(tok, "2") || !strcmp(tok, "_2"))
				v = tm.tm_mday;
			else if (!strcmp(tok, "15"))
				v = tm.tm_hour;
			else if (!strcmp(tok, "03") || !strcmp(tok, "3"))
				v = tm.tm_hour % 12 ? tm.tm_hour % 12 : 12;
			else if (!strcmp(tok, "04") || !strcmp(tok, "4"))
				v = tm.tm_min;
			else
				v = tm.tm_sec;
			if (k + 8 >= n)
				return -1;
			k += (size_t)snprintf(out + k, n - k, fmt, v);
			layout += strlen(tok);
			continue;
		}
		if (k + 2 >= n)
			return -1;
		out[k++] = *layout++;
	}
	out[k] = '\0';
	return 0;
}

/*
 * The version of the new migration when -digits, -format or -tz ask for
 * something of their own; NULL with a message printed when they cannot be
 * honoured (*rc set), or when none was given (*rc 0: the default applies).
 */
static char *custom_version(struct cli *c, int *rc)
{
	char buf[128];
	struct timeval tv;
	const char *p;

	*rc = 0;
	if (co.digits) {
		char *next, *digits;
		int len;

		if (!co.seq) {
			fprintf(stderr, "strata create: -digits sets the width of -seq versions: add -seq\n");
			*rc = 2;
			return NULL;
		}
		next = strata_next_version(c->src, 1);
		if (!next) {
			fprintf(stderr, "strata: out of memory\n");
			*rc = 1;
			return NULL;
		}
		for (digits = next; *digits == '0' && digits[1]; digits++)
			;
		len = (int)strlen(digits);
		snprintf(buf, sizeof(buf), "%.*s%s", co.digits > len ? co.digits - len : 0,
			 "000000000000000000000000000000", digits);
		free(next);
		return strdup(buf);
	}
	if (!co.time_format && !co.tz)
		return NULL;
	if (co.seq) {
		fprintf(stderr, "strata create: -format and -tz set a timestamp version; -seq makes a sequential one\n");
		*rc = 2;
		return NULL;
	}
	if (co.tz && strcmp(co.tz, "UTC") != 0) {
		char zf[4096];
		struct stat st;

		snprintf(zf, sizeof(zf), "/usr/share/zoneinfo/%s", co.tz);
		if (strstr(co.tz, "..") || stat(zf, &st) != 0 || !S_ISREG(st.st_mode)) {
			fprintf(stderr, "strata create: -tz %s: unknown time zone (an IANA name such as Europe/Berlin, or UTC)\n",
				co.tz);
			*rc = 2;
			return NULL;
		}
	}
	setenv("TZ", co.tz ? co.tz : "UTC", 1);
	tzset();
	gettimeofday(&tv, NULL);
	if (co.time_format && !strcmp(co.time_format, "unix"))
		snprintf(buf, sizeof(buf), "%lld", (long long)tv.tv_sec);
	else if (co.time_format && !strcmp(co.time_format, "unixNano"))
		snprintf(buf, sizeof(buf), "%lld%06ld000", (long long)tv.tv_sec, (long)tv.tv_usec);
	else if (go_format(co.time_format ? co.time_format : "20060102150405", &tv, buf, sizeof(buf))) {
		fprintf(stderr, "strata create: -format %s: too long\n", co.time_format);
		*rc = 2;
		return NULL;
	}
	for (p = buf; *p >= '0' && *p <= '9'; p++)
		;
	if (*p || !*buf) {
		fprintf(stderr, "strata create: -format %s gives the version \"%s\": a version must be digits alone "
				"(e.g. -format 20060102150405, unix, unixNano)\n", co.time_format, buf);
		*rc = 2;
		return NULL;
	}
	return strdup(buf);
}

/*
 * One migration to write. Without plans: the layout's templates, as `strata
 * create NAME` writes them. With them (create --from-schema): the up and the
 * down scripts of those plans (strata_schema_plan_sql), and how the
 * migration must run: outside a transaction (a step that cannot run in one:
 * CREATE INDEX CONCURRENTLY) or as a file that manages its own transaction
 * (SQLite's table rebuild), said in the layout's own way where it has one.
 */
struct mig_body {
	const struct strata_schema_plan *up;   /* NULL: templates */
	const struct strata_schema_plan *down; /* NULL with up: no down is written */
};

/* What a layout cannot say about a migration is said here (never with -q). */
static void note(struct cli *c, const char *fmt, const char *a)
{
	if (c->quiet)
		return;
	fprintf(stderr, "strata create: note: ");
	fprintf(stderr, fmt, a);
	fputc('\n', stderr);
}

/* The plan's script (malloc'ed), NULL when out of memory (said). */
static char *script_of(const struct strata_schema_plan *p)
{
	struct strata_err err;
	char *sql = NULL;

	strata_err_clear(&err);
	if (strata_schema_plan_sql(p, &sql, &err)) {
		fprintf(stderr, "strata create: %s\n", err.message);
		strata_err_release(&err);
		return NULL;
	}
	return sql;
}

/* Does the plan (NULL: none) have to run outside a transaction (or manage its own)? */
static int plan_notx(const struct strata_schema_plan *p)
{
	return p && (p->flags & (STRATA_STEP_NO_TRANSACTION | STRATA_STEP_OWN_TRANSACTION));
}

/*
 * Drizzle Kit's file: drizzle-orm sends each piece between
 * "--> statement-breakpoint" lines as one query, so each step is a piece.
 */
static char *drizzle_script(const struct strata_schema_plan *p)
{
	char *out = NULL;
	size_t len = 0, i;
	FILE *f = open_memstream(&out, &len);

	if (!f) {
		fprintf(stderr, "strata: out of memory\n");
		return NULL;
	}
	for (i = 0; i < p->n; i++) {
		const struct strata_plan_step *st = &p->steps[i];
		size_t l = strlen(st->sql);

		fprintf(f, "%s-- %s", i ? "--> statement-breakpoint\n" : "",
			st->flags & STRATA_STEP_DESTRUCTIVE ? "DESTRUCTIVE: " : "");
		for (const char *q = st->what; *q; q++)
			fputs(*q == '\n' && q[1] ? "\n--   " : (char[]){ *q, 0 }, f);
		fprintf(f, "\n%s%s", st->sql, l && st->sql[l - 1] != '\n' ? "\n" : "");
	}
	if (fclose(f) != 0 || !out) {
		free(out);
		fprintf(stderr, "strata: out of memory\n");
		return NULL;
	}
	return out;
}

/* A plan in goose's file: each step between StatementBegin and StatementEnd, under its `what`. */
static void goose_steps(FILE *f, const struct strata_schema_plan *p)
{
	size_t i;

	if (p->flags & STRATA_STEP_OWN_TRANSACTION)
		fprintf(f, "-- This part manages its own transaction (a table rebuild switches foreign keys off outside "
			   "one):\n-- goose must not wrap it in one (NO TRANSACTION above).\n");
	for (i = 0; i < p->n; i++) {
		const struct strata_plan_step *st = &p->steps[i];
		size_t l = strlen(st->sql);

		fprintf(f, "-- %s", st->flags & STRATA_STEP_DESTRUCTIVE ? "DESTRUCTIVE: " : "");
		for (const char *q = st->what; *q; q++)
			fputs(*q == '\n' && q[1] ? "\n--   " : (char[]){ *q, 0 }, f);
		fprintf(f, "\n-- +goose StatementBegin\n%s%s-- +goose StatementEnd\n\n", st->sql,
			l && st->sql[l - 1] != '\n' ? "\n" : "");
	}
}

/* Replace the template the library wrote at path with text. */
static int rewrite(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");

	if (!f || fputs(text, f) < 0 || fclose(f) != 0) {
		fprintf(stderr, "strata create: cannot write %s: %s\n", path, strerror(errno));
		if (f)
			fclose(f);
		return 1;
	}
	return 0;
}

/* Prisma Migrate's and Drizzle Kit's own shapes (the library writes them: Drizzle's journal too). */
static int create_in_tool_layout(struct cli *c, const char *dir, const char *name, const struct mig_body *b)
{
	struct strata_err err;
	char path[4096];
	int rc, prisma = c->src->layout == STRATA_LAYOUT_PRISMA;

	if (co.seq || co.digits || co.time_format || co.tz) {
		fprintf(stderr, "strata create: %s names its migrations itself; -seq, -digits, -format and -tz do not "
				"apply\n",
			prisma ? "Prisma Migrate" : "Drizzle Kit");
		return 2;
	}
	strata_err_clear(&err);
	rc = strata_source_create_in_layout(c->src, dir, name, path, sizeof(path), &err);
	if (rc) {
		fprintf(stderr, "strata create: %s\n", err.message);
		strata_err_release(&err);
		return strata_exit_code(rc);
	}
	if (b && b->up) {
		char *up = prisma ? script_of(b->up) : drizzle_script(b->up);

		rc = up ? rewrite(path, up) : 1;
		free(up);
		if (rc)
			return rc;
	}
	printf("%s\n", path);
	if (!b || !b->up)
		return 0;
	if (prisma && b->down) {
		/* strata runs <dir>/down.sql as the down (Prisma's own `migrate diff` writes such scripts) */
		char *down = script_of(b->down), *slash = strrchr(path, '/');

		if (!down || !slash)
			return 1;
		snprintf(slash + 1, sizeof(path) - (size_t)(slash + 1 - path), "down.sql");
		rc = write_new(path, down);
		free(down);
		if (rc)
			return rc;
	} else if (!prisma && b->down) {
		note(c, "%s", "Drizzle Kit has no down migrations: the down is not written (strata diff --down "
			      "prints it)");
	}
	if (plan_notx(b->up))
		note(c, "%s",
		     prisma ? "Prisma Migrate has no way to run a migration outside a transaction: strata runs it as the "
			      "file says (-- strata:no-transaction, or its own BEGIN ... COMMIT)"
			    : "drizzle-orm runs every migration inside one transaction, where this one cannot run: "
			      "strata runs it as the file says (-- strata:no-transaction, or its own BEGIN ... COMMIT)");
	return 0;
}

/*
 * Flyway's and pop's shapes (1: written, or failed with *rc set; 0: not
 * those layouts). Flyway: V<n+1>__name.sql after the newest versioned
 * migration's first part (V69.3 -> V70). pop: a UTC timestamp as wide as
 * the newest version (Ory's 20 digits: the timestamp then 000000), above
 * it, with dialect-less up and down files as `soda generate sql` writes.
 */
/* v + 1 into *out (digits; the library's versions are exact, so is this). */
static int version_plus_one(const struct strata_version *v, struct strata_version *out)
{
	char d[STRATA_VERSION_MAX + 2];
	size_t n = strlen(v->d), i;

	d[0] = '0';
	memcpy(d + 1, v->d, n + 1);
	for (i = n; i > 0 && d[i] == '9'; i--)
		d[i] = '0';
	d[i]++;
	return strata_version_parse(d, n + 1, out);
}

static int create_flyway_pop(struct cli *c, const char *dir, const char *name, const struct mig_body *b, int *rc)
{
	const struct strata_migration *top = NULL;
	char path[4096], ver[STRATA_VERSION_MAX + 32];
	struct strata_version v, next;
	char *up = NULL, *down = NULL;
	size_t i;
	int pop = 0;

	for (i = 0; c->src && i < c->src->n; i++) {
		if (c->src->m[i].layout == STRATA_LAYOUT_FLYWAY || c->src->m[i].layout == STRATA_LAYOUT_POP)
			top = &c->src->m[i];
		pop |= c->src->m[i].layout == STRATA_LAYOUT_POP;
	}
	if (!top && !(c->src && c->src->pop_dialect))
		return 0;
	if (mkdir_p(dir) != 0) {
		fprintf(stderr, "strata create: cannot create directory %s: %s\n", dir, strerror(errno));
		*rc = 1;
		return 1;
	}
	if (b && b->up) {
		up = script_of(b->up);
		down = b->down ? script_of(b->down) : NULL;
		if (!up || (b->down && !down)) {
			free(up);
			free(down);
			*rc = 1;
			return 1;
		}
	}
	if (!pop && top) {
		size_t n = strspn(top->vtext, "0123456789");

		if (strata_version_parse(top->vtext, n, &v) != 0 || version_plus_one(&v, &next) != 0) {
			fprintf(stderr, "strata create: cannot count on from version %s\n", top->vtext);
			*rc = 1;
			goto out;
		}
		snprintf(path, sizeof(path), "%s/V%s__%s.sql", dir, next.d, name);
		*rc = write_new(path, up ? up
					 : "-- the SQL that applies this migration goes here (Flyway's layout: an undo goes "
					   "into U<version>__<description>.sql)\n\n");
		if (!*rc && down) {
			/* Flyway's undo migration (Teams): strata runs it as the down */
			snprintf(path, sizeof(path), "%s/U%s__%s.sql", dir, next.d, name);
			*rc = write_new(path, down);
			if (!*rc)
				note(c, "%s is the down as Flyway Teams' undo migration: strata down runs it", path);
		}
		if (!*rc && b && b->up && (b->up->flags & STRATA_STEP_OWN_TRANSACTION))
			note(c, "Flyway runs %s inside a transaction unless its script configuration says "
				"executeInTransaction=false: strata runs it as the file says (its own BEGIN ... COMMIT)",
			     path);
		goto out;
	}
	{
		time_t t = time(NULL);
		struct tm tm;
		size_t w = top ? strlen(top->vtext) : 20;

		if (!gmtime_r(&t, &tm) || !strftime(ver, sizeof(ver), "%Y%m%d%H%M%S", &tm)) {
			*rc = 1;
			goto out;
		}
		while (strlen(ver) < w && strlen(ver) + 1 < sizeof(ver))
			strcat(ver, "0");
		if (top && strata_version_parse(ver, strlen(ver), &v) == 0 && strata_version_cmp(&v, &top->version) <= 0 &&
		    version_plus_one(&top->version, &next) == 0)
			snprintf(ver, sizeof(ver), "%s", next.d);
	}
	/* popx runs a .autocommit file outside a transaction */
	snprintf(path, sizeof(path), "%s/%s_%s%s.up.sql", dir, ver, name,
		 b && plan_notx(b->up) ? ".autocommit" : "");
	*rc = write_new(path, up ? up
				 : "-- the SQL that applies this migration goes here (pop: add .postgres, .sqlite3, ... "
				   "before .up.sql for one dialect's file)\n\n");
	snprintf(path, sizeof(path), "%s/%s_%s%s.down.sql", dir, ver, name,
		 b && plan_notx(b->down) ? ".autocommit" : "");
	*rc = *rc ? *rc : write_new(path, down ? down : "-- the SQL that undoes the up script goes here\n\n");
out:
	free(up);
	free(down);
	return 1;
}

/* A file-name-safe NAME (printed when it is not); 0 or an exit code. */
static int name_slug(struct cli *c, char *slug, size_t n)
{
	if (c->nargs != 1 || !*c->args[0]) {
		fprintf(stderr, "strata create: expected one NAME, e.g. `strata create add_users`\n");
		return 2;
	}
	if (!slugify(c->args[0], slug, n)) {
		fprintf(stderr, "strata create: NAME \"%s\" has no letters or digits to name a file with\n", c->args[0]);
		return 2;
	}
	if (co.ext && strcmp(co.ext, "sql") != 0 && strcmp(co.ext, ".sql") != 0) {
		fprintf(stderr, "strata create: only -ext sql is supported\n");
		return 2;
	}
	return 0;
}

/*
 * Write one migration named `name` in dir, in the layout of c->src (its
 * newest migration's), after its newest version. b NULL or without plans:
 * the templates. 0 or an exit code (printed); the paths written are printed
 * on stdout.
 */
static int create_one(struct cli *c, const char *dir, const char *name, const struct mig_body *b)
{
	enum strata_layout layout = STRATA_LAYOUT_PAIR;
	char *version, path[4096], *up = NULL, *down = NULL;
	int rc = 0, goose = 0, notx = b && plan_notx(b->up), dnotx = b && plan_notx(b->down);

	if (c->src && (c->src->layout == STRATA_LAYOUT_PRISMA || c->src->layout == STRATA_LAYOUT_DRIZZLE))
		return create_in_tool_layout(c, dir, name, b);
	if (create_flyway_pop(c, dir, name, b, &rc))
		return rc;
	if (c->src && c->src->n)
		layout = c->src->m[c->src->n - 1].layout;
	if (layout == STRATA_LAYOUT_GO) /* a goose directory: its SQL migrations carry goose's markers */
		layout = STRATA_LAYOUT_MARKERS;
	if (layout == STRATA_LAYOUT_MARKERS)
		goose = uses_goose(c);
	version = custom_version(c, &rc);
	if (rc)
		return rc;
	if (!version)
		version = strata_next_version(c->src, co.seq);
	if (b && b->up) {
		up = script_of(b->up);
		down = b->down ? script_of(b->down) : NULL;
	}
	if (!version || (b && b->up && (!up || (b->down && !down)))) {
		fprintf(stderr, "strata: out of memory\n");
		rc = 1;
		goto out;
	}
	if (mkdir_p(dir) != 0) {
		fprintf(stderr, "strata create: cannot create directory %s: %s\n", dir, strerror(errno));
		rc = 1;
		goto out;
	}
	switch (layout) {
	case STRATA_LAYOUT_MARKERS:
		snprintf(path, sizeof(path), "%s/%s_%s.sql", dir, version, name);
		if (up && goose) {
			/* goose splits a file on its semicolons outside StatementBegin/End: each step is one
			   statement to goose (a function body, a trigger, a rebuild keep their semicolons), and
			   outside a transaction a step is a single statement */
			char *text = NULL;
			size_t len = 0;
			FILE *f = open_memstream(&text, &len);

			if (!f) {
				rc = 1;
				break;
			}
			fprintf(f, "%s-- +goose Up\n", notx || dnotx ? "-- +goose NO TRANSACTION\n" : "");
			goose_steps(f, b->up);
			fprintf(f, "-- +goose Down\n");
			if (b->down)
				goose_steps(f, b->down);
			if (fclose(f) != 0 || !text) {
				free(text);
				rc = 1;
				break;
			}
			rc = write_new(path, text);
			free(text);
		} else if (up) {
			char *text = NULL;
			size_t len = 0;
			FILE *f = open_memstream(&text, &len);

			if (!f) {
				rc = 1;
				break;
			}
			/* dbmate's transaction:false, on each section that needs it */
			fprintf(f, "-- migrate:up%s\n%s\n-- migrate:down%s\n%s", notx ? " transaction:false" : "", up,
				dnotx ? " transaction:false" : "", down ? down : "");
			if (fclose(f) != 0 || !text) {
				free(text);
				rc = 1;
				break;
			}
			rc = write_new(path, text);
			free(text);
		} else {
			rc = write_new(path, goose ? "-- +goose Up\n-- +goose StatementBegin\n"
						     "-- the SQL that applies this migration goes here\n\n"
						     "-- +goose StatementEnd\n\n"
						     "-- +goose Down\n-- +goose StatementBegin\n"
						     "-- the SQL that undoes it goes here\n\n-- +goose StatementEnd\n"
						   : "-- migrate:up\n-- the SQL that applies this migration goes here\n\n\n"
						     "-- migrate:down\n-- the SQL that undoes it goes here\n\n");
		}
		break;
	case STRATA_LAYOUT_DIESEL:
		if (!co.seq && strlen(version) == 14) /* Diesel writes 2024-02-12-120203 */
			snprintf(path, sizeof(path), "%s/%.4s-%.2s-%.2s-%.6s_%s", dir, version, version + 4, version + 6,
				 version + 8, name);
		else
			snprintf(path, sizeof(path), "%s/%s_%s", dir, version, name);
		if (mkdir(path, 0777) != 0) {
			fprintf(stderr, "strata create: cannot create %s: %s\n", path, strerror(errno));
			rc = 1;
			break;
		}
		{
			size_t n = strlen(path);

			/* Diesel's own templates */
			snprintf(path + n, sizeof(path) - n, "/up.sql");
			rc = write_new(path, up ? up : "-- Your SQL goes here\n");
			snprintf(path + n, sizeof(path) - n, "/down.sql");
			rc = rc ? rc : write_new(path, down ? down : "-- This file should undo anything in `up.sql`\n");
			/* Diesel runs a migration outside a transaction when its metadata.toml says so */
			snprintf(path + n, sizeof(path) - n, "/metadata.toml");
			if (!rc && (notx || dnotx))
				rc = write_new(path, "run_in_transaction = false\n");
		}
		break;
	default:
		snprintf(path, sizeof(path), "%s/%s_%s.up.sql", dir, version, name);
		rc = write_new(path, up ? up
					: "-- the SQL that applies this migration goes here (one transaction with its "
					  "record)\n\n");
		if (!rc && notx && (b->up->flags & STRATA_STEP_NO_TRANSACTION))
			note(c, "golang-migrate has no way to say that %s runs outside a transaction: strata reads "
				"its -- strata:no-transaction line",
			     path);
		else if (!rc && notx)
			note(c, "%s manages its own transaction: strata runs it as written; golang-migrate's sqlite3 "
				"driver wraps a file in one unless the URL says x-no-tx-wrap=true",
			     path);
		snprintf(path, sizeof(path), "%s/%s_%s.down.sql", dir, version, name);
		rc = rc ? rc : write_new(path, down ? down : "-- the SQL that undoes the up script goes here\n\n");
		break;
	}
out:
	free(up);
	free(down);
	free(version);
	return rc;
}

static int create_from_schema(struct cli *c, const char *dir, const char *name);

int cmd_create(struct cli *c)
{
	/* several directories: the first one, as dbmate's `new` does */
	const char *dir = c->cfg.npaths ? c->cfg.paths[0] : "migrations";
	char slug[256];
	int rc = name_slug(c, slug, sizeof(slug));

	if (rc)
		return rc;
	if (co.from_schema)
		return create_from_schema(c, dir, slug);
	if (plan_flags.allow_destructive || plan_flags.online) {
		fprintf(stderr, "strata create: --allow-destructive and --online shape the migration --from-schema FILE "
				"writes: give the desired schema with --from-schema FILE\n");
		return 2;
	}
	return create_one(c, dir, slug, NULL);
}

/* ------------------------------------------------------------ --from-schema */

/* A plan of some of another's steps (borrowed: never strata_schema_plan_free it). */
static struct strata_schema_plan sub_plan(const struct strata_schema_plan *p, size_t lo, size_t hi)
{
	struct strata_schema_plan s = { 0 };
	size_t i;

	s.steps = p->steps + lo;
	s.n = hi - lo;
	for (i = lo; i < hi; i++)
		s.flags |= p->steps[i].flags;
	return s;
}


/* The directory loaded again, so that a second migration written comes after the first. 0 or an exit code. */
static int reload_source(struct cli *c)
{
	static const char *const def[] = { "migrations" };
	struct strata_source_opts so;
	struct strata_source *src = NULL;
	struct strata_err err;
	int rc;

	strata_source_opts_init(&so);
	so.driver = strata_target_driver_name(c->cfg.database);
	so.placeholders = 0;
	strata_err_clear(&err);
	rc = strata_source_load_opts(c->cfg.npaths ? (const char *const *)c->cfg.paths : def,
				     c->cfg.npaths ? c->cfg.npaths : 1, 0, &so, &src, &err);
	if (rc)
		return out_error_release(c, rc, &err);
	strata_source_free(c->src);
	c->src = src;
	return 0;
}

/* The steps' `what` lines, under a heading. */
static void print_steps(struct cli *c, const char *heading, const struct strata_schema_plan *p)
{
	size_t i;

	if (c->quiet || !p)
		return;
	fprintf(stderr, "%s (%zu step%s):\n", heading, p->n, p->n == 1 ? "" : "s");
	for (i = 0; i < p->n; i++)
		fprintf(stderr, "  %s%s\n", p->steps[i].flags & STRATA_STEP_DESTRUCTIVE ? "DESTRUCTIVE: " : "",
			p->steps[i].what);
}

#define MAX_PARTS 64

/* Nothing was written: said after a refusal. */
static int nothing_written(int rc)
{
	fprintf(stderr, "strata create: nothing written\n");
	return rc;
}

/*
 * strata create NAME --from-schema FILE: the migrations of the directory,
 * all of them, applied on a scratch database (from), against FILE run on
 * one (to), through the pipeline strata diff uses (diff.h): the up is the
 * plan from -> to, the down the plan back, both verified on a scratch copy
 * before anything is written. A plan with steps that cannot run in a
 * transaction is cut where that changes, each part a migration of its own
 * whose down returns to the state before it (strata_schema_plan_states).
 */
static int create_from_schema(struct cli *c, const char *dir, const char *name)
{
	const char *specs[2] = { dir, co.from_schema };
	struct diff_env e;
	struct strata_schema *from = NULL, *to = NULL, *states[MAX_PARTS + 1] = { 0 };
	struct strata_schema_plan *up = NULL, *downs[MAX_PARTS] = { 0 }, parts[MAX_PARTS];
	struct strata_rename_hint *hints = NULL, *rev = NULL;
	struct strata_schema_diff *d = NULL, *left = NULL;
	struct strata_err err;
	size_t cuts[MAX_PARTS], nparts = 0, nhints = 0, npending, i, k;
	int allow = plan_flags.allow_destructive, online = plan_flags.online, rc;

	if (diff_src_kind(co.from_schema) != DIFF_SRC_SQL) {
		fprintf(stderr, "strata create: --from-schema %s: give the desired schema as a .sql file (a database or a "
				"directory to compare with: strata diff --from %s --to ...)\n",
			co.from_schema, dir);
		return 2;
	}
	rc = diff_env_init(&e, c, "create", specs + 1, 1);
	if (rc)
		return diff_env_close(&e, rc);
	/* the to-state first: a schema file that does not run is said before the migrations are applied */
	rc = diff_src_read(&e, co.from_schema, 0, &to, &hints, &nhints);
	if (rc)
		goto out;
	if (c->src && c->src->n) {
		rc = diff_src_read(&e, dir, 0, &from, NULL, NULL);
	} else {
		/* no migration yet: the schema of an empty database */
		strata_err_clear(&err);
		rc = strata_scratch_reset(e.scratch, &err);
		if (rc == 0)
			rc = strata_schema_read(strata_scratch_db(e.scratch), 0, &from, &err);
		if (rc)
			rc = out_error_release(c, rc, &err);
	}
	if (rc)
		goto out;
	strata_err_clear(&err);
	rc = strata_schema_compare(from, to, &d, &err);
	if (rc) {
		rc = out_error_release(c, rc, &err);
		goto out;
	}
	if ((!d->n || d->order_only) && !d->nunhandled) {
		if (!c->quiet && d->n)
			fprintf(stderr, "strata create: note: the schemas differ only in the order of columns, which no "
					"migration changes\n");
		if (!c->quiet)
			fprintf(stderr, "strata create: no changes: the migrations already make the schema %s makes; "
					"nothing written\n",
				co.from_schema);
		goto out;
	}
	/* hints the migrations applied already (the schema file keeps them) are set aside */
	npending = diff_hints_pending(&e, from, to, hints, nhints);
	rc = diff_plan(&e, from, to, online ? STRATA_PLAN_ONLINE : 0, 0, hints, npending, &up, &left);
	if (rc)
		goto out;
	/* an empty plan for schemas that differ is refused here too (what is left is what differs) */
	rc = diff_refusal(&e, "the migration", up, left, allow);
	if (rc) {
		rc = nothing_written(rc);
		goto out;
	}
	if (!up->n) {
		if (!c->quiet)
			fprintf(stderr, "strata create: no changes: the migrations already make the schema %s makes; "
					"nothing written\n",
				co.from_schema);
		goto out;
	}
	/* the parts: cut where running in a transaction or not changes */
	for (i = 1; i <= up->n; i++) {
		if (i < up->n && !(up->steps[i].flags & STRATA_STEP_NO_TRANSACTION) ==
					 !(up->steps[i - 1].flags & STRATA_STEP_NO_TRANSACTION))
			continue;
		if (nparts == MAX_PARTS) {
			fprintf(stderr, "strata create: the plan goes in and out of a transaction more than %d times\n",
				MAX_PARTS);
			rc = nothing_written(1);
			goto out;
		}
		parts[nparts] = sub_plan(up, nparts ? cuts[nparts - 1] : 0, i);
		cuts[nparts++] = i;
	}
	if (nparts == 1) {
		/* the down is the plan from `to` back to `from`, as strata diff --down prints it */
		states[0] = from;
		states[1] = to;
		from = to = NULL;
	} else {
		strata_err_clear(&err);
		/* where the plan was verified: without --scratch-setup's objects, which `from` holds already */
		rc = strata_schema_plan_states(e.vscratch ? e.vscratch : e.scratch, from, up, cuts, nparts, 0, states,
					       &err);
		if (rc) {
			rc = nothing_written(out_error_release(c, rc, &err));
			goto out;
		}
	}
	rev = calloc(nhints ? nhints : 1, sizeof(*rev));
	if (!rev) {
		fprintf(stderr, "strata: out of memory\n");
		rc = 1;
		goto out;
	}
	for (k = 0; k < nparts; k++) {
		size_t nrev = strata_rename_hints_back(hints, npending, states[k + 1], states[k], rev);

		strata_schema_diff_free(left);
		left = NULL;
		rc = diff_plan(&e, states[k + 1], states[k], 0, 0, rev, nrev, &downs[k], &left);
		if (rc == 0)
			rc = diff_refusal(&e, nparts > 1 ? "the down of a part" : "the down", downs[k], left, 1);
		if (rc) {
			rc = nothing_written(rc);
			goto out;
		}
	}
	/* everything is known to work: write */
	for (k = 0; k < nparts && rc == 0; k++) {
		struct mig_body b = { &parts[k], downs[k] };
		char part[300];

		if (k && (rc = reload_source(c)) != 0)
			break;
		if (!k)
			snprintf(part, sizeof(part), "%s", name);
		else if (parts[k].flags & STRATA_STEP_NO_TRANSACTION)
			snprintf(part, sizeof(part), "%s_no_transaction", name);
		else
			snprintf(part, sizeof(part), "%s_%zu", name, k + 1);
		rc = create_one(c, dir, part, &b);
	}
	if (rc == 0) {
		if (nparts > 1 && !c->quiet)
			fprintf(stderr, "strata create: %zu migrations, so that what cannot run in a transaction runs in "
					"none, and the rest in one\n",
				nparts);
		for (k = 0; k < nparts; k++) {
			print_steps(c, nparts > 1 ? "up of a part" : "up", &parts[k]);
			if (!c->src || c->src->layout != STRATA_LAYOUT_DRIZZLE)
				print_steps(c, nparts > 1 ? "its down" : "down", downs[k]);
		}
	} else if (k > 1) {
		fprintf(stderr, "strata create: only %zu of the %zu migrations were written\n", k - 1, nparts);
	}
out:
	strata_schema_diff_free(d);
	strata_schema_diff_free(left);
	for (k = 0; k < MAX_PARTS; k++) {
		strata_schema_plan_free(downs[k]);
		strata_schema_free(states[k]);
	}
	strata_schema_free(states[MAX_PARTS]);
	strata_schema_plan_free(up);
	strata_schema_free(from);
	strata_schema_free(to);
	free(rev);
	strata_rename_hints_free(hints, nhints);
	return diff_env_close(&e, rc);
}
