/*
 * driver_mysql.c - the MySQL and MariaDB driver, on MariaDB Connector/C
 * (libmariadb), which speaks both servers' protocol.
 *
 * libmariadb is opened the first time a MySQL target is used (dlopen of
 * libmariadb.so.3, one dlsym() per function into `my`), as the PostgreSQL
 * driver opens libpq, so that strata starts without it; the header is only
 * compiled against.
 *
 * MySQL commits DDL implicitly, so the driver has no
 * STRATA_CAP_TRANSACTIONAL_DDL: the planner sends every migration with DDL
 * through the statement journal (apply.c), and after a crash between a
 * DDL's implicit commit and the journal's write, statement_landed() reads
 * the catalog to tell whether the statement at the journal's position ran.
 * Scripts are cut by the MySQL lexer (DELIMITER is the client's, as in the
 * mysql client) and sent statement by statement, so that an error names its
 * statement and its line.
 *
 * Parameters: strata's statements name them $1..$n (history.c writes them
 * through the dialect's placeholder); query() replaces each by its value as a
 * quoted literal escaped by mysql_real_escape_string for the connection's
 * character set and sql_mode.
 *
 * The migration lock is GET_LOCK(name, 0) polled on a dedicated connection
 * that never opens a transaction, and a second one on the migration session
 * itself, held until a killed runner's last statement is over (see pg_lock
 * in driver_pg.c for why). Lock names are server-wide: they hash the
 * database and the tracking table.
 *
 * Its targets: mysql://user:pass@host:port/db?params, mariadb://..., and
 * golang-migrate's mysql://user:pass@tcp(host:port)/db; what the URL leaves
 * out comes from MYSQL_HOST, MYSQL_TCP_PORT, MYSQL_UNIX_PORT, MYSQL_PWD and
 * then the [client] group of the option files (~/.my.cnf) that libmariadb
 * reads.
 */
#define _GNU_SOURCE /* memmem */
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <mysql.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "buf.h"
#include "driver.h"
#include "lexer.h"
#include "reason.h"
#include "registry.h"
#include "split.h"
#include "url.h"
#include "util.h"

/* The dialect its lexer cuts scripts in. */
#define MY_DIALECT STRATA_DIALECT_MYSQL

/* ---------------------------------------------------------------- libmariadb */

#define MY_SONAME "libmariadb.so.3"
#define MY_PACKAGE "libmariadb3"

#define MY_FUNCTIONS(X)                                                                                                \
	X(mysql_server_init)                                                                                           \
	X(mysql_init)                                                                                                  \
	X(mysql_options)                                                                                               \
	X(mysql_real_connect)                                                                                          \
	X(mysql_close)                                                                                                 \
	X(mysql_real_query)                                                                                            \
	X(mysql_store_result)                                                                                          \
	X(mysql_free_result)                                                                                           \
	X(mysql_next_result)                                                                                           \
	X(mysql_field_count)                                                                                           \
	X(mysql_num_fields)                                                                                            \
	X(mysql_fetch_row)                                                                                             \
	X(mysql_fetch_lengths)                                                                                         \
	X(mysql_errno)                                                                                                 \
	X(mysql_error)                                                                                                 \
	X(mysql_sqlstate)                                                                                              \
	X(mysql_real_escape_string)                                                                                    \
	X(mysql_thread_id)                                                                                             \
	X(mysql_get_server_info)                                                                                       \
	X(mysql_select_db)                                                                                             \
	X(mysql_thread_init)                                                                                           \
	X(mysql_thread_end)

static struct {
#define MY_FIELD(f) __typeof__(f) *f;
	MY_FUNCTIONS(MY_FIELD)
#undef MY_FIELD
} my;

static pthread_mutex_t load_mu = PTHREAD_MUTEX_INITIALIZER;
static int loaded;

static int my_load(struct strata_err *err)
{
	void *h;
	int rc = 0;

	pthread_mutex_lock(&load_mu);
	if (loaded)
		goto out;
	h = dlopen(MY_SONAME, RTLD_NOW | RTLD_LOCAL);
	if (!h) {
		const char *why = dlerror();

		rc = strata_err_set(err, STRATA_EUSAGE, "MySQL support needs %s, which cannot be loaded: %s", MY_SONAME,
				    why ? why : "not found");
		strata_err_hint(err,
				"install the package that provides it (Debian and Ubuntu: "
				"apt-get install %s), or "
				"point LD_LIBRARY_PATH at the directory holding %s",
				MY_PACKAGE, MY_SONAME);
		goto out;
	}
#define MY_RESOLVE(f)                                                                                                  \
	if (!(my.f = (__typeof__(my.f))dlsym(h, #f))) {                                                                \
		rc = strata_err_set(err, STRATA_EUSAGE, "%s has no function %s: it is too old for strata", MY_SONAME,  \
				    #f);                                                                               \
		dlclose(h);                                                                                            \
		goto out;                                                                                              \
	}
	MY_FUNCTIONS(MY_RESOLVE)
#undef MY_RESOLVE
	/* once, before any thread connects (mysql_init would call it, but not thread-safely) */
	if (my.mysql_server_init(0, NULL, NULL)) {
		rc = strata_err_set(err, STRATA_EUSAGE, "%s failed to initialise", MY_SONAME);
		goto out;
	}
	loaded = 1;
out:
	pthread_mutex_unlock(&load_mu);
	return rc;
}

/* ---------------------------------------------------------------- targets */

/* What a URL says; NULL fields come from the environment and the option files. */
struct my_params {
	char *user;
	char *password;
	char *host;
	char *socket;
	unsigned port;
	char *db;
	char *ssl_mode; /* DISABLED, PREFERRED, REQUIRED, VERIFY_CA, VERIFY_IDENTITY */
	char *ssl_ca;
	char *ssl_cert;
	char *ssl_key;
	unsigned connect_timeout;
	char *vars; /* ", a = 1, b = 'x'": the session variables the URL sets, or NULL */
};

static void params_free(struct my_params *p)
{
	if (p->password)
		memset(p->password, 0, strlen(p->password));
	free(p->user);
	free(p->password);
	free(p->host);
	free(p->socket);
	free(p->db);
	free(p->ssl_mode);
	free(p->ssl_ca);
	free(p->ssl_cert);
	free(p->ssl_key);
	free(p->vars);
	memset(p, 0, sizeof(*p));
}

/* [s, s+n) percent-decoded, malloc'ed; NULL on a bad %XX or out of memory. */
static char *pct_decode(const char *s, size_t n)
{
	char *out = malloc(n + 1);
	size_t i, k = 0;

	if (!out)
		return NULL;
	for (i = 0; i < n; i++) {
		if (s[i] == '%') {
			int hi = i + 2 < n ? strata_url_hexval(s[i + 1]) : -1;
			int lo = i + 2 < n ? strata_url_hexval(s[i + 2]) : -1;

			if (hi < 0 || lo < 0) {
				free(out);
				return NULL;
			}
			out[k++] = (char)(hi * 16 + lo);
			i += 2;
		} else {
			out[k++] = s[i];
		}
	}
	out[k] = '\0';
	return out;
}

static const char *const my_schemes[] = {"mariadb://", "mysql://", NULL};
static const char *const my_forms[] = {"mysql://user:pass@host:port/db", "mariadb://...", NULL};

static int bad_url(struct strata_err *err, const char *url, const char *what)
{
	char *shown = strata_redact(url);

	strata_err_set(err, STRATA_EUSAGE, "database URL %s: %s", shown ? shown : "mysql://...", what);
	strata_err_hint(err, "write it as mysql://user:password@host:port/database "
			     "(or golang-migrate's "
			     "mysql://user:password@tcp(host:port)/database), the "
			     "password percent-encoded");
	free(shown);
	return STRATA_EUSAGE;
}

/* Set *dst to a copy of [s, s+n) decoded; 0, or -1 on a bad encoding. */
static int take(char **dst, const char *s, size_t n)
{
	free(*dst);
	*dst = pct_decode(s, n);
	return *dst ? 0 : -1;
}

/*
 * Parse a mysql:// or mariadb:// URL (x-* parameters already removed or
 * not) into p. Returns 0, or STRATA_EUSAGE with a message that shows no
 * password.
 */
static int add_var(struct my_params *p, const char *key, const char *val);

static int parse_url(const char *url, struct my_params *p, struct strata_err *err)
{
	const char *s = strstr(url, "://"), *end, *at, *hp, *hend, *q, *slash;

	memset(p, 0, sizeof(*p));
	if (!s)
		return params_free(p), bad_url(err, url, "not a mysql:// URL");
	s += 3;
	q = strchr(s, '?');
	end = q ? q : s + strlen(s);
	/* userinfo: up to the last '@' before the path (golang-migrate passwords may hold '@' unencoded) */
	at = NULL;
	{
		const char *tcp = strstr(s, "@tcp("), *unx = strstr(s, "@unix("), *k;
		const char *stop = end;

		if (tcp && tcp < end)
			at = tcp;
		else if (unx && unx < end)
			at = unx;
		if (!at) {
			slash = memchr(s, '/', (size_t)(end - s));
			if (slash)
				stop = slash;
			for (k = s; k < stop; k++)
				if (*k == '@')
					at = k;
		}
	}
	if (at) {
		const char *colon = memchr(s, ':', (size_t)(at - s));

		if (take(&p->user, s, (size_t)((colon ? colon : at) - s)) ||
		    (colon && take(&p->password, colon + 1, (size_t)(at - colon - 1))))
			goto bad_enc;
		if (p->user && !*p->user) {
			free(p->user);
			p->user = NULL;
		}
		hp = at + 1;
	} else {
		hp = s;
	}
	/* host part */
	if (!strncmp(hp, "tcp(", 4) || !strncmp(hp, "unix(", 5)) {
		int unx = hp[0] == 'u';
		const char *in = hp + (unx ? 5 : 4), *close = memchr(in, ')', (size_t)(end - in));

		if (!close)
			return params_free(p), bad_url(err, url, "no ')' after tcp( or unix(");
		if (unx) {
			if (take(&p->socket, in, (size_t)(close - in)))
				goto bad_enc;
		} else {
			hp = in;
			hend = close;
			goto hostport;
		}
		hend = close;
		slash = close + 1;
		goto path;
	}
	slash = memchr(hp, '/', (size_t)(end - hp));
	hend = slash ? slash : end;
hostport : {
	const char *colon = NULL, *k;

	if (hp < hend && *hp == '[') { /* [ipv6]:port */
		const char *rb = memchr(hp, ']', (size_t)(hend - hp));

		if (!rb)
			return params_free(p), bad_url(err, url, "no ']' after an IPv6 address");
		if (take(&p->host, hp + 1, (size_t)(rb - hp - 1)))
			goto bad_enc;
		colon = rb + 1 < hend && rb[1] == ':' ? rb + 1 : NULL;
	} else {
		for (k = hp; k < hend; k++)
			if (*k == ':')
				colon = k;
		if (take(&p->host, hp, (size_t)((colon ? colon : hend) - hp)))
			goto bad_enc;
	}
	if (colon) {
		char *e;
		long port = strtol(colon + 1, &e, 10);

		if (e != hend || port <= 0 || port > 65535)
			return params_free(p), bad_url(err, url, "the port is not a number from 1 to 65535");
		p->port = (unsigned)port;
	}
	if (p->host && !*p->host) {
		free(p->host);
		p->host = NULL;
	}
	if (hend == end || *hend != ')')
		slash = hend < end && *hend == '/' ? hend : NULL;
	else
		slash = hend + 1;
}
path:
	if (slash && slash < end && *slash == '/') {
		if (take(&p->db, slash + 1, (size_t)(end - slash - 1)))
			goto bad_enc;
		if (!*p->db) {
			free(p->db);
			p->db = NULL;
		} else if (strchr(p->db, '/')) {
			params_free(p);
			return bad_url(err, url, "the database name holds a '/'");
		}
	} else if (slash && slash < end) {
		params_free(p);
		return bad_url(err, url, "expected '/' and the database name after the host");
	}
	/* query */
	for (s = q ? q + 1 : NULL; s && *s;) {
		const char *amp = strchr(s, '&'), *eq;
		size_t n = amp ? (size_t)(amp - s) : strlen(s);
		char *key = NULL, *val = NULL;
		int rc = 0;

		eq = memchr(s, '=', n);
		if (take(&key, s, eq ? (size_t)(eq - s) : n) ||
		    take(&val, eq ? eq + 1 : s + n, eq ? n - (size_t)(eq - s) - 1 : 0)) {
			free(key);
			free(val);
			goto bad_enc;
		}
		if (!strncmp(key, "x-", 2) || !*key) {
			/* golang-migrate's own (x-migrations-table is read by url_parse) */
		} else if (!strcmp(key, "password")) {
			free(p->password);
			p->password = val;
			val = NULL;
		} else if (!strcmp(key, "user")) {
			free(p->user);
			p->user = val;
			val = NULL;
		} else if (!strcmp(key, "socket")) {
			free(p->socket);
			p->socket = val;
			val = NULL;
		} else if (!strcmp(key, "ssl-mode") || !strcmp(key, "ssl_mode") || !strcmp(key, "sslmode")) {
			free(p->ssl_mode);
			p->ssl_mode = val;
			val = NULL;
		} else if (!strcmp(key, "tls")) { /* golang-migrate / go-sql-driver */
			free(p->ssl_mode);
			p->ssl_mode =
				strata_strdup(!strcmp(val, "true") ? "VERIFY_IDENTITY"
					      : !strcmp(val, "skip-verify") || !strcmp(val, "preferred") ? "REQUIRED"
					      : !strcmp(val, "false")                                    ? "DISABLED"
													 : val);
		} else if (!strcmp(key, "ssl-ca") || !strcmp(key, "sslrootcert")) {
			free(p->ssl_ca);
			p->ssl_ca = val;
			val = NULL;
		} else if (!strcmp(key, "ssl-cert") || !strcmp(key, "sslcert")) {
			free(p->ssl_cert);
			p->ssl_cert = val;
			val = NULL;
		} else if (!strcmp(key, "ssl-key") || !strcmp(key, "sslkey")) {
			free(p->ssl_key);
			p->ssl_key = val;
			val = NULL;
		} else if (!strcmp(key, "connect_timeout") || !strcmp(key, "timeout")) {
			char *e;
			double t = strtod(val, &e);

			if (*e == 's' && e[1] == '\0') /* go-sql-driver's "5s" */
				e++;
			if (*e || t < 0)
				rc = 1;
			p->connect_timeout = (unsigned)(t + 0.999);
		} else if (!strcmp(key, "charset") || !strcmp(key, "collation") || !strcmp(key, "parseTime") ||
			   !strcmp(key, "multiStatements") || !strcmp(key, "loc") ||
			   !strcmp(key, "interpolateParams")) {
			/* go-sql-driver's: strata always speaks utf8mb4, UTC and one statement at a time */
		} else {
			rc = add_var(p, key, val);
		}
		if (rc) {
			struct strata_buf b;

			strata_buf_init(&b);
			/* a name that is no name may be part of a password the redaction took for one */
			for (const char *k = key; *k; k++)
				if (!((*k >= 'a' && *k <= 'z') || (*k >= 'A' && *k <= 'Z') || (*k >= '0' && *k <= '9') ||
				      *k == '_' || *k == '-'))
					key[0] = '\0';
			if (!*key) {
				free(key);
				key = strata_strdup("(not a name)");
			}
			strata_buf_addf(&b,
					rc == 1 ? "parameter %s is not a number of seconds"
						: "parameter %s is neither strata's (socket, ssl-mode, tls, ssl-ca, ssl-cert, "
						  "ssl-key, connect_timeout, user, password) nor a session variable's name",
					key);
			free(key);
			free(val);
			params_free(p);
			rc = bad_url(err, url, b.broken ? "bad parameter" : b.buf);
			strata_buf_release(&b);
			return rc;
		}
		free(key);
		free(val);
		s = amp ? amp + 1 : NULL;
	}
	if (p->ssl_mode) {
		static const char *const modes[] = {"DISABLED",  "PREFERRED",       "REQUIRED",
						    "VERIFY_CA", "VERIFY_IDENTITY", NULL};
		size_t i;

		for (i = 0; modes[i] && strcasecmp(modes[i], p->ssl_mode); i++)
			;
		if (!modes[i]) {
			params_free(p);
			return bad_url(err, url,
				       "ssl-mode is one of DISABLED, PREFERRED, REQUIRED, "
				       "VERIFY_CA, VERIFY_IDENTITY");
		}
	}
	return 0;
bad_enc:
	params_free(p);
	return bad_url(err, url, "a '%' that starts no %XX code (write %25)");
}

extern const struct strata_driver strata_driver_mysql;

/*
 * Any other parameter sets a session variable, as go-sql-driver (and so
 * golang-migrate) reads its DSN: ?foreign_key_checks=0&sql_mode='ANSI'.
 * Numbers and ON/OFF go as they are, other values as quoted strings. 0, or 2
 * for a name that is no variable's.
 */
static int add_var(struct my_params *p, const char *key, const char *val)
{
	struct strata_buf b;
	const char *k;
	int plain = *val != '\0';

	for (k = key; *k; k++)
		if (!((*k >= 'a' && *k <= 'z') || (*k >= 'A' && *k <= 'Z') || (*k >= '0' && *k <= '9') || *k == '_'))
			return 2;
	for (k = val; *k; k++)
		if (!((*k >= '0' && *k <= '9') || *k == '.' || (*k == '-' && k == val)))
			plain = 0;
	if (!strcasecmp(val, "ON") || !strcasecmp(val, "OFF") || !strcasecmp(val, "TRUE") || !strcasecmp(val, "FALSE") ||
	    !strcasecmp(val, "DEFAULT"))
		plain = 1;
	strata_buf_init(&b);
	if (p->vars)
		strata_buf_adds(&b, p->vars);
	strata_buf_addf(&b, ", %s = ", key);
	if (plain) {
		strata_buf_adds(&b, val);
	} else {
		size_t n = strlen(val);

		if (n >= 2 && val[0] == '\'' && val[n - 1] == '\'') { /* go-sql-driver's own quoting */
			val++;
			n -= 2;
		}
		strata_buf_addc(&b, '\'');
		for (k = val; k < val + n; k++) {
			if (*k == '\'' || *k == '\\')
				strata_buf_addc(&b, *k == '\'' ? '\'' : '\\');
			strata_buf_addc(&b, *k);
		}
		strata_buf_addc(&b, '\'');
	}
	free(p->vars);
	p->vars = strata_buf_detach(&b, NULL);
	return 0;
}

static int my_url_parse(const char *url, struct strata_target *t, struct strata_err *err)
{
	struct my_params p;
	struct strata_buf b;
	int rc = parse_url(url, &p, err);

	if (rc)
		return rc;
	params_free(&p);
	strata_buf_init(&b);
	strata_url_strip_x(url, &b, &t->table);
	t->conninfo = strata_buf_detach(&b, NULL);
	return t->conninfo ? 0 : strata_err_set(err, STRATA_ENOMEM, "out of memory");
}

static char *my_url_redact(const char *url, int *hidden)
{
	/* the generic redaction reads golang-migrate's tcp(...) host as any other: it ends at the last '@' */
	return strata_url_redact(url, hidden, 0);
}

/* ---------------------------------------------------------------- connections */

struct strata_conn {
	MYSQL *my;            /* the migration session */
	MYSQL *lockmy;        /* dedicated lock session, NULL when not locked */
	struct my_params p;   /* how to open more sessions */
	char *conninfo;       /* the URL, to scrub messages */
	char *display;        /* redacted URL for messages */
	char *db;             /* the database the URL (or the option files) named */
	char lockname[64];    /* GET_LOCK name the dedicated session holds, or "" */
	char sessionname[64]; /* ... and the migration session, or "" */
	int mariadb;          /* the server is MariaDB (max_statement_time), else MySQL */
	unsigned long id;     /* connection id of the migration session, for KILL QUERY */
	/* interrupt(): a signal handler writes to `wake`, the killer thread sends KILL QUERY */
	int wake[2];
	pthread_t killer;
	int have_killer;
};

static void scrub(struct strata_conn *c, struct strata_err *err)
{
	if (!err || !c)
		return;
	strata_err_scrub(err, c->conninfo, c->p.password);
	strata_err_scrub(err, NULL, getenv("MYSQL_PWD"));
}

/* MySQL's error classes: connection and resource trouble belong to the surroundings. */
static int errno_class(unsigned e)
{
	switch (e) {
	case 1205: /* ER_LOCK_WAIT_TIMEOUT */
		return STRATA_ERRCLASS_LOCK_TIMEOUT;
	case 1021: /* ER_DISK_FULL */
	case 1037: /* ER_OUTOFMEMORY */
	case 1040: /* ER_CON_COUNT_ERROR */
	case 1053: /* ER_SERVER_SHUTDOWN */
	case 1114: /* ER_RECORD_FILE_FULL */
	case 1203: /* ER_TOO_MANY_USER_CONNECTIONS */
		return STRATA_ERRCLASS_ENVIRONMENT;
	default:
		return e >= 2000 && e < 3000 ? STRATA_ERRCLASS_ENVIRONMENT : STRATA_ERRCLASS_NONE;
	}
}

/* Fill err from the session's last error; STRATA_ECONNECT when the connection is gone. */
static int my_error(struct strata_conn *c, MYSQL *m, struct strata_err *err)
{
	unsigned e = my.mysql_errno(m);
	int code = e == 2006 || e == 2013 || e == 2055 ? STRATA_ECONNECT : STRATA_EDB;

	strata_err_set(err, code, "%s", my.mysql_error(m));
	if (err) {
		snprintf(err->sqlstate, sizeof(err->sqlstate), "%s", my.mysql_sqlstate(m));
		err->driver_code = (int)e;
		err->err_class = errno_class(e);
		if (code == STRATA_ECONNECT)
			strata_err_hint(err, "the connection to the server was lost");
	}
	scrub(c, err);
	return code;
}

/* Run one statement, discarding any result. */
static int simple(struct strata_conn *c, MYSQL *m, const char *sql, struct strata_err *err)
{
	MYSQL_RES *res;
	int rc = 0;

	if (my.mysql_real_query(m, sql, strlen(sql)))
		return my_error(c, m, err);
	do {
		res = my.mysql_store_result(m);
		if (res)
			my.mysql_free_result(res);
		else if (my.mysql_field_count(m))
			return my_error(c, m, err);
	} while ((rc = my.mysql_next_result(m)) == 0);
	return rc > 0 ? my_error(c, m, err) : 0;
}

/* Open a session with c->p, the environment and the option files. */
static MYSQL *open_session(struct strata_conn *c, struct strata_err *err)
{
	const struct my_params *p = &c->p;
	const char *host = p->host, *pw = p->password, *sock = p->socket;
	unsigned port = p->port;
	unsigned timeout = p->connect_timeout ? p->connect_timeout : 10;
	MYSQL *m = my.mysql_init(NULL);

	if (!m) {
		strata_err_set(err, STRATA_ENOMEM, "out of memory");
		return NULL;
	}
	if (!host)
		host = getenv("MYSQL_HOST");
	if (!pw)
		pw = getenv("MYSQL_PWD");
	if (!sock)
		sock = getenv("MYSQL_UNIX_PORT");
	if (!port && getenv("MYSQL_TCP_PORT"))
		port = (unsigned)atoi(getenv("MYSQL_TCP_PORT"));
	if (host && !*host)
		host = NULL;
	if (sock && !*sock)
		sock = NULL;
	my.mysql_options(m, MYSQL_READ_DEFAULT_GROUP, "client");
	my.mysql_options(m, MYSQL_SET_CHARSET_NAME, "utf8mb4");
	my.mysql_options(m, MYSQL_OPT_CONNECT_TIMEOUT, &timeout);
	if (p->ssl_mode && strcasecmp(p->ssl_mode, "DISABLED") != 0) {
		my_bool on = 1, verify = strncasecmp(p->ssl_mode, "VERIFY", 6) == 0;

		my.mysql_options(m, MYSQL_OPT_SSL_ENFORCE, &on);
		my.mysql_options(m, MYSQL_OPT_SSL_VERIFY_SERVER_CERT, &verify);
		if (strcasecmp(p->ssl_mode, "PREFERRED") == 0) {
			on = 0;
			my.mysql_options(m, MYSQL_OPT_SSL_ENFORCE, &on);
		}
		if (p->ssl_ca)
			my.mysql_options(m, MYSQL_OPT_SSL_CA, p->ssl_ca);
		if (p->ssl_cert)
			my.mysql_options(m, MYSQL_OPT_SSL_CERT, p->ssl_cert);
		if (p->ssl_key)
			my.mysql_options(m, MYSQL_OPT_SSL_KEY, p->ssl_key);
	}
	if (!my.mysql_real_connect(m, host, p->user, pw, p->db, port, sock,
				   CLIENT_MULTI_STATEMENTS | CLIENT_MULTI_RESULTS)) {
		strata_err_set(err, STRATA_ECONNECT, "cannot connect to %s: %s", c->display, my.mysql_error(m));
		if (err) {
			err->driver_code = (int)my.mysql_errno(m);
			err->err_class = STRATA_ERRCLASS_ENVIRONMENT;
		}
		scrub(c, err);
		my.mysql_close(m);
		return NULL;
	}
	/* strata's timestamps are UTC, the log's defaults too; then the URL's session variables */
	{
		struct strata_buf b;
		int rc;

		strata_buf_init(&b);
		strata_buf_addf(&b, "SET SESSION time_zone = '+00:00'%s", p->vars ? p->vars : "");
		rc = b.broken ? strata_err_set(err, STRATA_ENOMEM, "out of memory") : simple(c, m, b.buf, err);
		strata_buf_release(&b);
		if (rc) {
			strata_err_prefix(err, "cannot set the session variables of %s: ", c->display);
			my.mysql_close(m);
			return NULL;
		}
	}
	return m;
}

static void *killer_main(void *arg)
{
	struct strata_conn *c = arg;
	char ch;

	my.mysql_thread_init();
	while (read(c->wake[0], &ch, 1) == 1 && ch == 'k') {
		struct strata_err ignored = {0};
		MYSQL *m = open_session(c, &ignored);
		char sql[64];

		strata_err_release(&ignored);
		if (!m)
			continue;
		snprintf(sql, sizeof(sql), "KILL QUERY %lu", c->id);
		simple(c, m, sql, &ignored);
		strata_err_release(&ignored);
		my.mysql_close(m);
	}
	my.mysql_thread_end();
	return NULL;
}

static void my_close(struct strata_conn *c)
{
	if (!c)
		return;
	if (c->have_killer) {
		char q = 'q';

		if (write(c->wake[1], &q, 1) != 1)
			close(c->wake[1]);
		pthread_join(c->killer, NULL);
	}
	if (c->wake[0] >= 0)
		close(c->wake[0]);
	if (c->wake[1] >= 0)
		close(c->wake[1]);
	if (c->lockmy)
		my.mysql_close(c->lockmy);
	if (c->my)
		my.mysql_close(c->my);
	params_free(&c->p);
	free(c->conninfo);
	free(c->display);
	free(c->db);
	free(c);
}

/* The session's current database, malloc'ed, or NULL. */
static char *current_db(struct strata_conn *c, MYSQL *m)
{
	MYSQL_RES *res;
	MYSQL_ROW row;
	char *db = NULL;

	if (my.mysql_real_query(m, "SELECT DATABASE()", 17))
		return NULL;
	res = my.mysql_store_result(m);
	if (!res)
		return NULL;
	row = my.mysql_fetch_row(res);
	if (row && row[0])
		db = strata_strdup(row[0]);
	my.mysql_free_result(res);
	(void)c;
	return db;
}

static int my_set_schema(struct strata_conn *c, const char *schema, struct strata_err *err)
{
	const char *db = schema ? schema : c->db;

	if (!db)
		return 0;
	if (my.mysql_select_db(c->my, db)) {
		int rc = my_error(c, c->my, err);

		strata_err_prefix(err, "cannot use database %s: ", db);
		return rc;
	}
	return 0;
}

static int my_connect(const struct strata_target *t, const struct strata_opts *o, struct strata_conn **out,
		      struct strata_err *err)
{
	struct strata_conn *c;
	int rc;

	*out = NULL;
	if (my_load(err))
		return err ? err->code : STRATA_EUSAGE;
	c = calloc(1, sizeof(*c));
	if (!c)
		return strata_err_set(err, STRATA_ENOMEM, "out of memory");
	c->wake[0] = c->wake[1] = -1;
	c->conninfo = strata_strdup(t->conninfo);
	c->display = strata_strdup(t->display);
	if (!c->conninfo || !c->display) {
		my_close(c);
		return strata_err_set(err, STRATA_ENOMEM, "out of memory");
	}
	rc = parse_url(t->conninfo, &c->p, err);
	if (rc) {
		my_close(c);
		return rc;
	}
	c->my = open_session(c, err);
	if (!c->my) {
		rc = err ? err->code : STRATA_ECONNECT;
		my_close(c);
		return rc;
	}
	c->db = current_db(c, c->my);
	if (!c->db) {
		my_close(c);
		strata_err_set(err, STRATA_ECONNECT, "%s names no database", t->display);
		strata_err_hint(err, "name it in the URL: mysql://user@host:port/DATABASE");
		return STRATA_ECONNECT;
	}
	c->mariadb = strstr(my.mysql_get_server_info(c->my), "MariaDB") != NULL;
	c->id = my.mysql_thread_id(c->my);
	if (o && (o->lock_timeout > 0 || o->statement_timeout > 0)) {
		struct strata_buf b;

		strata_buf_init(&b);
		strata_buf_adds(&b, "SET @strata_session = 1");
		if (o->lock_timeout > 0) {
			long s = (long)(o->lock_timeout + 0.999);

			strata_buf_addf(&b, ", lock_wait_timeout = %ld, innodb_lock_wait_timeout = %ld", s, s);
		}
		if (o->statement_timeout > 0) {
			if (c->mariadb)
				strata_buf_addf(&b, ", max_statement_time = %.3f", o->statement_timeout);
			else
				strata_buf_addf(&b, ", max_execution_time = %.0f", o->statement_timeout * 1000.0);
		}
		rc = b.broken ? strata_err_set(err, STRATA_ENOMEM, "out of memory") : simple(c, c->my, b.buf, err);
		strata_buf_release(&b);
		if (rc) {
			strata_err_prefix(err, "cannot set timeouts: ");
			my_close(c);
			return rc;
		}
	}
	if (t->schema && my_set_schema(c, t->schema, err)) {
		rc = err ? err->code : STRATA_EDB;
		my_close(c);
		return rc;
	}
	if (pipe(c->wake) == 0) {
		fcntl(c->wake[0], F_SETFD, FD_CLOEXEC);
		fcntl(c->wake[1], F_SETFD, FD_CLOEXEC);
		fcntl(c->wake[1], F_SETFL, O_NONBLOCK);
		c->have_killer = pthread_create(&c->killer, NULL, killer_main, c) == 0;
	} else {
		c->wake[0] = c->wake[1] = -1;
	}
	*out = c;
	return 0;
}

/* ---------------------------------------------------------------- statements */

/* 1-based line N of the statement [sql, sql+len) as an offset, -1 when it has fewer lines. */
static long line_offset(const char *sql, size_t len, long line)
{
	size_t i;
	long l = 1;

	if (line <= 1)
		return 0;
	for (i = 0; i < len; i++)
		if (sql[i] == '\n' && ++l == line)
			return (long)i + 1;
	return -1;
}

/*
 * Where in the statement the server's "... near 'TEXT' at line N" points:
 * TEXT found on or after line N, else line N's start, else -1.
 */
static long error_offset(const char *sql, size_t len, const char *msg)
{
	const char *near = strstr(msg, "near '"), *atl = strstr(msg, "' at line ");
	long line, from;
	size_t n;
	const char *hit;

	if (!near || !atl || atl < near)
		return -1;
	line = atol(atl + 10);
	from = line_offset(sql, len, line);
	if (from < 0)
		return -1;
	near += 6;
	n = (size_t)(atl - near);
	if (n > 16)
		n = 16;
	if (n == 0)
		return from;
	hit = memmem(sql + from, len - (size_t)from, near, n);
	return hit ? (long)(hit - sql) : from;
}

/* Send one statement [sql, sql+len) and read all its results; *value: first cell of the last row set. */
static int send_one(struct strata_conn *c, const char *sql, size_t len, long *errpos, char **value,
		    struct strata_err *err)
{
	MYSQL_RES *res;
	int st;

	if (my.mysql_real_query(c->my, sql, len)) {
		int rc = my_error(c, c->my, err);

		if (errpos && err)
			*errpos = error_offset(sql, len, err->message);
		return rc;
	}
	do {
		res = my.mysql_store_result(c->my);
		if (res) {
			MYSQL_ROW row = my.mysql_fetch_row(res);

			if (value && row && my.mysql_num_fields(res) > 0) {
				free(*value);
				*value = row[0] ? strata_strdup(row[0]) : NULL;
			}
			my.mysql_free_result(res);
		} else if (my.mysql_field_count(c->my)) {
			return my_error(c, c->my, err);
		}
	} while ((st = my.mysql_next_result(c->my)) == 0);
	return st > 0 ? my_error(c, c->my, err) : 0;
}

/* [body, end) of a piece without its terminator (';', or DELIMITER's). */
static size_t stmt_text_end(const char *sql, const struct strata_stmt *st)
{
	size_t e = st->end;

	while (e > st->body && (sql[e - 1] == ';' || sql[e - 1] == ' ' || sql[e - 1] == '\t' || sql[e - 1] == '\n' ||
				sql[e - 1] == '\r'))
		e--;
	return e;
}

/*
 * Is this text one statement that a DELIMITER cut, sent alone (the journal
 * runs a script statement by statement): CREATE PROCEDURE ... BEGIN ...;
 * ... END, which, without the DELIMITER line before it, the lexer would cut
 * at each ';'? It then has no DELIMITER of its own, several pieces, and no
 * ';' at its end (a custom delimiter is not part of the statement); the
 * server parses the compound statement whole.
 */
static int one_statement(const char *sql, size_t len, const struct strata_split *sp)
{
	size_t i, e = len, n = 0;

	while (e > 0 && (sql[e - 1] == ' ' || sql[e - 1] == '\t' || sql[e - 1] == '\n' || sql[e - 1] == '\r'))
		e--;
	if (e == 0 || sql[e - 1] == ';')
		return 0;
	for (i = 0; i < sp->n; i++) {
		const struct strata_stmt *st = &sp->s[i];
		size_t p;

		if (!(st->flags & STRATA_STMT_EMPTY))
			n++;
		/* a DELIMITER line leads the piece after it */
		for (p = st->start; p + 9 < st->body + 1 && p + 9 <= len; p++)
			if ((p == 0 || sql[p - 1] == '\n') && strncasecmp(sql + p, "delimiter", 9) == 0)
				return 0;
	}
	return n > 1;
}

/*
 * A script as the mysql client runs a file: cut by the lexer (DELIMITER
 * included: it is the client's, never sent), then sent statement by
 * statement, stopping at the first error, whose statement (1-based) and
 * offset in `sql` are reported.
 */
static int my_exec_value(struct strata_conn *c, const char *sql, size_t len, long *errpos, char **value,
			 struct strata_err *err)
{
	struct strata_split sp = {0};
	size_t i;
	int rc, k = 0;

	if (errpos)
		*errpos = -1;
	if (value)
		*value = NULL;
	rc = strata_sql_split(sql, len, MY_DIALECT, &sp, err);
	if (rc) {
		strata_split_release(&sp);
		return rc;
	}
	if (one_statement(sql, len, &sp)) {
		long pos = -1;
		size_t e = len;

		while (e > 0 && (sql[e - 1] == ' ' || sql[e - 1] == '\t' || sql[e - 1] == '\n' || sql[e - 1] == '\r'))
			e--;
		rc = send_one(c, sql, e, &pos, value, err);
		if (rc && err)
			err->statement = 1;
		if (rc && errpos)
			*errpos = pos;
		sp.n = 0;
	}
	for (i = 0; i < sp.n; i++) {
		const struct strata_stmt *st = &sp.s[i];
		size_t e;
		long pos = -1;

		if (st->flags & STRATA_STMT_EMPTY)
			continue;
		k++;
		e = stmt_text_end(sql, st);
		rc = send_one(c, sql + st->body, e - st->body, &pos, value, err);
		if (rc) {
			if (err)
				err->statement = k;
			if (errpos)
				*errpos = pos >= 0 ? (long)st->body + pos : (long)st->body;
			break;
		}
	}
	strata_split_release(&sp);
	if (rc && value) {
		free(*value);
		*value = NULL;
	}
	return rc;
}

static int my_exec(struct strata_conn *c, const char *sql, size_t len, long *errpos, struct strata_err *err)
{
	return my_exec_value(c, sql, len, errpos, NULL, err);
}

/*
 * `sql` with each $n (outside quotes) replaced by params[n-1] as a quoted,
 * escaped literal (NULL as NULL) into b.
 */
static void bind_text(struct strata_conn *c, struct strata_buf *b, const char *sql, int nparams,
		      const char *const *params)
{
	const char *p = sql;
	char quote = 0;

	while (*p) {
		if (quote) {
			if (*p == '\\' && quote != '`' && p[1]) {
				strata_buf_add(b, p, 2);
				p += 2;
				continue;
			}
			if (*p == quote)
				quote = 0;
			strata_buf_addc(b, *p++);
			continue;
		}
		if (*p == '\'' || *p == '"' || *p == '`') {
			quote = *p;
			strata_buf_addc(b, *p++);
			continue;
		}
		if (*p == '$' && p[1] >= '1' && p[1] <= '9' &&
		    (p == sql || !(p[-1] == '_' || (p[-1] >= 'a' && p[-1] <= 'z') || (p[-1] >= 'A' && p[-1] <= 'Z') ||
				   (p[-1] >= '0' && p[-1] <= '9')))) {
			int n = 0;
			const char *q = p + 1;

			while (*q >= '0' && *q <= '9')
				n = n * 10 + (*q++ - '0');
			if (n <= nparams) {
				const char *v = params[n - 1];

				if (!v) {
					strata_buf_adds(b, "NULL");
				} else {
					size_t vl = strlen(v);

					if (strata_buf_grow(b, vl * 2 + 3) == 0) {
						b->buf[b->len++] = '\'';
						b->len += my.mysql_real_escape_string(c->my, b->buf + b->len, v, vl);
						b->buf[b->len++] = '\'';
						b->buf[b->len] = '\0';
					}
				}
				p = q;
				continue;
			}
		}
		strata_buf_addc(b, *p++);
	}
}

static int my_query(struct strata_conn *c, const char *sql, int nparams, const char *const *params,
		    struct strata_rows **rows, struct strata_err *err)
{
	struct strata_buf b;
	struct strata_rows *out;
	MYSQL_RES *res;
	MYSQL_ROW row;
	size_t j, cap = 0;
	int rc = 0, st;

	if (rows)
		*rows = NULL;
	strata_buf_init(&b);
	if (nparams > 0)
		bind_text(c, &b, sql, nparams, params);
	else
		strata_buf_adds(&b, sql);
	if (b.broken) {
		strata_buf_release(&b);
		return strata_err_set(err, STRATA_ENOMEM, "out of memory");
	}
	if (my.mysql_real_query(c->my, b.buf, b.len)) {
		strata_buf_release(&b);
		return my_error(c, c->my, err);
	}
	strata_buf_release(&b);
	out = calloc(1, sizeof(*out));
	if (!out)
		rc = strata_err_set(err, STRATA_ENOMEM, "out of memory");
	do {
		res = my.mysql_store_result(c->my);
		if (!res) {
			if (my.mysql_field_count(c->my) && !rc)
				rc = my_error(c, c->my, err);
			continue;
		}
		if (!rc && out && !out->nrows && !out->ncols) {
			out->ncols = my.mysql_num_fields(res);
			while ((row = my.mysql_fetch_row(res)) != NULL) {
				unsigned long *lens = my.mysql_fetch_lengths(res);

				if ((out->nrows + 1) * out->ncols > cap) {
					size_t ncap = cap ? cap * 2 : 64 * (out->ncols ? out->ncols : 1);
					char **nc = realloc(out->cells, ncap * sizeof(*nc));

					if (!nc) {
						rc = strata_err_set(err, STRATA_ENOMEM, "out of memory");
						break;
					}
					out->cells = nc;
					cap = ncap;
				}
				for (j = 0; j < out->ncols; j++)
					out->cells[out->nrows * out->ncols + j] =
						row[j] ? strata_strndup(row[j], lens[j]) : NULL;
				out->nrows++;
			}
		}
		my.mysql_free_result(res);
	} while ((st = my.mysql_next_result(c->my)) == 0);
	if (st > 0 && !rc)
		rc = my_error(c, c->my, err);
	if (rc || !rows) {
		strata_rows_free(out);
		return rc;
	}
	*rows = out;
	return 0;
}

static int my_begin(struct strata_conn *c, struct strata_err *err)
{
	return simple(c, c->my, "START TRANSACTION", err);
}

static int my_commit(struct strata_conn *c, struct strata_err *err)
{
	return simple(c, c->my, "COMMIT", err);
}

static int my_rollback(struct strata_conn *c, struct strata_err *err)
{
	return simple(c, c->my, "ROLLBACK", err);
}

/* Ask one cell of a query with no parameters: 0 with *out (malloc'ed, NULL for none), or the error. */
static int cell(struct strata_conn *c, MYSQL *m, const char *sql, char **out, struct strata_err *err)
{
	MYSQL_RES *res;
	MYSQL_ROW row;

	*out = NULL;
	if (my.mysql_real_query(m, sql, strlen(sql)))
		return my_error(c, m, err);
	res = my.mysql_store_result(m);
	if (!res)
		return my_error(c, m, err);
	row = my.mysql_fetch_row(res);
	if (row && row[0])
		*out = strata_strdup(row[0]);
	my.mysql_free_result(res);
	return 0;
}

/* ---------------------------------------------------------------- locks */

/* FNV-1a of the database and the tracking table: GET_LOCK names are the server's, not a database's. */
static void lock_name(struct strata_conn *c, const char *key, int which, char out[64])
{
	uint64_t h = 14695981039346656037ULL;
	const char *s;

	for (s = c->db; s && *s; s++) {
		h ^= (unsigned char)*s;
		h *= 1099511628211ULL;
	}
	h ^= 0;
	h *= 1099511628211ULL;
	for (s = key; *s; s++) {
		h ^= (unsigned char)*s;
		h *= 1099511628211ULL;
	}
	snprintf(out, 64, "strata.%016llx.%d", (unsigned long long)h, which);
}

/* One sentence naming who holds the lock, or NULL. */
static char *lock_holder(struct strata_conn *c, MYSQL *m, const char *name)
{
	char sql[512], *id = NULL;
	struct strata_buf b;
	MYSQL_RES *res;
	MYSQL_ROW row;

	snprintf(sql, sizeof(sql), "SELECT IS_USED_LOCK('%s')", name);
	if (cell(c, m, sql, &id, NULL) || !id)
		return NULL;
	strata_buf_init(&b);
	snprintf(sql, sizeof(sql),
		 "SELECT USER, HOST, TIME, COALESCE(COMMAND, '?'), "
		 "DATE_FORMAT(UTC_TIMESTAMP() - INTERVAL TIME SECOND, '%%Y-%%m-%%d "
		 "%%H:%%i:%%s') "
		 "FROM information_schema.PROCESSLIST WHERE ID = %lu",
		 strtoul(id, NULL, 10));
	if (my.mysql_real_query(m, sql, strlen(sql)) == 0 && (res = my.mysql_store_result(m)) != NULL) {
		row = my.mysql_fetch_row(res);
		if (row)
			strata_buf_addf(&b, "held by connection %s (user %s from %s, %s since %s UTC)", id,
					row[0] ? row[0] : "?", row[1] ? row[1] : "?", row[3] ? row[3] : "?",
					row[4] ? row[4] : "?");
		my.mysql_free_result(res);
	}
	if (!b.len)
		strata_buf_addf(&b, "held by connection %s", id);
	free(id);
	return strata_buf_detach(&b, NULL);
}

/* Poll GET_LOCK(name, 0) on m until it is ours, or `wait` seconds from `start` ran out. */
static int poll_lock(struct strata_conn *c, MYSQL *m, const char *name, double start, double wait,
		     strata_lock_wait_fn fn, void *ud, struct strata_err *err)
{
	char sql[128];
	double last = 0;
	long sleep_ms = 25;

	snprintf(sql, sizeof(sql), "SELECT GET_LOCK('%s', 0)", name);
	for (;;) {
		char *got = NULL;
		double now;
		int rc = cell(c, m, sql, &got, err);

		if (rc) {
			strata_err_prefix(err, "cannot take the migration lock: ");
			return rc;
		}
		rc = got && strcmp(got, "1") == 0;
		free(got);
		if (rc)
			return 0;
		now = strata_now_ms();
		if (fn && (last == 0 || now - last >= 10000.0)) {
			char *who = lock_holder(c, m, name);

			fn(ud, who ? who : "held by another session", now - start);
			free(who);
			last = now;
		}
		if (wait >= 0 && now - start >= wait * 1000.0) {
			char *who = lock_holder(c, m, name);

			strata_err_set(err, STRATA_ELOCK,
				       "another runner holds the migration lock on %s (%s); gave "
				       "up after %.0f s",
				       c->display, who ? who : "holder unknown", wait);
			if (err) {
				err->reason = STRATA_R_LOCK_TIMEOUT;
				strata_err_hint(err, "wait longer for the lock, or stop the other runner");
			}
			free(who);
			return STRATA_ELOCK;
		}
		{
			struct timespec ts;
			long ms = sleep_ms;

			if (wait >= 0 && ms > wait * 1000.0 - (now - start))
				ms = (long)(wait * 1000.0 - (now - start)) + 1;
			ts.tv_sec = ms / 1000;
			ts.tv_nsec = (ms % 1000) * 1000000L;
			nanosleep(&ts, NULL);
		}
		if (sleep_ms < 500)
			sleep_ms *= 2;
	}
}

static int my_lock(struct strata_conn *c, const char *key, double wait, strata_lock_wait_fn fn, void *ud,
		   struct strata_err *err)
{
	char name[64], sname[64];
	double start = strata_now_ms();
	int rc;

	lock_name(c, key, 0, name);
	lock_name(c, key, 1, sname);
	if (!c->lockmy) {
		c->lockmy = open_session(c, err);
		if (!c->lockmy)
			return err ? err->code : STRATA_ECONNECT;
	}
	rc = poll_lock(c, c->lockmy, name, start, wait, fn, ud, err);
	if (rc)
		return rc;
	snprintf(c->lockname, sizeof(c->lockname), "%s", name);
	rc = poll_lock(c, c->my, sname, start, wait, fn, ud, err);
	if (rc) {
		c->lockname[0] = '\0';
		my.mysql_close(c->lockmy);
		c->lockmy = NULL;
		return rc;
	}
	snprintf(c->sessionname, sizeof(c->sessionname), "%s", sname);
	return 0;
}

static int my_unlock(struct strata_conn *c, const char *key, struct strata_err *err)
{
	char sql[128];

	(void)key;
	(void)err;
	if (c->sessionname[0]) {
		snprintf(sql, sizeof(sql), "SELECT RELEASE_LOCK('%s')", c->sessionname);
		simple(c, c->my, sql, NULL);
	}
	c->sessionname[0] = '\0';
	/* the dedicated session stays open for the next target of a fleet; closing it releases all the same */
	if (c->lockname[0] && c->lockmy) {
		snprintf(sql, sizeof(sql), "SELECT RELEASE_LOCK('%s')", c->lockname);
		if (simple(c, c->lockmy, sql, NULL) == 0) {
			c->lockname[0] = '\0';
			return 0;
		}
	}
	c->lockname[0] = '\0';
	if (c->lockmy)
		my.mysql_close(c->lockmy);
	c->lockmy = NULL;
	return 0;
}

/* ---------------------------------------------------------------- catalog */

/* Is there a row for `sql` with params? 1, 0 or the error. */
static int exists(struct strata_conn *c, const char *sql, int n, const char *const *params, struct strata_err *err)
{
	struct strata_rows *r;
	int rc = my_query(c, sql, n, params, &r, err);

	if (rc)
		return rc;
	rc = r->nrows > 0;
	strata_rows_free(r);
	return rc;
}

static int my_table_exists(struct strata_conn *c, const char *schema, const char *table, struct strata_err *err)
{
	const char *params[2] = {schema, table};

	return exists(c,
		      "SELECT 1 FROM information_schema.TABLES WHERE TABLE_SCHEMA = "
		      "COALESCE($1, DATABASE()) "
		      "AND TABLE_NAME = $2",
		      2, params, err);
}

static char *my_dbname(struct strata_conn *c)
{
	char *db = current_db(c, c->my);

	return db ? db : strata_strdup(c->db);
}

/*
 * Every table, view, routine, event and sequence of the current database,
 * foreign keys off for the session meanwhile (tables go in any order).
 */
static int my_drop(struct strata_conn *c, int preview, char **what, struct strata_err *err)
{
	struct strata_rows *r = NULL;
	struct strata_buf b;
	char *db;
	size_t i, ntab = 0, nother = 0;
	int rc;

	if (what)
		*what = NULL;
	db = current_db(c, c->my);
	if (!db)
		return strata_err_set(err, STRATA_EDB, "no database selected to drop");
	rc = my_query(c,
		      "SELECT CASE TABLE_TYPE WHEN 'VIEW' THEN 'VIEW' WHEN "
		      "'SEQUENCE' THEN 'SEQUENCE' ELSE 'TABLE' END, "
		      "TABLE_NAME FROM information_schema.TABLES WHERE TABLE_SCHEMA "
		      "= DATABASE() "
		      "UNION ALL SELECT ROUTINE_TYPE, ROUTINE_NAME FROM "
		      "information_schema.ROUTINES "
		      "WHERE ROUTINE_SCHEMA = DATABASE() "
		      "UNION ALL SELECT 'EVENT', EVENT_NAME FROM "
		      "information_schema.EVENTS WHERE EVENT_SCHEMA = DATABASE()",
		      0, NULL, &r, err);
	if (rc) {
		free(db);
		return rc;
	}
	strata_buf_init(&b);
	for (i = 0; i < r->nrows; i++) {
		const char *kind = strata_rows_get(r, i, 0), *name = strata_rows_get(r, i, 1);

		if (!kind || !name)
			continue;
		if (!strcmp(kind, "TABLE"))
			ntab++;
		else
			nother++;
	}
	if (!preview) {
		rc = simple(c, c->my, "SET FOREIGN_KEY_CHECKS = 0", err);
		for (i = 0; !rc && i < r->nrows; i++) {
			const char *kind = strata_rows_get(r, i, 0), *name = strata_rows_get(r, i, 1);

			if (!kind || !name)
				continue;
			strata_buf_reset(&b);
			strata_buf_addf(&b, "DROP %s IF EXISTS ", kind);
			strata_buf_addc(&b, '`');
			for (const char *p = name; *p; p++) {
				if (*p == '`')
					strata_buf_addc(&b, '`');
				strata_buf_addc(&b, *p);
			}
			strata_buf_addc(&b, '`');
			rc = b.broken ? strata_err_set(err, STRATA_ENOMEM, "out of memory")
				      : simple(c, c->my, b.buf, err);
		}
		simple(c, c->my, "SET FOREIGN_KEY_CHECKS = 1", NULL);
	}
	if (!rc && what) {
		strata_buf_reset(&b);
		strata_buf_addf(&b, "database %s (%zu tables and %zu other objects)", db, ntab, nother);
		*what = strata_buf_detach(&b, NULL);
	}
	strata_buf_release(&b);
	strata_rows_free(r);
	free(db);
	return rc;
}

/*
 * mariadb-dump (or mysqldump) into `path`, started with execvp (no shell):
 * the session's host, port, socket and user on the command line, the
 * password in MYSQL_PWD, never in argv where ps would show it.
 */
static int my_backup(struct strata_conn *c, const char *path, const char *schema, struct strata_err *err)
{
	const struct my_params *p = &c->p;
	const char *pw = p->password ? p->password : getenv("MYSQL_PWD");
	const char *host = p->host ? p->host : getenv("MYSQL_HOST");
	char *db = schema ? strata_strdup(schema) : current_db(c, c->my);
	char hostarg[600], portarg[32], sockarg[600], userarg[400], fileopt[4200];
	struct strata_buf out;
	int pipefd[2], status, fd;
	pid_t pid;
	ssize_t n;
	char buf[512];

	if (!db)
		return strata_err_set(err, STRATA_EDB, "no database selected to back up");
	strata_buf_init(&out);
	fd = open(path, O_WRONLY | O_CREAT | O_EXCL, 0600);
	if (fd < 0) {
		strata_err_set(err, STRATA_EIO, "cannot create backup %s: %s", path, strerror(errno));
		goto fail;
	}
	close(fd);
	snprintf(fileopt, sizeof(fileopt), "--result-file=%s", path);
	hostarg[0] = portarg[0] = sockarg[0] = userarg[0] = '\0';
	if (host)
		snprintf(hostarg, sizeof(hostarg), "--host=%s", host);
	if (p->port)
		snprintf(portarg, sizeof(portarg), "--port=%u", p->port);
	if (p->socket)
		snprintf(sockarg, sizeof(sockarg), "--socket=%s", p->socket);
	if (p->user)
		snprintf(userarg, sizeof(userarg), "--user=%s", p->user);
	if (pipe(pipefd) != 0) {
		strata_err_set(err, STRATA_EIO, "cannot start mariadb-dump: %s", strerror(errno));
		goto fail;
	}
	pid = fork();
	if (pid < 0) {
		strata_err_set(err, STRATA_EIO, "cannot start mariadb-dump: %s", strerror(errno));
		close(pipefd[0]);
		close(pipefd[1]);
		goto fail;
	}
	if (pid == 0) {
		char *argv[16];
		int k = 1;

		if (hostarg[0])
			argv[k++] = hostarg;
		if (portarg[0])
			argv[k++] = portarg;
		if (sockarg[0])
			argv[k++] = sockarg;
		if (userarg[0])
			argv[k++] = userarg;
		argv[k++] = "--single-transaction";
		argv[k++] = "--routines";
		argv[k++] = "--events";
		argv[k++] = "--triggers";
		argv[k++] = fileopt;
		argv[k++] = "--databases";
		argv[k++] = db;
		argv[k] = NULL;
		umask(077);
		dup2(pipefd[1], 2);
		dup2(pipefd[1], 1);
		close(pipefd[0]);
		close(pipefd[1]);
		if (pw)
			setenv("MYSQL_PWD", pw, 1);
		argv[0] = "mariadb-dump";
		execvp("mariadb-dump", argv);
		argv[0] = "mysqldump";
		execvp("mysqldump", argv);
		fprintf(stderr,
			"cannot run mariadb-dump or mysqldump: %s (install the MariaDB "
			"client, e.g. "
			"mariadb-client)",
			strerror(errno));
		_exit(127);
	}
	close(pipefd[1]);
	while ((n = read(pipefd[0], buf, sizeof(buf))) > 0)
		strata_buf_add(&out, buf, (size_t)n);
	close(pipefd[0]);
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
		while (out.len && (out.buf[out.len - 1] == '\n' || out.buf[out.len - 1] == ' '))
			out.buf[--out.len] = '\0';
		strata_err_set(err, STRATA_EIO, "backup with mariadb-dump failed (%s %d)%s%s",
			       WIFEXITED(status) ? "exit" : "signal",
			       WIFEXITED(status) ? WEXITSTATUS(status) : WTERMSIG(status), out.len ? ": " : "",
			       out.len ? out.buf : "");
		scrub(c, err);
		unlink(path);
		goto fail;
	}
	strata_buf_release(&out);
	free(db);
	return 0;
fail:
	strata_buf_release(&out);
	free(db);
	return err ? err->code : STRATA_EIO;
}

/* From a signal handler: one byte down the pipe, the killer thread sends KILL QUERY. */
static void my_interrupt(struct strata_conn *c)
{
	char k = 'k';
	int saved = errno;

	if (c->have_killer && write(c->wake[1], &k, 1) < 0) {
		/* nothing to do: the pipe is full, a kill is on its way */
	}
	errno = saved;
}

/* ---------------------------------------------------------------- did it land? */

/* Tokens of one statement, without space and comments. */
struct words {
	struct strata_token t[24];
	size_t n;
	const char *s;
};

static void read_words(struct words *w, const char *sql, size_t len)
{
	struct strata_lexer lx;
	struct strata_token t;

	w->n = 0;
	w->s = sql;
	strata_lexer_init(&lx, sql, len, MY_DIALECT);
	lx.skip_trivia = 1;
	while (w->n < sizeof(w->t) / sizeof(w->t[0]) && strata_lexer_next(&lx, &t) == 1)
		if (t.kind != STRATA_TOK_SPACE && t.kind != STRATA_TOK_COMMENT)
			w->t[w->n++] = t;
}

static int is(const struct words *w, size_t i, const char *kw)
{
	return i < w->n && w->t[i].kind == STRATA_TOK_WORD && w->t[i].len == strlen(kw) &&
	       strncasecmp(w->s + w->t[i].off, kw, w->t[i].len) == 0;
}

/* Token i as a name (backticks removed, `` undoubled) into out; 0 when it is not one. */
static int name_at(const struct words *w, size_t i, char *out, size_t n)
{
	const char *p;
	size_t k = 0, l;

	if (i >= w->n || n == 0)
		return 0;
	p = w->s + w->t[i].off;
	l = w->t[i].len;
	if (w->t[i].kind == STRATA_TOK_QIDENT && l >= 2 && p[0] == '`') {
		size_t j;

		for (j = 1; j + 1 < l && k + 1 < n; j++) {
			out[k++] = p[j];
			if (p[j] == '`' && p[j + 1] == '`')
				j++;
		}
	} else if (w->t[i].kind == STRATA_TOK_WORD) {
		for (; k < l && k + 1 < n; k++)
			out[k] = p[k];
	} else {
		return 0;
	}
	out[k] = '\0';
	return 1;
}

/* A possibly qualified name at *i ([db.]name): fills schema ("" when none) and name; *i moves past it. */
static int qname_at(const struct words *w, size_t *i, char *schema, char *name, size_t n)
{
	schema[0] = '\0';
	if (!name_at(w, *i, name, n))
		return 0;
	if (*i + 2 < w->n && w->t[*i + 1].kind == STRATA_TOK_OP && w->s[w->t[*i + 1].off] == '.') {
		memcpy(schema, name, n);
		if (!name_at(w, *i + 2, name, n))
			return 0;
		*i += 3;
		return 1;
	}
	*i += 1;
	return 1;
}

static int cat_query(struct strata_conn *c, const char *sql, const char *schema, const char *a, const char *b,
		     struct strata_err *err)
{
	const char *params[3] = {schema && *schema ? schema : NULL, a, b};

	return exists(c, sql, b ? 3 : 2, params, err);
}

#define Q_TABLE                                                                                                        \
	"SELECT 1 FROM information_schema.TABLES WHERE TABLE_SCHEMA = COALESCE($1, "                                   \
	"DATABASE()) AND TABLE_NAME = $2"
#define Q_COLUMN                                                                                                       \
	"SELECT 1 FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = "                                               \
	"COALESCE($1, DATABASE()) AND TABLE_NAME = $2 "                                                                \
	"AND COLUMN_NAME = $3"
#define Q_INDEX                                                                                                        \
	"SELECT 1 FROM information_schema.STATISTICS WHERE TABLE_SCHEMA = "                                            \
	"COALESCE($1, DATABASE()) "                                                                                    \
	"AND TABLE_NAME = $2 AND INDEX_NAME = $3"
#define Q_CONSTRAINT                                                                                                   \
	"SELECT 1 FROM information_schema.TABLE_CONSTRAINTS WHERE "                                                    \
	"CONSTRAINT_SCHEMA = COALESCE($1, DATABASE()) "                                                                \
	"AND TABLE_NAME = $2 AND CONSTRAINT_NAME = $3"
#define Q_ROUTINE                                                                                                      \
	"SELECT 1 FROM information_schema.ROUTINES WHERE ROUTINE_SCHEMA = "                                            \
	"COALESCE($1, DATABASE()) "                                                                                    \
	"AND ROUTINE_NAME = $2"
#define Q_TRIGGER                                                                                                      \
	"SELECT 1 FROM information_schema.TRIGGERS WHERE TRIGGER_SCHEMA = "                                            \
	"COALESCE($1, DATABASE()) "                                                                                    \
	"AND TRIGGER_NAME = $2"

/* 1, 0 from a presence test: `want` present means landed; <0 passes through. */
static int landed_if(int present, int want)
{
	if (present < 0)
		return present;
	return present == want;
}

/*
 * Did this statement run? Read from the catalog for the statements whose
 * effect is an object's presence or absence: CREATE/DROP TABLE, VIEW, INDEX,
 * PROCEDURE, FUNCTION, TRIGGER, RENAME TABLE, and ALTER TABLE with one ADD
 * or DROP of a column, an index or a constraint. 1 it did, 0 it did not, 2
 * the catalog cannot tell (what = a phrase naming it), <0 an error.
 */
static int my_statement_landed(struct strata_conn *c, const char *sql, size_t len, char **what, struct strata_err *err)
{
	struct words w;
	char schema[192], name[192], sub[192];
	size_t i = 1;

	*what = NULL;
	read_words(&w, sql, len);
	if (w.n == 0)
		return 0;
	if (is(&w, 0, "CREATE")) {
		if (is(&w, i, "OR") && is(&w, i + 1, "REPLACE"))
			return 0; /* runs again to the same end */
		while (is(&w, i, "TEMPORARY") || is(&w, i, "UNIQUE") || is(&w, i, "FULLTEXT") || is(&w, i, "SPATIAL") ||
		       is(&w, i, "ALGORITHM") || is(&w, i, "DEFINER") || is(&w, i, "SQL") || is(&w, i, "SECURITY")) {
			if (is(&w, i, "ALGORITHM") || is(&w, i, "DEFINER")) {
				/* ALGORITHM = x, DEFINER = user@host: skip to the object's keyword */
				while (i < w.n && !is(&w, i, "VIEW") && !is(&w, i, "PROCEDURE") &&
				       !is(&w, i, "FUNCTION") && !is(&w, i, "TRIGGER") && !is(&w, i, "EVENT"))
					i++;
				break;
			}
			i++;
		}
		if (is(&w, i, "TABLE") || is(&w, i, "VIEW") || is(&w, i, "SEQUENCE")) {
			i++;
			if (is(&w, i, "IF"))
				return 0; /* IF NOT EXISTS: running it again does no harm */
			if (!qname_at(&w, &i, schema, name, sizeof(name)))
				goto unknown;
			return landed_if(cat_query(c, Q_TABLE, schema, name, NULL, err), 1);
		}
		if (is(&w, i, "INDEX")) {
			i++;
			if (is(&w, i, "IF"))
				return 0;
			if (!name_at(&w, i, sub, sizeof(sub)))
				goto unknown;
			i++;
			while (i < w.n && !is(&w, i, "ON"))
				i++;
			i++;
			if (!qname_at(&w, &i, schema, name, sizeof(name)))
				goto unknown;
			return landed_if(cat_query(c, Q_INDEX, schema, name, sub, err), 1);
		}
		if (is(&w, i, "PROCEDURE") || is(&w, i, "FUNCTION")) {
			i++;
			if (is(&w, i, "IF"))
				return 0;
			if (!qname_at(&w, &i, schema, name, sizeof(name)))
				goto unknown;
			return landed_if(cat_query(c, Q_ROUTINE, schema, name, NULL, err), 1);
		}
		if (is(&w, i, "TRIGGER")) {
			i++;
			if (is(&w, i, "IF"))
				return 0;
			if (!qname_at(&w, &i, schema, name, sizeof(name)))
				goto unknown;
			return landed_if(cat_query(c, Q_TRIGGER, schema, name, NULL, err), 1);
		}
		goto unknown;
	}
	if (is(&w, 0, "DROP")) {
		const char *q = NULL;

		while (is(&w, i, "TEMPORARY") || is(&w, i, "ONLINE") || is(&w, i, "OFFLINE"))
			i++;
		if (is(&w, i, "TABLE") || is(&w, i, "TABLES") || is(&w, i, "VIEW") || is(&w, i, "SEQUENCE"))
			q = Q_TABLE;
		else if (is(&w, i, "PROCEDURE") || is(&w, i, "FUNCTION"))
			q = Q_ROUTINE;
		else if (is(&w, i, "TRIGGER"))
			q = Q_TRIGGER;
		if (q) {
			i++;
			if (is(&w, i, "IF"))
				return 0; /* IF EXISTS */
			if (!qname_at(&w, &i, schema, name, sizeof(name)))
				goto unknown;
			if (i < w.n && w.t[i].kind == STRATA_TOK_OP && w.s[w.t[i].off] == ',')
				goto unknown; /* several: one may have gone, not the next */
			return landed_if(cat_query(c, q, schema, name, NULL, err), 0);
		}
		if (is(&w, i, "INDEX")) {
			i++;
			if (is(&w, i, "IF"))
				return 0;
			if (!name_at(&w, i, sub, sizeof(sub)))
				goto unknown;
			i += 2; /* ON */
			if (!is(&w, i - 1, "ON") || !qname_at(&w, &i, schema, name, sizeof(name)))
				goto unknown;
			return landed_if(cat_query(c, Q_INDEX, schema, name, sub, err), 0);
		}
		goto unknown;
	}
	if (is(&w, 0, "RENAME") && is(&w, 1, "TABLE")) {
		char to_schema[192], to[192];
		int a, b;

		i = 2;
		if (!qname_at(&w, &i, schema, name, sizeof(name)) || !is(&w, i, "TO"))
			goto unknown;
		i++;
		if (!qname_at(&w, &i, to_schema, to, sizeof(to)) || i < w.n)
			goto unknown; /* several renames: not followed */
		a = cat_query(c, Q_TABLE, schema, name, NULL, err);
		if (a < 0)
			return a;
		b = cat_query(c, Q_TABLE, to_schema, to, NULL, err);
		if (b < 0)
			return b;
		if (!a && b)
			return 1;
		if (a && !b)
			return 0;
		goto unknown;
	}
	if (is(&w, 0, "ALTER") && (is(&w, 1, "TABLE") || (is(&w, 1, "ONLINE") && is(&w, 2, "TABLE")))) {
		size_t k;
		int add, present;

		i = is(&w, 1, "TABLE") ? 2 : 3;
		if (is(&w, i, "IF"))
			i += 2;
		if (!qname_at(&w, &i, schema, name, sizeof(name)))
			goto unknown;
		/* one clause only: with a comma, part of it may be the catalog's and part not (MariaDB) */
		for (k = i; k < w.n; k++)
			if (w.t[k].kind == STRATA_TOK_OP && w.s[w.t[k].off] == ',') {
				int depth = 0;
				size_t j;

				for (j = i; j < k; j++)
					if (w.t[j].kind == STRATA_TOK_OP)
						depth += w.s[w.t[j].off] == '(' ? 1 : w.s[w.t[j].off] == ')' ? -1 : 0;
				if (depth == 0)
					goto unknown;
			}
		if (w.n == sizeof(w.t) / sizeof(w.t[0]))
			goto unknown; /* longer than we read: a comma may follow */
		add = is(&w, i, "ADD");
		if (!add && !is(&w, i, "DROP"))
			goto unknown;
		i++;
		if (is(&w, i, "CONSTRAINT") || (add && (is(&w, i, "FOREIGN") || is(&w, i, "UNIQUE")))) {
			if (is(&w, i, "CONSTRAINT"))
				i++;
			if (is(&w, i, "IF"))
				return 0;
			if (!add || is(&w, i, "FOREIGN") || is(&w, i, "UNIQUE") || is(&w, i, "CHECK") ||
			    is(&w, i, "PRIMARY")) {
				/* ADD CONSTRAINT name FOREIGN KEY / UNIQUE ...: the name was before */
			}
			if (!add) {
				if (!name_at(&w, i, sub, sizeof(sub)))
					goto unknown;
				present = cat_query(c, Q_CONSTRAINT, schema, name, sub, err);
				return landed_if(present, 0);
			}
			if (!name_at(&w, i, sub, sizeof(sub)) || is(&w, i, "FOREIGN") || is(&w, i, "UNIQUE") ||
			    is(&w, i, "CHECK") || is(&w, i, "PRIMARY"))
				goto unknown; /* unnamed: the server names it */
			present = cat_query(c, Q_CONSTRAINT, schema, name, sub, err);
			if (present == 0 && is(&w, i + 1, "UNIQUE"))
				present = cat_query(c, Q_INDEX, schema, name, sub, err);
			return landed_if(present, 1);
		}
		if (is(&w, i, "INDEX") || is(&w, i, "KEY") ||
		    (add && (is(&w, i, "FULLTEXT") || is(&w, i, "SPATIAL")))) {
			if (is(&w, i, "FULLTEXT") || is(&w, i, "SPATIAL"))
				i++;
			if (is(&w, i, "INDEX") || is(&w, i, "KEY"))
				i++;
			if (is(&w, i, "IF"))
				return 0;
			if (!name_at(&w, i, sub, sizeof(sub)) || is(&w, i, "USING"))
				goto unknown;
			present = cat_query(c, Q_INDEX, schema, name, sub, err);
			return landed_if(present, add);
		}
		if (is(&w, i, "PRIMARY") || is(&w, i, "PARTITION") || is(&w, i, "CHECK") || is(&w, i, "FOREIGN"))
			goto unknown;
		if (is(&w, i, "COLUMN"))
			i++;
		if (is(&w, i, "IF"))
			return 0;
		if (i < w.n && w.t[i].kind == STRATA_TOK_OP)
			goto unknown; /* ADD (a INT, b INT) */
		if (!name_at(&w, i, sub, sizeof(sub)))
			goto unknown;
		present = cat_query(c, Q_COLUMN, schema, name, sub, err);
		return landed_if(present, add);
	}
unknown : {
	struct strata_buf b;
	size_t n = len;
	const char *nl = memchr(sql, '\n', len);

	if (nl)
		n = (size_t)(nl - sql);
	if (n > 60)
		n = 60;
	strata_buf_init(&b);
	strata_buf_addf(&b, "whether `%.*s%s` ran", (int)n, sql, n < len ? " ..." : "");
	*what = strata_buf_detach(&b, NULL);
}
	return 2;
}

/* ---------------------------------------------------------------- dialect */

static void my_quote_ident(struct strata_buf *b, const char *s)
{
	strata_buf_addc(b, '`');
	for (; *s; s++) {
		if (*s == '`')
			strata_buf_addc(b, '`');
		strata_buf_addc(b, *s);
	}
	strata_buf_addc(b, '`');
}

/*
 * 'it''s'. A backslash means something or nothing as sql_mode's
 * NO_BACKSLASH_ESCAPES says, which a literal written without a connection
 * cannot know: it is written as CHAR(92), whatever the mode.
 */
static void my_quote_literal(struct strata_buf *b, const char *s, size_t len)
{
	size_t i;
	int concat = memchr(s, '\\', len) != NULL;

	if (concat)
		strata_buf_adds(b, "CONCAT(");
	strata_buf_addc(b, '\'');
	for (i = 0; i < len; i++) {
		if (s[i] == '\\') {
			strata_buf_adds(b, "', CHAR(92 USING utf8mb4), '");
			continue;
		}
		if (s[i] == '\'')
			strata_buf_addc(b, '\'');
		strata_buf_addc(b, s[i]);
	}
	strata_buf_addc(b, '\'');
	if (concat)
		strata_buf_addc(b, ')');
}

/* query() binds $n itself (see bind_text). */
static void my_placeholder(struct strata_buf *b, int n)
{
	strata_buf_addf(b, "$%d", n);
}

/* DECIMAL(65,0) holds 65 digits exactly; a text compared with it would be read as a double. */
static void my_version_param(struct strata_buf *b, int n)
{
	strata_buf_addf(b, "CAST($%d AS DECIMAL(65,0))", n);
}

static void my_version_literal(struct strata_buf *b, const struct strata_version *v)
{
	strata_buf_addf(b, "CAST('%s' AS DECIMAL(65,0))", v->d); /* digits only */
}

static void my_timestamp_text(struct strata_buf *b, const char *column)
{
	strata_buf_addf(b, "DATE_FORMAT(%s, '%%Y-%%m-%%d %%H:%%i:%%s')", column);
}

static void my_tracking_ddl(struct strata_buf *b, const char *schema, const char *table, const char *qtable)
{
	(void)schema;
	(void)table;
	strata_buf_addf(b, "CREATE TABLE IF NOT EXISTS %s (\n", qtable);
	strata_buf_adds(b, "  version DECIMAL(65,0) NOT NULL PRIMARY KEY,\n"
			   "  name TEXT NOT NULL,\n"
			   "  checksum VARCHAR(255) NOT NULL,\n"
			   "  down_script LONGTEXT,\n"
			   "  applied_at DATETIME(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6),\n"
			   "  duration_ms DECIMAL(20,3) NOT NULL DEFAULT 0,\n"
			   "  applied_by VARCHAR(512) NOT NULL,\n"
			   "  state VARCHAR(16) NOT NULL DEFAULT 'applied',\n"
			   "  statements_done INT NOT NULL DEFAULT 0,\n"
			   "  progress_checksum VARCHAR(255)\n"
			   ") ENGINE=InnoDB DEFAULT CHARSET=utf8mb4");
}

static void my_log_ddl(struct strata_buf *b, const char *qlog)
{
	strata_buf_addf(b, "CREATE TABLE IF NOT EXISTS %s (\n", qlog);
	strata_buf_adds(b, "  id BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,\n"
			   "  at DATETIME(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6),\n"
			   "  action VARCHAR(32) NOT NULL,\n"
			   "  version DECIMAL(65,0),\n"
			   "  name TEXT,\n"
			   "  applied_by VARCHAR(512) NOT NULL,\n"
			   "  duration_ms DECIMAL(20,3) NOT NULL DEFAULT 0,\n"
			   "  result TEXT NOT NULL\n"
			   ") ENGINE=InnoDB DEFAULT CHARSET=utf8mb4");
}

static void my_upsert(struct strata_buf *b, const char *key, const char *const *cols)
{
	size_t i;

	(void)key; /* the primary key */
	strata_buf_adds(b, " ON DUPLICATE KEY UPDATE ");
	for (i = 0; cols[i]; i++)
		strata_buf_addf(b, "%s%s = VALUES(%s)", i ? ", " : "", cols[i], cols[i]);
}

static void my_column_type(struct strata_buf *b, const char *schema, const char *table, const char *column)
{
	strata_buf_adds(b, "(SELECT COLUMN_TYPE FROM information_schema.COLUMNS "
			   "WHERE TABLE_SCHEMA = ");
	if (schema)
		my_quote_literal(b, schema, strlen(schema));
	else
		strata_buf_adds(b, "DATABASE()");
	strata_buf_adds(b, " AND TABLE_NAME = ");
	my_quote_literal(b, table, strlen(table));
	strata_buf_adds(b, " AND COLUMN_NAME = ");
	my_quote_literal(b, column, strlen(column));
	strata_buf_adds(b, ")");
}

static void my_columns(struct strata_buf *b, const char *schema, const char *table)
{
	strata_buf_adds(b, "SELECT COLUMN_NAME FROM information_schema.COLUMNS WHERE "
			   "TABLE_SCHEMA = ");
	if (schema)
		my_quote_literal(b, schema, strlen(schema));
	else
		strata_buf_adds(b, "DATABASE()");
	strata_buf_adds(b, " AND TABLE_NAME = ");
	my_quote_literal(b, table, strlen(table));
	strata_buf_adds(b, " ORDER BY ORDINAL_POSITION");
}

/*
 * MariaDB's max_statement_time (seconds), inside a MariaDB-only comment that
 * MySQL reads as a comment (its max_execution_time limits SELECTs only, so a
 * migration's DDL has no limit there). Session-wide either way: MySQL has no
 * transaction-local setting.
 */
static void my_statement_timeout(struct strata_buf *b, double ms, int local)
{
	(void)local;
	strata_buf_addf(b, "SET @strata_timeout = %.0f /*M!, max_statement_time = %.3f */", ms, ms / 1000.0);
}

/* ---- the lease lock (lease.c), on the server's UTC clock */

#define MY_NOW "UTC_TIMESTAMP(6)"
#define MY_EXPIRY "UTC_TIMESTAMP(6) + INTERVAL CAST($3 * 1000000 AS SIGNED) MICROSECOND"

static void my_lease_ddl(struct strata_buf *b, const char *qlease)
{
	strata_buf_addf(b,
			"CREATE TABLE IF NOT EXISTS %s (lock_key VARCHAR(255) NOT NULL PRIMARY KEY, "
			"owner VARCHAR(255) NOT NULL, acquired_at DATETIME(6) NOT NULL, heartbeat_at DATETIME(6) NOT NULL, "
			"expires_at DATETIME(6) NOT NULL) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4",
			qlease);
}

/*
 * ON DUPLICATE KEY UPDATE assigns left to right, each assignment seeing the
 * ones before it: owner changes last but one, so that the test "expired, or
 * ours" reads the old row in every assignment (after owner, "ours" holds
 * exactly when the row was taken).
 */
static void my_lease_take(struct strata_buf *b, const char *qlease)
{
	const char *take = "(expires_at < " MY_NOW " OR owner = VALUES(owner))";

	strata_buf_addf(b,
			"INSERT INTO %s (lock_key, owner, acquired_at, heartbeat_at, expires_at) "
			"VALUES ($1, $2, " MY_NOW ", " MY_NOW ", " MY_EXPIRY ") ON DUPLICATE KEY UPDATE "
			"acquired_at = IF(%s, IF(owner = VALUES(owner), acquired_at, VALUES(acquired_at)), acquired_at), "
			"heartbeat_at = IF(%s, VALUES(heartbeat_at), heartbeat_at), "
			"owner = IF(%s, VALUES(owner), owner), "
			"expires_at = IF(owner = VALUES(owner), VALUES(expires_at), expires_at)",
			qlease, take, take, take);
}

static void my_lease_beat(struct strata_buf *b, const char *qlease)
{
	strata_buf_addf(b,
			"UPDATE %s SET heartbeat_at = " MY_NOW ", expires_at = " MY_EXPIRY
			" WHERE lock_key = $1 AND owner = $2",
			qlease);
}

static void my_lease_read(struct strata_buf *b, const char *qlease)
{
	strata_buf_addf(b,
			"SELECT owner, DATE_FORMAT(acquired_at, '%%Y-%%m-%%d %%H:%%i:%%s'), "
			"DATE_FORMAT(heartbeat_at, '%%Y-%%m-%%d %%H:%%i:%%s'), "
			"DATE_FORMAT(expires_at, '%%Y-%%m-%%d %%H:%%i:%%s'), "
			"ROUND(TIMESTAMPDIFF(MICROSECOND, heartbeat_at, " MY_NOW ") / 1000000, 1) "
			"FROM %s WHERE lock_key = $1",
			qlease);
}

static void my_lease_release(struct strata_buf *b, const char *qlease)
{
	strata_buf_addf(b, "DELETE FROM %s WHERE lock_key = $1 AND owner = $2", qlease);
}

static const struct strata_dialect_ops my_sql = {
	.quote_ident = my_quote_ident,
	.quote_literal = my_quote_literal,
	.placeholder = my_placeholder,
	.version_param = my_version_param,
	.version_literal = my_version_literal,
	.version_desc = "version DESC",
	.read_order = " ORDER BY version",
	.timestamp_format = "%Y-%m-%d %H:%M:%S",
	.timestamp_text = my_timestamp_text,
	.elapsed_ms = "0",
	.tracking_ddl = my_tracking_ddl,
	.log_ddl = my_log_ddl,
	.upsert = my_upsert,
	.legacy_version_types = {NULL},
	.column_type = my_column_type,
	.retype_version = NULL,
	.columns = my_columns,
	.legacy_duration_types = {NULL},
	.retype_duration = NULL,
	.begin = "START TRANSACTION",
	.statement_timeout = my_statement_timeout,
	.statement_timeout_reset = "SET @strata_timeout = NULL /*M!, max_statement_time = DEFAULT */",
	.client_command = "mariadb --batch DATABASE < FILE",
	.backup_suffix = ".sql",
	.schemas_query = "SELECT SCHEMA_NAME FROM information_schema.SCHEMATA WHERE SCHEMA_NAME "
			 "NOT IN "
			 "('mysql', 'information_schema', 'performance_schema', 'sys') "
			 "ORDER BY LENGTH(SCHEMA_NAME), SCHEMA_NAME",
	.lease_ddl = my_lease_ddl,
	.lease_take = my_lease_take,
	.lease_beat = my_lease_beat,
	.lease_read = my_lease_read,
	.lease_release = my_lease_release,
};

const struct strata_driver strata_driver_mysql = {
	.abi = STRATA_DRIVER_ABI,
	.name = "mysql",
	.url_schemes = my_schemes,
	.url_forms = my_forms,
	.url_parse = my_url_parse,
	.url_redact = my_url_redact,
	.engine = STRATA_ENGINE_MYSQL,
	.dialect = MY_DIALECT,
	.caps = STRATA_CAP_ADVISORY_LOCK | STRATA_CAP_SESSION_TIMEOUTS | STRATA_CAP_IMPLICIT_COMMITS_KNOWN,
	.connect = my_connect,
	.close = my_close,
	.exec = my_exec,
	.query = my_query,
	.begin = my_begin,
	.commit = my_commit,
	.rollback = my_rollback,
	.lock = my_lock,
	.unlock = my_unlock,
	.drop = my_drop,
	.backup = my_backup,
	.dbname = my_dbname,
	.interrupt = my_interrupt,
	.set_schema = my_set_schema,
	.table_exists = my_table_exists,
	/* dialect */
	.display_name = "MySQL",
	.sql = &my_sql,
	.exec_value = my_exec_value,
	.statement_landed = my_statement_landed,
};
