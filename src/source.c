/*
 * source.c - read a directory of migrations (or several, merged as dbmate
 * merges its repeated --migrations-dir), in every layout users already have,
 * into one ordered list.
 *
 * Users arrive with golang-migrate pairs (V_name.up.sql + V_name.down.sql),
 * dbmate or goose single files with up/down markers, plain numbered files
 * (V_name.sql, optional V_name.down.sql) or Diesel directories
 * (V_name/up.sql, down.sql, metadata.toml), sometimes mixed in one
 * directory. The layout is decided per entry: first by its name alone
 * (strata_source_parse_name(), allocation-free so that it can be fuzzed),
 * then, for V_name.sql, by whether the contents hold markers.
 *
 * This file walks the directories, reads the files and builds the list; the
 * readers it calls are names.c (file names), markers.c (dbmate and goose
 * markers), toml.c (Diesel's metadata.toml), checksum.c (checksums),
 * layout_flyway.c (Flyway's V/U/R names, versions, placeholders) and
 * layout_pop.c (pop's dialect parts: per version the target's dialect file,
 * else the dialect-less one, chosen in build_pop_group). A directory in a
 * tool's own layout (Prisma Migrate's migration_lock.toml and
 * <name>/migration.sql, Drizzle Kit's meta/_journal.json) is recognised here
 * and read whole by its loader (layout.h).
 *
 * Shaped for two things:
 * - Every problem is reported before any database work, and all of them at
 *   once: a user fixing a directory should not have to run strata once per
 *   mistake. Problems are collected, sorted by file, and returned one per
 *   line in err->message.
 * - Ten thousand migrations load in a blink: one readdir, a stat only when
 *   d_type does not say what an entry is, each file read with one read(),
 *   pairing and duplicate detection by sorting (never a nested loop).
 *
 * Ordering: Diesel orders its directories by the version with dashes removed,
 * compared as a string, and real directories mix 14- and 18-digit versions
 * (crates.io), so a Diesel migration's sortkey is that digit string; every
 * other layout's is the version zero-padded to 20 digits (numeric order).
 *
 * File names are read by names.c (strata_source_parse_name). Decisions on
 * loading that no tool defines:
 * - goose's Go migrations (V_name.go) are migrations strata cannot run:
 *   loaded with an empty up so that status lists them, baseline records them
 *   and up stops before them, never skipped;
 * - with several directories every name is stored as "dir/name", so that a
 *   version found in two directories is one duplicate naming both files.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "buf.h"
#include "util.h"
#include "version_int.h"
#include "names.h"
#include "source_int.h"
#include "layout.h"
#include "layout_flyway.h"
#include "layout_pop.h"

/* Versions with this many digits or more look like timestamps (YYYYMMDDHHMM...). */
#define TIMESTAMP_DIGITS 12

/* ---------------------------------------------------------------- loading */

/* One directory entry that names a migration file or directory. */
struct entry {
	size_t off;            /* offset of its name in loader.names while scanning */
	const char *fname;     /* its name, once scanning is over */
	int regular;           /* readdir said it is a regular file (not a symlink) */
	unsigned dir;          /* index of its directory (several directories) */
	enum strata_name_kind kind; /* what the name says (build parses it again for the rest) */
	size_t voff, vlen;     /* its version's digits (no leading zeros) in loader.names: a small entry
				  sorts fast, where a struct strata_version each made 20,000 entries megabytes */
	const char *v;         /* those digits, once scanning is over */
	unsigned char fly;     /* a Flyway name: 1 versioned, undo (kind DOWN) or Java (kind GO), 2 repeatable */
	unsigned char pop;     /* an up/down name read by pop's rule: its enum strata_pop_dialect */
	unsigned char pop_auto; /* ... with .autocommit */
	unsigned char pop_bad; /* ... no pop name (more dots): golang-migrate's reading only */
};

/* One problem: sorted by file, then line, then text before reporting. */
struct problem {
	char *file; /* path as shown to the user */
	int line;   /* 0 when not about a line */
	char *text; /* the whole report line: "file:line: message" */
};

struct loader {
	const char *pfx;         /* "dir/" for messages ("" when dir is empty, or when names carry their dir) */
	int dfd;                 /* the source directory (AT_FDCWD when names carry their dir) */
	int multi;               /* several directories: every name stored as "dir/name" */
	char **unv;              /* .sql files skipped for having no version, as shown */
	size_t nunv, cunv;
	struct strata_buf names; /* every entry's name, NUL-separated */
	struct entry *e;
	size_t ne, ce;
	struct problem *p;
	size_t np, cp;
	char **w;
	size_t nw, cw;
	char **notes;            /* sentences for validate (see strata_source.notes) */
	size_t nn, cn;
	struct strata_migration *m;
	size_t nm, cm;
	char *scratch; /* SCRATCH_SIZE bytes to read files into */
	int oom;       /* an allocation failed: give up with STRATA_ENOMEM */
	unsigned flags; /* STRATA_SOURCE_* */
	enum strata_layout *tool; /* per directory: the tool's own layout it is in (layout.h), or 0 */
	char *provider, *provider_file; /* what the first such directory says its engine is */
	const struct strata_source_opts *o; /* the caller's options (never NULL) */
	size_t nfly, nother;     /* Flyway entries, and entries of every other layout (they do not mix) */
	int pop;                 /* a file has a pop dialect or .autocommit part: pop's rules for every pair */
	enum strata_pop_dialect want; /* the target's pop dialect (ANY: not known) */
	int placeholders;        /* Flyway placeholders are replaced */
};

/* `arr` (holding n of cap elements) with room for one more: the same or a larger array, NULL on OOM. */
static void *grow(struct loader *L, void *arr, size_t *cap, size_t n, size_t size)
{
	size_t c;
	void *p;

	if (n < *cap)
		return arr;
	c = *cap ? *cap * 2 : 64;
	p = c <= SIZE_MAX / size ? realloc(arr, c * size) : NULL;
	if (!p) {
		L->oom = 1;
		return NULL;
	}
	*cap = c;
	return p;
}

/* Record a problem about `rel` (relative to the source dir), at `line` if > 0. */
static void vproblem(struct loader *L, const char *rel, int line, const char *fmt, va_list ap)
{
	struct strata_buf b;
	struct problem *p;
	char *file;

	p = grow(L, L->p, &L->cp, L->np, sizeof(*L->p));
	if (!p)
		return;
	L->p = p;
	strata_buf_init(&b);
	strata_buf_addf(&b, "%s%s", L->pfx, rel);
	file = strata_buf_detach(&b, NULL);
	strata_buf_addf(&b, "%s%s", L->pfx, rel);
	if (line > 0)
		strata_buf_addf(&b, ":%d", line);
	strata_buf_adds(&b, ": ");
	strata_buf_vaddf(&b, fmt, ap);
	p += L->np;
	p->text = strata_buf_detach(&b, NULL);
	p->file = file;
	p->line = line;
	if (!p->text || !p->file) {
		free(p->text);
		free(p->file);
		L->oom = 1;
		return;
	}
	L->np++;
}

static void problem(struct loader *L, const char *rel, int line, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
static void problem(struct loader *L, const char *rel, int line, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vproblem(L, rel, line, fmt, ap);
	va_end(ap);
}

void strata_source_problem(struct loader *L, const char *rel, int line, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vproblem(L, rel, line, fmt, ap);
	va_end(ap);
}

void strata_source_oom(struct loader *L)
{
	L->oom = 1;
}

static int read_text(struct loader *L, const char *rel, int optional, int regular, char **text, size_t *lenp);
static void migration_release(struct strata_migration *m);
static void add_built(struct loader *L, struct strata_migration *m);

int strata_source_read(struct loader *L, const char *rel, int optional, char **text, size_t *len)
{
	return read_text(L, rel, optional, 0, text, len);
}

void strata_source_add(struct loader *L, struct strata_migration *m)
{
	add_built(L, m);
}

void strata_source_migration_release(struct strata_migration *m)
{
	migration_release(m);
}

void strata_source_set_provider(struct loader *L, const char *provider, const char *file)
{
	if (L->provider)
		return;
	L->provider = strata_strdup(provider);
	L->provider_file = strata_strdup(file);
	if (!L->provider || !L->provider_file)
		L->oom = 1;
}

const char *strata_source_shown_prefix(const struct loader *L)
{
	return L->pfx;
}

static void warning(struct loader *L, const char *rel)
{
	struct strata_buf b;
	char *s, **w;

	w = grow(L, L->unv, &L->cunv, L->nunv, sizeof(*L->unv));
	if (!w)
		return;
	L->unv = w;
	strata_buf_init(&b);
	strata_buf_addf(&b, "%s%s", L->pfx, rel);
	if (!(L->unv[L->nunv] = strata_buf_detach(&b, NULL))) {
		L->oom = 1;
		return;
	}
	L->nunv++;
	w = grow(L, L->w, &L->cw, L->nw, sizeof(*L->w));
	if (!w)
		return;
	L->w = w;
	strata_buf_init(&b);
	strata_buf_addf(&b,
			"Skipped %s%s: a .sql file whose name does not start with a version number "
			"is not a migration.",
			L->pfx, rel);
	s = strata_buf_detach(&b, NULL);
	if (!s) {
		L->oom = 1;
		return;
	}
	L->w[L->nw++] = s;
}

static void note(struct loader *L, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void note(struct loader *L, const char *fmt, ...)
{
	struct strata_buf b;
	va_list ap;
	char *s, **n;

	n = grow(L, L->notes, &L->cn, L->nn, sizeof(*L->notes));
	if (!n)
		return;
	L->notes = n;
	strata_buf_init(&b);
	va_start(ap, fmt);
	strata_buf_vaddf(&b, fmt, ap);
	va_end(ap);
	s = strata_buf_detach(&b, NULL);
	if (!s) {
		L->oom = 1;
		return;
	}
	L->notes[L->nn++] = s;
}

static void vwarn(struct loader *L, char ***arr, size_t *n, size_t *cap, const char *fmt, va_list ap)
{
	struct strata_buf b;
	char **w = grow(L, *arr, cap, *n, sizeof(**arr));

	if (!w)
		return;
	*arr = w;
	strata_buf_init(&b);
	strata_buf_vaddf(&b, fmt, ap);
	if (!(w[*n] = strata_buf_detach(&b, NULL))) {
		L->oom = 1;
		return;
	}
	(*n)++;
}

void strata_source_warn(struct loader *L, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vwarn(L, &L->w, &L->nw, &L->cw, fmt, ap);
	va_end(ap);
}

/* Offset of the first byte that does not belong to well-formed UTF-8, or len. */
static size_t utf8_check(const unsigned char *s, size_t len)
{
	size_t i = 0, n, k;
	uint64_t word;
	unsigned c;

	while (i < len) {
		if (len - i >= 8) {
			memcpy(&word, s + i, 8);
			if (!(word & 0x8080808080808080ull)) {
				i += 8;
				continue;
			}
		}
		c = s[i];
		if (c < 0x80) {
			i++;
			continue;
		}
		if (c >= 0xc2 && c <= 0xdf)
			n = 1;
		else if (c >= 0xe0 && c <= 0xef)
			n = 2;
		else if (c >= 0xf0 && c <= 0xf4)
			n = 3;
		else
			return i;
		if (len - i <= n)
			return i;
		for (k = 1; k <= n; k++)
			if ((s[i + k] & 0xc0) != 0x80)
				return i;
		/* overlong 3- and 4-byte forms, surrogates, beyond U+10FFFF */
		if ((c == 0xe0 && s[i + 1] < 0xa0) || (c == 0xed && s[i + 1] > 0x9f) ||
		    (c == 0xf0 && s[i + 1] < 0x90) || (c == 0xf4 && s[i + 1] > 0x8f))
			return i;
		i += n + 1;
	}
	return len;
}

/* Small files (nearly all migrations) are read whole by one read() into this. */
#define SCRATCH_SIZE (64 * 1024)

/* Read the rest of `fd` after `have` bytes already in `buf` (capacity `cap`), growing it. */
static int read_rest(int fd, char **bufp, size_t *lenp, size_t cap)
{
	char *buf = *bufp, *p;
	size_t len = *lenp;
	ssize_t n;

	for (;;) {
		if (cap - len < 2) {
			if (cap > SIZE_MAX / 2)
				return ENOMEM;
			p = realloc(buf, cap * 2);
			if (!p)
				return ENOMEM;
			buf = *bufp = p;
			cap *= 2;
		}
		n = read(fd, buf + len, cap - len - 1);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return errno;
		if (n == 0)
			break;
		len += (size_t)n;
		*lenp = len;
	}
	return 0;
}

/*
 * Read `rel` whole into a malloc'ed, NUL-terminated text with a leading
 * UTF-8 BOM removed, checked to be UTF-8 without NUL bytes. `regular`: the
 * directory entry said it is a regular file, so the fstat() is skipped.
 * Returns 0, 1 when it does not exist and `optional`, or -1 after recording
 * a problem (or setting L->oom).
 */
static int read_text(struct loader *L, const char *rel, int optional, int regular, char **text, size_t *lenp)
{
	struct stat st;
	size_t len = 0, cap, bad;
	ssize_t n;
	char *buf = NULL;
	int fd, e;

	*text = NULL;
	*lenp = 0;
	fd = openat(L->dfd, rel, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
	if (fd < 0) {
		if (errno == ENOENT && optional)
			return 1;
		problem(L, rel, 0, "cannot read: %s", strerror(errno));
		return -1;
	}
	if (!regular) {
		if (fstat(fd, &st) != 0) {
			problem(L, rel, 0, "cannot read: %s", strerror(errno));
			goto fail;
		}
		if (!S_ISREG(st.st_mode)) {
			problem(L, rel, 0,
				S_ISDIR(st.st_mode) ? "is a directory, not a file" : "is not a regular file");
			goto fail;
		}
	}
	do
		n = read(fd, L->scratch, SCRATCH_SIZE);
	while (n < 0 && errno == EINTR);
	if (n < 0) {
		problem(L, rel, 0, "cannot read: %s", strerror(errno));
		goto fail;
	}
	len = (size_t)n;
	cap = len < SCRATCH_SIZE ? len + 1 : 2 * SCRATCH_SIZE;
	buf = malloc(cap);
	if (!buf)
		goto oom;
	memcpy(buf, L->scratch, len);
	/* a short read of a regular file is its end; a full one may have more behind it */
	if (len == SCRATCH_SIZE) {
		e = read_rest(fd, &buf, &len, cap);
		if (e == ENOMEM)
			goto oom;
		if (e) {
			problem(L, rel, 0, "cannot read: %s", strerror(e));
			goto fail;
		}
	}
	close(fd);
	buf[len] = '\0';
	if (len >= 3 && memcmp(buf, "\xef\xbb\xbf", 3) == 0) {
		memmove(buf, buf + 3, len - 3 + 1);
		len -= 3;
	}
	bad = utf8_check((const unsigned char *)buf, len);
	if (bad < len) {
		problem(L, rel, strata_line_of(buf, len, bad), "is not valid UTF-8 (byte 0x%02x)",
			(unsigned char)buf[bad]);
		free(buf);
		return -1;
	}
	if (memchr(buf, '\0', len)) {
		bad = (size_t)((char *)memchr(buf, '\0', len) - buf);
		problem(L, rel, strata_line_of(buf, len, bad), "contains a NUL byte (is it a text file?)");
		free(buf);
		return -1;
	}
	*text = buf;
	*lenp = len;
	return 0;
oom:
	L->oom = 1;
fail:
	free(buf);
	close(fd);
	return -1;
}

/* ---------------------------------------------------------------- building migrations */

static void migration_release(struct strata_migration *m)
{
	free(m->vtext);
	free(m->sortkey);
	free(m->name);
	free(m->up_file);
	free(m->down_file);
	free(m->up);
	free(m->down);
	free(m->tool_name);
	memset(m, 0, sizeof(*m));
}

/* Version text, sortkey and name from a parsed entry name. */
static int migration_names(struct loader *L, struct strata_migration *m, const char *fname,
			   const struct strata_name *pn)
{
	char *d;
	size_t i;

	m->version = pn->version;
	m->vtext = malloc(pn->ndigits + 1);
	m->name = strata_strndup(fname + pn->name_off, pn->name_len);
	if (!m->vtext || !m->name)
		goto oom;
	for (d = m->vtext, i = 0; i < pn->ver_len; i++)
		if (fname[pn->ver_off + i] != '-')
			*d++ = fname[pn->ver_off + i];
	*d = '\0';
	if (pn->kind == STRATA_NAME_DIESEL) {
		m->sortkey = strata_strdup(m->vtext);
	} else {
		char key[STRATA_VERSION_KEY];

		strata_version_sortkey(&m->version, key);
		m->sortkey = strata_strdup(key);
	}
	if (!m->sortkey)
		goto oom;
	return 0;
oom:
	L->oom = 1;
	return -1;
}

static char *path2(struct loader *L, const char *dir, const char *file)
{
	struct strata_buf b;
	char *s;

	strata_buf_init(&b);
	strata_buf_addf(&b, "%s/%s", dir, file);
	s = strata_buf_detach(&b, NULL);
	if (!s)
		L->oom = 1;
	return s;
}

/* A Diesel directory: up.sql (required), down.sql and metadata.toml (optional). */
static int build_diesel(struct loader *L, struct strata_migration *m, const char *dname)
{
	char *meta = NULL, *mpath = NULL;
	size_t mlen;
	int rc, ok = 0;

	m->layout = STRATA_LAYOUT_DIESEL;
	m->up_file = path2(L, dname, "up.sql");
	m->down_file = path2(L, dname, "down.sql");
	mpath = path2(L, dname, "metadata.toml");
	if (!m->up_file || !m->down_file || !mpath)
		goto out;
	rc = read_text(L, m->up_file, 1, 0, &m->up, &m->up_len);
	if (rc == 1)
		problem(L, dname, 0, "is a migration directory without an up.sql");
	if (rc)
		goto out;
	m->up_line = 1;
	rc = read_text(L, m->down_file, 1, 0, &m->down, &m->down_len);
	if (rc < 0)
		goto out;
	if (rc == 1) {
		free(m->down_file);
		m->down_file = NULL;
	} else {
		m->down_line = 1;
	}
	rc = read_text(L, mpath, 1, 0, &meta, &mlen);
	if (rc < 0)
		goto out;
	if (rc == 0 && strata_source_parse_metadata(L, mpath, meta, mlen, &m->no_transaction))
		goto out;
	ok = 1;
out:
	free(meta);
	free(mpath);
	return ok ? 0 : -1;
}

/* An entry's own name: with several directories fname is "dir/name". */
static const char *entry_base(const struct loader *L, const struct entry *e)
{
	const char *slash = L->multi ? strrchr(e->fname, '/') : NULL;

	return slash ? slash + 1 : e->fname;
}

/* The stem of a file name: without ".up.sql", ".down.sql" or ".sql". */
static size_t stem_len(const char *fname, enum strata_name_kind kind)
{
	size_t n = strlen(fname);

	return n - (kind == STRATA_NAME_UP ? 7 : kind == STRATA_NAME_DOWN ? 9 : kind == STRATA_NAME_GO ? 3 : 4);
}

static int has_suffix_fizz(const char *name)
{
	size_t n = strlen(name);

	return n > 5 && strcmp(name + n - 5, ".fizz") == 0;
}

/* A migration built: into the list (or released when the list cannot grow). */
static void keep(struct loader *L, struct strata_migration *m)
{
	struct strata_migration *mp;

	if (L->flags & STRATA_SOURCE_UPS_ONLY) {
		/* only the checksum is wanted: keep no text (that was most of status's memory) */
		free(m->up);
		free(m->down);
		m->up = m->down = NULL;
		m->up_len = m->down_len = 0;
	}
	mp = grow(L, L->m, &L->cm, L->nm, sizeof(*L->m));
	if (!mp) {
		migration_release(m);
		return;
	}
	L->m = mp;
	L->m[L->nm++] = *m;
}

/*
 * Flyway's ${name} placeholders in `*text` (of file `rel`) replaced, when
 * they are on: the caller's values, then flyway:filename and
 * flyway:timestamp. 0, or -1 after recording a problem (an unresolved
 * placeholder names file:line).
 */
static int flyway_placeholders(struct loader *L, const char *rel, const char *base, char **text, size_t *len)
{
	static const char *const names[] = { "flyway:filename", "flyway:timestamp" };
	const char *values[2];
	struct strata_flyway_vars own, given;
	char stamp[32], *out;
	size_t outlen, off, blen;
	struct tm tm;
	time_t t = time(NULL);
	int rc;

	if (!L->placeholders)
		return 0;
	if (!gmtime_r(&t, &tm) || !strftime(stamp, sizeof(stamp), "%Y-%m-%d %H:%M:%S", &tm))
		stamp[0] = '\0';
	values[0] = base;
	values[1] = stamp;
	own.names = names;
	own.values = values;
	own.n = 2;
	given.names = L->o->ph_names;
	given.values = L->o->ph_values;
	given.n = L->o->nph;
	rc = strata_flyway_replace(*text, *len, &given, &own, &out, &outlen, &off, &blen);
	if (rc < 0) {
		L->oom = 1;
		return -1;
	}
	if (rc == 1) {
		problem(L, rel, strata_line_of(*text, *len, off),
			"no value for the placeholder ${%.*s} (give it in strata.ini's [placeholders] or with "
			"--placeholder %.*s=VALUE, or turn replacement off with placeholders = off)",
			(int)blen, *text + off, (int)blen, *text + off);
		return -1;
	}
	if (out) {
		free(*text);
		*text = out;
		*len = outlen;
	}
	return 0;
}

/* A Flyway migration: V<version>__desc.sql (+ U<version>__desc.sql), R__desc.sql, or V<version>__desc.java. */
static void build_flyway(struct loader *L, const struct entry *pe, const struct entry *de)
{
	struct strata_migration m;
	struct strata_flyway_name fn;
	const char *base = entry_base(L, pe);
	struct strata_buf b;
	size_t i;

	memset(&m, 0, sizeof(m));
	if (strata_flyway_parse_name(base, &fn) != 0)
		return;
	m.version = fn.version;
	m.name = strata_strndup(base + fn.desc_off, fn.desc_len);
	m.up_file = strata_strdup(pe->fname);
	strata_buf_init(&b);
	if (fn.kind == STRATA_FLYWAY_REPEATABLE) {
		m.layout = STRATA_LAYOUT_REPEATABLE;
		strata_buf_addf(&b, "R__%.*s", (int)fn.desc_len, base + fn.desc_off);
		m.vtext = strata_buf_detach(&b, NULL);
		/* after every versioned migration (their keys are digits or ':'), by description as Flyway
		   orders them (its description has spaces for the underscores) */
		strata_buf_addf(&b, "~%.*s", (int)fn.desc_len, base + fn.desc_off);
		for (i = 1; i < b.len; i++)
			if (b.buf[i] == '_')
				b.buf[i] = ' ';
		m.sortkey = strata_buf_detach(&b, NULL);
	} else {
		char key[STRATA_VERSION_KEY];

		m.layout = fn.kind == STRATA_FLYWAY_JAVA ? STRATA_LAYOUT_GO : STRATA_LAYOUT_FLYWAY;
		m.vtext = strata_strndup(base + fn.ver_off, fn.ver_len);
		strata_version_sortkey(&m.version, key);
		m.sortkey = strata_strdup(key);
	}
	if (!m.name || !m.up_file || !m.vtext || !m.sortkey)
		goto oom;
	m.up_line = 1;
	if (fn.kind == STRATA_FLYWAY_JAVA) {
		if (de) {
			problem(L, de->fname, 0, "is an undo file for %s%s, a Java migration (strata cannot run it)",
				L->pfx, pe->fname);
			goto fail;
		}
		if (!(m.up = strata_strdup("")))
			goto oom;
		strata_checksum_s1(m.up, 0, m.checksum);
		strata_checksum(m.up, 0, m.checksum_v0);
		keep(L, &m);
		return;
	}
	if (read_text(L, pe->fname, 0, pe->regular, &m.up, &m.up_len))
		goto fail;
	/* what Flyway and strata record are the file as written, before placeholders */
	m.flyway_checksum = strata_flyway_crc(m.up, m.up_len);
	m.has_flyway_checksum = 1;
	strata_checksum_s1(m.up, m.up_len, m.checksum);
	strata_checksum(m.up, m.up_len, m.checksum_v0);
	if (flyway_placeholders(L, pe->fname, base, &m.up, &m.up_len))
		goto fail;
	if (de) {
		if (!(m.down_file = strata_strdup(de->fname)))
			goto oom;
		m.down_line = 1;
		if (!(L->flags & STRATA_SOURCE_UPS_ONLY) &&
		    (read_text(L, de->fname, 0, de->regular, &m.down, &m.down_len) ||
		     flyway_placeholders(L, de->fname, entry_base(L, de), &m.down, &m.down_len)))
			goto fail;
	}
	if (L->oom)
		goto fail;
	keep(L, &m);
	return;
oom:
	L->oom = 1;
fail:
	strata_buf_release(&b);
	migration_release(&m);
}

/* pop's fizz migration V_name.up.fizz: listed, never run (its version is the entry's). */
static int fizz_names(struct loader *L, struct strata_migration *m, const struct entry *pe)
{
	const char *base = entry_base(L, pe), *us = strchr(base, '_');
	char key[STRATA_VERSION_KEY];

	if (strata_version_parse(pe->v, pe->vlen, &m->version) != 0 || !us)
		return -1;
	m->vtext = strata_strndup(base, (size_t)(us - base));
	m->name = strata_strndup(us + 1, strlen(us + 1) - 8);
	strata_version_sortkey(&m->version, key);
	m->sortkey = strata_strdup(key);
	if (!m->vtext || !m->name || !m->sortkey) {
		L->oom = 1;
		return -1;
	}
	return 0;
}

/*
 * pop's rules on a built pair: the name without its dialect and .autocommit
 * parts, .autocommit outside a transaction, comment-only ups skipped as popx
 * skips them, Go template syntax refused. 1: drop the migration.
 */
static int pop_finish(struct loader *L, struct strata_migration *m, const struct entry *pe)
{
	char *dot = strchr(m->name, '.');
	size_t at;

	m->layout = STRATA_LAYOUT_POP;
	if (dot)
		*dot = '\0';
	m->no_transaction |= pe->pop_auto;
	if (strata_pop_comment_only(m->up, m->up_len)) {
		note(L, "%s%s holds only comments: skipped, as popx skips it", L->pfx, m->up_file);
		return 1;
	}
	at = strata_pop_template(m->up, m->up_len);
	if (at < m->up_len) {
		problem(L, m->up_file, strata_line_of(m->up, m->up_len, at),
			"holds Go template syntax ({{ ... }}), which popx expands and strata cannot: "
			"refused rather than run as written");
		return 1;
	}
	if (m->down && (at = strata_pop_template(m->down, m->down_len)) < m->down_len) {
		problem(L, m->down_file, strata_line_of(m->down, m->down_len, at),
			"holds Go template syntax ({{ ... }}), which popx expands and strata cannot: "
			"refused rather than run as written");
		return 1;
	}
	return 0;
}

/* One version's migration from its primary entry and its down file (or NULL). */
static void build(struct loader *L, const struct entry *pe, const struct entry *de)
{
	struct strata_migration m;
	struct strata_name pn;
	const char *pname = pe->fname, *dname = de ? de->fname : NULL;
	char *text = NULL;
	size_t len;
	int rc;

	if (pe->fly) {
		build_flyway(L, pe, de);
		return;
	}
	memset(&m, 0, sizeof(m));
	if (pe->kind == STRATA_NAME_GO && has_suffix_fizz(pname)) {
		if (fizz_names(L, &m, pe))
			goto fail;
	} else if (strata_source_parse_name(entry_base(L, pe), pe->kind == STRATA_NAME_DIESEL, &pn) != 0 ||
		   migration_names(L, &m, entry_base(L, pe), &pn)) {
		goto fail;
	}
	if (pe->kind == STRATA_NAME_DIESEL) {
		if (build_diesel(L, &m, pname))
			goto fail;
	} else if (pe->kind == STRATA_NAME_GO) {
		/* listed, recorded by baseline, never run: goose compiles it into its own binary */
		if (de) {
			problem(L, dname, 0, "is a down file for %s%s, a goose Go migration (its Down is in the .go file)",
				L->pfx, pname);
			goto fail;
		}
		m.layout = STRATA_LAYOUT_GO;
		m.up_file = strata_strdup(pname);
		m.up = strata_strdup("");
		if (!m.up_file || !m.up) {
			L->oom = 1;
			goto fail;
		}
		m.up_line = 1;
	} else {
		m.up_file = strata_strdup(pname);
		if (!m.up_file) {
			L->oom = 1;
			goto fail;
		}
		if (read_text(L, pname, 0, pe->regular, &text, &len))
			goto fail;
		rc = 0;
		if (pe->kind == STRATA_NAME_SINGLE) {
			rc = strata_source_split_markers(L, pname, &m, text, len);
			if (rc < 0)
				goto fail;
		}
		if (rc == 1) {
			m.layout = STRATA_LAYOUT_MARKERS;
			free(text);
			text = NULL;
			if (de) {
				problem(L, dname, 0,
					"is a down file for %s%s, which has up/down markers already", L->pfx,
					pname);
				goto fail;
			}
		} else {
			m.layout = pe->kind == STRATA_NAME_UP ? STRATA_LAYOUT_PAIR : STRATA_LAYOUT_PLAIN;
			m.up = text;
			m.up_len = len;
			m.up_line = 1;
			text = NULL;
		}
		if (de) {
			m.down_file = strata_strdup(dname);
			if (!m.down_file) {
				L->oom = 1;
				goto fail;
			}
			if (!(L->flags & STRATA_SOURCE_UPS_ONLY) &&
			    read_text(L, dname, 0, de->regular, &m.down, &m.down_len))
				goto fail;
			m.down_line = 1;
		}
	}
	if (L->oom)
		goto fail;
	if (L->pop && pe->kind == STRATA_NAME_UP && pop_finish(L, &m, pe))
		goto fail;
	add_built(L, &m);
	return;
fail:
	free(text);
	migration_release(&m);
}

/* Checksums, then into L->m (what m holds is L's now, or freed). */
static void add_built(struct loader *L, struct strata_migration *m)
{
	strata_checksum_s1(m->up, m->up_len, m->checksum);
	strata_checksum(m->up, m->up_len, m->checksum_v0);
	keep(L, m);
	memset(m, 0, sizeof(*m));
}

/* Versions of two entries, numerically: by length, then digits. */
static int version_cmp(const struct entry *x, const struct entry *y)
{
	if (x->vlen != y->vlen)
		return x->vlen < y->vlen ? -1 : 1;
	return memcmp(x->v, y->v, x->vlen);
}

/* Entries in version order; for one version the ups (and singles, dirs) before the downs, then by name. */
static int entry_cmp(const void *a, const void *b)
{
	const struct entry *x = a, *y = b;
	int dx = x->kind == STRATA_NAME_DOWN, dy = y->kind == STRATA_NAME_DOWN;

	int c = version_cmp(x, y);

	if (c)
		return c;
	if (dx != dy)
		return dx - dy;
	return strcmp(x->fname, y->fname);
}

/*
 * pop's rules for entries [a, b) of one version: the up (and the down) for
 * the target's dialect, else the dialect-less one; other dialects' files
 * are not this target's. Without a known dialect, any dialect's file stands
 * for the version (create only needs the versions).
 */
static void build_pop_group(struct loader *L, const struct entry *a, const struct entry *b)
{
	const struct entry *e, *pick[2][2] = { { NULL, NULL }, { NULL, NULL } }, *other[2] = { NULL, NULL };

	for (e = a; e < b; e++) {
		int down = e->kind == STRATA_NAME_DOWN, spec;

		if (e->kind == STRATA_NAME_GO || e->kind == STRATA_NAME_SINGLE || e->kind == STRATA_NAME_DIESEL) {
			if (!pick[0][0] && !pick[1][0])
				build(L, e, NULL); /* fizz (or a stray file): what it is, once per version */
			return;
		}
		if (e->pop_bad || e->pop == STRATA_POP_UNKNOWN) {
			note(L, "%s%s is not one of pop's file names for a dialect it supports: skipped, as popx "
				"skips it", L->pfx, e->fname);
			continue;
		}
		if (e->pop != STRATA_POP_ANY && (L->want == STRATA_POP_ANY || e->pop != (unsigned)L->want)) {
			if (!other[down])
				other[down] = e;
			continue;
		}
		spec = e->pop != STRATA_POP_ANY;
		if (pick[down][spec]) {
			problem(L, pick[down][spec]->fname, 0, "duplicate %s file for version %s%s%s: %s%s has the same "
				"version", down ? "down" : "up", a->v, spec ? " and dialect " : "",
				spec ? strata_pop_dialect_name(L->want) : "", L->pfx, e->fname);
			return;
		}
		pick[down][spec] = e;
	}
	{
		const struct entry *up = pick[0][1] ? pick[0][1] : pick[0][0];
		const struct entry *down = pick[1][1] ? pick[1][1] : pick[1][0];

		if (!up && L->want == STRATA_POP_ANY && other[0]) {
			up = other[0];
			down = down ? down : other[1];
		}
		if (up)
			build(L, up, down);
	}
}

/* Entries [a, b) share one version: pair them, or report why they cannot be. */
static void build_group(struct loader *L, const struct entry *a, const struct entry *b)
{
	const struct entry *e, *downs;
	size_t np = 0, nd;
	int across = 0;

	/* several directories: one version lives in one of them, files and all */
	for (e = a + 1; e < b; e++) {
		struct strata_name pn;
		const char *base = entry_base(L, a);

		if (e->dir == a->dir)
			continue;
		if (strata_source_parse_name(base, a->kind == STRATA_NAME_DIESEL, &pn) != 0)
			pn.ver_off = 0, pn.ver_len = strlen(base);
		problem(L, a->fname, 0, "duplicate version %.*s across directories: %s has the same version",
			(int)pn.ver_len, base + pn.ver_off, e->fname);
		across = 1;
	}
	if (across)
		return;
	if (L->pop && !a->fly) {
		build_pop_group(L, a, b);
		return;
	}
	for (e = a; e < b && e->kind != STRATA_NAME_DOWN; e++)
		np++;
	downs = a + np;
	nd = (size_t)(b - downs);
	if (np == 0) {
		for (e = downs; e < b; e++)
			problem(L, e->fname, 0,
				"is a down file with no up file (expected %.*s.up.sql or %.*s.sql)",
				(int)stem_len(e->fname, e->kind), e->fname,
				(int)stem_len(e->fname, e->kind), e->fname);
		return;
	}
	if (np > 1) {
		for (e = a + 1; e < downs; e++)
			if (a->fly)
				problem(L, a->fname, 0, "duplicate version: %s%s has the same version (Flyway compares "
					"versions part by part as numbers: 2 = 2.0 = 2_0)", L->pfx, e->fname);
			else
				problem(L, a->fname, 0, "duplicate version %s: %s%s has the same version",
					a->v, L->pfx, e->fname);
		return;
	}
	if (nd && a->fly == 2) {
		problem(L, downs->fname, 0, "is an undo file with the version of a repeatable migration");
		return;
	}
	if (nd > 1) {
		for (e = downs + 1; e < b; e++)
			problem(L, downs->fname, 0,
				"duplicate down file for version %s: %s%s has the same version",
				a->v, L->pfx, e->fname);
		return;
	}
	if (nd == 1 && a->kind == STRATA_NAME_DIESEL) {
		problem(L, downs->fname, 0,
			"is a down file with no up file (version %s is the Diesel directory %s%s)",
			a->v, L->pfx, a->fname);
		return;
	}
	if (nd == 1 && a->fly) {
		const char *ua = strstr(entry_base(L, a), "__"), *ud = strstr(entry_base(L, downs), "__");

		if (ua && ud && strcmp(ua, ud) != 0)
			note(L, "%s%s is the undo of %s%s: same version, different descriptions", L->pfx, downs->fname,
			     L->pfx, a->fname);
	} else if (nd == 1) {
		size_t sa = stem_len(a->fname, a->kind), sd = stem_len(downs->fname, downs->kind);

		/* golang-migrate pairs by version alone; the up names the migration */
		if (sa != sd || memcmp(a->fname, downs->fname, sa) != 0)
			note(L, "%s%s is the down of %s%s: same version, different names (paired by version, as "
				"golang-migrate does; the migration is named after the up)",
			     L->pfx, downs->fname, L->pfx, a->fname);
	}
	build(L, a, nd ? downs : NULL);
}

static int is_dir_entry(int dfd, struct dirent *de, int *is_dir)
{
	struct stat st;

	if (de->d_type == DT_DIR || de->d_type == DT_REG) {
		*is_dir = de->d_type == DT_DIR;
		return 0;
	}
	/* symlinks and file systems without d_type: follow */
	if (fstatat(dfd, de->d_name, &st, 0) != 0)
		return -1;
	*is_dir = S_ISDIR(st.st_mode);
	return 0;
}

/* One more entry named `name` (as L->pfx + name with several directories), version digits `v`. */
static struct entry *add_entry(struct loader *L, const char *name, int regular, unsigned dir,
			       enum strata_name_kind kind, const char *v)
{
	struct entry *grown, *e;
	size_t plen = L->multi ? strlen(L->pfx) : 0;

	grown = grow(L, L->e, &L->ce, L->ne, sizeof(*L->e));
	if (!grown)
		return NULL;
	L->e = grown;
	e = &L->e[L->ne];
	memset(e, 0, sizeof(*e));
	e->off = L->names.len;
	e->regular = regular;
	e->dir = dir;
	e->kind = kind;
	strata_buf_add(&L->names, L->pfx, plen);
	strata_buf_add(&L->names, name, strlen(name) + 1);
	e->voff = L->names.len;
	e->vlen = strlen(v);
	strata_buf_add(&L->names, v, e->vlen + 1);
	if (L->names.broken) {
		L->oom = 1;
		return NULL;
	}
	L->ne++;
	return e;
}

/* A Flyway name (layout_flyway.c): 1 when the entry was taken (or reported), 0 when it is not Flyway's. */
static int scan_flyway(struct loader *L, struct dirent *de, unsigned dir)
{
	struct strata_flyway_name fn;
	struct entry *e;
	enum strata_name_kind kind;

	if (strata_flyway_parse_name(de->d_name, &fn) < 0) {
		problem(L, de->d_name, 0, "%s", fn.why);
		return 1;
	}
	switch (fn.kind) {
	case STRATA_FLYWAY_NONE:
		return 0;
	case STRATA_FLYWAY_OTHER:
		note(L, "%s%s is not a migration: Flyway reads only .sql files, and so does strata (ignored)",
		     L->pfx, de->d_name);
		return 1;
	case STRATA_FLYWAY_UNDO: kind = STRATA_NAME_DOWN; break;
	case STRATA_FLYWAY_JAVA: kind = STRATA_NAME_GO; break;
	default: kind = STRATA_NAME_UP; break;
	}
	e = add_entry(L, de->d_name, de->d_type == DT_REG, dir, kind, fn.version.d);
	if (!e)
		return 1;
	e->fly = fn.kind == STRATA_FLYWAY_REPEATABLE ? 2 : 1;
	L->nfly++;
	return 1;
}

/* pop's fizz migrations (V_name.up.fizz): listed like goose's Go migrations, never run; their downs ignored. */
static int scan_fizz(struct loader *L, struct dirent *de, unsigned dir)
{
	const char *n = de->d_name;
	size_t len = strlen(n), i;
	struct strata_version v;

	if (len < 9 || strcmp(n + len - 5, ".fizz") != 0 || n[0] < '0' || n[0] > '9')
		return 0;
	for (i = 0; n[i] >= '0' && n[i] <= '9'; i++)
		;
	if (n[i] != '_' || strata_version_parse(n, i, &v) != 0)
		return 0;
	if (len > 10 && strcmp(n + len - 10, ".down.fizz") == 0)
		return 1;
	if (len < 8 || strcmp(n + len - 8, ".up.fizz") != 0)
		return 0;
	add_entry(L, n, de->d_type == DT_REG, dir, STRATA_NAME_GO, v.d);
	L->nother++;
	return 1;
}

/* Every entry of directory `d` (number `dir`); with several directories, names are stored as L->pfx + name. */
static void scan(struct loader *L, DIR *d, unsigned dir)
{
	struct entry *grown;
	struct dirent *de;
	int is_dir, rc, looked = 0;
	size_t plen = L->multi ? strlen(L->pfx) : 0;
	size_t ne0 = L->ne, np0 = L->np, nw0 = L->nw, nunv0 = L->nunv;

	for (;;) {
		struct strata_name pn;

		errno = 0;
		de = readdir(d);
		if (!de) {
			if (errno)
				problem(L, ".", 0, "cannot read the directory: %s", strerror(errno));
			return;
		}
		if (de->d_name[0] == '.')
			continue;
		if (is_dir_entry(dirfd(d), de, &is_dir) != 0) {
			int e = errno;

			/* a dangling or looping symlink matters only if its name is a migration's */
			if (strata_source_parse_name(de->d_name, 0, &pn) == 0 &&
			    (pn.kind == STRATA_NAME_IGNORE || pn.kind == STRATA_NAME_GO) &&
			    strata_source_parse_name(de->d_name, 1, &pn) == 0 &&
			    pn.kind == STRATA_NAME_IGNORE)
				continue;
			problem(L, de->d_name, 0, "cannot read: %s", strerror(e));
			continue;
		}
		if (!is_dir && (scan_flyway(L, de, dir) || scan_fizz(L, de, dir))) {
			if (L->oom)
				return;
			continue;
		}
		rc = strata_source_parse_name(de->d_name, is_dir, &pn);
		if (rc < 0) {
			problem(L, de->d_name, 0, "%s", pn.why);
			continue;
		}
		if (pn.kind == STRATA_NAME_IGNORE)
			continue;
		if (pn.kind == STRATA_NAME_UNVERSIONED) {
			warning(L, de->d_name);
			continue;
		}
		if (pn.kind == STRATA_NAME_DIESEL && !looked) {
			looked = 1;
			/* Prisma's directories without its migration_lock.toml: its loader reads this directory */
			if (strata_layout_prisma_dir(dirfd(d), de->d_name)) {
				L->tool[dir] = STRATA_LAYOUT_PRISMA;
				L->ne = ne0;
				while (L->np > np0) {
					L->np--;
					free(L->p[L->np].file);
					free(L->p[L->np].text);
				}
				while (L->nw > nw0)
					free(L->w[--L->nw]);
				while (L->nunv > nunv0)
					free(L->unv[--L->nunv]);
				return;
			}
		}
		grown = grow(L, L->e, &L->ce, L->ne, sizeof(*L->e));
		if (!grown)
			return;
		L->e = grown;
		L->e[L->ne].off = L->names.len;
		L->e[L->ne].regular = de->d_type == DT_REG;
		L->e[L->ne].dir = dir;
		L->e[L->ne].kind = pn.kind;
		strata_buf_add(&L->names, L->pfx, plen);
		strata_buf_add(&L->names, de->d_name, strlen(de->d_name) + 1);
		L->e[L->ne].voff = L->names.len;
		L->e[L->ne].vlen = strlen(pn.version.d);
		L->e[L->ne].fly = L->e[L->ne].pop = L->e[L->ne].pop_auto = L->e[L->ne].pop_bad = 0;
		strata_buf_add(&L->names, pn.version.d, L->e[L->ne].vlen + 1);
		if (L->names.broken) {
			L->oom = 1;
			return;
		}
		if (pn.kind == STRATA_NAME_UP || pn.kind == STRATA_NAME_DOWN) {
			struct strata_pop_name pp;

			if (strata_pop_parse(de->d_name + pn.name_off, pn.name_len, &pp) == 0) {
				L->e[L->ne].pop = (unsigned char)pp.dialect;
				L->e[L->ne].pop_auto = (unsigned char)pp.autocommit;
				L->pop |= pp.marked;
			} else {
				L->e[L->ne].pop_bad = 1;
			}
		}
		L->nother++;
		L->ne++;
	}
}

static int problem_cmp(const void *a, const void *b)
{
	const struct problem *x = a, *y = b;
	int c = strcmp(x->file, y->file);

	if (c)
		return c;
	if (x->line != y->line)
		return x->line < y->line ? -1 : 1;
	return strcmp(x->text, y->text);
}

static int warning_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static int migration_cmp(const void *a, const void *b)
{
	const struct strata_migration *x = a, *y = b;
	int c = strcmp(x->sortkey, y->sortkey);

	if (c)
		return c;
	return strata_version_cmp(&x->version, &y->version);
}

/* Problems listed in one message, in bytes: more are counted, not listed. */
#define REPORT_ROOM 1024

/* All problems, one per line, into err (cut at a line boundary past REPORT_ROOM bytes). */
static void report(struct loader *L, struct strata_err *err)
{
	struct strata_buf b;
	size_t i;
	char more[64];

	qsort(L->p, L->np, sizeof(*L->p), problem_cmp);
	if (!err)
		return;
	strata_err_release(err);
	snprintf(err->file, sizeof(err->file), "%s", L->p[0].file);
	err->line = L->p[0].line;
	strata_buf_init(&b);
	for (i = 0; i < L->np; i++) {
		size_t n = (i ? 1 : 0) + strlen(L->p[i].text), reserve = 0;

		snprintf(more, sizeof(more), "\n(and %zu more problem%s)", L->np - i,
			 L->np - i > 1 ? "s" : "");
		if (i + 1 < L->np)
			reserve = strlen(more);
		if (i && b.len + n + reserve >= REPORT_ROOM) {
			strata_buf_adds(&b, more);
			break;
		}
		strata_buf_addf(&b, "%s%s", i ? "\n" : "", L->p[i].text);
	}
	strata_err_set(err, STRATA_ESOURCE, "%s", b.buf);
	strata_buf_release(&b);
}

static void loader_release(struct loader *L)
{
	size_t i;

	for (i = 0; i < L->np; i++) {
		free(L->p[i].file);
		free(L->p[i].text);
	}
	free(L->p);
	for (i = 0; i < L->nw; i++)
		free(L->w[i]);
	free(L->w);
	for (i = 0; i < L->nn; i++)
		free(L->notes[i]);
	free(L->notes);
	for (i = 0; i < L->nm; i++)
		migration_release(&L->m[i]);
	free(L->m);
	free(L->e);
	free(L->scratch);
	strata_buf_release(&L->names);
	for (i = 0; i < L->nunv; i++)
		free(L->unv[i]);
	free(L->unv);
	free(L->tool);
	free(L->provider);
	free(L->provider_file);
}

int strata_source_load(const char *dir, struct strata_source **out, struct strata_err *err)
{
	return strata_source_load_flags(dir, 0, out, err);
}

int strata_source_load_flags(const char *dir, unsigned flags, struct strata_source **out, struct strata_err *err)
{
	return strata_source_load_dirs(&dir, 1, flags, out, err);
}

/* "dir/" to put before a file's name in messages: "" for "", "/" for "/". */
static void dir_prefix(const char *dir, struct strata_buf *pfx)
{
	size_t dlen = strlen(dir);

	while (dlen > 1 && dir[dlen - 1] == '/')
		dlen--;
	if (dlen && !(dlen == 1 && dir[0] == '/'))
		strata_buf_addf(pfx, "%.*s/", (int)dlen, dir);
	else if (dlen)
		strata_buf_adds(pfx, "/");
}

/* The directories as one text for messages: "init, migrations". */
static char *join_dirs(const char *const *dirs, size_t ndirs)
{
	struct strata_buf b;
	size_t k;

	strata_buf_init(&b);
	for (k = 0; k < ndirs; k++)
		strata_buf_addf(&b, "%s%s", k ? ", " : "", dirs[k]);
	return strata_buf_detach(&b, NULL);
}

/* Nothing found anywhere: say where we looked and what was there instead. */
static void report_empty(struct loader *L, const char *const *dirs, size_t ndirs, struct strata_err *err)
{
	char *where = join_dirs(dirs, ndirs), *some;

	if (L->nunv > 1)
		qsort(L->unv, L->nunv, sizeof(*L->unv), warning_cmp);
	some = join_dirs((const char *const *)L->unv, L->nunv < 3 ? L->nunv : 3);
	strata_err_release(err);
	if (L->nunv)
		strata_err_set(err, STRATA_ESOURCE,
			       "%s: no migrations found: %zu .sql file%s (%s%s), none named like a migration; "
			       "expected names like 000001_create_users.up.sql or 20240101120000_create_users.sql",
			       where ? where : dirs[0], L->nunv, L->nunv == 1 ? "" : "s", some ? some : "",
			       L->nunv > 3 ? ", ..." : "");
	else
		strata_err_set(err, STRATA_ESOURCE,
			       "%s: no migrations found: no .sql file or migration directory in %s; expected names "
			       "like 000001_create_users.up.sql or 20240101120000_create_users.sql",
			       where ? where : dirs[0], ndirs > 1 ? "them" : "it");
	if (err) {
		snprintf(err->file, sizeof(err->file), "%s", dirs[0]);
		strata_err_hint(err,
			 "check the directory (-p DIR, STRATA_PATH or path = in strata.ini); `strata create NAME` "
			 "writes a first migration");
	}
	free(where);
	free(some);
}

void strata_source_opts_init(struct strata_source_opts *o)
{
	memset(o, 0, sizeof(*o));
	o->version = STRATA_SOURCE_OPTS_VERSION;
	o->placeholders = -1;
}

int strata_source_load_dirs(const char *const *dirs, size_t ndirs, unsigned flags, struct strata_source **out,
			    struct strata_err *err)
{
	return strata_source_load_opts(dirs, ndirs, flags, NULL, out, err);
}

/* Flyway's files mix with no other layout's in one history: each such file is a problem. */
static void check_mix(struct loader *L)
{
	const struct entry *fly = NULL;
	size_t i;

	if (!L->nfly || !L->nother)
		return;
	for (i = 0; i < L->ne && !fly; i++)
		if (L->e[i].fly)
			fly = &L->e[i];
	for (i = 0; i < L->ne; i++)
		if (!L->e[i].fly)
			problem(L, L->e[i].fname, 0,
				"is not named like a Flyway migration, but %s%s is: one history holds one layout "
				"(Flyway's V<version>__desc.sql here)", L->pfx, fly->fname);
	L->ne = 0; /* nothing is built from a mixed directory */
}

int strata_source_load_opts(const char *const *dirs, size_t ndirs, unsigned flags, const struct strata_source_opts *o,
			    struct strata_source **out, struct strata_err *err)
{
	static struct strata_source_opts defaults = { STRATA_SOURCE_OPTS_VERSION, NULL, -1, NULL, NULL, 0 };
	struct loader L;
	struct strata_source *src = NULL;
	struct strata_buf *pfx = NULL;
	struct stat *ids = NULL;
	DIR **d = NULL;
	size_t i, j, k;
	int fd, rc = STRATA_ENOMEM;

	*out = NULL;
	if (ndirs == 0)
		return strata_err_set(err, STRATA_EUSAGE, "no migrations directory given");
	memset(&L, 0, sizeof(L));
	L.flags = flags;
	L.o = o && o->version == STRATA_SOURCE_OPTS_VERSION ? o : &defaults;
	L.placeholders = L.o->placeholders != 0;
	L.want = strata_pop_dialect_of(L.o->driver);
	L.multi = ndirs > 1;
	L.pfx = "";
	L.dfd = -1;
	strata_buf_init(&L.names);
	pfx = calloc(ndirs, sizeof(*pfx));
	ids = calloc(ndirs, sizeof(*ids));
	d = calloc(ndirs, sizeof(*d));
	if (!pfx || !ids || !d)
		goto oom;
	for (k = 0; k < ndirs; k++) {
		const char *dir = dirs[k];

		strata_buf_init(&pfx[k]);
		dir_prefix(dir, &pfx[k]);
		if (pfx[k].broken)
			goto oom;
		fd = open(*dir ? dir : ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (fd < 0 || !(d[k] = fdopendir(fd))) {
			int e = errno;

			if (fd >= 0)
				close(fd);
			if (L.multi) {
				problem(&L, dir, 0, "cannot open the migrations directory: %s", strerror(e));
				continue;
			}
			strata_err_release(err);
			strata_err_set(err, STRATA_ESOURCE, "%s: cannot open the migrations directory: %s", dir,
				       strerror(e));
			if (err) {
				snprintf(err->file, sizeof(err->file), "%s", dir);
				if (e == ENOENT)
					strata_err_hint(err,
						 "check the name (-p DIR, STRATA_PATH or path = in strata.ini); "
						 "`strata create NAME` makes the directory and a first migration");
			}
			rc = STRATA_ESOURCE;
			goto out;
		}
		if (fstat(dirfd(d[k]), &ids[k]) != 0)
			memset(&ids[k], 0, sizeof(ids[k]));
		for (j = 0; j < k; j++)
			if (d[j] && ids[j].st_ino && ids[j].st_dev == ids[k].st_dev && ids[j].st_ino == ids[k].st_ino) {
				problem(&L, dir, 0, "is the same directory as %s: give it once", dirs[j]);
				closedir(d[k]);
				d[k] = NULL;
				break;
			}
	}
	L.scratch = malloc(SCRATCH_SIZE);
	if (!L.scratch)
		goto oom;
	L.tool = calloc(ndirs, sizeof(*L.tool));
	if (!L.tool)
		goto oom;
	for (k = 0; k < ndirs; k++) {
		if (!d[k])
			continue;
		L.pfx = pfx[k].buf;
		L.tool[k] = strata_layout_detect(dirfd(d[k]));
		if (!L.tool[k])
			scan(&L, d[k], (unsigned)k);
		if (L.oom)
			goto oom;
	}
	/* one directory: names relative to it; several: names carry their directory */
	L.pfx = L.multi ? "" : pfx[0].buf;
	L.dfd = L.multi ? AT_FDCWD : dirfd(d[0]);

	for (i = 0; i < L.ne; i++) {
		L.e[i].fname = L.names.buf + L.e[i].off;
		L.e[i].v = L.names.buf + L.e[i].voff;
	}
	check_mix(&L);
	if (L.ne > 1)
		qsort(L.e, L.ne, sizeof(*L.e), entry_cmp);
	/* one migration per version at most: size the array once (doubling it held up to twice that) */
	for (i = 0, j = 0; i < L.ne; i++)
		j += i == 0 || version_cmp(&L.e[i], &L.e[i - 1]) != 0;
	if (j) {
		L.m = malloc(j * sizeof(*L.m));
		if (!L.m)
			goto oom;
		L.cm = j;
	}
	for (i = 0; i < L.ne && !L.oom; i = j) {
		for (j = i + 1; j < L.ne && version_cmp(&L.e[j], &L.e[i]) == 0; j++)
			;
		build_group(&L, L.e + i, L.e + j);
	}
	/* directories in a tool's own layout: read whole by its loader (layout.h) */
	for (k = 0; k < ndirs && !L.oom; k++)
		if (d[k] && L.tool[k])
			strata_layout_load(&L, L.tool[k], d[k], L.multi ? pfx[k].buf : "");
	if (L.oom)
		goto oom;
	if (L.np) {
		report(&L, err);
		rc = STRATA_ESOURCE;
		goto out;
	}
	if ((flags & STRATA_SOURCE_NONEMPTY) && L.nm == 0) {
		report_empty(&L, dirs, ndirs, err);
		rc = STRATA_ESOURCE;
		goto out;
	}

	src = calloc(1, sizeof(*src));
	if (!src || !(src->dir = join_dirs(dirs, ndirs)) || !(src->dirs = calloc(ndirs, sizeof(*src->dirs))))
		goto oom;
	for (k = 0; k < ndirs; k++)
		if (!(src->dirs[src->ndirs++] = strata_strdup(dirs[k])))
			goto oom;
	src->ups_only = (flags & STRATA_SOURCE_UPS_ONLY) != 0;
	for (k = 0; k < ndirs && L.tool[k] && L.tool[k] == L.tool[0]; k++)
		;
	src->layout = k == ndirs ? L.tool[0] : 0;
	src->provider = L.provider;
	src->provider_file = L.provider_file;
	L.provider = L.provider_file = NULL;
	src->pop_dialect = L.pop ? strata_pop_dialect_name(L.want) : NULL;
	src->placeholders = L.nfly && L.placeholders;
	if (L.nm > 1)
		qsort(L.m, L.nm, sizeof(*L.m), migration_cmp);
	if (L.nw > 1)
		qsort(L.w, L.nw, sizeof(*L.w), warning_cmp);
	src->m = L.m;
	src->n = L.nm;
	src->warnings = L.w;
	src->nwarnings = L.nw;
	src->notes = L.notes;
	src->nnotes = L.nn;
	L.m = NULL;
	L.nm = 0;
	L.w = NULL;
	L.nw = 0;
	L.notes = NULL;
	L.nn = 0;
	for (i = 0; i < src->n; i++) {
		int w = (int)strlen(src->m[i].vtext);

		if (w < TIMESTAMP_DIGITS && w > src->width)
			src->width = w;
	}
	src->timestamps = src->n && strlen(src->m[src->n - 1].vtext) >= TIMESTAMP_DIGITS;
	*out = src;
	src = NULL;
	rc = 0;
	goto out;
oom:
	rc = STRATA_ENOMEM;
	strata_err_release(err);
	strata_err_set(err, STRATA_ENOMEM, "out of memory while reading %s", dirs[0]);
out:
	strata_source_free(src);
	for (k = 0; d && k < ndirs; k++)
		if (d[k])
			closedir(d[k]);
	for (k = 0; pfx && k < ndirs; k++)
		strata_buf_release(&pfx[k]);
	free(d);
	free(pfx);
	free(ids);
	loader_release(&L);
	return rc;
}

void strata_source_free(struct strata_source *src)
{
	size_t i;

	if (!src)
		return;
	for (i = 0; i < src->n; i++)
		migration_release(&src->m[i]);
	free(src->m);
	for (i = 0; i < src->nwarnings; i++)
		free(src->warnings[i]);
	free(src->warnings);
	for (i = 0; i < src->nnotes; i++)
		free(src->notes[i]);
	free(src->notes);
	for (i = 0; i < src->ndirs; i++)
		free(src->dirs[i]);
	free(src->dirs);
	free(src->dir);
	free(src->provider);
	free(src->provider_file);
	free(src);
}

/*
 * Migrations are in sortkey order, which is version order except across
 * Diesel versions of different widths: a binary search finds nearly every
 * version, a linear scan the rest (and proves a version absent).
 */
long strata_source_find(const struct strata_source *src, const struct strata_version *version)
{
	size_t lo = 0, hi, i;

	if (!src)
		return -1;
	hi = src->n;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int c = strata_version_cmp(&src->m[mid].version, version);

		if (c == 0)
			return (long)mid;
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	for (i = 0; i < src->n; i++)
		if (strata_version_cmp(&src->m[i].version, version) == 0)
			return (long)i;
	return -1;
}

int strata_source_version_arg(const struct strata_source *src, const char *s, struct strata_version *v)
{
	const char *why;
	size_t i;

	for (i = 0; src && i < src->n; i++)
		if (strcmp(src->m[i].vtext, s) == 0) {
			*v = src->m[i].version;
			return 0;
		}
	for (i = 0; src && i < src->n; i++)
		if (src->m[i].layout == STRATA_LAYOUT_FLYWAY || src->m[i].layout == STRATA_LAYOUT_REPEATABLE)
			return strata_flyway_version(s, strlen(s), v, &why) == 0 ? 0 : -1;
	return strata_version_parse(s, strlen(s), v) == 0 ? 0 : -1;
}

char *strata_next_version(const struct strata_source *src, int seq)
{
	struct strata_version hi = { "" }, next, now;
	size_t i, n = src ? src->n : 0;
	char buf[STRATA_VERSION_MAX + 32];
	struct tm tm;
	time_t t;

	for (i = 0; i < n; i++)
		if (strata_version_cmp(&src->m[i].version, &hi) > 0)
			hi = src->m[i].version;
	if (strata_version_next(&hi, &next) != 0)
		return NULL;
	if (seq) {
		size_t w = src && src->width ? (size_t)src->width : 6, len = strlen(next.d), pad = w > len ? w - len : 0;

		memset(buf, '0', pad);
		memcpy(buf + pad, next.d, len + 1);
		return strata_strdup(buf);
	}
	t = time(NULL);
	if (!gmtime_r(&t, &tm) || !strftime(buf, sizeof(buf), "%Y%m%d%H%M%S", &tm) ||
	    strata_version_parse(buf, strlen(buf), &now) != 0)
		return NULL;
	/*
	 * Diesel orders by the digits as a string: a timestamp that sorts after
	 * the last sortkey is fine even when an 18-digit version is numerically
	 * larger (crates.io's 2026-07-30-140000-0000 style).
	 */
	if (n && src->m[n - 1].layout == STRATA_LAYOUT_DIESEL && strcmp(buf, src->m[n - 1].sortkey) > 0)
		return strata_strdup(buf);
	if (n && strata_version_cmp(&now, &hi) <= 0)
		snprintf(buf, sizeof(buf), "%s", next.d);
	return strata_strdup(buf);
}
