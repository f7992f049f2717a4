/*
 * names.h - what a directory entry's name says it is, by every layout's
 * rules (names.c): versions, titles, up/down/single files, Diesel
 * directories, goose's Go files. Pure and allocation-free (fuzzed).
 */
#ifndef STRATA_NAMES_H
#define STRATA_NAMES_H

#include <stddef.h>

#include "strata.h"

/* What a directory entry's name says it is (strata_source_parse_name). */
enum strata_name_kind {
	STRATA_NAME_IGNORE = 0,  /* not a migration (not .sql, hidden, dir without a leading digit): skip */
	STRATA_NAME_UNVERSIONED, /* a .sql file whose name has no version: skip with a warning */
	STRATA_NAME_UP,          /* V[_name].up.sql ('-' as well as '_' before the name) */
	STRATA_NAME_DOWN,        /* V[_name].down.sql */
	STRATA_NAME_SINGLE,      /* V[_name].sql: markers or plain, decided by the contents */
	STRATA_NAME_DIESEL,      /* directory V[_name], V = digits and dashes */
	STRATA_NAME_GO,          /* goose's Go migration V_name.go (strata cannot run it) */
};

/* Errors of strata_source_parse_name(); out->why says what is wrong. */
enum {
	STRATA_NAME_EBAD = -1,      /* starts with a digit but is no layout's name */
	STRATA_NAME_EOVERFLOW = -2, /* the version has more digits than STRATA_VERSION_MAX */
};

/* A parsed name: offsets into the name that was parsed, nothing allocated. */
struct strata_name {
	enum strata_name_kind kind;
	struct strata_version version; /* the version (Diesel: digits with the dashes removed) */
	size_t ver_off;     /* the version as written: name + ver_off, ver_len bytes (Diesel: with dashes) */
	size_t ver_len;
	size_t ndigits;     /* digits in the version (ver_len minus the dashes) */
	size_t name_off;    /* the title ("create_users"), possibly empty */
	size_t name_len;
	const char *why;    /* on error: a static phrase saying what is wrong, else NULL */
};

/*
 * Classify one directory entry by its name alone (`is_dir`: it is a
 * directory, after following symlinks). Returns 0 and fills `out` (kind may
 * be IGNORE or UNVERSIONED), or STRATA_NAME_EBAD / STRATA_NAME_EOVERFLOW with
 * out->why set. Never allocates; safe on any NUL-terminated input.
 */
int strata_source_parse_name(const char *name, int is_dir, struct strata_name *out);

#endif
