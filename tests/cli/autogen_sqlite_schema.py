#!/usr/bin/env python3
"""autogen_sqlite_schema.py - the schema of an SQLite database as SQLite itself
reports it, for autogen.bats's oracle (independent of strata): for every
table (strata's own and SQLite's left out), its columns in order
(pragma table_xinfo: name, declared type, not null, default, primary key
position, hidden), its foreign keys (pragma foreign_key_list), its indexes
(pragma index_list and index_xinfo: unique, origin, partial, the columns
and their order), and the SQL of views and triggers with comments and
whitespace normalised; also AUTOINCREMENT (sqlite_sequence's presence of
the table's row is data, so only whether the table's SQL says it). Two
databases with equal output have the same schema, whatever the text of
their CREATE TABLE statements (ALTER TABLE rewrites it; a rebuild writes
it anew).

usage: autogen_sqlite_schema.py FILE
"""
import re
import sqlite3
import sys


def norm_sql(sql):
    sql = re.sub(r"/\*.*?\*/", " ", sql, flags=re.S)
    sql = re.sub(r"--[^\n]*", " ", sql)
    return re.sub(r"\s+", " ", sql).strip().rstrip(";")


def main(path):
    con = sqlite3.connect(path)
    q = con.execute
    out = []
    objs = q("SELECT type, name, tbl_name, sql FROM sqlite_master WHERE name NOT LIKE 'sqlite_%' "
             "AND name NOT LIKE 'strata_%' AND tbl_name NOT LIKE 'strata_%' ORDER BY type, name").fetchall()
    for typ, name, tbl, sql in objs:
        if typ == "table":
            out.append("table %s%s" % (name, " autoincrement" if re.search(r"autoincrement", sql or "", re.I) else ""))
            for cid, cname, ctype, notnull, dflt, pk, hidden in q("SELECT * FROM pragma_table_xinfo(?)", (name,)):
                out.append("  column %d %s %s notnull=%d default=%s pk=%d hidden=%d"
                           % (cid, cname, ctype.upper(), notnull, dflt, pk, hidden))
            for row in q("SELECT \"table\", \"from\", \"to\", on_update, on_delete, \"match\", seq "
                         "FROM pragma_foreign_key_list(?) ORDER BY id, seq", (name,)):
                out.append("  foreign key %s" % (row,))
            for iname, unique, origin, partial in sorted(q("SELECT name, \"unique\", origin, partial "
                                                           "FROM pragma_index_list(?)", (name,)).fetchall(),
                                                         key=lambda r: (r[2], r[0] if r[2] == "c" else "")):
                cols = q("SELECT seqno, name, \"desc\", coll FROM pragma_index_xinfo(?) WHERE key", (iname,)).fetchall()
                # an automatic index's name is SQLite's own choice: by its columns
                label = iname if origin == "c" else "(%s)" % origin
                out.append("  index %s unique=%d partial=%d %s" % (label, unique, partial, cols))
        elif typ == "index":
            row = q("SELECT sql FROM sqlite_master WHERE name = ?", (name,)).fetchone()
            if row[0] and re.search(r"\bwhere\b", row[0], re.I):
                out.append("index %s on %s: %s" % (name, tbl, norm_sql(row[0])))
        else:
            out.append("%s %s on %s: %s" % (typ, name, tbl, norm_sql(sql or "")))
    print("\n".join(out))


if __name__ == "__main__":
    main(sys.argv[1])
