#!/usr/bin/env python3
"""schema_oracle_sqlite.py - the oracle for `strata test` on SQLite,
independent of strata: for each migration i of a directory of
NNNN_name.up.sql / .down.sql pairs (vaultwarden's history,
../shared/corpus/sqlite-vaultwarden), a database file gets up_1..up_i with
Python's sqlite3 module (executescript: SQLite's own parser and engine); a
copy of it (the file, before up_i+down_i) gets down_i, and its sqlite_master
rows (type, name, tbl_name, sql; SQLite's own sqlite_% objects left out) are
compared with those before up_i. Verdicts: ok, not_restored, down_failed,
irreversible (a down without statements), up_failed (the oracle stops).

Then it compares with `strata test --json` as schema_oracle.py does
(order_only is not_restored; redo_* concern the redo, the oracle's ok), one
line per disagreement, exit 1 when there is one.

usage: schema_oracle_sqlite.py DIR STRATA_JSON
"""
import json
import os
import re
import shutil
import sqlite3
import sys
import tempfile


def master(path):
    con = sqlite3.connect(path)
    rows = sorted(con.execute("SELECT type, name, tbl_name, sql FROM sqlite_master WHERE name NOT LIKE 'sqlite_%'"))
    con.close()
    return rows


def no_statements(text):
    text = re.sub(r"/\*.*?\*/", "", text, flags=re.S)
    text = re.sub(r"--[^\n]*", "", text)
    return not text.replace(";", "").strip()


def apply(path, script):
    con = sqlite3.connect(path, isolation_level=None)
    try:
        con.executescript(script)
        return True
    except sqlite3.Error:
        return False
    finally:
        con.close()


def oracle(directory):
    ups = sorted(f for f in os.listdir(directory) if f.endswith(".up.sql"))
    tmp = tempfile.mkdtemp()
    state, copy = os.path.join(tmp, "state.db"), os.path.join(tmp, "copy.db")
    out = []
    try:
        sqlite3.connect(state).close()
        for i, up in enumerate(ups, start=1):
            base = os.path.join(directory, up[: -len(".up.sql")])
            before = master(state)
            with open(base + ".up.sql") as f:
                if not apply(state, f.read()):
                    out.append((i, os.path.basename(base), "up_failed"))
                    break
            with open(base + ".down.sql") as f:
                down = f.read()
            if no_statements(down):
                verdict = "irreversible"
            else:
                shutil.copyfile(state, copy)
                if not apply(copy, down):
                    verdict = "down_failed"
                else:
                    verdict = "ok" if master(copy) == before else "not_restored"
            out.append((i, os.path.basename(base), verdict))
    finally:
        shutil.rmtree(tmp)
    return out


STRATA_AS_ORACLE = {"order_only": "not_restored", "redo_failed": "ok", "redo_differs": "ok"}


def main():
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    with open(sys.argv[2]) as f:
        got = json.load(f)
    want = oracle(sys.argv[1])
    bad = 0
    if len(got) != len(want):
        print("strata tested %d migrations, the oracle %d" % (len(got), len(want)))
        bad += 1
    counts = {}
    for (i, name, verdict), g in zip(want, got):
        counts[verdict] = counts.get(verdict, 0) + 1
        mine = STRATA_AS_ORACLE.get(g["verdict"], g["verdict"])
        if mine != verdict:
            kind = "miss" if mine == "ok" else "false positive" if verdict == "ok" else "disagreement"
            print("%s: %04d %s: oracle %s, strata %s" % (kind, i, name, verdict, g["verdict"]))
            bad += 1
    print("oracle: %d migrations, %s; %d disagreement(s)" %
          (len(want), ", ".join("%d %s" % (n, v) for v, n in sorted(counts.items())), bad))
    sys.exit(1 if bad else 0)


if __name__ == "__main__":
    main()
