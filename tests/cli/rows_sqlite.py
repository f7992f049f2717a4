#!/usr/bin/env python3
"""rows_sqlite.py - synthetic rows for the SQLite diff replays (diff_sqlite_replay.bats, bench/diff_sqlite.sh).

  rows_sqlite.py fill DB           a few FK-consistent rows in every table (as strata test --data does,
                                   src/schema/data.c: values by column type and row number, parents first,
                                   a table whose insert fails tried again after the others)
  rows_sqlite.py snapshot DB OUT   every table's rows (quote() of each value) as JSON
  rows_sqlite.py compare OUT DB    exit 1, saying what, when a table of the snapshot that DB still has
                                   lost rows, or a column both have lost or changed a value

strata's own tables (strata_*) and SQLite's (sqlite_*) are left alone.
"""
import json
import sqlite3
import sys

ROWS = 3


def tables(db):
    return [r[0] for r in db.execute(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\' "
        "AND name NOT LIKE 'strata\\_%' ESCAPE '\\' AND sql NOT LIKE 'CREATE VIRTUAL%' ORDER BY name")]


def qi(name):
    return '"' + name.replace('"', '""') + '"'


def value(decl, k):
    t = (decl or "").lower()
    if "bool" in t:
        return k % 2
    if "datetime" in t or "timestamp" in t:
        return "2020-01-%02d 00:00:%02d" % (k, k)
    if "date" in t:
        return "2020-01-%02d" % k
    if "int" in t:
        return k
    if "real" in t or "floa" in t or "doub" in t:
        return k + 0.5
    if "blob" in t:
        return bytes([k])
    if "char" in t or "text" in t or "clob" in t or t == "":
        return "v%d" % k
    return k  # NUMERIC affinity


def fill(path):
    db = sqlite3.connect(path)
    db.execute("PRAGMA foreign_keys = ON")
    pending = tables(db)
    for _ in range(len(pending) + 1):
        left = []
        for t in pending:
            cols = [r for r in db.execute("SELECT name, type, hidden FROM pragma_table_xinfo(?)", (t,)) if r[2] == 0]
            fks = {}
            for r in db.execute("SELECT \"table\", \"from\", \"to\" FROM pragma_foreign_key_list(?)", (t,)):
                fks[r[1]] = (r[0], r[2])
            try:
                for k in range(1, ROWS + 1):
                    names, vals = [], []
                    for name, decl, _ in cols:
                        v = value(decl, k)
                        if name in fks:
                            parent, pcol = fks[name]
                            if pcol is None:
                                pk = [r[1] for r in db.execute("SELECT pk, name FROM pragma_table_info(?) WHERE pk > 0 ORDER BY pk", (parent,))]
                                pcol = pk[0] if pk else "rowid"
                            row = db.execute("SELECT %s FROM %s ORDER BY rowid LIMIT 1 OFFSET ?" % (qi(pcol), qi(parent)), (k - 1,)).fetchone()
                            if row is None:
                                raise sqlite3.IntegrityError("parent %s not filled yet" % parent)
                            v = row[0]
                        names.append(qi(name))
                        vals.append(v)
                    db.execute("INSERT INTO %s (%s) VALUES (%s)" % (qi(t), ", ".join(names), ", ".join("?" * len(vals))), vals)
                db.commit()
            except sqlite3.Error:
                db.rollback()
                left.append(t)
        if not left or left == pending:
            pending = left
            break
        pending = left
    for t in pending:
        print("rows_sqlite.py: could not fill %s" % t, file=sys.stderr)
    db.close()


def snapshot(path):
    db = sqlite3.connect(path)
    snap = {}
    for t in tables(db):
        cols = [r[0] for r in db.execute("SELECT name FROM pragma_table_xinfo(?) WHERE hidden = 0", (t,))]
        rows = [list(r) for r in db.execute("SELECT %s FROM %s" % (", ".join("quote(%s)" % qi(c) for c in cols), qi(t)))]
        snap[t] = {"cols": cols, "rows": rows}
    db.close()
    return snap


def compare(before, path):
    after = snapshot(path)
    bad = []
    for t, b in before.items():
        a = after.get(t)
        if a is None:
            continue
        if len(a["rows"]) != len(b["rows"]):
            bad.append("%s: %d rows, %d before" % (t, len(a["rows"]), len(b["rows"])))
            continue
        common = [c for c in b["cols"] if c in a["cols"]]
        bi = [b["cols"].index(c) for c in common]
        ai = [a["cols"].index(c) for c in common]
        bs = sorted(tuple(r[i] for i in bi) for r in b["rows"])
        as_ = sorted(tuple(r[i] for i in ai) for r in a["rows"])
        if bs != as_:
            bad.append("%s: values of %s changed" % (t, ", ".join(common)))
    for line in bad:
        print(line)
    return 1 if bad else 0


def main():
    if len(sys.argv) == 3 and sys.argv[1] == "fill":
        fill(sys.argv[2])
        return 0
    if len(sys.argv) == 4 and sys.argv[1] == "snapshot":
        with open(sys.argv[3], "w") as f:
            json.dump(snapshot(sys.argv[2]), f)
        return 0
    if len(sys.argv) == 4 and sys.argv[1] == "compare":
        with open(sys.argv[2]) as f:
            return compare(json.load(f), sys.argv[3])
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main())
