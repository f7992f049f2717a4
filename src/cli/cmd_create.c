/*
 * cmd_create.c - `strata create NAME`: write the files of a new migration in
 * the layout the directory already uses (golang-migrate pair by default,
 * dbmate single file, Diesel directory), with a timestamp version or, with
 * --seq, the next number at the width in use. Never overwrites a file.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli.h"

static int mkdir_p(const char *dir)
{
	char buf[4096];
	size_t i, n = strlen(dir);

	if (n >= sizeof(buf))
		return -1;
	memcpy(buf, dir, n + 1);
	for (i = 1; i <= n; i++) {
		if (buf[i] == '/' || buf[i] == '\0') {
			char ch = buf[i];

			buf[i] = '\0';
			if (mkdir(buf, 0777) != 0 && errno != EEXIST)
				return -1;
			buf[i] = ch;
		}
	}
	return 0;
}

static int write_new(const char *path, const char *text)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_EXCL, 0666);
	size_t n = strlen(text);

	if (fd < 0) {
		fprintf(stderr, "strata create: cannot create %s: %s\n", path, strerror(errno));
		return 1;
	}
	if (write(fd, text, n) != (ssize_t)n || close(fd) != 0) {
		fprintf(stderr, "strata create: cannot write %s: %s\n", path, strerror(errno));
		return 1;
	}
	printf("%s\n", path);
	return 0;
}

/* Is the newest single-file migration goose's (-- +goose Up) rather than dbmate's? */
static int uses_goose(struct cli *c)
{
	char path[4096], line[256];
	FILE *f;
	int goose = 0, n = 0;

	if (c->src->m[c->src->n - 1].layout == STRATA_LAYOUT_GO)
		return 1;
	/* several directories: up_file names its directory already */
	if (c->src->ndirs > 1)
		snprintf(path, sizeof(path), "%s", c->src->m[c->src->n - 1].up_file);
	else
		snprintf(path, sizeof(path), "%s/%s", c->src->dirs[0], c->src->m[c->src->n - 1].up_file);
	f = fopen(path, "r");
	if (!f)
		return 0;
	while (!goose && n++ < 50 && fgets(line, sizeof(line), f))
		goose = strstr(line, "+goose") != NULL;
	fclose(f);
	return goose;
}

int cmd_create(struct cli *c)
{
	/* several directories: the first one, as dbmate's `new` does */
	const char *dir = c->cfg.npaths ? c->cfg.paths[0] : "migrations";
	const char *name;
	enum strata_layout layout = STRATA_LAYOUT_PAIR;
	char *version, path[4096];
	int rc = 0;

	if (c->nargs != 1 || !*c->args[0]) {
		fprintf(stderr, "strata create: expected one NAME, e.g. `strata create add_users`\n");
		return 2;
	}
	name = c->args[0];
	if (strchr(name, '/')) {
		fprintf(stderr, "strata create: NAME must not contain '/': %s\n", name);
		return 2;
	}
	if (c->ext && strcmp(c->ext, "sql") != 0 && strcmp(c->ext, ".sql") != 0) {
		fprintf(stderr, "strata create: only -ext sql is supported\n");
		return 2;
	}
	if (c->src && c->src->n)
		layout = c->src->m[c->src->n - 1].layout;
	if (layout == STRATA_LAYOUT_GO) /* a goose directory: its SQL migrations carry goose's markers */
		layout = STRATA_LAYOUT_MARKERS;
	version = strata_next_version(c->src, c->seq);
	if (!version) {
		fprintf(stderr, "strata: out of memory\n");
		return 1;
	}
	if (mkdir_p(dir) != 0) {
		fprintf(stderr, "strata create: cannot create directory %s: %s\n", dir, strerror(errno));
		free(version);
		return 1;
	}
	switch (layout) {
	case STRATA_LAYOUT_MARKERS:
		snprintf(path, sizeof(path), "%s/%s_%s.sql", dir, version, name);
		rc = write_new(path, uses_goose(c) ? "-- +goose Up\n-- +goose StatementBegin\n\n-- +goose StatementEnd\n\n"
							   "-- +goose Down\n-- +goose StatementBegin\n\n-- +goose StatementEnd\n"
							 : "-- migrate:up\n\n\n-- migrate:down\n\n");
		break;
	case STRATA_LAYOUT_DIESEL:
		if (!c->seq && strlen(version) == 14) /* Diesel writes 2024-02-12-120203 */
			snprintf(path, sizeof(path), "%s/%.4s-%.2s-%.2s-%.6s_%s", dir, version, version + 4, version + 6,
				 version + 8, name);
		else
			snprintf(path, sizeof(path), "%s/%s_%s", dir, version, name);
		if (mkdir(path, 0777) != 0) {
			fprintf(stderr, "strata create: cannot create %s: %s\n", path, strerror(errno));
			rc = 1;
			break;
		}
		{
			size_t n = strlen(path);

			snprintf(path + n, sizeof(path) - n, "/up.sql");
			rc = write_new(path, "");
			snprintf(path + n, sizeof(path) - n, "/down.sql");
			rc = rc ? rc : write_new(path, "");
		}
		break;
	default:
		snprintf(path, sizeof(path), "%s/%s_%s.up.sql", dir, version, name);
		rc = write_new(path, "");
		snprintf(path, sizeof(path), "%s/%s_%s.down.sql", dir, version, name);
		rc = rc ? rc : write_new(path, "");
		break;
	}
	free(version);
	return rc;
}
