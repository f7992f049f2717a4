/*
 * layout_drizzle.c - a Drizzle Kit directory, read as drizzle-orm's migrator
 * reads it: meta/_journal.json lists the migrations (entries of idx, tag,
 * when, breakpoints) and only its entries run, each as <tag>.sql, in the
 * journal's order. A journal entry without its file is a problem (the
 * migrator fails there); a .sql file the journal does not list is never run
 * and is said in a warning. The journal's "dialect" names the engine
 * (checked against the target: layout.c).
 *
 * Version: the tag's leading digits (drizzle-kit's NNNN, which is the idx);
 * the name is the rest. Pending is decided by strata's own record of each
 * version, not by `when` as drizzle-orm does (an entry whose `when` is older
 * than the newest applied one, which drizzle-orm skips silently, is pending
 * for strata and its out-of-order rules apply); `when` decides what adopting
 * __drizzle_migrations records (adopt_tools.c).
 *
 * drizzle-orm sends each piece between "--> statement-breakpoint" lines as
 * one query. The text is kept as written; where a piece does not end with a
 * ';', one is put before the marker (on the same line, so that lines stay),
 * so that the lexer, which still splits inside a piece, never joins two
 * pieces into one statement.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <cjson/cJSON.h>

#include "buf.h"
#include "util.h"
#include "version_int.h"
#include "layout.h"

#define MARKER "--> statement-breakpoint"

/* The text with a ';' before every marker whose piece does not end with one. NULL on OOM. */
static char *terminate_pieces(const char *t, size_t len, size_t *outlen)
{
	struct strata_buf b;
	const char *p = t, *end = t + len, *mk;
	size_t ml = strlen(MARKER);

	strata_buf_init(&b);
	while ((mk = memmem(p, (size_t)(end - p), MARKER, ml)) != NULL) {
		const char *q = mk;

		while (q > t && (q[-1] == ' ' || q[-1] == '\t' || q[-1] == '\n' || q[-1] == '\r'))
			q--;
		strata_buf_add(&b, p, (size_t)(mk - p));
		if (q > t && q[-1] != ';')
			strata_buf_add(&b, ";", 1);
		strata_buf_add(&b, mk, ml);
		p = mk + ml;
	}
	strata_buf_add(&b, p, (size_t)(end - p));
	strata_buf_add(&b, "", 0);
	if (b.broken) {
		strata_buf_release(&b);
		return NULL;
	}
	return strata_buf_detach(&b, outlen);
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

struct tagref {
	const char *tag;
	size_t pos;
};

static int tag_cmp(const void *a, const void *b)
{
	return strcmp(((const struct tagref *)a)->tag, ((const struct tagref *)b)->tag);
}

/* One journal entry at position pos: its file read into a migration. */
static void load_entry(struct loader *L, const char *rp, const char *jrel, size_t pos, const cJSON *e,
		       struct strata_version *seen)
{
	struct strata_migration m;
	const cJSON *tag = cJSON_GetObjectItemCaseSensitive(e, "tag"),
		    *idx = cJSON_GetObjectItemCaseSensitive(e, "idx"),
		    *when = cJSON_GetObjectItemCaseSensitive(e, "when"),
		    *bp = cJSON_GetObjectItemCaseSensitive(e, "breakpoints");
	const char *t;
	char key[32], *text = NULL;
	size_t nd, len, k;
	int rc;

	memset(&m, 0, sizeof(m));
	if (!cJSON_IsString(tag) || !*tag->valuestring || strchr(tag->valuestring, '/')) {
		strata_source_problem(L, jrel, 0, "entry %zu has no \"tag\" naming its file", pos);
		return;
	}
	t = tag->valuestring;
	m.layout = STRATA_LAYOUT_DRIZZLE;
	m.up_file = join(L, rp, t, ".sql");
	if (!m.up_file)
		return;
	rc = strata_source_read(L, m.up_file, 1, &text, &len);
	if (rc == 1) {
		strata_source_problem(L, jrel, 0,
				      "entry %zu (tag %s) has no file %s%s.sql: drizzle-orm's migrator fails there "
				      "(restore the file, or remove the entry if the migration was never applied anywhere)",
				      pos, t, rp, t);
		goto fail;
	}
	if (rc)
		goto fail;
	nd = strspn(t, "0123456789");
	if (!nd) {
		strata_source_problem(L, m.up_file, 0,
				      "its journal tag %s does not start with digits: strata records migrations by a "
				      "version number (drizzle-kit's tags start with NNNN_)",
				      t);
		goto fail;
	}
	if (strata_version_parse(t, nd, &m.version) != 0) {
		strata_source_problem(L, m.up_file, 0, "its version has more than %d digits", STRATA_VERSION_MAX);
		goto fail;
	}
	for (k = 0; k < pos; k++)
		if (seen[k].d[0] && strata_version_cmp(&seen[k], &m.version) == 0) {
			strata_source_problem(L, jrel, 0, "entries %zu and %zu have the same version %s (tag %s)", k, pos,
					      m.version.d, t);
			goto fail;
		}
	seen[pos] = m.version;
	m.vtext = strata_strndup(t, nd);
	m.name = strata_strdup(t + nd + (t[nd] == '_'));
	snprintf(key, sizeof(key), "%020zu", pos); /* the journal's order */
	m.sortkey = strata_strdup(key);
	m.tool_name = strata_strdup(t);
	if (!m.vtext || !m.name || !m.sortkey || !m.tool_name) {
		strata_source_oom(L);
		goto fail;
	}
	strata_sha256_hex(text, len, m.tool_sum); /* drizzle-orm hashes the file as read */
	m.journal_idx = cJSON_IsNumber(idx) ? idx->valueint : (int)pos;
	m.journal_when = cJSON_IsNumber(when) ? (long long)when->valuedouble : 0;
	m.journal_breakpoints = cJSON_IsTrue(bp);
	if (m.journal_breakpoints) {
		m.up = terminate_pieces(text, len, &m.up_len);
		if (!m.up) {
			strata_source_oom(L);
			goto fail;
		}
		free(text);
	} else {
		m.up = text;
		m.up_len = len;
	}
	text = NULL;
	m.up_line = 1;
	strata_source_add(L, &m);
	return;
fail:
	free(text);
	strata_source_migration_release(&m);
}

void strata_layout_drizzle_load(struct loader *L, DIR *d, const char *rp)
{
	char *jrel = join(L, rp, "meta/_journal.json", ""), *text = NULL;
	struct strata_version *seen = NULL;
	struct tagref *tags = NULL;
	cJSON *root = NULL;
	const cJSON *entries, *e, *dialect;
	size_t len, n = 0, i;
	struct dirent *de;

	if (!jrel)
		return;
	if (strata_source_read(L, jrel, 0, &text, &len) != 0)
		goto out;
	root = cJSON_ParseWithLength(text, len);
	if (!root) {
		const char *at = cJSON_GetErrorPtr();

		strata_source_problem(L, jrel, at && at >= text && at <= text + len ? strata_line_of(text, len, (size_t)(at - text)) : 0,
				      "is not valid JSON");
		goto out;
	}
	entries = cJSON_GetObjectItemCaseSensitive(root, "entries");
	if (!cJSON_IsArray(entries)) {
		strata_source_problem(L, jrel, 0, "has no \"entries\" array (is it drizzle-kit's journal?)");
		goto out;
	}
	dialect = cJSON_GetObjectItemCaseSensitive(root, "dialect");
	if (cJSON_IsString(dialect)) {
		char *shown = join(L, strata_source_shown_prefix(L), jrel, "");

		if (shown)
			strata_source_set_provider(L, dialect->valuestring, shown);
		free(shown);
	}
	n = (size_t)cJSON_GetArraySize(entries);
	seen = calloc(n ? n : 1, sizeof(*seen));
	tags = calloc(n ? n : 1, sizeof(*tags));
	if (!seen || !tags) {
		strata_source_oom(L);
		goto out;
	}
	i = 0;
	cJSON_ArrayForEach(e, entries)
	{
		const cJSON *tag = cJSON_GetObjectItemCaseSensitive(e, "tag");

		tags[i].tag = cJSON_IsString(tag) ? tag->valuestring : "";
		tags[i].pos = i;
		load_entry(L, rp, jrel, i, e, seen);
		i++;
	}
	qsort(tags, n, sizeof(*tags), tag_cmp);
	for (i = 1; i < n; i++)
		if (*tags[i].tag && strcmp(tags[i].tag, tags[i - 1].tag) == 0)
			strata_source_problem(L, jrel, 0, "entries %zu and %zu name the same file %s.sql", tags[i - 1].pos,
					      tags[i].pos, tags[i].tag);
	/* the .sql files the journal does not list: never run, as drizzle-orm never runs them */
	rewinddir(d);
	for (;;) {
		struct tagref key;
		size_t nl;
		char *stem;

		errno = 0;
		de = readdir(d);
		if (!de)
			break;
		nl = strlen(de->d_name);
		if (de->d_name[0] == '.' || nl <= 4 || strcmp(de->d_name + nl - 4, ".sql") != 0)
			continue;
		stem = strata_strndup(de->d_name, nl - 4);
		if (!stem) {
			strata_source_oom(L);
			break;
		}
		key.tag = stem;
		if (!bsearch(&key, tags, n, sizeof(*tags), tag_cmp))
			strata_source_warn(L,
					   "Skipped %s%s%s: meta/_journal.json has no entry for it, so drizzle-orm "
					   "never runs it, and neither does strata (drizzle-kit adds the entry when it "
					   "writes a migration)",
					   strata_source_shown_prefix(L), rp, de->d_name);
		free(stem);
	}
out:
	cJSON_Delete(root);
	free(text);
	free(jrel);
	free(seen);
	free(tags);
}

/* ------------------------------------------------------------------ create */

/* item as JSON.stringify(item, null, 2) writes it, at depth `depth`. */
static void stringify(struct strata_buf *b, const cJSON *item, int depth)
{
	const cJSON *c;
	int first = 1;

	if (cJSON_IsObject(item) || cJSON_IsArray(item)) {
		int obj = cJSON_IsObject(item);

		if (!item->child) {
			strata_buf_adds(b, obj ? "{}" : "[]");
			return;
		}
		strata_buf_adds(b, obj ? "{" : "[");
		for (c = item->child; c; c = c->next) {
			strata_buf_addf(b, "%s\n%*s", first ? "" : ",", 2 * (depth + 1), "");
			first = 0;
			if (obj) {
				cJSON key = { 0 };
				char *k;

				key.type = cJSON_String;
				key.valuestring = c->string;
				k = cJSON_PrintUnformatted(&key);
				strata_buf_addf(b, "%s: ", k ? k : "\"\"");
				free(k);
			}
			stringify(b, c, depth + 1);
		}
		strata_buf_addf(b, "\n%*s%s", 2 * depth, "", obj ? "}" : "]");
		return;
	}
	if (cJSON_IsNumber(item) && item->valuedouble == (double)(long long)item->valuedouble) {
		strata_buf_addf(b, "%lld", (long long)item->valuedouble);
		return;
	}
	{
		char *s = cJSON_PrintUnformatted(item);

		strata_buf_adds(b, s ? s : "null");
		free(s);
	}
}

static int write_file(const char *path, const char *text, size_t len, int excl, struct strata_err *err)
{
	char tmp[4200];
	FILE *f;
	int ok;

	/* the journal is replaced whole (a crash leaves the old one); a new file must not exist */
	snprintf(tmp, sizeof(tmp), "%s%s", path, excl ? "" : ".strata-tmp");
	f = fopen(tmp, excl ? "wx" : "w");
	if (!f)
		return strata_err_set(err, STRATA_EIO, "cannot create %s: %s", tmp, strerror(errno));
	ok = fwrite(text, 1, len, f) == len;
	ok = (fclose(f) == 0) && ok;
	if (ok && !excl && rename(tmp, path) != 0)
		ok = 0;
	if (!ok) {
		strata_err_set(err, STRATA_EIO, "cannot write %s: %s", path, strerror(errno));
		if (!excl)
			remove(tmp);
		return STRATA_EIO;
	}
	return 0;
}

int strata_drizzle_create(const char *dir, const char *slug, long long now_ms, char *path, size_t pathlen,
			  struct strata_err *err)
{
	char jpath[4096], tag[300], *text = NULL;
	struct strata_buf b;
	cJSON *root = NULL, *entries, *e, *last;
	FILE *f;
	long n;
	int rc, idx;
	long long when;

	snprintf(jpath, sizeof(jpath), "%s/meta/_journal.json", dir);
	f = fopen(jpath, "r");
	if (!f)
		return strata_err_set(err, STRATA_EIO, "cannot read %s: %s", jpath, strerror(errno));
	if (fseek(f, 0, SEEK_END) != 0 || (n = ftell(f)) < 0 || fseek(f, 0, SEEK_SET) != 0 ||
	    !(text = malloc((size_t)n + 1)) || fread(text, 1, (size_t)n, f) != (size_t)n) {
		fclose(f);
		free(text);
		return strata_err_set(err, STRATA_EIO, "cannot read %s", jpath);
	}
	fclose(f);
	text[n] = '\0';
	root = cJSON_ParseWithLength(text, (size_t)n);
	entries = root ? cJSON_GetObjectItemCaseSensitive(root, "entries") : NULL;
	if (!cJSON_IsArray(entries)) {
		rc = strata_err_set(err, STRATA_ESOURCE, "%s is not drizzle-kit's journal (no \"entries\" array)", jpath);
		goto out;
	}
	idx = cJSON_GetArraySize(entries);
	last = idx ? cJSON_GetArrayItem(entries, idx - 1) : NULL;
	/* drizzle-orm runs an entry only when its "when" is newer than the last applied one's */
	when = now_ms;
	if (last && cJSON_IsNumber(cJSON_GetObjectItemCaseSensitive(last, "when")) &&
	    (long long)cJSON_GetObjectItemCaseSensitive(last, "when")->valuedouble >= when)
		when = (long long)cJSON_GetObjectItemCaseSensitive(last, "when")->valuedouble + 1;
	snprintf(tag, sizeof(tag), "%04d_%s", idx, slug);
	e = cJSON_CreateObject();
	if (!e) {
		rc = strata_err_set(err, STRATA_ENOMEM, "out of memory");
		goto out;
	}
	cJSON_AddNumberToObject(e, "idx", idx);
	{
		const cJSON *v = last ? cJSON_GetObjectItemCaseSensitive(last, "version")
				      : cJSON_GetObjectItemCaseSensitive(root, "version");

		cJSON_AddStringToObject(e, "version", cJSON_IsString(v) ? v->valuestring : "7");
	}
	cJSON_AddNumberToObject(e, "when", (double)when);
	cJSON_AddStringToObject(e, "tag", tag);
	cJSON_AddBoolToObject(e, "breakpoints", 1);
	cJSON_AddItemToArray(entries, e);
	snprintf(path, pathlen, "%s/%s.sql", dir, tag);
	rc = write_file(path, "-- Custom SQL migration file, put your code below! --\n",
			strlen("-- Custom SQL migration file, put your code below! --\n"), 1, err);
	if (rc)
		goto out;
	strata_buf_init(&b);
	stringify(&b, root, 0);
	if (n && text[n - 1] == '\n')
		strata_buf_adds(&b, "\n");
	rc = b.broken ? strata_err_set(err, STRATA_ENOMEM, "out of memory") : write_file(jpath, b.buf, b.len, 0, err);
	strata_buf_release(&b);
	if (rc)
		remove(path);
out:
	cJSON_Delete(root);
	free(text);
	return rc;
}
