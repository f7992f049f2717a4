#!/usr/bin/env python3
"""mutate.py - one random single-object mutation of a database's schema, and
whether `strata check` reported exactly that object (tests/cli/check_mutations.bats).

    mutate.py apply pg URL SEED [SAVED]      apply one mutation to the PostgreSQL database URL
    mutate.py apply sqlite FILE SEED [SAVED] apply one mutation to the SQLite file FILE
        prints the expectation, one JSON object on one line:
        {"what": "drop index ix ON t", "op": "-", "kind": "index", "object": "ix ON t",
         "prefix": false, "also": [["table", "t", "definition"]]}
        `prefix`: the object's report name starts with `object` (functions: "f(" and
        their argument types, as the driver writes them); `also`: differences of
        other objects that go with this mutation and may be reported (SQLite keeps
        a table's whole CREATE text: a column change is also a change of it).
    mutate.py list pg|sqlite DB SAVED
        save the mutations DB allows into the file SAVED, for `apply` on copies of
        DB (a copy allows the same: no catalog queries for each mutation)
    mutate.py verify EXPECT CHECK_JSON
        exit 0 when check's JSON reports the mutated object with the expected op,
        and nothing else but `also`; else say what differs and exit 1.

The same SEED on the same schema gives the same mutation. Candidates are read
from the engine's own catalog (pg_catalog, sqlite_master), never from strata,
and strata's own tables (strata_migrations*) are never touched. A mutation
that the database refuses (a view another view depends on, say) is rolled
back and another is drawn, so every call applies exactly one.
"""
import json
import random
import re
import sqlite3
import subprocess
import sys

MUT = "zz_mut"  # the prefix of every name a mutation creates


def report_name(schema, name):
    """How strata's report names a top-level object: the default schema left out."""
    if schema in (None, "", "public"):
        return name
    return f"{schema}.{name}"


def qi(name):
    """A quoted identifier (both engines)."""
    return '"' + name.replace('"', '""') + '"'


def ql(text):
    """A quoted string literal (both engines)."""
    return "'" + text.replace("'", "''") + "'"


# ---------------------------------------------------------------- PostgreSQL

class Pg:
    def __init__(self, url):
        self.url = url

    def rows(self, sql):
        out = subprocess.run(["psql", "-X", "-q", "-At", "-F", "\x1f", "-R", "\x1e", "-v", "ON_ERROR_STOP=1",
                              "-d", self.url, "-c", sql], check=True, capture_output=True, text=True).stdout
        if out.endswith("\n"):
            out = out[:-1]  # psql's newline after the last row, not the last value's
        return [r.split("\x1f") for r in out.split("\x1e") if r != ""]

    def try_exec(self, sql):
        """Run sql in one transaction; True when it committed."""
        p = subprocess.run(["psql", "-X", "-q", "-v", "ON_ERROR_STOP=1", "-1", "-d", self.url, "-c", sql],
                           capture_output=True, text=True)
        return p.returncode == 0


# what belongs to a user: not a catalog, not an extension's, not strata's
PG_USER_NS = ("n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname NOT LIKE 'pg_toast%' "
              "AND n.nspname NOT LIKE 'pg_temp%'")
PG_TABLES = f"""
SELECT c.oid, n.nspname, c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE c.relkind IN ('r', 'p') AND NOT c.relispartition AND {PG_USER_NS}
  AND c.relname NOT LIKE 'strata\\_migrations%'
  AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = 'pg_class'::regclass AND d.objid = c.oid
                  AND d.deptype = 'e')
ORDER BY 2, 3"""


def pg_candidates(db):
    """Every mutation this database allows, as (kind of mutation, what, sql, expectation) in a fixed order."""
    c = []
    tables = db.rows(PG_TABLES)
    toids = ",".join(t[0] for t in tables) or "0"

    def exp(op, kind, obj, prefix=False):
        return {"op": op, "kind": kind, "object": obj, "prefix": prefix, "also": []}

    # columns: (table schema, table, column, type, has default, not null, in primary key)
    cols = db.rows(f"""
SELECT n.nspname, c.relname, a.attname, format_type(a.atttypid, a.atttypmod),
       (ad.oid IS NOT NULL)::int, a.attnotnull::int,
       EXISTS (SELECT 1 FROM pg_constraint k WHERE k.conrelid = c.oid AND k.contype = 'p'
               AND a.attnum = ANY (k.conkey))::int,
       (a.attidentity <> '' OR a.attgenerated <> '')::int
FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid JOIN pg_namespace n ON n.oid = c.relnamespace
LEFT JOIN pg_attrdef ad ON ad.adrelid = a.attrelid AND ad.adnum = a.attnum
WHERE c.oid IN ({toids}) AND a.attnum > 0 AND NOT a.attisdropped ORDER BY 1, 2, a.attnum""")
    for sch, tab, col, typ, has_def, notnull, in_pk, special in cols:
        t = report_name(sch, tab)
        target = f"{qi(sch)}.{qi(tab)}"
        if special == "1":
            continue
        if has_def == "1":
            c.append(("drop the default of column", f"drop the default of column {t}.{col}",
                      f"ALTER TABLE {target} ALTER COLUMN {qi(col)} DROP DEFAULT",
                      exp("~", "column", f"{t}.{col}")))
        elif typ in ("text", "character varying", "integer", "bigint", "boolean", "smallint") or \
                typ.startswith("character varying("):
            lit = {"integer": "42", "bigint": "42", "smallint": "7", "boolean": "false"}.get(typ, "'mutated'")
            c.append(("give column", f"give column {t}.{col} a default",
                      f"ALTER TABLE {target} ALTER COLUMN {qi(col)} SET DEFAULT {lit}",
                      exp("~", "column", f"{t}.{col}")))
        if notnull == "1" and in_pk == "0":
            c.append(("drop NOT NULL of column", f"drop NOT NULL of column {t}.{col}",
                      f"ALTER TABLE {target} ALTER COLUMN {qi(col)} DROP NOT NULL",
                      exp("~", "column", f"{t}.{col}")))
        c.append(("comment on column", f"comment on column {t}.{col}",
                  f"COMMENT ON COLUMN {target}.{qi(col)} IS {ql('mutated: ' + col)}",
                  exp("~", "column", f"{t}.{col}")))
    for _, sch, tab in tables:
        t = report_name(sch, tab)
        target = f"{qi(sch)}.{qi(tab)}"
        c.append(("add a column to", f"add a column to {t}", f"ALTER TABLE {target} ADD COLUMN {MUT}_col integer",
                  exp("+", "column", f"{t}.{MUT}_col")))
        c.append(("comment on table", f"comment on table {t}", f"COMMENT ON TABLE {target} IS {ql('mutated: ' + tab)}",
                  exp("~", "table", t)))
        c.append(("add a NOT VALID check to", f"add a NOT VALID check to {t}",
                  f"ALTER TABLE {target} ADD CONSTRAINT {MUT}_check CHECK (1 > 0) NOT VALID",
                  exp("+", "constraint", f"{MUT}_check ON {t}")))
    # materialized views: a comment, an index more
    mvs = db.rows(f"""
SELECT c.oid, n.nspname, c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE c.relkind = 'm' AND {PG_USER_NS}
  AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = 'pg_class'::regclass AND d.objid = c.oid
                  AND d.deptype = 'e') ORDER BY 2, 3""")
    for _, sch, mv in mvs:
        m = report_name(sch, mv)
        c.append(("comment on materialized view", f"comment on materialized view {m}",
                  f"COMMENT ON MATERIALIZED VIEW {qi(sch)}.{qi(mv)} IS 'mutated'",
                  exp("~", "materialized view", m)))
    ioids = ",".join([t[0] for t in tables] + [v[0] for v in mvs]) or "0"
    # indexes that are no constraint's
    for sch, tab, ix in db.rows(f"""
SELECT n.nspname, tc.relname, ic.relname FROM pg_index i
JOIN pg_class ic ON ic.oid = i.indexrelid JOIN pg_class tc ON tc.oid = i.indrelid
JOIN pg_namespace n ON n.oid = ic.relnamespace
WHERE i.indrelid IN ({ioids}) AND NOT EXISTS (SELECT 1 FROM pg_constraint k WHERE k.conindid = i.indexrelid)
  AND NOT EXISTS (SELECT 1 FROM pg_inherits h WHERE h.inhrelid = i.indexrelid) ORDER BY 1, 3"""):
        t = report_name(sch, tab)
        c.append(("drop index", f"drop index {ix} ON {t}", f"DROP INDEX {qi(sch)}.{qi(ix)}",
                  exp("-", "index", f"{ix} ON {t}")))
        c.append(("comment on index", f"comment on index {ix}", f"COMMENT ON INDEX {qi(sch)}.{qi(ix)} IS 'mutated'",
                  exp("~", "index", f"{ix} ON {t}")))
    # an index more, on a table's first column
    for sch, tab, col in db.rows(f"""
SELECT n.nspname, c.relname, a.attname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum = (SELECT min(attnum) FROM pg_attribute x
     WHERE x.attrelid = c.oid AND x.attnum > 0 AND NOT x.attisdropped)
WHERE c.oid IN ({ioids}) ORDER BY 1, 2"""):
        t = report_name(sch, tab)
        c.append(("create an index on", f"create an index on {t}",
                  f"CREATE INDEX {MUT}_ix ON {qi(sch)}.{qi(tab)} ({qi(col)})",
                  exp("+", "index", f"{MUT}_ix ON {t}")))
    # foreign keys and checks
    for sch, tab, con, typ in db.rows(f"""
SELECT n.nspname, c.relname, k.conname, k.contype FROM pg_constraint k JOIN pg_class c ON c.oid = k.conrelid
JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE k.conrelid IN ({toids}) AND k.contype IN ('f', 'c') AND k.conislocal ORDER BY 1, 2, 3"""):
        t = report_name(sch, tab)
        c.append(("drop constraint", f"drop constraint {con} ON {t}",
                  f"ALTER TABLE {qi(sch)}.{qi(tab)} DROP CONSTRAINT {qi(con)}",
                  exp("-", "constraint", f"{con} ON {t}")))
    # a CHECK constraint whose expression changes (dropped and made again under its name)
    for sch, tab, con, defn in db.rows(f"""
SELECT n.nspname, c.relname, k.conname, pg_get_constraintdef(k.oid) FROM pg_constraint k
JOIN pg_class c ON c.oid = k.conrelid JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE k.conrelid IN ({toids}) AND k.contype = 'c' AND k.conislocal AND k.convalidated ORDER BY 1, 2, 3"""):
        t = report_name(sch, tab)
        m = re.fullmatch(r"CHECK \((.*)\)", defn, re.S)
        if not m:
            continue
        target = f"{qi(sch)}.{qi(tab)}"
        c.append(("change the expression of check", f"change the expression of check {con} ON {t}",
                  f"ALTER TABLE {target} DROP CONSTRAINT {qi(con)}; "
                  f"ALTER TABLE {target} ADD CONSTRAINT {qi(con)} CHECK (({m.group(1)}) OR false)",
                  exp("~", "constraint", f"{con} ON {t}")))
    # a policy more (row security stays as it is)
    for _, sch, tab in tables:
        t = report_name(sch, tab)
        c.append(("create a policy on", f"create a policy on {t}",
                  f"CREATE POLICY {MUT}_pol ON {qi(sch)}.{qi(tab)} USING (true)",
                  exp("+", "policy", f"{MUT}_pol ON {t}")))
    # a trigger more, on an existing trigger function without arguments
    tfuncs = db.rows(f"""
SELECT n.nspname, p.proname FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
WHERE {PG_USER_NS} AND p.prorettype = 'trigger'::regtype AND p.pronargs = 0
  AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = 'pg_proc'::regclass AND d.objid = p.oid
                  AND d.deptype = 'e') ORDER BY 1, 2""")
    if tfuncs:
        for k, (_, sch, tab) in enumerate(tables):
            fs, fn = tfuncs[k % len(tfuncs)]
            t = report_name(sch, tab)
            c.append(("create a trigger on", f"create a trigger on {t}",
                      f"CREATE TRIGGER {MUT}_trg BEFORE UPDATE ON {qi(sch)}.{qi(tab)} FOR EACH ROW "
                      f"EXECUTE FUNCTION {qi(fs)}.{qi(fn)}()",
                      exp("+", "trigger", f"{MUT}_trg ON {t}")))
    # standalone types (enum, domain, composite, range): a comment
    for sch, typ in db.rows(f"""
SELECT n.nspname, t.typname FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace
LEFT JOIN pg_class r ON r.oid = t.typrelid
WHERE {PG_USER_NS} AND t.typtype IN ('e', 'd', 'c', 'r') AND (t.typrelid = 0 OR r.relkind = 'c')
  AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = 'pg_type'::regclass AND d.objid = t.oid
                  AND d.deptype = 'e') ORDER BY 1, 2"""):
        c.append(("comment on type", f"comment on type {report_name(sch, typ)}",
                  f"COMMENT ON TYPE {qi(sch)}.{qi(typ)} IS 'mutated'", exp("~", "type", report_name(sch, typ))))
    # triggers
    for sch, tab, trg in db.rows(f"""
SELECT n.nspname, c.relname, g.tgname FROM pg_trigger g JOIN pg_class c ON c.oid = g.tgrelid
JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE g.tgrelid IN ({toids}) AND NOT g.tgisinternal ORDER BY 1, 2, 3"""):
        t = report_name(sch, tab)
        c.append(("drop trigger", f"drop trigger {trg} ON {t}", f"DROP TRIGGER {qi(trg)} ON {qi(sch)}.{qi(tab)}",
                  exp("-", "trigger", f"{trg} ON {t}")))
    # functions whose body is a dollar-quoted string: a line more in it
    for oid, sch, name, ident, defn in db.rows(f"""
SELECT p.oid, n.nspname, p.proname, pg_get_function_identity_arguments(p.oid), pg_get_functiondef(p.oid)
FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
WHERE {PG_USER_NS} AND p.prokind IN ('f', 'p')
  AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = 'pg_proc'::regclass AND d.objid = p.oid
                  AND d.deptype = 'e') ORDER BY 2, 3, 4"""):
        kind = "function"
        if defn.startswith("CREATE OR REPLACE PROCEDURE"):
            kind = "procedure"
        if "AS $function$" not in defn:
            continue
        body = defn.replace("AS $function$", "AS $function$\n-- " + MUT + ": a changed body\n", 1)
        prefix = report_name(sch, name) + "("
        c.append((f"change the body of {kind}", f"change the body of {kind} {sch}.{name}({ident})", body,
                  exp("~", kind, prefix, True)))
        c.append((f"comment on {kind}", f"comment on {kind} {sch}.{name}({ident})",
                  f"COMMENT ON {kind.upper()} {qi(sch)}.{qi(name)}({ident}) IS 'mutated'",
                  exp("~", kind, prefix, True)))
    # views with nothing depending on them
    for sch, v in db.rows(f"""
SELECT n.nspname, c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE c.relkind = 'v' AND {PG_USER_NS}
  AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = 'pg_class'::regclass AND d.objid = c.oid
                  AND d.deptype = 'e') ORDER BY 1, 2"""):
        c.append(("drop view", f"drop view {report_name(sch, v)}", f"DROP VIEW {qi(sch)}.{qi(v)}",
                  exp("-", "view", report_name(sch, v))))
    # sequences: a different increment
    for sch, sq in db.rows(f"""
SELECT n.nspname, c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE c.relkind = 'S' AND {PG_USER_NS} AND c.relname NOT LIKE 'strata\\_migrations%'
  AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = 'pg_class'::regclass AND d.objid = c.oid
                  AND d.deptype IN ('e', 'i')) ORDER BY 1, 2"""):
        c.append(("change the increment of sequence", f"change the increment of sequence {report_name(sch, sq)}",
                  f"ALTER SEQUENCE {qi(sch)}.{qi(sq)} INCREMENT BY 7", exp("~", "sequence", report_name(sch, sq))))
    return c


# -------------------------------------------------------------------- SQLite

def sqlite_candidates(path):
    con = sqlite3.connect(path)
    c = []
    tables = [r[0] for r in con.execute(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\' "
        "AND name NOT LIKE 'strata\\_migrations%' ESCAPE '\\' AND sql NOT LIKE 'CREATE VIRTUAL%' ORDER BY name")]

    def exp(op, kind, obj, also=()):
        return {"op": op, "kind": kind, "object": obj, "prefix": False, "also": [list(a) for a in also]}

    for t in tables:
        q = qi(t)
        definition = ("table", t, "definition")
        c.append(("add a column to", f"add a column to {t}", f"ALTER TABLE {q} ADD COLUMN {MUT}_col TEXT",
                  exp("+", "column", f"{t}.{MUT}_col", [definition])))
        cols = list(con.execute(f"PRAGMA table_info({q})"))
        first = cols[0][1]
        c.append(("create an index on", f"create an index on {t}", f"CREATE INDEX {MUT}_ix ON {q} ({qi(first)})",
                  exp("+", "index", f"{MUT}_ix ON {t}")))
        c.append(("create a trigger on", f"create a trigger on {t}",
                  f"CREATE TRIGGER {MUT}_trg AFTER INSERT ON {q} BEGIN SELECT 1; END",
                  exp("+", "trigger", f"{MUT}_trg ON {t}")))
        c.append(("create a view on", f"create a view on {t}", f"CREATE VIEW {MUT}_view AS SELECT {qi(first)} FROM {q}",
                  exp("+", "view", f"{MUT}_view")))
        c.append(("drop table", f"drop table {t}", f"DROP TABLE {q}", exp("-", "table", t)))
        # a column's default, changed in the table's text (SQLite's documented way: writable_schema)
        sql = con.execute("SELECT sql FROM sqlite_master WHERE type = 'table' AND name = ?", (t,)).fetchone()[0]
        for cid, name, typ, notnull, dflt, pk in cols:
            if dflt is None:
                continue
            pat = re.compile(r'(\b' + re.escape(name) + r'\b[^,]*?\bDEFAULT\s+)' + re.escape(dflt) + r'(?=[\s,)])',
                             re.IGNORECASE)
            if len(pat.findall(sql)) != 1:
                continue
            new = "1" if dflt != "1" else "2"
            c.append(("change the default of column", f"change the default of column {t}.{name}",
                      ("writable_schema", t, pat.sub(lambda m: m.group(1) + new, sql, count=1)),
                      exp("~", "column", f"{t}.{name}", [definition])))
    for name, tbl, typ in con.execute(
            "SELECT name, tbl_name, type FROM sqlite_master WHERE type IN ('index', 'trigger', 'view') "
            "AND sql IS NOT NULL AND tbl_name NOT LIKE 'strata\\_migrations%' ESCAPE '\\' ORDER BY type, name"):
        if typ == "view":
            c.append(("drop view", f"drop view {name}", f"DROP VIEW {qi(name)}", exp("-", "view", name)))
        else:
            c.append((f"drop {typ}", f"drop {typ} {name} ON {tbl}", f"DROP {typ.upper()} {qi(name)}",
                      exp("-", typ, f"{name} ON {tbl}")))
    con.close()
    return c


def sqlite_apply(path, sql):
    con = sqlite3.connect(path, isolation_level=None)
    try:
        if isinstance(sql, tuple):
            _, table, text = sql
            version = con.execute("PRAGMA schema_version").fetchone()[0]
            con.execute("BEGIN")
            con.execute("PRAGMA writable_schema = ON")
            con.execute("UPDATE sqlite_master SET sql = ? WHERE type = 'table' AND name = ?", (text, table))
            con.execute(f"PRAGMA schema_version = {version + 1}")
            con.execute("PRAGMA writable_schema = OFF")
            con.execute("COMMIT")
            if con.execute("PRAGMA integrity_check").fetchone()[0] != "ok":
                raise sqlite3.DatabaseError("integrity_check failed")
        else:
            con.execute("BEGIN")
            con.execute(sql)
            con.execute("COMMIT")
        return True
    except sqlite3.DatabaseError:
        if con.in_transaction:
            con.execute("ROLLBACK")
        return False
    finally:
        con.close()


# ---------------------------------------------------------------------------

def candidates(engine, db):
    return pg_candidates(Pg(db)) if engine == "pg" else sqlite_candidates(db)


def save(engine, db, path):
    with open(path, "w") as f:
        json.dump(candidates(engine, db), f)


def apply(engine, db, seed, saved=None):
    rnd = random.Random(int(seed))
    if saved:
        with open(saved) as f:
            cands = [(g, w, tuple(q) if isinstance(q, list) else q, e) for g, w, q, e in json.load(f)]
    else:
        cands = candidates(engine, db)
    if engine == "pg":
        run = Pg(db).try_exec
    else:
        run = lambda sql: sqlite_apply(db, sql)  # noqa: E731
    if not cands:
        sys.exit("mutate.py: nothing to mutate")
    # draw a kind of mutation first, then an object, so rare kinds are drawn as often as common ones
    kinds = {}
    for cand in cands:
        kinds.setdefault(cand[0], []).append(cand[1:])
    names = sorted(kinds)
    for _ in range(50):
        g = rnd.choice(names)
        what, sql, e = rnd.choice(kinds[g])
        if run(sql):
            e["what"] = what
            e["mutation"] = g
            print(json.dumps(e))
            return
    sys.exit("mutate.py: the database refused 50 mutations in a row")


# strata_schema_diff_json's words for the ops of the text report
OPS = {"added": "+", "removed": "-", "changed": "~"}


def verify(expect_file, check_file):
    with open(expect_file) as f:
        e = json.load(f)
    with open(check_file) as f:
        text = f.read()
    try:
        out = json.loads(text)
    except ValueError:
        print(f"check's output is not JSON:\n{text}")
        return 1
    diffs = out.get("differences", [])
    hit, other = [], []
    for d in diffs:
        obj = d.get("object", "")
        same = d.get("kind") == e["kind"] and (obj.startswith(e["object"]) if e["prefix"] else obj == e["object"])
        if same:
            hit.append(d)
        elif [d.get("kind"), obj, d.get("attribute")] in e["also"]:
            continue
        else:
            other.append(d)
    bad = []
    if not hit:
        bad.append(f"the mutated object ({e['kind']} {e['object']}) is not reported")
    elif not any(OPS.get(d.get("op"), d.get("op")) == e["op"] for d in hit):
        bad.append(f"{e['kind']} {e['object']} is reported, but not as '{e['op']}'")
    if other:
        bad.append("other objects are reported too")
    if out.get("equal") is not False:
        bad.append("equal is not false")
    if bad:
        print(f"mutation: {e['what']}")
        for b in bad:
            print("  " + b)
        for d in diffs:
            print("  reported: " + d.get("line", json.dumps(d)))
        return 1
    return 0


def main(argv):
    if len(argv) in (5, 6) and argv[1] == "apply" and argv[2] in ("pg", "sqlite"):
        apply(argv[2], argv[3], argv[4], argv[5] if len(argv) == 6 else None)
        return 0
    if len(argv) == 5 and argv[1] == "list" and argv[2] in ("pg", "sqlite"):
        save(argv[2], argv[3], argv[4])
        return 0
    if len(argv) == 4 and argv[1] == "verify":
        return verify(argv[2], argv[3])
    sys.stderr.write(__doc__)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv))
