/*
 * test_libpq.c - opening libpq at run time (driver_pg_libpq.c): a missing
 * library names the package that provides it, a library without one of the
 * functions names the function, and the system's libpq.so.5 fills the table
 * with functions that work.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#define STRATA_LIBPQ_NO_CALLS
#include "driver_pg_libpq.h"
#include "strata.h"

static void test_missing_library(void **state)
{
	struct strata_libpq t;
	struct strata_err err = { 0 };

	(void)state;
	strata_err_release(&err);
	assert_int_equal(strata_libpq_open("libpq-strata-test-absent.so.5", &t, &err), STRATA_EUSAGE);
	assert_non_null(strstr(err.message, "PostgreSQL support needs libpq-strata-test-absent.so.5, which cannot be loaded"));
	assert_non_null(strstr(err.hint, "apt-get install libpq5"));
	strata_err_release(&err);
}

static void test_missing_function(void **state)
{
	struct strata_libpq t;
	struct strata_err err = { 0 };

	(void)state;
	strata_err_release(&err);
	/* the C library opens, and has none of libpq's functions */
	assert_int_equal(strata_libpq_open("libc.so.6", &t, &err), STRATA_EUSAGE);
	assert_string_equal(err.message, "libc.so.6 has no function PQcancel: it is too old for strata");
	assert_non_null(strstr(err.hint, "libpq5"));
	strata_err_release(&err);
}

static void test_system_libpq(void **state)
{
	struct strata_libpq t;
	struct strata_err err = { 0 };

	(void)state;
	strata_err_release(&err);
	memset(&t, 0, sizeof(t));
	assert_int_equal(strata_libpq_open(STRATA_LIBPQ_SONAME, &t, &err), 0);
	assert_non_null(t.PQconnectdbParams);
	assert_non_null(t.PQtransactionStatus);
	/* real libpq functions: a NULL connection is bad, an unknown option is refused */
	assert_int_equal(t.PQstatus(NULL), CONNECTION_BAD);
	{
		const char *keys[] = { "no_such_option", NULL }, *vals[] = { "1", NULL };
		PGconn *pg = t.PQconnectdbParams(keys, vals, 0);

		assert_non_null(pg);
		assert_int_equal(t.PQstatus(pg), CONNECTION_BAD);
		assert_non_null(strstr(t.PQerrorMessage(pg), "no_such_option"));
		t.PQfinish(pg);
	}
	/* the driver's table, loaded once */
	assert_int_equal(strata_libpq_load(&err), 0);
	assert_int_equal(strata_libpq_load(&err), 0);
	assert_ptr_equal(strata_libpq.PQstatus, t.PQstatus);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_missing_library),
		cmocka_unit_test(test_missing_function),
		cmocka_unit_test(test_system_libpq),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
