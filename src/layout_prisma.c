/*
 * layout_prisma.c - a Prisma Migrate directory, read as Prisma reads it:
 * one directory per migration, <name>/migration.sql, applied in the order of
 * the directory names, and migration_lock.toml, whose `provider = "..."`
 * names the engine the SQL is written for (checked against the target:
 * layout.c). Prisma has no downs; a down.sql beside migration.sql is taken
 * as the migration's down.
 *
 * strata needs a version: the directory name's leading digits (Prisma's
 * 14-digit UTC timestamps, or the "0_init" of Prisma's baselining guide),
 * the rest after one '_' is the name. A directory whose name has no leading
 * digits is a problem (Prisma would run it), as is anything else that
 * looks like a migration in the directory (a .sql file beside the
 * directories, a directory without migration.sql): the layout mixes with
 * nothing.
 *
 * The checksum Prisma stores in _prisma_migrations is the SHA-256 hex of
 * migration.sql as written; Prisma accepts a file whose line endings changed
 * since (CRLF as LF, LF as CRLF) and old rows written without zero padding
 * (strata_prisma_checksum_matches).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include <openssl/evp.h>

#include "buf.h"
#include "util.h"
#include "version_int.h"
#include "layout.h"

static void sha256_raw(const char *text, size_t len, unsigned char md[32])
{
	unsigned int n = 0;

	if (!EVP_Digest(text, len, md, &n, EVP_sha256(), NULL) || n != 32)
		memset(md, 0, 32);
}

static void hex_of(const unsigned char md[32], char hex[65])
{
	static const char digits[] = "0123456789abcdef";
	int i;

	for (i = 0; i < 32; i++) {
		hex[2 * i] = digits[md[i] >> 4];
		hex[2 * i + 1] = digits[md[i] & 15];
	}
	hex[64] = '\0';
}

void strata_sha256_hex(const char *text, size_t len, char hex[65])
{
	unsigned char md[32];

	sha256_raw(text ? text : "", text ? len : 0, md);
	hex_of(md, hex);
}

/* Prisma before 2.x wrote each byte with {:x}: "0a" as "a". */
static void unpadded(const char hex[65], char out[65])
{
	size_t i, k = 0;

	for (i = 0; i < 64; i += 2) {
		if (hex[i] != '0')
			out[k++] = hex[i];
		out[k++] = hex[i + 1];
	}
	out[k] = '\0';
}

/* The text with its line endings turned: to_crlf 0: CRLF as LF; 1: lone LF as CRLF. */
static char *turned(const char *t, size_t len, int to_crlf, size_t *outlen)
{
	struct strata_buf b;
	size_t i;

	strata_buf_init(&b);
	for (i = 0; i < len; i++) {
		if (!to_crlf && t[i] == '\r' && i + 1 < len && t[i + 1] == '\n')
			continue;
		if (to_crlf && t[i] == '\n' && (i == 0 || t[i - 1] != '\r'))
			strata_buf_add(&b, "\r", 1);
		strata_buf_add(&b, t + i, 1);
	}
	strata_buf_add(&b, "", 0);
	if (b.broken) {
		strata_buf_release(&b);
		return NULL;
	}
	return strata_buf_detach(&b, outlen);
}

static int same_hex(const char *a, const char *b)
{
	size_t i;

	for (i = 0; a[i] && b[i]; i++)
		if ((a[i] | 0x20) != (b[i] | 0x20))
			return 0;
	return !a[i] && !b[i];
}

int strata_prisma_checksum_matches(const char *stored, const struct strata_migration *m)
{
	char u[65];
	int k;

	if (!stored || !m->tool_sum[0])
		return 0;
	for (k = -1; k < 2; k++) {
		const char *h = k < 0 ? m->tool_sum : m->tool_sum_alt[k];

		if (!h[0])
			continue;
		unpadded(h, u);
		if (same_hex(stored, h) || same_hex(stored, u))
			return 1;
	}
	return 0;
}

/* The provider of migration_lock.toml: its first line that starts with "provider" (as Prisma reads it). */
static void read_lock(struct loader *L, const char *rp)
{
	char *text = NULL, *rel, *p, *line;
	size_t len;
	struct strata_buf b;

	strata_buf_init(&b);
	strata_buf_addf(&b, "%smigration_lock.toml", rp);
	rel = strata_buf_detach(&b, NULL);
	if (!rel) {
		strata_source_oom(L);
		return;
	}
	if (strata_source_read(L, rel, 1, &text, &len) != 0)
		goto out;
	for (line = text; line && *line; line = strchr(line, '\n') ? strchr(line, '\n') + 1 : NULL) {
		char *q, *e;

		while (*line == ' ' || *line == '\t')
			line++;
		if (strncmp(line, "provider", 8) != 0)
			continue;
		p = line + 8;
		while (*p == ' ' || *p == '\t')
			p++;
		q = *p == '=' ? strchr(p, '"') : NULL;
		e = q ? strchr(q + 1, '"') : NULL;
		if (!e || memchr(q, '\n', (size_t)(e - q))) {
			strata_source_problem(L, rel, 0, "its provider line is not `provider = \"...\"`");
			goto out;
		}
		*e = '\0';
		{
			struct strata_buf shown;
			char *s;

			strata_buf_init(&shown);
			strata_buf_addf(&shown, "%s%s", strata_source_shown_prefix(L), rel);
			s = strata_buf_detach(&shown, NULL);
			if (!s)
				strata_source_oom(L);
			else
				strata_source_set_provider(L, q + 1, s);
			free(s);
		}
		goto out;
	}
out:
	free(text);
	free(rel);
}

static char *join(struct loader *L, const char *a, const char *b, const char *c)
{
	struct strata_buf buf;
	char *s;

	strata_buf_init(&buf);
	strata_buf_addf(&buf, "%s%s%s", a, b, c);
	s = strata_buf_detach(&buf, NULL);
	if (!s)
		strata_source_oom(L);
	return s;
}

/* One migration directory `name`; 0 added (or a problem recorded), 1 when it has no migration.sql. */
static int load_one(struct loader *L, const char *rp, const char *name)
{
	struct strata_migration m;
	size_t nd = strspn(name, "0123456789"), len;
	char *dname = NULL;
	int rc;

	memset(&m, 0, sizeof(m));
	m.layout = STRATA_LAYOUT_PRISMA;
	dname = join(L, rp, name, "");
	m.up_file = join(L, rp, name, "/migration.sql");
	if (!dname || !m.up_file)
		goto fail;
	rc = strata_source_read(L, m.up_file, 1, &m.up, &m.up_len);
	if (rc == 1) {
		free(dname);
		strata_source_migration_release(&m);
		return 1;
	}
	if (rc)
		goto fail;
	m.up_line = 1;
	if (nd == 0) {
		strata_source_problem(L, dname, 0,
				      "is a Prisma migration directory whose name does not start with digits: strata "
				      "records migrations by a version number (Prisma's own are <14-digit UTC "
				      "timestamp>_<name>); rename it so that it starts with one, keeping the order");
		goto fail;
	}
	rc = strata_version_parse(name, nd, &m.version);
	if (rc) {
		strata_source_problem(L, dname, 0, "its version has more than %d digits", STRATA_VERSION_MAX);
		goto fail;
	}
	m.vtext = strata_strndup(name, nd);
	m.name = strata_strdup(name + nd + (name[nd] == '_' || name[nd] == '-'));
	m.sortkey = strata_strdup(name); /* Prisma applies in directory-name order */
	m.tool_name = strata_strdup(name);
	if (!m.vtext || !m.name || !m.sortkey || !m.tool_name) {
		strata_source_oom(L);
		goto fail;
	}
	strata_sha256_hex(m.up, m.up_len, m.tool_sum);
	{
		char *t;
		int k;

		for (k = 0; k < 2; k++) {
			t = memchr(m.up, k ? '\n' : '\r', m.up_len) ? turned(m.up, m.up_len, k, &len) : NULL;
			if (t)
				strata_sha256_hex(t, len, m.tool_sum_alt[k]);
			free(t);
		}
	}
	m.down_file = join(L, rp, name, "/down.sql");
	if (!m.down_file)
		goto fail;
	rc = strata_source_read(L, m.down_file, 1, &m.down, &m.down_len);
	if (rc < 0)
		goto fail;
	if (rc == 1) {
		free(m.down_file);
		m.down_file = NULL;
	} else {
		m.down_line = 1;
	}
	free(dname);
	strata_source_add(L, &m);
	return 0;
fail:
	free(dname);
	strata_source_migration_release(&m);
	return 0;
}

static int name_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

void strata_layout_prisma_load(struct loader *L, DIR *d, const char *rp)
{
	struct dirent *de;
	struct strata_version *seen = NULL;
	char **dirs = NULL, **dn;
	size_t ndirs = 0, cdirs = 0, i;

	read_lock(L, rp);
	rewinddir(d);
	for (;;) {
		struct stat st;
		int is_dir;
		size_t n;

		errno = 0;
		de = readdir(d);
		if (!de)
			break;
		if (de->d_name[0] == '.')
			continue;
		if (de->d_type == DT_DIR || de->d_type == DT_REG)
			is_dir = de->d_type == DT_DIR;
		else if (fstatat(dirfd(d), de->d_name, &st, 0) == 0)
			is_dir = S_ISDIR(st.st_mode);
		else
			continue;
		n = strlen(de->d_name);
		if (!is_dir) {
			if (n > 4 && strcmp(de->d_name + n - 4, ".sql") == 0) {
				char *rel = join(L, rp, de->d_name, "");

				if (rel)
					strata_source_problem(L, rel, 0,
							      "is a .sql file beside Prisma Migrate's migration "
							      "directories: Prisma never runs it, and the layouts do "
							      "not mix; move it into a directory of its own as "
							      "<version>_<name>/migration.sql");
				free(rel);
			}
			continue;
		}
		if (ndirs == cdirs) {
			cdirs = cdirs ? 2 * cdirs : 64;
			dn = realloc(dirs, cdirs * sizeof(*dirs));
			if (!dn) {
				strata_source_oom(L);
				goto out;
			}
			dirs = dn;
		}
		if (!(dirs[ndirs] = strata_strdup(de->d_name))) {
			strata_source_oom(L);
			goto out;
		}
		ndirs++;
	}
	if (errno) {
		strata_source_problem(L, ".", 0, "cannot read the directory: %s", strerror(errno));
		goto out;
	}
	qsort(dirs, ndirs, sizeof(*dirs), name_cmp);
	seen = calloc(ndirs ? ndirs : 1, sizeof(*seen));
	if (!seen) {
		strata_source_oom(L);
		goto out;
	}
	for (i = 0; i < ndirs; i++) {
		size_t nd = strspn(dirs[i], "0123456789"), k;
		char *rel;

		if (load_one(L, rp, dirs[i]) == 1) {
			rel = join(L, rp, dirs[i], "");
			if (rel)
				strata_source_problem(L, rel, 0,
						      "is a directory without a migration.sql in Prisma Migrate's "
						      "migrations directory (Prisma stops at it: every directory there "
						      "is a migration)");
			free(rel);
			continue;
		}
		if (nd && strata_version_parse(dirs[i], nd, &seen[i]) == 0) {
			for (k = 0; k < i; k++)
				if (seen[k].d[0] && strata_version_cmp(&seen[k], &seen[i]) == 0) {
					rel = join(L, rp, dirs[i], "");
					if (rel)
						strata_source_problem(L, rel, 0,
								      "duplicate version %s: %s%s%s has the same "
								      "version",
								      seen[i].d, strata_source_shown_prefix(L), rp,
								      dirs[k]);
					free(rel);
					break;
				}
		}
	}
out:
	for (i = 0; i < ndirs; i++)
		free(dirs[i]);
	free(dirs);
	free(seen);
}

int strata_prisma_create(const struct strata_source *src, const char *dir, const char *slug, char *path,
			 size_t pathlen, struct strata_err *err)
{
	char ts[STRATA_VERSION_MAX + 40];
	time_t t = time(NULL);
	struct tm tm;
	FILE *f;
	size_t n;

	if (!gmtime_r(&t, &tm) || !strftime(ts, sizeof(ts), "%Y%m%d%H%M%S", &tm))
		return strata_err_set(err, STRATA_EIO, "cannot read the clock");
	/* Prisma applies in directory-name order: a new one must sort last */
	if (src && src->n && strcmp(ts, src->m[src->n - 1].sortkey) <= 0) {
		struct strata_version next;

		if (strata_version_next(&src->m[src->n - 1].version, &next) != 0)
			return strata_err_set(err, STRATA_EUSAGE, "no version after %s", src->m[src->n - 1].vtext);
		snprintf(ts, sizeof(ts), "%s", next.d);
	}
	snprintf(path, pathlen, "%s/%s_%s", dir, ts, slug);
	if (mkdir(path, 0777) != 0)
		return strata_err_set(err, STRATA_EIO, "cannot create %s: %s", path, strerror(errno));
	n = strlen(path);
	snprintf(path + n, pathlen - n, "/migration.sql");
	f = fopen(path, "wx");
	if (!f || fputs("-- This is an empty migration.\n", f) < 0 || fclose(f) != 0)
		return strata_err_set(err, STRATA_EIO, "cannot write %s: %s", path, strerror(errno));
	return 0;
}
