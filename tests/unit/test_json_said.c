/*
 * test_json_said.c - with --json, what the CLI says on stderr is kept for
 * the error object (src/cli/json_said.c, compiled in here): the last
 * "strata: ..." or "strata CMD: ..." line, without its prefix or colour,
 * with the HINT after it; notes, warnings, questions and other lines are
 * not why a command stopped. Writes still reach fd 2 (here: a pipe).
 */
#define _GNU_SOURCE /* fopencookie, in json_said.c */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "../../src/cli/json_said.c"

static void test_said(void **state)
{
	const char *h = "unset", *m;
	int fds[2];
	char buf[4096];
	ssize_t n;

	(void)state;
	assert_int_equal(pipe(fds), 0);
	assert_int_equal(dup2(fds[1], STDERR_FILENO), STDERR_FILENO);
	json_said_start();
	assert_null(json_said(&h));
	assert_null(h);
	fprintf(stderr, "strata wait: no database given (-d URL)\n");
	assert_string_equal(json_said(&h), "no database given (-d URL)");
	assert_null(h);
	/* written in pieces, with a HINT line after it */
	fprintf(stderr, "strata: ");
	fprintf(stderr, "--sql prints a script: %s\n  HINT: %s\n", "give one", "drop --json");
	m = json_said(&h);
	assert_string_equal(m, "--sql prints a script: give one");
	assert_string_equal(h, "drop --json");
	/* not the reason: notes, warnings (coloured too), questions, lines of another kind */
	fprintf(stderr, "strata: note: a note\nstrata: \033[33mwarning:\033[0m empty\nstrata: Go ahead?\n");
	fprintf(stderr, "  down 000001 t1\nNOTICE:  relation exists\n");
	assert_string_equal(json_said(&h), "--sql prints a script: give one");
	/* a coloured message loses its escapes; a new message forgets the old hint */
	fprintf(stderr, "\033[31;1mstrata:\033[0m refused\n");
	assert_string_equal(json_said(&h), "refused");
	assert_null(h);
	/* everything reached fd 2 unchanged */
	n = read(fds[0], buf, sizeof(buf) - 1);
	assert_true(n > 0);
	buf[n] = '\0';
	assert_non_null(strstr(buf, "strata wait: no database given (-d URL)\nstrata: --sql prints a script: give one\n"
				    "  HINT: drop --json\n"));
	assert_non_null(strstr(buf, "NOTICE:  relation exists\n"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_said),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
