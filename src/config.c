/*
 * config.c - strata.ini, the environment, and how they layer under flags.
 *
 * The file is read with inih (a real INI parser, as in every other tool our
 * users know); keys may stand at the top level or in a [strata] section.
 * Every layer fills the same struct, and overlaying a later layer copies only
 * what it set, which is the whole precedence rule.
 */
#include <errno.h>
#include <math.h>
#include <ini.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "util.h"

void strata_config_init(struct strata_config *c)
{
	memset(c, 0, sizeof(*c));
	c->single_transaction = -1;
	c->allow_out_of_order = -1;
	c->allow_modified = -1;
	c->lock_strategy = -1;
}

static void free_paths(struct strata_config *c)
{
	size_t i;

	for (i = 0; i < c->npaths; i++)
		free(c->paths[i]);
	free(c->paths);
	c->paths = NULL;
	c->npaths = 0;
}

void strata_config_release(struct strata_config *c)
{
	free(c->database);
	free_paths(c);
	free(c->table);
	free(c->env_file);
	strata_config_init(c);
}

int strata_config_add_path(struct strata_config *c, const char *dir)
{
	char **p = realloc(c->paths, (c->npaths + 1) * sizeof(*c->paths));

	if (!p)
		return -1;
	c->paths = p;
	if (!(c->paths[c->npaths] = strata_strdup(dir)))
		return -1;
	c->npaths++;
	return 0;
}

/*
 * "a, b" (strata.ini's path, STRATA_PATH) replaces the list: split at
 * commas, blanks around each name dropped. -1 out of memory, -2 an empty
 * name ("a,,b", "a,").
 */
static int set_path_list(struct strata_config *c, const char *list)
{
	const char *p = list;

	free_paths(c);
	for (;;) {
		const char *end = strchr(p, ','), *a = p, *b;
		char *one;
		int rc;

		if (!end)
			end = p + strlen(p);
		b = end;
		while (a < b && (*a == ' ' || *a == '\t'))
			a++;
		while (b > a && (b[-1] == ' ' || b[-1] == '\t'))
			b--;
		if (a == b) {
			free_paths(c);
			return -2;
		}
		one = strata_strndup(a, (size_t)(b - a));
		rc = one ? strata_config_add_path(c, one) : -1;
		free(one);
		if (rc) {
			free_paths(c);
			return -1;
		}
		if (!*end)
			return 0;
		p = end + 1;
	}
}

int strata_parse_bool(const char *s)
{
	static const char *const yes[] = { "1", "true", "yes", "on", NULL };
	static const char *const no[] = { "0", "false", "no", "off", NULL };
	int i;

	for (i = 0; yes[i]; i++)
		if (strcasecmp(s, yes[i]) == 0)
			return 1;
	for (i = 0; no[i]; i++)
		if (strcasecmp(s, no[i]) == 0)
			return 0;
	return -1;
}

int strata_parse_duration(const char *s, double *seconds)
{
	char *end;
	double v;

	if (!s || !*s)
		return -1;
	if (strcasecmp(s, "forever") == 0 || strcmp(s, "-1") == 0) {
		*seconds = -1;
		return 0;
	}
	/* digits only: strtod would also take "nan", "inf", hex and 1e999 */
	if (!((*s >= '0' && *s <= '9') || (*s == '.' && s[1] >= '0' && s[1] <= '9')) || strpbrk(s, "xXpP"))
		return -1;
	v = strtod(s, &end);
	if (end == s || v < 0 || !isfinite(v) || v > 1e9)
		return -1;
	if (*end == '\0' || strcmp(end, "s") == 0)
		*seconds = v;
	else if (strcmp(end, "ms") == 0)
		*seconds = v / 1000.0;
	else if (strcmp(end, "m") == 0 || strcmp(end, "min") == 0)
		*seconds = v * 60.0;
	else if (strcmp(end, "h") == 0)
		*seconds = v * 3600.0;
	else
		return -1;
	return 0;
}

static int set_string(char **dst, const char *v)
{
	char *p = strata_strdup(v);

	if (!p)
		return -1;
	free(*dst);
	*dst = p;
	return 0;
}

struct ini_state {
	struct strata_config *c;
	struct strata_err *err;
	const char *file;
	FILE *fp;
	int lineno;        /* lines read so far: inih calls the handler right after reading a line */
	int failed;
};

/* inih's line reader, counting lines because Debian's inih has no INI_HANDLER_LINENO. */
static char *read_line(char *str, int num, void *stream)
{
	struct ini_state *s = stream;
	char *p = fgets(str, num, s->fp);

	if (p)
		s->lineno++;
	return p;
}

static int on_setting(void *user, const char *section, const char *name, const char *value)
{
	struct ini_state *s = user;
	struct strata_config *c = s->c;
	int lineno = s->lineno;
	int b;

	if (s->failed)
		return 0;
	if (*section && strcasecmp(section, "strata") != 0)
		return 1; /* other tools' sections live in the same file sometimes */
	if (strcasecmp(name, "database") == 0 || strcasecmp(name, "url") == 0) {
		if (set_string(&c->database, value))
			goto oom;
	} else if (strcasecmp(name, "path") == 0 || strcasecmp(name, "dir") == 0 ||
		   strcasecmp(name, "migrations") == 0) {
		int rc = set_path_list(c, value);

		if (rc == -1)
			goto oom;
		if (rc == -2) {
			strata_err_set(s->err, STRATA_EUSAGE,
				       "%s:%d: path \"%s\": a directory name is missing (several are separated by commas: "
				       "path = init, migrations)",
				       s->file, lineno, value);
			goto fail;
		}
	} else if (strcasecmp(name, "table") == 0) {
		if (set_string(&c->table, value))
			goto oom;
	} else if (strcasecmp(name, "env_file") == 0) {
		if (set_string(&c->env_file, value))
			goto oom;
	} else if (strcasecmp(name, "lock_wait") == 0) {
		if (strata_parse_duration(value, &c->lock_wait))
			goto bad;
		c->lock_wait_set = 1;
	} else if (strcasecmp(name, "lock") == 0) {
		c->lock_strategy = strata_lock_strategy_parse(value);
		if (c->lock_strategy < 0)
			goto bad;
	} else if (strcasecmp(name, "lease") == 0) {
		if (strata_parse_duration(value, &c->lease) || c->lease <= 0)
			goto bad;
		c->lease_set = 1;
	} else if (strcasecmp(name, "single_transaction") == 0 || strcasecmp(name, "allow_out_of_order") == 0 ||
		   strcasecmp(name, "allow_modified") == 0) {
		b = strata_parse_bool(value);
		if (b < 0)
			goto bad;
		if (strcasecmp(name, "single_transaction") == 0)
			c->single_transaction = b;
		else if (strcasecmp(name, "allow_out_of_order") == 0)
			c->allow_out_of_order = b;
		else
			c->allow_modified = b;
	} else {
		strata_err_set(s->err, STRATA_EUSAGE,
			       "%s:%d: unknown setting \"%s\" (known: database, path, table, env_file, lock_wait, "
			       "lock, lease, single_transaction, allow_out_of_order, allow_modified)",
			       s->file, lineno, name);
		goto fail;
	}
	return 1;
bad:
	strata_err_set(s->err, STRATA_EUSAGE, "%s:%d: bad value \"%s\" for %s", s->file, lineno, value, name);
	goto fail;
oom:
	strata_err_set(s->err, STRATA_ENOMEM, "out of memory");
fail:
	if (s->err) {
		snprintf(s->err->file, sizeof(s->err->file), "%s", s->file);
		s->err->line = lineno;
	}
	s->failed = 1;
	return 0;
}

int strata_config_read_file(const char *file, struct strata_config *c, struct strata_err *err)
{
	FILE *fp = fopen(file, "r");
	int rc;

	if (!fp)
		return strata_err_set(err, STRATA_EUSAGE, "cannot read config file %s: %s", file, strerror(errno));
	rc = strata_config_read_stream(fp, file, c, err);
	fclose(fp);
	return rc;
}

int strata_config_read_stream(void *fp, const char *file, struct strata_config *c, struct strata_err *err)
{
	struct ini_state s = { c, err, file, fp, 0, 0 };
	int rc;

	rc = ini_parse_stream(read_line, &s, on_setting, &s);

	if (s.failed)
		return err ? err->code : STRATA_EUSAGE;
	if (rc == -1)
		return strata_err_set(err, STRATA_EUSAGE, "cannot read config file %s", file);
	if (rc == -2)
		return strata_err_set(err, STRATA_ENOMEM, "out of memory");
	if (rc > 0) {
		strata_err_set(err, STRATA_EUSAGE, "%s:%d: not an INI line (expected key = value or [section])",
			       file, rc);
		if (err) {
			snprintf(err->file, sizeof(err->file), "%s", file);
			err->line = rc;
		}
		return STRATA_EUSAGE;
	}
	return 0;
}

int strata_config_read_env(struct strata_config *c, const char *(*get)(const char *name), struct strata_err *err)
{
	const char *v;

	if (!get)
		get = (const char *(*)(const char *))getenv;
	if ((v = get("DATABASE_URL")) && *v && set_string(&c->database, v))
		goto oom;
	if ((v = get("STRATA_PATH")) && *v) {
		int rc = set_path_list(c, v);

		if (rc == -1)
			goto oom;
		if (rc == -2)
			return strata_err_set(err, STRATA_EUSAGE,
					      "STRATA_PATH=%s: a directory name is missing (several are separated by "
					      "commas: STRATA_PATH=init,migrations)",
					      v);
	}
	if ((v = get("STRATA_TABLE")) && *v && set_string(&c->table, v))
		goto oom;
	if ((v = get("STRATA_LOCK_WAIT")) && *v) {
		if (strata_parse_duration(v, &c->lock_wait))
			return strata_err_set(err, STRATA_EUSAGE, "STRATA_LOCK_WAIT=%s is not a duration", v);
		c->lock_wait_set = 1;
	}
	if ((v = get("STRATA_LOCK")) && *v) {
		c->lock_strategy = strata_lock_strategy_parse(v);
		if (c->lock_strategy < 0)
			return strata_err_set(err, STRATA_EUSAGE, "STRATA_LOCK=%s: expected auto, advisory or lease", v);
	}
	if ((v = get("STRATA_LEASE")) && *v) {
		if (strata_parse_duration(v, &c->lease) || c->lease <= 0)
			return strata_err_set(err, STRATA_EUSAGE, "STRATA_LEASE=%s is not a duration", v);
		c->lease_set = 1;
	}
	return 0;
oom:
	return strata_err_set(err, STRATA_ENOMEM, "out of memory");
}

int strata_config_overlay(struct strata_config *base, const struct strata_config *over)
{
	if (over->database && set_string(&base->database, over->database))
		return -1;
	if (over->npaths) {
		size_t i;

		free_paths(base);
		for (i = 0; i < over->npaths; i++)
			if (strata_config_add_path(base, over->paths[i]))
				return -1;
	}
	if (over->table && set_string(&base->table, over->table))
		return -1;
	if (over->env_file && set_string(&base->env_file, over->env_file))
		return -1;
	if (over->lock_wait_set) {
		base->lock_wait = over->lock_wait;
		base->lock_wait_set = 1;
	}
	if (over->lock_strategy >= 0)
		base->lock_strategy = over->lock_strategy;
	if (over->lease_set) {
		base->lease = over->lease;
		base->lease_set = 1;
	}
	if (over->single_transaction >= 0)
		base->single_transaction = over->single_transaction;
	if (over->allow_out_of_order >= 0)
		base->allow_out_of_order = over->allow_out_of_order;
	if (over->allow_modified >= 0)
		base->allow_modified = over->allow_modified;
	return 0;
}
