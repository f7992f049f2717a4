/*
 * cmd_migrate.c - the commands that change a database: up, down, goto,
 * redo, force, baseline, accept, adopt, drop, their rows and their options.
 * The migrating ones differ only in the request they build and in whether
 * they must ask first: a run that undoes anything lists what it will undo
 * and asks on a terminal, and refuses without --yes when there is none.
 * With --sql they print the script instead (print_script); --from V makes
 * it an offline one (the database opened for its dialect only, main.c).
 */
#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

/* What these commands' own options set. */
static struct {
	int all;          /* down --all */
} mo;

static int opt_drop_f(struct cli *c, const struct cli_option *o, const char *spelled, const char *val)
{
	(void)o, (void)spelled, (void)val;
	c->yes = 1;
	return 0;
}

/* What the commands that run migrations take (the library's options, most of them). */
const struct cli_option run_options[] = {
	{ .longname = "single-transaction", .kind = OPT_FLAG, .value = &cli.flags.single_transaction,
	  .help = "run the whole batch in one transaction" },
	{ .longname = "lock-timeout", .kind = OPT_DURATION, .value = &cli.opts.lock_timeout, .lo = 1,
	  .bad = "--%s: \"%s\" is not a duration (5, 5s, 500ms, 2m)", .arg = "SECONDS",
	  .help = "PostgreSQL lock_timeout for migrations (a statement waiting longer fails, and is retried)" },
	{ .longname = "statement-timeout", .kind = OPT_DURATION, .value = &cli.opts.statement_timeout, .lo = 1,
	  .bad = "--%s: \"%s\" is not a duration (5, 5s, 500ms, 2m)", .arg = "SECONDS",
	  .help = "PostgreSQL statement_timeout for migrations" },
	{ .longname = "lock-retries", .kind = OPT_INT, .value = &cli.opts.lock_retries, .lo = 0, .hi = 100,
	  .bad = "--%s %s: expected a number from 0 to 100", .arg = "N",
	  .help = "retries of a migration that hit lock_timeout, with backoff (default 3)" },
	{ .longname = "allow-modified", .kind = OPT_FLAG, .value = &cli.flags.allow_modified,
	  .help = "do not refuse applied migrations whose file changed" },
	{ .longname = "allow-out-of-order", .kind = OPT_FLAG, .value = &cli.flags.allow_out_of_order,
	  .help = "apply pending migrations older than the newest applied" },
	{ 0 },
};

const struct cli_option down_options[] = {
	{ .longname = "all", .kind = OPT_FLAG, .value = &mo.all, .help = "with down: roll back every applied migration" },
	{ 0 },
};

const struct cli_option sql_options[] = {
	{ .longname = "sql", .kind = OPT_FLAG, .value = &cli.sql,
	  .help = "with up, down, goto: print the SQL script (bookkeeping included) instead of running it; it "
		  "reads where the database stands from it, unless --from says (then nothing connects)" },
	{ 0 },
};

const struct cli_option ignore_options[] = {
	{ .longname = "ignore-other-tool", .kind = OPT_FLAG, .value = &cli.opts.ignore_other_tool,
	  .help = "up/goto on a database another tool's table says it manages (before strata records anything): "
		  "run anyway" },
	{ 0 },
};

/* --from: adopt's other table, where an offline script (--sql) starts, or diff's first schema */
const struct cli_option adopt_options[] = {
	{ .longname = "from", .kind = OPT_STRING, .value = &cli.from, .arg = "V|TABLE|SRC",
	  .help = "with up, down, goto --sql: the version the database is at, as if every migration up to V were "
		  "applied (0 or base: none); the database is then only the SQL dialect, never connected. With "
		  "adopt: the other tool's table (default: look for it). With diff: the schema to start from (a "
		  "database URL, a migrations directory or a .sql file)" },
	{ 0 },
};

/* golang-migrate's drop -f: drop's alone, refused by every other command */
const struct cli_option drop_options[] = {
	{ .shortname = "f", .longname = "force-yes", .kind = OPT_CALLBACK, .cb = opt_drop_f,
	  .flags = OPTF_STRICT | OPTF_NO_SUGGEST,
	  .bad = "unknown option %s for %s (golang-migrate's -f is drop's alone; to confirm, use --yes)" },
	{ 0 },
};

#define MIGRATE NEED_SOURCE | NEED_DB | RUNS_SCRIPTS

static const struct cli_option *const up_tables[] = {
	target_options, source_options, config_options, table_options, run_options, change_options, fleet_options,
	dry_run_options, sql_options, ignore_options, adopt_options, json_options, dump_file_options, output_options,
	NULL,
};
static const struct cli_option *const down_tables[] = {
	target_options, source_options, config_options, table_options, run_options, change_options, fleet_options,
	down_options, dry_run_options, sql_options, adopt_options, json_options, yes_options, dump_file_options,
	output_options, NULL,
};
static const struct cli_option *const goto_tables[] = {
	target_options, source_options, config_options, table_options, run_options, change_options, fleet_options,
	dry_run_options, sql_options, ignore_options, adopt_options, json_options, yes_options, dump_file_options,
	output_options, NULL,
};
static const struct cli_option *const redo_tables[] = {
	target_options, source_options, config_options, table_options, run_options, change_options,
	dry_run_options, json_options, yes_options, dump_file_options, output_options, NULL,
};
static const struct cli_option *const force_tables[] = {
	target_options, source_options, config_options, table_options, change_options, json_options, yes_options,
	output_options, NULL,
};
static const struct cli_option *const record_tables[] = {
	target_options, source_options, config_options, table_options, change_options, json_options,
	output_options, NULL,
};
static const struct cli_option *const adopt_tables[] = {
	target_options, source_options, config_options, table_options, change_options, adopt_options, json_options,
	output_options, NULL,
};
static const struct cli_option *const drop_tables[] = {
	target_options, config_options, table_options, change_options, dry_run_options, json_options, yes_options,
	drop_options, output_options, NULL,
};

const struct command up_command = {
	"up", cmd_up, MIGRATE | FLEET | CREATES_DB, "[N]", "apply all pending migrations, or the next N",
	"strata -d sqlite:app.db up\nstrata -d postgres://app@db/app -p db/migrations up 1\n"
	"strata up --dry-run\nstrata -d postgres://db/app up --sql --from 000003 > upgrade.sql", NULL, NULL, NULL, up_tables, NULL,
};
const struct command down_command = {
	"down", cmd_down, MIGRATE | FLEET, "[N]", "roll back the last migration, or the last N (--all: every one)",
	"strata down\nstrata down 3 --yes\nstrata down --all --dry-run\n"
	"strata -d postgres://db/app down 2 --sql --from 000005 > downgrade.sql", NULL, NULL, NULL, down_tables, NULL,
};
const struct command goto_command = {
	"goto", cmd_goto, MIGRATE | FLEET, "V", "migrate up or down to version V (0: roll everything back)",
	"strata goto 20240101120000\nstrata goto 0 --yes\nstrata goto 000003 --dry-run\n"
	"strata -d sqlite:app.db goto 000002 --sql --from 000004", NULL, NULL, NULL,
	goto_tables, NULL,
};
const struct command redo_command = {
	"redo", cmd_redo, MIGRATE | REDOES, "", "roll back the last migration and apply it again",
	"strata redo\nstrata redo --yes", NULL, NULL, NULL, redo_tables, NULL,
};
const struct command force_command = {
	"force", cmd_force, NEED_SOURCE | NEED_DB | RECORDS, "V",
	"record V as the current version without running anything (recovery)",
	"strata force 000004\nstrata force -1 --yes   # nothing applied", NULL, NULL, NULL, force_tables, NULL,
};
const struct command baseline_command = {
	"baseline", cmd_baseline, NEED_SOURCE | NEED_DB | RECORDS, "V",
	"record pending migrations up to V as applied, running nothing (adoption)",
	"strata baseline 000005\nstrata -d postgres://app@db/app baseline 20240101120000", NULL, NULL, NULL,
	record_tables, NULL,
};
const struct command accept_command = {
	"accept", cmd_accept, NEED_SOURCE | NEED_DB | RECORDS | ACCEPTS, "V",
	"record the changed file of applied migration V as its new checksum",
	"strata accept 000002\nstrata -d sqlite:app.db -p migrations accept 20240101120000", NULL, NULL, NULL,
	record_tables, NULL,
};
const struct command adopt_command = {
	"adopt", cmd_adopt, NEED_SOURCE | NEED_DB, "",
	"import the state of golang-migrate, dbmate, Diesel or goose (--from TABLE)",
	"strata adopt\nstrata adopt --from schema_migrations", NULL, NULL, NULL, adopt_tables, NULL,
};
const struct command drop_command = {
	"drop", cmd_drop, NEED_DB, "", "remove every table (SQLite), the current schema (PostgreSQL) or every object of the database (MySQL)",
	"strata drop --dry-run\nstrata drop --yes\nstrata drop -f   # golang-migrate's spelling", NULL, NULL, NULL,
	drop_tables, NULL,
};

static int parse_count(struct cli *c, long *n)
{
	char *end;

	*n = 0;
	if (c->nargs == 0)
		return 0;
	if (c->nargs > 1) {
		fprintf(stderr, "strata %s: too many arguments\n", c->cmd->name);
		return 2;
	}
	*n = strtol(c->args[0], &end, 10);
	if (*end || *n <= 0) {
		fprintf(stderr, "strata %s: \"%s\" is not a positive number of migrations\n", c->cmd->name, c->args[0]);
		return 2;
	}
	return 0;
}

static int need_version(struct cli *c, struct strata_version *v)
{
	if (c->nargs != 1) {
		fprintf(stderr, "strata %s: expected one version, e.g. `strata %s 20240101120000`\n", c->cmd->name,
			c->cmd->name);
		return 2;
	}
	if (strcmp(c->args[0], "-1") == 0) { /* golang-migrate's "no version" */
		v->d[0] = '\0';
		return 0;
	}
	if (parse_version_arg(c, c->args[0], v)) {
		fprintf(stderr, "strata %s: \"%s\" is not a version (digits, dashes allowed)\n", c->cmd->name,
			c->args[0]);
		return 2;
	}
	return 0;
}

/* " (partial: ...)" when the plan line `text` ("VERSION NAME") is a partial row of st, else "". */
static const char *partial_of(const struct strata_status *st, const char *text)
{
	static char buf[128];
	size_t i, n;

	for (i = 0; st && i < st->n; i++) {
		const struct strata_status_row *r = &st->rows[i];

		n = strlen(r->vtext);
		if (r->state != STRATA_PARTIAL || strncmp(text, r->vtext, n) || text[n] != ' ' || strcmp(text + n + 1, r->name))
			continue;
		snprintf(buf, sizeof(buf), " (partial: %d statement%s of it ran and stay%s in the database)", r->stmts_done,
			 r->stmts_done == 1 ? "" : "s", r->stmts_done == 1 ? "s" : "");
		return buf;
	}
	return "";
}

/* Plan without changing anything; ask when the plan undoes something. 0 go on, else exit code. */
static int ask_first(struct cli *c, const struct strata_request *req)
{
	struct strata_request dry = *req;
	struct strata_status *st;
	struct strata_err err;
	size_t i, ndown = 0;
	int rc, ok;

	if (c->dry_run)
		return 0;
	strata_err_clear(&err);
	dry.dry_run = 1;
	c->capturing = 1;
	rc = strata_run(c->db, c->src, &dry, NULL, &err);
	c->capturing = 0;
	if (rc)
		return out_error_release(c, rc, &err);
	for (i = 0; i < c->nplan; i++)
		ndown += c->plan[i].down || req->action == STRATA_FORCE;
	if (!ndown || (c->yes && c->quiet)) {
		free(c->plan);
		c->plan = NULL;
		c->nplan = 0;
		return 0;
	}
	if (req->action == STRATA_FORCE && strata_status_get(c->db, c->src, &st, &err) == 0)
		; /* force over a partial row: say before asking what of it is in the database */
	else
		st = NULL;
	strata_err_release(&err);
	fprintf(stderr, "strata: on %s this will %s:\n", c->target->display,
		req->action == STRATA_FORCE ? "change the recorded state, running nothing" : "roll back");
	for (i = 0; i < c->nplan; i++)
		if (c->plan[i].down || req->action == STRATA_FORCE)
			fprintf(stderr, "  %s %s%s%s\n",
				req->action == STRATA_FORCE ? (c->plan[i].down ? "unrecord" : "record  ") : "down",
				c->plan[i].text,
				c->plan[i].empty && req->action != STRATA_FORCE ? " (" NO_STATEMENTS ")" : "",
				partial_of(st, c->plan[i].text));
	strata_status_free(st);
	ok = confirm(c, "Go ahead?");
	free(c->plan);
	c->plan = NULL;
	c->nplan = 0;
	return ok ? 0 : 2;
}

/* --sql: print the script a DBA would run, run nothing. */
static int print_script(struct cli *c, const struct strata_request *req)
{
	struct strata_request r = *req;
	struct strata_err err;
	char *script = NULL;
	int rc;

	strata_err_clear(&err);
	r.script = &script;
	if (c->from) { /* offline: where the database stands is what --from says; it is not connected */
		r.offline = 1;
		if (strcmp(c->from, "base") != 0) {
			if (parse_version_arg(c, c->from, &r.from)) {
				fprintf(stderr, "strata %s: --from \"%s\" is not a version (digits, dashes allowed; 0 or "
						"base: nothing applied)\n",
					c->cmd->name, c->from);
				return 2;
			}
			r.from_set = 1;
		}
	}
	rc = strata_run(c->db, c->src, &r, NULL, &err);
	if (rc)
		return out_error_release(c, rc, &err);
	fputs(script, stdout);
	free(script);
	return 0;
}

/* --json on one database: what ran, where the database is, and the error. */
static void print_run_json(struct cli *c, int rc, const struct strata_run_result *res, const struct strata_err *err)
{
	cJSON *root = cJSON_CreateObject();
	/* res->applied is (size_t)-1 when the run stopped before it knew the database's state */
	int known = res->applied != (size_t)-1;

	cJSON_AddStringToObject(root, "database", c->target->display);
	cJSON_AddStringToObject(root, "command", c->cmd->name);
	cJSON_AddItemToObject(root, "migrations", (cJSON *)c->jsteps);
	c->jsteps = NULL;
	/* after a failure too: what ran before it and stays, and where the database is */
	if (known) {
		cJSON_AddNumberToObject(root, "applied", (double)res->applied);
		if (res->have_current)
			cJSON_AddStringToObject(root, "version", res->current);
		else
			cJSON_AddNullToObject(root, "version");
	}
	if (rc)
		cJSON_AddItemToObject(root, "error", (cJSON *)json_error(c, rc, err));
	out_json(c, root);
}

static int run(struct cli *c, const struct strata_request *req, int destructive)
{
	struct strata_err err;
	struct strata_run_result res;
	int rc;

	if (c->sql && c->json) {
		fprintf(stderr, "strata: --sql prints an SQL script, not JSON: give --sql or --json, not both\n");
		return 2;
	}
	if (c->fleet && (c->sql || c->dry_run)) {
		fprintf(stderr, "strata: --sql and --dry-run work on one database at a time\n");
		return 2;
	}
	if (c->fleet) {
		if (destructive &&
		    !confirm(c, req->action == STRATA_GOTO ? "goto may roll back migrations on the targets of the fleet. Go ahead?"
							   : "This rolls back migrations on every target of the fleet. Go ahead?"))
			return 2;
		return cmd_fleet(c, req);
	}
	if (c->sql)
		return print_script(c, req);
	if (destructive) {
		rc = ask_first(c, req);
		if (rc)
			return rc;
	}
	strata_err_clear(&err);
	c->nfailed = 0;
	if (c->json)
		c->jsteps = cJSON_CreateArray();
	memset(&res, 0, sizeof(res));
	res.applied = (size_t)-1; /* left so when strata_run stops before reading the state */
	rc = strata_run(c->db, c->src, req, &res, &err);
	if (c->json)
		print_run_json(c, rc, &res, &err);
	if (rc) {
		if (c->nfailed) { /* the failing migration was already reported, with its file and line */
			strata_err_release(&err);
			return strata_exit_code(rc);
		}
		return out_error_release(c, rc, &err);
	}
	strata_err_release(&err);
	/* up --dump FILE, dump = FILE: the schema as it now is, as dbmate keeps schema.sql */
	if (c->cfg.dump && !c->dry_run)
		return write_schema_file(c, c->cfg.dump);
	return 0;
}

int cmd_up(struct cli *c)
{
	struct strata_request req = { .action = STRATA_UP };
	int rc = parse_count(c, &req.count);

	return rc ? rc : run(c, &req, 0);
}

int cmd_down(struct cli *c)
{
	struct strata_request req = { .action = STRATA_DOWN };
	int rc = parse_count(c, &req.count);

	if (rc)
		return rc;
	if (mo.all && req.count) {
		fprintf(stderr, "strata down: give either N or --all, not both\n");
		return 2;
	}
	req.all = mo.all;
	return run(c, &req, 1);
}

int cmd_down_all(struct cli *c)
{
	mo.all = 1;
	return cmd_down(c);
}

int cmd_goto(struct cli *c)
{
	struct strata_request req = { .action = STRATA_GOTO, .target_set = 1 };
	int rc = need_version(c, &req.target);

	return rc ? rc : run(c, &req, 1);
}

int cmd_redo(struct cli *c)
{
	struct strata_request req = { .action = STRATA_REDO };

	if (c->nargs) {
		fprintf(stderr, "strata redo: takes no arguments\n");
		return 2;
	}
	return run(c, &req, 1);
}

int cmd_force(struct cli *c)
{
	struct strata_request req = { .action = STRATA_FORCE, .target_set = 1 };
	int rc = need_version(c, &req.target);

	return rc ? rc : run(c, &req, 1);
}

int cmd_baseline(struct cli *c)
{
	struct strata_request req = { .action = STRATA_BASELINE, .target_set = 1 };
	int rc = need_version(c, &req.target);

	return rc ? rc : run(c, &req, 0);
}

int cmd_accept(struct cli *c)
{
	struct strata_request req = { .action = STRATA_ACCEPT, .target_set = 1 };
	int rc = need_version(c, &req.target);

	return rc ? rc : run(c, &req, 0);
}

int cmd_adopt(struct cli *c)
{
	struct strata_adopt_result res;
	struct strata_err err;
	int rc;

	if (c->nargs) {
		fprintf(stderr, "strata adopt: takes no arguments (the other tool's table goes with --from TABLE)\n");
		return 2;
	}
	strata_err_clear(&err);
	rc = strata_adopt(c->db, c->src, c->from, &res, &err);
	if (rc)
		return out_error_release(c, rc, &err);
	if (!c->quiet) {
		printf("strata: adopted %s's state from %s: %zu migration%s recorded as applied", res.tool, res.table,
		       res.recorded, res.recorded == 1 ? "" : "s");
		if (res.have_version)
			printf(", at %s", vtext_of(c, &res.version));
		printf("\n");
		if (res.changed)
			fprintf(stderr, "strata: %zu of them changed since %s ran them (its checksum differs from the "
					"file's): `strata status` shows which; a repeatable runs again on `strata up`\n",
				res.changed, res.tool);
		if (res.unknown)
			fprintf(stderr, "strata: %zu version%s recorded by %s %s no file in %s (%s); not recorded\n",
				res.unknown, res.unknown == 1 ? "" : "s", res.tool, res.unknown == 1 ? "has" : "have",
				c->src->dir, res.unknown_list);
	}
	return 0;
}

/* drop --json: what was (--dry-run: would be) removed, in the words drop prints */
static int drop_json(struct cli *c, const char *what)
{
	cJSON *root = cJSON_CreateObject();

	cJSON_AddStringToObject(root, "database", c->target->display);
	cJSON_AddStringToObject(root, "command", "drop");
	cJSON_AddBoolToObject(root, "dry_run", c->dry_run);
	cJSON_AddStringToObject(root, "dropped", what ? what : "");
	return out_json(c, root);
}

int cmd_drop(struct cli *c)
{
	struct strata_err err;
	char *what = NULL, question[600];
	int rc;

	if (c->nargs) {
		fprintf(stderr, "strata drop: takes no arguments\n");
		return 2;
	}
	strata_err_clear(&err);
	rc = strata_drop_preview(c->db, &what, &err);
	if (rc)
		return out_error_release(c, rc, &err);
	snprintf(question, sizeof(question), "Drop everything on %s: %s?", c->target->display, what);
	if (c->dry_run) {
		if (c->json)
			rc = drop_json(c, what);
		else
			printf("strata: --dry-run: nothing dropped; drop would remove, on %s: %s\n", c->target->display,
			       what ? what : "");
		free(what);
		return rc;
	}
	free(what);
	what = NULL;
	if (!confirm(c, question))
		return 2;
	rc = strata_drop(c->db, &what, &err);
	if (rc)
		return out_error_release(c, rc, &err);
	if (c->json)
		rc = drop_json(c, what);
	else if (!c->quiet)
		printf("strata: dropped %s\n", what);
	free(what);
	return 0;
}
