/*
 * cmd_schema.c - the commands that compare schemas in scratch databases:
 * check (is the live database what its recorded migrations make, or what a
 * schema.sql makes?) and test (does each down undo its up?), their rows and
 * their options. The work is the library's (strata_check, strata_test); this
 * file opens the scratch database, prints the differences as text, JSON or
 * JUnit XML, and chooses the exit code: 0 nothing to report, 1 something
 * reported.
 */
#include <cjson/cJSON.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli.h"
#include "strata_schema.h"

/* What these commands' own options set. */
static struct {
	const char *scratch;       /* --scratch URL */
	const char *scratch_setup; /* --scratch-setup FILE */
	const char *against;       /* check --against FILE */
	const char *junit;         /* test --junit FILE */
	int parallel;              /* test --parallel N (0: 2) */
	int data;                  /* test --data */
} xo;

const struct cli_option scratch_options[] = {
	{ .longname = "scratch", .kind = OPT_STRING, .value = &xo.scratch, .arg = "URL",
	  .help = "make the scratch database on this server (scratch= in strata.ini; default: the target's)" },
	{ .longname = "scratch-setup", .kind = OPT_STRING, .value = &xo.scratch_setup, .arg = "FILE",
	  .help = "SQL run in every scratch database before the first migration (scratch_setup= in strata.ini)" },
	{ 0 },
};

const struct cli_option check_options[] = {
	{ .longname = "against", .kind = OPT_STRING, .value = &xo.against, .arg = "FILE",
	  .help = "with check: compare with the schema this SQL file makes, not with the migrations'" },
	{ 0 },
};

const struct cli_option test_options[] = {
	{ .longname = "junit", .kind = OPT_STRING, .value = &xo.junit, .arg = "FILE",
	  .help = "with test: also write the verdicts as JUnit XML into FILE (one testcase per migration)" },
	{ .longname = "parallel", .kind = OPT_INT, .value = &xo.parallel, .lo = 1, .hi = STRATA_TEST_MAX_JOBS,
	  .bad = "--%s: \"%s\" is not a number from 1 to 8", .arg = "N",
	  .help = "with test: test parts of the history on N scratch databases at once (default 2)" },
	{ .longname = "data", .kind = OPT_FLAG, .value = &xo.data,
	  .help = "with test: fill every table with a few rows before each migration; report rows and values "
		  "an up then its down lost (data_lost)" },
	{ 0 },
};

static const struct cli_option *const check_tables[] = {
	target_options, source_options, config_options, table_options, scratch_options, check_options, json_options,
	output_options, NULL,
};
static const struct cli_option *const test_tables[] = {
	target_options, source_options, config_options, table_options, scratch_options, test_options, json_options,
	output_options, NULL,
};

const struct command check_command = {
	"check", cmd_check, NEED_SOURCE | NEED_DB | READ_ONLY | RUNS_SCRIPTS | SCRATCH, "",
	"drift: is the database what its applied migrations make? (exit 1 with the differences)",
	"strata check\nstrata check --json\nstrata check --against schema.sql\nstrata check --scratch postgres://localhost/postgres",
	NULL, NULL, NULL, check_tables, NULL,
};
const struct command test_command = {
	"test", cmd_test, NEED_SOURCE | SCRATCH, "[FROM..TO]",
	"on a scratch database: does each down undo its up, and each up redo? (exit 1 with the findings)",
	"strata test\nstrata test 3..7\nstrata test 20240101000000..\nstrata test --junit report.xml",
	NULL, NULL, NULL, test_tables, NULL,
};

static double now_seconds(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* A whole file into *buf (NUL-terminated). 0, or an exit code (printed). */
int cli_read_file(const char *cmd, const char *what, const char *path, char **buf, size_t *len)
{
	FILE *f = fopen(path, "rb");
	char *b = NULL;
	size_t n = 0, cap = 0, got;

	*buf = NULL;
	*len = 0;
	if (!f) {
		fprintf(stderr, "strata %s: cannot read %s %s: %s\n", cmd, what, path, strerror(errno));
		return 2;
	}
	for (;;) {
		if (n + 4096 + 1 > cap) {
			char *nb;

			cap = cap ? cap * 2 : 8192;
			nb = realloc(b, cap);
			if (!nb) {
				free(b);
				fclose(f);
				fprintf(stderr, "strata: out of memory\n");
				return 1;
			}
			b = nb;
		}
		got = fread(b + n, 1, 4096, f);
		n += got;
		if (got < 4096)
			break;
	}
	if (ferror(f)) {
		fprintf(stderr, "strata %s: cannot read %s %s: %s\n", cmd, what, path, strerror(errno));
		free(b);
		fclose(f);
		return 2;
	}
	fclose(f);
	b[n] = '\0';
	*buf = b;
	*len = n;
	return 0;
}

/* --scratch URL, else scratch= in strata.ini, else NULL */
const char *scratch_server(const struct cli *c)
{
	return xo.scratch ? xo.scratch : c->cfg.scratch;
}

/* --scratch-setup FILE, else scratch_setup= in strata.ini, else NULL */
const char *scratch_setup_file(const struct cli *c)
{
	return xo.scratch_setup ? xo.scratch_setup : c->cfg.scratch_setup;
}

/* Open the scratch database beside `like`; its setup file is read here. 0 or an exit code (printed). */
int open_scratch(struct cli *c, const struct strata_target *like, struct strata_scratch **s, char **setup)
{
	struct strata_scratch_opts so = { 0 };
	struct strata_opts o = c->opts;
	struct strata_err err;
	const char *file = xo.scratch_setup ? xo.scratch_setup : c->cfg.scratch_setup;
	size_t len = 0;
	int rc;

	*setup = NULL;
	if (file) {
		rc = cli_read_file(c->cmd->name, "the scratch setup", file, setup, &len);
		if (rc)
			return rc;
		so.setup = *setup;
		so.setup_len = len;
		so.setup_file = file;
	}
	so.server = xo.scratch ? xo.scratch : c->cfg.scratch;
	/* what runs in the scratch database is not news: -v shows it */
	o.on_event = c->verbose ? c->opts.on_event : NULL;
	strata_err_clear(&err);
	rc = strata_scratch_open(like, &so, &o, s, &err);
	if (rc) {
		/* not the setup's SQL: where the scratch is made; the flag that changes it */
		int where = !err.file[0] && (rc == STRATA_ECONNECT || !strcmp(err.sqlstate, "42501"));

		rc = out_error_release(c, rc, &err);
		if (where && !c->json)
			fprintf(stderr, "  --scratch URL names the server to make scratch databases on (scratch= in "
					"strata.ini)\n");
		return rc;
	}
	if (c->verbose && !c->json)
		fprintf(stderr, "strata: scratch database %s\n", strata_scratch_target(*s)->display);
	return 0;
}

/* Drop the scratch database; a failure to is said (the name, to drop it by hand). */
int close_scratch(struct cli *c, struct strata_scratch *s, int rc)
{
	struct strata_err err;

	strata_err_clear(&err);
	if (s && strata_scratch_close(s, &err)) {
		fprintf(stderr, "strata: could not drop the scratch database: %s\n", err.message);
		if (!rc)
			rc = 1;
	}
	(void)c;
	strata_err_release(&err);
	return rc;
}

/* The diff in the one shape check and test print (strata_schema_diff_json), as a cJSON object. */
static cJSON *diff_doc(const struct strata_schema_diff *d)
{
	static const struct strata_schema_diff none;
	char *text = NULL;
	cJSON *o;

	if (strata_schema_diff_json(d ? d : &none, &text))
		return cJSON_CreateObject();
	o = cJSON_Parse(text);
	free(text);
	return o ? o : cJSON_CreateObject();
}

/* Its "differences" array alone, with what is not handled as items too (test --json). */
static cJSON *diff_json(const struct strata_schema_diff *d)
{
	cJSON *doc = diff_doc(d), *arr = cJSON_DetachItemFromObject(doc, "differences"), *nh, *it;

	if (!arr)
		arr = cJSON_CreateArray();
	nh = cJSON_GetObjectItem(doc, "not_handled");
	cJSON_ArrayForEach(it, nh) {
		cJSON *o = cJSON_CreateObject();
		char line[600];

		snprintf(line, sizeof(line), "not handled: %s", cJSON_GetStringValue(it));
		cJSON_AddStringToObject(o, "op", "not_handled");
		cJSON_AddStringToObject(o, "kind", "not handled");
		cJSON_AddStringToObject(o, "object", cJSON_GetStringValue(it));
		cJSON_AddStringToObject(o, "line", line);
		cJSON_AddItemToArray(arr, o);
	}
	cJSON_Delete(doc);
	return arr;
}

/* The differences, one line each, with `indent` before each. */
static void print_diff(FILE *f, const char *indent, const struct strata_schema_diff *d)
{
	size_t i;

	for (i = 0; d && i < d->n; i++) {
		char *line = NULL;

		if (strata_schema_diff_line(&d->items[i], &line) == 0 && line)
			fprintf(f, "%s%s\n", indent, line);
		free(line);
	}
	for (i = 0; d && i < d->nunhandled; i++)
		fprintf(f, "%snot handled: %s\n", indent, d->unhandled[i]);
}

/* strata check [--against FILE] */
int cmd_check(struct cli *c)
{
	struct strata_scratch *s = NULL;
	struct strata_schema_diff *d = NULL;
	struct strata_err err;
	char *setup = NULL, *against = NULL;
	size_t against_len = 0;
	int rc;

	if (xo.against) {
		rc = cli_read_file("check", "", xo.against, &against, &against_len);
		if (rc)
			return rc;
	}
	rc = open_scratch(c, c->target, &s, &setup);
	if (rc) {
		free(against);
		return rc;
	}
	strata_err_clear(&err);
	rc = strata_check(c->db, c->src, s, against, against_len, 0, &d, &err);
	if (rc) {
		if (xo.against && !err.file[0])
			snprintf(err.file, sizeof(err.file), "%s", xo.against);
		rc = out_error_release(c, rc, &err);
		goto out;
	}
	if (c->json) {
		cJSON *root = diff_doc(d);

		if (xo.against)
			cJSON_AddStringToObject(root, "against", xo.against);
		else
			cJSON_AddNullToObject(root, "against");
		if (out_json(c, root))
			rc = 1;
	} else if (d->n || d->nunhandled) {
		print_diff(stdout, "", d);
	}
	if (!c->quiet && !c->json && xo.against)
		fprintf(stderr, "strata: %s %s %s makes\n", c->target->display,
			d->n || d->nunhandled ? "differs from what" : "is what", xo.against);
	else if (!c->quiet && !c->json)
		fprintf(stderr, "strata: %s %s %s\n", c->target->display,
			d->n || d->nunhandled ? "differs from what" : "is what",
			xo.against ? xo.against : "its applied migrations make");
	if (!rc && (d->n || d->nunhandled))
		rc = 1;
out:
	strata_schema_diff_free(d);
	rc = close_scratch(c, s, rc);
	free(setup);
	free(against);
	return rc;
}

/* ---------------------------------------------------------------- test */

struct test_out {
	struct cli *c;
	cJSON *json;        /* --json: the array */
	cJSON *cases;       /* --junit: an array of {name, time, verdict, text} kept for the XML */
	size_t nreported;
};

/* The differences, the error or the note of a result, as text (malloc'ed). */
static char *result_text(const struct strata_test_result *r)
{
	size_t i, cap = 256, n = 0;
	char *b = malloc(cap);

	if (!b)
		return NULL;
	b[0] = '\0';
#define ADD(s)                                                     \
	do {                                                       \
		const char *s_ = (s);                              \
		size_t l_ = strlen(s_);                            \
		if (n + l_ + 2 > cap) {                            \
			char *nb_;                                 \
			while (n + l_ + 2 > cap)                   \
				cap *= 2;                          \
			nb_ = realloc(b, cap);                     \
			if (!nb_) {                                \
				free(b);                           \
				return NULL;                       \
			}                                          \
			b = nb_;                                   \
		}                                                  \
		memcpy(b + n, s_, l_ + 1);                         \
		n += l_;                                           \
	} while (0)
	if (r->err && r->err->message) {
		if (r->err->file[0]) {
			char where[600];

			if (r->err->line > 0)
				snprintf(where, sizeof(where), "%s:%d: ", r->err->file, r->err->line);
			else
				snprintf(where, sizeof(where), "%s: ", r->err->file);
			ADD(where);
		}
		ADD(r->err->message);
		ADD("\n");
	}
	for (i = 0; r->diff && i < r->diff->n; i++) {
		char *line = NULL;

		if (strata_schema_diff_line(&r->diff->items[i], &line) == 0 && line) {
			ADD(line);
			ADD("\n");
		}
		free(line);
	}
	for (i = 0; r->diff && i < r->diff->nunhandled; i++) {
		ADD("not handled: ");
		ADD(r->diff->unhandled[i]);
		ADD("\n");
	}
	if (r->lost)
		ADD(r->lost); /* lines, each ending in a newline */
	if (r->note) {
		ADD(r->note);
		ADD("\n");
	}
#undef ADD
	return b;
}

static int on_result(void *ud, const struct strata_test_result *r)
{
	struct test_out *t = ud;
	struct cli *c = t->c;
	const char *verdict = strata_test_verdict_name(r->verdict);
	char *text = result_text(r);

	if (r->verdict != STRATA_TEST_OK)
		t->nreported++;
	if (t->json) {
		cJSON *o = cJSON_CreateObject();

		cJSON_AddStringToObject(o, "version", r->mig->vtext);
		cJSON_AddStringToObject(o, "name", r->mig->name);
		cJSON_AddStringToObject(o, "verdict", verdict);
		cJSON_AddItemToObject(o, "differences", diff_json(r->diff));
		if (r->err && r->err->message)
			cJSON_AddStringToObject(o, "message", r->err->message);
		if (r->note)
			cJSON_AddStringToObject(o, "note", r->note);
		if (r->lost) {
			cJSON *a = cJSON_AddArrayToObject(o, "data_lost");
			const char *p = r->lost, *nl;

			for (; (nl = strchr(p, '\n')) != NULL; p = nl + 1) {
				char line[700];

				snprintf(line, sizeof(line), "%.*s", (int)(nl - p), p);
				cJSON_AddItemToArray(a, cJSON_CreateString(line));
			}
		}
		cJSON_AddBoolToObject(o, "rebuilt", r->rebuilt);
		cJSON_AddNumberToObject(o, "ms", r->ms);
		cJSON_AddItemToArray(t->json, o);
	} else if (r->verdict != STRATA_TEST_OK || c->verbose) {
		printf("%s %-*s %s%s%s\n", r->mig->vtext, c->name_width, r->mig->name,
		       col(c, r->verdict == STRATA_TEST_OK ? "32" : "31"), verdict, col(c, "0"));
		if (text && *text) {
			char *p = text, *nl;

			while ((nl = strchr(p, '\n')) != NULL) {
				printf("    %.*s\n", (int)(nl - p), p);
				p = nl + 1;
			}
		}
		fflush(stdout);
	}
	if (t->cases) {
		cJSON *o = cJSON_CreateObject();
		char name[700];

		snprintf(name, sizeof(name), "%s_%s", r->mig->vtext, r->mig->name);
		cJSON_AddStringToObject(o, "name", name);
		cJSON_AddStringToObject(o, "file", r->mig->up_file ? r->mig->up_file : "");
		cJSON_AddNumberToObject(o, "time", r->ms / 1000.0);
		cJSON_AddStringToObject(o, "verdict", verdict);
		cJSON_AddStringToObject(o, "text", text ? text : "");
		cJSON_AddItemToArray(t->cases, o);
	}
	free(text);
	return 0;
}

static void xml_escape(FILE *f, const char *s)
{
	for (; *s; s++) {
		switch (*s) {
		case '<': fputs("&lt;", f); break;
		case '>': fputs("&gt;", f); break;
		case '&': fputs("&amp;", f); break;
		case '"': fputs("&quot;", f); break;
		case '\'': fputs("&apos;", f); break;
		default:
			/* XML 1.0 has no other control characters than tab, newline and carriage return */
			if ((unsigned char)*s < 0x20 && *s != '\t' && *s != '\n' && *s != '\r')
				fputc('?', f);
			else
				fputc(*s, f);
		}
	}
}

static int write_junit(struct cli *c, const char *path, cJSON *cases, double secs)
{
	FILE *f = fopen(path, "w");
	int n = cJSON_GetArraySize(cases), failures = 0;
	cJSON *o;

	if (!f) {
		fprintf(stderr, "strata test: cannot write %s: %s\n", path, strerror(errno));
		return 2;
	}
	cJSON_ArrayForEach(o, cases)
		if (strcmp(cJSON_GetObjectItem(o, "verdict")->valuestring, "ok"))
			failures++;
	fprintf(f, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
	fprintf(f, "<testsuites name=\"strata test\" tests=\"%d\" failures=\"%d\" errors=\"0\" time=\"%.3f\">\n", n,
		failures, secs);
	fprintf(f, "  <testsuite name=\"");
	xml_escape(f, c->src->dir);
	fprintf(f, "\" tests=\"%d\" failures=\"%d\" errors=\"0\" skipped=\"0\" time=\"%.3f\">\n", n, failures, secs);
	cJSON_ArrayForEach(o, cases) {
		const char *verdict = cJSON_GetObjectItem(o, "verdict")->valuestring;
		const char *text = cJSON_GetObjectItem(o, "text")->valuestring;

		fprintf(f, "    <testcase classname=\"strata.migrations\" name=\"");
		xml_escape(f, cJSON_GetObjectItem(o, "name")->valuestring);
		fprintf(f, "\" file=\"");
		xml_escape(f, cJSON_GetObjectItem(o, "file")->valuestring);
		fprintf(f, "\" time=\"%.3f\"", cJSON_GetObjectItem(o, "time")->valuedouble);
		if (!strcmp(verdict, "ok")) {
			fprintf(f, "/>\n");
			continue;
		}
		fprintf(f, ">\n      <failure type=\"%s\" message=\"%s", verdict, verdict);
		if (*text) {
			const char *nl = strchr(text, '\n');
			char first[300];

			snprintf(first, sizeof(first), "%.*s", nl ? (int)(nl - text) : (int)strlen(text), text);
			fprintf(f, ": ");
			xml_escape(f, first);
		}
		fprintf(f, "\">");
		xml_escape(f, text);
		fprintf(f, "</failure>\n    </testcase>\n");
	}
	fprintf(f, "  </testsuite>\n</testsuites>\n");
	if (fclose(f)) {
		fprintf(stderr, "strata test: cannot write %s: %s\n", path, strerror(errno));
		return 2;
	}
	return 0;
}

/* FROM..TO, FROM.., ..TO or V alone into the versions (NULL: open). 0 or 2 (printed). */
static int parse_range(struct cli *c, const char *arg, struct strata_version *from, struct strata_version *to, int *have_from,
		       int *have_to)
{
	const char *dots = strstr(arg, "..");
	char a[300], b[300];

	*have_from = *have_to = 0;
	if (!dots) {
		snprintf(a, sizeof(a), "%s", arg);
		snprintf(b, sizeof(b), "%s", arg);
	} else {
		snprintf(a, sizeof(a), "%.*s", (int)(dots - arg), arg);
		snprintf(b, sizeof(b), "%s", dots + 2);
	}
	if (*a) {
		if (parse_version_arg(c, a, from)) {
			fprintf(stderr, "strata test: \"%s\" is not a version (FROM..TO: versions as the file names "
					"write them)\n", a);
			return 2;
		}
		*have_from = 1;
	}
	if (*b) {
		if (parse_version_arg(c, b, to)) {
			fprintf(stderr, "strata test: \"%s\" is not a version (FROM..TO: versions as the file names "
					"write them)\n", b);
			return 2;
		}
		*have_to = 1;
	}
	return 0;
}

/* strata test [FROM..TO] [--junit FILE] */
int cmd_test(struct cli *c)
{
	struct strata_scratch *s = NULL;
	struct strata_target *like = NULL;
	struct strata_test_opts to = { 0 };
	struct strata_test_summary sum;
	struct strata_version vfrom, vto;
	struct test_out t = { .c = c };
	struct strata_err err;
	const char *url = c->cfg.database && *c->cfg.database ? c->cfg.database
				: xo.scratch ? xo.scratch : c->cfg.scratch;
	char *setup = NULL;
	double t0;
	int rc, hf = 0, ht = 0;

	strata_err_clear(&err);
	if (c->nargs && (rc = parse_range(c, c->args[0], &vfrom, &vto, &hf, &ht)))
		return rc;
	if (!url || !*url) {
		fprintf(stderr, "strata test: give the database with -d URL, DATABASE_URL or database= in strata.ini "
				"(or a server with --scratch URL): the scratch database is made on its server (SQLite: "
				"in memory; -d sqlite:any.db names the engine)\n");
		return 2;
	}
	rc = strata_target_parse(url, &like, &err);
	if (rc)
		return out_error_release(c, rc, &err);
	/* every script read as the engine will, before anything runs */
	rc = strata_source_check_target(c->src, like, &err);
	if (rc) {
		strata_target_free(like);
		return out_error_release(c, rc, &err);
	}
	rc = open_scratch(c, like, &s, &setup);
	if (rc) {
		strata_target_free(like);
		return rc;
	}
	if (c->json)
		t.json = cJSON_CreateArray();
	if (xo.junit)
		t.cases = cJSON_CreateArray();
	to.from = hf ? &vfrom : NULL;
	to.to = ht ? &vto : NULL;
	to.on_result = on_result;
	to.ud = &t;
	to.jobs = xo.parallel ? xo.parallel : 2;
	to.data = xo.data;
	t0 = now_seconds();
	rc = strata_test(s, c->src, &to, &sum, &err);
	if (rc) {
		cJSON_Delete(t.json);
		t.json = NULL;
		rc = out_error_release(c, rc, &err);
		goto out;
	}
	if (xo.junit && (rc = write_junit(c, xo.junit, t.cases, now_seconds() - t0)))
		goto out;
	if (t.json) {
		rc = out_json(c, t.json) ? 1 : 0;
		t.json = NULL;
	}
	if (!c->quiet && !c->json) {
		fprintf(stderr, "strata: tested %zu migration%s in %.1f s: %s%zu reported%s", sum.tested,
			sum.tested == 1 ? "" : "s", now_seconds() - t0, col(c, sum.reported ? "31" : "32"),
			sum.reported, col(c, "0"));
		if (sum.rebuilds)
			fprintf(stderr, " (scratch rebuilt %zu time%s to go on)", sum.rebuilds, sum.rebuilds == 1 ? "" : "s");
		if (sum.untested)
			fprintf(stderr, "; %zu not tested after an up that failed", sum.untested);
		fprintf(stderr, "\n");
	}
	if (!c->quiet && c->verbose) {
		fprintf(stderr, "strata: %.1f s running migrations, %.1f s reading schemas (summed over the scratch "
				"databases)\n", sum.run_ms / 1000.0, sum.read_ms / 1000.0);
	}
	if (!rc && (sum.reported || sum.untested))
		rc = 1;
out:
	cJSON_Delete(t.json);
	cJSON_Delete(t.cases);
	rc = close_scratch(c, s, rc);
	strata_target_free(like);
	free(setup);
	return rc;
}
