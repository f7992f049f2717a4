/*
 * cmd_diff.c - strata diff --from SRC --to SRC: the migration that turns
 * one schema into another, printed on stdout (strata_schema_plan_sql), and
 * with --down the reverse one after it. SRC is a database URL, a migrations
 * directory or a .sql schema file (diff.h: the pipeline it shares with
 * create --from-schema). Before anything is printed the plan is verified
 * on a scratch copy of the from-state; plans with what strata cannot
 * express, destructive steps (without --allow-destructive) or a verification
 * that still differs are refused with exit 1 and no plan. Exit 0 with no
 * output when the two schemas are equal.
 */
#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli.h"
#include "diff.h"
#include "strata_schema.h"

/* The line between the up and the down in the text output of --down. */
#define DOWN_SEPARATOR "-- strata diff: down (the reverse plan, --to back to --from)\n"

/* What diff's own options set (--from is adopt_options' row, into the shared cli.from). */
static struct {
	const char *to;        /* --to SRC */
	int down;              /* --down */
	int allow_destructive; /* --allow-destructive */
	int online;            /* --online */
} dx;

const struct cli_option diff_options[] = {
	{ .longname = "to", .kind = OPT_STRING, .value = &dx.to, .arg = "SRC", .flags = OPTF_STRICT,
	  .bad = "%s: only strata diff takes it (strata %s)",
	  .help = "with diff: the schema to arrive at: a database URL, a migrations directory or a .sql file" },
	{ .longname = "down", .kind = OPT_FLAG, .value = &dx.down, .flags = OPTF_STRICT,
	  .bad = "%s: only strata diff takes it (strata %s; to roll back, strata down)",
	  .help = "with diff: also print the reverse plan (--to back to --from) after the line \""
		  "-- strata diff: down ...\"" },
	{ .longname = "allow-destructive", .kind = OPT_FLAG, .value = &dx.allow_destructive, .flags = OPTF_STRICT,
	  .bad = "%s: only strata diff takes it (strata %s)",
	  .help = "with diff: print a plan that drops tables, columns or types, or narrows a type (refused "
		  "otherwise)" },
	{ .longname = "online", .kind = OPT_FLAG, .value = &dx.online, .flags = OPTF_STRICT,
	  .bad = "%s: only strata diff takes it (strata %s)",
	  .help = "with diff: lock-aware PostgreSQL forms: indexes CONCURRENTLY, constraints NOT VALID then "
		  "VALIDATE" },
	{ 0 },
};

static const struct cli_option *const diff_tables[] = {
	target_options, config_options, table_options, scratch_options, adopt_options, diff_options, json_options,
	output_options, NULL,
};

const struct command diff_command = {
	"diff", cmd_diff, READ_ONLY | SCRATCH, "--from SRC --to SRC",
	"the migration from one schema to another (database, directory or .sql file), verified before it "
	"is printed",
	"strata diff --from postgres://localhost/app --to schema.sql\n"
	"strata diff --from migrations --to schema.sql --down\n"
	"strata diff --from sqlite:old.db --to sqlite:new.db --json",
	NULL, NULL, NULL, diff_tables, NULL,
};

static cJSON *plan_json(const struct strata_schema_plan *p, const struct strata_schema_diff *left, int printed)
{
	cJSON *o = cJSON_CreateObject(), *steps = cJSON_AddArrayToObject(o, "steps"),
	      *nh = cJSON_AddArrayToObject(o, "not_handled");
	size_t i;

	for (i = 0; printed && i < p->n; i++) {
		const struct strata_plan_step *s = &p->steps[i];
		cJSON *j = cJSON_CreateObject();

		cJSON_AddStringToObject(j, "what", s->what);
		cJSON_AddStringToObject(j, "sql", s->sql);
		cJSON_AddBoolToObject(j, "destructive", (s->flags & STRATA_STEP_DESTRUCTIVE) != 0);
		cJSON_AddBoolToObject(j, "no_transaction", (s->flags & STRATA_STEP_NO_TRANSACTION) != 0);
		cJSON_AddBoolToObject(j, "own_transaction", (s->flags & STRATA_STEP_OWN_TRANSACTION) != 0);
		cJSON_AddItemToArray(steps, j);
	}
	if (!printed) {
		/* refused: what would be destructive is still listed, by name */
		cJSON *d = cJSON_AddArrayToObject(o, "destructive");

		for (i = 0; i < p->n; i++)
			if (p->steps[i].flags & STRATA_STEP_DESTRUCTIVE)
				cJSON_AddItemToArray(d, cJSON_CreateString(p->steps[i].what));
	}
	for (i = 0; i < p->nunhandled; i++)
		cJSON_AddItemToArray(nh, cJSON_CreateString(p->unhandled[i]));
	/* columns in another order alone are no failure (PostgreSQL cannot reorder them) */
	cJSON_AddBoolToObject(o, "verified", left && !left->nunhandled && (!left->n || left->order_only));
	if (left && (left->n || left->nunhandled)) {
		cJSON *a = cJSON_AddArrayToObject(o, "differences_left");

		for (i = 0; i < left->n; i++) {
			char *line = NULL;

			if (strata_schema_diff_line(&left->items[i], &line) == 0 && line)
				cJSON_AddItemToArray(a, cJSON_CreateString(line));
			free(line);
		}
		cJSON_AddBoolToObject(o, "order_only", left->order_only != 0);
	}
	return o;
}

/* One way's plan: planned, verified, judged. *ok 1 when it may be printed. 0 or an exit code (printed). */
static int one_way(struct diff_env *e, const char *label, const struct strata_schema *from,
		   const struct strata_schema *to, const struct strata_rename_hint *h, size_t nh,
		   struct strata_schema_plan **p, struct strata_schema_diff **left, int *refused)
{
	int rc = diff_plan(e, from, to, dx.online ? STRATA_PLAN_ONLINE : 0, 0, h, nh, p, left);

	*refused = 0;
	if (rc)
		return rc;
	rc = diff_refusal(e, label, *p, *left, dx.allow_destructive);
	*refused = rc != 0;
	return 0;
}

static double now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

/* strata diff --from SRC --to SRC [--down] [--allow-destructive] [--online] */
int cmd_diff(struct cli *c)
{
	const char *specs[2] = { c->from, dx.to };
	struct diff_env e;
	struct strata_schema *from = NULL, *to = NULL;
	struct strata_schema_diff *d = NULL, *left = NULL, *dleft = NULL;
	struct strata_schema_plan *p = NULL, *dp = NULL;
	struct strata_rename_hint *hints = NULL, *rev = NULL;
	struct strata_err err;
	size_t nhints = 0, npending;
	char *sql = NULL, *dsql = NULL;
	int rc, refused = 0, drefused = 0, equal;
	double t0 = now_ms(), t_read;

	if (!c->from || !dx.to) {
		fprintf(stderr, "strata diff: give both sides: --from SRC --to SRC, each a database URL, a migrations "
				"directory or a .sql schema file (strata help diff)\n");
		return 2;
	}
	rc = diff_env_init(&e, c, "diff", specs, 2);
	if (rc)
		return diff_env_close(&e, rc);
	rc = diff_src_read_both(&e, c->from, dx.to, 0, &from, &to, &hints, &nhints);
	if (rc)
		goto out;
	t_read = now_ms();
	strata_err_clear(&err);
	rc = strata_schema_compare(from, to, &d, &err);
	if (rc) {
		rc = out_error_release(c, rc, &err);
		goto out;
	}
	equal = !d->n && !d->nunhandled;
	if (d->order_only && !d->nunhandled) {
		/* nothing a migration can change (PostgreSQL cannot reorder columns) */
		if (!c->quiet)
			fprintf(stderr, "strata diff: note: the schemas differ only in the order of columns, which no "
					"migration changes: nothing to do\n");
		equal = 1;
	}
	if (equal) {
		if (c->verbose)
			fprintf(stderr, "strata diff: equal; read both schemas in %.0f ms\n", t_read - t0);
		if (c->json) {
			cJSON *root = cJSON_CreateObject();

			cJSON_AddBoolToObject(root, "equal", 1);
			cJSON_AddArrayToObject(root, "steps");
			cJSON_AddArrayToObject(root, "not_handled");
			cJSON_AddBoolToObject(root, "verified", 1);
			rc = out_json(c, root) ? 1 : 0;
		}
		goto out;
	}
	npending = diff_hints_pending(&e, from, to, hints, nhints);
	rc = one_way(&e, "the plan", from, to, hints, npending, &p, &left, &refused);
	if (rc)
		goto out;
	if (dx.down) {
		if (diff_hints_reverse(hints, npending, &rev)) {
			fprintf(stderr, "strata: out of memory\n");
			rc = 1;
			goto out;
		}
		rc = one_way(&e, "the down plan", to, from, rev, npending, &dp, &dleft, &drefused);
		if (rc)
			goto out;
	}
	if (c->json) {
		cJSON *root = cJSON_CreateObject();
		cJSON *up = plan_json(p, left, !refused);

		cJSON_AddBoolToObject(root, "equal", 0);
		for (cJSON *it = up->child; it; it = up->child)
			cJSON_AddItemToObject(root, it->string, cJSON_DetachItemViaPointer(up, it));
		cJSON_Delete(up);
		if (dp)
			cJSON_AddItemToObject(root, "down", plan_json(dp, dleft, !drefused));
		rc = out_json(c, root) ? 1 : 0;
		if (refused || drefused)
			rc = 1;
		goto out;
	}
	if (refused || drefused) {
		rc = 1;
		goto out;
	}
	strata_err_clear(&err);
	rc = strata_schema_plan_sql(p, &sql, &err);
	if (rc == 0 && dp)
		rc = strata_schema_plan_sql(dp, &dsql, &err);
	if (rc) {
		rc = out_error_release(c, rc, &err);
		goto out;
	}
	fputs(sql, stdout);
	if (dp) {
		fputs(DOWN_SEPARATOR, stdout);
		fputs(dsql, stdout);
	}
	if (fflush(stdout)) {
		fprintf(stderr, "strata diff: cannot write the plan to stdout\n");
		rc = 1;
	}
	if (c->verbose)
		fprintf(stderr, "strata diff: read both schemas in %.0f ms; verified in %.0f ms (scratch databases: %.0f "
				"ms)\n",
			t_read - t0, e.verify_ms, e.scratch_ms);
out:
	free(sql);
	free(dsql);
	free(rev);
	strata_rename_hints_free(hints, nhints);
	strata_schema_plan_free(p);
	strata_schema_plan_free(dp);
	strata_schema_diff_free(d);
	strata_schema_diff_free(left);
	strata_schema_diff_free(dleft);
	strata_schema_free(from);
	strata_schema_free(to);
	return diff_env_close(&e, rc);
}
