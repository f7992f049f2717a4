/*
 * layout_pop.h - pop's (gobuffalo) and Ory popx's migration files
 * (layout_pop.c): VERSION_name[.dialect][.autocommit].up|down.sql, which
 * dialect's file a target runs, the comment-only files popx skips and the Go
 * template syntax strata refuses to run raw. Pure and allocation-free.
 */
#ifndef STRATA_LAYOUT_POP_H
#define STRATA_LAYOUT_POP_H

#include <stddef.h>

/* The dialect part of a pop file name. */
enum strata_pop_dialect {
	STRATA_POP_ANY = 0,   /* no dialect part: used by every dialect without a file of its own */
	STRATA_POP_POSTGRES,  /* .postgres */
	STRATA_POP_MYSQL,     /* .mysql */
	STRATA_POP_SQLITE,    /* .sqlite or .sqlite3 (ory/pop registers both) */
	STRATA_POP_COCKROACH, /* .cockroach */
	STRATA_POP_UNKNOWN,   /* another word: a dialect pop does not support, skipped */
};

struct strata_pop_name {
	enum strata_pop_dialect dialect;
	int autocommit;       /* .autocommit: runs outside a transaction */
	size_t base_len;      /* the name without its dialect and .autocommit parts */
	int marked;           /* has a known dialect part or .autocommit: the directory is pop's */
};

/*
 * Read the name part of an up/down file (between "VERSION_" and
 * ".up.sql"/".down.sql") by popx's rule ^([^.]+)(\.[a-z0-9]+)?(\.autocommit)?$.
 * Returns 0, or -1 when the name is no pop name (more dots).
 */
int strata_pop_parse(const char *name, size_t len, struct strata_pop_name *out);
/* The pop dialect a driver's name stands for ("postgres", "sqlite", "mysql", ...); ANY when unknown. */
enum strata_pop_dialect strata_pop_dialect_of(const char *driver_name);
/* "postgres", "sqlite3", ...: how status --json names a dialect (static). */
const char *strata_pop_dialect_name(enum strata_pop_dialect d);
/* Does text hold only -- comments and blank lines, as popx skips it? */
int strata_pop_comment_only(const char *text, size_t len);
/* Offset of the first Go template action "{{" in text, or len when there is none. */
size_t strata_pop_template(const char *text, size_t len);

#endif
