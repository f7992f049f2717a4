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
	RECORDS = 1 << 10,      /* records versions, running nothing (force, baseline, accept): "record" */
	ACCEPTS = 1 << 11,      /* records a file's new checksum (accept): "accepted" */
	REDOES = 1 << 12,       /* rolls back, then applies again: once its up failed, `strata up` goes on */
	REPORTS_STATE = 1 << 13,   /* over a fleet: each target's pending and problems (status, validate) */
	REPORTS_VERSION = 1 << 14, /* over a fleet: each target's version alone (version) */
	VALIDATES = 1 << 15,    /* what does not match is an error, said even with -q (validate) */
	SCRATCH = 1 << 16,      /* works in a scratch database (check, test): the options and the token a
				   signal trips are made even when no database is opened */
};

struct cli;

/*
 * One option (git's parse_options style). Each cmd_*.c declares its
 * commands' options in tables of these (ended by a row without longname),
 * `value` pointing into that file's own options struct, or into struct cli
 * for what every command shares (the target, the configuration, the output
 * mode). Any option is accepted before or after any command (golang-migrate's
 * habit) unless OPTF_STRICT; `strata help CMD` lists those of CMD's tables.
 */
enum cli_opt_kind {
	OPT_FLAG,     /* no value: *(int *)value = 1 */
	OPT_INT,      /* a whole number from lo to hi into *(int *)value, else `bad` */
	OPT_STRING,   /* the word as given into *(const char **)value */
	OPT_DURATION, /* seconds (30, 30s, 500ms, 2m) into *(double *)value; lo 1: above 0, 0: not below 0 */
	OPT_LIST,     /* a directory appended to the paths of *(struct strata_config *)value */
	OPT_CALLBACK, /* cb(c, o, spelled, value); value NULL unless OPTF_VALUE */
};

enum {
	OPTF_VALUE = 1 << 0,      /* OPT_CALLBACK: takes a value */
	OPTF_NO_SUGGEST = 1 << 1, /* never offered by did-you-mean */
	OPTF_STRICT = 1 << 2,     /* refused by the commands whose tables lack it (`bad`: spelling, command) */
};

struct cli_option {
	const char *shortname;   /* without the dash, or NULL */
	const char *longname;    /* spelled with one dash or two */
	enum cli_opt_kind kind;
	void *value;
	int (*cb)(struct cli *c, const struct cli_option *o, const char *spelled, const char *val);
	long lo, hi;             /* OPT_INT bounds; OPT_DURATION: lo as said above */
	const char *bad;         /* the error for a bad value, a format given (longname, value) */
	const char *arg;         /* the value's name in help ("DIR"); NULL when it takes none */
	const char *help;        /* NULL: hidden from help */
	unsigned flags;          /* OPTF_* */
};

/* The tables more than one command takes (main.c, cmd_migrate.c, cmd_fleet.c). */
extern const struct cli_option target_options[], source_options[], config_options[], table_options[],
	run_options[], change_options[], fleet_options[], dry_run_options[], json_options[], yes_options[],
	output_options[];
/* The tables of one command and its aliases (its cmd_*.c). */
extern const struct cli_option down_options[], sql_options[], ignore_options[], adopt_options[],
	drop_options[], create_options[], history_options[], status_options[], wait_options[];
/* cmd_create.c: every table create takes (dbmate's `new` takes the same) */
extern const struct cli_option *create_tables[];
/* A whole file into *buf (NUL-terminated): 0, or an exit code, said as "strata CMD: cannot read WHAT PATH: why" (cmd_schema.c). */
int cli_read_file(const char *cmd, const char *what, const char *path, char **buf, size_t *len);
/* cmd_schema.c: check's and test's */
extern const struct cli_option scratch_options[], check_options[], test_options[];
/* cmd_diff.c: diff's, and what shapes a plan (diff's and create --from-schema's: --allow-destructive, --online) */
extern const struct cli_option diff_options[], plan_options[];
extern struct plan_flags {
	int allow_destructive; /* --allow-destructive */
	int online;            /* --online */
} plan_flags;
/* cmd_dump.c: dump's, and up's --dump FILE */
extern const struct cli_option dump_options[], dump_file_options[];
/* Every table, in the order help lists them and the parser looks (main.c), NULL-ended. */
extern const struct cli_option *const option_tables[];

struct cli {
	/* what every command shares: the target, the configuration, the output mode */
	struct strata_config flags;   /* what flags set (overlaid last) */
	struct strata_config cfg;     /* the merged configuration */
	const char *config_file;
	int json, yes, dry_run, sql, quiet, verbose, no_color, color;
	int help;
	const char *targets_file;     /* --targets FILE */
	const char *schemas;          /* --schemas PATTERN */
	const char *from;             /* --from: adopt's TABLE, or where an offline script (--sql) starts */
	const struct cli_option *strict[4]; /* strict options given (drop's -f, --json), checked against the command */
	const char *strict_spelled[4];      /* as they were typed */
	int nstrict;
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
	struct strata_opts opts;      /* the library's options; its own flags (timeouts, --backup) land here */
	int name_width;               /* width of the name column */
	size_t nfailed;
	int capturing;                /* collect the plan into `plan` instead of printing */
	struct plan_line *plan;       /* captured steps */
	size_t nplan;
};

/* The command line being run (main.c): the shared tables point into it. */
extern struct cli cli;

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
	const char *as;        /* an alias: the strata command it stands for */
	const char *means;     /* an alias: what it does, in strata's commands */
	const struct cli_option *const *options; /* the option tables it takes, NULL-ended */
	const char *number_option; /* given an extra numeric argument N: "did you mean OPTION N?" */
};

/* Every command in the order `strata help` lists them (main.c), NULL-ended. */
extern const struct command *const commands[];
/* Each command's row, in its cmd_*.c. */
extern const struct command up_command, down_command, goto_command, redo_command, status_command,
	version_command, validate_command, create_command, force_command, baseline_command, accept_command,
	adopt_command, drop_command, history_command, help_command, upgrade_command, downgrade_command,
	current_command, stamp_command, heads_command, new_command, migrate_command, rollback_command,
	wait_command;
/* cmd_schema.c */
extern const struct command check_command, test_command;
/* cmd_dump.c */
extern const struct command dump_command;
/* cmd_diff.c */
extern const struct command diff_command;

/* options.c: argv into c (options anywhere, the command, its arguments). 0 or an exit code (printed). */
int parse_command_line(struct cli *c, int argc, char **argv);
/* What the command line gave that the command does not take: a strict option, extra arguments. 0 or 2. */
int check_command_line(struct cli *c);
/* Does cmd take option o (is o in one of its tables)? */
int command_takes(const struct command *cmd, const struct cli_option *o);
/* strata help: every command and every option. */
void usage(FILE *f);
/* strata help NAME, strata NAME --help: synopsis, what it does, the options of its tables, examples. */
void command_usage(FILE *f, const struct command *cmd);
/* The command of this name, or NULL; the name closest to a mistyped one, or NULL. */
const struct command *find_command(const char *name);
const char *suggest_command(const char *typed);
/* The option spelled `arg` ("-d", "--path=x", "-j2"), with any value written in it; NULL: unknown. */
const struct cli_option *find_option(const char *arg, const char **inline_value);

int cmd_up(struct cli *c);
int cmd_down(struct cli *c);
/* down --all (Alembic's downgrade base) */
int cmd_down_all(struct cli *c);
int cmd_goto(struct cli *c);
int cmd_redo(struct cli *c);
int cmd_force(struct cli *c);
int cmd_baseline(struct cli *c);
int cmd_accept(struct cli *c);
int cmd_history(struct cli *c);
int cmd_help(struct cli *c);
int cmd_adopt(struct cli *c);
int cmd_drop(struct cli *c);
int cmd_status(struct cli *c);
int cmd_version(struct cli *c);
int cmd_validate(struct cli *c);
int cmd_create(struct cli *c);
/* cmd_schema.c: check and test, in scratch databases */
int cmd_check(struct cli *c);
int cmd_test(struct cli *c);
/* cmd_schema.c: the scratch database check, test and diff work in (--scratch, --scratch-setup), beside `like`:
 * 0 or an exit code (printed); *setup (the setup file's text) is the caller's to free after closing */
struct strata_scratch;
int open_scratch(struct cli *c, const struct strata_target *like, struct strata_scratch **s, char **setup);
/* Drop it (NULL: nothing); a failure to is said: rc, or 1 when rc was 0 */
int close_scratch(struct cli *c, struct strata_scratch *s, int rc);
/* --scratch URL, else scratch= in strata.ini, else NULL */
const char *scratch_server(const struct cli *c);
/* --scratch-setup FILE, else scratch_setup= in strata.ini, else NULL */
const char *scratch_setup_file(const struct cli *c);
/* cmd_diff.c: strata diff */
int cmd_diff(struct cli *c);
/* cmd_dump.c: strata dump; and the schema written into file as dump writes it (up --dump FILE): 0 or an
 * exit code (printed) */
int cmd_dump(struct cli *c);
int write_schema_file(struct cli *c, const char *file);
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
/* A duration as `up` prints it ("0.4 ms"): status and history print recorded ones alike. */
void format_ms(char *out, size_t size, double ms);
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
/* The error object's code for rc: "connect", "db", "usage", ... */
const char *code_name(int rc);
/* Print a cJSON document (taken over and freed) on stdout; 1 when out of memory. */
int out_json(struct cli *c, void *doc);

/* json_said.c: with --json, stderr kept as it is said; the last message (its HINT in *hint, or NULL), or NULL */
void json_said_start(void);
const char *json_said(const char **hint);
const char *vtext_of(struct cli *c, const struct strata_version *v);
const char *iso_utc(const char *s, char *buf, size_t n);
/* live.c: on a terminal, "run V NAME  3 s" while a migration runs; live_stop erases it (no-op when none). */
void live_start(const char *verb, const char *vtext, const char *name);
void live_stop(void);
/* Warn on stderr when the up script of m holds nothing but comments (up, validate). */
void warn_empty_up(struct cli *c, const struct strata_migration *m);
/* The same warning's words into buf (no "strata: warning:"): 1 when m's up is empty, else 0. */
int empty_up_said(const struct strata_migration *m, char *buf, size_t n);
/* validate --json failing before its checks: its document, the error as its one problem (cmd_status.c) */
void validate_json_error(struct cli *c, int rc, const struct strata_err *err);
/* Ask [y/N] on the terminal; without one, refuse unless --yes. 1 yes, 0 no. */
int confirm(struct cli *c, const char *question);
/* dotenv.c: set the variables of a KEY=VALUE file that are not set yet. 0 ok, else an exit code (printed). */
int load_env_file(const char *file);
/* Parse a version argument ("42", "000042", "2024-02-12-120203"). 0 ok. */
int parse_version_arg(struct cli *c, const char *s, struct strata_version *v);
/* The loaded migration file of version v, or NULL (no source, or no such file). */
const struct strata_migration *mig_of(struct cli *c, const struct strata_version *v);
/* What a down that holds no statements does, said in the plan, the prompt and the output. */
#define NO_STATEMENTS "no statements: only the record is removed"

#endif
