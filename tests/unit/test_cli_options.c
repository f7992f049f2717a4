/*
 * test_cli_options.c - the CLI's option-table engine (src/cli/options.c),
 * compiled here with a registry of its own: options before and after the
 * command, one dash or two, values attached (=, -n7) or following, the
 * kinds' checks and bounds, strict options refused by commands that lack
 * them, extra arguments, and help generated from each command's tables.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "cli.h"

struct cli cli;

static struct {
	int count, flag, strict_seen;
	const char *name;
	double wait;
} v;

static int on_strict(struct cli *c, const struct cli_option *o, const char *spelled, const char *val)
{
	(void)c, (void)o, (void)spelled, (void)val;
	v.strict_seen++;
	return 0;
}

static const struct cli_option shared_options[] = {
	{ .longname = "flag", .kind = OPT_FLAG, .value = &v.flag, .help = "a flag every command takes" },
	{ .longname = "hidden", .kind = OPT_STRING, .value = &v.name }, /* no help: not listed */
	{ 0 },
};
static const struct cli_option alpha_options[] = {
	{ .shortname = "n", .longname = "count", .kind = OPT_INT, .value = &v.count, .lo = 1, .hi = 10,
	  .bad = "--%s: \"%s\" is not from 1 to 10", .arg = "N", .help = "how many (alpha's alone)" },
	{ .longname = "name", .kind = OPT_STRING, .value = &v.name, .arg = "NAME", .help = "a name" },
	{ .longname = "wait", .kind = OPT_DURATION, .value = &v.wait, .lo = 0, .bad = "--%s: \"%s\" is no duration",
	  .arg = "SECONDS", .help = "a duration that is not below 0, with a help text long enough to be wrapped "
				    "at a word before the eightieth column" },
	{ 0 },
};
static const struct cli_option beta_options[] = {
	{ .shortname = "x", .longname = "extra", .kind = OPT_CALLBACK, .cb = on_strict,
	  .flags = OPTF_STRICT | OPTF_NO_SUGGEST, .bad = "%s is beta's alone, not %s's" },
	{ 0 },
};

/* a second strict option, alpha's alone (as --json is the reporting commands') */
static const struct cli_option report_options[] = {
	{ .longname = "report", .kind = OPT_FLAG, .value = &v.flag, .flags = OPTF_STRICT,
	  .bad = "%s: %s has no report" },
	{ 0 },
};

const struct cli_option *const option_tables[] = { shared_options, alpha_options, beta_options, report_options, NULL };

static const struct cli_option *const alpha_tables[] = { shared_options, alpha_options, report_options, NULL };
static const struct cli_option *const beta_tables[] = { shared_options, beta_options, NULL };

static int run_nothing(struct cli *c)
{
	(void)c;
	return 0;
}

static const struct command alpha = { "alpha", run_nothing, 0, "[FILE]", "the first command", "strata alpha\nstrata alpha x",
				      NULL, NULL, NULL, alpha_tables, NULL };
static const struct command beta = { "beta", run_nothing, 0, "", "the second command", "strata beta\nstrata beta -x",
				     NULL, NULL, NULL, beta_tables, "--count" };
const struct command *const commands[] = { &alpha, &beta, NULL };

/* Parse a command line (words after the program name, NULL-ended) into a fresh cli. */
static int parse(struct cli *c, const char *const *words)
{
	char *argv[16];
	int argc = 1;

	memset(c, 0, sizeof(*c));
	memset(&v, 0, sizeof(v));
	argv[0] = "strata";
	while (*words)
		argv[argc++] = (char *)*words++;
	argv[argc] = NULL;
	return parse_command_line(c, argc, argv);
}

#define PARSE(c, ...) parse(c, (const char *const[]){ __VA_ARGS__, NULL })

static void test_anywhere(void **state)
{
	struct cli c;

	(void)state;
	assert_int_equal(PARSE(&c, "--count", "3", "alpha", "--name=n", "file", "--flag"), 0);
	assert_ptr_equal(c.cmd, &alpha);
	assert_int_equal(v.count, 3);
	assert_string_equal(v.name, "n");
	assert_int_equal(v.flag, 1);
	assert_int_equal(c.nargs, 1);
	assert_string_equal(c.args[0], "file");
	free(c.args);
	/* golang-migrate's one dash, a short option's value attached, a duration */
	assert_int_equal(PARSE(&c, "-count=4", "alpha", "-wait", "500ms"), 0);
	assert_int_equal(v.count, 4);
	assert_true(v.wait > 0.49 && v.wait < 0.51);
	free(c.args);
	assert_int_equal(PARSE(&c, "alpha", "-n7"), 0);
	assert_int_equal(v.count, 7);
	free(c.args);
	/* after --, words are arguments even when they look like options; -1 is a number, not an option */
	assert_int_equal(PARSE(&c, "alpha", "--", "--flag"), 0);
	assert_int_equal(v.flag, 0);
	assert_int_equal(c.nargs, 1);
	free(c.args);
	assert_int_equal(PARSE(&c, "alpha", "-1"), 0);
	assert_string_equal(c.args[0], "-1");
	free(c.args);
}

static void test_refused(void **state)
{
	struct cli c;

	(void)state;
	assert_int_equal(PARSE(&c, "alpha", "--count", "11"), 2);
	free(c.args);
	assert_int_equal(PARSE(&c, "alpha", "--count", "3x"), 2);
	free(c.args);
	assert_int_equal(PARSE(&c, "alpha", "--count"), 2);
	free(c.args);
	assert_int_equal(PARSE(&c, "alpha", "--flag=1"), 2);
	free(c.args);
	assert_int_equal(PARSE(&c, "alpha", "--wait", "-1"), 2);
	free(c.args);
	assert_int_equal(PARSE(&c, "alpha", "--cuont", "3"), 2);
	free(c.args);
	assert_int_equal(PARSE(&c, "gamma"), 2);
	free(c.args);
}

static void test_find_option(void **state)
{
	const char *val;

	(void)state;
	assert_ptr_equal(find_option("--count=5", &val), &alpha_options[0]);
	assert_string_equal(val, "5");
	assert_ptr_equal(find_option("-n", &val), &alpha_options[0]);
	assert_null(val);
	assert_ptr_equal(find_option("-x", &val), &beta_options[0]);
	assert_null(find_option("--n", &val)); /* a short name takes one dash */
	/* close to a long name: golang-migrate's spelling mistyped, not -n with "ame" attached */
	assert_null(find_option("-nmae", &val));
	assert_ptr_equal(find_command("beta"), &beta);
	assert_null(find_command("gamma"));
	assert_string_equal(suggest_command("alpah"), "alpha");
	assert_null(suggest_command("zzzzzz"));
}

static void test_strict_and_arguments(void **state)
{
	struct cli c;

	(void)state;
	/* an option of another command is accepted (and means nothing to this one), a strict one is not */
	assert_int_equal(PARSE(&c, "beta", "--count", "2"), 0);
	assert_int_equal(check_command_line(&c), 0);
	free(c.args);
	assert_int_equal(PARSE(&c, "-x", "alpha"), 0);
	assert_int_equal(v.strict_seen, 1);
	assert_false(command_takes(&alpha, &beta_options[0]));
	assert_int_equal(check_command_line(&c), 2);
	free(c.args);
	assert_int_equal(PARSE(&c, "beta", "-x"), 0);
	assert_true(command_takes(&beta, &beta_options[0]));
	assert_int_equal(check_command_line(&c), 0);
	free(c.args);
	/* two strict options: each is checked, whichever comes last, whichever the command takes */
	assert_int_equal(PARSE(&c, "alpha", "--report", "-x"), 0);
	assert_int_equal(check_command_line(&c), 2);
	free(c.args);
	assert_int_equal(PARSE(&c, "alpha", "-x", "--report"), 0);
	assert_int_equal(check_command_line(&c), 2);
	free(c.args);
	assert_int_equal(PARSE(&c, "beta", "-x", "--report"), 0);
	assert_int_equal(check_command_line(&c), 2);
	free(c.args);
	assert_int_equal(PARSE(&c, "--report", "alpha"), 0);
	assert_int_equal(check_command_line(&c), 0);
	assert_int_equal(v.flag, 1);
	free(c.args);
	/* one argument for [FILE], none for beta */
	assert_int_equal(PARSE(&c, "alpha", "a", "b"), 0);
	assert_int_equal(check_command_line(&c), 2);
	free(c.args);
	assert_int_equal(PARSE(&c, "beta", "12"), 0);
	assert_int_equal(check_command_line(&c), 2);
	free(c.args);
}

static char *help_of(const struct command *cmd)
{
	FILE *f = tmpfile();
	char *buf;
	long len;

	assert_non_null(f);
	if (cmd)
		command_usage(f, cmd);
	else
		usage(f);
	len = ftell(f);
	rewind(f);
	buf = calloc(1, (size_t)len + 1);
	assert_non_null(buf);
	assert_int_equal(fread(buf, 1, (size_t)len, f), (size_t)len);
	fclose(f);
	return buf;
}

static void test_help(void **state)
{
	char *h = help_of(&alpha), *line;

	(void)state;
	assert_non_null(strstr(h, "usage: strata [options] alpha [FILE]\n\nThe first command.\n"));
	assert_non_null(strstr(h, "\n  -n, --count N               how many (alpha's alone)\n"));
	assert_non_null(strstr(h, "\n      --flag "));
	assert_null(strstr(h, "--hidden"));
	assert_null(strstr(h, "--extra"));
	assert_non_null(strstr(h, "\nExamples:\n  strata alpha\n  strata alpha x\n"));
	for (line = h; *line; line += strcspn(line, "\n") + (line[strcspn(line, "\n")] == '\n'))
		assert_true(strcspn(line, "\n") <= 80);
	free(h);
	h = help_of(&beta);
	assert_null(strstr(h, "--count"));
	assert_non_null(strstr(h, "--flag"));
	free(h);
	/* strata help: every command, every visible option of every table once */
	h = help_of(NULL);
	assert_non_null(strstr(h, "\n  alpha [FILE]            the first command\n"));
	assert_non_null(strstr(h, "--count N"));
	assert_null(strstr(strstr(h, "--count N") + 1, "--count N"));
	assert_null(strstr(h, "--hidden"));
	free(h);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_anywhere),
		cmocka_unit_test(test_refused),
		cmocka_unit_test(test_find_option),
		cmocka_unit_test(test_strict_and_arguments),
		cmocka_unit_test(test_help),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
