/*
 * schema/diffplan.h - what a driver's schema_plan method uses to build a
 * struct strata_schema_plan (include/strata_schema.h): the objects of the
 * two schemas matched across renames, the step builder, and the dependency
 * order both sides are walked in.
 *
 * The engine-neutral part of a diff lives here (schema/diffplan.c):
 * matching (same identity; a rename hint; the same engine identity when
 * both schemas come from one database), the public entry points, the
 * script and the verification. What SQL changes an object is the driver's.
 */
#ifndef STRATA_SCHEMA_DIFFPLAN_H
#define STRATA_SCHEMA_DIFFPLAN_H

#include "strata_schema.h"
#include "model.h"

/*
 * The objects of `from` and `to` paired: to_from[i] is the index in
 * from->objs of the counterpart of to->objs[i] (-1: it is new), from_to[j]
 * the reverse (-1: it is gone). A pair is the same object: same identity;
 * or renamed, by a hint or by engine identity (equal origin and ident),
 * itself or through its table (a column of a renamed table keeps its name
 * but not its parent). renamed[i] is 1 when to->objs[i]'s own name differs
 * from its counterpart's; moved[i] when only its parent's does.
 */
struct strata_plan_match {
	const struct strata_schema *from, *to;
	long *to_from;
	long *from_to;
	unsigned char *renamed;
	unsigned char *moved;
};

/* Pair the objects (o's hints: errors name their file and line). Release with strata_plan_match_release. */
int strata_plan_match_build(const struct strata_schema *from, const struct strata_schema *to,
			    const struct strata_plan_opts *o, struct strata_plan_match *m, struct strata_err *err);
void strata_plan_match_release(struct strata_plan_match *m);

/* The counterpart in `from` of to->objs[i], or NULL (new). */
const struct strata_schema_obj *strata_plan_match_from(const struct strata_plan_match *m, size_t to_ix);
/* The counterpart in `to` of from->objs[j], or NULL (gone). */
const struct strata_schema_obj *strata_plan_match_to(const struct strata_plan_match *m, size_t from_ix);
/* The name table `from_parent` (of schema) has in `to` (itself when not renamed; NULL: dropped or not a table). */
const char *strata_plan_match_parent(const struct strata_plan_match *m, const char *schema, const char *from_parent);

/*
 * Append a step: sql copied as is (each statement ending ";\n"), `what`
 * formatted. Returns 0 or STRATA_ENOMEM (p stays freeable).
 */
int strata_plan_add(struct strata_schema_plan *p, enum strata_obj_kind kind, unsigned flags, const char *sql,
		    const char *what_fmt, ...) __attribute__((format(printf, 5, 6)));
/*
 * strata_plan_add of a statement buffer the caller built, with `what` as is,
 * unless *rc already holds an error; a broken buffer (out of memory) or a
 * failed add sets *rc.
 */
struct strata_buf;
void strata_plan_add_buf(struct strata_schema_plan *p, int *rc, enum strata_obj_kind kind, unsigned flags,
			 const struct strata_buf *sql, const char *what);
/* Note something the plan cannot express ("change of the subtype of range type r"). */
int strata_plan_unhandled(struct strata_schema_plan *p, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/*
 * Whether two objects (a pair) differ in an attribute (what compare reports,
 * position aside; their SQL is not compared: the attributes say it). With
 * `key`, only in that one.
 */
int strata_plan_obj_differs(const struct strata_schema_obj *a, const struct strata_schema_obj *b, const char *key);

#endif
