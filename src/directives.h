/*
 * directives.h - the `-- strata:` lines of a script (directives.c), and how
 * a migration's down reads (empty, irreversible, absent).
 */
#ifndef STRATA_DIRECTIVES_H
#define STRATA_DIRECTIVES_H

#include <stddef.h>

#include "strata.h"
#include "split.h"

/* What the -- strata:... comment lines of a script ask for. */
struct strata_directives {
	int no_transaction;      /* -- strata:no-transaction */
	char **require;          /* -- strata:require <SQL>: each must yield true before the migration */
	size_t nrequire;
	int *require_line;       /* line of each, in the script */
	char **verify;           /* -- strata:verify <SQL>: each must yield true inside its transaction */
	size_t nverify;
	int *verify_line;
	double timeout;          /* -- strata:timeout 30s: seconds, 0 when unset */
	int irreversible;        /* line of -- strata:irreversible in the script, 0 when absent */
	char *irreversible_why;  /* its argument ("drops data"), or NULL */
};

/*
 * Read the directives of a script: comment lines of the form
 * `-- strata:NAME [ARGUMENT]` standing outside any statement. An unknown
 * name or a bad argument is STRATA_ESOURCE with err->line set (relative to
 * the script). Release with strata_directives_release().
 */
int strata_directives_parse(const char *script, size_t len, enum strata_dialect d, struct strata_directives *out,
			    struct strata_err *err);
/*
 * strata_directives_parse() of a script already split into sp, without
 * lexing it again: the directives are read from the white space and
 * comments before each statement's first token.
 */
int strata_directives_read(const char *script, size_t len, const struct strata_split *sp,
			   struct strata_directives *out, struct strata_err *err);
void strata_directives_release(struct strata_directives *dv);
/* "there is no 000003_x.down.sql" (or the layout's equivalent): where m's absent down would be. */
void strata_down_absent(const struct strata_migration *m, char *why, size_t whylen);
/* strata_source_check and strata_down_kind for scripts written in dialect d (the public ones name an engine). */
int strata_source_check_dialect(const struct strata_source *src, enum strata_dialect d, struct strata_err *err);
enum strata_down_kind strata_down_kind_dialect(const struct strata_migration *m, enum strata_dialect d, char *why,
					       size_t whylen);

#endif
