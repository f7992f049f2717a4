/*
 * cli.h - what the command-line front end shares between main.c, the
 * printer and the cmd_*.c files. Only src/cli/ prints, asks questions and
 * chooses exit codes; the library reports through return codes and events.
 */
#ifndef STRATA_CLI_H
#define STRATA_CLI_H

#include <stdio.h>

#include "strata.h"

enum {
	NEED_SOURCE = 1 << 0,   /* the migrations directory must load */
	WANT_SOURCE = 1 << 1,   /* load it when it exists */
	NEED_DB = 1 << 2,       /* a database must be given and opened */
	WANT_DB = 1 << 3,       /* open a database when one is configured */
	READ_ONLY = 1 << 4,     /* never create the database or the tracking table */
	FLEET = 1 << 5,         /* runs over a fleet of targets too */
	RUNS_SCRIPTS = 1 << 6,  /* runs migration scripts: check them all before touching the database */
	UPS_ONLY = 1 << 7,      /* only compares: the down files need not be read */
	CREATES_DB = 1 << 8,    /* may create a new SQLite file; every other command says it does not exist */
	MAYBE_SOURCE = 1 << 9,  /* load the directory quietly when it loads (versions as written); never an error */
};

struct cli {
	/* options */
	struct strata_config flags;   /* what flags set (overlaid last) */
	struct strata_config cfg;     /* the merged configuration */
	const char *config_file;
	int all, seq, json, yes, dry_run, sql, quiet, verbose, color;
	int help;
	const char *ext;              /* create -ext (golang-migrate); only "sql" */
	int digits;                   /* create -digits N (golang-migrate), 0: the width in use */
	const char *time_format;      /* create -format LAYOUT (Go time layout), or NULL */
	const char *tz;               /* create -tz ZONE, or NULL: UTC */
	size_t limit;                 /* history --limit N, 0: all */
	int exit_code;                /* status --exit-code (dbmate): exit 1 when something is pending */
	double wait_timeout;          /* wait --wait-timeout SECONDS (dbmate), < 0: 60 */
	const char *from;             /* adopt --from TABLE */
	const char *backup_dir;       /* --backup DIR */
	double lock_timeout, statement_timeout;
	int lock_retries;             /* -1: default */
	int ignore_other_tool;        /* --ignore-other-tool */
	const char *targets_file;     /* --targets FILE */
	const char *schemas;          /* --schemas PATTERN */
	int jobs, fail_fast;          /* -j N, --fail-fast */
	size_t canary;                /* --canary N */
	int fleet;                    /* the database names a fleet */
	void *jsteps;                 /* --json on one database: cJSON array of what ran */
	int json_done;                /* --json: the answer (or its error object) is on stdout already */
	/* the command */
	const struct command *cmd;
	char **args;                  /* positional arguments after the command */
	int nargs;
	/* resolved */
	struct strata_source *src;
	struct strata_target *target;
	struct strata_db *db;
	struct strata_opts opts;
	int name_width;               /* width of the name column */
	size_t nfailed;
	int capturing;                /* collect the plan into `plan` instead of printing */
	struct plan_line *plan;       /* captured steps */
	size_t nplan;
};

struct plan_line {
	int down;
	int empty;    /* a down with no statements */
	char text[160];
};

struct command {
	const char *name;
	int (*fn)(struct cli *c);
	unsigned flags;
	const char *args;      /* the synopsis after the name ("[N]", "V") */
	const char *help;      /* one line for the list of commands */
	const char *examples;  /* `strata help NAME`: command lines, one a line */
	const char *from;      /* an alias: the tool the verb comes from ("Alembic"); NULL: strata's own */
	const char *as;        /* an alias: the strata command whose options it takes */
	const char *means;     /* an alias: what it does, in strata's commands */
};

extern const struct command commands[];

int cmd_up(struct cli *c);
int cmd_down(struct cli *c);
int cmd_goto(struct cli *c);
int cmd_redo(struct cli *c);
int cmd_force(struct cli *c);
int cmd_baseline(struct cli *c);
int cmd_accept(struct cli *c);
int cmd_history(struct cli *c);
int cmd_adopt(struct cli *c);
int cmd_drop(struct cli *c);
int cmd_status(struct cli *c);
int cmd_version(struct cli *c);
int cmd_validate(struct cli *c);
int cmd_create(struct cli *c);
/* cmd_alias.c: other tools' verbs */
int cmd_upgrade(struct cli *c);
int cmd_downgrade(struct cli *c);
int cmd_stamp(struct cli *c);
int cmd_heads(struct cli *c);
int cmd_wait(struct cli *c);

/* Run a command over a fleet; req is the request for up/down/goto (NULL otherwise). */
int cmd_fleet(struct cli *c, const struct strata_request *req);

/* output.c */
void out_event(void *ud, const struct strata_event *ev);
/* Print an error for a person on stderr; returns the exit code for rc. */
int out_error(struct cli *c, int rc, const struct strata_err *err);
/* The same, then release err (an error that ends here). */
int out_error_release(struct cli *c, int rc, struct strata_err *err);
const char *col(struct cli *c, const char *code);
/*
 * --json, one schema: the error object ({"code", "exit_code", "message",
 * "file", "line", ...}; a cJSON *, the caller owns it), a version as written
 * in its file name when the file is known, and "YYYY-MM-DD HH:MM:SS" (UTC)
 * as ISO 8601 "YYYY-MM-DDTHH:MM:SSZ" into buf (s itself when not that shape).
 */
void *json_error(struct cli *c, int rc, const struct strata_err *err);
/* Print a cJSON document (taken over and freed) on stdout; 1 when out of memory. */
int out_json(struct cli *c, void *doc);
const char *vtext_of(struct cli *c, const struct strata_version *v);
const char *iso_utc(const char *s, char *buf, size_t n);
/* live.c: on a terminal, "run V NAME  3 s" while a migration runs; live_stop erases it (no-op when none). */
void live_start(const char *verb, const char *vtext, const char *name);
void live_stop(void);
/* Warn on stderr when the up script of m holds nothing but comments (up, validate). */
void warn_empty_up(struct cli *c, const struct strata_migration *m);
/* Ask [y/N] on the terminal; without one, refuse unless --yes. 1 yes, 0 no. */
int confirm(struct cli *c, const char *question);
/* dotenv.c: set the variables of a KEY=VALUE file that are not set yet. 0 ok, else an exit code (printed). */
int load_env_file(const char *file);
/* Parse a version argument ("42", "000042", "2024-02-12-120203"). 0 ok. */
int parse_version_arg(const char *s, struct strata_version *v);
/* What a down that holds no statements does, said in the plan, the prompt and the output. */
#define NO_STATEMENTS "no statements: only the record is removed"

#endif
