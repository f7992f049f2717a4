/*
 * cmd_alias.c - the verbs users of the tools strata replaces already type:
 * Alembic's upgrade, downgrade, current, stamp and heads, dbmate's wait
 * (new, migrate and rollback are rows running create, up and down). Each
 * translates its arguments into the strata command that does the same and
 * runs it, so that it prompts, prints and fails exactly as that command
 * does; each verb's row here says where it comes from and which options it
 * takes.
 */
#include <cjson/cJSON.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli.h"

static double wait_timeout = -1; /* wait --wait-timeout SECONDS (dbmate), < 0: 60 */

const struct cli_option wait_options[] = {
	{ .longname = "wait-timeout", .kind = OPT_DURATION, .value = &wait_timeout, .lo = 0,
	  .bad = "--%s: \"%s\" is not a duration (60, 60s, 500ms, 2m)", .arg = "SECONDS",
	  .help = "with wait: give up after this long (default 60s)" },
	{ 0 },
};

#define MIGRATE NEED_SOURCE | NEED_DB | RUNS_SCRIPTS

/* Each verb takes the options of the strata command it stands for, as far as it goes (no fleet for upgrade). */
static const struct cli_option *const upgrade_tables[] = {
	target_options, source_options, config_options, table_options, run_options, change_options,
	dry_run_options, sql_options, ignore_options, json_options, output_options, NULL,
};
static const struct cli_option *const downgrade_tables[] = {
	target_options, source_options, config_options, table_options, run_options, change_options, down_options,
	dry_run_options, sql_options, json_options, yes_options, output_options, NULL,
};
static const struct cli_option *const current_tables[] = {
	target_options, config_options, table_options, json_options, output_options, NULL,
};
static const struct cli_option *const stamp_tables[] = {
	target_options, source_options, config_options, table_options, change_options, json_options, yes_options,
	output_options, NULL,
};
static const struct cli_option *const heads_tables[] = {
	source_options, config_options, json_options, output_options, NULL,
};
static const struct cli_option *const migrate_tables[] = {
	target_options, source_options, config_options, table_options, run_options, change_options, fleet_options,
	dry_run_options, sql_options, ignore_options, json_options, output_options, NULL,
};
static const struct cli_option *const rollback_tables[] = {
	target_options, source_options, config_options, table_options, run_options, change_options, fleet_options,
	down_options, dry_run_options, sql_options, json_options, yes_options, output_options, NULL,
};
static const struct cli_option *const wait_tables[] = {
	target_options, config_options, output_options, wait_options, NULL,
};

/* from: the tool, as: the strata command it stands for, means: what it does in strata's words */
const struct command upgrade_command = {
	"upgrade", cmd_upgrade, MIGRATE | CREATES_DB, "head|+N|V", "Alembic: up, up N, or up to V",
	"strata upgrade head\nstrata upgrade +2\nstrata upgrade 000005", "Alembic", "up",
	"upgrade head is strata up, upgrade +N is up N, upgrade V is goto V (refused when V is below the current "
	"version: an upgrade never rolls back)", upgrade_tables, NULL,
};
const struct command downgrade_command = {
	"downgrade", cmd_downgrade, MIGRATE, "-1|-N|base|V", "Alembic: down 1, down N, down --all, or down to V",
	"strata downgrade -1\nstrata downgrade base --yes\nstrata downgrade 000003", "Alembic", "down",
	"downgrade -N is strata down N, downgrade base is down --all, downgrade V is goto V (refused when V is above "
	"the current version); it asks first, as down does", downgrade_tables, NULL,
};
const struct command current_command = {
	"current", cmd_version, NEED_DB | READ_ONLY | MAYBE_SOURCE, "", "Alembic: the current version (strata version)",
	"strata current\nstrata current --json", "Alembic", "version", "current is strata version", current_tables,
	NULL,
};
const struct command stamp_command = {
	"stamp", cmd_stamp, NEED_SOURCE | NEED_DB | RECORDS, "head|base|V", "Alembic: record a version, running nothing (force)",
	"strata stamp head\nstrata stamp 000004 --yes\nstrata stamp base --yes", "Alembic", "force",
	"stamp V is strata force V: afterwards exactly the migrations up to V are recorded as applied (above V "
	"unrecorded), and no SQL runs; head is the newest migration file, base is nothing applied. It asks first, "
	"as force does (to record pending migrations only, see strata baseline)", stamp_tables, NULL,
};
const struct command heads_command = {
	"heads", cmd_heads, NEED_SOURCE | UPS_ONLY, "", "Alembic: the newest migration file",
	"strata heads\nstrata -p db/migrations heads", "Alembic", "heads",
	"heads prints the version and name of the newest migration file; no database is needed", heads_tables, NULL,
};
const struct command new_command = {
	"new", cmd_create, WANT_SOURCE | SCRATCH, "NAME", "dbmate: write a new migration pair (create)",
	"strata new add_users\nstrata new create_orders --seq", "dbmate", "create", "new NAME is strata create NAME",
	create_tables, NULL,
};
const struct command migrate_command = {
	"migrate", cmd_up, MIGRATE | FLEET | CREATES_DB, "", "dbmate: apply all pending migrations (up)",
	"strata migrate\nstrata -d postgres://app@db/app migrate", "dbmate", "up", "migrate is strata up",
	migrate_tables, NULL,
};
const struct command rollback_command = {
	"rollback", cmd_down, MIGRATE | FLEET, "", "dbmate: roll back the last migration (down 1)",
	"strata rollback\nstrata rollback --yes", "dbmate", "down",
	"rollback is strata down: the last migration, asking first as down does", rollback_tables, NULL,
};
const struct command wait_command = {
	"wait", cmd_wait, 0, "", "dbmate: wait until the database accepts connections",
	"strata wait\nstrata -d postgres://app@db/app wait --wait-timeout 30s\nstrata wait && strata up", "dbmate",
	"wait",
	"wait tries to connect every second until the database accepts connections (exit 0) or --wait-timeout "
	"passes (default 60 s; exit 1); an SQLite file must exist", wait_tables, NULL,
};

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

	if (parse_version_arg(c, arg, &want)) {
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
		return cmd_down_all(c);
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

	if (c->json) {
		cJSON *root = cJSON_CreateObject();

		cJSON_AddStringToObject(root, "version", m->vtext);
		cJSON_AddStringToObject(root, "name", m->name);
		cJSON_AddStringToObject(root, "file", m->up_file);
		return out_json(c, root);
	}
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
	double limit = wait_timeout >= 0 ? wait_timeout : 60, waited = 0;
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
