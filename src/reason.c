/*
 * reason.c - the reason codes of errors: their stable names, and setting
 * them. The texts of an error are for people and may change; the reason is
 * what a program embedding strata (and the CLI, to name its own flags in
 * hints) decides on.
 */
#include <stdarg.h>

#include "util.h"
#include "reason.h"

const char *strata_reason_name(enum strata_reason r)
{
	switch (r) {
	case STRATA_R_NONE: return "none";
	case STRATA_R_MODIFIED: return "modified";
	case STRATA_R_REPLACED: return "replaced";
	case STRATA_R_MISSING: return "missing";
	case STRATA_R_OUT_OF_ORDER: return "out_of_order";
	case STRATA_R_PARTIAL: return "partial";
	case STRATA_R_UNRECORDED: return "unrecorded";
	case STRATA_R_OTHER_TOOL: return "other_tool";
	case STRATA_R_LOCK_TIMEOUT: return "lock_timeout";
	case STRATA_R_NO_DOWN: return "no_down";
	case STRATA_R_IRREVERSIBLE: return "irreversible";
	case STRATA_R_GO_MIGRATION: return "go_migration";
	case STRATA_R_OWN_TRANSACTION: return "own_transaction";
	case STRATA_R_SCRIPT_UP_ONLY: return "script_up_only";
	case STRATA_R_TABLE: return "table";
	case STRATA_R_SCHEMAS: return "schemas";
	case STRATA_R_NO_VERSION: return "no_version";
	case STRATA_R_NOTHING: return "nothing";
	case STRATA_R_ADOPT_DIRTY: return "adopt_dirty";
	case STRATA_R_ADOPT_NO_FILE: return "adopt_no_file";
	case STRATA_R_ADOPT_NO_TABLE: return "adopt_no_table";
	case STRATA_R_CONDITION: return "condition";
	case STRATA_R_INTERRUPTED: return "interrupted";
	}
	return "unknown";
}

void strata_err_reason(struct strata_err *err, enum strata_reason reason)
{
	if (err)
		err->reason = reason;
}

int strata_err_setr(struct strata_err *err, int code, enum strata_reason reason, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	strata_err_setv(err, code, fmt, ap);
	va_end(ap);
	strata_err_reason(err, reason);
	return code;
}
