/*
 * hints.h - the library's errors in the command line's words (hints.c).
 */
#ifndef STRATA_CLI_HINTS_H
#define STRATA_CLI_HINTS_H

#include "strata.h"

/*
 * The texts of an error as a CLI user reads them: where the library names
 * an option by its meaning ("allowing out-of-order migrations"), the flag
 * that sets it ("--allow-out-of-order"). Each text points at err's own when
 * nothing changes, else at a copy that cli_words_release frees.
 */
struct cli_words {
	const char *message;
	const char *detail;
	const char *hint;
	char *owned[3];
};
void cli_words(const struct strata_err *err, struct cli_words *w);
void cli_words_release(struct cli_words *w);

#endif
