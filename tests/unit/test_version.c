/*
 * test_version.c - versions of any length: parsing (leading zeros, dashes),
 * numeric order beyond 64 bits, the sort key that agrees with it, the next
 * version, and versions as strata 0.1's signed 64-bit columns stored them.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "version_int.h"

static struct strata_version V(const char *s)
{
	struct strata_version v;

	assert_int_equal(strata_version_parse(s, strlen(s), &v), 0);
	return v;
}

static void test_parse(void **state)
{
	struct strata_version v;
	char big[STRATA_VERSION_MAX + 2];

	(void)state;
	assert_string_equal(V("000001").d, "1");
	assert_string_equal(V("0").d, "0");
	assert_string_equal(V("00000000000000").d, "0");
	assert_string_equal(V("20210410175418000001").d, "20210410175418000001");
	assert_string_equal(V("2024-02-12-120203").d, "20240212120203");
	assert_string_equal(V("18446744073709551616").d, "18446744073709551616");
	assert_int_equal(strata_version_parse("", 0, &v), -1);
	assert_string_equal(v.d, "");
	assert_int_equal(strata_version_parse("-", 1, &v), -1);
	assert_int_equal(strata_version_parse("12a", 3, &v), -1);
	assert_int_equal(strata_version_parse("+1", 2, &v), -1);
	assert_int_equal(strata_version_parse(" 1", 2, &v), -1);
	/* only the given length counts */
	assert_int_equal(strata_version_parse("123_x", 3, &v), 0);
	assert_string_equal(v.d, "123");
	/* as many digits as fit, leading zeros not counted */
	memset(big, '9', STRATA_VERSION_MAX);
	assert_int_equal(strata_version_parse(big, STRATA_VERSION_MAX, &v), 0);
	assert_int_equal(strlen(v.d), STRATA_VERSION_MAX);
	memset(big, '9', STRATA_VERSION_MAX + 1);
	assert_int_equal(strata_version_parse(big, STRATA_VERSION_MAX + 1, &v), -2);
	big[0] = '0';
	assert_int_equal(strata_version_parse(big, STRATA_VERSION_MAX + 1, &v), 0);
}

static void test_cmp(void **state)
{
	static const char *const ordered[] = {
		"0", "1", "9", "10", "99", "100", "20240101120000", "9223372036854775807", "9223372036854775808",
		"18446744073709551615", "18446744073709551616", "20210410175418000001", "99999999999999999999",
		"100000000000000000000", "123456789012345678901234567890",
	};
	size_t n = sizeof(ordered) / sizeof(ordered[0]), i, j;
	struct strata_version unset = { "" };

	(void)state;
	for (i = 0; i < n; i++) {
		struct strata_version a = V(ordered[i]);
		char ka[STRATA_VERSION_KEY];

		assert_true(strata_version_cmp(&unset, &a) < 0);
		strata_version_sortkey(&a, ka);
		for (j = 0; j < n; j++) {
			struct strata_version b = V(ordered[j]);
			char kb[STRATA_VERSION_KEY];
			int c = strata_version_cmp(&a, &b), k;

			strata_version_sortkey(&b, kb);
			k = strcmp(ka, kb);
			if ((i < j && c >= 0) || (i == j && c != 0) || (i > j && c <= 0))
				fail_msg("cmp(%s, %s) = %d", ordered[i], ordered[j], c);
			if ((k < 0) != (c < 0) || (k == 0) != (c == 0))
				fail_msg("sortkey order of %s, %s disagrees", ordered[i], ordered[j]);
		}
	}
	/* leading zeros do not count */
	{
		struct strata_version a = V("0000042"), b = V("42");

		assert_int_equal(strata_version_cmp(&a, &b), 0);
	}
}

static void test_sortkey(void **state)
{
	struct strata_version v = V("42");
	char key[STRATA_VERSION_KEY];

	(void)state;
	/* up to 20 digits: zero-padded to 20, as before versions could be longer */
	strata_version_sortkey(&v, key);
	assert_string_equal(key, "00000000000000000042");
	v = V("18446744073709551616");
	strata_version_sortkey(&v, key);
	assert_string_equal(key, "18446744073709551616");
	v = V("123456789012345678901");
	strata_version_sortkey(&v, key);
	assert_string_equal(key, ":021123456789012345678901");
	/* a 255-digit version fits */
	memset(v.d, '7', STRATA_VERSION_MAX);
	v.d[STRATA_VERSION_MAX] = '\0';
	strata_version_sortkey(&v, key);
	assert_int_equal(strlen(key), STRATA_VERSION_MAX + 4);
}

static void test_next(void **state)
{
	struct strata_version v = { "" }, out;

	(void)state;
	assert_int_equal(strata_version_next(&v, &out), 0);
	assert_string_equal(out.d, "1");
	v = V("0");
	assert_int_equal(strata_version_next(&v, &out), 0);
	assert_string_equal(out.d, "1");
	v = V("129");
	assert_int_equal(strata_version_next(&v, &out), 0);
	assert_string_equal(out.d, "130");
	v = V("18446744073709551615");
	assert_int_equal(strata_version_next(&v, &out), 0);
	assert_string_equal(out.d, "18446744073709551616");
	v = V("99999999999999999999");
	assert_int_equal(strata_version_next(&v, &out), 0);
	assert_string_equal(out.d, "100000000000000000000");
	memset(v.d, '9', STRATA_VERSION_MAX);
	v.d[STRATA_VERSION_MAX] = '\0';
	assert_int_equal(strata_version_next(&v, &out), -2);
}

static void test_from_stored(void **state)
{
	struct strata_version v;

	(void)state;
	assert_int_equal(strata_version_from_stored("20240101120000", &v), 0);
	assert_string_equal(v.d, "20240101120000");
	assert_int_equal(strata_version_from_stored("0", &v), 0);
	assert_string_equal(v.d, "0");
	assert_int_equal(strata_version_from_stored("20210410175418000001", &v), 0);
	assert_string_equal(v.d, "20210410175418000001");
	/* strata 0.1 stored versions above 2^63 by bit pattern in a signed column */
	assert_int_equal(strata_version_from_stored("-1", &v), 0);
	assert_string_equal(v.d, "18446744073709551615");
	assert_int_equal(strata_version_from_stored("-9223372036854775808", &v), 0);
	assert_string_equal(v.d, "9223372036854775808");
	assert_int_equal(strata_version_from_stored("-8446744073709551616", &v), 0);
	assert_string_equal(v.d, "10000000000000000000");
	assert_int_equal(strata_version_from_stored(NULL, &v), -1);
	assert_int_equal(strata_version_from_stored("", &v), -1);
	assert_int_equal(strata_version_from_stored("-", &v), -1);
	assert_int_equal(strata_version_from_stored("1.5e+20", &v), -1);
	assert_int_equal(strata_version_from_stored("-1x", &v), -1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse),
		cmocka_unit_test(test_cmp),
		cmocka_unit_test(test_sortkey),
		cmocka_unit_test(test_next),
		cmocka_unit_test(test_from_stored),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
