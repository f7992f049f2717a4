/*
 * embed.c - an application that brings its SQLite database up to date on
 * start-up through libstrata, the way a service would before it serves:
 * open the migrations directory, open the database, run every pending
 * migration, and refuse to start (exit 1) when that fails.
 *
 * Build it against an installed strata with pkg-config:
 *
 *   cc -o embed examples/embed.c $(pkg-config --cflags --libs strata)
 *   ./embed app.db examples/migrations
 *
 * The library prints nothing: what a person sees comes from this program,
 * here a line per migration (the event callback) and the error, with the
 * file and line it names, and the reason of a refusal (err.reason), which is
 * what a program decides on. Being stopped (SIGINT, SIGTERM) while it
 * migrates trips a cancel token: the migration running is rolled back, the
 * ones before it stay, and the service does not start.
 */
#include <signal.h>
#include <stdio.h>

#include <strata.h>

static struct strata_cancel *cancel;

static void on_signal(int sig)
{
	(void)sig;
	strata_cancel_trip(cancel); /* async-signal-safe */
}

static void on_event(void *ud, const struct strata_event *ev)
{
	(void)ud;
	if (ev->kind == STRATA_EV_MIG_DONE)
		printf("migrated %s %s (%.1f ms)\n", ev->mig.vtext, ev->mig.name, ev->mig.ms);
}

static int fail(const char *what, struct strata_err *err)
{
	fprintf(stderr, "embed: %s: %s", what, err->message);
	if (err->file[0])
		fprintf(stderr, " (%s, line %d)", err->file, err->line);
	fprintf(stderr, "\n");
	if (err->reason != STRATA_R_NONE)
		fprintf(stderr, "embed: reason: %s\n", strata_reason_name(err->reason));
	if (err->hint[0])
		fprintf(stderr, "embed: hint: %s\n", err->hint);
	strata_err_release(err);
	return 1;
}

int main(int argc, char **argv)
{
	struct strata_source *src = NULL;
	struct strata_target *target = NULL;
	struct strata_db *db = NULL;
	struct strata_opts opts;
	struct strata_request req = { .action = STRATA_UP };
	struct strata_run_result res;
	struct strata_err err;
	char url[4096];
	int rc = 1;

	if (argc != 3) {
		fprintf(stderr, "usage: embed DATABASE.db MIGRATIONS_DIR\n");
		return 2;
	}
	strata_err_clear(&err);
	snprintf(url, sizeof(url), "sqlite:%s", argv[1]);
	if (strata_source_load(argv[2], &src, &err)) {
		rc = fail("reading the migrations", &err);
		goto out;
	}
	if (strata_target_parse(url, &target, &err)) {
		rc = fail("the database", &err);
		goto out;
	}
	if (strata_cancel_new(&cancel)) {
		fprintf(stderr, "embed: out of memory\n");
		goto out;
	}
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	strata_opts_init(&opts);
	opts.on_event = on_event;
	opts.cancel = cancel;
	if (strata_db_open(target, &opts, &db, &err)) {
		rc = fail("opening the database", &err);
		goto out;
	}
	if (strata_run(db, src, &req, &res, &err)) {
		rc = fail("migrating", &err);
		goto out;
	}
	printf("database at version %s (%zu migration%s applied now)\n", res.have_current ? res.current : "none",
	       res.applied, res.applied == 1 ? "" : "s");
	strata_err_release(&err);
	rc = 0;
out:
	strata_db_close(db);
	signal(SIGINT, SIG_DFL);
	signal(SIGTERM, SIG_DFL);
	strata_cancel_free(cancel);
	strata_target_free(target);
	strata_source_free(src);
	return rc;
}
