/*
 * cmd_dump.c - strata dump: the schema of the database as an SQL script
 * (include/strata_schema.h: read by the target's driver, written in
 * dependency order by the library), on stdout or into -o FILE; and the
 * schema file that `up --dump FILE` (dump = FILE in strata.ini) keeps,
 * rewritten after every successful run, as dbmate keeps schema.sql. Nothing
 * here knows an engine: the same code dumps every database strata reads.
 *
 * Objects the schema holds but strata does not model are left out of the
 * script and said on stderr ("-- not handled: 1 foreign table"), with exit
 * 0: a dump is still useful; the commands that compare fail on them.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cli.h"
#include "strata_schema.h"

/* What dump's own options set. */
static struct {
	const char *output; /* -o FILE; NULL or "-": stdout */
	int grants;         /* --grants */
} dopt;

static int opt_dump_file(struct cli *c, const struct cli_option *o, const char *spelled, const char *val)
{
	(void)o, (void)spelled;
	if (!*val) {
		fprintf(stderr, "strata: --dump needs a file name\n");
		return 2;
	}
	free(c->flags.dump);
	c->flags.dump = strdup(val);
	return c->flags.dump ? 0 : 1;
}

const struct cli_option dump_options[] = {
	{ .shortname = "o", .longname = "output", .kind = OPT_STRING, .value = &dopt.output, .arg = "FILE",
	  .flags = OPTF_STRICT, .bad = "%s: strata %s writes no file (-o FILE is strata dump's)",
	  .help = "with dump: write the script into FILE (replaced whole) instead of stdout" },
	{ .longname = "grants", .kind = OPT_FLAG, .value = &dopt.grants, .flags = OPTF_STRICT,
	  .bad = "%s: only strata dump reads grants",
	  .help = "with dump: the privileges granted on each object too (GRANT ...)" },
	{ 0 },
};

const struct cli_option dump_file_options[] = {
	{ .longname = "dump", .kind = OPT_CALLBACK, .cb = opt_dump_file, .flags = OPTF_VALUE | OPTF_STRICT,
	  .bad = "%s: strata %s changes no schema to write down (--dump FILE is for up, down, goto, redo)",
	  .arg = "FILE", .help = "after a successful run, write the schema into FILE as strata dump does "
				 "(dump = FILE in strata.ini)" },
	{ 0 },
};

static const struct cli_option *const dump_tables[] = {
	target_options, config_options, table_options, dump_options, output_options, NULL,
};

const struct command dump_command = {
	"dump", cmd_dump, NEED_DB | READ_ONLY, "",
	"print the schema as an SQL script, in dependency order (-o FILE to write it)",
	"strata dump\nstrata dump -o schema.sql\nstrata -d postgres://db/app dump > schema.sql", NULL, NULL, NULL,
	dump_tables, NULL,
};

/* Read and render; prints the error itself. 0 or an exit code. */
static int render(struct cli *c, unsigned flags, char **sql)
{
	struct strata_schema *s = NULL;
	struct strata_err err;
	int rc;

	*sql = NULL;
	strata_err_clear(&err);
	rc = strata_schema_read(c->db, flags, &s, &err);
	if (!rc)
		rc = strata_schema_dump(s, sql, &err);
	if (rc) {
		strata_schema_free(s);
		return out_error_release(c, rc, &err);
	}
	strata_err_release(&err);
	if (s->nunhandled && !c->quiet) {
		fprintf(stderr, "strata: %swarning:%s %s holds objects strata does not handle; they are not in the "
				"dump:\n",
			col(c, "33"), col(c, "0"), c->target->display);
		for (size_t i = 0; i < s->nunhandled; i++)
			fprintf(stderr, "-- not handled: %s\n", s->unhandled[i]);
	}
	strata_schema_free(s);
	return 0;
}

/* Write `text` into `file` as it is (a device, a pipe, a symlink's target): no file beside it to rename. */
static int write_through(const char *file, const char *text)
{
	size_t len = strlen(text);
	FILE *f = fopen(file, "w");
	int ok;

	if (!f) {
		fprintf(stderr, "strata: cannot write %s: %s\n", file, strerror(errno));
		return 1;
	}
	ok = fwrite(text, 1, len, f) == len;
	ok = (fclose(f) == 0) && ok;
	if (!ok) {
		fprintf(stderr, "strata: cannot write %s: %s\n", file, strerror(errno));
		return 1;
	}
	return 0;
}

/*
 * Replace `file` with `text`: written beside it, then renamed over it, so a
 * reader never sees half. Only a regular file is replaced so: /dev/null, a
 * FIFO or a symlink is written through (renaming over /dev/null as root
 * would put a plain file in its place).
 */
static int write_whole(const char *file, const char *text)
{
	size_t n = strlen(file) + 16, len = strlen(text);
	struct stat st;
	char *tmp;
	FILE *f;
	int ok;

	if (lstat(file, &st) == 0 && !S_ISREG(st.st_mode))
		return write_through(file, text);
	tmp = malloc(n);
	if (!tmp) {
		fprintf(stderr, "strata: out of memory\n");
		return 1;
	}
	snprintf(tmp, n, "%s.tmp", file);
	f = fopen(tmp, "w");
	if (!f) {
		fprintf(stderr, "strata: cannot write %s: %s\n", tmp, strerror(errno));
		free(tmp);
		return 1;
	}
	ok = fwrite(text, 1, len, f) == len;
	ok = (fclose(f) == 0) && ok;
	if (!ok || rename(tmp, file) != 0) {
		fprintf(stderr, "strata: cannot write %s: %s\n", file, strerror(errno));
		remove(tmp);
		free(tmp);
		return 1;
	}
	free(tmp);
	return 0;
}

int write_schema_file(struct cli *c, const char *file)
{
	char *sql;
	int rc = render(c, 0, &sql);

	if (rc)
		return rc;
	rc = write_whole(file, sql);
	free(sql);
	if (!rc && c->verbose)
		fprintf(stderr, "strata: schema written to %s\n", file);
	return rc;
}

/* strata dump [-o FILE] */
int cmd_dump(struct cli *c)
{
	char *sql;
	int rc;

	if (c->nargs) {
		fprintf(stderr, "strata dump: takes no arguments (the file goes with -o FILE)\n");
		return 2;
	}
	rc = render(c, dopt.grants ? STRATA_SCHEMA_GRANTS : 0, &sql);
	if (rc)
		return rc;
	if (dopt.output && strcmp(dopt.output, "-") != 0) {
		rc = write_whole(dopt.output, sql);
	} else if (fputs(sql, stdout) == EOF || fflush(stdout) == EOF) {
		fprintf(stderr, "strata: cannot write the dump: %s\n", strerror(errno));
		rc = 1;
	}
	free(sql);
	return rc;
}
