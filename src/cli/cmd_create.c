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

/* What create's own options set. */
static struct {
	int seq;                 /* --seq: the next number instead of a timestamp */
	int digits;              /* -digits N (golang-migrate), 0: the width in use */
	const char *time_format; /* -format LAYOUT (Go time layout), or NULL */
	const char *tz;          /* -tz ZONE, or NULL: UTC */
	const char *ext;         /* -ext (golang-migrate); only "sql" */
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
	{ 0 },
};

static const struct cli_option *const create_tables[] = {
	source_options, config_options, create_options, output_options, NULL,
};

const struct command create_command = {
	"create", cmd_create, WANT_SOURCE, "NAME", "write a new migration pair (timestamp version; --seq: next number)",
	"strata create add_users\nstrata create \"Add code owner\" --seq\n"
	"strata create -ext sql -dir migrations -seq -digits 6 init", NULL, NULL, NULL, create_tables, NULL,
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

/* Prisma Migrate's and Drizzle Kit's own shapes (the library writes them: Drizzle's journal too). */
static int create_in_tool_layout(struct cli *c, const char *dir, const char *name)
{
	struct strata_err err;
	char path[4096];
	int rc;

	if (co.seq || co.digits || co.time_format || co.tz) {
		fprintf(stderr, "strata create: %s names its migrations itself; -seq, -digits, -format and -tz do not "
				"apply\n",
			c->src->layout == STRATA_LAYOUT_PRISMA ? "Prisma Migrate" : "Drizzle Kit");
		return 2;
	}
	strata_err_clear(&err);
	rc = strata_source_create_in_layout(c->src, dir, name, path, sizeof(path), &err);
	if (rc) {
		fprintf(stderr, "strata create: %s\n", err.message);
		strata_err_release(&err);
		return strata_exit_code(rc);
	}
	printf("%s\n", path);
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

static int create_flyway_pop(struct cli *c, const char *dir, const char *name, int *rc)
{
	const struct strata_migration *top = NULL;
	char path[4096], ver[STRATA_VERSION_MAX + 32];
	struct strata_version v, next;
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
	if (!pop && top) {
		size_t n = strspn(top->vtext, "0123456789");

		if (strata_version_parse(top->vtext, n, &v) != 0 || version_plus_one(&v, &next) != 0) {
			fprintf(stderr, "strata create: cannot count on from version %s\n", top->vtext);
			*rc = 1;
			return 1;
		}
		snprintf(path, sizeof(path), "%s/V%s__%s.sql", dir, next.d, name);
		*rc = write_new(path, "-- the SQL that applies this migration goes here (Flyway's layout: an undo goes "
				      "into U<version>__<description>.sql)\n\n");
		return 1;
	}
	{
		time_t t = time(NULL);
		struct tm tm;
		size_t w = top ? strlen(top->vtext) : 20;

		if (!gmtime_r(&t, &tm) || !strftime(ver, sizeof(ver), "%Y%m%d%H%M%S", &tm)) {
			*rc = 1;
			return 1;
		}
		while (strlen(ver) < w && strlen(ver) + 1 < sizeof(ver))
			strcat(ver, "0");
		if (top && strata_version_parse(ver, strlen(ver), &v) == 0 && strata_version_cmp(&v, &top->version) <= 0 &&
		    version_plus_one(&top->version, &next) == 0)
			snprintf(ver, sizeof(ver), "%s", next.d);
	}
	snprintf(path, sizeof(path), "%s/%s_%s.up.sql", dir, ver, name);
	*rc = write_new(path, "-- the SQL that applies this migration goes here (pop: add .postgres, .sqlite3, ... "
			      "before .up.sql for one dialect's file)\n\n");
	snprintf(path, sizeof(path), "%s/%s_%s.down.sql", dir, ver, name);
	*rc = *rc ? *rc : write_new(path, "-- the SQL that undoes the up script goes here\n\n");
	return 1;
}

int cmd_create(struct cli *c)
{
	/* several directories: the first one, as dbmate's `new` does */
	const char *dir = c->cfg.npaths ? c->cfg.paths[0] : "migrations";
	const char *name;
	enum strata_layout layout = STRATA_LAYOUT_PAIR;
	char *version, path[4096], slug[256];
	int rc = 0;

	if (c->nargs != 1 || !*c->args[0]) {
		fprintf(stderr, "strata create: expected one NAME, e.g. `strata create add_users`\n");
		return 2;
	}
	if (!slugify(c->args[0], slug, sizeof(slug))) {
		fprintf(stderr, "strata create: NAME \"%s\" has no letters or digits to name a file with\n", c->args[0]);
		return 2;
	}
	name = slug;
	if (co.ext && strcmp(co.ext, "sql") != 0 && strcmp(co.ext, ".sql") != 0) {
		fprintf(stderr, "strata create: only -ext sql is supported\n");
		return 2;
	}
	if (c->src && (c->src->layout == STRATA_LAYOUT_PRISMA || c->src->layout == STRATA_LAYOUT_DRIZZLE))
		return create_in_tool_layout(c, dir, name);
	if (create_flyway_pop(c, dir, name, &rc))
		return rc;
	if (c->src && c->src->n)
		layout = c->src->m[c->src->n - 1].layout;
	if (layout == STRATA_LAYOUT_GO) /* a goose directory: its SQL migrations carry goose's markers */
		layout = STRATA_LAYOUT_MARKERS;
	version = custom_version(c, &rc);
	if (rc)
		return rc;
	if (!version)
		version = strata_next_version(c->src, co.seq);
	if (!version) {
		fprintf(stderr, "strata: out of memory\n");
		return 1;
	}
	if (mkdir_p(dir) != 0) {
		fprintf(stderr, "strata create: cannot create directory %s: %s\n", dir, strerror(errno));
		free(version);
		return 1;
	}
	switch (layout) {
	case STRATA_LAYOUT_MARKERS:
		snprintf(path, sizeof(path), "%s/%s_%s.sql", dir, version, name);
		rc = write_new(path, uses_goose(c) ? "-- +goose Up\n-- +goose StatementBegin\n"
							   "-- the SQL that applies this migration goes here\n\n"
							   "-- +goose StatementEnd\n\n"
							   "-- +goose Down\n-- +goose StatementBegin\n"
							   "-- the SQL that undoes it goes here\n\n-- +goose StatementEnd\n"
							 : "-- migrate:up\n-- the SQL that applies this migration goes here\n\n\n"
							   "-- migrate:down\n-- the SQL that undoes it goes here\n\n");
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
			rc = write_new(path, "-- Your SQL goes here\n");
			snprintf(path + n, sizeof(path) - n, "/down.sql");
			rc = rc ? rc : write_new(path, "-- This file should undo anything in `up.sql`\n");
		}
		break;
	default:
		snprintf(path, sizeof(path), "%s/%s_%s.up.sql", dir, version, name);
		rc = write_new(path, "-- the SQL that applies this migration goes here (one transaction with its record)\n\n");
		snprintf(path, sizeof(path), "%s/%s_%s.down.sql", dir, version, name);
		rc = rc ? rc : write_new(path, "-- the SQL that undoes the up script goes here\n\n");
		break;
	}
	free(version);
	return rc;
}
