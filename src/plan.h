/*
 * plan.h - the planner (plan.c): from where a database stands (a status,
 * the files merged with the recorded history) and a request to a plan, the
 * list of steps a run makes, every trust check and refusal done before
 * anything runs, and each step's strategy. Pure: no connection, no events;
 * apply.c runs the plan.
 */
#ifndef STRATA_PLAN_H
#define STRATA_PLAN_H

#include <stddef.h>

#include "strata.h"
#include "split.h"
#include "driver.h"
#include "directives.h"

struct strata_driver;
struct strata_directives;

/*
 * How a step runs, chosen once (strata_strategy_choose) from what the step
 * is, its directives and statement flags, whether the run is one
 * transaction, and the driver's capabilities.
 */
enum strata_strategy {
	STRATA_STRATEGY_TX = 1,    /* its own transaction: the script, then its record, then COMMIT */
	STRATA_STRATEGY_ONE_TRIP,  /* the same, sent as one round trip (BEGIN; script; record; COMMIT) */
	STRATA_STRATEGY_JOURNAL,   /* statement by statement outside a transaction, progress recorded after each */
	STRATA_STRATEGY_BATCH,     /* inside the run's one transaction, its record written at once */
	STRATA_STRATEGY_BATCH_HELD, /* inside the run's one transaction, its record held and sent with others */
};

/* One step of a plan: a migration, a direction, an action. */
struct strata_step {
	const struct strata_status_row *row;
	int down;
	const char *script;      /* what runs */
	size_t len;
	const char *file;        /* where it comes from, for messages */
	int line;                /* line of `file` where `script` starts */
	int recorded_down;       /* the down comes from the tracking table, not the file */
	int record_only;         /* force/baseline/accept: change the record, run nothing */
	int accept;              /* accept: record the file's new checksum */
	const char *action;      /* for the history log: up, down, force, baseline, accept */
	struct strata_split sp;  /* the script's statements */
	struct strata_directives *dv; /* never NULL: an empty set when the script has none */
	int notx;                /* the migration asks to run outside a transaction */
	int notx_line;           /* the line of `file` whose statement cannot run inside one (0: none, or said) */
	int own_tx;              /* the file manages its own transactions (BEGIN/COMMIT, PRAGMA foreign_keys) */
	int own_tx_line;         /* line of `file` of its first such statement */
	int resume;              /* statements already done by an earlier, partial run */
	int inflight;            /* that run had started statement resume+1 and may have stopped after it
				    ran, before recording it (engines whose DDL commits implicitly) */
	int empty;               /* a down with no statements: only the record is removed */
	char *result;            /* for the history log: what force was asked and what it closed (owned); NULL: "ok" */
	int closes_partial;      /* force's record of a partial row: say which statements stay */
	size_t partial_total;    /* that row's number of statements, 0 if unknown */
	enum strata_strategy strategy;
	int wrapped;             /* line of `file` of a Drizzle file's leading COMMIT when it leaves the runner's
				    transaction and enters it again (layout.h): it runs as own_tx, inside a
				    transaction of strata's that its trailing BEGIN reopens for the record */
	int rerun;               /* a changed Flyway repeatable runs again: its record is replaced */
};

/* What the planner knows besides the request: the driver's table and the run's options. */
struct strata_plan_opts {
	const struct strata_driver *drv; /* dialect, engine and capabilities (never called) */
	int allow_modified;      /* run over modified migrations */
	int allow_out_of_order;  /* apply pending migrations older than the newest applied one */
	int single_transaction;  /* the whole run in one transaction */
};

struct strata_plan {
	struct strata_step *steps;
	size_t nsteps;
	size_t nprepared;        /* steps whose script was read (all of them unless a refusal stopped it) */
	int single_tx;           /* the steps run inside one transaction of the run's (the whole batch) */
	const struct strata_status_row *go_stop; /* up stops before this goose Go migration, or NULL */
};

/*
 * Plan `req` over `st` (which must outlive the plan): choose the steps,
 * refuse an untrusted history (modified, partial, out of order), read each
 * step's script (statements, directives, resume point) and refuse what
 * cannot run as asked (irreversible downs, --single-transaction over a
 * migration that cannot be part of one, an offline script, req->script,
 * of anything but applying or rolling back migrations). On a refusal returns its error
 * code with err filled, and the plan holds the steps read so far
 * (nprepared), to be released as on success with strata_plan_release().
 */
int strata_plan_build(const struct strata_source *src, const struct strata_status *st,
		      const struct strata_request *req, const struct strata_plan_opts *po, struct strata_plan *out,
		      struct strata_err *err);
void strata_plan_release(struct strata_plan *p);
/* A source loaded without its down scripts (STRATA_SOURCE_UPS_ONLY) cannot be run: STRATA_EUSAGE. */
int strata_plan_check_source(const struct strata_source *src, struct strata_err *err);

/*
 * Does this statement commit the transaction it is in? On an engine with
 * transactional DDL (`caps`), none; without, those its lexer classes so
 * (STRATA_CAP_IMPLICIT_COMMITS_KNOWN), else any.
 */
int strata_stmt_commits(const struct strata_stmt *st, unsigned caps);
/* The strategy of a prepared step; `single_tx`: inside the run's one transaction; `caps`: STRATA_CAP_*. */
enum strata_strategy strata_strategy_choose(const struct strata_step *s, int single_tx, unsigned caps);

/* force, baseline and accept change records only. */
int strata_action_records_only(enum strata_action a);
/* Applied, modified or missing: recorded as applied. */
int strata_row_is_applied(const struct strata_status_row *row);
/* Checksum of the first k statements of a step (what a partial run has done). */
void strata_step_prefix_checksum(const struct strata_step *s, int k, char hex[65]);
/* Index in s->sp of the k-th (1-based) non-empty statement, or -1. */
long strata_step_nth_statement(const struct strata_step *s, int k);
/* force over a partial row: what of it stays in the database, as a phrase. */
void strata_step_partial_text(const struct strata_step *s, char *buf, size_t n);

#endif
