/*
 * schema/scratch.c - scratch databases (include/strata_schema.h): a new,
 * empty database of a target's engine, where check and test build the
 * schema the migrations make. The driver makes and drops it
 * (scratch_create/scratch_drop in struct strata_driver): PostgreSQL a
 * database strata_scratch_<pid>_<n> created from template0 on the target's
 * server, through a connection to that server kept open until the drop;
 * SQLite an in-memory database that goes with its one connection. The setup
 * SQL (--scratch-setup) runs in every new one before anything else.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "strata_schema.h"
#include "../buf.h"
#include "../db.h"
#include "../driver.h"
#include "../util.h"
#include "scratch.h"

struct strata_scratch {
	const struct strata_driver *drv;
	struct strata_target *server;   /* where it is made (parsed from so->server, or a copy of `like`) */
	struct strata_conn *admin;      /* on the server, for CREATE/DROP (NULL: the engine needs none) */
	struct strata_target *t;        /* the scratch database itself */
	char name[64];
	struct strata_db *db;
	struct strata_opts opts;        /* what the scratch db is opened with */
	struct strata_scratch_opts so;
	const struct strata_target *like; /* borrowed: what it was made beside (strata_scratch_open_like) */
	struct strata_opts caller_opts;   /* as given */
	int fresh;                        /* made (or reset) and not handed out since: empty but for the setup */
};

static unsigned scratch_seq;

struct strata_db *strata_scratch_db(struct strata_scratch *s)
{
	s->fresh = 0;
	return s->db;
}

const struct strata_target *strata_scratch_target(const struct strata_scratch *s)
{
	return s->t;
}

static struct strata_target *target_copy(const struct strata_target *t)
{
	struct strata_target *c = calloc(1, sizeof(*c));

	if (!c)
		return NULL;
	c->engine = t->engine;
	c->conninfo = strata_strdup(t->conninfo);
	c->display = strata_strdup(t->display);
	c->password_hidden = t->password_hidden;
	if (!c->conninfo || !c->display) {
		strata_target_free(c);
		return NULL;
	}
	return c;
}

/* Run the setup SQL in the new database; an error names the file and its line. */
static int run_setup(struct strata_scratch *s, struct strata_err *err)
{
	long errpos = -1;
	int rc;

	if (!s->so.setup || !s->so.setup_len)
		return 0;
	rc = s->drv->exec(s->db->conn, s->so.setup, s->so.setup_len, &errpos, err);
	if (rc && err) {
		if (s->so.setup_file && *s->so.setup_file) {
			snprintf(err->file, sizeof(err->file), "%s", s->so.setup_file);
			if (errpos >= 0)
				err->line = strata_line_of(s->so.setup, s->so.setup_len, (size_t)errpos);
		}
		strata_err_hint(err, "the scratch setup SQL runs in every scratch database before the first migration");
	}
	return rc;
}

/* Drop what `create` made (the db closed first: a drop ends connections, but ours is closed cleanly). */
static int drop_db(struct strata_scratch *s, struct strata_err *err)
{
	int rc = 0;

	strata_db_close(s->db);
	s->db = NULL;
	if (s->t && s->drv->scratch_drop && s->admin)
		rc = s->drv->scratch_drop(s->admin, s->name, err);
	strata_target_free(s->t);
	s->t = NULL;
	return rc;
}

static int create_db(struct strata_scratch *s, struct strata_err *err)
{
	int rc;

	snprintf(s->name, sizeof(s->name), "strata_scratch_%ld_%u", (long)getpid(),
		 __atomic_add_fetch(&scratch_seq, 1, __ATOMIC_RELAXED));
	s->t = calloc(1, sizeof(*s->t));
	if (!s->t)
		return strata_err_set(err, STRATA_ENOMEM, "out of memory");
	rc = s->drv->scratch_create(s->admin, s->name, s->t, err);
	if (rc) {
		/* a failure after the database was made (out of memory) must not leave it behind */
		if (s->drv->scratch_drop && s->admin)
			s->drv->scratch_drop(s->admin, s->name, NULL);
		strata_target_free(s->t);
		s->t = NULL;
		return rc;
	}
	rc = strata_db_open(s->t, &s->opts, &s->db, err);
	if (rc == 0)
		rc = run_setup(s, err);
	s->fresh = rc == 0;
	if (rc) {
		struct strata_err e2;

		strata_err_clear(&e2);
		drop_db(s, &e2);
		strata_err_release(&e2);
	}
	return rc;
}

int strata_scratch_open(const struct strata_target *like, const struct strata_scratch_opts *so,
			const struct strata_opts *o, struct strata_scratch **out, struct strata_err *err)
{
	struct strata_scratch *s;
	struct strata_opts ao;
	int rc;

	*out = NULL;
	s = calloc(1, sizeof(*s));
	if (!s)
		return strata_err_set(err, STRATA_ENOMEM, "out of memory");
	if (so)
		s->so = *so;
	if (o)
		s->opts = *o;
	else
		strata_opts_init(&s->opts);
	s->like = like;
	s->caller_opts = s->opts;
	/* a scratch database is new and strata's alone: nothing to back up, nothing to refuse */
	s->opts.read_only = 0;
	s->opts.must_exist = 0;
	s->opts.dry_run = 0;
	s->opts.backup_dir = NULL;
	s->opts.ignore_other_tool = 1;
	if (s->so.server && *s->so.server) {
		rc = strata_target_parse(s->so.server, &s->server, err);
		if (rc)
			goto fail;
		/* the same driver must make the scratch as the target's: one of its databases */
		if (strata_driver_load(s->server->engine, NULL) != strata_driver_load(like->engine, NULL)) {
			rc = strata_err_set(err, STRATA_EUSAGE,
					    "the scratch server %s is not of the target's engine: give a server of the "
					    "same engine with --scratch URL",
					    s->server->display);
			goto fail;
		}
	} else if (!(s->server = target_copy(like))) {
		rc = strata_err_set(err, STRATA_ENOMEM, "out of memory");
		goto fail;
	}
	s->drv = strata_driver_load(like->engine, err);
	if (!s->drv) {
		rc = err && err->code ? err->code : STRATA_EUSAGE;
		goto fail;
	}
	if (!s->drv->scratch_create) {
		rc = strata_err_set(err, STRATA_EUNSUPPORTED, "strata cannot make scratch databases on %s yet",
				    s->drv->display_name);
		goto fail;
	}
	if (s->drv->scratch_drop) {
		strata_opts_init(&ao);
		ao.read_only = 1;
		ao.application_name = "strata scratch";
		rc = s->drv->connect(s->server, &ao, &s->admin, err);
		if (rc) {
			if (err && !*err->hint)
				strata_err_hint(err, "a scratch database is made through a connection to the server of %s "
						     "(or to the scratch server named): it must be one that exists",
						s->server->display);
			goto fail;
		}
	}
	rc = create_db(s, err);
	if (rc)
		goto fail;
	*out = s;
	return 0;
fail:
	strata_scratch_close(s, NULL);
	return rc;
}

int strata_scratch_fresh(const struct strata_scratch *s)
{
	return s->fresh;
}

int strata_scratch_reset(struct strata_scratch *s, struct strata_err *err)
{
	int rc = drop_db(s, err);

	if (rc)
		return rc;
	return create_db(s, err);
}

int strata_scratch_close(struct strata_scratch *s, struct strata_err *err)
{
	int rc;

	if (!s)
		return 0;
	rc = s->drv ? drop_db(s, err) : 0;
	if (s->admin)
		s->drv->close(s->admin);
	strata_target_free(s->server);
	free(s);
	return rc;
}

int strata_scratch_open_like(const struct strata_scratch *like, struct strata_scratch **out, struct strata_err *err)
{
	return strata_scratch_open(like->like, &like->so, &like->caller_opts, out, err);
}
