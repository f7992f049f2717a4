/*
 * main.c - strata's command line: options, configuration, the command table.
 *
 * Options may stand before or after the command, with one or two dashes, so
 * that golang-migrate's spellings (-path, -database, -source file://, -all,
 * create -ext sql -dir DIR -seq) work as its users type them. The table of
 * commands says what each one needs (files, a database) and the dispatcher
 * provides it before the command runs; strata help, help CMD and CMD --help
 * are generated from the table (each row's examples, each option's list of
 * commands), wrapped to 80 columns. The table also holds the verbs of
 * Alembic and dbmate (cmd_alias.c), each row naming the tool it comes from.
 * What is mistyped is named (did you mean ...?), and what a command does
 * not take (an argument, -f outside drop) is refused before anything runs.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli.h"

static int cmd_help(struct cli *c);

#define MIGRATE NEED_SOURCE | NEED_DB | RUNS_SCRIPTS

/*
 * The commands, then the other tools' verbs (from: the tool, as: the strata
 * command whose options apply, means: what it does in strata's words).
 * `strata help NAME` is made of a row: synopsis, help, options, examples.
 */
const struct command commands[] = {
	{ "up", cmd_up, MIGRATE | FLEET | CREATES_DB, "[N]", "apply all pending migrations, or the next N",
	  "strata -d sqlite:app.db up\nstrata -d postgres://app@db/app -p db/migrations up 1\n"
	  "strata up --dry-run", NULL, NULL, NULL },
	{ "down", cmd_down, MIGRATE | FLEET, "[N]", "roll back the last migration, or the last N (--all: every one)",
	  "strata down\nstrata down 3 --yes\nstrata down --all --dry-run", NULL, NULL, NULL },
	{ "goto", cmd_goto, MIGRATE | FLEET, "V", "migrate up or down to version V (0: roll everything back)",
	  "strata goto 20240101120000\nstrata goto 0 --yes\nstrata goto 000003 --dry-run", NULL, NULL, NULL },
	{ "redo", cmd_redo, MIGRATE, "", "roll back the last migration and apply it again",
	  "strata redo\nstrata redo --yes", NULL, NULL, NULL },
	{ "status", cmd_status, NEED_SOURCE | NEED_DB | READ_ONLY | FLEET | UPS_ONLY, "",
	  "list every migration: applied, pending, modified, missing, partial",
	  "strata status\nstrata status --json\nstrata status --exit-code   # CI: exit 1 while pending", NULL, NULL,
	  NULL },
	{ "version", cmd_version, NEED_DB | READ_ONLY | FLEET | MAYBE_SOURCE, "", "print the current version alone (from the database only)",
	  "strata version\nstrata -d sqlite:app.db version --json", NULL, NULL, NULL },
	{ "validate", cmd_validate, NEED_SOURCE | WANT_DB | READ_ONLY | FLEET, "",
	  "check the files (and, with a database, the checksums)",
	  "strata -p migrations validate\nstrata -d sqlite:app.db validate", NULL, NULL, NULL },
	{ "create", cmd_create, WANT_SOURCE, "NAME", "write a new migration pair (timestamp version; --seq: next number)",
	  "strata create add_users\nstrata create \"Add code owner\" --seq\n"
	  "strata create -ext sql -dir migrations -seq -digits 6 init", NULL, NULL, NULL },
	{ "force", cmd_force, NEED_SOURCE | NEED_DB, "V",
	  "record V as the current version without running anything (recovery)",
	  "strata force 000004\nstrata force -1 --yes   # nothing applied", NULL, NULL, NULL },
	{ "baseline", cmd_baseline, NEED_SOURCE | NEED_DB, "V",
	  "record pending migrations up to V as applied, running nothing (adoption)",
	  "strata baseline 000005\nstrata -d postgres://app@db/app baseline 20240101120000", NULL, NULL, NULL },
	{ "accept", cmd_accept, NEED_SOURCE | NEED_DB, "V", "record the changed file of applied migration V as its new checksum",
	  "strata accept 000002\nstrata -d sqlite:app.db -p migrations accept 20240101120000", NULL, NULL, NULL },
	{ "adopt", cmd_adopt, NEED_SOURCE | NEED_DB, "",
	  "import the state of golang-migrate, dbmate, Diesel or goose (--from TABLE)",
	  "strata adopt\nstrata adopt --from schema_migrations", NULL, NULL, NULL },
	{ "drop", cmd_drop, NEED_DB, "", "remove every table (SQLite) or the current schema (PostgreSQL)",
	  "strata drop --dry-run\nstrata drop --yes\nstrata drop -f   # golang-migrate's spelling", NULL, NULL, NULL },
	{ "history", cmd_history, NEED_DB | READ_ONLY | MAYBE_SOURCE, "", "print the log of every up, down, force, baseline, accept",
	  "strata history\nstrata history --limit 10\nstrata history --json", NULL, NULL, NULL },
	{ "help", cmd_help, 0, "[COMMAND]", "this list, or the help of one command",
	  "strata help\nstrata help up\nstrata up --help", NULL, NULL, NULL },
	/* other tools' verbs */
	{ "upgrade", cmd_upgrade, MIGRATE | CREATES_DB, "head|+N|V", "Alembic: up, up N, or up to V",
	  "strata upgrade head\nstrata upgrade +2\nstrata upgrade 000005", "Alembic", "up",
	  "upgrade head is strata up, upgrade +N is up N, upgrade V is goto V (refused when V is below the current "
	  "version: an upgrade never rolls back)" },
	{ "downgrade", cmd_downgrade, MIGRATE, "-1|-N|base|V", "Alembic: down 1, down N, down --all, or down to V",
	  "strata downgrade -1\nstrata downgrade base --yes\nstrata downgrade 000003", "Alembic", "down",
	  "downgrade -N is strata down N, downgrade base is down --all, downgrade V is goto V (refused when V is above "
	  "the current version); it asks first, as down does" },
	{ "current", cmd_version, NEED_DB | READ_ONLY | MAYBE_SOURCE, "", "Alembic: the current version (strata version)",
	  "strata current\nstrata current --json", "Alembic", "version", "current is strata version" },
	{ "stamp", cmd_stamp, NEED_SOURCE | NEED_DB, "head|base|V", "Alembic: record a version, running nothing (force)",
	  "strata stamp head\nstrata stamp 000004 --yes\nstrata stamp base --yes", "Alembic", "force",
	  "stamp V is strata force V: afterwards exactly the migrations up to V are recorded as applied (above V "
	  "unrecorded), and no SQL runs; head is the newest migration file, base is nothing applied. It asks first, "
	  "as force does (to record pending migrations only, see strata baseline)" },
	{ "heads", cmd_heads, NEED_SOURCE | UPS_ONLY, "", "Alembic: the newest migration file",
	  "strata heads\nstrata -p db/migrations heads", "Alembic", "heads",
	  "heads prints the version and name of the newest migration file; no database is needed" },
	{ "new", cmd_create, WANT_SOURCE, "NAME", "dbmate: write a new migration pair (create)",
	  "strata new add_users\nstrata new create_orders --seq", "dbmate", "create", "new NAME is strata create NAME" },
	{ "migrate", cmd_up, MIGRATE | FLEET | CREATES_DB, "", "dbmate: apply all pending migrations (up)",
	  "strata migrate\nstrata -d postgres://app@db/app migrate", "dbmate", "up", "migrate is strata up" },
	{ "rollback", cmd_down, MIGRATE | FLEET, "", "dbmate: roll back the last migration (down 1)",
	  "strata rollback\nstrata rollback --yes", "dbmate", "down",
	  "rollback is strata down: the last migration, asking first as down does" },
	{ "wait", cmd_wait, 0, "", "dbmate: wait until the database accepts connections",
	  "strata wait\nstrata -d postgres://app@db/app wait --wait-timeout 30s\nstrata wait && strata up", "dbmate",
	  "wait",
	  "wait tries to connect every second until the database accepts connections (exit 0) or --wait-timeout "
	  "passes (default 60 s; exit 1); an SQLite file must exist" },
	{ NULL, NULL, 0, NULL, NULL, NULL, NULL, NULL, NULL },
};

enum opt_id {
	O_DATABASE = 1, O_PATH, O_SOURCE, O_CONFIG, O_TABLE, O_SINGLE_TX, O_LOCK_WAIT, O_ALL, O_SEQ, O_JSON,
	O_YES, O_NO_COLOR, O_QUIET, O_VERBOSE, O_HELP, O_VERSION, O_DRY_RUN, O_ALLOW_MODIFIED,
	O_ALLOW_OOO, O_EXT, O_DIR, O_IGNORED_ARG, O_SQL, O_FROM, O_BACKUP, O_TARGETS, O_SCHEMAS, O_JOBS, O_FAIL_FAST, O_CANARY, O_PG_LOCK_TIMEOUT, O_STATEMENT_TIMEOUT, O_LOCK_RETRIES,
	O_IGNORE_OTHER_TOOL,
	O_DIGITS, O_FORMAT, O_TZ, O_LIMIT, O_ENV_FILE, O_DROP_F, O_EXIT_CODE, O_WAIT_TIMEOUT,
};

struct option_def {
	const char *shortname;   /* without the dash, or NULL */
	const char *longname;    /* with one or two dashes */
	enum opt_id id;
	int takes_arg;
	const char *arg;         /* for --help, NULL: hidden */
	const char *help;
	const char *cmds;        /* the commands it applies to, for `strata help CMD`: names and @db (those
				    that open a database), @src (read migrations), @run (run them), @fleet,
				    @change (change a database); NULL: every command */
};

static const struct option_def options[] = {
	{ "d", "database", O_DATABASE, 1, "URL", "database URL (or DATABASE_URL, or database= in strata.ini)", "@db wait" },
	{ "p", "path", O_PATH, 1, "DIR",
	  "migrations directory (or STRATA_PATH; default ./migrations); repeat to merge several into one history", "@src" },
	{ NULL, "source", O_SOURCE, 1, NULL, NULL, NULL },
	{ "c", "config", O_CONFIG, 1, "FILE", "config file (default ./strata.ini when present)", NULL },
	{ NULL, "env-file", O_ENV_FILE, 1, "FILE", "load DATABASE_URL, PG* ... from a KEY=VALUE file (env_file= in strata.ini)", NULL },
	{ NULL, "table", O_TABLE, 1, "NAME", "tracking table (default strata_migrations; schema.name allowed)", "@db" },
	{ NULL, "single-transaction", O_SINGLE_TX, 0, "", "run the whole batch in one transaction", "@run" },
	{ NULL, "lock-wait", O_LOCK_WAIT, 1, "SECONDS", "give up waiting for another runner's lock (exit 3)", "@change" },
	{ NULL, "lock-timeout", O_PG_LOCK_TIMEOUT, 1, "SECONDS",
	  "PostgreSQL lock_timeout for migrations (a statement waiting longer fails, and is retried)", "@run" },
	{ NULL, "statement-timeout", O_STATEMENT_TIMEOUT, 1, "SECONDS", "PostgreSQL statement_timeout for migrations", "@run" },
	{ NULL, "lock-retries", O_LOCK_RETRIES, 1, "N",
	  "retries of a migration that hit lock_timeout, with backoff (default 3)", "@run" },
	{ NULL, "targets", O_TARGETS, 1, "FILE", "fleet: one database URL per line (# comments; - for stdin)", "@fleet" },
	{ NULL, "schemas", O_SCHEMAS, 1, "PATTERN", "fleet: every schema of the -d PostgreSQL database matching PATTERN", "@fleet" },
	{ "j", "jobs", O_JOBS, 1, "N", "fleet: targets migrated in parallel (default: number of cores)", "@fleet" },
	{ NULL, "fail-fast", O_FAIL_FAST, 0, "", "fleet: start no more targets after one failed", "@fleet" },
	{ NULL, "canary", O_CANARY, 1, "N", "fleet: migrate N targets first, stop if one of them fails", "@fleet" },
	{ NULL, "backup", O_BACKUP, 1, "DIR", "back the database up into DIR before changing it", "@change" },
	{ NULL, "all", O_ALL, 0, "", "with down: roll back every applied migration", "down" },
	{ NULL, "seq", O_SEQ, 0, "", "with create: next sequential number instead of a timestamp", "create" },
	{ NULL, "digits", O_DIGITS, 1, "N", "with create --seq: zero-pad the number to N digits", "create" },
	{ NULL, "format", O_FORMAT, 1, "LAYOUT", "with create: Go time layout of the version (20060102150405, unix, unixNano)", "create" },
	{ NULL, "tz", O_TZ, 1, "ZONE", "with create: time zone of the timestamp version (default UTC)", "create" },
	{ NULL, "limit", O_LIMIT, 1, "N", "with history: only the last N entries", "history" },
	{ NULL, "dry-run", O_DRY_RUN, 0, "", "show what would run, statement by statement; change nothing", "@run drop" },
	{ NULL, "sql", O_SQL, 0, "", "with up, down, goto: print the SQL script (bookkeeping included) instead of running it", "up down goto" },
	{ NULL, "allow-modified", O_ALLOW_MODIFIED, 0, "", "do not refuse applied migrations whose file changed", "@run" },
	{ NULL, "allow-out-of-order", O_ALLOW_OOO, 0, "", "apply pending migrations older than the newest applied", "@run" },
	{ NULL, "ignore-other-tool", O_IGNORE_OTHER_TOOL, 0, "",
	  "up/goto on a database another tool's table says it manages (before strata records anything): run anyway", "up goto" },
	{ NULL, "from", O_FROM, 1, "TABLE", "with adopt: the other tool's table (default: look for it)", "adopt" },
	{ NULL, "json", O_JSON, 0, "", "machine-readable output on stdout (every command that reports)", "@db" },
	{ "y", "yes", O_YES, 0, "", "answer yes to confirmations", "down goto redo force drop" },
	{ "f", "force-yes", O_DROP_F, 0, NULL, NULL, NULL }, /* golang-migrate's drop -f, for drop only */
	{ NULL, "no-color", O_NO_COLOR, 0, "", "never colour (NO_COLOR is honoured too)", NULL },
	{ "q", "quiet", O_QUIET, 0, "", "print errors only", NULL },
	{ "v", "verbose", O_VERBOSE, 0, "", "print more", NULL },
	{ "h", "help", O_HELP, 0, "", "this help; after a command, that command's help", NULL },
	{ NULL, "version", O_VERSION, 0, NULL, NULL, NULL },
	{ NULL, "ext", O_EXT, 1, NULL, NULL, NULL },
	{ NULL, "dir", O_DIR, 1, NULL, NULL, NULL },
	{ NULL, "prefetch", O_IGNORED_ARG, 1, NULL, NULL, NULL },
	{ NULL, "exit-code", O_EXIT_CODE, 0, "", "with status: exit 1 when a migration is pending (dbmate's, for CI)",
	  "status" },
	{ NULL, "wait-timeout", O_WAIT_TIMEOUT, 1, "SECONDS", "with wait: give up after this long (default 60s)",
	  "wait" },
	{ NULL, NULL, 0, 0, NULL, NULL, NULL },
};

#define HELP_WIDTH 80

/*
 * Print `head` in a column `indent` wide (on a line of its own when it does
 * not fit), then `text` wrapped at words so that no line passes HELP_WIDTH.
 */
static void print_wrapped(FILE *f, const char *head, int indent, const char *text)
{
	int col = fprintf(f, "%s", head), words = 0;
	const char *p = text;

	if (*head && col >= indent - 1) {
		fputc('\n', f);
		col = 0;
	}
	while (*p) {
		size_t w = strcspn(p, " ");

		if (words && col + 1 + (int)w > HELP_WIDTH - 1) {
			fputc('\n', f);
			col = 0;
			words = 0;
		}
		if (col < indent)
			col += fprintf(f, "%*s", indent - col, "");
		else if (words)
			col += fprintf(f, " ");
		col += fprintf(f, "%.*s", (int)w, p);
		words++;
		p += w;
		while (*p == ' ')
			p++;
	}
	fputc('\n', f);
}

static void option_head(const struct option_def *o, char *head, size_t size)
{
	snprintf(head, size, "  %s%s%s--%s%s%s", o->shortname ? "-" : "", o->shortname ? o->shortname : "",
		 o->shortname ? ", " : "    ", o->longname, *o->arg ? " " : "", o->arg);
}

static void usage(FILE *f)
{
	const struct command *cmd;
	const struct option_def *o;
	const char *from = NULL;

	fprintf(f, "usage: strata [options] <command> [args]\n\n"
		   "Apply versioned SQL migrations to SQLite and PostgreSQL.\n\nCommands:\n");
	for (cmd = commands; cmd->name; cmd++) {
		char head[48];

		if (cmd->from && !from)
			fprintf(f, "\nThe verbs of other tools (strata help NAME says what each one does):\n");
		from = cmd->from;
		snprintf(head, sizeof(head), "  %s %s", cmd->name, cmd->args);
		print_wrapped(f, head, 26, cmd->help);
	}
	fprintf(f, "\nOptions, before or after the command (strata help COMMAND: those it takes):\n");
	for (o = options; o->longname; o++) {
		char head[48];

		if (!o->arg)
			continue;
		option_head(o, head, sizeof(head));
		print_wrapped(f, head, 30, o->help);
	}
	fprintf(f, "\nDatabases: postgres://user@host/db?sslmode=... (any libpq parameter; PGHOST,\n"
		   "  PGUSER... honoured), a libpq \"key=value\" string, sqlite:PATH, sqlite3://PATH,\n"
		   "  or a file ending in .db, .sqlite, .sqlite3.\n"
		   "golang-migrate spellings work too: -path DIR, -database URL,\n"
		   "  -source file://DIR, -all, drop -f, create -ext sql -dir DIR -seq -digits N\n"
		   "  NAME (-format LAYOUT, -tz ZONE).\n"
		   "\nExit status: 0 success; 1 a migration or database error (status --exit-code:\n"
		   "  something is pending); 2 bad usage or bad migration files (nothing was\n"
		   "  touched), or a confirmation answered no; 3 the lock was not obtained in time;\n"
		   "  130 interrupted (Ctrl-C; 143 for TERM): at a prompt nothing was done, during\n"
		   "  a run the migration in progress was rolled back.\n");
}

/* Does option o apply to command cmd (its `cmds` list)? */
static int option_applies(const struct option_def *o, const struct command *cmd)
{
	static const struct {
		const char *token;
		unsigned flags, not;
	} groups[] = {
		{ "@db", NEED_DB | WANT_DB, 0 },
		{ "@src", NEED_SOURCE | WANT_SOURCE, 0 },
		{ "@run", RUNS_SCRIPTS, 0 },
		{ "@fleet", FLEET, 0 },
		{ "@change", NEED_DB, READ_ONLY },
	};
	const char *p = o->cmds;
	const char *as = cmd->as ? cmd->as : cmd->name;
	size_t i, n;

	if (!p)
		return 1;
	for (; *p; p += n + strspn(p + n, " ")) {
		n = strcspn(p, " ");
		if ((strlen(cmd->name) == n && strncmp(p, cmd->name, n) == 0) || (strlen(as) == n && strncmp(p, as, n) == 0))
			return 1;
		for (i = 0; i < sizeof(groups) / sizeof(groups[0]); i++)
			if (strlen(groups[i].token) == n && strncmp(p, groups[i].token, n) == 0 &&
			    (cmd->flags & groups[i].flags) && !(cmd->flags & groups[i].not))
				return 1;
	}
	return 0;
}

/* `strata help NAME`, `strata NAME --help`: synopsis, what it does, its options, examples. */
static void command_usage(FILE *f, const struct command *cmd)
{
	const struct option_def *o;
	const char *p;
	char line[160];

	fprintf(f, "usage: strata [options] %s%s%s\n\n", cmd->name, cmd->args[0] ? " " : "", cmd->args);
	/* a sentence: capitalised, except a tool's name (dbmate) */
	snprintf(line, sizeof(line), "%c%s.",
		 !cmd->from && cmd->help[0] >= 'a' && cmd->help[0] <= 'z' ? cmd->help[0] - 'a' + 'A' : cmd->help[0],
		 cmd->help + 1);
	print_wrapped(f, "", 0, line);
	if (cmd->from) {
		char text[600];

		snprintf(text, sizeof(text), "From %s: %s.", cmd->from, cmd->means);
		fputc('\n', f);
		print_wrapped(f, "", 0, text);
	}
	fprintf(f, "\nOptions:\n");
	for (o = options; o->longname; o++) {
		char head[48];

		if (!o->arg || !option_applies(o, cmd))
			continue;
		option_head(o, head, sizeof(head));
		print_wrapped(f, head, 30, o->help);
	}
	fprintf(f, "\nExamples:\n");
	for (p = cmd->examples; *p;) {
		size_t n = strcspn(p, "\n");

		fprintf(f, "  %.*s\n", (int)n, p);
		p += n + (p[n] == '\n');
	}
}

static const struct command *find_command(const char *name)
{
	const struct command *cmd;

	for (cmd = commands; cmd->name; cmd++)
		if (strcmp(cmd->name, name) == 0)
			return cmd;
	return NULL;
}

static const char *suggest_command(const char *typed);

/* strata help [COMMAND] */
static int cmd_help(struct cli *c)
{
	const struct command *cmd;

	if (c->nargs == 0) {
		usage(stdout);
		return 0;
	}
	cmd = find_command(c->args[0]);
	if (!cmd) {
		const char *near = suggest_command(c->args[0]);

		if (near)
			fprintf(stderr, "strata help: unknown command \"%s\"; did you mean \"%s\"? (see strata help)\n",
				c->args[0], near);
		else
			fprintf(stderr, "strata help: unknown command \"%s\" (see strata help)\n", c->args[0]);
		return 2;
	}
	command_usage(stdout, cmd);
	return 0;
}

/* Edit distance of a and b (an adjacent swap counts one), for did-you-mean. */
static size_t edit_distance(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b), i, j;
	size_t d[34][34];

	if (la > 32 || lb > 32)
		return 99;
	for (i = 0; i <= la; i++)
		d[i][0] = i;
	for (j = 0; j <= lb; j++)
		d[0][j] = j;
	for (i = 1; i <= la; i++)
		for (j = 1; j <= lb; j++) {
			size_t v = d[i - 1][j - 1] + (a[i - 1] != b[j - 1]);

			if (d[i - 1][j] + 1 < v)
				v = d[i - 1][j] + 1;
			if (d[i][j - 1] + 1 < v)
				v = d[i][j - 1] + 1;
			if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] && d[i - 2][j - 2] + 1 < v)
				v = d[i - 2][j - 2] + 1;
			d[i][j] = v;
		}
	return d[la][lb];
}

/* Is `candidate` close enough to what was typed to suggest it? */
static int close_to(const char *typed, const char *candidate, size_t *best)
{
	size_t d = edit_distance(typed, candidate), len = strlen(typed);

	if (d > (len <= 4 ? 1u : 2u) || d >= *best)
		return 0;
	*best = d;
	return 1;
}

static const char *suggest_command(const char *typed)
{
	const struct command *cmd;
	const char *found = NULL;
	size_t best = 99;

	for (cmd = commands; cmd->name; cmd++)
		if (close_to(typed, cmd->name, &best))
			found = cmd->name;
	return found;
}

/* The long option closest to `arg` (dashes and any =value dropped), or NULL. */
static const char *suggest_option(const char *arg)
{
	const struct option_def *o;
	const char *found = NULL;
	char name[40];
	size_t best = 99;

	while (*arg == '-')
		arg++;
	snprintf(name, sizeof(name), "%.*s", (int)strcspn(arg, "="), arg);
	for (o = options; o->longname; o++)
		if (o->id != O_DROP_F && o->id != O_IGNORED_ARG && close_to(name, o->longname, &best))
			found = o->longname;
	return found;
}

static const struct option_def *find_option(const char *arg, const char **inline_value)
{
	const struct option_def *o;
	const char *name = arg + 1;
	size_t n;
	int dashes = 1;

	*inline_value = NULL;
	if (name[0] == '-') {
		name++;
		dashes = 2;
	}
	n = strcspn(name, "=");
	/* golang-migrate's -lock-timeout is how long to wait for its lock: our --lock-wait */
	if (dashes == 1 && n == 12 && strncmp(name, "lock-timeout", 12) == 0) {
		for (o = options; o->longname && strcmp(o->longname, "lock-wait") != 0; o++)
			;
		if (name[n] == '=')
			*inline_value = name + n + 1;
		return o;
	}
	for (o = options; o->longname; o++) {
		if (strlen(o->longname) == n && strncmp(o->longname, name, n) == 0)
			break;
		if (dashes == 1 && o->shortname && strlen(o->shortname) == n && strncmp(o->shortname, name, n) == 0)
			break;
	}
	if (!o->longname && dashes == 1 && name[0] && name[1] && !suggest_option(arg)) {
		/*
		 * A short option with its value attached: -j2, -dapp.db. Not when the
		 * word is close to a long option: that is golang-migrate's one-dash
		 * spelling mistyped (-digitz), never -d igitz.
		 */
		for (o = options; o->longname; o++)
			if (o->takes_arg && o->shortname && o->shortname[0] == name[0] && !o->shortname[1]) {
				*inline_value = name + 1;
				return o;
			}
	}
	if (!o->longname)
		return NULL;
	if (name[n] == '=')
		*inline_value = name + n + 1;
	return o;
}

static int set_str(char **dst, const char *v)
{
	free(*dst);
	*dst = strdup(v);
	return *dst ? 0 : -1;
}

/* The spelling of golang-migrate's drop -f when given: an unknown option for any other command. */
static const char *drop_only;

/* Parse argv; returns 0 or an exit code. */
static int parse_args(struct cli *c, int argc, char **argv)
{
	int i, only_args = 0;

	c->args = calloc((size_t)argc + 1, sizeof(char *));
	if (!c->args)
		return 1;
	for (i = 1; i < argc; i++) {
		const char *a = argv[i], *val = NULL;
		const struct option_def *o;

		if (only_args || a[0] != '-' || a[1] == '\0' || (a[1] >= '0' && a[1] <= '9')) {
			if (!c->cmd) {
				const struct command *cmd;

				for (cmd = commands; cmd->name; cmd++)
					if (strcmp(cmd->name, a) == 0)
						break;
				if (!cmd->name) {
					const char *near = suggest_command(a);

					if (near)
						fprintf(stderr, "strata: unknown command \"%s\"; did you mean \"%s\"? (see strata --help)\n",
							a, near);
					else
						fprintf(stderr, "strata: unknown command \"%s\" (see strata --help)\n", a);
					return 2;
				}
				c->cmd = cmd;
			} else {
				c->args[c->nargs++] = argv[i];
			}
			continue;
		}
		if (strcmp(a, "--") == 0) {
			only_args = 1;
			continue;
		}
		o = find_option(a, &val);
		if (!o) {
			const char *near = suggest_option(a);

			if (near)
				fprintf(stderr, "strata: unknown option %s; did you mean --%s? (see strata --help)\n", a, near);
			else
				fprintf(stderr, "strata: unknown option %s (see strata --help)\n", a);
			return 2;
		}
		if (o->takes_arg && !val) {
			if (i + 1 >= argc) {
				fprintf(stderr, "strata: option %s needs a value\n", a);
				return 2;
			}
			val = argv[++i];
		} else if (!o->takes_arg && val) {
			fprintf(stderr, "strata: option %s takes no value\n", a);
			return 2;
		}
		switch (o->id) {
		case O_DATABASE:
			if (set_str(&c->flags.database, val))
				return 1;
			break;
		case O_DIR:
		case O_PATH:
			if (strata_config_add_path(&c->flags, val))
				return 1;
			break;
		case O_SOURCE:
			if (strncmp(val, "file://", 7) != 0) {
				fprintf(stderr, "strata: -source %s: only file:// sources are supported\n", val);
				return 2;
			}
			if (strata_config_add_path(&c->flags, val + 7))
				return 1;
			break;
		case O_CONFIG:
			c->config_file = val;
			break;
		case O_ENV_FILE:
			if (set_str(&c->flags.env_file, val))
				return 1;
			break;
		case O_DIGITS:
		case O_LIMIT: {
			char *end;
			long v = strtol(val, &end, 10);

			if (*end || !*val || v < 1 || v > (o->id == O_DIGITS ? 30 : 1000000000L)) {
				fprintf(stderr, "strata: --%s: \"%s\" is not a positive number%s\n", o->longname, val,
					o->id == O_DIGITS ? " (up to 30)" : "");
				return 2;
			}
			if (o->id == O_DIGITS)
				c->digits = (int)v;
			else
				c->limit = (size_t)v;
			break;
		}
		case O_FORMAT:
			c->time_format = val;
			break;
		case O_TZ:
			c->tz = val;
			break;
		case O_DROP_F:
			drop_only = a;
			c->yes = 1;
			break;
		case O_TABLE:
			if (!*val) {
				fprintf(stderr, "strata: --table needs a name\n");
				return 2;
			}
			if (set_str(&c->flags.table, val))
				return 1;
			break;
		case O_SINGLE_TX:
			c->flags.single_transaction = 1;
			break;
		case O_LOCK_WAIT:
			if (strata_parse_duration(val, &c->flags.lock_wait)) {
				fprintf(stderr, "strata: %s: \"%s\" is not a duration: expected seconds (30, 30s, 500ms, 2m) "
						"or \"forever\"\n", o->longname, val);
				return 2;
			}
			c->flags.lock_wait_set = 1;
			break;
		case O_ALL:
			c->all = 1;
			break;
		case O_SEQ:
			c->seq = 1;
			break;
		case O_DRY_RUN:
			c->dry_run = 1;
			break;
		case O_SQL:
			c->sql = 1;
			break;
		case O_FROM:
			c->from = val;
			break;
		case O_BACKUP:
			c->backup_dir = val;
			break;
		case O_TARGETS:
			c->targets_file = val;
			break;
		case O_SCHEMAS:
			c->schemas = val;
			break;
		case O_FAIL_FAST:
			c->fail_fast = 1;
			break;
		case O_JOBS:
		case O_CANARY: {
			char *end;
			long v = strtol(val, &end, 10);

			if (*end || v < 1 || v > 100000) {
				fprintf(stderr, "strata: --%s: \"%s\" is not a positive number\n", o->longname, val);
				return 2;
			}
			if (o->id == O_JOBS)
				c->jobs = (int)v;
			else
				c->canary = (size_t)v;
			break;
		}
		case O_PG_LOCK_TIMEOUT:
		case O_STATEMENT_TIMEOUT: {
			double v;

			if (strata_parse_duration(val, &v) || v <= 0) {
				fprintf(stderr, "strata: --%s: \"%s\" is not a duration (5, 5s, 500ms, 2m)\n", o->longname, val);
				return 2;
			}
			*(o->id == O_PG_LOCK_TIMEOUT ? &c->lock_timeout : &c->statement_timeout) = v;
			break;
		}
		case O_LOCK_RETRIES: {
			char *end;
			long v = strtol(val, &end, 10);

			if (*end || v < 0 || v > 100) {
				fprintf(stderr, "strata: --lock-retries %s: expected a number from 0 to 100\n", val);
				return 2;
			}
			c->lock_retries = (int)v;
			break;
		}
		case O_ALLOW_MODIFIED:
			c->flags.allow_modified = 1;
			break;
		case O_ALLOW_OOO:
			c->flags.allow_out_of_order = 1;
			break;
		case O_IGNORE_OTHER_TOOL:
			c->ignore_other_tool = 1;
			break;
		case O_JSON:
			c->json = 1;
			break;
		case O_YES:
			c->yes = 1;
			break;
		case O_NO_COLOR:
			c->color = 0;
			break;
		case O_QUIET:
			c->quiet = 1;
			break;
		case O_VERBOSE:
			c->verbose = 1;
			break;
		case O_HELP:
			c->help = 1;
			break;
		case O_VERSION:
			printf("strata %s\n", STRATA_VERSION);
			exit(0);
		case O_EXT:
			c->ext = val;
			break;
		case O_EXIT_CODE:
			c->exit_code = 1;
			break;
		case O_WAIT_TIMEOUT:
			if (strata_parse_duration(val, &c->wait_timeout) || c->wait_timeout < 0) {
				fprintf(stderr, "strata: --wait-timeout: \"%s\" is not a duration (60, 60s, 500ms, 2m)\n", val);
				return 2;
			}
			break;
		case O_IGNORED_ARG:
			break;
		}
	}
	return 0;
}

/* What the command line gave that the command does not take: -f, extra arguments. 0 or exit code 2. */
static int check_command_line(struct cli *c)
{
	int max = c->cmd->args[0] ? 1 : 0;

	if (drop_only && strcmp(c->cmd->name, "drop") != 0) {
		fprintf(stderr, "strata: unknown option %s for %s (golang-migrate's -f is drop's alone; to confirm, use --yes)\n",
			drop_only, c->cmd->name);
		return 2;
	}
	if (c->nargs <= max)
		return 0;
	if (strcmp(c->cmd->name, "history") == 0 && c->nargs == 1 && strspn(c->args[0], "0123456789") == strlen(c->args[0]))
		fprintf(stderr, "strata history: unexpected argument \"%s\"; did you mean --limit %s?\n", c->args[0],
			c->args[0]);
	else if (!max)
		fprintf(stderr, "strata %s: unexpected argument \"%s\" (%s takes none; see strata --help)\n", c->cmd->name,
			c->args[0], c->cmd->name);
	else
		fprintf(stderr, "strata %s: unexpected argument \"%s\" (%s takes one: %s)\n", c->cmd->name, c->args[max],
			c->cmd->name, c->cmd->args);
	return 2;
}

static int load_config(struct cli *c)
{
	struct strata_config env;
	struct strata_err err;
	struct stat st;
	const char *file = c->config_file;

	strata_err_clear(&err);
	strata_config_init(&c->cfg);
	if (!file && stat("strata.ini", &st) == 0)
		file = "strata.ini";
	if (file && strata_config_read_file(file, &c->cfg, &err))
		return out_error_release(c, err.code, &err);
	/* a dotenv file feeds the environment: what is really set, and the flags, beat it */
	if (c->flags.env_file || c->cfg.env_file) {
		int rc = load_env_file(c->flags.env_file ? c->flags.env_file : c->cfg.env_file);

		if (rc)
			return rc;
	}
	strata_config_init(&env);
	if (strata_config_read_env(&env, NULL, &err)) {
		strata_config_release(&env);
		return out_error_release(c, err.code, &err);
	}
	if (strata_config_overlay(&c->cfg, &env) || strata_config_overlay(&c->cfg, &c->flags)) {
		strata_config_release(&env);
		fprintf(stderr, "strata: out of memory\n");
		return 1;
	}
	strata_config_release(&env);
	return 0;
}

static int load_source(struct cli *c)
{
	struct strata_err err;
	static const char *const def[] = { "migrations" };
	const char *const *dirs = c->cfg.npaths ? (const char *const *)c->cfg.paths : def;
	const char **have = NULL;
	size_t i, ndirs = c->cfg.npaths ? c->cfg.npaths : 1, nhave = 0;
	struct stat st;
	unsigned flags = (c->cmd->flags & UPS_ONLY) ? STRATA_SOURCE_UPS_ONLY : 0;
	int rc;

	strata_err_clear(&err);
	if (c->cmd->flags & WANT_SOURCE) {
		/* create: the directories that exist, empty or not (it makes the first one when missing) */
		have = calloc(ndirs, sizeof(*have));
		if (!have) {
			fprintf(stderr, "strata: out of memory\n");
			return 1;
		}
		for (i = 0; i < ndirs; i++)
			if (!(stat(dirs[i], &st) != 0 && errno == ENOENT))
				have[nhave++] = dirs[i];
		if (!nhave) {
			free(have);
			return 0;
		}
		dirs = have;
		ndirs = nhave;
	} else {
		/* an empty or wrong directory is an error, never "nothing to do" */
		flags |= STRATA_SOURCE_NONEMPTY;
	}
	rc = strata_source_load_dirs(dirs, ndirs, flags, &c->src, &err);
	free(have);
	if (rc)
		return out_error_release(c, rc, &err);
	if (!c->quiet)
		for (i = 0; i < c->src->nwarnings; i++)
			fprintf(stderr, "strata: %s%s%s\n", col(c, "33"), c->src->warnings[i], col(c, "0"));
	c->name_width = 10;
	for (i = 0; i < c->src->n; i++) {
		int w = (int)strlen(c->src->m[i].name);

		if (w > c->name_width)
			c->name_width = w < 40 ? w : 40;
	}
	return 0;
}

static void make_opts(struct cli *c)
{
	strata_opts_init(&c->opts);
	c->opts.table = c->cfg.table;
	c->opts.lock_wait = c->cfg.lock_wait_set ? c->cfg.lock_wait : -1;
	c->opts.single_transaction = c->cfg.single_transaction > 0;
	c->opts.allow_modified = c->cfg.allow_modified > 0;
	c->opts.allow_out_of_order = c->cfg.allow_out_of_order > 0;
	c->opts.ignore_other_tool = c->ignore_other_tool;
	c->opts.dry_run = c->dry_run;
	/* looking (status, --dry-run, --sql) never creates a database file */
	c->opts.read_only = (c->cmd->flags & READ_ONLY) != 0 || c->dry_run || c->sql;
	/* a mistyped path is not a new, empty database: only up creates one */
	c->opts.must_exist = !(c->cmd->flags & CREATES_DB);
	c->opts.lock_timeout = c->lock_timeout;
	c->opts.statement_timeout = c->statement_timeout;
	c->opts.lock_retries = c->lock_retries;
	c->opts.backup_dir = c->backup_dir;
	c->opts.on_event = out_event;
	c->opts.ud = c;
}

static struct strata_cancel *cancel; /* the one database's runs (a fleet stops between targets, as before) */
static volatile sig_atomic_t interrupted; /* the signal that stopped the run, or 0 */

static int open_db(struct cli *c)
{
	struct strata_err err;
	int rc;

	strata_err_clear(&err);
	rc = strata_target_parse(c->cfg.database, &c->target, &err);
	if (rc)
		return out_error_release(c, rc, &err);
	if (c->src && (c->cmd->flags & RUNS_SCRIPTS)) {
		/* every script read as the database will, before the database is touched (or created) */
		rc = strata_source_check(c->src, c->target->engine, &err);
		if (rc)
			return out_error_release(c, rc, &err);
	}
	make_opts(c);
	/* what Ctrl-C trips (on_signal): the statement running is cancelled, its migration rolled back */
	if (strata_cancel_new(&cancel)) {
		fprintf(stderr, "strata: out of memory\n");
		return 1;
	}
	c->opts.cancel = cancel;
	rc = strata_db_open(c->target, &c->opts, &c->db, &err);
	if (rc)
		return out_error_release(c, rc, &err);
	if (c->target->engine == STRATA_ENGINE_SQLITE && (c->lock_timeout > 0 || c->statement_timeout > 0) && !c->quiet)
		fprintf(stderr, "strata: --lock-timeout and --statement-timeout are PostgreSQL settings; "
				"ignored for SQLite (--lock-wait bounds waiting for another writer)\n");
	return 0;
}

static void cleanup(struct cli *c)
{
	strata_db_close(c->db);
	strata_cancel_free(cancel);
	cancel = NULL;
	strata_target_free(c->target);
	strata_source_free(c->src);
	strata_config_release(&c->cfg);
	strata_config_release(&c->flags);
	free(c->plan);
	free(c->args);
}


/*
 * SIGINT/SIGTERM: cancel the statement running, let the library roll back
 * the migration and stop; a second signal ends the process at once (the
 * server or SQLite then rolls back the open transaction by itself).
 */
static void on_signal(int sig)
{
	static volatile sig_atomic_t seen;
	static const char msg[] = "\nstrata: interrupted; stopping, rolling back whatever is in progress "
				  "(again to quit at once)\n";
	ssize_t n;

	if (seen++) {
		signal(sig, SIG_DFL);
		raise(sig);
		return;
	}
	interrupted = sig;
	n = write(STDERR_FILENO, msg, sizeof(msg) - 1);
	(void)n;
	strata_interrupt_all();
	strata_cancel_trip(cancel);
}

int main(int argc, char **argv)
{
	struct cli c;
	int rc;

	memset(&c, 0, sizeof(c));
	strata_config_init(&c.flags);
	c.lock_retries = -1;
	c.wait_timeout = -1;
	/* no-color.org: NO_COLOR counts when set and not empty */
	c.color = isatty(STDOUT_FILENO) && isatty(STDERR_FILENO) && !(getenv("NO_COLOR") && *getenv("NO_COLOR"));
	signal(SIGPIPE, SIG_IGN);
	rc = parse_args(&c, argc, argv);
	if (rc)
		goto out;
	if (c.help && c.cmd) {
		command_usage(stdout, c.cmd);
		goto out;
	}
	if (c.help || !c.cmd) {
		usage(c.help ? stdout : stderr);
		rc = c.help ? 0 : 2;
		goto out;
	}
	rc = check_command_line(&c);
	if (rc)
		goto out;
	if (c.cmd->fn == cmd_help) {
		rc = cmd_help(&c);
		goto out;
	}
	rc = load_config(&c);
	if (rc)
		goto out;
	if (c.cmd->flags & (NEED_SOURCE | WANT_SOURCE)) {
		rc = load_source(&c);
		if (rc)
			goto out;
	} else if ((c.cmd->flags & MAYBE_SOURCE) && c.json) {
		/* versions as the file names write them; without the files, the database's digits */
		static const char *const def[] = { "migrations" };
		struct strata_err err;

		strata_err_clear(&err);
		if (strata_source_load_dirs(c.cfg.npaths ? (const char *const *)c.cfg.paths : def,
					    c.cfg.npaths ? c.cfg.npaths : 1, STRATA_SOURCE_UPS_ONLY, &c.src, &err))
			c.src = NULL;
		strata_err_release(&err);
	}
	if (c.targets_file && c.flags.database) {
		fprintf(stderr, "strata: give the databases either with -d or with --targets FILE, not both\n");
		rc = 2;
		goto out;
	}
	c.fleet = strata_is_fleet(c.targets_file ? NULL : c.cfg.database, c.targets_file, c.schemas);
	if (c.fleet && !(c.cmd->flags & FLEET)) {
		fprintf(stderr, "strata: %s works on one database at a time, not on a fleet\n", c.cmd->name);
		rc = 2;
		goto out;
	}
	if (c.fleet) {
		if (c.src && (c.cmd->flags & RUNS_SCRIPTS) && !c.targets_file) {
			struct strata_err err;

			strata_err_clear(&err);
			rc = strata_source_check(c.src, c.schemas ? STRATA_ENGINE_POSTGRES : STRATA_ENGINE_SQLITE, &err);
			if (rc) {
				rc = out_error_release(&c, rc, &err);
				goto out;
			}
		}
		make_opts(&c);
	} else if ((c.cmd->flags & NEED_DB) || ((c.cmd->flags & WANT_DB) && c.cfg.database)) {
		rc = open_db(&c);
		if (rc)
			goto out;
	}
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	rc = c.cmd->fn(&c);
	live_stop();
	/* stopped by Ctrl-C or a TERM (what was in progress rolled back): the shell's convention */
	if (interrupted && rc)
		rc = 128 + interrupted;
out:
	if (c.json && rc && !c.json_done) {
		/* refused before anything ran (the command line, a question): still an object on stdout */
		printf("{\n\t\"error\": {\n\t\t\"code\": \"%s\",\n\t\t\"exit_code\": %d,\n\t\t\"message\": "
		       "\"strata %s stopped; stderr says why\"\n\t}\n}\n", rc == 2 ? "usage" : "error", rc,
		       c.cmd ? c.cmd->name : "");
	}
	cleanup(&c);
	return rc;
}
