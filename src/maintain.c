/*
 * maintain.c - the operations around migrations: backups before a change,
 * and dropping everything for development resets.
 *
 * Both go through the driver (SQLite's backup API and DROPs; pg_dump and
 * DROP SCHEMA); what is shared lives here: where backups go and what they
 * are named (database, time, version, never a password), and that drop runs
 * under the migration lock.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "buf.h"
#include "driver.h"
#include "db.h"
#include "history.h"

/* Append a name for a file name: nothing that could climb out of the directory. */
static void add_safe(struct strata_buf *b, const char *s)
{
	for (; *s; s++)
		strata_buf_addc(b, *s == '/' || *s == '\\' || (unsigned char)*s < 0x20 ? '_' : *s);
}

int strata_backup(struct strata_db *db, const char *dir, char **path, struct strata_err *err)
{
	struct strata_applied *rows = NULL;
	struct strata_buf b;
	char stamp[32], *name;
	size_t n = 0, i;
	struct strata_version hi = { "" };
	time_t now = time(NULL);
	struct tm tm;
	struct stat st;
	int rc, k;

	*path = NULL;
	if (!db->conn)
		return strata_db_offline_err(db, err);
	if (!db->drv->backup || !db->drv->dbname)
		return strata_err_set(err, STRATA_EUSAGE, "%s databases cannot be backed up by strata", db->drv->name);
	if (mkdir(dir, 0700) != 0 && errno != EEXIST)
		return strata_err_set(err, STRATA_EIO, "cannot create backup directory %s: %s", dir, strerror(errno));
	rc = strata_history_read(db, 1, &rows, &n, err);
	if (rc)
		return rc;
	for (i = 0; i < n; i++)
		if (strata_version_cmp(&rows[i].version, &hi) > 0)
			hi = rows[i].version;
	strata_applied_free(rows, n);
	gmtime_r(&now, &tm);
	strftime(stamp, sizeof(stamp), "%Y%m%dT%H%M%SZ", &tm);
	name = db->drv->dbname(db->conn);
	if (!name)
		return strata_err_set(err, STRATA_ENOMEM, "out of memory");
	strata_buf_init(&b);
	for (k = 1; k < 100; k++) {
		strata_buf_reset(&b);
		strata_buf_addf(&b, "%s/", dir);
		add_safe(&b, name);
		if (db->target->schema) {
			strata_buf_addc(&b, '-');
			add_safe(&b, db->target->schema);
		}
		strata_buf_addf(&b, "-%s-v", stamp);
		if (n)
			strata_buf_adds(&b, hi.d);
		else
			strata_buf_adds(&b, "none");
		if (k > 1)
			strata_buf_addf(&b, "-%d", k);
		strata_buf_adds(&b, db->drv->sql->backup_suffix);
		if (b.broken || stat(b.buf, &st) != 0)
			break;
	}
	free(name);
	if (b.broken)
		return strata_err_set(err, STRATA_ENOMEM, "out of memory");
	rc = db->drv->backup(db->conn, b.buf, db->target->schema, err);
	if (rc) {
		strata_buf_release(&b);
		return rc;
	}
	*path = strata_buf_detach(&b, NULL);
	return 0;
}

int strata_drop_preview(struct strata_db *db, char **what, struct strata_err *err)
{
	if (!db->conn)
		return strata_db_offline_err(db, err);
	if (!db->drv->drop)
		return strata_err_set(err, STRATA_EUSAGE, "drop is not supported for %s", db->drv->name);
	return db->drv->drop(db->conn, 1, what, err);
}

int strata_drop(struct strata_db *db, char **what, struct strata_err *err)
{
	int locked = 0, rc;

	if (what)
		*what = NULL;
	if (!db->conn)
		return strata_db_offline_err(db, err);
	if (!db->drv->drop)
		return strata_err_set(err, STRATA_EUSAGE, "drop is not supported for %s", db->drv->name);
	rc = strata_lock(db, &locked, err);
	if (rc)
		return rc;
	if (db->opts.backup_dir) {
		char *path = NULL;
		struct strata_event ev = { 0 };

		rc = strata_backup(db, db->opts.backup_dir, &path, err);
		if (rc)
			goto out;
		ev.kind = STRATA_EV_BACKUP;
		ev.backup.path = path;
		strata_emit(db, &ev);
		free(path);
	}
	rc = db->drv->drop(db->conn, 0, what, err);
	if (rc)
		goto out;
	/* a tracking table kept in another schema (--table ops.migrations) must not outlive what it tracked */
	rc = strata_history_exists(db, err);
	if (rc == 1) {
		struct strata_buf b;
		long pos;

		strata_buf_init(&b);
		strata_buf_addf(&b, "DELETE FROM %s", db->qtable);
		rc = b.broken ? strata_err_set(err, STRATA_ENOMEM, "out of memory")
			      : db->drv->exec(db->conn, b.buf, b.len, &pos, err);
		strata_buf_release(&b);
		if (!rc)
			rc = strata_history_log(db, "drop", NULL, 0, "ok", err);
	}
out:
	strata_unlock(db, locked);
	return rc;
}
