/*
 * cmd_status.c - the commands that only look: status, version, validate.
 * They open the database read-only (a missing SQLite file is an empty
 * database, not a new file) and never create the tracking table.
 */
#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

static const struct strata_source empty_source;

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

static int print_json(cJSON *root)
{
	char *text = cJSON_Print(root);

	if (!text) {
		cJSON_Delete(root);
		fprintf(stderr, "strata: out of memory\n");
		return 1;
	}
	printf("%s\n", text);
	free(text);
	cJSON_Delete(root);
	return 0;
}

static int status_json(struct cli *c, const struct strata_status *st)
{
	cJSON *root = cJSON_CreateObject(), *arr, *counts;
	size_t i;

	cJSON_AddStringToObject(root, "database", c->target->display);
	if (st->have_current)
		cJSON_AddStringToObject(root, "current", st->current_vtext);
	else
		cJSON_AddNullToObject(root, "current");
	counts = cJSON_AddObjectToObject(root, "counts");
	cJSON_AddNumberToObject(counts, "applied", (double)st->napplied);
	cJSON_AddNumberToObject(counts, "pending", (double)st->npending);
	cJSON_AddNumberToObject(counts, "modified", (double)st->nmodified);
	cJSON_AddNumberToObject(counts, "missing", (double)st->nmissing);
	cJSON_AddNumberToObject(counts, "partial", (double)st->npartial);
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
			cJSON_AddStringToObject(o, "applied_at", r->applied_at);
			cJSON_AddStringToObject(o, "applied_by", r->applied_by);
			cJSON_AddNumberToObject(o, "duration_ms", (double)r->duration_ms);
		}
		if (r->state == STRATA_PARTIAL)
			cJSON_AddNumberToObject(o, "statements_done", r->stmts_done);
		if (r->out_of_order)
			cJSON_AddBoolToObject(o, "out_of_order", 1);
		cJSON_AddItemToArray(arr, o);
	}
	return print_json(root);
}

int cmd_status(struct cli *c)
{
	struct strata_status *st;
	struct strata_err err;
	size_t i;
	int rc, vw = 7;

	if (c->fleet)
		return cmd_fleet(c, NULL);

	strata_err_clear(&err);
	rc = strata_status_get(c->db, source_or_empty(c), &st, &err);
	if (rc)
		return out_error(c, rc, &err);
	if (c->json) {
		rc = status_json(c, st);
		strata_status_free(st);
		return rc;
	}
	for (i = 0; i < st->n; i++)
		if ((int)strlen(st->rows[i].vtext) > vw)
			vw = (int)strlen(st->rows[i].vtext);
	printf("%-*s  %-*s  %-8s  %s\n", vw, "version", c->name_width, "name", "state", "applied");
	for (i = 0; i < st->n; i++) {
		const struct strata_status_row *r = &st->rows[i];

		printf("%-*s  %-*s  %s%-8s%s", vw, r->vtext, c->name_width, r->name, col(c, state_colour(r->state)),
		       strata_state_name(r->state), col(c, "0"));
		if (r->applied_at)
			printf("  %.16s (%lld ms, %s)", r->applied_at, r->duration_ms, r->applied_by);
		if (r->state == STRATA_PARTIAL)
			printf("  %d statement%s done", r->stmts_done, r->stmts_done == 1 ? "" : "s");
		if (r->out_of_order)
			printf("  (older than the newest applied)");
		if (r->state == STRATA_MODIFIED)
			printf("  file changed since applied");
		printf("\n");
	}
	printf("\n%zu applied, %zu pending", st->napplied, st->npending);
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
	strata_status_free(st);
	return 0;
}

int cmd_version(struct cli *c)
{
	struct strata_err err;
	uint64_t v;
	int rc, have, partial;

	if (c->fleet)
		return cmd_fleet(c, NULL);

	strata_err_clear(&err);
	rc = strata_version_get(c->db, &v, &have, &partial, &err);
	if (rc)
		return out_error(c, rc, &err);
	if (c->json) {
		cJSON *root = cJSON_CreateObject();

		if (have)
			cJSON_AddNumberToObject(root, "version", (double)v);
		else
			cJSON_AddNullToObject(root, "version");
		cJSON_AddBoolToObject(root, "partial", partial);
		return print_json(root);
	}
	if (have)
		printf("%llu%s\n", (unsigned long long)v, partial ? " (partial)" : "");
	else if (!c->quiet)
		fprintf(stderr, "strata: no migration applied\n");
	return 0;
}

int cmd_validate(struct cli *c)
{
	struct strata_status *st;
	struct strata_err err;
	size_t i, bad = 0;
	int rc;

	if (c->fleet)
		return cmd_fleet(c, NULL);

	strata_err_clear(&err);
	/* the scripts as the database would read them: what `up` refuses, validate refuses */
	rc = strata_source_check(c->src, c->target ? c->target->engine : STRATA_ENGINE_POSTGRES, &err);
	if (rc)
		return out_error(c, rc, &err);
	for (i = 0; i < c->src->n; i++)
		warn_empty_up(c, &c->src->m[i]);
	if (!c->db) {
		if (!c->quiet)
			printf("strata: %zu migration%s in %s %s valid (no database given: checksums not compared)\n",
			       c->src->n, c->src->n == 1 ? "" : "s", c->src->dir, c->src->n == 1 ? "is" : "are");
		return 0;
	}
	strata_err_clear(&err);
	rc = strata_status_get(c->db, c->src, &st, &err);
	if (rc)
		return out_error(c, rc, &err);
	for (i = 0; i < st->n; i++) {
		const struct strata_status_row *r = &st->rows[i];

		switch (r->state) {
		case STRATA_MODIFIED:
			fprintf(stderr, "strata: %s: changed after it was applied (recorded sha256 %.12s, file %.12s)\n",
				r->mig->up_file, r->checksum, r->mig->checksum);
			bad++;
			break;
		case STRATA_MISSING:
			fprintf(stderr, "strata: %s %s is applied but its file is gone\n", r->vtext, r->name);
			bad++;
			break;
		case STRATA_PARTIAL:
			fprintf(stderr, "strata: %s %s stopped part way (%d statement%s done)\n", r->vtext, r->name,
				r->stmts_done, r->stmts_done == 1 ? "" : "s");
			bad++;
			break;
		case STRATA_PENDING:
			if (r->out_of_order) {
				fprintf(stderr, "strata: %s %s is pending but older than the newest applied migration\n",
					r->vtext, r->name);
				bad++;
			}
			break;
		default:
			break;
		}
	}
	if (!bad && !c->quiet)
		printf("strata: %zu migration%s valid; %zu applied match their files, %zu pending\n", c->src->n,
		       c->src->n == 1 ? "" : "s", st->napplied, st->npending);
	strata_status_free(st);
	return bad ? 1 : 0;
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
		return out_error(c, rc, &err);
	/* --limit N: the last N entries, oldest first as always */
	first = c->limit && n > c->limit ? n - c->limit : 0;
	if (c->json) {
		cJSON *root = cJSON_CreateArray();

		for (i = first; i < n; i++) {
			cJSON *o = cJSON_CreateObject();

			cJSON_AddNumberToObject(o, "id", (double)rows[i].id);
			cJSON_AddStringToObject(o, "at", rows[i].at);
			cJSON_AddStringToObject(o, "action", rows[i].action);
			if (rows[i].has_version)
				cJSON_AddNumberToObject(o, "version", (double)rows[i].version);
			else
				cJSON_AddNullToObject(o, "version");
			cJSON_AddStringToObject(o, "name", rows[i].name);
			cJSON_AddStringToObject(o, "by", rows[i].by);
			cJSON_AddNumberToObject(o, "duration_ms", (double)rows[i].duration_ms);
			cJSON_AddStringToObject(o, "result", rows[i].result);
			cJSON_AddItemToArray(root, o);
		}
		strata_log_free(rows, n);
		return print_json(root);
	}
	if (n == 0 && !c->quiet)
		fprintf(stderr, "strata: the history log is empty\n");
	else
		printf("%-19s  %-8s  %-14s  %-24s  %-20s  %8s  %s\n", "at (UTC)", "action", "version", "name", "by",
		       "ms", "result");
	for (i = first; i < n; i++) {
		char ver[24] = "";

		if (rows[i].has_version)
			snprintf(ver, sizeof(ver), "%llu", (unsigned long long)rows[i].version);
		printf("%-19s  %-8s  %-14s  %-24s  %-20s  %8lld  %s%s%s\n", rows[i].at, rows[i].action, ver, rows[i].name,
		       rows[i].by, rows[i].duration_ms, strncmp(rows[i].result, "ok", 2) ? col(c, "31") : "",
		       rows[i].result, strncmp(rows[i].result, "ok", 2) ? col(c, "0") : "");
	}
	strata_log_free(rows, n);
	return 0;
}
