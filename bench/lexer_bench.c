/*
 * lexer_bench.c - throughput of the SQL splitter (src/sqlsplit.c).
 *
 * The splitter runs on every migration before anything else happens, and a
 * fleet run or `validate` reads every file, so it must cost about as much as
 * reading the bytes. This measures strata_sql_split() on a large script in
 * memory, best of several runs, next to a newline count over the same
 * buffer (what `wc -l` does) as the floor to compare with.
 *
 *   lexer_bench [-D postgres|sqlite] [-n RUNS] FILE
 *   lexer_bench [-D ...] [-n RUNS] -d DIR [-s MB] [-o OUT]
 *
 * With -d, the *.sql files of DIR are concatenated (a newline after each)
 * until the script reaches MB megabytes (default 100); -o writes it out so
 * that `wc -l OUT` can be timed on the very same bytes. Build:
 *   gcc -O2 -Iinclude -Isrc bench/lexer_bench.c src/sqlsplit.c src/buf.c src/util.c -o lexer_bench
 */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "util.h"
#include "split.h"

static void die(const char *msg, const char *arg)
{
	fprintf(stderr, "lexer_bench: %s%s%s\n", msg, arg ? ": " : "", arg ? arg : "");
	exit(2);
}

static char *slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	char *buf;
	long n;

	if (!f || fseek(f, 0, SEEK_END) != 0 || (n = ftell(f)) < 0 || fseek(f, 0, SEEK_SET) != 0)
		die("cannot read", path);
	buf = malloc((size_t)n + 1);
	if (!buf || fread(buf, 1, (size_t)n, f) != (size_t)n)
		die("cannot read", path);
	fclose(f);
	buf[n] = '\0';
	*len = (size_t)n;
	return buf;
}

static int cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Concatenate DIR's *.sql files, in name order, until `want` bytes. */
static char *build_script(const char *dir, size_t want, size_t *len)
{
	DIR *d = opendir(dir);
	struct dirent *de;
	char **names = NULL;
	size_t n = 0, i, cap = want + (1 << 20), used = 0;
	char *out;

	if (!d)
		die("cannot open", dir);
	while ((de = readdir(d)) != NULL) {
		size_t l = strlen(de->d_name);

		if (l > 4 && strcmp(de->d_name + l - 4, ".sql") == 0 && strstr(de->d_name, ".down.") == NULL) {
			names = realloc(names, (n + 1) * sizeof(*names));
			names[n++] = strdup(de->d_name);
		}
	}
	closedir(d);
	if (!n)
		die("no .sql files in", dir);
	qsort(names, n, sizeof(*names), cmp);
	out = malloc(cap);
	if (!out)
		die("out of memory", NULL);
	for (i = 0; used < want; i = (i + 1) % n) {
		char path[4096];
		size_t l;
		char *text;

		snprintf(path, sizeof(path), "%s/%s", dir, names[i]);
		text = slurp(path, &l);
		if (used + l + 1 > cap) {
			cap = (used + l + 1) * 2;
			out = realloc(out, cap);
			if (!out)
				die("out of memory", NULL);
		}
		memcpy(out + used, text, l);
		used += l;
		out[used++] = '\n';
		free(text);
	}
	for (i = 0; i < n; i++)
		free(names[i]);
	free(names);
	*len = used;
	return out;
}

static size_t count_lines(const char *p, size_t len)
{
	const char *e = p + len;
	size_t n = 0;

	while ((p = memchr(p, '\n', (size_t)(e - p))) != NULL) {
		n++;
		p++;
	}
	return n;
}

int main(int argc, char **argv)
{
	enum strata_dialect dialect = STRATA_DIALECT_POSTGRES;
	const char *dir = NULL, *outpath = NULL;
	double mb = 100, best = 1e30, best_wc = 1e30;
	int runs = 5, c, r;
	size_t len, lines = 0;
	struct strata_split sp = { 0 };
	struct strata_err err = { 0 };
	char *sql;

	while ((c = getopt(argc, argv, "D:n:d:s:o:")) != -1) {
		switch (c) {
		case 'D':
			if (!strcmp(optarg, "postgres"))
				dialect = STRATA_DIALECT_POSTGRES;
			else if (!strcmp(optarg, "sqlite"))
				dialect = STRATA_DIALECT_SQLITE;
			else
				die("unknown dialect", optarg);
			break;
		case 'n': runs = atoi(optarg); break;
		case 'd': dir = optarg; break;
		case 's': mb = atof(optarg); break;
		case 'o': outpath = optarg; break;
		default: die("usage: lexer_bench [-D postgres|sqlite] [-n RUNS] FILE | -d DIR [-s MB] [-o OUT]", NULL);
		}
	}
	if (dir)
		sql = build_script(dir, (size_t)(mb * 1e6), &len);
	else if (optind < argc)
		sql = slurp(argv[optind], &len);
	else
		die("usage: lexer_bench [-D postgres|sqlite] [-n RUNS] FILE | -d DIR [-s MB] [-o OUT]", NULL);
	if (outpath) {
		FILE *f = fopen(outpath, "wb");

		if (!f || fwrite(sql, 1, len, f) != len || fclose(f) != 0)
			die("cannot write", outpath);
	}
	for (r = 0; r <= runs; r++) { /* run 0 warms up */
		double t0 = strata_now_ms(), t;

		if (strata_sql_split(sql, len, dialect, &sp, &err) != 0) {
			fprintf(stderr, "lexer_bench: line %d: %s\n", err.line, err.message);
			return 1;
		}
		t = strata_now_ms() - t0;
		if (r && t < best)
			best = t;
		t0 = strata_now_ms();
		lines = count_lines(sql, len);
		t = strata_now_ms() - t0;
		if (r && t < best_wc)
			best_wc = t;
	}
	printf("%s: %.1f MB, %zu lines, %zu statements (%zu pieces)\n",
	       dialect == STRATA_DIALECT_POSTGRES ? "postgres" : "sqlite", len / 1e6, lines, strata_split_count(&sp),
	       sp.n);
	printf("strata_sql_split: %8.1f ms  %7.0f MB/s  (best of %d)\n", best, len / 1e3 / best, runs);
	printf("newline count:    %8.1f ms  %7.0f MB/s  (memchr, like wc -l)\n", best_wc, len / 1e3 / best_wc);
	strata_split_release(&sp);
	free(sql);
	return 0;
}
