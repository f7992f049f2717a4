/*
 * fuzz_filename.c - libFuzzer target for strata_source_parse_name(), the
 * parser that decides from a directory entry's name alone whether it is a
 * migration and of which layout, and of Flyway's and pop's name readers
 * (layout_flyway.c, layout_pop.c): their offsets stay inside the name, a
 * Flyway version maps back to the digits of its spelling, and an error says
 * why.
 *
 * Every input is tried as a file name and as a directory name. Besides the
 * sanitizers' checks, the target asserts what source.c relies on: offsets
 * stay inside the name, the version digits parse back to the version, the
 * pieces put back together give the name again, and an error always says
 * why. Seeds: fuzz/corpus/filename/ (one name per file).
 *
 * Built with -DSTRATA_FUZZ_MAIN it is a plain program that runs the files
 * given as arguments once each (to replay the seeds without libFuzzer).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "names.h"
#include "layout_flyway.h"
#include "layout_pop.h"

#define CHECK(cond)                                                                                   \
	do {                                                                                          \
		if (!(cond)) {                                                                        \
			fprintf(stderr, "fuzz_filename: %s failed on \"%s\" (dir %d)\n", #cond, name, \
				is_dir);                                                              \
			__builtin_trap();                                                             \
		}                                                                                     \
	} while (0)

static void check_one(const char *name, int is_dir)
{
	struct strata_name pn;
	size_t len = strlen(name), i, nd = 0, end;
	char digits[256];
	struct strata_version v;
	int rc;

	memset(&pn, 0xa5, sizeof(pn)); /* the parser must not rely on a zeroed struct */
	rc = strata_source_parse_name(name, is_dir, &pn);
	CHECK(rc == 0 || rc == STRATA_NAME_EBAD || rc == STRATA_NAME_EOVERFLOW);
	if (rc < 0) {
		CHECK(pn.why != NULL && pn.why[0] != '\0');
		CHECK(len > 0 && name[0] >= '0' && name[0] <= '9');
		return;
	}
	CHECK(pn.why == NULL);
	if (pn.kind == STRATA_NAME_IGNORE || pn.kind == STRATA_NAME_UNVERSIONED) {
		CHECK(!is_dir || pn.kind == STRATA_NAME_IGNORE);
		return;
	}
	CHECK(pn.kind >= STRATA_NAME_UP && pn.kind <= STRATA_NAME_GO);
	CHECK(is_dir == (pn.kind == STRATA_NAME_DIESEL));
	CHECK(pn.ver_off == 0);
	CHECK(pn.ver_len >= 1 && pn.ver_len <= len);
	CHECK(pn.name_off <= len && pn.name_len <= len - pn.name_off);
	CHECK(pn.ndigits >= 1 && pn.ndigits <= pn.ver_len);
	for (i = 0; i < pn.ver_len; i++) {
		CHECK((name[i] >= '0' && name[i] <= '9') || (is_dir && name[i] == '-'));
		if (name[i] != '-' && nd < sizeof(digits))
			digits[nd++] = name[i];
	}
	CHECK(nd == pn.ndigits);
	CHECK(strata_version_parse(digits, nd, &v) == 0 && strata_version_cmp(&v, &pn.version) == 0);
	CHECK(strlen(pn.version.d) >= 1 && (pn.version.d[0] != '0' || strcmp(pn.version.d, "0") == 0));
	for (i = 0; i < pn.name_len; i++)
		CHECK((unsigned char)name[pn.name_off + i] >= 0x20 && name[pn.name_off + i] != 0x7f);

	/* put back together: version, then "_" or "-" + title (or nothing), then the suffix */
	CHECK(pn.name_off == pn.ver_len ||
	      (pn.name_off == pn.ver_len + 1 && (name[pn.ver_len] == '_' || (name[pn.ver_len] == '-' && !is_dir))));
	end = pn.name_off + pn.name_len;
	switch (pn.kind) {
	case STRATA_NAME_UP:
		CHECK(strcmp(name + end, ".up.sql") == 0);
		break;
	case STRATA_NAME_DOWN:
		CHECK(strcmp(name + end, ".down.sql") == 0);
		break;
	case STRATA_NAME_SINGLE:
		CHECK(strcmp(name + end, ".sql") == 0);
		break;
	case STRATA_NAME_GO:
		CHECK(strcmp(name + end, ".go") == 0 && name[pn.ver_len] == '_');
		break;
	default:
		CHECK(end == len);
		break;
	}
}

static void check_flyway(const char *name)
{
	struct strata_flyway_name fn;
	struct strata_pop_name pp;
	size_t len = strlen(name);
	int is_dir = 0, rc;

	memset(&fn, 0xa5, sizeof(fn));
	rc = strata_flyway_parse_name(name, &fn);
	CHECK(rc == 0 || rc == -1);
	if (rc < 0) {
		CHECK(fn.why != NULL && fn.why[0] != '\0');
		CHECK(name[0] == 'V' || name[0] == 'U' || name[0] == 'R');
	} else if (fn.kind != STRATA_FLYWAY_NONE) {
		CHECK(fn.ver_off + fn.ver_len <= len && fn.desc_off + fn.desc_len <= len);
		CHECK(fn.desc_off == fn.ver_off + fn.ver_len + 2);
		if (fn.kind == STRATA_FLYWAY_REPEATABLE) {
			CHECK(strata_flyway_is_repeatable_version(&fn.version));
		} else if (fn.kind != STRATA_FLYWAY_OTHER) {
			char back[512];
			struct strata_version v;
			const char *why;

			/* the spelling maps to the version, and the way back maps to it again */
			CHECK(strata_flyway_version(name + fn.ver_off, fn.ver_len, &v, &why) == 0);
			CHECK(strata_version_cmp(&v, &fn.version) == 0);
			strata_flyway_version_text(&v, back, sizeof(back));
			CHECK(strata_flyway_version(back, strlen(back), &v, &why) == 0);
			CHECK(strata_version_cmp(&v, &fn.version) == 0);
		}
	}
	if (strata_pop_parse(name, len, &pp) == 0)
		CHECK(pp.base_len <= len);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char name[1024];

	/* a directory entry's name: at most NAME_MAX bytes, no NUL */
	if (size > 255)
		size = 255;
	memcpy(name, data, size);
	name[size] = '\0';
	check_one(name, 0);
	check_one(name, 1);
	check_flyway(name);
	return 0;
}

#ifdef STRATA_FUZZ_MAIN
int main(int argc, char **argv)
{
	static uint8_t buf[4096];
	int i;

	for (i = 1; i < argc; i++) {
		FILE *f = fopen(argv[i], "rb");
		size_t n;

		if (!f) {
			perror(argv[i]);
			return 1;
		}
		n = fread(buf, 1, sizeof(buf), f);
		fclose(f);
		LLVMFuzzerTestOneInput(buf, n);
	}
	printf("fuzz_filename: %d inputs ok\n", argc - 1);
	return 0;
}
#endif
