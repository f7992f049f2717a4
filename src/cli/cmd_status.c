/*
 * cmd_status.c - the commands that only look: status, version, validate,
 * history, their rows and their options. They open the database read-only (a missing SQLite file is an error, never
 * a new file) and never create the tracking table. goose Go migrations are
 * listed as what they are: migrations strata cannot run.
 */
#include <cjson/cJSON.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "hints.h"

static const struct strata_source empty_source;

/* What these commands' own options set. */
static struct {
	int exit_code; /* status --exit-code (dbmate): exit 1 when something is pending */
	int limit;     /* history --limit N, 0: all */
} so;

const struct cli_option status_options[] = {
	{ .longname = "exit-code", .kind = OPT_FLAG, .value = &so.exit_code,
	  .help = "with status: exit 1 when a migration is pending (dbmate's, for CI)" },
	{ 0 },
};

const struct cli_option history_options[] = {
	{ .longname = "limit", .kind = OPT_INT, .value = &so.limit, .lo = 1, .hi = 1000000000L,
	  .bad = "--%s: \"%s\" is not a positive number", .arg = "N",
	  .help = "with history: only the last N entries" },
	{ 0 },
};

static const struct cli_option *const status_tables[] = {
	target_options, source_options, config_options, table_options, fleet_options, json_options,
	output_options, status_options, NULL,
};
static const struct cli_option *const version_tables[] = {
	target_options, config_options, table_options, fleet_options, json_options, output_options, NULL,
};
static const struct cli_option *const validate_tables[] = {
	target_options, source_options, config_options, table_options, fleet_options, json_options,
	output_options, NULL,
};
static const struct cli_option *const history_tables[] = {
	target_options, config_options, table_options, history_options, json_options, output_options, NULL,
};

const struct command status_command = {
	"status", cmd_status, NEED_SOURCE | NEED_DB | READ_ONLY | FLEET | UPS_ONLY | REPORTS_STATE, "",
	"list every migration: applied, pending, modified, missing, partial",
	"strata status\nstrata status --json\nstrata status --exit-code   # CI: exit 1 while pending", NULL, NULL,
	NULL, status_tables, NULL,
};
const struct command version_command = {
	"version", cmd_version, NEED_DB | READ_ONLY | FLEET | MAYBE_SOURCE | REPORTS_VERSION, "",
	"print the current version alone (from the database only)",
	"strata version\nstrata -d sqlite:app.db version --json", NULL, NULL, NULL, version_tables, NULL,
};
const struct command validate_command = {
	"validate", cmd_validate, NEED_SOURCE | WANT_DB | READ_ONLY | FLEET | REPORTS_STATE | VALIDATES, "",
	"check the files (and, with a database, the checksums)",
	"strata -p migrations validate\nstrata -d sqlite:app.db validate", NULL, NULL, NULL, validate_tables, NULL,
};
const struct command history_command = {
	"history", cmd_history, NEED_DB | READ_ONLY | MAYBE_SOURCE, "",
	"print the log of every up, down, force, baseline, accept",
	"strata history\nstrata history --limit 10\nstrata history --json", NULL, NULL, NULL, history_tables,
	"--limit",
};

static const struct strata_source *source_or_empty(struct cli *c)
{
	return c->src ? c->src : &empty_source;
}

static const char *state_colour(enum strata_state s)
{
	switch (s) {
	case STRATA_APPLIED: return "32";
	case STRATA_PENDING: return "33";
	default: return "31";
	}
}

/*
 * Nothing recorded by strata: is another tool's table here? Says so on
 * stderr (which tool, what it says is applied, what to do) and returns 1.
 */
static int other_tool(struct cli *c, const struct strata_status *st, struct strata_other_tool *o)
{
	struct strata_err err;
	char msg[700], hint[512];

	if (st->napplied || st->npartial)
		return 0;
	strata_err_clear(&err);
	if (strata_other_tool_find(c->db, o, &err) != 1)
		return 0;
	strata_other_tool_with_source(o, c->src);
	if (!c->quiet || (c->cmd->flags & VALIDATES)) {
		strata_other_tool_explain(o, msg, sizeof(msg), hint, sizeof(hint));
		fprintf(stderr, "strata: %s; strata records nothing here yet, so `strata up` refuses to run\n  HINT: %s\n",
			msg, hint);
	}
	return 1;
}


/*
 * How each applied row got there, from the history log (the tracking row
 * does not say): the last entry for its version that recorded it. "up" for
 * a run, else "baseline", "force" or "adopt" (recorded, never run here);
 * NULL when the log says nothing (an older log, or another tool's rows).
 * how[] has st->n slots; the log rows are the caller's to free.
 */
struct vidx {
	const char *v;
	size_t row;
};

static int vidx_cmp(const void *a, const void *b)
{
	return strcmp(((const struct vidx *)a)->v, ((const struct vidx *)b)->v);
}

static void recorded_how(struct cli *c, const struct strata_status *st, const char **how)
{
	struct strata_log_row *log;
	struct strata_err err;
	struct vidx *ix;
	size_t i, n;

	for (i = 0; i < st->n; i++)
		how[i] = NULL;
	strata_err_clear(&err);
	if (!st->n || strata_log_get(c->db, &log, &n, &err)) {
		strata_err_release(&err); /* no log to read: nothing to add, status says the rest */
		return;
	}
	ix = malloc(st->n * sizeof(*ix));
	if (ix) {
		for (i = 0; i < st->n; i++) {
			ix[i].v = st->rows[i].version.d;
			ix[i].row = i;
		}
		qsort(ix, st->n, sizeof(*ix), vidx_cmp);
		for (i = 0; i < n; i++) {
			struct vidx key = { log[i].version.d, 0 }, *hit;
			const char *a = log[i].action;

			if (!log[i].has_version || strncmp(log[i].result, "ok", 2) != 0 || !strcmp(a, "accept"))
				continue;
			hit = bsearch(&key, ix, st->n, sizeof(*ix), vidx_cmp);
			if (!hit)
				continue;
			/* the last word wins: an up after a force ran it; a force that unrecorded is followed by its record */
			how[hit->row] = !strcmp(a, "baseline") ? "baseline" : !strcmp(a, "force") ? "force"
				       : !strcmp(a, "adopt") ? "adopt" : "up";
		}
		free(ix);
	}
	strata_log_free(log, n);
}

/* The state as status shows it: an applied row that was only recorded says how. */
/* validate's sentence for a migration strata cannot run. */
static void foreign_msg(char *msg, size_t n, const struct strata_migration *m)
{
	const char *runner, *kind = strata_migration_foreign(m, &runner);

	if (!strcmp(runner, "goose"))
		snprintf(msg, n, "%s: Go migration: strata cannot run it; `strata up` stops before it "
			 "(run it with goose, then `strata baseline %s`)", m->up_file, m->vtext);
	else
		snprintf(msg, n, "%s: %s: strata cannot run it; `strata up` stops before it (run it with %s, then "
			 "`strata baseline %s`)", m->up_file, kind, runner, m->vtext);
}

/* The tail of a status line for a migration strata cannot run: goose's Go, Flyway's Java, pop's fizz. */
static void foreign_line(const struct strata_status_row *r)
{
	const char *runner, *kind = strata_migration_foreign(r->mig, &runner);

	if (!strcmp(runner, "goose"))
		printf(r->state == STRATA_PENDING ? "  Go migration: strata cannot run it (run it with goose, "
						    "then `strata baseline %s`)"
						  : "  Go migration (run by goose)",
		       r->vtext);
	else if (r->state == STRATA_PENDING)
		printf("  %s: strata cannot run it (run it with %s, then `strata baseline %s`)", kind, runner, r->vtext);
	else
		printf("  %s (run by %s)", kind, runner);
}

static const char *shown_state(const struct strata_status_row *r, const char *how)
{
	if (r->state == STRATA_MODIFIED && strata_migration_repeatable(r->mig))
		return "repeatable, changed"; /* up runs it again, as Flyway does */
	if (r->state == STRATA_PENDING && strata_migration_repeatable(r->mig))
		return "repeatable, pending";
	if (r->state != STRATA_APPLIED || !how || !strcmp(how, "up"))
		return strata_state_name(r->state);
	return !strcmp(how, "baseline") ? "baselined" : !strcmp(how, "force") ? "forced" : "adopted";
}

/* Applied rows that match their files: napplied counts modified and missing ones too. */
static size_t plain_applied(const struct strata_status *st)
{
	return st->napplied - st->nmodified - st->nmissing;
}

/* A tool's own layout (Prisma Migrate, Drizzle Kit): what the directory says, for status --json. */
static void layout_json(cJSON *root, const struct strata_source *src)
{
	cJSON *l, *w;
	size_t i;

	if (!src || (src->layout != STRATA_LAYOUT_PRISMA && src->layout != STRATA_LAYOUT_DRIZZLE))
		return;
	l = cJSON_AddObjectToObject(root, "layout");
	cJSON_AddStringToObject(l, "tool", src->layout == STRATA_LAYOUT_PRISMA ? "prisma" : "drizzle");
	if (src->provider) {
		cJSON_AddStringToObject(l, "provider", src->provider);
		cJSON_AddStringToObject(l, "provider_file", src->provider_file);
	} else {
		cJSON_AddNullToObject(l, "provider");
	}
	w = cJSON_AddArrayToObject(l, "skipped"); /* Drizzle: .sql files the journal does not list */
	for (i = 0; i < src->nwarnings; i++)
		cJSON_AddItemToArray(w, cJSON_CreateString(src->warnings[i]));
}

/* A migration's facts in its tool's layout: Prisma's directory and checksum, Drizzle's journal entry. */
static void migration_layout_json(cJSON *o, const struct strata_migration *m)
{
	cJSON *j;

	if (!m || !m->tool_name)
		return;
	if (m->layout == STRATA_LAYOUT_PRISMA) {
		j = cJSON_AddObjectToObject(o, "prisma");
		cJSON_AddStringToObject(j, "directory", m->tool_name);
		cJSON_AddStringToObject(j, "checksum", m->tool_sum);
		cJSON_AddBoolToObject(j, "down_sql", m->down_file != NULL);
	} else if (m->layout == STRATA_LAYOUT_DRIZZLE) {
		j = cJSON_AddObjectToObject(o, "journal");
		cJSON_AddNumberToObject(j, "idx", m->journal_idx);
		cJSON_AddStringToObject(j, "tag", m->tool_name);
		cJSON_AddNumberToObject(j, "when", (double)m->journal_when);
		cJSON_AddBoolToObject(j, "breakpoints", m->journal_breakpoints);
		cJSON_AddStringToObject(j, "hash", m->tool_sum);
	}
}

/* Facts of Flyway's and pop's layouts for status --json: repeatables, checksums, transactions. */
static void layout_facts(struct cli *c, const struct strata_status_row *r, cJSON *o)
{
	const struct strata_migration *m = r->mig;

	(void)c;
	if (!m)
		return;
	if (m->layout == STRATA_LAYOUT_FLYWAY || m->layout == STRATA_LAYOUT_REPEATABLE) {
		cJSON_AddStringToObject(o, "layout", m->layout == STRATA_LAYOUT_FLYWAY ? "flyway" : "flyway_repeatable");
		if (m->has_flyway_checksum)
			cJSON_AddNumberToObject(o, "flyway_checksum", (double)m->flyway_checksum);
		if (m->layout == STRATA_LAYOUT_REPEATABLE) {
			cJSON_AddBoolToObject(o, "repeatable", 1);
			cJSON_AddStringToObject(o, "checksum", m->checksum);
			if (r->checksum)
				cJSON_AddStringToObject(o, "recorded_checksum", r->checksum);
			cJSON_AddBoolToObject(o, "changed", r->state == STRATA_MODIFIED);
		}
	} else if (m->layout == STRATA_LAYOUT_POP) {
		cJSON_AddStringToObject(o, "layout", "pop");
		cJSON_AddBoolToObject(o, "autocommit", m->no_transaction);
	}
}

static int status_json(struct cli *c, const struct strata_status *st, const char **how)
{
	cJSON *root = cJSON_CreateObject(), *arr, *counts;
	size_t i;

	cJSON_AddStringToObject(root, "database", c->target->display);
	/* version, as every command names where the database stands; current, its older name */
	if (st->have_current) {
		cJSON_AddStringToObject(root, "version", st->current_vtext);
		cJSON_AddStringToObject(root, "current", st->current_vtext);
	} else {
		cJSON_AddNullToObject(root, "version");
		cJSON_AddNullToObject(root, "current");
	}
	if (c->src && c->src->pop_dialect) {
		cJSON *l = cJSON_AddObjectToObject(root, "layout");

		cJSON_AddStringToObject(l, "name", "pop");
		cJSON_AddStringToObject(l, "dialect", c->src->pop_dialect); /* whose files were chosen */
	} else if (c->src && c->src->n && (c->src->m[0].layout == STRATA_LAYOUT_FLYWAY ||
					   c->src->m[c->src->n - 1].layout == STRATA_LAYOUT_REPEATABLE)) {
		cJSON *l = cJSON_AddObjectToObject(root, "layout");

		cJSON_AddStringToObject(l, "name", "flyway");
		cJSON_AddBoolToObject(l, "placeholders", c->src->placeholders);
	}
	counts = cJSON_AddObjectToObject(root, "counts");
	/* each row counted once: applied, pending, modified, missing and partial add up to the rows */
	cJSON_AddNumberToObject(counts, "applied", (double)plain_applied(st));
	cJSON_AddNumberToObject(counts, "pending", (double)st->npending);
	cJSON_AddNumberToObject(counts, "modified", (double)st->nmodified);
	cJSON_AddNumberToObject(counts, "missing", (double)st->nmissing);
	cJSON_AddNumberToObject(counts, "partial", (double)st->npartial);
	{
		struct strata_other_tool o;
		int quiet = c->quiet;

		c->quiet = 1;
		if (other_tool(c, st, &o)) {
			cJSON *ot = cJSON_AddObjectToObject(root, "other_tool");

			cJSON_AddStringToObject(ot, "tool", o.tool);
			cJSON_AddStringToObject(ot, "table", o.table);
			if (o.version[0])
				cJSON_AddStringToObject(ot, "version", o.version);
			else
				cJSON_AddNullToObject(ot, "version");
			cJSON_AddBoolToObject(ot, "dirty", o.dirty);
			cJSON_AddBoolToObject(ot, "adoptable", o.adoptable);
		}
		c->quiet = quiet;
	}
	layout_json(root, c->src);
	arr = cJSON_AddArrayToObject(root, "migrations");
	for (i = 0; i < st->n; i++) {
		const struct strata_status_row *r = &st->rows[i];
		cJSON *o = cJSON_CreateObject();

		cJSON_AddStringToObject(o, "version", r->vtext);
		cJSON_AddStringToObject(o, "name", r->name);
		cJSON_AddStringToObject(o, "state", strata_state_name(r->state));
		if (r->mig)
			cJSON_AddStringToObject(o, "file", r->mig->up_file);
		if (r->applied_at) {
			char iso[32];

			cJSON_AddStringToObject(o, "applied_at", iso_utc(r->applied_at, iso, sizeof(iso)));
			cJSON_AddStringToObject(o, "applied_by", r->applied_by);
			cJSON_AddNumberToObject(o, "duration_ms", r->duration_ms);
			if (how[i])
				cJSON_AddStringToObject(o, "recorded_by", how[i]); /* up, baseline, force, adopt */
		}
		if (r->state == STRATA_PARTIAL)
			cJSON_AddNumberToObject(o, "statements_done", r->stmts_done);
		else if (r->stmts_done > 0)
			cJSON_AddNumberToObject(o, "down_statements_done", r->stmts_done);
		if (r->out_of_order)
			cJSON_AddBoolToObject(o, "out_of_order", 1);
		if (r->mig && r->mig->layout == STRATA_LAYOUT_GO)
			cJSON_AddBoolToObject(o, "go_migration", 1);
		migration_layout_json(o, r->mig);
		layout_facts(c, r, o);
		cJSON_AddItemToArray(arr, o);
	}
	return out_json(c, root);
}

int cmd_status(struct cli *c)
{
	struct strata_status *st;
	struct strata_err err;
	const char **how;
	size_t i, nbase = 0, nforced = 0, nadopted = 0;
	int rc, vw = 7, nw = 4, sw = 5;

	if (c->fleet)
		return cmd_fleet(c, NULL);

	strata_err_clear(&err);
	rc = strata_status_get(c->db, source_or_empty(c), &st, &err);
	if (rc)
		return out_error_release(c, rc, &err);
	how = calloc(st->n ? st->n : 1, sizeof(*how));
	if (!how) {
		strata_status_free(st);
		fprintf(stderr, "strata: out of memory\n");
		return 1;
	}
	recorded_how(c, st, how);
	if (c->json) {
		rc = status_json(c, st, how);
		if (!rc && so.exit_code && st->npending)
			rc = 1;
		free(how);
		strata_status_free(st);
		return rc;
	}
	/* every column as wide as its widest cell, names of missing files included */
	for (i = 0; i < st->n; i++) {
		const struct strata_status_row *r = &st->rows[i];

		if ((int)strlen(r->vtext) > vw)
			vw = (int)strlen(r->vtext);
		if ((int)strlen(r->name) > nw)
			nw = (int)strlen(r->name);
		if ((int)strlen(shown_state(r, how[i])) > sw)
			sw = (int)strlen(shown_state(r, how[i]));
	}
	printf("%-*s  %-*s  %-*s  %s\n", vw, "version", nw, "name", sw, "state", "applied (UTC)");
	for (i = 0; i < st->n; i++) {
		const struct strata_status_row *r = &st->rows[i];
		/* the last column may be empty: no padding after the state then */
		int tail = r->applied_at || r->state == STRATA_PARTIAL || r->out_of_order || r->state == STRATA_MODIFIED ||
			   (r->mig && r->mig->layout == STRATA_LAYOUT_GO);

		printf("%-*s  %-*s  %s%-*s%s", vw, r->vtext, nw, r->name, col(c, state_colour(r->state)),
		       tail ? sw : 0, shown_state(r, how[i]), col(c, "0"));
		if (r->applied_at && (!how[i] || !strcmp(how[i], "up"))) {
			char took[48];

			format_ms(took, sizeof(took), r->duration_ms);
			printf("  %.16s (%s, %s)", r->applied_at, took, r->applied_by);
		} else if (r->applied_at)
			printf("  %.16s (recorded by `strata %s`, not run by strata; %s)", r->applied_at, how[i],
			       r->applied_by);
		if (r->state == STRATA_PARTIAL)
			printf("  %d statement%s done", r->stmts_done, r->stmts_done == 1 ? "" : "s");
		else if (r->stmts_done > 0)
			printf("  down stopped after statement %d (`strata down` resumes at %d)", r->stmts_done,
			       r->stmts_done + 1);
		if (r->out_of_order)
			printf("  (older than the newest applied)");
		if (r->state == STRATA_MODIFIED && r->recorded_name)
			printf("  applied as `%s`: another migration?", r->recorded_name);
		else if (r->state == STRATA_MODIFIED && strata_migration_repeatable(r->mig))
			printf("  file changed since it ran: `strata up` runs it again");
		else if (r->state == STRATA_MODIFIED)
			printf("  file changed since applied (`strata accept %s` records it)", r->vtext);
		if (r->mig && r->mig->layout == STRATA_LAYOUT_GO)
			foreign_line(r);
		printf("\n");
		if (r->state == STRATA_APPLIED && how[i]) {
			nbase += !strcmp(how[i], "baseline");
			nforced += !strcmp(how[i], "force");
			nadopted += !strcmp(how[i], "adopt");
		}
	}
	/* each row counted once: the applied ones that match their files, then the rest */
	printf("\n%zu applied", plain_applied(st));
	if (nbase || nforced || nadopted) {
		const char *sep = " (";

		if (nbase)
			printf("%s%zu baselined", sep, nbase), sep = ", ";
		if (nforced)
			printf("%s%zu forced", sep, nforced), sep = ", ";
		if (nadopted)
			printf("%s%zu adopted", sep, nadopted);
		printf(")");
	}
	printf(", %zu pending", st->npending);
	if (st->nmodified)
		printf(", %zu modified", st->nmodified);
	if (st->nmissing)
		printf(", %zu missing", st->nmissing);
	if (st->npartial)
		printf(", %zu partial", st->npartial);
	if (st->have_current)
		printf("; at %s\n", st->current_vtext);
	else
		printf("; nothing applied\n");
	{
		struct strata_other_tool o;

		fflush(stdout);
		other_tool(c, st, &o);
	}
	/* dbmate's status --exit-code: CI fails while something is pending */
	rc = so.exit_code && st->npending ? 1 : 0;
	free(how);
	strata_status_free(st);
	return rc;
}

int cmd_version(struct cli *c)
{
	struct strata_err err;
	struct strata_version v;
	int rc, have, partial;

	if (c->fleet)
		return cmd_fleet(c, NULL);

	strata_err_clear(&err);
	rc = strata_version_get(c->db, &v, &have, &partial, &err);
	if (rc)
		return out_error_release(c, rc, &err);
	if (have && strata_migration_repeatable(mig_of(c, &v))) {
		/* Flyway's repeatables are recorded above every version: where it stands is the newest versioned one */
		struct strata_status *st;

		if (strata_status_get(c->db, c->src, &st, &err))
			return out_error_release(c, err.code, &err);
		have = st->have_current;
		v = st->current;
		strata_status_free(st);
	}
	if (c->json) {
		cJSON *root = cJSON_CreateObject();

		if (have)
			cJSON_AddStringToObject(root, "version", vtext_of(c, &v)); /* a string, as the file name writes it */
		else
			cJSON_AddNullToObject(root, "version");
		cJSON_AddBoolToObject(root, "partial", partial);
		return out_json(c, root);
	}
	if (have && mig_of(c, &v) && mig_of(c, &v)->layout == STRATA_LAYOUT_FLYWAY)
		printf("%s%s\n", mig_of(c, &v)->vtext, partial ? " (partial)" : "");
	else if (have)
		printf("%s%s\n", v.d, partial ? " (partial)" : "");
	else if (!c->quiet)
		fprintf(stderr, "strata: no migration applied\n");
	return 0;
}

/*
 * validate's report. Each problem (what makes it fail) and each warning
 * (worth knowing, not wrong) is said on stderr as before and, with --json,
 * kept as {kind, file, line, version, message} for the document: file,
 * line and version are null when the finding has none.
 */
struct vreport {
	struct cli *c;
	cJSON *problems, *warnings; /* NULL without --json */
	size_t nbad;                /* problems found */
};

static void vkeep(cJSON *list, const char *kind, const char *file, int line, const char *version, const char *msg)
{
	cJSON *o;

	if (!list)
		return;
	o = cJSON_CreateObject();
	cJSON_AddStringToObject(o, "kind", kind);
	if (file && file[0])
		cJSON_AddStringToObject(o, "file", file);
	else
		cJSON_AddNullToObject(o, "file");
	if (line > 0)
		cJSON_AddNumberToObject(o, "line", line);
	else
		cJSON_AddNullToObject(o, "line");
	if (version)
		cJSON_AddStringToObject(o, "version", version);
	else
		cJSON_AddNullToObject(o, "version");
	cJSON_AddStringToObject(o, "message", msg);
	cJSON_AddItemToArray(list, o);
}

/* The file a library sentence names: it starts with it ("Skipped FILE: ...", "FILE is the down of ..."). */
static const char *sentence_file(const char *s, char *buf, size_t n)
{
	size_t k;

	if (!strncmp(s, "Skipped ", 8))
		s += 8;
	k = strcspn(s, ": ");
	if (!k || k >= n || !strstr(s, ".sql"))
		return NULL;
	memcpy(buf, s, k);
	buf[k] = '\0';
	return strstr(buf, ".sql") ? buf : NULL;
}

/* Say a problem on stderr (always: validate says what is wrong even with -q) and keep it. */
static void vproblem(struct vreport *v, const char *kind, const char *file, int line, const char *version,
		     const char *fmt, ...) __attribute__((format(printf, 6, 7)));
static void vproblem(struct vreport *v, const char *kind, const char *file, int line, const char *version,
		     const char *fmt, ...)
{
	char msg[2048];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	fprintf(stderr, "strata: %s\n", msg);
	v->nbad++;
	vkeep(v->problems, kind, file, line, version, msg);
}

/* Downs that roll back nothing, refuse to, or do not exist: worth knowing, not wrong. */
static void down_notes(struct vreport *v)
{
	struct cli *c = v->c;
	char why[700], msg[1200];
	size_t i, nodown = 0;

	for (i = 0; i < c->src->n; i++) {
		const struct strata_migration *m = &c->src->m[i];

		if (m->layout == STRATA_LAYOUT_GO)
			continue; /* its Down is in the .go file, which goose runs: said once above */
		if (strata_migration_repeatable(m))
			continue; /* run again when changed, never rolled back */
		switch (strata_down_kind_target(m, c->target, why, sizeof(why))) {
		case STRATA_DOWN_EMPTY:
			snprintf(msg, sizeof(msg), "%s %s: %s; rolling it back only removes the record", m->vtext, m->name,
				 why);
			break;
		case STRATA_DOWN_IRREVERSIBLE:
			snprintf(msg, sizeof(msg), "%s %s is irreversible: %s; down, goto and redo refuse it", m->vtext,
				 m->name, why);
			break;
		case STRATA_DOWN_NONE:
			snprintf(msg, sizeof(msg), "%s %s has no down script (%s); down, goto and redo refuse it", m->vtext,
				 m->name, why);
			if (m->layout == STRATA_LAYOUT_PRISMA || m->layout == STRATA_LAYOUT_DRIZZLE) {
				/* the tool writes no downs: said once for all of them, below */
				nodown++;
				vkeep(v->warnings, "down", m->up_file, m->up_line, m->vtext, msg);
				continue;
			}
			break;
		default:
			continue;
		}
		if (!c->quiet)
			fprintf(stderr, "strata: note: %s\n", msg);
		vkeep(v->warnings, "down", m->down_file ? m->down_file : m->up_file,
		      m->down_file ? m->down_line : m->up_line, m->vtext, msg);
	}
	if (nodown && !c->quiet)
		fprintf(stderr, "strata: note: %zu of the %zu migrations have no down script: %s has no down "
				"migrations%s; down, goto and redo refuse them\n",
			nodown, c->src->n, c->src->layout == STRATA_LAYOUT_PRISMA ? "Prisma Migrate" : "Drizzle Kit",
			c->src->layout == STRATA_LAYOUT_PRISMA ? " (a down.sql beside a migration.sql is its down)" : "");
}

/* validate's document, before its verdict: where, how many, what was found. */
static cJSON *vdoc(struct cli *c, struct vreport *v)
{
	cJSON *root = cJSON_CreateObject();

	if (c->target)
		cJSON_AddStringToObject(root, "database", c->target->display);
	else
		cJSON_AddNullToObject(root, "database");
	cJSON_AddStringToObject(root, "command", "validate");
	if (c->src)
		cJSON_AddStringToObject(root, "directory", c->src->dir);
	else
		cJSON_AddNullToObject(root, "directory");
	v->problems = cJSON_AddArrayToObject(root, "problems");
	v->warnings = cJSON_AddArrayToObject(root, "warnings");
	return root;
}

/* The verdict and, when invalid, the one error object; printed. */
static int vdoc_end(struct cli *c, cJSON *root, int rc, const struct strata_err *err)
{
	int n = cJSON_GetArraySize(cJSON_GetObjectItem(root, "problems"));

	cJSON_AddBoolToObject(root, "valid", n == 0 && !rc);
	if (rc) {
		cJSON_AddItemToObject(root, "error", (cJSON *)json_error(c, rc, err));
	} else if (n) {
		struct strata_err e;

		strata_err_clear(&e);
		strata_err_set(&e, STRATA_EHISTORY, "%d problem%s: %s", n, n == 1 ? "" : "s",
			       cJSON_GetObjectItem(cJSON_GetArrayItem(cJSON_GetObjectItem(root, "problems"), 0), "message")
				       ->valuestring);
		cJSON_AddItemToObject(root, "error", (cJSON *)json_error(c, STRATA_EHISTORY, &e));
		/* validate's own exit status: 1 for what does not match */
		cJSON_SetNumberValue(cJSON_GetObjectItem(cJSON_GetObjectItem(root, "error"), "exit_code"), 1);
		strata_err_release(&e);
	}
	return out_json(c, root);
}

void validate_json_error(struct cli *c, int rc, const struct strata_err *err)
{
	struct vreport v = { c, NULL, NULL, 0 };
	cJSON *root = vdoc(c, &v);
	struct cli_words w;

	if (err && err->message[0]) {
		cli_words(err, &w);
		vkeep(v.problems, code_name(rc), err->file, err->line, err->has_version ? vtext_of(c, &err->version) : NULL,
		      w.message && w.message[0] ? w.message : strata_strerror(rc));
		cli_words_release(&w);
	} else {
		vkeep(v.problems, code_name(rc), NULL, 0, NULL, strata_strerror(rc));
	}
	vdoc_end(c, root, rc, err);
}

int cmd_validate(struct cli *c)
{
	struct strata_status *st = NULL;
	struct strata_err err;
	struct vreport v = { c, NULL, NULL, 0 };
	cJSON *root = NULL;
	char msg[2048], fbuf[1024];
	size_t i;
	int rc;

	if (c->fleet)
		return cmd_fleet(c, NULL);

	strata_err_clear(&err);
	/* the scripts as the database would read them: what `up` refuses, validate refuses */
	rc = strata_source_check_target(c->src, c->target, &err);
	if (rc)
		return out_error_release(c, rc, &err); /* with --json: the document, this error its problem */
	if (c->json) {
		root = vdoc(c, &v);
		for (i = 0; i < c->src->nwarnings; i++) /* said on stderr as the files were read */
			vkeep(v.warnings, "skipped", sentence_file(c->src->warnings[i], fbuf, sizeof(fbuf)), 0, NULL,
			      c->src->warnings[i]);
	}
	for (i = 0; i < c->src->nnotes; i++) {
		if (!c->quiet)
			fprintf(stderr, "strata: note: %s\n", c->src->notes[i]);
		vkeep(v.warnings, "note", sentence_file(c->src->notes[i], fbuf, sizeof(fbuf)), 0, NULL, c->src->notes[i]);
	}
	for (i = 0; i < c->src->n && !c->db; i++)
		if (c->src->m[i].layout == STRATA_LAYOUT_GO) {
			foreign_msg(msg, sizeof(msg), &c->src->m[i]);
			if (!c->quiet)
				fprintf(stderr, "strata: %s\n", msg);
			vkeep(v.warnings, "go_migration", c->src->m[i].up_file, 0, c->src->m[i].vtext, msg);
		}
	down_notes(&v);
	for (i = 0; i < c->src->n; i++) {
		warn_empty_up(c, &c->src->m[i]);
		if (empty_up_said(&c->src->m[i], msg, sizeof(msg)))
			vkeep(v.warnings, "empty_up", c->src->m[i].up_file, c->src->m[i].up_line, c->src->m[i].vtext, msg);
	}
	if (!c->db) {
		if (root) {
			cJSON *counts = cJSON_AddObjectToObject(root, "counts");

			cJSON_AddNumberToObject(counts, "migrations", (double)c->src->n);
			return vdoc_end(c, root, 0, NULL);
		}
		if (!c->quiet)
			printf("strata: %zu migration%s in %s %s valid (no database given: checksums not compared)\n",
			       c->src->n, c->src->n == 1 ? "" : "s", c->src->dir, c->src->n == 1 ? "is" : "are");
		return 0;
	}
	strata_err_clear(&err);
	rc = strata_status_get(c->db, c->src, &st, &err);
	if (rc) {
		cJSON_Delete(root); /* the error's own document replaces it */
		return out_error_release(c, rc, &err);
	}
	for (i = 0; i < st->n; i++) {
		const struct strata_status_row *r = &st->rows[i];
		const char *file = r->mig ? r->mig->up_file : NULL;

		switch (r->state) {
		case STRATA_MODIFIED:
			if (strata_migration_repeatable(r->mig)) {
				/* not wrong: Flyway's repeatables are edited to be run again */
				snprintf(msg, sizeof(msg), "%s: a repeatable migration changed since it ran; `strata up` runs "
					 "it again", r->mig->up_file);
				if (!c->quiet)
					fprintf(stderr, "strata: note: %s\n", msg);
				vkeep(v.warnings, "repeatable_changed", r->mig->up_file, 0, r->vtext, msg);
			} else if (r->recorded_name)
				vproblem(&v, "modified", file, 0, r->vtext,
					 "%s was applied as `%s`, the file is `%s`: is this the right directory and database?",
					 r->vtext, r->recorded_name, r->name);
			else
				vproblem(&v, "modified", file, 0, r->vtext,
					 "%s: changed after it was applied (recorded sha256 %.12s, file %.12s); if the change is "
					 "deliberate, record it with `strata accept %s`",
					 r->mig->up_file, strata_checksum_hex(r->checksum),
					 strata_checksum_file_hex(r->checksum, r->mig), r->vtext);
			break;
		case STRATA_MISSING:
			vproblem(&v, "missing", NULL, 0, r->vtext, "%s %s is applied but its file is gone", r->vtext, r->name);
			break;
		case STRATA_PARTIAL:
			vproblem(&v, "partial", file, 0, r->vtext, "%s %s stopped part way (%d statement%s done)", r->vtext,
				 r->name, r->stmts_done, r->stmts_done == 1 ? "" : "s");
			break;
		case STRATA_PENDING:
			if (r->mig->layout == STRATA_LAYOUT_GO) {
				foreign_msg(msg, sizeof(msg), r->mig);
				if (!c->quiet)
					fprintf(stderr, "strata: %s\n", msg);
				vkeep(v.warnings, "go_migration", file, 0, r->vtext, msg);
			}
			if (r->out_of_order)
				vproblem(&v, "out_of_order", file, 0, r->vtext,
					 "%s %s is pending but older than the newest applied migration", r->vtext, r->name);
			break;
		default:
			break;
		}
	}
	{
		struct strata_other_tool o;

		if (other_tool(c, st, &o)) { /* said on stderr, even with -q */
			char hint[512];

			v.nbad++;
			strata_other_tool_explain(&o, msg, sizeof(msg), hint, sizeof(hint));
			snprintf(msg + strlen(msg), sizeof(msg) - strlen(msg),
				 "; strata records nothing here yet, so `strata up` refuses to run");
			vkeep(v.problems, "other_tool", NULL, 0, NULL, msg);
		}
	}
	rc = 0;
	if (root) {
		cJSON *counts = cJSON_AddObjectToObject(root, "counts");

		cJSON_AddNumberToObject(counts, "migrations", (double)c->src->n);
		cJSON_AddNumberToObject(counts, "applied", (double)plain_applied(st));
		cJSON_AddNumberToObject(counts, "pending", (double)st->npending);
		cJSON_AddNumberToObject(counts, "modified", (double)st->nmodified);
		cJSON_AddNumberToObject(counts, "missing", (double)st->nmissing);
		cJSON_AddNumberToObject(counts, "partial", (double)st->npartial);
		rc = v.nbad ? 1 : 0;
		vdoc_end(c, root, 0, NULL);
	} else {
		rc = v.nbad ? 1 : 0;
		if (!rc && !c->quiet)
			printf("strata: %zu migration%s valid; %zu applied match their files, %zu pending\n", c->src->n,
			       c->src->n == 1 ? "" : "s", st->napplied, st->npending);
	}
	strata_status_free(st);
	return rc;
}

int cmd_history(struct cli *c)
{
	struct strata_log_row *rows;
	struct strata_err err;
	size_t i, n, first;
	int rc;

	strata_err_clear(&err);
	rc = strata_log_get(c->db, &rows, &n, &err);
	if (rc)
		return out_error_release(c, rc, &err);
	/* --limit N: the last N entries, oldest first as always */
	first = so.limit && n > (size_t)so.limit ? n - (size_t)so.limit : 0;
	if (c->json) {
		cJSON *root = cJSON_CreateArray();

		for (i = first; i < n; i++) {
			cJSON *o = cJSON_CreateObject();
			char iso[32];

			cJSON_AddNumberToObject(o, "id", (double)rows[i].id);
			cJSON_AddStringToObject(o, "at", iso_utc(rows[i].at, iso, sizeof(iso)));
			cJSON_AddStringToObject(o, "action", rows[i].action);
			if (rows[i].has_version)
				cJSON_AddStringToObject(o, "version", vtext_of(c, &rows[i].version));
			else
				cJSON_AddNullToObject(o, "version");
			cJSON_AddStringToObject(o, "name", rows[i].name);
			cJSON_AddStringToObject(o, "by", rows[i].by);
			cJSON_AddNumberToObject(o, "duration_ms", rows[i].duration_ms);
			cJSON_AddStringToObject(o, "result", rows[i].result);
			cJSON_AddItemToArray(root, o);
		}
		strata_log_free(rows, n);
		return out_json(c, root);
	}
	if (n == 0 && !c->quiet)
		fprintf(stderr, "strata: the history log is empty\n");
	else
		printf("%-19s  %-8s  %-14s  %-24s  %-20s  %9s  %s\n", "at (UTC)", "action", "version", "name", "by",
		       "took", "result");
	for (i = first; i < n; i++) {
		const char *ver = rows[i].has_version ? rows[i].version.d : "";
		const struct strata_migration *m = rows[i].has_version ? mig_of(c, &rows[i].version) : NULL;
		char took[48];

		/* Flyway's versions as its files write them ("2.1"), not as stored */
		if (m && (m->layout == STRATA_LAYOUT_FLYWAY || m->layout == STRATA_LAYOUT_REPEATABLE))
			ver = m->vtext;

		format_ms(took, sizeof(took), rows[i].duration_ms);
		printf("%-19s  %-8s  %-14s  %-24s  %-20s  %9s  %s%s%s\n", rows[i].at, rows[i].action, ver, rows[i].name,
		       rows[i].by, took, strncmp(rows[i].result, "ok", 2) ? col(c, "31") : "",
		       rows[i].result, strncmp(rows[i].result, "ok", 2) ? col(c, "0") : "");
	}
	strata_log_free(rows, n);
	return 0;
}
