/*
 * reason.h - setting an error's reason code (enum strata_reason in
 * strata.h). strata_err_set() clears the reason, so a reason is given after
 * the message that goes with it, or both at once with strata_err_setr().
 */
#ifndef STRATA_REASON_H
#define STRATA_REASON_H

#include "strata.h"

/* strata_err_set() and then the reason; returns code. NULL err: nothing, still code. */
int strata_err_setr(struct strata_err *err, int code, enum strata_reason reason, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
/* Give err, already filled, its reason (NULL err: nothing). */
void strata_err_reason(struct strata_err *err, enum strata_reason reason);

#endif
