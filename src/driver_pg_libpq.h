/*
 * driver_pg_libpq.h - libpq as the PostgreSQL driver sees it: its functions
 * are pointers in a table that driver_pg_libpq.c fills with dlopen() and
 * dlsym() the first time a PostgreSQL target is used, so that strata needs no
 * libpq to start and only the system's libpq.so.5 to reach PostgreSQL.
 *
 * Included after <libpq-fe.h>, it turns each call PQxxx(...) of the driver
 * into a call through the table; a libpq function the driver starts using is
 * one more X(PQxxx) line below (the build fails with an undefined PQxxx
 * until it is there).
 */
#ifndef STRATA_DRIVER_PG_LIBPQ_H
#define STRATA_DRIVER_PG_LIBPQ_H

#include <libpq-fe.h>

struct strata_err;

#define STRATA_LIBPQ_FUNCTIONS(X) \
	X(PQcancel)               \
	X(PQclear)                \
	X(PQcmdStatus)            \
	X(PQconnectdbParams)      \
	X(PQconninfo)             \
	X(PQconninfoFree)         \
	X(PQdb)                   \
	X(PQerrorMessage)         \
	X(PQexec)                 \
	X(PQexecParams)           \
	X(PQfinish)               \
	X(PQfreeCancel)           \
	X(PQgetCancel)            \
	X(PQgetResult)            \
	X(PQgetisnull)            \
	X(PQgetvalue)             \
	X(PQnfields)              \
	X(PQntuples)              \
	X(PQpass)                 \
	X(PQprepare)              \
	X(PQputCopyEnd)           \
	X(PQresultErrorField)     \
	X(PQresultErrorMessage)   \
	X(PQresultStatus)         \
	X(PQsendQuery)            \
	X(PQsendQueryParams)      \
	X(PQsendQueryPrepared)    \
	X(PQsetNoticeReceiver)    \
	X(PQsetSingleRowMode)     \
	X(PQstatus)               \
	X(PQtransactionStatus)

struct strata_libpq {
#define STRATA_LIBPQ_MEMBER(f) __typeof__(f) *f;
	STRATA_LIBPQ_FUNCTIONS(STRATA_LIBPQ_MEMBER)
#undef STRATA_LIBPQ_MEMBER
};

/* The table the driver calls through: filled by strata_libpq_load(). */
extern struct strata_libpq strata_libpq;

/* The library opened, and the Debian package that provides it. */
#define STRATA_LIBPQ_SONAME "libpq.so.5"
#define STRATA_LIBPQ_PACKAGE "libpq5"

/*
 * Open `soname` and fill *out with its functions. 0, or STRATA_EUSAGE with
 * err naming the library and the package to install when it cannot be
 * opened, or the function it lacks. Does not close what it opened.
 */
int strata_libpq_open(const char *soname, struct strata_libpq *out, struct strata_err *err);
/* Fill strata_libpq from STRATA_LIBPQ_SONAME, once; later calls return at once. Thread-safe. */
int strata_libpq_load(struct strata_err *err);

#ifndef STRATA_LIBPQ_NO_CALLS
#define PQcancel (*strata_libpq.PQcancel)
#define PQclear (*strata_libpq.PQclear)
#define PQcmdStatus (*strata_libpq.PQcmdStatus)
#define PQconnectdbParams (*strata_libpq.PQconnectdbParams)
#define PQconninfo (*strata_libpq.PQconninfo)
#define PQconninfoFree (*strata_libpq.PQconninfoFree)
#define PQdb (*strata_libpq.PQdb)
#define PQerrorMessage (*strata_libpq.PQerrorMessage)
#define PQexec (*strata_libpq.PQexec)
#define PQexecParams (*strata_libpq.PQexecParams)
#define PQfinish (*strata_libpq.PQfinish)
#define PQfreeCancel (*strata_libpq.PQfreeCancel)
#define PQgetCancel (*strata_libpq.PQgetCancel)
#define PQgetResult (*strata_libpq.PQgetResult)
#define PQgetisnull (*strata_libpq.PQgetisnull)
#define PQgetvalue (*strata_libpq.PQgetvalue)
#define PQnfields (*strata_libpq.PQnfields)
#define PQntuples (*strata_libpq.PQntuples)
#define PQpass (*strata_libpq.PQpass)
#define PQprepare (*strata_libpq.PQprepare)
#define PQputCopyEnd (*strata_libpq.PQputCopyEnd)
#define PQresultErrorField (*strata_libpq.PQresultErrorField)
#define PQresultErrorMessage (*strata_libpq.PQresultErrorMessage)
#define PQresultStatus (*strata_libpq.PQresultStatus)
#define PQsendQuery (*strata_libpq.PQsendQuery)
#define PQsendQueryParams (*strata_libpq.PQsendQueryParams)
#define PQsendQueryPrepared (*strata_libpq.PQsendQueryPrepared)
#define PQsetNoticeReceiver (*strata_libpq.PQsetNoticeReceiver)
#define PQsetSingleRowMode (*strata_libpq.PQsetSingleRowMode)
#define PQstatus (*strata_libpq.PQstatus)
#define PQtransactionStatus (*strata_libpq.PQtransactionStatus)
#endif

#endif
