/*
 * test_event.c - the progress events, kind by kind, on a real SQLite file:
 * each kind carries its news in its own member of the union (plan.count,
 * mig.vtext, statement.sql, failed.err, backup.path, note.text), and
 * strata_event_mig finds the migration of every kind that has one.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "tmpdb.h"

#define MAXEV 64

/* What the callback saw, copied (the event lives only during the call). */
struct seen {
	enum strata_event_kind kind;
	char vtext[32];
	char name[32];
	int down, has_mig;
	size_t count;             /* plan.count, statement.index, failed.stmts_done */
	char text[256];           /* note.text, statement.sql, backup.path, failed.at ("-" for NULL) */
	int err_code, err_line, outside_tx;
	size_t total;
	double ms;
};

struct log {
	struct seen e[MAXEV];
	size_t n;
};

static void on_event(void *ud, const struct strata_event *ev)
{
	struct log *l = ud;
	struct seen *s;
	const struct strata_ev_mig *m = strata_event_mig(ev);

	assert_true(l->n < MAXEV);
	s = &l->e[l->n++];
	memset(s, 0, sizeof(*s));
	s->kind = ev->kind;
	assert_non_null(ev->target);
	if (m) {
		s->has_mig = 1;
		snprintf(s->vtext, sizeof(s->vtext), "%s", m->vtext);
		snprintf(s->name, sizeof(s->name), "%s", m->name);
		s->down = m->down;
		s->ms = m->ms;
	}
	switch (ev->kind) {
	case STRATA_EV_PLAN:
		s->count = ev->plan.count;
		break;
	case STRATA_EV_STATEMENT:
		assert_ptr_equal(m, &ev->statement.mig);
		s->count = ev->statement.index;
		snprintf(s->text, sizeof(s->text), "%s", ev->statement.sql);
		break;
	case STRATA_EV_MIG_FAILED:
		assert_ptr_equal(m, &ev->failed.mig);
		assert_non_null(ev->failed.err);
		s->err_code = ev->failed.err->code;
		s->err_line = ev->failed.err->line;
		s->outside_tx = ev->failed.outside_tx;
		s->count = ev->failed.stmts_done;
		s->total = ev->failed.total;
		snprintf(s->text, sizeof(s->text), "%s", ev->failed.at ? ev->failed.at : "-");
		break;
	case STRATA_EV_MIG_START:
	case STRATA_EV_MIG_DONE:
	case STRATA_EV_MIG_SKIPPED:
		assert_ptr_equal(m, &ev->mig);
		break;
	case STRATA_EV_NOTE:
		snprintf(s->text, sizeof(s->text), "%s", ev->note.text);
		break;
	case STRATA_EV_BACKUP:
		snprintf(s->text, sizeof(s->text), "%s", ev->backup.path);
		break;
	default:
		assert_null(m);
		break;
	}
}

static const struct seen *find(const struct log *l, enum strata_event_kind kind, size_t nth)
{
	size_t i;

	for (i = 0; i < l->n; i++)
		if (l->e[i].kind == kind && nth-- == 0)
			return &l->e[i];
	return NULL;
}

static void setup(struct tmpdb *t, struct log *l)
{
	tmpdb_init(t);
	tmpdb_file(t, "001_a.up.sql", "CREATE TABLE a (x int);\n");
	tmpdb_file(t, "001_a.down.sql", "DROP TABLE a;\n");
	tmpdb_file(t, "002_b.up.sql", "CREATE TABLE b (x int);\nINSERT INTO b VALUES (1);\n");
	tmpdb_file(t, "002_b.down.sql", "DROP TABLE b;\n");
	tmpdb_load(t);
	memset(l, 0, sizeof(*l));
	t->opts.on_event = on_event;
	t->opts.ud = l;
}

static void test_run_events(void **state)
{
	struct tmpdb t;
	struct log l;
	const struct seen *e;

	(void)state;
	setup(&t, &l);
	tmpdb_open(&t);
	assert_int_equal(tmpdb_run(&t, STRATA_UP, NULL), 0);
	e = find(&l, STRATA_EV_PLAN, 0);
	assert_non_null(e);
	assert_int_equal(e->count, 2);
	assert_false(e->has_mig);
	e = find(&l, STRATA_EV_MIG_START, 1);
	assert_non_null(e);
	assert_string_equal(e->vtext, "002");
	assert_string_equal(e->name, "b");
	assert_false(e->down);
	e = find(&l, STRATA_EV_MIG_DONE, 1);
	assert_non_null(e);
	assert_string_equal(e->vtext, "002");
	assert_true(e->ms >= 0);
	assert_null(find(&l, STRATA_EV_MIG_DONE, 2));
	/* rolling back: the same member, down set */
	l.n = 0;
	assert_int_equal(tmpdb_run(&t, STRATA_DOWN, NULL), 0);
	e = find(&l, STRATA_EV_MIG_DONE, 0);
	assert_non_null(e);
	assert_string_equal(e->vtext, "002");
	assert_true(e->down);
	tmpdb_free(&t);
}

static void test_dry_run_statements(void **state)
{
	struct tmpdb t;
	struct log l;
	const struct seen *e;

	(void)state;
	setup(&t, &l);
	t.opts.dry_run = 1;
	tmpdb_open(&t);
	assert_int_equal(tmpdb_run(&t, STRATA_UP, NULL), 0);
	e = find(&l, STRATA_EV_STATEMENT, 2);
	assert_non_null(e);
	assert_string_equal(e->vtext, "002");
	assert_int_equal(e->count, 2);
	assert_string_equal(e->text, "INSERT INTO b VALUES (1);");
	assert_null(find(&l, STRATA_EV_STATEMENT, 3));
	tmpdb_free(&t);
}

static void test_failed_and_backup(void **state)
{
	struct tmpdb t;
	struct log l;
	const struct seen *e;
	char dir[400];

	(void)state;
	setup(&t, &l);
	tmpdb_file(&t, "003_bad.up.sql", "CREATE TABLE c (x int);\nINSERT INTO nowhere VALUES (1);\n");
	tmpdb_load(&t);
	snprintf(dir, sizeof(dir), "%s/backups", t.dir);
	t.opts.backup_dir = dir;
	tmpdb_open(&t);
	assert_int_equal(tmpdb_run(&t, STRATA_UP, NULL), STRATA_EDB);
	e = find(&l, STRATA_EV_BACKUP, 0);
	assert_non_null(e);
	assert_int_equal(strncmp(e->text, dir, strlen(dir)), 0);
	assert_int_equal(access(e->text, R_OK), 0);
	e = find(&l, STRATA_EV_MIG_FAILED, 0);
	assert_non_null(e);
	assert_string_equal(e->vtext, "003");
	assert_int_equal(e->err_code, STRATA_EDB);
	assert_int_equal(e->err_line, 2);
	assert_string_equal(e->text, "002"); /* where the database is */
	assert_false(e->outside_tx);
	tmpdb_free(&t);
}

static void test_note(void **state)
{
	struct tmpdb t;
	struct log l;
	const struct seen *e;

	(void)state;
	setup(&t, &l);
	tmpdb_open(&t);
	assert_int_equal(tmpdb_run(&t, STRATA_UP, NULL), 0);
	tmpdb_file(&t, "002_b.up.sql", NULL);
	tmpdb_file(&t, "002_b.down.sql", NULL);
	tmpdb_file(&t, "003_c.up.sql", "CREATE TABLE c (x int);\n");
	tmpdb_load(&t);
	l.n = 0;
	assert_int_equal(tmpdb_run(&t, STRATA_UP, NULL), 0);
	e = find(&l, STRATA_EV_NOTE, 0);
	assert_non_null(e);
	/* a recorded row without its file: the version as recorded, digits only */
	assert_string_equal(e->text, "2 b is applied but its file is gone");
	assert_false(e->has_mig);
	tmpdb_free(&t);
}

static void test_event_mig_kinds(void **state)
{
	struct strata_event ev;

	(void)state;
	memset(&ev, 0, sizeof(ev));
	ev.kind = STRATA_EV_PLAN;
	assert_null(strata_event_mig(&ev));
	ev.kind = STRATA_EV_NOTE;
	assert_null(strata_event_mig(&ev));
	ev.kind = STRATA_EV_MIG_SKIPPED;
	assert_ptr_equal(strata_event_mig(&ev), &ev.mig);
	ev.kind = STRATA_EV_MIG_FAILED;
	assert_ptr_equal(strata_event_mig(&ev), &ev.failed.mig);
	assert_null(strata_event_mig(NULL));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_run_events),
		cmocka_unit_test(test_dry_run_statements),
		cmocka_unit_test(test_failed_and_backup),
		cmocka_unit_test(test_note),
		cmocka_unit_test(test_event_mig_kinds),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
