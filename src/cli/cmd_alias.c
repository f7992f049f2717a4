/*
 * cmd_alias.c - the verbs users of the tools strata replaces already type:
 * Alembic's upgrade, downgrade, current, stamp and heads, dbmate's wait
 * (new, migrate and rollback are table rows of create, up and down). Each
 * translates its arguments into the strata command that does the same and
 * runs it, so that it prompts, prints and fails exactly as that command
 * does; the table in main.c says where each one comes from.
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli.h"

/* Alembic's revision words: head (heads), base. */
static int is_head(const char *s)
{
	return strcmp(s, "head") == 0 || strcmp(s, "heads") == 0;
}

/* Is s "+N" / "-N" (Alembic's relative steps) with N a positive number? */
static int is_step(const char *s, char sign)
{
	return s[0] == sign && s[1] >= '1' && s[1] <= '9' && strspn(s + 1, "0123456789") == strlen(s + 1);
}

static int one_arg(struct cli *c, const char *forms)
{
	if (c->nargs == 1)
		return 0;
	fprintf(stderr, "strata %s: expected one of %s (see strata help %s)\n", c->cmd->name, forms, c->cmd->name);
	return 2;
}

/*
 * Where V stands relative to the database: < 0 below its current version,
 * 0 at it, > 0 above it (or nothing applied). 2 when V is not a version
 * (printed), 1 on a database error (printed), else 0 with *cmp set.
 */
static int compare_current(struct cli *c, const char *arg, int *cmp)
{
	struct strata_version want, cur;
	struct strata_err err;
	int have, partial, rc;

	if (parse_version_arg(arg, &want)) {
		fprintf(stderr, "strata %s: \"%s\" is not a version, head or a step (see strata help %s)\n",
			c->cmd->name, arg, c->cmd->name);
		return 2;
	}
	strata_err_clear(&err);
	rc = strata_version_get(c->db, &cur, &have, &partial, &err);
	if (rc)
		return out_error_release(c, rc, &err);
	*cmp = have ? strata_version_cmp(&want, &cur) : 1;
	return 0;
}

/* Alembic's upgrade head|+N|V: up, up N, goto V (never down). */
int cmd_upgrade(struct cli *c)
{
	const char *a;
	int rc, cmp;

	rc = one_arg(c, "head, +N or a version");
	if (rc)
		return rc;
	a = c->args[0];
	if (is_head(a)) {
		c->nargs = 0;
		return cmd_up(c);
	}
	if (is_step(a, '+')) {
		c->args[0] = (char *)a + 1;
		return cmd_up(c);
	}
	rc = compare_current(c, a, &cmp);
	if (rc)
		return rc;
	if (cmp < 0) {
		fprintf(stderr, "strata upgrade: %s is below the current version: an upgrade never rolls back "
				"(use strata downgrade %s)\n", a, a);
		return 2;
	}
	return cmd_goto(c);
}

/* Alembic's downgrade -N|base|V: down N, down --all, goto V (never up). */
int cmd_downgrade(struct cli *c)
{
	const char *a;
	int rc, cmp;

	rc = one_arg(c, "-1, -N, base or a version");
	if (rc)
		return rc;
	a = c->args[0];
	if (strcmp(a, "base") == 0) {
		c->nargs = 0;
		c->all = 1;
		return cmd_down(c);
	}
	if (is_step(a, '-')) {
		c->args[0] = (char *)a + 1;
		return cmd_down(c);
	}
	rc = compare_current(c, a, &cmp);
	if (rc)
		return rc;
	if (cmp > 0) {
		fprintf(stderr, "strata downgrade: %s is above the current version: a downgrade never applies "
				"anything (use strata upgrade %s)\n", a, a);
		return 2;
	}
	return cmd_goto(c);
}

/* Alembic's stamp head|base|V: record exactly that state, running nothing: strata force. */
int cmd_stamp(struct cli *c)
{
	int rc = one_arg(c, "head, base or a version");
	static char none[] = "-1";

	if (rc)
		return rc;
	if (is_head(c->args[0]))
		c->args[0] = c->src->m[c->src->n - 1].vtext;
	else if (strcmp(c->args[0], "base") == 0)
		c->args[0] = none;
	return cmd_force(c);
}

/* Alembic's heads: the newest migration of the directory (no database). */
int cmd_heads(struct cli *c)
{
	const struct strata_migration *m = &c->src->m[c->src->n - 1];

	printf("%s %s (head)\n", m->vtext, m->name);
	return 0;
}

/* dbmate's wait: until the database accepts connections, or --wait-timeout (default 60 s). */
int cmd_wait(struct cli *c)
{
	struct strata_target *t = NULL;
	struct strata_opts o;
	struct strata_err err;
	struct timespec start, now;
	double limit = c->wait_timeout >= 0 ? c->wait_timeout : 60, waited = 0;
	int rc, said = 0;

	if (!c->cfg.database) {
		fprintf(stderr, "strata wait: no database given (-d URL, DATABASE_URL, or database= in strata.ini)\n");
		return 2;
	}
	strata_err_clear(&err);
	rc = strata_target_parse(c->cfg.database, &t, &err);
	if (rc)
		return out_error_release(c, rc, &err);
	/* waiting changes nothing: Ctrl-C simply ends it */
	signal(SIGINT, SIG_DFL);
	signal(SIGTERM, SIG_DFL);
	strata_opts_init(&o);
	o.read_only = 1;
	o.must_exist = 1;
	clock_gettime(CLOCK_MONOTONIC, &start);
	for (;;) {
		struct strata_db *db = NULL;
		struct timespec pause = { 1, 0 };

		rc = strata_db_open(t, &o, &db, &err);
		clock_gettime(CLOCK_MONOTONIC, &now);
		waited = (double)(now.tv_sec - start.tv_sec) + (double)(now.tv_nsec - start.tv_nsec) / 1e9;
		if (!rc) {
			strata_db_close(db);
			if (!c->quiet)
				printf("strata: %s accepts connections%s\n", t->display, said ? "" : " (no wait)");
			strata_err_release(&err);
			strata_target_free(t);
			return 0;
		}
		if (rc != STRATA_ECONNECT || waited >= limit)
			break;
		if (!said && !c->quiet)
			fprintf(stderr, "strata: waiting for %s to accept connections (up to %g s)\n", t->display, limit);
		said = 1;
		if (limit - waited < 1) {
			pause.tv_sec = 0;
			pause.tv_nsec = (long)((limit - waited) * 1e9);
		}
		nanosleep(&pause, NULL);
		strata_err_release(&err);
	}
	if (rc == STRATA_ECONNECT)
		fprintf(stderr, "strata wait: %s did not accept connections within %g s (--wait-timeout); the last "
				"attempt said:\n", t->display, limit);
	strata_target_free(t);
	return out_error_release(c, rc, &err);
}
