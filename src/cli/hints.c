/*
 * hints.c - the library's errors in the command line's words.
 *
 * The library names what would change an outcome by its meaning, for any
 * program that embeds it ("apply it anyway by allowing out-of-order
 * migrations"); a person at the command line needs the flag
 * ("--allow-out-of-order"). One table says, per reason code, which phrase
 * of the library's becomes which of ours. A phrase may hold one %s, which
 * matches the shortest run of text that lets the rest match (a table name,
 * a version) and is carried over into our words. A phrase not found leaves
 * the text as the library wrote it.
 */
#include <stdlib.h>
#include <string.h>

#include "hints.h"

static const struct {
	enum strata_reason reason;
	const char *lib;  /* the library's words */
	const char *cli;  /* ours */
} words[] = {
	{ STRATA_R_REPLACED, "check the migrations directory and the database; if",
	  "check -p/--path and -d/--database; if" },
	{ STRATA_R_MODIFIED, "(or run once allowing modified migrations)", "(or run once with --allow-modified)" },
	{ STRATA_R_OUT_OF_ORDER, "apply it anyway by allowing out-of-order migrations",
	  "apply it anyway with --allow-out-of-order" },
	{ STRATA_R_OTHER_TOOL, "ignoring the other tool does that anyway", "--ignore-other-tool does that anyway" },
	{ STRATA_R_OWN_TRANSACTION, "cannot be part of a single transaction for the whole batch",
	  "cannot be part of --single-transaction" },
	{ STRATA_R_OWN_TRANSACTION, "run without a single transaction for the whole batch:",
	  "run `strata up` without --single-transaction:" },
	{ STRATA_R_SCRIPT_UP_ONLY, "an offline script can only apply or roll back migrations",
	  "--sql writes scripts that apply or roll back migrations" },
	{ STRATA_R_NO_VERSION, "where the offline script starts from", "given to --from (the version the database is at)" },
	{ STRATA_R_LOCK_TIMEOUT, "wait longer for the lock, or", "wait longer with --lock-wait SECONDS, or" },
	{ STRATA_R_LOCK_TIMEOUT, "(the lock wait)", "(--lock-wait)" },
	{ STRATA_R_TABLE, "the tracking table %s names a schema, but each schema of a fleet over schemas keeps",
	  "--table %s names a schema, but each schema of a --schemas fleet keeps" },
	{ STRATA_R_TABLE, "or name the tracking table with its schema (schema.name)", "or use --table schema.name" },
	{ STRATA_R_TABLE, "choose strata's by naming its tracking table", "choose strata's with --table NAME" },
	{ STRATA_R_TABLE,
	  "adopt from it, naming %s as the table to adopt from and strata_migrations as the tracking table, and "
	  "give every later run the same tracking table",
	  "adopt from it with `strata adopt --from %s --table strata_migrations`, and give every later command the "
	  "same --table" },
	{ STRATA_R_SCHEMAS, "a fleet over schemas needs a PostgreSQL database", "--schemas needs a PostgreSQL database" },
	{ STRATA_R_SCHEMAS, "a fleet over schemas needs the PostgreSQL database they are in",
	  "--schemas needs -d with the PostgreSQL database" },
	{ STRATA_R_ADOPT_NO_FILE, "point the migrations directory at the one golang-migrate used",
	  "point --path at the directory golang-migrate used" },
	{ STRATA_R_ADOPT_NO_TABLE, "name the table to adopt from, or", "name it with --from TABLE, or" },
};

/*
 * Does `pat` match text at its start? Then *end is one past the match and
 * [*cap, *cap + *caplen) what its %s matched (caplen 0 when it has none).
 */
static int match(const char *text, const char *pat, const char **end, const char **cap, size_t *caplen)
{
	const char *pct = strstr(pat, "%s");
	size_t head = pct ? (size_t)(pct - pat) : strlen(pat);
	const char *p;

	if (strncmp(text, pat, head) != 0)
		return 0;
	*caplen = 0;
	if (!pct) {
		*end = text + head;
		return 1;
	}
	/* the shortest non-empty run after which the rest of the phrase matches */
	for (p = text + head + 1; p[-1]; p++) {
		size_t tail = strlen(pct + 2);

		if (strncmp(p, pct + 2, tail) == 0) {
			*cap = text + head;
			*caplen = (size_t)(p - *cap);
			*end = p + tail;
			return 1;
		}
	}
	return 0;
}

/* text with the first match of lib replaced by cli (malloc'ed), or NULL when lib is not in it. */
static char *replace(const char *text, const char *lib, const char *cli)
{
	const char *t, *end, *cap = NULL, *pct = strstr(cli, "%s");
	size_t caplen;
	char *out, *o;

	for (t = text; *t; t++) {
		if (!match(t, lib, &end, &cap, &caplen))
			continue;
		out = malloc(strlen(text) + strlen(cli) + caplen + 1);
		if (!out)
			return NULL;
		o = out;
		memcpy(o, text, (size_t)(t - text));
		o += t - text;
		if (pct && cap) {
			memcpy(o, cli, (size_t)(pct - cli));
			o += pct - cli;
			memcpy(o, cap, caplen);
			o += caplen;
			strcpy(o, pct + 2);
		} else {
			strcpy(o, cli);
		}
		strcat(o, end);
		return out;
	}
	return NULL;
}

/* One text of err in our words: text itself, or *owned (malloc'ed) when a phrase was replaced. */
static const char *translate(enum strata_reason reason, const char *text, char **owned)
{
	size_t i;

	*owned = NULL;
	if (!text)
		return text;
	for (i = 0; i < sizeof(words) / sizeof(words[0]); i++) {
		char *r;

		if (words[i].reason != reason)
			continue;
		r = replace(*owned ? *owned : text, words[i].lib, words[i].cli);
		if (r) {
			free(*owned);
			*owned = r;
		}
	}
	return *owned ? *owned : text;
}

void cli_words(const struct strata_err *err, struct cli_words *w)
{
	memset(w, 0, sizeof(*w));
	w->message = translate(err->reason, err->message, &w->owned[0]);
	w->detail = translate(err->reason, err->detail, &w->owned[1]);
	w->hint = translate(err->reason, err->hint, &w->owned[2]);
}

void cli_words_release(struct cli_words *w)
{
	free(w->owned[0]);
	free(w->owned[1]);
	free(w->owned[2]);
	memset(w, 0, sizeof(*w));
}
