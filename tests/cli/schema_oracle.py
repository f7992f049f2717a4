#!/usr/bin/env python3
"""schema_oracle.py - an oracle for `strata test`, independent of strata.

For each migration i of a directory of NNNN_name.up.sql / .down.sql pairs
(crates.io's history, ../shared/corpus/pg-cratesio), on a PostgreSQL server:
the state database gets up_1..up_i with psql alone (psql -v ON_ERROR_STOP=1,
-1 unless NNNN_name.metadata.toml says run_in_transaction = false or the file
holds a statement PostgreSQL refuses in a transaction block); a copy of
the state before up_i's down (CREATE DATABASE ... TEMPLATE) gets down_i, and
`pg_dump -s` of that copy is compared with `pg_dump -s` of the state before
up_i, with only pg_dump's own comment lines, SET lines, blank lines and
\\restrict lines filtered out. Verdicts:

  ok            the down ran and the dump is the same
  not_restored  the down ran and the dump differs (column order included)
  down_failed   psql stopped with an error in the down
  irreversible  the down holds no statement (comments only)
  up_failed     psql stopped with an error in the up (the oracle stops there)

Then it reads `strata test --json` (a file, or stdin) and compares verdict
for verdict: strata's not_restored and order_only are the oracle's
not_restored; its redo_failed and redo_differs concern the redo, which the
oracle does not try, and count as the oracle's ok. It prints one line per
disagreement ("miss" when the oracle finds what strata does not, "false
positive" the other way) and exits 1 when there is one.

usage: schema_oracle.py DIR FIRST LAST STRATA_JSON   (FIRST, LAST: 1-based, inclusive)
Environment: PGHOST, PGPORT, PGUSER as for psql; PG_DUMP (default
/usr/lib/postgresql/15/bin/pg_dump).
"""
import json
import os
import re
import subprocess
import sys

PG_DUMP = os.environ.get("PG_DUMP", "/usr/lib/postgresql/15/bin/pg_dump")
STATE = "oracle_state_%d" % os.getpid()
COPY = "oracle_copy_%d" % os.getpid()


def psql(db, *args, check=True):
    r = subprocess.run(["psql", "-X", "-q", "-v", "ON_ERROR_STOP=1", "-d", db, *args],
                       stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                       env=dict(os.environ, PGOPTIONS="-c client_min_messages=warning"))
    if check and r.returncode != 0:
        sys.exit("psql failed: %s" % r.stderr)
    return r


def admin(sql):
    psql("postgres", "-c", sql)


def dump(db):
    r = subprocess.run([PG_DUMP, "-s", "-d", db], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    if r.returncode != 0:
        sys.exit("pg_dump failed: %s" % r.stderr)
    keep = []
    for line in r.stdout.splitlines():
        if line.startswith("--") or line.startswith("SET ") or not line.strip():
            continue
        if line.startswith("SELECT pg_catalog.set_config('search_path'"):
            continue
        if line.startswith("\\restrict ") or line.startswith("\\unrestrict "):
            continue
        keep.append(line)
    return keep


def no_statements(text):
    text = re.sub(r"/\*.*?\*/", "", text, flags=re.S)
    text = re.sub(r"--[^\n]*", "", text)
    return not text.replace(";", "").strip()


def in_transaction(base):
    meta = base + ".metadata.toml"
    if not os.path.exists(meta):
        return True
    with open(meta) as f:
        return not re.search(r"run_in_transaction\s*=\s*false", f.read())


# Statements PostgreSQL refuses inside a transaction block, that crates.io's
# files use: a file holding one runs without -1, as strata runs it (it
# recognises them; Diesel would need run_in_transaction = false, which
# 0225's down lacks: `diesel migration revert` fails on it, strata's down runs).
OUTSIDE_TX = re.compile(r"\b(create\s+(unique\s+)?index\s+concurrently|drop\s+index\s+concurrently|"
                        r"reindex\b[^;]*\bconcurrently)\b|^\s*vacuum\b", re.I | re.M)


def apply(db, path, tx):
    with open(path) as f:
        text = re.sub(r"--[^\n]*", "", re.sub(r"/\*.*?\*/", "", f.read(), flags=re.S))
    args = ["-f", path]
    if tx and not OUTSIDE_TX.search(text):
        args = ["-1"] + args
    return psql(db, *args, check=False).returncode == 0


def oracle(directory, first, last):
    ups = sorted(f for f in os.listdir(directory) if f.endswith(".up.sql"))
    out = []
    admin('DROP DATABASE IF EXISTS "%s" WITH (FORCE)' % STATE)
    admin('CREATE DATABASE "%s" TEMPLATE template0' % STATE)
    try:
        before = dump(STATE) if first <= 1 else None
        for i, up in enumerate(ups[:last], start=1):
            base = os.path.join(directory, up[: -len(".up.sql")])
            name = os.path.basename(base)
            tx = in_transaction(base)
            if not apply(STATE, base + ".up.sql", tx):
                out.append((i, name, "up_failed"))
                break
            after_up = dump(STATE) if i >= first - 1 else None
            if i >= first:
                down = base + ".down.sql"
                with open(down) as f:
                    text = f.read()
                if no_statements(text):
                    verdict = "irreversible"
                else:
                    admin('DROP DATABASE IF EXISTS "%s" WITH (FORCE)' % COPY)
                    admin('CREATE DATABASE "%s" TEMPLATE "%s"' % (COPY, STATE))
                    if not apply(COPY, down, tx):
                        verdict = "down_failed"
                    else:
                        verdict = "ok" if dump(COPY) == before else "not_restored"
                    admin('DROP DATABASE IF EXISTS "%s" WITH (FORCE)' % COPY)
                out.append((i, name, verdict))
            before = after_up
    finally:
        admin('DROP DATABASE IF EXISTS "%s" WITH (FORCE)' % COPY)
        admin('DROP DATABASE IF EXISTS "%s" WITH (FORCE)' % STATE)
    return out


STRATA_AS_ORACLE = {"order_only": "not_restored", "redo_failed": "ok", "redo_differs": "ok"}


def main():
    if len(sys.argv) != 5:
        sys.exit(__doc__)
    directory, first, last, strata_json = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
    with open(strata_json) as f:
        got = json.load(f)
    want = oracle(directory, first, last)
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
            print("%s: %04d %s: oracle %s, strata %s%s" % (kind, i, name, verdict, g["verdict"],
                  "".join("\n    " + d.get("line", "") for d in g.get("differences", []))))
            bad += 1
    print("oracle: %d migrations, %s; %d disagreement(s)" %
          (len(want), ", ".join("%d %s" % (n, v) for v, n in sorted(counts.items())), bad))
    sys.exit(1 if bad else 0)


if __name__ == "__main__":
    main()
