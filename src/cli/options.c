/*
 * options.c - the option tables' engine (git's parse_options style): parsing
 * argv against every table, refusing what a command does not take, naming
 * what is mistyped (did you mean ...?), and the help generated from the
 * command rows and their tables (strata help, help CMD, CMD --help),
 * wrapped to 80 columns.
 *
 * Options may stand before or after the command, with one or two dashes, so
 * that golang-migrate's spellings (-path, -database, -source file://, -all,
 * create -ext sql -dir DIR -seq) work as its users type them: that is why
 * every table is searched whatever the command, and an option of another
 * command's table is accepted (and means nothing to this one) unless it is
 * strict (drop's -f; --json, which a command without JSON output refuses
 * rather than print text where a program expects JSON).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

#define HELP_WIDTH 80

#define for_each_option(t, o) \
	for (const struct cli_option *const *t = option_tables; *t; t++) \
		for (const struct cli_option *o = *t; o->longname; o++)

static int takes_value(const struct cli_option *o)
{
	return o->kind == OPT_CALLBACK ? (o->flags & OPTF_VALUE) != 0 : o->kind != OPT_FLAG;
}

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

static void print_option(FILE *f, const struct cli_option *o)
{
	char head[48];

	snprintf(head, sizeof(head), "  %s%s%s--%s%s%s", o->shortname ? "-" : "", o->shortname ? o->shortname : "",
		 o->shortname ? ", " : "    ", o->longname, o->arg ? " " : "", o->arg ? o->arg : "");
	print_wrapped(f, head, 30, o->help);
}

void usage(FILE *f)
{
	const struct command *const *cmd;
	const char *from = NULL;

	fprintf(f, "usage: strata [options] <command> [args]\n\n"
		   "Apply versioned SQL migrations to SQLite, PostgreSQL and MySQL/MariaDB.\n\nCommands:\n");
	for (cmd = commands; *cmd; cmd++) {
		char head[48];

		if ((*cmd)->from && !from)
			fprintf(f, "\nThe verbs of other tools (strata help NAME says what each one does):\n");
		from = (*cmd)->from;
		snprintf(head, sizeof(head), "  %s %s", (*cmd)->name, (*cmd)->args);
		print_wrapped(f, head, 26, (*cmd)->help);
	}
	fprintf(f, "\nOptions, before or after the command (strata help COMMAND: those it takes):\n");
	for_each_option(t, o)
		if (o->help)
			print_option(f, o);
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

/* Does cmd take rows of this table (all of it, or a tail of it: create takes diff's last rows)? */
static int takes_table(const struct command *cmd, const struct cli_option *table)
{
	const struct cli_option *const *t;
	const struct cli_option *o;

	for (t = cmd->options; t && *t; t++)
		for (o = table; o->longname; o++)
			if (*t == o)
				return 1;
	return 0;
}

int command_takes(const struct command *cmd, const struct cli_option *o)
{
	const struct cli_option *const *t;
	const struct cli_option *p;

	for (t = cmd->options; t && *t; t++)
		for (p = *t; p->longname; p++)
			if (p == o)
				return 1;
	return 0;
}

void command_usage(FILE *f, const struct command *cmd)
{
	const struct cli_option *const *t;
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
	/* in the order of the whole list, so that every command's help reads alike */
	for (t = option_tables; *t; t++) {
		const struct cli_option *o;

		if (!takes_table(cmd, *t))
			continue;
		for (o = *t; o->longname; o++)
			if (o->help && command_takes(cmd, o))
				print_option(f, o);
	}
	fprintf(f, "\nExamples:\n");
	for (p = cmd->examples; *p;) {
		size_t n = strcspn(p, "\n");

		fprintf(f, "  %.*s\n", (int)n, p);
		p += n + (p[n] == '\n');
	}
}

const struct command *find_command(const char *name)
{
	const struct command *const *cmd;

	for (cmd = commands; *cmd; cmd++)
		if (strcmp((*cmd)->name, name) == 0)
			return *cmd;
	return NULL;
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

const char *suggest_command(const char *typed)
{
	const struct command *const *cmd;
	const char *found = NULL;
	size_t best = 99;

	for (cmd = commands; *cmd; cmd++)
		if (close_to(typed, (*cmd)->name, &best))
			found = (*cmd)->name;
	return found;
}

/* The long option closest to `arg` (dashes and any =value dropped), or NULL. */
static const char *suggest_option(const char *arg)
{
	const char *found = NULL;
	char name[40];
	size_t best = 99;

	while (*arg == '-')
		arg++;
	snprintf(name, sizeof(name), "%.*s", (int)strcspn(arg, "="), arg);
	for_each_option(t, o)
		if (!(o->flags & OPTF_NO_SUGGEST) && close_to(name, o->longname, &best))
			found = o->longname;
	return found;
}

static const struct cli_option *find_long(const char *name)
{
	for_each_option(t, o)
		if (strcmp(o->longname, name) == 0)
			return o;
	return NULL;
}

const struct cli_option *find_option(const char *arg, const char **inline_value)
{
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
		if (name[n] == '=')
			*inline_value = name + n + 1;
		return find_long("lock-wait");
	}
	for_each_option(t, o) {
		if ((strlen(o->longname) == n && strncmp(o->longname, name, n) == 0) ||
		    (dashes == 1 && o->shortname && strlen(o->shortname) == n && strncmp(o->shortname, name, n) == 0)) {
			if (name[n] == '=')
				*inline_value = name + n + 1;
			return o;
		}
	}
	if (dashes == 1 && name[0] && name[1] && !suggest_option(arg)) {
		/*
		 * A short option with its value attached: -j2, -dapp.db. Not when the
		 * word is close to a long option: that is golang-migrate's one-dash
		 * spelling mistyped (-digitz), never -d igitz.
		 */
		for_each_option(t, o)
			if (takes_value(o) && o->shortname && o->shortname[0] == name[0] && !o->shortname[1]) {
				*inline_value = name + 1;
				return o;
			}
	}
	return NULL;
}

/* Store val (NULL for a flag) as o says. 0 or an exit code (printed). */
static int set_option(struct cli *c, const struct cli_option *o, const char *spelled, const char *val)
{
	switch (o->kind) {
	case OPT_FLAG:
		*(int *)o->value = 1;
		return 0;
	case OPT_INT: {
		char *end;
		long v = strtol(val, &end, 10);

		if (*end || v < o->lo || v > o->hi) {
			fprintf(stderr, "strata: ");
			fprintf(stderr, o->bad, o->longname, val);
			fputc('\n', stderr);
			return 2;
		}
		*(int *)o->value = (int)v;
		return 0;
	}
	case OPT_STRING:
		*(const char **)o->value = val;
		return 0;
	case OPT_DURATION: {
		double v;

		if (strata_parse_duration(val, &v) || (o->lo > 0 && v <= 0) || (o->lo == 0 && v < 0)) {
			fprintf(stderr, "strata: ");
			fprintf(stderr, o->bad, o->longname, val);
			fputc('\n', stderr);
			return 2;
		}
		*(double *)o->value = v;
		return 0;
	}
	case OPT_LIST:
		return strata_config_add_path(o->value, val) ? 1 : 0;
	case OPT_CALLBACK:
		return o->cb(c, o, spelled, val);
	}
	return 0;
}

int parse_command_line(struct cli *c, int argc, char **argv)
{
	int i, only_args = 0, rc;

	c->args = calloc((size_t)argc + 1, sizeof(char *));
	if (!c->args)
		return 1;
	for (i = 1; i < argc; i++) {
		const char *a = argv[i], *val = NULL;
		const struct cli_option *o;

		if (only_args || a[0] != '-' || a[1] == '\0' || (a[1] >= '0' && a[1] <= '9')) {
			if (c->cmd) {
				c->args[c->nargs++] = argv[i];
				continue;
			}
			c->cmd = find_command(a);
			if (!c->cmd) {
				const char *near = suggest_command(a);

				if (near)
					fprintf(stderr, "strata: unknown command \"%s\"; did you mean \"%s\"? (see strata --help)\n",
						a, near);
				else
					fprintf(stderr, "strata: unknown command \"%s\" (see strata --help)\n", a);
				return 2;
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
		if (takes_value(o) && !val) {
			if (i + 1 >= argc) {
				fprintf(stderr, "strata: option %s needs a value\n", a);
				return 2;
			}
			val = argv[++i];
		} else if (!takes_value(o) && val) {
			fprintf(stderr, "strata: option %s takes no value\n", a);
			return 2;
		}
		if ((o->flags & OPTF_STRICT) && c->nstrict < (int)(sizeof(c->strict) / sizeof(c->strict[0]))) {
			c->strict[c->nstrict] = o;
			c->strict_spelled[c->nstrict++] = a;
		}
		rc = set_option(c, o, a, val);
		if (rc)
			return rc;
	}
	return 0;
}

int check_command_line(struct cli *c)
{
	const struct command *cmd = c->cmd;
	int max = cmd->args[0] ? 1 : 0;

	for (int k = 0; k < c->nstrict; k++)
		if (!command_takes(cmd, c->strict[k])) {
			fprintf(stderr, "strata: ");
			fprintf(stderr, c->strict[k]->bad, c->strict_spelled[k], cmd->name);
			fputc('\n', stderr);
			return 2;
		}
	if (c->nargs <= max)
		return 0;
	if (cmd->number_option && c->nargs == 1 && strspn(c->args[0], "0123456789") == strlen(c->args[0]))
		fprintf(stderr, "strata %s: unexpected argument \"%s\"; did you mean %s %s?\n", cmd->name, c->args[0],
			cmd->number_option, c->args[0]);
	else if (!max)
		fprintf(stderr, "strata %s: unexpected argument \"%s\" (%s takes none; see strata --help)\n", cmd->name,
			c->args[0], cmd->name);
	else
		fprintf(stderr, "strata %s: unexpected argument \"%s\" (%s takes one: %s)\n", cmd->name, c->args[max],
			cmd->name, cmd->args);
	return 2;
}
