/*
 * dotenv.c - `--env-file FILE` (and env_file= in strata.ini): the KEY=VALUE
 * files dbmate users keep DATABASE_URL and PGPASSWORD in, loaded into the
 * environment before strata reads it.
 *
 * What such files hold in practice, as dbmate's and docker compose's readers
 * take it: blank lines and # comments, an optional `export ` prefix, values
 * bare (a " #" starts a comment, blanks around are trimmed), in '...'
 * (literal) or in "..." (\n, \", \\ and \$ escapes). A variable already in
 * the environment is never replaced, so the real environment and the flags
 * beat the file. Error messages name the file and line, never a value: the
 * file holds passwords.
 */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

/* Parse the value starting at `p` into `out` (capacity n). 0 ok, -1 malformed. */
static int parse_value(const char *p, char *out, size_t n)
{
	size_t k = 0;

	if (*p == '"' || *p == '\'') {
		char q = *p++;

		for (; *p && *p != q; p++) {
			char ch = *p;

			if (q == '"' && ch == '\\' && p[1]) {
				ch = *++p;
				if (ch == 'n')
					ch = '\n';
				else if (ch == 't')
					ch = '\t';
				else if (ch != '"' && ch != '\\' && ch != '$' && k + 1 < n)
					out[k++] = '\\'; /* an unknown escape stays as written */
			}
			if (k + 1 >= n)
				return -1;
			out[k++] = ch;
		}
		if (*p != q)
			return -1;
		for (p++; *p == ' ' || *p == '\t'; p++)
			;
		if (*p && *p != '#')
			return -1;
	} else {
		for (; *p && !(*p == '#' && k > 0 && (out[k - 1] == ' ' || out[k - 1] == '\t')); p++) {
			if (k + 1 >= n)
				return -1;
			out[k++] = *p;
		}
		while (k && (out[k - 1] == ' ' || out[k - 1] == '\t'))
			k--;
	}
	out[k] = '\0';
	return 0;
}

int load_env_file(const char *file)
{
	char line[8192], value[8192];
	FILE *f = fopen(file, "r");
	int lineno = 0;

	if (!f) {
		fprintf(stderr, "strata: --env-file %s: %s\n", file, strerror(errno));
		return 2;
	}
	while (fgets(line, sizeof(line), f)) {
		char *p = line, *key, *end;
		size_t len = strlen(line);

		lineno++;
		while (len && (line[len - 1] == '\n' || line[len - 1] == '\r'))
			line[--len] = '\0';
		while (*p == ' ' || *p == '\t')
			p++;
		if (!*p || *p == '#')
			continue;
		if (strncmp(p, "export", 6) == 0 && (p[6] == ' ' || p[6] == '\t'))
			for (p += 6; *p == ' ' || *p == '\t'; p++)
				;
		key = p;
		while (isalnum((unsigned char)*p) || *p == '_' || *p == '.')
			p++;
		end = p;
		while (*p == ' ' || *p == '\t')
			p++;
		if (end == key || isdigit((unsigned char)*key) || *p != '=') {
			fprintf(stderr, "strata: %s:%d: expected KEY=VALUE (a variable name, '=', a value)\n", file, lineno);
			fclose(f);
			return 2;
		}
		*end = '\0';
		for (p++; *p == ' ' || *p == '\t'; p++)
			;
		if (parse_value(p, value, sizeof(value))) {
			fprintf(stderr, "strata: %s:%d: the value of %s is not closed by its quote or is too long\n", file,
				lineno, key);
			fclose(f);
			return 2;
		}
		if (setenv(key, value, 0) != 0) {
			fprintf(stderr, "strata: %s:%d: cannot set %s: %s\n", file, lineno, key, strerror(errno));
			fclose(f);
			return 1;
		}
	}
	fclose(f);
	return 0;
}
