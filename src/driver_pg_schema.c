/*
 * driver_pg_schema.c - the PostgreSQL driver's schema_read: the schema of a
 * database, read from pg_catalog into the model of src/schema/model.h.
 *
 * One query per kind of object, never one per table, so that reading a
 * schema of a few hundred tables takes a few round trips; a session that
 * reads more than once (strata test) prepares them and plans each once. Everything a dump
 * writes is rendered by the server itself (pg_get_viewdef,
 * pg_get_functiondef, pg_get_triggerdef, pg_get_indexdef,
 * pg_get_constraintdef, pg_get_expr, format_type, format('%I')), with the
 * session's search_path emptied while it reads, as pg_dump does: every name
 * comes out schema-qualified, so the same database gives the same text
 * whatever search_path the target set, and the script runs anywhere.
 *
 * Each object's sql is what recreates it on an empty database: a table's
 * CREATE TABLE holds its columns (types, collations, defaults, identity,
 * generated expressions, NOT NULL) and is followed by what belongs to the
 * table alone (row level security, comments, OWNED BY of its sequences);
 * constraints, indexes, triggers, policies and rules are objects of their
 * own (ALTER TABLE ... ADD CONSTRAINT). The order of a dump comes from
 * pg_depend (read last, in one query, mapped onto the objects' identities).
 *
 * Left out: system schemas, objects that belong to an extension, strata's
 * own tables and what hangs off them. Kinds the model has no place for are
 * counted into the schema's unhandled list, never dropped silently.
 */
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "util.h"
#include "driver.h"
#include "driver_pg_schema.h"
#include "schema/model.h"

extern const struct strata_driver strata_driver_postgres;

/* A schema of the user's: not pg_catalog, pg_toast, pg_temp_N..., information_schema. */
#define USER_NS(n) "(" n ".nspname !~ '^pg_' AND " n ".nspname <> 'information_schema')"
/* The object is not a member of an extension. */
#define NOT_EXT(cat, oid)                                                                                        \
	"NOT EXISTS (SELECT 1 FROM pg_depend e WHERE e.classid = '" cat "'::regclass AND e.objid = " oid            \
	" AND e.deptype = 'e')"
/* The object was not made by another one as a part of it (a range type's constructor functions). */
#define NOT_INTERNAL(cat, oid)                                                                                   \
	"NOT EXISTS (SELECT 1 FROM pg_depend e WHERE e.classid = '" cat "'::regclass AND e.objid = " oid            \
	" AND e.deptype = 'i')"
/* A relation of the user's that is not one of strata's own ($1: their oids). */
#define USER_REL(c, n) USER_NS(n) " AND " NOT_EXT("pg_class", c ".oid") " AND " c ".oid <> ALL ($1::oid[])"
/* A collation's qualified name. */
#define COLL(oid)                                                                                                \
	"(SELECT format('%I.%I', cn.nspname, co.collname) FROM pg_collation co JOIN pg_namespace cn ON cn.oid = " \
	"co.collnamespace WHERE co.oid = " oid ")"
/* The comment of an object. */
#define DESCR(cat, oid, sub)                                                                                     \
	"(SELECT description FROM pg_description WHERE classoid = '" cat "'::regclass AND objoid = " oid         \
	" AND objsubid = " sub ")"

/*
 * The queries of the plain kinds: each row is kind, schema, parent, name,
 * sql, then the attributes named by the query's keys, in order.
 */
static const char q_schemas[] =
	"SELECT 'schema', NULL, NULL, n.nspname,"
	" concat_ws(E'\\n', CASE WHEN n.nspname <> 'public' THEN format('CREATE SCHEMA %I;', n.nspname) END,"
	"  CASE WHEN x.d IS NOT NULL THEN format('COMMENT ON SCHEMA %I IS %L;', n.nspname, x.d) END),"
	" x.d"
	" FROM pg_namespace n CROSS JOIN LATERAL (SELECT " DESCR("pg_namespace", "n.oid", "0") " AS d OFFSET 0) x"
	" WHERE " USER_NS("n") " AND " NOT_EXT("pg_namespace", "n.oid");
static const char *const k_schemas[] = { "comment", NULL };

static const char q_extensions[] =
	"SELECT 'extension', NULL, NULL, x.extname,"
	" format('CREATE EXTENSION IF NOT EXISTS %I WITH SCHEMA %I;', x.extname, n.nspname)"
	"  || CASE WHEN y.d IS NOT NULL THEN format(E'\\nCOMMENT ON EXTENSION %I IS %L;', x.extname, y.d) ELSE '' END,"
	" n.nspname, x.extversion, y.d"
	" FROM pg_extension x JOIN pg_namespace n ON n.oid = x.extnamespace"
	" CROSS JOIN LATERAL (SELECT " DESCR("pg_extension", "x.oid", "0") " AS d OFFSET 0) y"
	" WHERE x.oid >= 16384"; /* plpgsql, created by initdb, is every database's */
static const char *const k_extensions[] = { "schema", "version", "comment", NULL };

static const char q_types[] =
	"SELECT 'type', n.nspname, NULL, t.typname,"
	" y.stmt || CASE WHEN z.d IS NOT NULL THEN format(E'\\nCOMMENT ON %s %I.%I IS %L;',"
	"  CASE WHEN t.typtype = 'd' THEN 'DOMAIN' ELSE 'TYPE' END, n.nspname, t.typname, z.d) ELSE '' END,"
	" CASE t.typtype WHEN 'e' THEN 'enum' WHEN 'd' THEN 'domain' WHEN 'c' THEN 'composite' ELSE 'range' END,"
	" y.stmt, z.d"
	" FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace"
	" LEFT JOIN pg_type bt ON bt.oid = t.typbasetype"
	" LEFT JOIN pg_range rg ON rg.rngtypid = t.oid"
	" LEFT JOIN pg_type st ON st.oid = rg.rngsubtype"
	" CROSS JOIN LATERAL (SELECT " DESCR("pg_type", "t.oid", "0") " AS d OFFSET 0) z"
	" CROSS JOIN LATERAL (SELECT CASE t.typtype"
	"  WHEN 'e' THEN format('CREATE TYPE %I.%I AS ENUM (%s);', n.nspname, t.typname,"
	"   (SELECT coalesce(string_agg(quote_literal(e.enumlabel), ', ' ORDER BY e.enumsortorder), '')"
	"    FROM pg_enum e WHERE e.enumtypid = t.oid))"
	"  WHEN 'd' THEN format('CREATE DOMAIN %I.%I AS %s', n.nspname, t.typname, format_type(t.typbasetype, t.typtypmod))"
	"   || CASE WHEN t.typcollation <> 0 AND t.typcollation <> bt.typcollation"
	"      THEN ' COLLATE ' || " COLL("t.typcollation") " ELSE '' END"
	"   || CASE WHEN t.typdefaultbin IS NOT NULL"
	"      THEN ' DEFAULT ' || pg_get_expr(t.typdefaultbin, 'pg_type'::regclass) ELSE '' END"
	"   || CASE WHEN t.typnotnull THEN ' NOT NULL' ELSE '' END || ';'"
	"  WHEN 'c' THEN format('CREATE TYPE %I.%I AS (%s);', n.nspname, t.typname,"
	"   (SELECT coalesce(string_agg(format('%I %s', a.attname, format_type(a.atttypid, a.atttypmod))"
	"     || CASE WHEN a.attcollation <> at.typcollation THEN ' COLLATE ' || " COLL("a.attcollation") " ELSE '' END,"
	"     ', ' ORDER BY a.attnum), '')"
	"    FROM pg_attribute a JOIN pg_type at ON at.oid = a.atttypid"
	"    WHERE a.attrelid = t.typrelid AND a.attnum > 0 AND NOT a.attisdropped))"
	"  ELSE format('CREATE TYPE %I.%I AS RANGE (subtype = %s', n.nspname, t.typname, format_type(rg.rngsubtype, NULL))"
	"   || coalesce((SELECT format(', subtype_opclass = %I.%I', ocn.nspname, opc.opcname) FROM pg_opclass opc"
	"     JOIN pg_namespace ocn ON ocn.oid = opc.opcnamespace WHERE opc.oid = rg.rngsubopc AND NOT opc.opcdefault), '')"
	"   || CASE WHEN rg.rngcollation <> 0 AND rg.rngcollation <> st.typcollation"
	"      THEN ', collation = ' || " COLL("rg.rngcollation") " ELSE '' END"
	"   || CASE WHEN rg.rngcanonical <> 0 THEN ', canonical = ' || rg.rngcanonical::regproc::text ELSE '' END"
	"   || CASE WHEN rg.rngsubdiff <> 0 THEN ', subtype_diff = ' || rg.rngsubdiff::regproc::text ELSE '' END"
	"   || coalesce((SELECT format(', multirange_type_name = %I.%I', mn.nspname, mt.typname) FROM pg_type mt"
	"     JOIN pg_namespace mn ON mn.oid = mt.typnamespace WHERE mt.oid = rg.rngmultitypid), '') || ');'"
	"  END AS stmt OFFSET 0) y"
	" WHERE (t.typtype IN ('e', 'd', 'r')"
	"  OR (t.typtype = 'c' AND EXISTS (SELECT 1 FROM pg_class r WHERE r.oid = t.typrelid AND r.relkind = 'c')))"
	" AND " USER_NS("n") " AND " NOT_EXT("pg_type", "t.oid");
static const char *const k_types[] = { "kind", "definition", "comment", NULL };

static const char q_sequences[] =
	"SELECT 'sequence', n.nspname, NULL, c.relname,"
	" format('CREATE %sSEQUENCE %I.%I AS %s START WITH %s INCREMENT BY %s MINVALUE %s MAXVALUE %s CACHE %s%s;',"
	"  CASE WHEN c.relpersistence = 'u' THEN 'UNLOGGED ' ELSE '' END, n.nspname, c.relname,"
	"  format_type(s.seqtypid, NULL), s.seqstart, s.seqincrement, s.seqmin, s.seqmax, s.seqcache,"
	"  CASE WHEN s.seqcycle THEN ' CYCLE' ELSE '' END)"
	"  || CASE WHEN y.d IS NOT NULL THEN format(E'\\nCOMMENT ON SEQUENCE %I.%I IS %L;', n.nspname, c.relname, y.d)"
	"     ELSE '' END,"
	" format_type(s.seqtypid, NULL), s.seqstart::text, s.seqincrement::text, s.seqmin::text, s.seqmax::text,"
	" s.seqcache::text, CASE WHEN s.seqcycle THEN 'true' END,"
	" CASE WHEN c.relpersistence = 'u' THEN 'unlogged' END,"
	" (SELECT format('%I.%I.%I', on_.nspname, oc.relname, oa.attname) FROM pg_depend od"
	"   JOIN pg_class oc ON oc.oid = od.refobjid JOIN pg_namespace on_ ON on_.oid = oc.relnamespace"
	"   JOIN pg_attribute oa ON oa.attrelid = od.refobjid AND oa.attnum = od.refobjsubid"
	"   WHERE od.classid = 'pg_class'::regclass AND od.objid = c.oid AND od.refclassid = 'pg_class'::regclass"
	"   AND od.deptype = 'a' AND od.refobjsubid > 0),"
	" y.d"
	" FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace JOIN pg_sequence s ON s.seqrelid = c.oid"
	" CROSS JOIN LATERAL (SELECT " DESCR("pg_class", "c.oid", "0") " AS d OFFSET 0) y"
	" WHERE c.relkind = 'S' AND " USER_REL("c", "n") /* identity sequences are their column's */
	" AND NOT EXISTS (SELECT 1 FROM pg_depend i WHERE i.classid = 'pg_class'::regclass AND i.objid = c.oid"
	"  AND i.deptype = 'i')" /* and what strata's own tables own is strata's */
	" AND NOT EXISTS (SELECT 1 FROM pg_depend i WHERE i.classid = 'pg_class'::regclass AND i.objid = c.oid"
	"  AND i.deptype = 'a' AND i.refobjid = ANY ($1::oid[]))";
static const char *const k_sequences[] = { "type",  "start", "increment",   "min",      "max",
					   "cache", "cycle", "persistence", "owned by", "comment", NULL };

/* Constraints of tables and domains; those a partition or a child inherits come with it. */
static const char q_constraints[] =
	"SELECT 'constraint', n.nspname, coalesce(r.relname, ty.typname), co.conname,"
	" CASE WHEN co.contypid <> 0"
	"  THEN format('ALTER DOMAIN %I.%I ADD CONSTRAINT %I %s;', n.nspname, ty.typname, co.conname, x.def)"
	"  ELSE format('ALTER TABLE %s%I.%I ADD CONSTRAINT %I %s;',"
	"   CASE WHEN r.relkind = 'r' AND co.contype <> 'c' THEN 'ONLY ' ELSE '' END, n.nspname, r.relname, co.conname, x.def)"
	" END"
	" || CASE WHEN ix.indisreplident THEN format(E'\\nALTER TABLE ONLY %I.%I REPLICA IDENTITY USING INDEX %I;',"
	"    n.nspname, r.relname, (SELECT relname FROM pg_class WHERE oid = co.conindid)) ELSE '' END"
	" || CASE WHEN ix.indisclustered THEN format(E'\\nALTER TABLE ONLY %I.%I CLUSTER ON %I;',"
	"    n.nspname, r.relname, (SELECT relname FROM pg_class WHERE oid = co.conindid)) ELSE '' END"
	" || CASE WHEN y.d IS NOT NULL THEN format(E'\\nCOMMENT ON CONSTRAINT %I ON %s%I.%I IS %L;', co.conname,"
	"    CASE WHEN co.contypid <> 0 THEN 'DOMAIN ' ELSE '' END, n.nspname, coalesce(r.relname, ty.typname), y.d)"
	"    ELSE '' END,"
	" x.def, CASE WHEN co.convalidated THEN 'true' ELSE 'false' END, y.d,"
	" CASE co.contype WHEN 'p' THEN '" STRATA_CONTYPE_PRIMARY "' WHEN 'u' THEN '" STRATA_CONTYPE_UNIQUE "'"
	"  WHEN 'f' THEN '" STRATA_CONTYPE_FOREIGN "' WHEN 'x' THEN '" STRATA_CONTYPE_EXCLUDE "'"
	"  ELSE '" STRATA_CONTYPE_CHECK "' END,"
	" CASE WHEN ix.indisclustered THEN 'true' END, CASE WHEN ix.indisreplident THEN 'true' END"
	" FROM pg_constraint co JOIN pg_namespace n ON n.oid = co.connamespace"
	" LEFT JOIN pg_class r ON r.oid = co.conrelid LEFT JOIN pg_type ty ON ty.oid = co.contypid"
	" LEFT JOIN pg_index ix ON ix.indexrelid = co.conindid AND co.contype IN ('p', 'u', 'x')"
	" CROSS JOIN LATERAL (SELECT pg_get_constraintdef(co.oid) AS def, " DESCR("pg_constraint", "co.oid", "0") " AS d OFFSET 0) x"
	" CROSS JOIN LATERAL (SELECT x.d) y"
	" WHERE co.contype IN ('p', 'u', 'f', 'c', 'x') AND co.conislocal AND co.conparentid = 0"
	" AND " USER_NS("n") " AND ((co.conrelid <> 0 AND r.relkind IN ('r', 'p') AND " NOT_EXT("pg_class", "r.oid")
	"  AND r.oid <> ALL ($1::oid[])) OR (co.contypid <> 0 AND " NOT_EXT("pg_type", "ty.oid") "))";
static const char *const k_constraints[] = { "definition", "valid",		 "comment", STRATA_ATTR_CONTYPE,
					     "clustered",  "replica identity", NULL };

/* Indexes that back no constraint; a partition's index attached to its parent's comes with the parent's. */
static const char q_indexes[] =
	"SELECT 'index', n.nspname, t.relname, ic.relname,"
	" y.def || ';'"
	" || CASE WHEN x.indisreplident THEN format(E'\\nALTER TABLE ONLY %I.%I REPLICA IDENTITY USING INDEX %I;',"
	"    n.nspname, t.relname, ic.relname) ELSE '' END"
	" || CASE WHEN x.indisclustered THEN format(E'\\nALTER TABLE ONLY %I.%I CLUSTER ON %I;',"
	"    n.nspname, t.relname, ic.relname) ELSE '' END"
	" || CASE WHEN y.d IS NOT NULL THEN format(E'\\nCOMMENT ON INDEX %I.%I IS %L;', n.nspname, ic.relname, y.d)"
	"    ELSE '' END,"
	" y.def, CASE WHEN x.indisvalid THEN 'true' ELSE 'false' END, y.d,"
	" CASE WHEN x.indisclustered THEN 'true' END, CASE WHEN x.indisreplident THEN 'true' END"
	" FROM pg_index x JOIN pg_class ic ON ic.oid = x.indexrelid JOIN pg_class t ON t.oid = x.indrelid"
	" JOIN pg_namespace n ON n.oid = t.relnamespace"
	" CROSS JOIN LATERAL (SELECT CASE WHEN ic.relkind = 'I'" /* ON ONLY: recreate it on the partitions too */
	"  THEN regexp_replace(pg_get_indexdef(x.indexrelid), ' ON ONLY ', ' ON ')"
	"  ELSE pg_get_indexdef(x.indexrelid) END AS def, " DESCR("pg_class", "ic.oid", "0") " AS d OFFSET 0) y"
	" WHERE t.relkind IN ('r', 'p', 'm') AND " USER_REL("t", "n") " AND NOT ic.relispartition"
	" AND NOT EXISTS (SELECT 1 FROM pg_constraint co WHERE co.conindid = x.indexrelid AND co.conrelid = x.indrelid"
	"  AND co.contype IN ('p', 'u', 'x'))";
static const char *const k_indexes[] = { "definition", "valid", "comment", "clustered", "replica identity", NULL };

#define AGG_FN(col, key) "CASE WHEN ag." col " <> 0 THEN '" key " = ' || ag." col "::regproc::text END, "
static const char q_functions[] =
	"SELECT CASE p.prokind WHEN 'p' THEN 'procedure' WHEN 'a' THEN 'aggregate' ELSE 'function' END,"
	" n.nspname, NULL, p.proname || '(' || oidvectortypes(p.proargtypes) || ')',"
	" y.def"
	" || CASE WHEN z.d IS NOT NULL THEN format(E'\\nCOMMENT ON %s %I.%I(%s) IS %L;',"
	"   CASE p.prokind WHEN 'p' THEN 'PROCEDURE' WHEN 'a' THEN 'AGGREGATE' ELSE 'FUNCTION' END, n.nspname, p.proname,"
	"   CASE WHEN p.prokind = 'a' AND p.pronargs = 0 THEN '*' ELSE pg_get_function_identity_arguments(p.oid) END,"
	"   z.d) ELSE '' END,"
	" y.def, z.d"
	" FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace"
	" LEFT JOIN pg_aggregate ag ON ag.aggfnoid = p.oid"
	" CROSS JOIN LATERAL (SELECT " DESCR("pg_proc", "p.oid", "0") " AS d OFFSET 0) z"
	" CROSS JOIN LATERAL (SELECT CASE WHEN p.prokind <> 'a' THEN rtrim(pg_get_functiondef(p.oid), E'\\n') || ';'"
	"  ELSE format('CREATE AGGREGATE %I.%I(%s) (%s);', n.nspname, p.proname,"
	"   CASE WHEN p.pronargs = 0 THEN '*' ELSE pg_get_function_arguments(p.oid) END, concat_ws(', ',"
	"   'SFUNC = ' || ag.aggtransfn::regproc::text, 'STYPE = ' || format_type(ag.aggtranstype, NULL),"
	"   CASE WHEN ag.aggtransspace <> 0 THEN 'SSPACE = ' || ag.aggtransspace END, "
	AGG_FN("aggfinalfn", "FINALFUNC")
	"   CASE WHEN ag.aggfinalextra THEN 'FINALFUNC_EXTRA' END,"
	"   CASE WHEN ag.aggfinalmodify <> 'r' THEN 'FINALFUNC_MODIFY = '"
	"    || CASE ag.aggfinalmodify WHEN 's' THEN 'SHAREABLE' ELSE 'READ_WRITE' END END, "
	AGG_FN("aggcombinefn", "COMBINEFUNC") AGG_FN("aggserialfn", "SERIALFUNC") AGG_FN("aggdeserialfn", "DESERIALFUNC")
	"   CASE WHEN ag.agginitval IS NOT NULL THEN 'INITCOND = ' || quote_literal(ag.agginitval) END, "
	AGG_FN("aggmtransfn", "MSFUNC") AGG_FN("aggminvtransfn", "MINVFUNC")
	"   CASE WHEN ag.aggmtranstype <> 0 THEN 'MSTYPE = ' || format_type(ag.aggmtranstype, NULL) END,"
	"   CASE WHEN ag.aggmtransspace <> 0 THEN 'MSSPACE = ' || ag.aggmtransspace END, "
	AGG_FN("aggmfinalfn", "MFINALFUNC")
	"   CASE WHEN ag.aggmfinalextra THEN 'MFINALFUNC_EXTRA' END,"
	"   CASE WHEN ag.aggmtransfn <> 0 AND ag.aggmfinalmodify <> 'r' THEN 'MFINALFUNC_MODIFY = '"
	"    || CASE ag.aggmfinalmodify WHEN 's' THEN 'SHAREABLE' ELSE 'READ_WRITE' END END,"
	"   CASE WHEN ag.aggminitval IS NOT NULL THEN 'MINITCOND = ' || quote_literal(ag.aggminitval) END,"
	"   CASE WHEN ag.aggsortop <> 0 THEN (SELECT format('SORTOP = OPERATOR(%I.%s)', opn.nspname, op.oprname)"
	"    FROM pg_operator op JOIN pg_namespace opn ON opn.oid = op.oprnamespace WHERE op.oid = ag.aggsortop) END,"
	"   CASE p.proparallel WHEN 's' THEN 'PARALLEL = SAFE' WHEN 'r' THEN 'PARALLEL = RESTRICTED' END))"
	"  END AS def OFFSET 0) y"
	" WHERE " USER_NS("n") " AND " NOT_EXT("pg_proc", "p.oid") " AND " NOT_INTERNAL("pg_proc", "p.oid")
	" AND (p.prokind <> 'a' OR ag.aggkind = 'n')";
static const char *const k_functions[] = { "definition", "comment", NULL };

static const char q_triggers[] =
	"SELECT 'trigger', n.nspname, c.relname, t.tgname,"
	" y.def || ';'"
	" || CASE t.tgenabled WHEN 'D' THEN format(E'\\nALTER TABLE %I.%I DISABLE TRIGGER %I;', n.nspname, c.relname, t.tgname)"
	"   WHEN 'R' THEN format(E'\\nALTER TABLE %I.%I ENABLE REPLICA TRIGGER %I;', n.nspname, c.relname, t.tgname)"
	"   WHEN 'A' THEN format(E'\\nALTER TABLE %I.%I ENABLE ALWAYS TRIGGER %I;', n.nspname, c.relname, t.tgname)"
	"   ELSE '' END"
	" || CASE WHEN y.d IS NOT NULL THEN format(E'\\nCOMMENT ON TRIGGER %I ON %I.%I IS %L;', t.tgname, n.nspname,"
	"    c.relname, y.d) ELSE '' END,"
	" y.def, CASE t.tgenabled WHEN 'D' THEN 'disabled' WHEN 'R' THEN 'replica' WHEN 'A' THEN 'always' END, y.d"
	" FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid JOIN pg_namespace n ON n.oid = c.relnamespace"
	" CROSS JOIN LATERAL (SELECT pg_get_triggerdef(t.oid) AS def, " DESCR("pg_trigger", "t.oid", "0") " AS d OFFSET 0) y"
	" WHERE NOT t.tgisinternal AND t.tgparentid = 0 AND c.relkind IN ('r', 'p', 'v', 'm') AND " USER_REL("c", "n");
static const char *const k_triggers[] = { "definition", "enabled", "comment", NULL };

static const char q_policies[] =
	"SELECT 'policy', n.nspname, c.relname, p.polname,"
	" y.def || CASE WHEN y.d IS NOT NULL THEN format(E'\\nCOMMENT ON POLICY %I ON %I.%I IS %L;', p.polname,"
	"  n.nspname, c.relname, y.d) ELSE '' END,"
	" y.def, y.d"
	" FROM pg_policy p JOIN pg_class c ON c.oid = p.polrelid JOIN pg_namespace n ON n.oid = c.relnamespace"
	" CROSS JOIN LATERAL (SELECT format('CREATE POLICY %I ON %I.%I AS %s FOR %s TO %s%s%s;', p.polname, n.nspname,"
	"  c.relname, CASE WHEN p.polpermissive THEN 'PERMISSIVE' ELSE 'RESTRICTIVE' END,"
	"  CASE p.polcmd WHEN 'r' THEN 'SELECT' WHEN 'a' THEN 'INSERT' WHEN 'w' THEN 'UPDATE' WHEN 'd' THEN 'DELETE'"
	"   ELSE 'ALL' END,"
	"  (SELECT string_agg(CASE WHEN r.oid = 0 THEN 'PUBLIC' ELSE quote_ident(ro.rolname) END, ', '"
	"    ORDER BY r.oid <> 0, ro.rolname) FROM unnest(p.polroles) AS r(oid) LEFT JOIN pg_roles ro ON ro.oid = r.oid),"
	"  ' USING (' || pg_get_expr(p.polqual, p.polrelid) || ')',"
	"  ' WITH CHECK (' || pg_get_expr(p.polwithcheck, p.polrelid) || ')') AS def,"
	"  " DESCR("pg_policy", "p.oid", "0") " AS d OFFSET 0) y"
	" WHERE " USER_REL("c", "n");
static const char *const k_policies[] = { "definition", "comment", NULL };

static const char q_rules[] =
	"SELECT 'rule', n.nspname, c.relname, r.rulename,"
	" y.def"
	" || CASE r.ev_enabled WHEN 'D' THEN format(E'\\nALTER TABLE %I.%I DISABLE RULE %I;', n.nspname, c.relname, r.rulename)"
	"   WHEN 'R' THEN format(E'\\nALTER TABLE %I.%I ENABLE REPLICA RULE %I;', n.nspname, c.relname, r.rulename)"
	"   WHEN 'A' THEN format(E'\\nALTER TABLE %I.%I ENABLE ALWAYS RULE %I;', n.nspname, c.relname, r.rulename)"
	"   ELSE '' END"
	" || CASE WHEN y.d IS NOT NULL THEN format(E'\\nCOMMENT ON RULE %I ON %I.%I IS %L;', r.rulename, n.nspname,"
	"    c.relname, y.d) ELSE '' END,"
	" y.def, CASE r.ev_enabled WHEN 'D' THEN 'disabled' WHEN 'R' THEN 'replica' WHEN 'A' THEN 'always' END, y.d"
	" FROM pg_rewrite r JOIN pg_class c ON c.oid = r.ev_class JOIN pg_namespace n ON n.oid = c.relnamespace"
	" CROSS JOIN LATERAL (SELECT pg_get_ruledef(r.oid) AS def, " DESCR("pg_rewrite", "r.oid", "0") " AS d OFFSET 0) y"
	" WHERE r.rulename <> '_RETURN' AND " USER_REL("c", "n");
static const char *const k_rules[] = { "definition", "enabled", "comment", NULL };

/* Grants (STRATA_SCHEMA_GRANTS): one object per privilege a role holds beyond what its owner has. */
#define ACL_ROWS(objtype, ident, acl, owner)                                                                     \
	"SELECT " objtype ", " ident ", a.privilege_type, a.grantee, a.is_grantable FROM aclexplode(" acl ") a "  \
	"WHERE a.grantee <> " owner
static const char q_grants[] =
	"SELECT 'grant', g.nsp, g.objtype || ' ' || g.obj,"
	" g.privilege_type || ' to ' || g.role || CASE WHEN g.is_grantable THEN ' with grant option' ELSE '' END,"
	" format('GRANT %s ON %s %s TO %s%s;', g.privilege_type, g.objtype, g.target, g.role,"
	"  CASE WHEN g.is_grantable THEN ' WITH GRANT OPTION' ELSE '' END)"
	" FROM ("
	"  SELECT n.nspname AS nsp, x.objtype, x.obj, x.target, x.privilege_type, x.is_grantable,"
	"   CASE WHEN x.grantee = 0 THEN 'PUBLIC' ELSE quote_ident(pg_get_userbyid(x.grantee)) END AS role"
	"  FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace CROSS JOIN LATERAL ("
	"   SELECT CASE WHEN c.relkind = 'S' THEN 'SEQUENCE' ELSE 'TABLE' END AS objtype, c.relname::text AS obj,"
	"    format('%I.%I', n.nspname, c.relname) AS target, a.privilege_type, a.grantee, a.is_grantable"
	"   FROM aclexplode(c.relacl) a WHERE a.grantee <> c.relowner) x"
	"  WHERE c.relkind IN ('r', 'p', 'v', 'm', 'S') AND " USER_REL("c", "n") " AND c.relacl IS NOT NULL"
	"  UNION ALL"
	"  SELECT n.nspname, 'FUNCTION', p.proname || '(' || oidvectortypes(p.proargtypes) || ')',"
	"   format('%s %I.%I(%s)', CASE p.prokind WHEN 'p' THEN 'PROCEDURE' ELSE 'FUNCTION' END, n.nspname, p.proname,"
	"    pg_get_function_identity_arguments(p.oid)), a.privilege_type, a.is_grantable,"
	"   CASE WHEN a.grantee = 0 THEN 'PUBLIC' ELSE quote_ident(pg_get_userbyid(a.grantee)) END"
	"  FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace CROSS JOIN LATERAL aclexplode(p.proacl) a"
	"  WHERE " USER_NS("n") " AND " NOT_EXT("pg_proc", "p.oid") " AND p.prokind <> 'a' AND a.grantee <> p.proowner"
	"  UNION ALL"
	"  SELECT NULL, 'SCHEMA', n.nspname, format('%I', n.nspname), a.privilege_type, a.is_grantable,"
	"   CASE WHEN a.grantee = 0 THEN 'PUBLIC' ELSE quote_ident(pg_get_userbyid(a.grantee)) END"
	"  FROM pg_namespace n CROSS JOIN LATERAL aclexplode(n.nspacl) a"
	"  WHERE " USER_NS("n") " AND " NOT_EXT("pg_namespace", "n.oid") " AND a.grantee <> n.nspowner"
	"  AND n.nspname <> 'public'"
	" ) g";

/*
 * Kinds the model has no place for, counted: objects made after initdb
 * (oid 16384 and up: no system object is), neither an extension's nor made
 * by another object as a part of it. One scan of each catalog and one
 * anti-join, so that planning it stays cheap.
 */
#define UH(label, cat, where) " UNION ALL SELECT '" label "', '" cat "'::regclass, x.oid FROM " cat " x WHERE x.oid >= 16384" where
static const char q_unhandled[] =
	"WITH o(kind, classid, oid) AS (SELECT 'foreign table', 'pg_class'::regclass, x.oid FROM pg_class x"
	"  WHERE x.oid >= 16384 AND x.relkind = 'f'"
	UH("typed table", "pg_class", " AND x.relkind IN ('r', 'p') AND x.reloftype <> 0")
	UH("relation in a tablespace", "pg_class", " AND x.reltablespace <> 0 AND x.relkind IN ('r', 'p', 'm', 'i', 'I')")
	UH("base type", "pg_type", " AND (x.typtype = 'p' OR (x.typtype = 'b' AND x.typcategory <> 'A'))")
	UH("operator", "pg_operator", "")
	UH("operator class", "pg_opclass", "")
	UH("operator family", "pg_opfamily", "")
	UH("collation", "pg_collation", "")
	UH("conversion", "pg_conversion", "")
	UH("statistics object", "pg_statistic_ext", "")
	UH("text search configuration", "pg_ts_config", "")
	UH("text search dictionary", "pg_ts_dict", "")
	UH("text search parser", "pg_ts_parser", "")
	UH("text search template", "pg_ts_template", "")
	UH("cast", "pg_cast", "")
	UH("language", "pg_language", "")
	UH("transform", "pg_transform", "")
	UH("access method", "pg_am", "")
	UH("foreign-data wrapper", "pg_foreign_data_wrapper", "")
	UH("foreign server", "pg_foreign_server", "")
	UH("event trigger", "pg_event_trigger", "")
	UH("publication", "pg_publication", "")
	" UNION ALL SELECT 'ordered-set aggregate', 'pg_proc'::regclass, x.aggfnoid FROM pg_aggregate x"
	"  WHERE x.aggfnoid >= 16384 AND x.aggkind <> 'n')"
	" SELECT kind, count(*) FROM o WHERE NOT EXISTS (SELECT 1 FROM pg_depend e WHERE e.classid = o.classid"
	"  AND e.objid = o.oid AND e.deptype IN ('e', 'i')) GROUP BY kind"
	" UNION ALL SELECT 'subscription', count(*) FROM pg_subscription x WHERE x.subdbid = (SELECT oid FROM pg_database"
	"  WHERE datname = current_database())"
	" UNION ALL SELECT 'security label', count(*) FROM pg_seclabel";
/* Only when grants are read: privileges given in advance are grants too. */
static const char q_unhandled_grants[] =
	"SELECT 'default privileges', count(*) FROM pg_default_acl"
	" UNION ALL SELECT 'column privileges', count(*) FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid"
	" JOIN pg_namespace n ON n.oid = c.relnamespace WHERE a.attacl IS NOT NULL AND a.attnum > 0"
	" AND " USER_NS("n");

/*
 * Tables, views and materialized views: oid, kind, schema, name, head (the
 * CREATE up to its column list, or the whole statement of a view), whether
 * the columns go into a list, tail (after the list), what follows the
 * statement, then the attributes of k_relations. Ordered by oid, as the
 * columns are.
 */
#define REL_OPTS "CASE WHEN o.o <> '' THEN ' WITH (' || o.o || ')' ELSE '' END"
static const char q_relations[] =
	"SELECT c.oid, CASE c.relkind WHEN 'v' THEN 'view' WHEN 'm' THEN 'materialized view' ELSE 'table' END,"
	" n.nspname, c.relname,"
	" CASE WHEN c.relkind IN ('r', 'p') AND c.relispartition"
	"   THEN format('CREATE %sTABLE %I.%I PARTITION OF %s', u.u, n.nspname, c.relname, par.parents)"
	"  WHEN c.relkind IN ('r', 'p') THEN format('CREATE %sTABLE %I.%I', u.u, n.nspname, c.relname)"
	"  WHEN c.relkind = 'v' THEN format(E'CREATE VIEW %I.%I%s AS\\n%s', n.nspname, c.relname, " REL_OPTS ","
	"   u.vdef)"
	"  ELSE format(E'CREATE MATERIALIZED VIEW %I.%I%s%s AS\\n%s\\n  WITH NO DATA;', n.nspname, c.relname,"
	"   CASE WHEN am.amname <> 'heap' THEN ' USING ' || quote_ident(am.amname) ELSE '' END, " REL_OPTS ","
	"   rtrim(u.vdef, ';'))"
	" END,"
	" CASE WHEN c.relkind IN ('r', 'p') AND NOT c.relispartition THEN 't' ELSE 'f' END,"
	" CASE WHEN c.relkind IN ('r', 'p') THEN"
	"   CASE WHEN NOT c.relispartition AND par.parents IS NOT NULL THEN ' INHERITS (' || par.parents || ')' ELSE '' END"
	"   || CASE WHEN c.relispartition THEN ' ' || u.bound ELSE '' END"
	"   || CASE WHEN c.relkind = 'p' THEN ' PARTITION BY ' || u.pkey ELSE '' END"
	"   || CASE WHEN c.relkind = 'r' AND am.amname <> 'heap' THEN ' USING ' || quote_ident(am.amname) ELSE '' END"
	"   || " REL_OPTS " || ';'"
	"  ELSE '' END,"
	" concat_ws(E'\\n',"
	"  CASE WHEN c.relrowsecurity THEN format('ALTER TABLE %I.%I ENABLE ROW LEVEL SECURITY;', n.nspname, c.relname) END,"
	"  CASE WHEN c.relforcerowsecurity THEN format('ALTER TABLE %I.%I FORCE ROW LEVEL SECURITY;', n.nspname, c.relname) END,"
	"  CASE WHEN c.relkind IN ('r', 'p') AND c.relreplident IN ('f', 'n') THEN format("
	"   'ALTER TABLE ONLY %I.%I REPLICA IDENTITY %s;', n.nspname, c.relname,"
	"   CASE c.relreplident WHEN 'f' THEN 'FULL' ELSE 'NOTHING' END) END,"
	"  CASE WHEN y.d IS NOT NULL THEN format('COMMENT ON %s %I.%I IS %L;',"
	"   CASE c.relkind WHEN 'v' THEN 'VIEW' WHEN 'm' THEN 'MATERIALIZED VIEW' ELSE 'TABLE' END, n.nspname, c.relname, y.d) END,"
	"  (SELECT string_agg(format('ALTER SEQUENCE %I.%I OWNED BY %I.%I.%I;', sn.nspname, sc.relname, n.nspname,"
	"    c.relname, a.attname), E'\\n' ORDER BY sn.nspname, sc.relname)"
	"   FROM pg_depend od JOIN pg_class sc ON sc.oid = od.objid AND sc.relkind = 'S'"
	"   JOIN pg_namespace sn ON sn.oid = sc.relnamespace"
	"   JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum = od.refobjsubid"
	"   WHERE od.classid = 'pg_class'::regclass AND od.refclassid = 'pg_class'::regclass AND od.refobjid = c.oid"
	"   AND od.deptype = 'a' AND od.refobjsubid > 0 AND " USER_NS("sn") " AND " NOT_EXT("pg_class", "sc.oid") ")),"
	/* the attributes */
	" u.pkey, u.bound,"
	" CASE WHEN c.relispartition THEN par.parents END,"
	" CASE WHEN NOT c.relispartition THEN par.parents END,"
	" nullif(o.o, ''),"
	" CASE WHEN c.relrowsecurity AND c.relforcerowsecurity THEN 'enabled, forced' WHEN c.relrowsecurity THEN 'enabled'"
	"  WHEN c.relforcerowsecurity THEN 'forced' END,"
	" CASE WHEN c.relpersistence = 'u' THEN 'unlogged' END,"
	" CASE WHEN c.relkind IN ('r', 'm') AND am.amname <> 'heap' THEN am.amname END,"
	" CASE WHEN c.relkind IN ('r', 'p') THEN CASE c.relreplident WHEN 'f' THEN 'full' WHEN 'n' THEN 'nothing'"
	"  WHEN 'i' THEN 'index' END END,"
	" y.d,"
	" u.vdef"
	" FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace"
	" LEFT JOIN pg_am am ON am.oid = c.relam"
	" LEFT JOIN pg_class tc ON tc.oid = c.reltoastrelid"
	" CROSS JOIN LATERAL (SELECT CASE WHEN c.relpersistence = 'u' THEN 'UNLOGGED ' ELSE '' END AS u,"
	"  " DESCR("pg_class", "c.oid", "0") " AS d,"
	"  CASE WHEN c.relkind IN ('v', 'm') THEN pg_get_viewdef(c.oid) END AS vdef,"
	"  CASE WHEN c.relkind = 'p' THEN pg_get_partkeydef(c.oid) END AS pkey,"
	"  CASE WHEN c.relispartition THEN pg_get_expr(c.relpartbound, c.oid) END AS bound OFFSET 0) u"
	" CROSS JOIN LATERAL (SELECT u.d) y"
	" CROSS JOIN LATERAL (SELECT array_to_string(coalesce(c.reloptions, '{}')"
	"  || coalesce((SELECT array_agg('toast.' || t) FROM unnest(tc.reloptions) t), '{}'), ', ') AS o OFFSET 0) o"
	" LEFT JOIN LATERAL (SELECT string_agg(format('%I.%I', pn.nspname, p.relname), ', ' ORDER BY i.inhseqno) AS parents"
	"  FROM pg_inherits i JOIN pg_class p ON p.oid = i.inhparent JOIN pg_namespace pn ON pn.oid = p.relnamespace"
	"  WHERE i.inhrelid = c.oid) par ON true"
	" WHERE c.relkind IN ('r', 'p', 'v', 'm') AND " USER_REL("c", "n") " ORDER BY c.oid";
static const char *const k_relations[] = { "partition key", "partition bound", "partition of", "inherits",
					   "options", "rls", "persistence", "access method", "replica identity",
					   "comment", "definition", NULL };

/*
 * Columns of those: table oid, schema, table, name, position, in the list?,
 * its definition in the list, what follows the table's statement for it,
 * then the attributes of k_columns. A column a table inherits (a partition's,
 * a child's) is not in the list: what differs from its parent's follows.
 */
static const char q_columns[] =
	"SELECT a.attrelid, n.nspname, c.relname, a.attname,"
	" row_number() OVER (PARTITION BY a.attrelid ORDER BY a.attnum),"
	" CASE WHEN x.inlist THEN 't' ELSE 'f' END,"
	" format('%I %s', a.attname, x.typ) || coalesce(' COLLATE ' || x.coll, '')"
	"  || CASE WHEN x.gen IS NOT NULL THEN ' GENERATED ALWAYS AS (' || x.gen || ') STORED'"
	"   WHEN x.dflt IS NOT NULL THEN ' DEFAULT ' || x.dflt ELSE '' END"
	"  || CASE a.attidentity WHEN 'a' THEN ' GENERATED ALWAYS AS IDENTITY ' || x.idopts"
	"   WHEN 'd' THEN ' GENERATED BY DEFAULT AS IDENTITY ' || x.idopts ELSE '' END"
	"  || CASE WHEN a.attnotnull THEN ' NOT NULL' ELSE '' END,"
	" concat_ws(E'\\n',"
	"  CASE WHEN c.relkind IN ('r', 'p') AND NOT x.inlist AND a.attgenerated = ''"
	"   AND x.dflt IS DISTINCT FROM pa.pdflt THEN"
	"   CASE WHEN x.dflt IS NULL THEN format('%s ALTER COLUMN %I DROP DEFAULT;', x.alter, a.attname)"
	"   ELSE format('%s ALTER COLUMN %I SET DEFAULT %s;', x.alter, a.attname, x.dflt) END END,"
	"  CASE WHEN c.relkind IN ('r', 'p') AND NOT x.inlist AND a.attnotnull AND NOT coalesce(pa.attnotnull, false)"
	"   THEN format('%s ALTER COLUMN %I SET NOT NULL;', x.alter, a.attname) END,"
	"  CASE WHEN c.relkind = 'v' AND x.dflt IS NOT NULL"
	"   THEN format('ALTER VIEW %I.%I ALTER COLUMN %I SET DEFAULT %s;', n.nspname, c.relname, a.attname, x.dflt) END,"
	"  CASE WHEN c.relkind IN ('r', 'p') AND a.attstorage <> CASE WHEN x.inlist THEN t.typstorage"
	"   ELSE coalesce(pa.attstorage, t.typstorage) END THEN format('%s ALTER COLUMN %I SET STORAGE %s;', x.alter,"
	"   a.attname, x.storage) END,"
	"  CASE WHEN c.relkind IN ('r', 'p', 'm') AND a.attstattarget >= 0"
	"   THEN format('%s ALTER COLUMN %I SET STATISTICS %s;', x.alter, a.attname, a.attstattarget) END,"
	"  CASE WHEN c.relkind IN ('r', 'p', 'm') AND a.attcompression <> ''"
	"   AND (x.inlist OR a.attcompression IS DISTINCT FROM pa.attcompression)"
	"   THEN format('%s ALTER COLUMN %I SET COMPRESSION %s;', x.alter, a.attname,"
	"   CASE a.attcompression WHEN 'l' THEN 'lz4' ELSE 'pglz' END) END,"
	"  CASE WHEN c.relkind IN ('r', 'p', 'm') AND a.attoptions IS NOT NULL"
	"   THEN format('%s ALTER COLUMN %I SET (%s);', x.alter, a.attname, array_to_string(a.attoptions, ', ')) END,"
	"  CASE WHEN x.d IS NOT NULL"
	"   THEN format('COMMENT ON COLUMN %I.%I.%I IS %L;', n.nspname, c.relname, a.attname, x.d) END),"
	/* the attributes */
	" x.typ, x.coll, x.dflt, CASE WHEN a.attnotnull THEN 'true' END,"
	" CASE a.attidentity WHEN 'a' THEN 'always ' || x.idopts WHEN 'd' THEN 'by default ' || x.idopts END,"
	" x.gen, x.d, CASE WHEN a.attstorage <> t.typstorage THEN lower(x.storage) END,"
	" CASE WHEN a.attstattarget >= 0 THEN a.attstattarget::text END,"
	" CASE a.attcompression WHEN 'l' THEN 'lz4' WHEN 'p' THEN 'pglz' END,"
	" array_to_string(a.attoptions, ', ')"
	" FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid JOIN pg_namespace n ON n.oid = c.relnamespace"
	" JOIN pg_type t ON t.oid = a.atttypid"
	" LEFT JOIN pg_attrdef ad ON ad.adrelid = a.attrelid AND ad.adnum = a.attnum"
	" LEFT JOIN pg_inherits pi ON pi.inhrelid = a.attrelid AND pi.inhseqno = 1 AND NOT a.attislocal"
	" LEFT JOIN LATERAL (SELECT pa.*, pg_get_expr(pad.adbin, pad.adrelid) AS pdflt FROM pg_attribute pa"
	"  LEFT JOIN pg_attrdef pad ON pad.adrelid = pa.attrelid AND pad.adnum = pa.attnum"
	"  WHERE pa.attrelid = pi.inhparent AND pa.attname = a.attname AND NOT pa.attisdropped) pa ON true"
	" LEFT JOIN (SELECT s.*, dd.refobjid, dd.refobjsubid, sc.relname AS seqname, sn.nspname AS seqnsp"
	"  FROM pg_depend dd JOIN pg_sequence s ON s.seqrelid = dd.objid JOIN pg_class sc ON sc.oid = dd.objid"
	"  JOIN pg_namespace sn ON sn.oid = sc.relnamespace"
	"  WHERE dd.classid = 'pg_class'::regclass AND dd.refclassid = 'pg_class'::regclass AND dd.deptype = 'i') iseq"
	"  ON a.attidentity <> '' AND iseq.refobjid = a.attrelid AND iseq.refobjsubid = a.attnum"
	" CROSS JOIN LATERAL (SELECT"
	"  CASE WHEN a.attgenerated = '' THEN pg_get_expr(ad.adbin, ad.adrelid) END AS dflt,"
	"  CASE WHEN a.attgenerated = 's' THEN pg_get_expr(ad.adbin, ad.adrelid) END AS gen,"
	"  CASE WHEN a.attcollation <> t.typcollation THEN " COLL("a.attcollation") " END AS coll,"
	"  format_type(a.atttypid, a.atttypmod) AS typ,"
	"  c.relkind IN ('r', 'p') AND NOT c.relispartition AND a.attislocal AS inlist,"
	"  CASE WHEN c.relkind = 'm' THEN format('ALTER MATERIALIZED VIEW %I.%I', n.nspname, c.relname)"
	"   ELSE format('ALTER TABLE ONLY %I.%I', n.nspname, c.relname) END AS alter,"
	"  CASE a.attstorage WHEN 'p' THEN 'PLAIN' WHEN 'e' THEN 'EXTERNAL' WHEN 'm' THEN 'MAIN' ELSE 'EXTENDED' END AS storage,"
	"  CASE WHEN a.attidentity <> '' THEN"
	"  format('(SEQUENCE NAME %I.%I START WITH %s INCREMENT BY %s MINVALUE %s MAXVALUE %s CACHE %s%s)',"
	"   iseq.seqnsp, iseq.seqname, iseq.seqstart, iseq.seqincrement, iseq.seqmin, iseq.seqmax, iseq.seqcache,"
	"   CASE WHEN iseq.seqcycle THEN ' CYCLE' ELSE '' END) END AS idopts,"
	"  " DESCR("pg_class", "a.attrelid", "a.attnum") " AS d OFFSET 0) x"
	" WHERE a.attnum > 0 AND NOT a.attisdropped AND c.relkind IN ('r', 'p', 'v', 'm') AND " USER_REL("c", "n")
	" ORDER BY a.attrelid, a.attnum";
static const char *const k_columns[] = { "type",    "collation", "default", "not null",   "identity",
					 "generated", "comment", "storage", "statistics", "compression",
					 "options",   NULL };

/*
 * What depends on what, as identities: every object a pg_depend row names,
 * mapped onto the model's (a column and a default onto their table, a
 * view's rule onto the view, an index that backs a constraint onto the
 * constraint, an array type onto its element, a row type onto its
 * relation). A sequence owned by a column comes before the table (the
 * table's sql says OWNED BY): that row is turned around (the last column).
 */
static const char q_deps[] =
	"WITH rel AS (SELECT c.oid, c.relkind, n.nspname, c.relname FROM pg_class c"
	"  JOIN pg_namespace n ON n.oid = c.relnamespace WHERE " USER_NS("n") "),"
	" relkey AS (SELECT oid, nspname, relname, CASE relkind WHEN 'v' THEN 'view' WHEN 'm' THEN 'materialized view'"
	"  WHEN 'S' THEN 'sequence' WHEN 'c' THEN 'type' ELSE 'table' END AS kind FROM rel"
	"  WHERE relkind IN ('r', 'p', 'v', 'm', 'S', 'c')),"
	" typ AS (SELECT t.oid, CASE WHEN t.typcategory = 'A' AND t.typelem <> 0 THEN t.typelem ELSE t.oid END AS base"
	"  FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace WHERE " USER_NS("n") "),"
	" objs(classid, objid, kind, nsp, parent, name) AS ("
	"  SELECT 'pg_class'::regclass, oid, kind, nspname, NULL::name, relname FROM relkey"
	"  UNION ALL SELECT 'pg_class'::regclass, i.indexrelid, CASE WHEN co.oid IS NULL THEN 'index' ELSE 'constraint' END,"
	"   ic.nspname, t.relname, coalesce(co.conname, ic.relname)"
	"   FROM pg_index i JOIN rel ic ON ic.oid = i.indexrelid JOIN pg_class t ON t.oid = i.indrelid"
	"   LEFT JOIN pg_constraint co ON co.conindid = i.indexrelid AND co.conrelid = i.indrelid"
	"    AND co.contype IN ('p', 'u', 'x')"
	"  UNION ALL SELECT 'pg_type'::regclass, typ.oid, coalesce(r.kind, 'type'), bn.nspname, NULL,"
	"   coalesce(r.relname, rt.typname)"
	"   FROM typ JOIN pg_type b ON b.oid = typ.base"
	"   LEFT JOIN pg_range mr ON b.typtype = 'm' AND mr.rngmultitypid = b.oid"
	"   JOIN pg_type rt ON rt.oid = coalesce(mr.rngtypid, b.oid) JOIN pg_namespace bn ON bn.oid = rt.typnamespace"
	"   LEFT JOIN relkey r ON r.oid = rt.typrelid"
	"   WHERE rt.typtype IN ('e', 'd', 'r', 'c')"
	"  UNION ALL SELECT 'pg_proc'::regclass, p.oid, CASE p.prokind WHEN 'p' THEN 'procedure' WHEN 'a' THEN 'aggregate'"
	"   ELSE 'function' END, n.nspname, NULL, p.proname || '(' || oidvectortypes(p.proargtypes) || ')'"
	"   FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace WHERE " USER_NS("n")
	"  UNION ALL SELECT 'pg_constraint'::regclass, co.oid, 'constraint', n.nspname, coalesce(r.relname, ty.typname),"
	"   co.conname FROM pg_constraint co JOIN pg_namespace n ON n.oid = co.connamespace"
	"   LEFT JOIN pg_class r ON r.oid = co.conrelid LEFT JOIN pg_type ty ON ty.oid = co.contypid"
	"   WHERE " USER_NS("n") " AND co.contype <> 't'"
	"  UNION ALL SELECT 'pg_attrdef'::regclass, ad.oid, r.kind, r.nspname, NULL, r.relname"
	"   FROM pg_attrdef ad JOIN relkey r ON r.oid = ad.adrelid"
	"  UNION ALL SELECT 'pg_rewrite'::regclass, rw.oid, CASE WHEN rw.rulename = '_RETURN' THEN r.kind ELSE 'rule' END,"
	"   r.nspname, CASE WHEN rw.rulename = '_RETURN' THEN NULL ELSE r.relname END,"
	"   CASE WHEN rw.rulename = '_RETURN' THEN r.relname ELSE rw.rulename END"
	"   FROM pg_rewrite rw JOIN relkey r ON r.oid = rw.ev_class"
	"  UNION ALL SELECT 'pg_trigger'::regclass, tg.oid, 'trigger', r.nspname, r.relname, tg.tgname"
	"   FROM pg_trigger tg JOIN relkey r ON r.oid = tg.tgrelid WHERE NOT tg.tgisinternal"
	"  UNION ALL SELECT 'pg_policy'::regclass, po.oid, 'policy', r.nspname, r.relname, po.polname"
	"   FROM pg_policy po JOIN relkey r ON r.oid = po.polrelid"
	"  UNION ALL SELECT 'pg_namespace'::regclass, n.oid, 'schema', NULL, NULL, n.nspname"
	"   FROM pg_namespace n WHERE " USER_NS("n")
	"  UNION ALL SELECT 'pg_extension'::regclass, x.oid, 'extension', NULL, NULL, x.extname FROM pg_extension x"
	" ),"
	/* columns, and what a column's own pg_depend rows come from (itself; its default or generation expression) */
	" col AS (SELECT a.attrelid, a.attnum, r.nspname, r.relname, a.attname FROM pg_attribute a"
	"  JOIN relkey r ON r.oid = a.attrelid WHERE a.attnum > 0 AND NOT a.attisdropped AND r.kind <> 'sequence'),"
	/* two joins, not one with an OR: the OR made the planner loop over every pair (80 ms instead of 5) */
	" cdep AS (SELECT d.*, ca.nspname, ca.relname, ca.attname FROM pg_depend d"
	"  JOIN col ca ON d.classid = 'pg_class'::regclass AND ca.attrelid = d.objid AND ca.attnum = d.objsubid"
	"  WHERE d.deptype IN ('n', 'a') AND d.objid >= 16384"
	"  UNION ALL SELECT d.*, ca.nspname, ca.relname, ca.attname FROM pg_depend d"
	"  JOIN pg_attrdef ad ON d.classid = 'pg_attrdef'::regclass AND ad.oid = d.objid"
	"  JOIN col ca ON ca.attrelid = ad.adrelid AND ca.attnum = ad.adnum"
	"  WHERE d.deptype IN ('n', 'a') AND d.objid >= 16384)"
	" SELECT DISTINCT a.kind, a.nsp, a.parent, a.name, b.kind, b.nsp, b.parent, b.name,"
	"  CASE WHEN a.kind = 'sequence' AND d.deptype = 'a' AND b.kind = 'table' THEN 't' ELSE 'f' END"
	" FROM pg_depend d JOIN objs a ON a.classid = d.classid AND a.objid = d.objid"
	" JOIN objs b ON b.classid = d.refclassid AND b.objid = d.refobjid"
	" WHERE d.deptype IN ('n', 'a') AND d.objid >= 16384"
	/* what uses a column depends on the column too (for a diff: a change of its type, its drop) */
	" UNION SELECT a.kind, a.nsp, a.parent, a.name, 'column', cb.nspname, cb.relname, cb.attname, 'f'"
	" FROM pg_depend d JOIN objs a ON a.classid = d.classid AND a.objid = d.objid"
	" JOIN col cb ON d.refclassid = 'pg_class'::regclass AND cb.attrelid = d.refobjid AND cb.attnum = d.refobjsubid"
	" WHERE d.deptype IN ('n', 'a') AND d.objid >= 16384 AND d.refobjsubid > 0 AND a.kind <> 'sequence'"
	/* and a column on what its type, default or expression uses */
	" UNION SELECT 'column', d.nspname, d.relname, d.attname, b.kind, b.nsp, b.parent, b.name, 'f'"
	" FROM cdep d JOIN objs b ON b.classid = d.refclassid AND b.objid = d.refobjid"
	" UNION SELECT 'column', d.nspname, d.relname, d.attname, 'column', cb.nspname, cb.relname, cb.attname, 'f'"
	" FROM cdep d JOIN col cb ON d.refclassid = 'pg_class'::regclass AND cb.attrelid = d.refobjid"
	"  AND cb.attnum = d.refobjsubid";

/*
 * Each object's engine identity (its oid; a column's "attrelid.attnum"),
 * mapped onto identities as the queries above write them, and the
 * database's origin (the first row: system identifier and database oid,
 * NULL when this role may not read the cluster's control data).
 */
static const char q_idents[] =
	"SELECT 'origin', NULL, NULL, NULL, CASE WHEN has_function_privilege('pg_control_system()', 'execute')"
	"  THEN (SELECT system_identifier::text FROM pg_control_system()) || ':'"
	"   || (SELECT oid::text FROM pg_database WHERE datname = current_database()) END"
	" UNION ALL SELECT CASE c.relkind WHEN 'v' THEN 'view' WHEN 'm' THEN 'materialized view' WHEN 'S' THEN 'sequence'"
	"  WHEN 'i' THEN 'index' WHEN 'I' THEN 'index' ELSE 'table' END, n.nspname, t.relname, c.relname, c.oid::text"
	" FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace"
	" LEFT JOIN pg_index x ON x.indexrelid = c.oid LEFT JOIN pg_class t ON t.oid = x.indrelid"
	" WHERE c.relkind IN ('r', 'p', 'v', 'm', 'S', 'i', 'I') AND " USER_NS("n")
	" UNION ALL SELECT 'column', n.nspname, c.relname, a.attname, a.attrelid || '.' || a.attnum"
	" FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid JOIN pg_namespace n ON n.oid = c.relnamespace"
	" WHERE a.attnum > 0 AND NOT a.attisdropped AND c.relkind IN ('r', 'p', 'v', 'm') AND " USER_NS("n")
	" UNION ALL SELECT 'constraint', n.nspname, coalesce(r.relname, ty.typname), co.conname, co.oid::text"
	" FROM pg_constraint co JOIN pg_namespace n ON n.oid = co.connamespace"
	" LEFT JOIN pg_class r ON r.oid = co.conrelid LEFT JOIN pg_type ty ON ty.oid = co.contypid"
	" WHERE " USER_NS("n")
	" UNION ALL SELECT 'type', n.nspname, NULL, t.typname, t.oid::text FROM pg_type t"
	" JOIN pg_namespace n ON n.oid = t.typnamespace WHERE t.typtype IN ('e', 'd', 'r', 'c') AND " USER_NS("n")
	" UNION ALL SELECT CASE p.prokind WHEN 'p' THEN 'procedure' WHEN 'a' THEN 'aggregate' ELSE 'function' END,"
	" n.nspname, NULL, p.proname || '(' || oidvectortypes(p.proargtypes) || ')', p.oid::text"
	" FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace WHERE " USER_NS("n")
	" UNION ALL SELECT 'trigger', n.nspname, c.relname, tg.tgname, tg.oid::text FROM pg_trigger tg"
	" JOIN pg_class c ON c.oid = tg.tgrelid JOIN pg_namespace n ON n.oid = c.relnamespace"
	" WHERE NOT tg.tgisinternal AND " USER_NS("n")
	" UNION ALL SELECT 'policy', n.nspname, c.relname, po.polname, po.oid::text FROM pg_policy po"
	" JOIN pg_class c ON c.oid = po.polrelid JOIN pg_namespace n ON n.oid = c.relnamespace WHERE " USER_NS("n")
	" UNION ALL SELECT 'rule', n.nspname, c.relname, rw.rulename, rw.oid::text FROM pg_rewrite rw"
	" JOIN pg_class c ON c.oid = rw.ev_class JOIN pg_namespace n ON n.oid = c.relnamespace"
	" WHERE rw.rulename <> '_RETURN' AND " USER_NS("n")
	" UNION ALL SELECT 'schema', NULL, NULL, n.nspname, n.oid::text FROM pg_namespace n WHERE " USER_NS("n")
	" UNION ALL SELECT 'extension', NULL, NULL, x.extname, x.oid::text FROM pg_extension x";

/*
 * A child's own constraint that its parent's has merged into (local and
 * inherited) must exist before the parent's is added: the parent's would
 * make an inherited one of that name first, and the child's would then be
 * refused. Rows as q_deps's: the parent's, then the child's.
 */
static const char q_merged[] =
	"SELECT 'constraint', pn.nspname, p.relname, pc.conname, 'constraint', n.nspname, c.relname, co.conname, 'f'"
	" FROM pg_constraint co JOIN pg_class c ON c.oid = co.conrelid JOIN pg_namespace n ON n.oid = c.relnamespace"
	" JOIN pg_inherits i ON i.inhrelid = c.oid JOIN pg_class p ON p.oid = i.inhparent"
	" JOIN pg_namespace pn ON pn.oid = p.relnamespace"
	" JOIN pg_constraint pc ON pc.conrelid = p.oid AND pc.conname = co.conname"
	" WHERE co.conislocal AND co.coninhcount > 0 AND co.contype = 'c' AND " USER_NS("n");

static int kind_of(const char *name, enum strata_obj_kind *k)
{
	for (int i = 1; i < STRATA_OBJ__COUNT; i++)
		if (strcmp(strata_obj_kind_name((enum strata_obj_kind)i), name) == 0) {
			*k = (enum strata_obj_kind)i;
			return 0;
		}
	return -1;
}

/*
 * Run one of the queries above; $1 (when it has one) is the oids of strata's
 * own tables. Each has its slot, so that a session reading many schemas
 * prepares it once (strata_pg_schema_query).
 */
static int run(struct strata_conn *c, const char *sql, const char *excluded, struct strata_rows **rows,
	       struct strata_err *err)
{
	static const char *const slots[] = { q_schemas,	    q_extensions, q_types, q_sequences, q_constraints,
					     q_indexes,	    q_functions,  q_triggers, q_policies, q_rules,
					     q_grants,	    q_unhandled,  q_unhandled_grants, q_relations, q_columns,
					     q_deps,	    q_merged,	  q_idents };
	const char *params[1] = { excluded };
	int n = strstr(sql, "$1") ? 1 : 0;

	for (unsigned i = 0; i < sizeof(slots) / sizeof(slots[0]); i++)
		if (slots[i] == sql)
			return strata_pg_schema_query(c, i, sql, n, params, rows, err);
	return strata_driver_postgres.query(c, sql, n, params, rows, err);
}

static const char *nonempty(const char *s)
{
	return s && *s ? s : NULL;
}

/* The attributes of row i from column `first` on, named by keys. */
static int add_attrs(struct strata_schema_obj *o, const struct strata_rows *r, size_t i, size_t first,
		     const char *const *keys)
{
	for (size_t k = 0; keys[k]; k++) {
		const char *v = first + k < r->ncols ? strata_rows_get(r, i, first + k) : NULL;

		if (v && strata_schema_obj_attr(o, keys[k], v) < 0)
			return STRATA_ENOMEM;
	}
	return 0;
}

/* Rows of kind, schema, parent, name, sql, attributes... into objects. */
static int add_plain(struct strata_conn *c, const char *sql, const char *const *keys, const char *excluded,
		     struct strata_schema *s, struct strata_err *err)
{
	struct strata_rows *r;
	int rc = run(c, sql, excluded, &r, err);

	if (rc)
		return rc;
	for (size_t i = 0; i < r->nrows && !rc; i++) {
		struct strata_schema_obj *o;
		struct strata_buf b;
		enum strata_obj_kind k;
		const char *body = nonempty(strata_rows_get(r, i, 4));

		if (kind_of(strata_rows_get(r, i, 0), &k)) {
			rc = strata_err_set(err, STRATA_EDB, "schema: unknown kind \"%s\"", strata_rows_get(r, i, 0));
			break;
		}
		strata_buf_init(&b);
		if (body) {
			strata_buf_adds(&b, body);
			strata_buf_addc(&b, '\n');
		}
		if (b.broken) {
			rc = STRATA_ENOMEM;
			break;
		}
		rc = strata_schema_add(s, k, strata_rows_get(r, i, 1), strata_rows_get(r, i, 2), strata_rows_get(r, i, 3),
				       body ? b.buf : NULL, &o);
		strata_buf_release(&b);
		if (!rc)
			rc = add_attrs(o, r, i, 5, keys);
	}
	strata_rows_free(r);
	return rc;
}

/* Tables, views and materialized views with their columns, merged by oid (both lists are in oid order). */
static int add_relations(struct strata_conn *c, const char *excluded, struct strata_schema *s, struct strata_err *err)
{
	struct strata_rows *rel = NULL, *col = NULL;
	size_t j = 0;
	int rc = run(c, q_relations, excluded, &rel, err);

	if (!rc)
		rc = run(c, q_columns, excluded, &col, err);
	for (size_t i = 0; !rc && i < rel->nrows; i++) {
		unsigned long long oid = strtoull(strata_rows_get(rel, i, 0), NULL, 10);
		int list = strcmp(strata_rows_get(rel, i, 5), "t") == 0, ncols = 0;
		struct strata_schema_obj *o;
		struct strata_buf b, post;
		enum strata_obj_kind k;
		size_t first;

		if (kind_of(strata_rows_get(rel, i, 1), &k)) {
			rc = STRATA_EDB;
			break;
		}
		while (j < col->nrows && strtoull(strata_rows_get(col, j, 0), NULL, 10) < oid)
			j++;
		first = j;
		strata_buf_init(&b);
		strata_buf_init(&post);
		strata_buf_adds(&b, strata_rows_get(rel, i, 4));
		if (list)
			strata_buf_adds(&b, " (");
		for (; j < col->nrows && strtoull(strata_rows_get(col, j, 0), NULL, 10) == oid; j++) {
			const char *p = nonempty(strata_rows_get(col, j, 7));

			if (list && strcmp(strata_rows_get(col, j, 5), "t") == 0) {
				strata_buf_adds(&b, ncols++ ? ",\n    " : "\n    ");
				strata_buf_adds(&b, strata_rows_get(col, j, 6));
			}
			if (p) {
				strata_buf_adds(&post, p);
				strata_buf_addc(&post, '\n');
			}
		}
		if (list)
			strata_buf_adds(&b, ncols ? "\n)" : ")");
		strata_buf_adds(&b, strata_rows_get(rel, i, 6));
		strata_buf_addc(&b, '\n');
		strata_buf_add(&b, post.buf, post.len);
		if (nonempty(strata_rows_get(rel, i, 7))) {
			strata_buf_adds(&b, strata_rows_get(rel, i, 7));
			strata_buf_addc(&b, '\n');
		}
		strata_buf_release(&post);
		if (b.broken || post.broken) {
			strata_buf_release(&b);
			rc = STRATA_ENOMEM;
			break;
		}
		rc = strata_schema_add(s, k, strata_rows_get(rel, i, 2), NULL, strata_rows_get(rel, i, 3), b.buf, &o);
		strata_buf_release(&b);
		if (!rc)
			rc = add_attrs(o, rel, i, 8, k_relations);
		for (size_t m = first; !rc && m < j; m++) {
			rc = strata_schema_add(s, STRATA_OBJ_COLUMN, strata_rows_get(col, m, 1), strata_rows_get(col, m, 2),
					       strata_rows_get(col, m, 3), NULL, &o);
			if (!rc) {
				o->position = atoi(strata_rows_get(col, m, 4));
				rc = add_attrs(o, col, m, 8, k_columns);
			}
		}
	}
	strata_rows_free(rel);
	strata_rows_free(col);
	return rc;
}

static int add_unhandled(struct strata_conn *c, const char *sql, struct strata_schema *s, struct strata_err *err)
{
	struct strata_rows *r;
	int rc = run(c, sql, NULL, &r, err);

	if (rc)
		return rc;
	for (size_t i = 0; !rc && i < r->nrows; i++)
		rc = strata_schema_unhandled(s, strata_rows_get(r, i, 0), strtoull(strata_rows_get(r, i, 1), NULL, 10));
	strata_rows_free(r);
	return rc;
}

/* The object of row i's identity at columns at..at+3, or NULL. */
static struct strata_schema_obj *find(struct strata_schema *s, const struct strata_rows *r, size_t i, size_t at,
				      enum strata_obj_kind *kind)
{
	if (kind_of(strata_rows_get(r, i, at), kind))
		return NULL;
	return (struct strata_schema_obj *)strata_schema_find(s, *kind, strata_rows_get(r, i, at + 1),
							      strata_rows_get(r, i, at + 2),
							      strata_rows_get(r, i, at + 3));
}

/*
 * The dependencies, once every object is in (s sorted, so that they can be
 * found): pg_depend's, and each sub-object's on what it hangs off (its
 * table, view or domain), which pg_depend does not always say.
 */
static int add_deps(struct strata_conn *c, struct strata_schema *s, struct strata_err *err)
{
	static const enum strata_obj_kind owners[] = { STRATA_OBJ_TABLE, STRATA_OBJ_VIEW, STRATA_OBJ_MATVIEW,
						       STRATA_OBJ_TYPE };
	struct strata_rows *r;
	int rc = strata_schema_finish(s);

	for (size_t i = 0; !rc && i < s->n; i++) {
		struct strata_schema_obj *o = &s->objs[i];

		if (!o->parent || o->kind == STRATA_OBJ_GRANT)
			continue;
		for (size_t k = 0; !rc && k < sizeof(owners) / sizeof(owners[0]); k++)
			if (strata_schema_find(s, owners[k], o->schema, NULL, o->parent))
				rc = strata_schema_obj_dep(o, owners[k], o->schema, NULL, o->parent);
	}
	if (rc)
		return rc;
	for (int q = 0; !rc && q < 2; q++) {
		rc = run(c, q ? q_merged : q_deps, NULL, &r, err);
		if (rc)
			return rc;
		for (size_t i = 0; !rc && i < r->nrows; i++) {
			enum strata_obj_kind ka, kb;
			struct strata_schema_obj *a = find(s, r, i, 0, &ka), *b = find(s, r, i, 4, &kb);

			if (!a || !b || a == b)
				continue;
			if (strcmp(strata_rows_get(r, i, 8), "t") == 0)
				rc = strata_schema_obj_dep(b, a->kind, a->schema, a->parent, a->name);
			else
				rc = strata_schema_obj_dep(a, b->kind, b->schema, b->parent, b->name);
		}
		strata_rows_free(r);
	}
	return rc;
}

/* Each object's engine identity and the schema's origin (q_idents), once every object is in and sorted. */
static int add_idents(struct strata_conn *c, struct strata_schema *s, struct strata_err *err)
{
	struct strata_rows *r;
	int rc = run(c, q_idents, NULL, &r, err);

	if (rc)
		return rc;
	for (size_t i = 0; !rc && i < r->nrows; i++) {
		enum strata_obj_kind k;
		struct strata_schema_obj *o;

		if (strcmp(strata_rows_get(r, i, 0), "origin") == 0) {
			rc = strata_schema_set_origin(s, nonempty(strata_rows_get(r, i, 4)));
			continue;
		}
		if ((o = find(s, r, i, 0, &k)) != NULL)
			rc = strata_schema_obj_ident(o, strata_rows_get(r, i, 4));
	}
	strata_rows_free(r);
	return rc < 0 ? STRATA_ENOMEM : rc;
}

/* The oids of strata's own tables as an array literal ("{16390,16401}") into *out. */
static int excluded_oids(struct strata_conn *c, const struct strata_schema_read_opts *o, char **out,
			 struct strata_err *err)
{
	struct strata_buf b;
	int rc = 0, n = 0;

	strata_buf_init(&b);
	strata_buf_addc(&b, '{');
	for (size_t i = 0; i < o->nexclude && !rc; i++) {
		const char *params[2] = { o->exclude_schema ? o->exclude_schema[i] : NULL, o->exclude_table[i] };
		struct strata_rows *r;

		if (!params[1])
			continue;
		rc = strata_driver_postgres.query(c,
						  "SELECT c.oid FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace"
						  " WHERE n.nspname = coalesce($1, current_schema()) AND c.relname = $2",
						  2, params, &r, err);
		for (size_t j = 0; !rc && j < r->nrows; j++) {
			strata_buf_adds(&b, n++ ? "," : "");
			strata_buf_adds(&b, strata_rows_get(r, j, 0));
		}
		if (!rc)
			strata_rows_free(r);
	}
	strata_buf_addc(&b, '}');
	if (rc) {
		strata_buf_release(&b);
		return rc;
	}
	*out = strata_buf_detach(&b, NULL);
	return *out ? 0 : STRATA_ENOMEM;
}

int strata_pg_schema_read(struct strata_conn *c, const struct strata_schema_read_opts *o, struct strata_schema *s,
			  struct strata_err *err)
{
	static const struct {
		const char *sql;
		const char *const *keys;
	} plain[] = {
		{ q_schemas, k_schemas },	  { q_extensions, k_extensions }, { q_types, k_types },
		{ q_sequences, k_sequences },	  { q_constraints, k_constraints }, { q_indexes, k_indexes },
		{ q_functions, k_functions },	  { q_triggers, k_triggers },	    { q_policies, k_policies },
		{ q_rules, k_rules },
	};
	static const char *const no_keys[] = { NULL };
	struct strata_rows *r;
	char *excluded = NULL, *path = NULL, *cache = NULL;
	int rc, rc2;

	/* a function's body is checked when it is called, not when a dump creates it before its tables */
	if (strata_schema_set_preamble(s, "SET check_function_bodies = false;\n") < 0)
		return STRATA_ENOMEM;
	rc = excluded_oids(c, o, &excluded, err);
	if (rc)
		return rc;
	/*
	 * everything qualified, as pg_dump reads it; the queries' plans made once
	 * (they are prepared from a session's second read on: its $1 must not
	 * make the server plan them five more times); the session's settings
	 * back afterwards
	 */
	rc = strata_driver_postgres.query(c,
					  "SELECT current_setting('search_path'), current_setting('plan_cache_mode'),"
					  " set_config('search_path', '', false),"
					  " set_config('plan_cache_mode', 'force_generic_plan', false)",
					  0, NULL, &r, err);
	if (rc) {
		free(excluded);
		return rc;
	}
	path = strata_strdup(r->nrows ? strata_rows_get(r, 0, 0) : "");
	cache = strata_strdup(r->nrows ? strata_rows_get(r, 0, 1) : "auto");
	strata_rows_free(r);
	if (!path || !cache) {
		free(path);
		free(cache);
		free(excluded);
		return STRATA_ENOMEM;
	}
	for (size_t i = 0; !rc && i < sizeof(plain) / sizeof(plain[0]); i++)
		rc = add_plain(c, plain[i].sql, plain[i].keys, excluded, s, err);
	if (!rc)
		rc = add_relations(c, excluded, s, err);
	if (!rc && (o->flags & STRATA_SCHEMA_GRANTS))
		rc = add_plain(c, q_grants, no_keys, excluded, s, err);
	if (!rc)
		rc = add_unhandled(c, q_unhandled, s, err);
	if (!rc && (o->flags & STRATA_SCHEMA_GRANTS))
		rc = add_unhandled(c, q_unhandled_grants, s, err);
	if (!rc)
		rc = add_deps(c, s, err);
	if (!rc)
		rc = add_idents(c, s, err);
	{
		const char *params[2] = { path, cache };
		struct strata_err ignored;

		strata_err_clear(&ignored);
		rc2 = strata_driver_postgres.query(c,
						   "SELECT set_config('search_path', $1, false),"
						   " set_config('plan_cache_mode', $2, false)",
						   2, params, NULL, rc ? &ignored : err);
		strata_err_release(&ignored);
	}
	free(path);
	free(cache);
	free(excluded);
	return rc ? rc : rc2;
}
