/*
 * layout.h - directories in a migration tool's own layout, read as that tool
 * reads them: Prisma Migrate (layout_prisma.c) and Drizzle Kit
 * (layout_drizzle.c). source.c recognises such a directory and hands it to
 * its loader whole; adopt_tools.c takes over the tools' own tables.
 */
#ifndef STRATA_LAYOUT_H
#define STRATA_LAYOUT_H

#include <dirent.h>
#include <stddef.h>

#include "strata.h"
#include "source_int.h"
#include "split.h"

struct strata_db;
struct strata_rows;
struct strata_driver;

/*
 * The tool's layout a directory (open as dfd) says it is in by a file of
 * the tool's own: migration_lock.toml (Prisma), meta/_journal.json
 * (Drizzle); 0 when neither is there.
 */
enum strata_layout strata_layout_detect(int dfd);
/* Is `name` in dfd a Prisma migration directory (migration.sql and no Diesel up.sql)? */
int strata_layout_prisma_dir(int dfd, const char *name);
/*
 * Read directory d in layout `lay` whole into L: its migrations, problems
 * and warnings. `rp`: what goes before a name inside it to make it relative
 * to L ("" with one directory, "dir/" with several).
 */
void strata_layout_load(struct loader *L, enum strata_layout lay, DIR *d, const char *rp);
void strata_layout_prisma_load(struct loader *L, DIR *d, const char *rp);
void strata_layout_drizzle_load(struct loader *L, DIR *d, const char *rp);

/*
 * create in the layouts: Prisma's <UTC timestamp>_<slug>/migration.sql (a
 * version after the last one when the clock is behind it); Drizzle's
 * NNNN_<slug>.sql with its entry appended to meta/_journal.json (idx =
 * number of entries, when = now_ms or just after the last entry's, written
 * back as drizzle-kit writes it). The new file's path into path.
 */
int strata_prisma_create(const struct strata_source *src, const char *dir, const char *slug, char *path,
			 size_t pathlen, struct strata_err *err);
int strata_drizzle_create(const char *dir, const char *slug, long long now_ms, char *path, size_t pathlen,
			  struct strata_err *err);

/*
 * A Drizzle file written to run inside drizzle-orm's one transaction, which
 * it leaves to run PRAGMAs and enters again: its first statement ends a
 * transaction and it ends inside one it began (`COMMIT TRANSACTION;` ...
 * `BEGIN TRANSACTION;`). The line (in the script) of that first statement,
 * or 0 when m is not such a file.
 */
static inline int strata_drizzle_wrapped(const struct strata_migration *m, const struct strata_split *sp)
{
	return m && m->layout == STRATA_LAYOUT_DRIZZLE ? strata_split_wrapped(sp) : 0;
}

/* Prisma's checksum of a text: does `stored` match it, its line endings changed, or its old unpadded hex? */
int strata_prisma_checksum_matches(const char *stored, const struct strata_migration *m);
/* SHA-256 hex of text as written (lowercase, 64 digits). */
void strata_sha256_hex(const char *text, size_t len, char hex[65]);

/*
 * Does the engine of `drv` write the SQL of a directory that says it is for
 * `provider` (Prisma's and Drizzle's words: postgresql, sqlite, mysql...)?
 * STRATA_EUSAGE naming both when not; 0 when it does or src says nothing.
 */
int strata_layout_check_provider(const struct strata_source *src, const struct strata_driver *drv,
				 struct strata_err *err);

/*
 * adopt from _prisma_migrations or __drizzle_migrations (adopt_tools.c), for
 * strata_adopt under its lock: 1 when this is not such an adoption (nothing
 * done), else 0 or an error code, res filled.
 */
/* Run the read query fmt (one %s: the table) on db; a failure is "not that tool's table", not an error (adopt.c). */
int strata_adopt_try_query(struct strata_db *db, const char *fmt, const char *table, struct strata_rows **r);
int strata_adopt_tool(struct strata_db *db, const struct strata_source *src, const char *from_table,
		      struct strata_adopt_result *res, struct strata_err *err);

#endif
