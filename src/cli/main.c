/*
 * main.c - strata's command line: the registry of commands, the options
 * every command shares, configuration, and the dispatcher.
 *
 * Each command's row (cmd_*.c) says what it needs (files, a database) and
 * which option tables it takes; the dispatcher provides what it needs
 * before the command runs. The registry also holds the verbs of Alembic and
 * dbmate (cmd_alias.c), each row naming the tool it comes from. Parsing and
 * the generated help are options.c's; what a command does not take (an
 * argument, -f outside drop) is refused there before anything runs.
 * `--sql --from V` opens the database offline: its URL names the dialect,
 * nothing connects (Alembic's offline mode).
 */
#include <cjson/cJSON.h>
#include <errno.h>
#include <signal.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli.h"

/* The commands in the order `strata help` lists them: strata's own, then the other tools' verbs. */
const struct command *const commands[] = {
	&up_command, &down_command, &goto_command, &redo_command, &status_command, &version_command,
	&validate_command, &create_command, &force_command, &baseline_command, &accept_command, &adopt_command,
	&drop_command, &history_command, &check_command, &test_command, &dump_command, &diff_command, &help_command,
	/* other tools' verbs (cmd_alias.c) */
	&upgrade_command, &downgrade_command, &current_command, &stamp_command, &heads_command, &new_command,
	&migrate_command, &rollback_command, &wait_command,
	NULL,
};

/* Every option table: the order of `strata help` and of each command's help, and where the parser looks. */
const struct cli_option *const option_tables[] = {
	target_options, source_options, config_options, table_options, run_options, change_options,
	fleet_options, down_options, create_options, history_options, dry_run_options, sql_options,
	ignore_options, adopt_options, json_options, yes_options, drop_options, output_options, status_options,
	wait_options, scratch_options, check_options, test_options, dump_options, diff_options, plan_options,
	dump_file_options, NULL,
};

struct cli cli;

static int set_str(char **dst, const char *v)
{
	free(*dst);
	*dst = strdup(v);
	return *dst ? 0 : -1;
}

static int opt_database(struct cli *c, const struct cli_option *o, const char *spelled, const char *val)
{
	(void)o, (void)spelled;
	return set_str(&c->flags.database, val) ? 1 : 0;
}

static int opt_env_file(struct cli *c, const struct cli_option *o, const char *spelled, const char *val)
{
	(void)o, (void)spelled;
	return set_str(&c->flags.env_file, val) ? 1 : 0;
}

static int opt_source(struct cli *c, const struct cli_option *o, const char *spelled, const char *val)
{
	(void)o, (void)spelled;
	if (strncmp(val, "file://", 7) != 0) {
		fprintf(stderr, "strata: -source %s: only file:// sources are supported\n", val);
		return 2;
	}
	return strata_config_add_path(&c->flags, val + 7) ? 1 : 0;
}

static int opt_table(struct cli *c, const struct cli_option *o, const char *spelled, const char *val)
{
	(void)o, (void)spelled;
	if (!*val) {
		fprintf(stderr, "strata: --table needs a name\n");
		return 2;
	}
	return set_str(&c->flags.table, val) ? 1 : 0;
}

static int opt_lock_wait(struct cli *c, const struct cli_option *o, const char *spelled, const char *val)
{
	(void)spelled;
	if (strata_parse_duration(val, &c->flags.lock_wait)) {
		fprintf(stderr, "strata: %s: \"%s\" is not a duration: expected seconds (30, 30s, 500ms, 2m) "
				"or \"forever\"\n", o->longname, val);
		return 2;
	}
	c->flags.lock_wait_set = 1;
	return 0;
}

static int opt_lock(struct cli *c, const struct cli_option *o, const char *spelled, const char *val)
{
	(void)spelled;
	c->flags.lock_strategy = strata_lock_strategy_parse(val);
	if (c->flags.lock_strategy < 0) {
		fprintf(stderr, "strata: %s: \"%s\": expected auto, advisory or lease\n", o->longname, val);
		return 2;
	}
	return 0;
}

static int opt_lease(struct cli *c, const struct cli_option *o, const char *spelled, const char *val)
{
	(void)spelled;
	if (strata_parse_duration(val, &c->flags.lease) || c->flags.lease <= 0) {
		fprintf(stderr, "strata: %s: \"%s\" is not a duration: expected seconds (30, 30s, 2m)\n", o->longname,
			val);
		return 2;
	}
	c->flags.lease_set = 1;
	return 0;
}

static int opt_version(struct cli *c, const struct cli_option *o, const char *spelled, const char *val)
{
	(void)c, (void)o, (void)spelled, (void)val;
	printf("strata %s\n", STRATA_VERSION);
	exit(0);
}

/* --placeholder K=V: Flyway's -placeholders.K=V */
static int opt_placeholder(struct cli *c, const struct cli_option *o, const char *spelled, const char *val)
{
	const char *eq = strchr(val, '=');
	char name[256];

	(void)o;
	if (!eq || eq == val || (size_t)(eq - val) >= sizeof(name)) {
		fprintf(stderr, "strata: %s expects NAME=VALUE, not \"%s\"\n", spelled, val);
		return 2;
	}
	snprintf(name, sizeof(name), "%.*s", (int)(eq - val), val);
	if (strata_config_set_placeholder(&c->flags, name, eq + 1)) {
		fprintf(stderr, "strata: out of memory\n");
		return 1;
	}
	return 0;
}

static int opt_ignored(struct cli *c, const struct cli_option *o, const char *spelled, const char *val)
{
	(void)c, (void)o, (void)spelled, (void)val;
	return 0;
}

/* The shared tables: what commands that open a database, read migrations, change something... take. */
const struct cli_option target_options[] = {
	{ .shortname = "d", .longname = "database", .kind = OPT_CALLBACK, .cb = opt_database, .flags = OPTF_VALUE,
	  .arg = "URL", .help = "database URL (or DATABASE_URL, or database= in strata.ini)" },
	{ 0 },
};

const struct cli_option source_options[] = {
	{ .shortname = "p", .longname = "path", .kind = OPT_LIST, .value = &cli.flags, .arg = "DIR",
	  .help = "migrations directory (or STRATA_PATH; default ./migrations); repeat to merge several into one history" },
	{ .longname = "source", .kind = OPT_CALLBACK, .cb = opt_source, .flags = OPTF_VALUE }, /* golang-migrate's */
	{ .longname = "dir", .kind = OPT_LIST, .value = &cli.flags }, /* golang-migrate's create -dir */
	/* Flyway's -placeholders.K=V; out of the generated help, which lists the same options for every layout
	   (README's Flyway section and Configuration table say it) */
	{ .longname = "placeholder", .kind = OPT_CALLBACK, .cb = opt_placeholder, .flags = OPTF_VALUE, .arg = "K=V" },
	{ 0 },
};

const struct cli_option config_options[] = {
	{ .shortname = "c", .longname = "config", .kind = OPT_STRING, .value = &cli.config_file, .arg = "FILE",
	  .help = "config file (default ./strata.ini when present)" },
	{ .longname = "env-file", .kind = OPT_CALLBACK, .cb = opt_env_file, .flags = OPTF_VALUE, .arg = "FILE",
	  .help = "load DATABASE_URL, PG* ... from a KEY=VALUE file (env_file= in strata.ini)" },
	{ 0 },
};

const struct cli_option table_options[] = {
	{ .longname = "table", .kind = OPT_CALLBACK, .cb = opt_table, .flags = OPTF_VALUE, .arg = "NAME",
	  .help = "tracking table (default strata_migrations; schema.name allowed)" },
	{ 0 },
};

const struct cli_option change_options[] = {
	{ .longname = "lock-wait", .kind = OPT_CALLBACK, .cb = opt_lock_wait, .flags = OPTF_VALUE, .arg = "SECONDS",
	  .help = "give up waiting for another runner's lock (exit 3)" },
	{ .longname = "lock", .kind = OPT_CALLBACK, .cb = opt_lock, .flags = OPTF_VALUE, .arg = "auto|advisory|lease",
	  .help = "how runners exclude each other: the engine's session lock, a lease row with a heartbeat, or "
		  "auto (the lease where the session lock cannot work: PgBouncer, CockroachDB...); lock= in strata.ini" },
	{ .longname = "lease", .kind = OPT_CALLBACK, .cb = opt_lease, .flags = OPTF_VALUE, .arg = "SECONDS",
	  .help = "how long a lease lasts without a heartbeat (default 30s; a dead holder's is taken over after it)" },
	{ .longname = "backup", .kind = OPT_STRING, .value = &cli.opts.backup_dir, .arg = "DIR",
	  .help = "back the database up into DIR before changing it" },
	{ 0 },
};

const struct cli_option dry_run_options[] = {
	{ .longname = "dry-run", .kind = OPT_FLAG, .value = &cli.dry_run,
	  .help = "show what would run, statement by statement; change nothing" },
	{ 0 },
};

const struct cli_option json_options[] = {
	{ .longname = "json", .kind = OPT_FLAG, .value = &cli.json, .flags = OPTF_STRICT,
	  .bad = "%s: strata %s has no JSON output (the commands that report take it: strata help CMD lists it)",
	  .help = "machine-readable output on stdout, one JSON document (errors too)" },
	{ 0 },
};

const struct cli_option yes_options[] = {
	{ .shortname = "y", .longname = "yes", .kind = OPT_FLAG, .value = &cli.yes, .help = "answer yes to confirmations" },
	{ 0 },
};

const struct cli_option output_options[] = {
	{ .longname = "no-color", .kind = OPT_FLAG, .value = &cli.no_color,
	  .help = "never colour (NO_COLOR is honoured too)" },
	{ .shortname = "q", .longname = "quiet", .kind = OPT_FLAG, .value = &cli.quiet, .help = "print errors only" },
	{ .shortname = "v", .longname = "verbose", .kind = OPT_FLAG, .value = &cli.verbose, .help = "print more" },
	{ .shortname = "h", .longname = "help", .kind = OPT_FLAG, .value = &cli.help,
	  .help = "this help; after a command, that command's help" },
	{ .longname = "version", .kind = OPT_CALLBACK, .cb = opt_version },
	{ .longname = "prefetch", .kind = OPT_CALLBACK, .cb = opt_ignored, .flags = OPTF_VALUE | OPTF_NO_SUGGEST },
	{ 0 },
};

/* What every command takes, and help: config and output alone. */
static const struct cli_option *const help_tables[] = { config_options, output_options, NULL };

const struct command help_command = {
	"help", cmd_help, 0, "[COMMAND]", "this list, or the help of one command",
	"strata help\nstrata help up\nstrata up --help", NULL, NULL, NULL, help_tables, NULL,
};

/* strata help [COMMAND] */
int cmd_help(struct cli *c)
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

/* Set `name` unless the user gave it. */
static void builtin(struct cli *c, const char *name, const char *value, size_t len)
{
	char buf[1024];
	size_t i;

	for (i = 0; i < c->cfg.nph; i++)
		if (strcmp(c->cfg.ph_names[i], name) == 0)
			return;
	snprintf(buf, sizeof(buf), "%.*s", (int)len, value);
	strata_config_set_placeholder(&c->cfg, name, buf); /* out of memory: it stays unresolved, and says so */
}

/*
 * Flyway's built-in placeholders that the loader cannot know: the user and
 * the database from the URL (user@ and /dbname; a file path for SQLite),
 * the default schema (PostgreSQL's public, SQLite's main) and the table,
 * which is strata's tracking table (Flyway's own history table is not kept).
 * flyway:filename and flyway:timestamp the loader sets per file.
 */
static void flyway_builtins(struct cli *c, const char *driver)
{
	const char *url = c->cfg.database, *p, *at, *slash, *q;
	const char *user = getenv("PGUSER") ? getenv("PGUSER") : getenv("USER");
	struct passwd *pw;

	if (!user && (pw = getpwuid(getuid())) != NULL)
		user = pw->pw_name;

	builtin(c, "flyway:table", c->cfg.table ? c->cfg.table : "strata_migrations",
		strlen(c->cfg.table ? c->cfg.table : "strata_migrations"));
	if (driver)
		builtin(c, "flyway:defaultSchema", strcmp(driver, "sqlite") == 0 ? "main" : "public",
			strcmp(driver, "sqlite") == 0 ? 4 : 6);
	if (!url || !(p = strstr(url, "://"))) {
		if (url)
			builtin(c, "flyway:database", url, strlen(url)); /* a file */
		if (!getenv("USER") && (pw = getpwuid(getuid())) != NULL)
			user = pw->pw_name; /* a file has no database user: the one who runs strata */
		else
			user = getenv("USER");
		if (user)
			builtin(c, "flyway:user", user, strlen(user));
		return;
	}
	p += 3;
	slash = strchr(p, '/');
	at = strchr(p, '@');
	if (at && (!slash || at < slash)) {
		size_t n = strcspn(p, ":@");

		builtin(c, "flyway:user", p, n);
	} else if (user) {
		builtin(c, "flyway:user", user, strlen(user));
	}
	if (slash) {
		q = slash + 1;
		builtin(c, "flyway:database", q, strcspn(q, "?#"));
	}
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
	struct strata_source_opts so;
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
	strata_source_opts_init(&so);
	/* pop's dialect files: the target's; a fleet of files (--targets) has no one engine known here */
	so.driver = c->targets_file ? NULL : strata_target_driver_name(c->cfg.database);
	so.placeholders = c->cfg.placeholders;
	flyway_builtins(c, so.driver);
	so.ph_names = (const char *const *)c->cfg.ph_names;
	so.ph_values = (const char *const *)c->cfg.ph_values;
	so.nph = c->cfg.nph;
	rc = strata_source_load_opts(dirs, ndirs, flags, &so, &c->src, &err);
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

/* The library's options: its own flags (timeouts, --backup...) are in c->opts already. */
static void make_opts(struct cli *c)
{
	c->opts.table = c->cfg.table;
	c->opts.lock_wait = c->cfg.lock_wait_set ? c->cfg.lock_wait : -1;
	/* the library reads the lock strategy from the environment, so that it reaches a fleet's every target */
	if (c->cfg.lock_strategy >= 0)
		setenv("STRATA_LOCK", strata_lock_strategy_name(c->cfg.lock_strategy), 1);
	if (c->cfg.lease_set) {
		char secs[32];

		snprintf(secs, sizeof(secs), "%.3fs", c->cfg.lease);
		setenv("STRATA_LEASE", secs, 1);
	}
	c->opts.single_transaction = c->cfg.single_transaction > 0;
	c->opts.allow_modified = c->cfg.allow_modified > 0;
	c->opts.allow_out_of_order = c->cfg.allow_out_of_order > 0;
	c->opts.dry_run = c->dry_run;
	/* looking (status, --dry-run, --sql) never creates a database file */
	c->opts.read_only = (c->cmd->flags & READ_ONLY) != 0 || c->dry_run || c->sql;
	/* a mistyped path is not a new, empty database: only up creates one */
	c->opts.must_exist = !(c->cmd->flags & CREATES_DB);
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
	if (c->sql && (!c->cfg.database || !*c->cfg.database)) {
		fprintf(stderr, "strata %s: --sql writes SQL in the database's dialect: give the database with -d URL, "
				"DATABASE_URL or database= in strata.ini (with --from V it is never connected: -d "
				"postgres://host/db --from 0 for a new one)\n",
			c->cmd->name);
		return 2;
	}
	rc = strata_target_parse(c->cfg.database, &c->target, &err);
	if (rc)
		return out_error_release(c, rc, &err);
	if (c->src && (c->cmd->flags & RUNS_SCRIPTS)) {
		/* every script read as the database will, before the database is touched (or created) */
		rc = strata_source_check_target(c->src, c->target, &err);
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
	/* --sql --from: the offline script (Alembic's offline mode): the URL names the dialect, nothing connects */
	if (c->sql && c->from)
		rc = strata_db_open_offline(c->target, &c->opts, &c->db, &err);
	else
		rc = strata_db_open(c->target, &c->opts, &c->db, &err);
	if (rc)
		return out_error_release(c, rc, &err);
	if ((c->opts.lock_timeout > 0 || c->opts.statement_timeout > 0) && !c->quiet &&
	    !strata_target_supports(c->target, STRATA_FEATURE_SESSION_TIMEOUTS))
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
	struct cli *c = &cli; /* zero: static; the option tables point into it */
	int rc;

	strata_config_init(&c->flags);
	strata_opts_init(&c->opts);
	c->opts.lock_retries = -1;
	signal(SIGPIPE, SIG_IGN);
	/* --json anywhere (not after --): even a command line refused before it is read gets its error object */
	for (int i = 1; i < argc && strcmp(argv[i], "--"); i++)
		if (!strcmp(argv[i], "--json") || !strcmp(argv[i], "-json")) {
			json_said_start(); /* before anything is said: a refusal's words go into its object */
			c->json = 1;
			break;
		}
	rc = parse_command_line(c, argc, argv);
	if (rc)
		goto out;
	/* no-color.org: NO_COLOR counts when set and not empty */
	c->color = !c->no_color && isatty(STDOUT_FILENO) && isatty(STDERR_FILENO) &&
		   !(getenv("NO_COLOR") && *getenv("NO_COLOR"));
	if (c->help && c->cmd) {
		command_usage(stdout, c->cmd);
		goto out;
	}
	if (c->help || !c->cmd) {
		usage(c->help ? stdout : stderr);
		rc = c->help ? 0 : 2;
		goto out;
	}
	rc = check_command_line(c);
	if (rc)
		goto out;
	if (c->cmd->fn == cmd_help) {
		rc = cmd_help(c);
		goto out;
	}
	rc = load_config(c);
	if (rc)
		goto out;
	if (c->cmd->flags & (NEED_SOURCE | WANT_SOURCE)) {
		rc = load_source(c);
		if (rc)
			goto out;
	} else if ((c->cmd->flags & MAYBE_SOURCE) &&
		   (c->json || !strata_is_fleet(c->targets_file ? NULL : c->cfg.database, c->targets_file, c->schemas))) {
		/* history and version name Flyway's versions as its files do (a fleet's lines keep the digits) */
		/* versions as the file names write them; without the files, the database's digits */
		static const char *const def[] = { "migrations" };
		struct strata_err err;

		strata_err_clear(&err);
		if (strata_source_load_dirs(c->cfg.npaths ? (const char *const *)c->cfg.paths : def,
					    c->cfg.npaths ? c->cfg.npaths : 1, STRATA_SOURCE_UPS_ONLY, &c->src, &err))
			c->src = NULL;
		strata_err_release(&err);
	}
	if (c->from && !c->sql && command_takes(c->cmd, sql_options)) {
		/* before the database is opened (up would create its file) */
		fprintf(stderr, "strata %s: --from V says where the database stands for an offline script: use it "
				"with --sql (a run reads where the database stands from it)\n",
			c->cmd->name);
		rc = 2;
		goto out;
	}
	if (c->targets_file && c->flags.database) {
		fprintf(stderr, "strata: give the databases either with -d or with --targets FILE, not both\n");
		rc = 2;
		goto out;
	}
	c->fleet = strata_is_fleet(c->targets_file ? NULL : c->cfg.database, c->targets_file, c->schemas);
	if (c->fleet && !(c->cmd->flags & FLEET)) {
		fprintf(stderr, "strata: %s works on one database at a time, not on a fleet\n", c->cmd->name);
		rc = 2;
		goto out;
	}
	if (c->fleet) {
		if (c->src && (c->cmd->flags & RUNS_SCRIPTS) && !c->targets_file) {
			struct strata_err err;
			struct strata_target *t = NULL;

			strata_err_clear(&err);
			/* a glob of SQLite files reads as SQLite; --schemas (no target known yet) as the strictest */
			if (!c->schemas && strata_target_parse(c->cfg.database, &t, &err)) {
				strata_err_release(&err);
				strata_err_clear(&err);
			}
			rc = strata_source_check_target(c->src, t, &err);
			strata_target_free(t);
			if (rc) {
				rc = out_error_release(c, rc, &err);
				goto out;
			}
		}
		make_opts(c);
	} else if ((c->cmd->flags & NEED_DB) || ((c->cmd->flags & WANT_DB) && c->cfg.database)) {
		rc = open_db(c);
		if (rc)
			goto out;
	} else if (c->cmd->flags & SCRATCH) {
		/* test opens no database of its own, only scratch ones: Ctrl-C must still stop their runs */
		make_opts(c);
		if (strata_cancel_new(&cancel)) {
			fprintf(stderr, "strata: out of memory\n");
			rc = 1;
			goto out;
		}
		c->opts.cancel = cancel;
	}
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	rc = c->cmd->fn(c);
	live_stop();
	/* stopped by Ctrl-C or a TERM (what was in progress rolled back): the shell's convention */
	if (interrupted && rc)
		rc = 128 + interrupted;
out:
	if (c->json && rc && !c->json_done) {
		/* refused before anything ran (the command line, a question): still an object on stdout, saying why */
		const char *hint, *said = json_said(&hint);
		cJSON *root = cJSON_CreateObject(), *e = cJSON_AddObjectToObject(root, "error");

		cJSON_AddStringToObject(e, "code", rc == 2 ? "usage" : interrupted && rc > 128 ? "interrupted" : "error");
		cJSON_AddNumberToObject(e, "exit_code", rc);
		if (said) {
			cJSON_AddStringToObject(e, "message", said);
		} else {
			char m[200];

			snprintf(m, sizeof(m), "strata %s stopped; stderr says why", c->cmd ? c->cmd->name : "");
			cJSON_AddStringToObject(e, "message", m);
		}
		if (said && hint)
			cJSON_AddStringToObject(e, "hint", hint);
		out_json(c, root);
	}
	cleanup(c);
	return rc;
}
