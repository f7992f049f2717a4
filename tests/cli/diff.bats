#!/usr/bin/env bats
# strata diff --from SRC --to SRC: each kind of SRC (a database URL, a
# migrations directory, a .sql schema file, pg_dump -s output with its
# \restrict lines among them) on SQLite and on the real PostgreSQL. What a
# printed plan does is checked against the database itself: the plan is
# applied with psql or sqlite3 and the result compared with the target by
# pg_dump -s or SQLite's own catalog, not by strata. Also: equal schemas
# print nothing, a schema file that fails names its statement, destructive
# plans are refused without --allow-destructive, rename hints keep rows,
# --down, --json, unhandled objects, and no scratch database stays behind.

load helpers

PG_DUMP=${PG_DUMP:-/usr/lib/postgresql/15/bin/pg_dump}
[ -x "$PG_DUMP" ] || PG_DUMP=pg_dump

# strata, with the pid of each run kept: its scratch databases are named
# strata_scratch_<pid>_<n> (as in check.bats).
strata() {
	"$STRATA" "$@" &
	local pid=$!
	echo "$pid" >>"$BATS_TEST_TMPDIR/strata.pids"
	wait "$pid"
}

# no_scratch_left [PID...]: no scratch database of this test's strata runs remains (psql -l's list).
no_scratch_left() {
	local pids="$* $(cat "$BATS_TEST_TMPDIR/strata.pids" 2>/dev/null)" p
	for p in $pids; do
		if psql -X -l -A -t | cut -d'|' -f1 | grep -q "^strata_scratch_${p}_"; then
			echo "scratch database of strata pid $p left behind" >&2
			return 1
		fi
	done
}

# pg_schema DB: pg_dump -s of DB without strata's tables, pg_dump's comments, SET, blank and \restrict lines.
pg_schema() {
	"$PG_DUMP" -s -T 'strata_migrations*' -d "$(pg_url "$1")" |
		grep -vE '^(--|SET |SELECT pg_catalog.set_config|\\(un)?restrict |$)'
}

# sqlite_schema FILE: every table's columns (pragma table_xinfo), indexes with their columns, foreign
# keys, and triggers' and views' text, read by SQLite itself; strata's own tables left out.
sqlite_schema() {
	sqlite3 -batch "$1" "
SELECT 'col', m.name, p.cid, p.name, p.type, p.\"notnull\", p.dflt_value, p.pk, p.hidden
  FROM sqlite_master m, pragma_table_xinfo(m.name) p
 WHERE m.type = 'table' AND m.name NOT LIKE 'sqlite_%' AND m.name NOT LIKE 'strata_%' ORDER BY m.name, p.cid;
SELECT 'idx', m.name, i.name, i.\"unique\", i.partial, c.seqno, c.name
  FROM sqlite_master m, pragma_index_list(m.name) i, pragma_index_info(i.name) c
 WHERE m.type = 'table' AND m.name NOT LIKE 'sqlite_%' AND m.name NOT LIKE 'strata_%' ORDER BY 2, 3, 6;
SELECT 'fk', m.name, f.\"table\", f.\"from\", f.\"to\", f.on_delete
  FROM sqlite_master m, pragma_foreign_key_list(m.name) f
 WHERE m.type = 'table' AND m.name NOT LIKE 'strata_%' ORDER BY 2, 4;
SELECT type, name, tbl_name, replace(replace(sql, char(10), ' '), '  ', ' ') FROM sqlite_master
 WHERE type IN ('trigger', 'view') ORDER BY 1, 2;"
}

# require_planner URL: skip while the engine's planner is not built in (its branch not merged yet).
require_planner() {
	local out
	out=$("$STRATA" diff --from "$1" --to "$2" 2>&1 || true)
	case $out in
	*"cannot diff"*"yet"*)
		if [ "${STRATA_DIFF_REQUIRE_PLANNER:-}" = 1 ]; then
			echo "the planner is missing: $out" >&2
			return 1
		fi
		echo "# WARNING: skipped '${BATS_TEST_DESCRIPTION}': $out" >&3
		skip "$out"
		;;
	esac
}

# up_part / down_part FILE: the text of `diff --down` before / after its separator line.
up_part() { sed '/^-- strata diff: down /,$d' "$1"; }
down_part() { sed '1,/^-- strata diff: down /d' "$1"; }

# ------------------------------------------------------------ equal: no output, exit 0

sqlite_base() {
	write_migration m 001 users "CREATE TABLE users (id INTEGER PRIMARY KEY, name TEXT NOT NULL DEFAULT 'x');"
	write_migration m 002 runs "CREATE TABLE runs (id INTEGER PRIMARY KEY, user_id INTEGER REFERENCES users (id) ON DELETE CASCADE, status TEXT);
CREATE INDEX ix_runs_user ON runs (user_id);
CREATE VIEW v_runs AS SELECT id, status FROM runs;"
}

@test "sqlite: equal schemas, each kind of SRC: no output, exit 0" {
	sqlite_base
	strata -d sqlite:a.db -p m up -q
	strata -d sqlite:b.db -p m up -q
	sqlite3 a.db "SELECT sql || ';' FROM sqlite_master WHERE sql IS NOT NULL AND name NOT LIKE 'strata%'" >schema.sql
	grep -q 'CREATE TABLE' schema.sql
	for pair in "a.db b.db" "sqlite:a.db m" "m a.db" "schema.sql a.db" "m schema.sql" "schema.sql schema.sql"; do
		set -- $pair
		run --separate-stderr strata diff --from "$1" --to "$2"
		[ "$status" -eq 0 ] || { echo "$pair: $stderr"; false; }
		[ -z "$output" ]
		[ -z "$stderr" ]
	done
}

@test "postgres: equal schemas, each kind of SRC, pg_dump -s output with \\restrict: no output, exit 0, no scratch left" {
	require_pg
	a=$(make_pg_db t_diff_eq_a)
	b=$(make_pg_db t_diff_eq_b)
	write_migration m 001 users "CREATE TABLE users (id serial PRIMARY KEY, name text NOT NULL DEFAULT 'x');
CREATE TYPE mood AS ENUM ('sad', 'ok');"
	write_migration m 002 runs "CREATE TABLE runs (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, user_id int REFERENCES users ON DELETE CASCADE, m mood);
CREATE FUNCTION touch() RETURNS trigger LANGUAGE plpgsql AS \$\$ BEGIN RETURN NEW; END \$\$;
CREATE TRIGGER t_touch BEFORE UPDATE ON runs FOR EACH ROW EXECUTE FUNCTION touch();
CREATE VIEW v_runs AS SELECT id, m FROM runs;"
	write_migration m 003 index "-- strata:no-transaction
CREATE INDEX CONCURRENTLY ix_runs_user ON runs (user_id);"
	strata -d "$a" -p m up -q
	strata -d "$b" -p m up -q
	"$PG_DUMP" -s -d "$a" >dump.sql
	# the real pg_dump of the test server writes \restrict (15.14 and later): the file is as users keep it
	grep -q '^\\restrict ' dump.sql
	grep -q '^\\unrestrict ' dump.sql
	for pair in "$a $b" "$a m" "m $a" "dump.sql $a" "$b dump.sql"; do
		set -- $pair
		run --separate-stderr strata diff --from "$1" --to "$2"
		[ "$status" -eq 0 ] || { echo "$pair: $stderr"; false; }
		[ -z "$output" ]
		[ -z "$stderr" ]
	done
	# two files alone: -d (or --scratch) names the engine and the server of the scratch databases
	run --separate-stderr strata -d "$a" diff --from dump.sql --to m
	[ "$status" -eq 0 ]
	[ -z "$output" ]
	run --separate-stderr strata diff --from m --to dump.sql --scratch "$STRATA_TEST_PG_URL"
	[ "$status" -eq 0 ]
	[ -z "$output" ]
	# without either, pg_dump output is not run as SQLite: strata says what to give
	run --separate-stderr strata diff --from m --to dump.sql
	[ "$status" -eq 2 ]
	[[ "$stderr" == *"dump.sql is pg_dump output"*"-d URL"* ]]
	no_scratch_left
}

@test "equal --json: one object, equal true, no steps" {
	sqlite_base
	strata -d sqlite:a.db -p m up -q
	run --separate-stderr strata diff --from a.db --to m --json
	[ "$status" -eq 0 ]
	echo "$output" | python3 -c '
import json, sys
d = json.load(sys.stdin)
assert d["equal"] is True, d
assert d["steps"] == [] and d["not_handled"] == [], d'
}

# ------------------------------------------------------------ errors for people

@test "sqlite: a schema file that does not run names the file, the statement's line and SQLite's message; no plan" {
	sqlite_base
	strata -d sqlite:a.db -p m up -q
	printf 'CREATE TABLE users (id INTEGER PRIMARY KEY);\n\nCREATE TABLE runs (id INTEGER,\n  status TEXT NOT NULL DEFALT 1);\n' >bad.sql
	run --separate-stderr strata diff --from a.db --to bad.sql
	[ "$status" -ne 0 ]
	[ -z "$output" ]
	[[ "$stderr" == *"bad.sql:"[34]":"*"syntax error"* ]]
	[[ "$stderr" == *"fix the statement"* ]]
}

@test "postgres: a schema file that does not run names the statement (file:line, the server's message); no plan, no scratch left" {
	require_pg
	a=$(make_pg_db)
	printf -- '-- schema\n\\restrict xyz\nCREATE TABLE users (id int PRIMARY KEY);\n\nCREATE TABLE runs (\n  id int,\n  user_id int REFERENCES nosuch (id)\n);\n\\unrestrict xyz\n' >bad.sql
	run --separate-stderr strata diff --from "$a" --to bad.sql
	[ "$status" -ne 0 ]
	[ -z "$output" ]
	[[ "$stderr" == *"bad.sql:"[57]":"*'relation "nosuch" does not exist'* ]]
	[[ "$stderr" != *"restrict"* ]] # the meta-commands were never sent
	no_scratch_left
}

@test "a migration of a directory that fails is named; no plan" {
	sqlite_base
	write_migration m 003 broken "CREATE TABLE x (a INT;"
	strata -d sqlite:a.db -p m up -q 2>/dev/null || true
	run --separate-stderr strata diff --from a.db --to m
	[ "$status" -ne 0 ]
	[ -z "$output" ]
	[[ "$stderr" == *"003_broken.up.sql"* ]]
}

@test "diff needs both sides; sides of two engines are refused; a path that is nothing is named" {
	run --separate-stderr strata diff --from a.db
	[ "$status" -eq 2 ]
	[[ "$stderr" == *"--from SRC --to SRC"* ]]
	run --separate-stderr strata diff --from nosuch.db --to nosuch2.db
	[ "$status" -ne 0 ]
	[[ "$stderr" == *"nosuch"* ]]
	run --separate-stderr strata diff --from schema.sql --to other.sql
	[ "$status" -ne 0 ]
	[[ "$stderr" == *"schema.sql"* ]]
	require_pg
	a=$(make_pg_db)
	sqlite3 x.db "CREATE TABLE t (a INT);"
	run --separate-stderr strata diff --from "$a" --to x.db
	[ "$status" -eq 2 ]
	[[ "$stderr" == *"one engine"* ]]
	# options of diff alone are refused by other commands
	run --separate-stderr strata up --allow-destructive
	[ "$status" -eq 2 ]
	[[ "$stderr" == *"only strata diff"* ]]
}

@test "postgres: Ctrl-C while a directory is applied drops the scratch database" {
	require_pg
	a=$(make_pg_db)
	write_migration m 001 a "CREATE TABLE a (id int);"
	write_migration m 002 slow "SELECT pg_sleep(60);"
	"$STRATA" diff --from "$a" --to m >out.txt 2>err.txt &
	pid=$!
	for i in $(seq 100); do
		[ -n "$(pg_sql postgres "SELECT 1 FROM pg_stat_activity WHERE query LIKE '%pg_sleep(60)%' AND pid <> pg_backend_pid()")" ] && break
		sleep 0.1
	done
	run pg_sql postgres "SELECT count(*) FROM pg_database WHERE datname LIKE 'strata\\_scratch\\_${pid}\\_%'"
	[ "$output" = 1 ]
	kill -INT "$pid"
	status=0
	wait "$pid" || status=$?
	[ "$status" -eq 130 ]
	[ ! -s out.txt ]
	no_scratch_left "$pid"
}

# ------------------------------------------------------------ plans, applied and checked by the database

@test "sqlite: a plan from a database to a schema file, applied with sqlite3, makes the schema file's schema" {
	sqlite_base
	strata -d sqlite:a.db -p m up -q
	cat >want.sql <<'SQL'
CREATE TABLE users (id INTEGER PRIMARY KEY, name TEXT NOT NULL DEFAULT 'x', email TEXT);
CREATE TABLE runs (id INTEGER PRIMARY KEY, user_id INTEGER REFERENCES users (id) ON DELETE CASCADE, status TEXT);
CREATE INDEX ix_runs_user ON runs (user_id);
CREATE INDEX ix_runs_status ON runs (status);
CREATE VIEW v_runs AS SELECT id, status FROM runs;
CREATE TABLE tags (id INTEGER PRIMARY KEY, run_id INTEGER NOT NULL REFERENCES runs (id), label TEXT UNIQUE);
SQL
	sqlite3 want.db <want.sql
	require_planner a.db want.sql
	run --separate-stderr strata diff --from a.db --to want.sql
	[ "$status" -eq 0 ]
	[ -n "$output" ]
	echo "$output" >plan.sql
	sqlite3 -bail a.db <plan.sql
	diff <(sqlite_schema a.db) <(sqlite_schema want.db)
	# and strata agrees: a second diff is empty
	run --separate-stderr strata diff --from a.db --to want.sql
	[ "$status" -eq 0 ]
	[ -z "$output" ]
}

@test "postgres: a plan from a directory to a database, applied with psql, makes that database's pg_dump -s" {
	require_pg
	a=$(make_pg_db t_diff_plan_a)
	b=$(make_pg_db t_diff_plan_b)
	write_migration m 001 users "CREATE TABLE users (id serial PRIMARY KEY, name text NOT NULL DEFAULT 'x');"
	strata -d "$a" -p m up -q
	pg_sql "$b" "CREATE TABLE users (id serial PRIMARY KEY, name text NOT NULL DEFAULT 'x', email text);
CREATE TYPE mood AS ENUM ('sad', 'ok');
CREATE TABLE runs (id bigint GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY, user_id int NOT NULL REFERENCES users ON DELETE CASCADE, m mood DEFAULT 'ok');
CREATE INDEX ix_runs_user ON runs (user_id);
CREATE VIEW v_runs AS SELECT id, m FROM runs;
COMMENT ON TABLE runs IS 'what ran';"
	require_planner m "$b"
	run --separate-stderr strata diff --from m --to "$b"
	[ "$status" -eq 0 ]
	[ -n "$output" ]
	echo "$output" >plan.sql
	psql -X -q -v ON_ERROR_STOP=1 -d "$a" -f plan.sql
	diff <(pg_schema t_diff_plan_a) <(pg_schema t_diff_plan_b)
	run --separate-stderr strata diff --from "$a" --to "$b"
	[ "$status" -eq 0 ]
	[ -z "$output" ]
	no_scratch_left
}

@test "sqlite: a dropped column is refused without --allow-destructive (named, no plan), printed with it" {
	sqlite_base
	strata -d sqlite:a.db -p m up -q
	sqlite_sql a.db "INSERT INTO users (id, name) VALUES (1, 'ann');"
	printf '%s\n' "CREATE TABLE users (id INTEGER PRIMARY KEY);" \
		"CREATE TABLE runs (id INTEGER PRIMARY KEY, user_id INTEGER REFERENCES users (id) ON DELETE CASCADE, status TEXT);" \
		"CREATE INDEX ix_runs_user ON runs (user_id);" "CREATE VIEW v_runs AS SELECT id, status FROM runs;" >want.sql
	sqlite3 want.db <want.sql
	require_planner a.db want.sql
	run --separate-stderr strata diff --from a.db --to want.sql
	[ "$status" -eq 1 ]
	[ -z "$output" ]
	[[ "$stderr" == *"destructive"*"name"* ]]
	[[ "$stderr" == *"--allow-destructive"* ]]
	run --separate-stderr strata diff --from a.db --to want.sql --json
	[ "$status" -eq 1 ]
	echo "$output" | python3 -c '
import json, sys
d = json.load(sys.stdin)
assert d["equal"] is False and d["steps"] == [] and any("name" in w for w in d["destructive"]), d'
	run --separate-stderr strata diff --from a.db --to want.sql --allow-destructive
	[ "$status" -eq 0 ]
	[[ "$output" == *"DESTRUCTIVE"* ]]
	echo "$output" >plan.sql
	sqlite3 -bail a.db <plan.sql
	diff <(sqlite_schema a.db) <(sqlite_schema want.db)
	# the row is still there: only the column went
	[ "$(sqlite_sql a.db "SELECT id FROM users")" = 1 ]
}

@test "postgres: a dropped table is refused without --allow-destructive; printed and exact with it" {
	require_pg
	a=$(make_pg_db t_diff_destr_a)
	b=$(make_pg_db t_diff_destr_b)
	pg_sql "$a" "CREATE TABLE keep (id int PRIMARY KEY); CREATE TABLE old_stuff (id int);"
	pg_sql "$b" "CREATE TABLE keep (id int PRIMARY KEY);"
	require_planner "$a" "$b"
	run --separate-stderr strata diff --from "$a" --to "$b"
	[ "$status" -eq 1 ]
	[ -z "$output" ]
	[[ "$stderr" == *"destructive: "*"old_stuff"* ]]
	run --separate-stderr strata diff --from "$a" --to "$b" --allow-destructive
	[ "$status" -eq 0 ]
	echo "$output" >plan.sql
	psql -X -q -v ON_ERROR_STOP=1 -d "$a" -f plan.sql
	diff <(pg_schema t_diff_destr_a) <(pg_schema t_diff_destr_b)
	no_scratch_left
}

@test "sqlite: -- strata:renamed-from on a column's line renames it: its rows keep their values" {
	sqlite_base
	strata -d sqlite:a.db -p m up -q
	sqlite_sql a.db "INSERT INTO users (id, name) VALUES (1, 'ann'), (2, 'bob');"
	cat >want.sql <<'SQL'
CREATE TABLE users (id INTEGER PRIMARY KEY,
  full_name TEXT NOT NULL DEFAULT 'x' -- strata:renamed-from name
);
CREATE TABLE runs (id INTEGER PRIMARY KEY, user_id INTEGER REFERENCES users (id) ON DELETE CASCADE, status TEXT);
CREATE INDEX ix_runs_user ON runs (user_id);
CREATE VIEW v_runs AS SELECT id, status FROM runs;
SQL
	sqlite3 want.db <want.sql
	require_planner a.db want.sql
	run --separate-stderr strata diff --from a.db --to want.sql
	[ "$status" -eq 0 ]
	[[ "$output" != *DESTRUCTIVE* ]]
	echo "$output" >plan.sql
	sqlite3 -bail a.db <plan.sql
	diff <(sqlite_schema a.db) <(sqlite_schema want.db)
	[ "$(sqlite_sql a.db "SELECT group_concat(full_name, ',') FROM (SELECT full_name FROM users ORDER BY id)")" = "ann,bob" ]
	# the hint stays in the file: once applied it has nothing left to do, and the next change diffs as usual
	echo "CREATE TABLE later (id INTEGER PRIMARY KEY);" >>want.sql
	run --separate-stderr strata diff --from a.db --to want.sql
	[ "$status" -eq 0 ]
	[[ "$output" == *"CREATE TABLE later"* ]]
	[[ "$output" != *"RENAME COLUMN"* ]]
	sqlite3 -bail a.db <<<"$output"
	[ "$(sqlite_sql a.db "SELECT group_concat(full_name, ',') FROM (SELECT full_name FROM users ORDER BY id)")" = "ann,bob" ]
}

@test "postgres: renamed-from hints on a table and a column rename both; rows keep their values; the down renames back" {
	require_pg
	a=$(make_pg_db t_diff_ren_a)
	pg_sql "$a" "CREATE TABLE packages (id int PRIMARY KEY, name text NOT NULL); INSERT INTO packages VALUES (1, 'serde'), (2, 'rand');"
	cat >want.sql <<'SQL'
CREATE TABLE public.crates ( -- strata:renamed-from packages
    id integer PRIMARY KEY,
    "Title" text NOT NULL -- strata:renamed-from name
);
SQL
	require_planner "$a" want.sql
	run --separate-stderr strata diff --from "$a" --to want.sql --down
	[ "$status" -eq 0 ]
	[[ "$output" != *DESTRUCTIVE* ]]
	echo "$output" >both.sql
	grep -q '^-- strata diff: down ' both.sql
	up_part both.sql >up.sql
	down_part both.sql >down.sql
	b=$(make_pg_db t_diff_ren_b)
	psql -X -q -v ON_ERROR_STOP=1 -d "$b" -f want.sql
	pg_schema t_diff_ren_a >before.txt
	psql -X -q -v ON_ERROR_STOP=1 -d "$a" -f up.sql
	diff <(pg_schema t_diff_ren_a) <(pg_schema t_diff_ren_b)
	[ "$(pg_sql "$a" 'SELECT string_agg("Title", '"','"' ORDER BY id) FROM crates')" = "serde,rand" ]
	psql -X -q -v ON_ERROR_STOP=1 -d "$a" -f down.sql
	diff before.txt <(pg_schema t_diff_ren_a)
	[ "$(pg_sql "$a" "SELECT string_agg(name, ',' ORDER BY id) FROM packages")" = "serde,rand" ]
	no_scratch_left
}

@test "sqlite: --down prints the reverse after its separator; up then down gives the schema back" {
	sqlite_base
	strata -d sqlite:a.db -p m up -q
	cp a.db orig.db
	cat >want.sql <<'SQL'
CREATE TABLE users (id INTEGER PRIMARY KEY, name TEXT NOT NULL DEFAULT 'x');
CREATE TABLE runs (id INTEGER PRIMARY KEY, user_id INTEGER REFERENCES users (id) ON DELETE CASCADE, status TEXT);
CREATE INDEX ix_runs_user ON runs (user_id);
CREATE VIEW v_runs AS SELECT id, status FROM runs;
CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT);
CREATE INDEX ix_notes_body ON notes (body);
SQL
	sqlite3 want.db <want.sql
	require_planner a.db want.sql
	# the down drops what the up made: destructive, refused by itself
	run --separate-stderr strata diff --from a.db --to want.sql --down
	[ "$status" -eq 1 ]
	[ -z "$output" ]
	[[ "$stderr" == *"the down plan"*"destructive"* ]]
	run --separate-stderr strata diff --from a.db --to want.sql --down --allow-destructive
	[ "$status" -eq 0 ]
	echo "$output" >both.sql
	up_part both.sql >up.sql
	down_part both.sql >down.sql
	grep -q 'notes' up.sql
	grep -q 'notes' down.sql
	sqlite3 -bail a.db <up.sql
	diff <(sqlite_schema a.db) <(sqlite_schema want.db)
	sqlite3 -bail a.db <down.sql
	diff <(sqlite_schema a.db) <(sqlite_schema orig.db)
}

@test "--json: steps with what, sql and flags, verified; --down adds a down object" {
	sqlite_base
	strata -d sqlite:a.db -p m up -q
	printf '%s\n' "CREATE TABLE users (id INTEGER PRIMARY KEY, name TEXT NOT NULL DEFAULT 'x');" \
		"CREATE TABLE runs (id INTEGER PRIMARY KEY, user_id INTEGER REFERENCES users (id) ON DELETE CASCADE, status TEXT);" \
		"CREATE INDEX ix_runs_user ON runs (user_id);" "CREATE VIEW v_runs AS SELECT id, status FROM runs;" \
		"CREATE TABLE extra (id INTEGER PRIMARY KEY);" >want.sql
	require_planner a.db want.sql
	run --separate-stderr strata diff --from a.db --to want.sql --json --down --allow-destructive
	[ "$status" -eq 0 ]
	echo "$output" | python3 -c '
import json, sys
d = json.load(sys.stdin)
assert d["equal"] is False and d["verified"] is True and d["not_handled"] == [], d
assert d["steps"] and all(set(s) >= {"what", "sql", "destructive", "no_transaction", "own_transaction"} for s in d["steps"]), d
assert any("extra" in s["sql"] for s in d["steps"]), d
assert not any(s["destructive"] for s in d["steps"]), d
dn = d["down"]
assert dn["verified"] is True and any(s["destructive"] and "extra" in s["what"] for s in dn["steps"]), dn'
}

@test "postgres: what the schema model does not handle is listed, exit 1, no plan" {
	require_pg
	a=$(make_pg_db t_diff_nh_a)
	b=$(make_pg_db t_diff_nh_b)
	pg_sql "$a" "CREATE TABLE t (id int);"
	pg_sql "$b" "CREATE TABLE t (id int); CREATE COLLATION my_c FROM \"C\";"
	require_planner "$a" "$b"
	run --separate-stderr strata diff --from "$a" --to "$b"
	[ "$status" -eq 1 ]
	[ -z "$output" ]
	[[ "$stderr" == *"not handled: "*"collation"* ]]
	run --separate-stderr strata diff --from "$a" --to "$b" --json
	[ "$status" -eq 1 ]
	echo "$output" | python3 -c '
import json, sys
d = json.load(sys.stdin)
assert d["steps"] == [] and any("collation" in x for x in d["not_handled"]), d'
	no_scratch_left
}

@test "postgres: --online: indexes CONCURRENTLY in a no-transaction plan, CHECKs NOT VALID then VALIDATE; psql runs it, pg_dump agrees" {
	require_pg
	a=$(make_pg_db t_diff_onl_a)
	b=$(make_pg_db t_diff_onl_b)
	pg_sql "$a" "CREATE TABLE t (a int); INSERT INTO t VALUES (1), (2);"
	pg_sql "$b" "CREATE TABLE t (a int, c int); CREATE INDEX ix_t_a ON t (a); ALTER TABLE t ADD CONSTRAINT ck_a CHECK (a > 0);"
	require_planner "$a" "$b"
	run --separate-stderr strata diff --from "$a" --to "$b" --online
	[ "$status" -eq 0 ]
	[[ "$output" == "-- strata:no-transaction"* ]]
	[[ "$output" == *"CREATE INDEX CONCURRENTLY"* ]]
	[[ "$output" == *"NOT VALID"*"VALIDATE CONSTRAINT"* ]]
	echo "$output" >plan.sql
	run --separate-stderr strata diff --from "$a" --to "$b" --json --online
	[ "$status" -eq 0 ]
	echo "$output" | python3 -c '
import json, sys
d = json.load(sys.stdin)
ix = [s for s in d["steps"] if "CONCURRENTLY" in s["sql"]]
assert ix and all(s["no_transaction"] for s in ix), d
assert not any(s["no_transaction"] for s in d["steps"] if "CONCURRENTLY" not in s["sql"]), d'
	psql -X -q -v ON_ERROR_STOP=1 -d "$a" -f plan.sql
	diff <(pg_schema t_diff_onl_a) <(pg_schema t_diff_onl_b)
	[ "$(pg_sql "$a" "SELECT count(*) FROM t")" = 2 ]
	no_scratch_left
}

@test "postgres: columns left in another order (PostgreSQL cannot reorder them) are a note, not a failure" {
	require_pg
	a=$(make_pg_db t_diff_ord_a)
	b=$(make_pg_db t_diff_ord_b)
	pg_sql "$a" "CREATE TABLE t (a int, b int);"
	pg_sql "$b" "CREATE TABLE t (a int, c int, b int);"
	require_planner "$a" "$b"
	run --separate-stderr strata diff --from "$a" --to "$b"
	[ "$status" -eq 0 ]
	[[ "$output" == *"ADD COLUMN c"* ]]
	[[ "$stderr" == *"note:"*"cannot reorder columns"*"position"* ]]
	echo "$output" >plan.sql
	psql -X -q -v ON_ERROR_STOP=1 -d "$a" -f plan.sql
	# what is left is the order alone: a diff of the two is empty, with the note
	run --separate-stderr strata diff --from "$a" --to "$b"
	[ "$status" -eq 0 ]
	[ -z "$output" ]
	[[ "$stderr" == *"only in the order of columns"* ]]
	[ "$(pg_sql "$a" "SELECT string_agg(attname, ',' ORDER BY attname) FROM pg_attribute WHERE attrelid = 't'::regclass AND attnum > 0")" = "a,b,c" ]
}

@test "sqlite: a directory in another tool's layout (dbmate) is read as strata reads it" {
	mkdir -p db/migrations
	printf -- '-- migrate:up\nCREATE TABLE users (id INTEGER PRIMARY KEY, name TEXT);\n\n-- migrate:down\nDROP TABLE users;\n' \
		>db/migrations/20240101000000_users.sql
	printf -- '-- migrate:up\nCREATE INDEX ix_users_name ON users (name);\n\n-- migrate:down\nDROP INDEX ix_users_name;\n' \
		>db/migrations/20240102000000_index.sql
	sqlite3 a.db "CREATE TABLE users (id INTEGER PRIMARY KEY, name TEXT);"
	require_planner a.db db/migrations
	run --separate-stderr strata diff --from a.db --to db/migrations
	[ "$status" -eq 0 ]
	[[ "$output" == *"CREATE INDEX ix_users_name"* ]]
	echo "$output" >plan.sql
	sqlite3 -bail a.db <plan.sql
	strata -d sqlite:b.db -p db/migrations up -q
	diff <(sqlite_schema a.db) <(sqlite_schema b.db)
}

@test "sqlite: a rename hint on no table's or column's line, or naming what the database lacks, is an error at its line" {
	sqlite3 a.db "CREATE TABLE t (a INT);"
	printf 'CREATE TABLE t (\n  a INT\n);\n-- strata:renamed-from zz\n' >misplaced.sql
	run --separate-stderr strata diff --from a.db --to misplaced.sql
	[ "$status" -eq 2 ]
	[ -z "$output" ]
	[[ "$stderr" == *"misplaced.sql:4: "*"on no table's or column's line"* ]]
	printf 'CREATE TABLE t (\n  b INT -- strata:renamed-from zz\n);\n' >unknown.sql
	require_planner a.db unknown.sql
	run --separate-stderr strata diff --from a.db --to unknown.sql
	[ "$status" -eq 2 ]
	[ -z "$output" ]
	[[ "$stderr" == *"unknown.sql:2: "*'"zz"'* ]]
}

@test "postgres: --scratch-setup runs before each side that needs it; the plan is verified without it (no double CREATE)" {
	require_pg
	a=$(make_pg_db)
	echo "CREATE SCHEMA extra;" >setup.sql
	write_migration m 001 t "CREATE TABLE extra.t (a int);"
	printf 'CREATE TABLE extra.t (a int);\nCREATE TABLE extra.u (b int);\n' >want.sql
	require_planner "$a" "$a"
	run --separate-stderr strata -d "$a" diff --from m --to want.sql
	[ "$status" -ne 0 ]
	[[ "$stderr" == *'schema "extra" does not exist'* ]]
	run --separate-stderr strata -d "$a" diff --from m --to want.sql --scratch-setup setup.sql
	[ "$status" -eq 0 ]
	[[ "$output" == *"CREATE TABLE extra.u"* ]]
	[[ "$output" != *"CREATE SCHEMA"* ]]
	no_scratch_left
}
