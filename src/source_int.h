/*
 * source_int.h - what the source reader's files share: the loader
 * (source.c), which walks the directories and collects every problem, and
 * the readers of a migration's contents it calls, markers.c (dbmate and
 * goose markers) and toml.c (Diesel's metadata.toml), and the loaders of
 * tools' own layouts (layout.h: Prisma Migrate, Drizzle Kit). Not for the rest of
 * the library: file names are in names.h (strata_source_parse_name,
 * names.c).
 */
#ifndef STRATA_SOURCE_INT_H
#define STRATA_SOURCE_INT_H

#include <stddef.h>

#include "strata.h"

struct loader; /* one load of one or more directories (source.c) */

/* Record a problem about `rel` (relative to the source dir), at `line` if > 0. */
void strata_source_problem(struct loader *L, const char *rel, int line, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
/* An allocation failed: the load gives up with STRATA_ENOMEM. */
void strata_source_oom(struct loader *L);

/*
 * Split a V_name.sql file on dbmate or goose markers (markers.c). Returns 0
 * when the file has no markers (a plain up script; nothing changed), 1 when
 * m->up/down, up_line/down_line and no_transaction were filled (copies;
 * `text` is left to the caller), -1 after recording a problem.
 */
int strata_source_split_markers(struct loader *L, const char *rel, struct strata_migration *m,
				const char *text, size_t len);

/*
 * Diesel's metadata.toml (toml.c): *notx = 1 when it sets
 * run_in_transaction = false. 0, or -1 after recording a problem.
 */
int strata_source_parse_metadata(struct loader *L, const char *rel, const char *s, size_t len, int *notx);

/*
 * What the loaders of a tool's own layout (layout_prisma.c, layout_drizzle.c)
 * use of source.c. Names are relative as every other loader's are: to the one
 * directory, or with several, carrying their directory ("dir/...").
 */
/* Read `rel` whole (BOM removed, checked UTF-8): 0, 1 when absent and `optional`, -1 after a problem. */
int strata_source_read(struct loader *L, const char *rel, int optional, char **text, size_t *len);
/* Add a built migration (taking what it holds): its checksums are computed here. */
void strata_source_add(struct loader *L, struct strata_migration *m);
/* Free what a migration holds (one not added). */
void strata_source_migration_release(struct strata_migration *m);
/* A warning: a full sentence naming the file (strata_source.warnings). */
void strata_source_warn(struct loader *L, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* The engine the directory says it is for (layout.h); the first one said is kept. */
void strata_source_set_provider(struct loader *L, const char *provider, const char *file);
/* How a name relative to L is shown in messages (its directory before it, with one directory). */
const char *strata_source_shown_prefix(const struct loader *L);

#endif
