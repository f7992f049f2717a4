/*
 * cmd_fleet.c - running a command over a fleet of targets (a glob of SQLite
 * files, --targets FILE, --schemas PATTERN): one worker per job, a progress
 * line when stdout and stderr are terminals, else a line per target on
 * stdout (a log gets every target, whatever stderr is), a summary that names
 * every failed target with its first error, and --json as a stream of one
 * object per target, so memory stays flat however many targets there are.
 */
#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"
#include "hints.h"

/* What the fleet's own options set (which targets it is, --targets and --schemas, is the CLI's: c->). */
static struct {
	int jobs, fail_fast; /* -j N, --fail-fast */
	int canary;          /* --canary N */
} fo_cli;

const struct cli_option fleet_options[] = {
	{ .longname = "targets", .kind = OPT_STRING, .value = &cli.targets_file, .arg = "FILE",
	  .help = "fleet: one database URL per line (# comments; - for stdin)" },
	{ .longname = "schemas", .kind = OPT_STRING, .value = &cli.schemas, .arg = "PATTERN",
	  .help = "fleet: every schema of the -d PostgreSQL database matching PATTERN" },
	{ .shortname = "j", .longname = "jobs", .kind = OPT_INT, .value = &fo_cli.jobs, .lo = 1, .hi = 100000,
	  .bad = "--%s: \"%s\" is not a positive number", .arg = "N",
	  .help = "fleet: targets migrated in parallel (default: number of cores)" },
	{ .longname = "fail-fast", .kind = OPT_FLAG, .value = &fo_cli.fail_fast,
	  .help = "fleet: start no more targets after one failed" },
	{ .longname = "canary", .kind = OPT_INT, .value = &fo_cli.canary, .lo = 1, .hi = 100000,
	  .bad = "--%s: \"%s\" is not a positive number", .arg = "N",
	  .help = "fleet: migrate N targets first, stop if one of them fails" },
	{ 0 },
};

struct fleet_cli {
	struct cli *c;
	struct strata_request req;
	int progress;            /* a terminal: one progress line */
	double t0;
	size_t done, failed, changed;
	char **failures;         /* "target: error" of each failed target */
	size_t nfailures;
	int first_rc;
	int json_first;
	size_t uptodate, pending, problems; /* status/validate/version */
};

static const struct strata_source empty_source;

static double now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1000.0 + (double)ts.tv_nsec / 1e6;
}

static int work(struct strata_db *db, struct strata_fleet_item *item, void *ud)
{
	struct fleet_cli *f = ud;
	struct cli *c = f->c;
	const struct strata_source *src = c->src ? c->src : &empty_source;
	struct strata_status *st;
	struct strata_run_result res;
	int rc;

	if (c->cmd->flags & REPORTS_VERSION) {
		struct strata_version v;
		int partial;

		rc = strata_version_get(db, &v, &item->have_current, &partial, &item->err);
		if (!rc && item->have_current)
			snprintf(item->current, sizeof(item->current), "%s", vtext_of(c, &v));
		return rc;
	}
	if (c->cmd->flags & REPORTS_STATE) {
		rc = strata_status_get(db, src, &st, &item->err);
		if (rc)
			return rc;
		item->npending = st->npending;
		item->napplied = st->napplied;
		item->nproblems = st->nmodified + st->nmissing + st->npartial;
		if (c->cmd->flags & VALIDATES) {
			size_t i;

			for (i = 0; i < st->n; i++)
				item->nproblems += st->rows[i].out_of_order;
		}
		item->have_current = st->have_current;
		if (st->have_current)
			snprintf(item->current, sizeof(item->current), "%s", st->current_vtext);
		strata_status_free(st);
		if ((c->cmd->flags & VALIDATES) && item->nproblems)
			return strata_err_set(&item->err, STRATA_EHISTORY, "%zu applied migrations do not match their files",
					      item->nproblems);
		return 0;
	}
	rc = strata_run(db, src, &f->req, &res, &item->err);
	item->applied = res.applied;
	item->have_current = res.have_current;
	snprintf(item->current, sizeof(item->current), "%s", res.current);
	return rc;
}

/* The error on one line, whole (malloc'ed; NULL when out of memory). */
static char *one_line_error(const struct strata_err *err)
{
	struct cli_words w;
	size_t n;
	char *buf;

	cli_words(err, &w);
	n = strlen(err->file) + strlen(w.message) + 16;
	buf = malloc(n);
	if (!buf) {
		cli_words_release(&w);
		return NULL;
	}
	if (err->file[0] && err->line)
		snprintf(buf, n, "%s:%d: %s", err->file, err->line, w.message);
	else
		snprintf(buf, n, "%s", w.message);
	cli_words_release(&w);
	for (char *p = buf; *p; p++)
		if (*p == '\n')
			*p = ' ';
	return buf;
}

static void json_item(struct fleet_cli *f, const struct strata_fleet_item *it)
{
	cJSON *o = cJSON_CreateObject();
	char *text;

	cJSON_AddStringToObject(o, "target", it->target->display);
	/* a state command's target is current only when nothing is pending and nothing is wrong */
	cJSON_AddStringToObject(o, "status", it->rc ? "failed" : it->applied ? "migrated"
						 : (f->c->cmd->flags & REPORTS_STATE) && it->nproblems ? "problems"
						 : (f->c->cmd->flags & REPORTS_STATE) && it->npending ? "pending" : "current");
	cJSON_AddNumberToObject(o, "applied", (double)it->applied);
	if (it->have_current)
		cJSON_AddStringToObject(o, "version", it->current);
	else
		cJSON_AddNullToObject(o, "version");
	if (f->c->cmd->flags & REPORTS_STATE) {
		cJSON_AddNumberToObject(o, "pending", (double)it->npending);
		cJSON_AddNumberToObject(o, "problems", (double)it->nproblems);
	}
	cJSON_AddNumberToObject(o, "duration_ms", (double)(long long)it->ms); /* as every command names it */
	cJSON_AddNumberToObject(o, "ms", (double)(long long)it->ms);          /* its older name */
	if (it->rc)
		cJSON_AddItemToObject(o, "error", (cJSON *)json_error(f->c, it->rc, &it->err));
	text = cJSON_PrintUnformatted(o);
	if (text)
		printf("%s\n    %s", f->json_first ? "" : ",", text);
	f->json_first = 0;
	free(text);
	cJSON_Delete(o);
}

/*
 * The fleet's document when it failed: one error object at its top, as
 * every command's (each failed target keeps its own in its item).
 */
static void json_fleet_error(struct fleet_cli *f, int rc, const struct strata_err *err,
			     const struct strata_fleet_summary *sum)
{
	cJSON *e;
	char *text, msg[200];

	if (rc) {
		e = json_error(f->c, rc, err);
	} else {
		e = cJSON_CreateObject();
		cJSON_AddStringToObject(e, "code", f->first_rc ? code_name(f->first_rc) : "error");
		cJSON_AddNumberToObject(e, "exit_code", f->first_rc ? strata_exit_code(f->first_rc) : 1);
		if (sum->failed)
			snprintf(msg, sizeof(msg), "%zu of %zu targets failed", sum->failed, sum->total);
		else
			snprintf(msg, sizeof(msg), "%zu of %zu targets not started", sum->not_started, sum->total);
		cJSON_AddStringToObject(e, "message", msg);
	}
	text = cJSON_PrintUnformatted(e);
	if (text)
		printf(",\n  \"error\": %s", text);
	free(text);
	cJSON_Delete(e);
}

/* Called under the fleet's lock, one target at a time. */
static void done(const struct strata_fleet_item *it, void *ud)
{
	struct fleet_cli *f = ud;
	struct cli *c = f->c;
	char *line = NULL;
	const char *msg = "out of memory";

	f->done++;
	if (it->rc) {
		char **p;

		f->failed++;
		if (!f->first_rc)
			f->first_rc = it->rc;
		line = one_line_error(&it->err);
		if (line)
			msg = line;
		p = realloc(f->failures, (f->nfailures + 1) * sizeof(*p));
		if (p) {
			f->failures = p;
			p[f->nfailures] = malloc(strlen(it->target->display) + strlen(msg) + 3);
			if (p[f->nfailures])
				sprintf(p[f->nfailures++], "%s: %s", it->target->display, msg);
		}
	} else if (it->applied) {
		f->changed++;
	}
	if (!it->rc && !f->req.action) {
		if (it->nproblems)
			f->problems++;
		else if (it->npending)
			f->pending++;
		else
			f->uptodate++;
	}
	if (c->json) {
		json_item(f, it);
		goto out;
	}
	if (f->progress) {
		double secs = (now_ms() - f->t0) / 1000.0;

		if (it->rc)
			fprintf(stderr, "\r\033[K  %sFAIL%s %s: %s\n", col(c, "31;1"), col(c, "0"), it->target->display, msg);
		fprintf(stderr, "\r\033[K  %zu done, %zu failed, %.0f targets/s", f->done, f->failed,
			secs > 0 ? (double)f->done / secs : 0.0);
		fflush(stderr);
		goto out;
	}
	if (c->quiet && !it->rc)
		goto out;
	if (it->rc) {
		/* in the log with the other targets' lines, in order; the summary on stderr names it again */
		printf("  %sFAIL%s %s: %s\n", col(c, "31;1"), col(c, "0"), it->target->display, msg);
		fflush(stdout);
		goto out;
	}
	if (c->cmd->flags & REPORTS_STATE)
		printf("  %-4s %s: %s%s, %zu applied, %zu pending%s\n", it->nproblems ? "!!" : "ok", it->target->display,
		       it->have_current ? "at " : "nothing applied", it->have_current ? it->current : "", it->napplied,
		       it->npending, it->nproblems ? " (modified, missing or partial migrations)" : "");
	else if (c->cmd->flags & REPORTS_VERSION)
		printf("%s %s\n", it->target->display, it->have_current ? it->current : "-");
	else
		printf("  %-4s %s: %s%zu run, %s%s (%.0f ms)\n", it->applied ? "ok" : "--", it->target->display,
		       it->applied ? "" : "already current; ", it->applied, it->have_current ? "at " : "at no version",
		       it->have_current ? it->current : "", it->ms);
	fflush(stdout);
out:
	free(line);
}

int cmd_fleet(struct cli *c, const struct strata_request *req)
{
	struct fleet_cli f;
	struct strata_fleet_opts fo;
	struct strata_fleet_summary sum;
	struct strata_targets *ts;
	struct strata_err err;
	size_t i;
	int rc;

	memset(&f, 0, sizeof(f));
	f.c = c;
	if (req)
		f.req = *req;
	/* a progress line only when both are terminals: a log on stdout gets a line per target */
	f.progress = !c->json && !c->quiet && isatty(STDERR_FILENO) && isatty(STDOUT_FILENO);
	f.json_first = 1;
	strata_err_clear(&err);
	rc = strata_targets_open(c->cfg.database, c->targets_file, c->schemas, &ts, &err);
	if (rc)
		return out_error_release(c, rc, &err);
	memset(&fo, 0, sizeof(fo));
	fo.jobs = fo_cli.jobs;
	fo.fail_fast = fo_cli.fail_fast;
	fo.canary = (size_t)fo_cli.canary;
	fo.db_opts = &c->opts;
	if (c->json) {
		printf("{\n  \"targets\": [");
		c->json_done = 1; /* a failure of the whole run is the document's "error", after its summary */
	}
	f.t0 = now_ms();
	rc = strata_fleet_run(ts, &fo, work, done, &f, &sum, &err);
	strata_targets_close(ts);
	if (f.progress)
		fprintf(stderr, "\r\033[K");
	if (c->json) {
		printf("\n  ],\n  \"summary\": {\"targets\": %zu, \"done\": %zu, \"changed\": %zu, \"current\": %zu, "
		       "\"failed\": %zu, \"not_started\": %zu, \"canary_failed\": %s, \"duration_ms\": %.0f, "
		       "\"ms\": %.0f",
		       sum.total, sum.done, sum.changed,
		       f.req.action ? sum.done - sum.failed - sum.changed : f.uptodate, /* state: nothing pending */
		       sum.failed, sum.not_started, sum.canary_failed ? "true" : "false", sum.ms, sum.ms);
		if (!f.req.action && (c->cmd->flags & REPORTS_STATE))
			printf(", \"pending\": %zu, \"problems\": %zu", f.pending, f.problems);
		printf("}");
		if (rc || sum.failed || sum.not_started)
			json_fleet_error(&f, rc, &err, &sum);
		printf("\n}\n");
	} else if (!c->quiet || sum.failed) {
		if (f.req.action)
			fprintf(stderr, "strata: %zu target%s in %.1f s: %zu changed, %zu already current, %zu failed",
				sum.total, sum.total == 1 ? "" : "s", sum.ms / 1000.0, sum.changed,
				sum.done - sum.failed - sum.changed, sum.failed);
		else
			fprintf(stderr, "strata: %zu target%s in %.1f s: %zu up to date, %zu with pending migrations, "
				"%zu with problems, %zu failed",
				sum.total, sum.total == 1 ? "" : "s", sum.ms / 1000.0, f.uptodate, f.pending, f.problems,
				sum.failed);
		if (sum.not_started)
			fprintf(stderr, ", %zu not started (%s)", sum.not_started,
				sum.canary_failed ? "a canary failed" : "--fail-fast");
		fprintf(stderr, "\n");
		for (i = 0; i < f.nfailures; i++)
			fprintf(stderr, "  %sFAIL%s %s\n", col(c, "31;1"), col(c, "0"), f.failures[i]);
	}
	for (i = 0; i < f.nfailures; i++)
		free(f.failures[i]);
	free(f.failures);
	if (rc)
		return out_error_release(c, rc, &err);
	if (sum.failed || sum.not_started)
		return f.first_rc ? strata_exit_code(f.first_rc) : 1;
	return 0;
}
