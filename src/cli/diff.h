/*
 * diff.h - the diff pipeline (diffsrc.c) that `strata diff` (cmd_diff.c)
 * and `strata create --from-schema` share: a source (a database URL, a
 * migrations directory, a .sql schema file) into a schema model, read with
 * the same code whatever the kind (a directory is applied and a file run in
 * a scratch database first); then the plan between two models, verified on
 * a scratch copy of the from-state, and the refusals (not handled,
 * destructive without --allow-destructive, a verification that still
 * differs) said for people on stderr. Every function that can fail prints
 * its error and returns an exit code (0: go on).
 */
#ifndef STRATA_CLI_DIFF_H
#define STRATA_CLI_DIFF_H

#include <stddef.h>

struct cli;
struct strata_target;
struct strata_scratch;
struct strata_schema;
struct strata_schema_plan;
struct strata_schema_diff;
struct strata_rename_hint;

enum diff_src_kind {
	DIFF_SRC_URL = 1, /* a database URL or an SQLite file: read as it is */
	DIFF_SRC_DIR,     /* a migrations directory (any layout): applied to a scratch database */
	DIFF_SRC_SQL,     /* a .sql schema file (pg_dump -s output too): run in a scratch database */
};

/* What a SRC argument is: an existing directory, a file named *.sql, else a database URL. */
enum diff_src_kind diff_src_kind(const char *spec);

struct diff_env {
	struct cli *c;
	const char *cmd;                /* the command, for messages ("diff", "create") */
	struct strata_target *like;     /* the engine, and the server scratch databases are made on */
	char *like_url;                 /* the URL `like` was parsed from */
	struct strata_scratch *scratch; /* made when first needed, then reset for each use */
	/*
	 * Where plans are verified when a scratch setup is given: one without
	 * it, since the from-schema's dump holds what the setup made already.
	 * NULL: `scratch` serves.
	 */
	struct strata_scratch *vscratch;
	char *setup;                    /* --scratch-setup's text */
	int defaulted;                  /* no URL anywhere: SQLite, in memory */
	double scratch_ms;              /* time spent making (and resetting) scratch databases */
	double verify_ms;               /* time spent verifying plans (scratch resets included) */
};

/*
 * Choose the engine and the scratch server for diffing the sources specs[]:
 * -d (the configured database) when given, else the first source that is a
 * database URL, else --scratch's server, else SQLite (scratch databases in
 * memory). Every URL among specs must be of that engine.
 */
int diff_env_init(struct diff_env *e, struct cli *c, const char *cmd, const char *const *specs, size_t n);
/* Drop the scratch database (said when it cannot be) and free e: rc, or 1 when rc was 0 and the drop failed. */
int diff_env_close(struct diff_env *e, int rc);

/*
 * The schema of source `spec` into *out (read flags: STRATA_SCHEMA_ ones). For a
 * .sql file, its rename hints into *hints and *nhints when hints is not NULL
 * (strata_rename_hints_free them); other kinds give none.
 */
int diff_src_read(struct diff_env *e, const char *spec, unsigned read_flags, struct strata_schema **out,
		  struct strata_rename_hint **hints, size_t *nhints);

/*
 * Both sources at once (a live database among them read on a thread of its
 * own while the other is read): a into *sa, b into *sb, b's rename hints
 * (the desired schema's) into *hints_b. On an error, what was read is still
 * in *sa and *sb, for the caller to free.
 */
int diff_src_read_both(struct diff_env *e, const char *a, const char *b, unsigned read_flags,
		       struct strata_schema **sa, struct strata_schema **sb, struct strata_rename_hint **hints_b,
		       size_t *nhints_b);

/*
 * The plan from `from` to `to` (plan flags STRATA_PLAN_*, the rename hints
 * of `to`), verified on a scratch copy of `from`: *plan, and what still
 * differs after it into *left (strata_schema_diff_free). A plan with
 * something unhandled is not verified (*left NULL); an empty one leaves
 * `from` as it is (*left: what differs between them, needing no scratch).
 */
int diff_plan(struct diff_env *e, const struct strata_schema *from, const struct strata_schema *to,
	      unsigned plan_flags, unsigned read_flags, const struct strata_rename_hint *hints, size_t nhints,
	      struct strata_schema_plan **plan, struct strata_schema_diff **left);

/*
 * Hints that still have something to do first (h reordered in place; the
 * number of those returned): a hint whose new name `from` has already, and
 * not its old one, was applied before (the rename is in `from`), and would
 * be an error to the planner; it is left after them (-v says so). Free the
 * hints with their whole count all the same.
 */
size_t diff_hints_pending(struct diff_env *e, const struct strata_schema *from, const struct strata_schema *to,
			  struct strata_rename_hint *h, size_t n);

/*
 * The hints of `to` for the plan the other way (to -> from): each names
 * the old name as the new one and back, a column's table as `from` names it.
 * Shallow: the strings stay the given hints'; free(*out) alone.
 */
int diff_hints_reverse(const struct strata_rename_hint *h, size_t n, struct strata_rename_hint **out);

/*
 * Is this plan one to print? 0 yes; else what stops it is said on stderr
 * (what is not handled; each destructive step unless allow_destructive;
 * what the verification left different, column order alone being a note)
 * and the exit code returned. `label` names the plan in messages ("the
 * plan", "the down plan").
 */
int diff_refusal(struct diff_env *e, const char *label, const struct strata_schema_plan *p,
		 const struct strata_schema_diff *left, int allow_destructive);

#endif
