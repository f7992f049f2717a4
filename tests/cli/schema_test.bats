#!/usr/bin/env bats
# strata test: on a scratch database, each migration's up, down and up again,
# the schema compared after each step; one verdict per migration (ok,
# up_failed, down_failed, not_restored, order_only, redo_failed,
# redo_differs, irreversible), as text, --json and --junit; on SQLite and on
# the real PostgreSQL. A finding never stops the test, and the scratch
# database never stays behind (errors, Ctrl-C).

load helpers

# verdicts: the "version verdict" pairs of test --json on stdin, one a line.
verdicts() {
	python3 -c 'import json,sys
for r in json.load(sys.stdin): print(r["version"], r["verdict"])'
}

sqlite_fixture() {
	write_migration m 001 good "CREATE TABLE a (id INTEGER PRIMARY KEY, v TEXT DEFAULT 'x');" "DROP TABLE a;"
	write_migration m 002 forget_default "ALTER TABLE a DROP COLUMN v;" "ALTER TABLE a ADD COLUMN v TEXT;"
	write_migration m 003 failing_down "CREATE TABLE c (id INT);" "DROP TABLE nosuch;"
	write_migration m 004 irreversible "CREATE TABLE d (id INT);" "-- strata:irreversible drops data"
	write_migration m 005 empty_down "CREATE TABLE g (id INT);" "-- nothing to do"
	write_migration m 006 keeps_row "INSERT INTO a (id) VALUES (1);" "SELECT 1;"
	write_migration m 007 index "CREATE INDEX ix_c ON c (id);" "DROP INDEX ix_c;"
}

pg_fixture() {
	write_migration m 001 good "CREATE TABLE a (id int PRIMARY KEY, v text DEFAULT 'x');" "DROP TABLE a;"
	write_migration m 002 forget_default "ALTER TABLE a ALTER COLUMN v SET DEFAULT 'y';" \
		"ALTER TABLE a ALTER COLUMN v DROP DEFAULT;"
	write_migration m 003 failing_down "CREATE TABLE c (id int);" "DROP TABLE nosuch;"
	write_migration m 004 irreversible "CREATE TABLE d (id int);" "-- strata:irreversible drops data"
	write_migration m 005 good2 "CREATE TABLE e (x int, y int, z int); CREATE TABLE marker (n int);" \
		"DROP TABLE e; DROP TABLE marker;"
	write_migration m 006 order_only "ALTER TABLE e DROP COLUMN y;" "ALTER TABLE e ADD COLUMN y int;"
	write_migration m 007 redo_differs "DO \$\$ BEGIN
  IF EXISTS (SELECT 1 FROM marker) THEN CREATE TABLE k2 (a int); ELSE CREATE TABLE k (a int); END IF;
  INSERT INTO marker VALUES (1);
END \$\$;" "DROP TABLE IF EXISTS k; DROP TABLE IF EXISTS k2;"
	write_migration m 008 keeps_row "INSERT INTO a (id) VALUES (1);" "SELECT 1;"
	write_migration m 009 empty_down "CREATE TABLE g (id int);" "-- nothing to do"
	write_migration m 010 concurrently "-- strata:no-transaction
CREATE INDEX CONCURRENTLY ix_e ON e (x);" "DROP INDEX ix_e;"
	write_migration m 011 good3 "CREATE INDEX ix_c ON c (id);" "DROP INDEX ix_c;"
}

# strata, with the pid of each run kept: its scratch databases are named
# strata_scratch_<pid>_<n>, so that what it left behind is told apart from
# the scratch databases of strata runs of other test files at the same time.
strata() {
	"$STRATA" "$@" &
	local pid=$!
	echo "$pid" >>"$BATS_TEST_TMPDIR/strata.pids"
	wait "$pid"
}

# no_scratch_left [PID...]: no scratch database of this test's strata runs (or of these pids) remains.
no_scratch_left() {
	local pids="$* $(cat "$BATS_TEST_TMPDIR/strata.pids" 2>/dev/null)" p cond=""
	for p in $pids; do
		cond="$cond OR datname LIKE 'strata\\_scratch\\_${p}\\_%'"
	done
	[ -n "$cond" ] || return 0
	run pg_sql postgres "SELECT datname FROM pg_database WHERE false $cond"
	[ "$status" -eq 0 ]
	[ -z "$output" ]
}

@test "sqlite: test gives each migration its verdict and goes on after every finding" {
	sqlite_fixture
	run --separate-stderr strata -d sqlite:any.db -p m test --json
	[ "$status" -eq 1 ]
	[ "$(printf '%s' "$output" | verdicts | tr '\n' ' ')" = "001 ok 002 not_restored 003 down_failed 004 irreversible 005 irreversible 006 redo_failed 007 ok " ]
	# the live database is never touched (nor created)
	[ ! -e any.db ]
}

@test "sqlite: test's text report: one line per finding, the differences indented" {
	sqlite_fixture
	run --separate-stderr strata -d sqlite:any.db -p m test
	[ "$status" -eq 1 ]
	[[ "${lines[0]}" == "002 forget_default"*"not_restored" ]]
	printf '%s\n' "$output" | grep -q "^    ~ column a.v: default 'x' → none"
	printf '%s\n' "$output" | grep -q "^003 failing_down *down_failed"
	printf '%s\n' "$output" | grep -q "^    003_failing_down.down.sql:1: no such table: nosuch"
	printf '%s\n' "$output" | grep -q "^005 empty_down *irreversible"
	printf '%s\n' "$output" | grep -q "^    005_empty_down.down.sql holds no statements"
	! printf '%s\n' "$output" | grep -q "^001 "
	[[ "$stderr" == *"tested 7 migrations"*"5 reported"* ]]
}

@test "sqlite: test FROM..TO tests that range alone, the migrations before it applied" {
	sqlite_fixture
	run --separate-stderr strata -d sqlite:any.db -p m test 003..004 --json
	[ "$status" -eq 1 ]
	[ "$(printf '%s' "$output" | verdicts | tr '\n' ' ')" = "003 down_failed 004 irreversible " ]
	run --separate-stderr strata -d sqlite:any.db -p m test 007.. --json
	[ "$status" -eq 0 ]
	[ "$(printf '%s' "$output" | verdicts | tr '\n' ' ')" = "007 ok " ]
	run --separate-stderr strata -d sqlite:any.db -p m test ..001
	[ "$status" -eq 0 ]
	[ -z "$output" ]
}

@test "sqlite: an up that fails stops the test there, said" {
	write_migration m 001 good "CREATE TABLE a (id INT);" "DROP TABLE a;"
	write_migration m 002 bad "CREATE TABLE a (id INT);" "SELECT 1;"
	write_migration m 003 later "CREATE TABLE b (id INT);" "DROP TABLE b;"
	run --separate-stderr strata -d sqlite:any.db -p m test --json
	[ "$status" -eq 1 ]
	[ "$(printf '%s' "$output" | verdicts | tr '\n' ' ')" = "001 ok 002 up_failed " ]
	run --separate-stderr strata -d sqlite:any.db -p m test
	[[ "$stderr" == *"1 not tested after an up that failed"* ]]
}

@test "sqlite: --junit writes well-formed JUnit XML, one testcase per migration" {
	sqlite_fixture
	run --separate-stderr strata -d sqlite:any.db -p m test --junit report.xml
	[ "$status" -eq 1 ]
	run python3 -c '
import xml.dom.minidom
d = xml.dom.minidom.parse("report.xml")
cases = d.getElementsByTagName("testcase")
fails = [c.getAttribute("name") + ":" + c.getElementsByTagName("failure")[0].getAttribute("type")
         for c in cases if c.getElementsByTagName("failure")]
print(len(cases), " ".join(fails))'
	[ "$status" -eq 0 ]
	[ "$output" = "7 002_forget_default:not_restored 003_failing_down:down_failed 004_irreversible:irreversible 005_empty_down:irreversible 006_keeps_row:redo_failed" ]
	grep -q "default &apos;x&apos; → none" report.xml
}

@test "sqlite: all good: exit 0" {
	write_migration m 001 a "CREATE TABLE a (id INT);" "DROP TABLE a;"
	write_migration m 002 b "CREATE VIEW v AS SELECT id FROM a;" "DROP VIEW v;"
	run --separate-stderr strata -d sqlite:any.db -p m test
	[ "$status" -eq 0 ]
	[ -z "$output" ]
	[[ "$stderr" == *"tested 2 migrations"*"0 reported"* ]]
}

@test "postgres: test gives each migration its verdict, order only and redo included" {
	require_pg
	url=$(make_pg_db)
	pg_fixture
	run --separate-stderr strata -d "$url" -p m test --json
	[ "$status" -eq 1 ]
	[ "$(printf '%s' "$output" | verdicts | tr '\n' ' ')" = "001 ok 002 not_restored 003 down_failed 004 irreversible 005 ok 006 order_only 007 redo_differs 008 redo_failed 009 irreversible 010 ok 011 ok " ]
	[ "$(printf '%s' "$output" | python3 -c 'import json,sys; r=json.load(sys.stdin)[1]; print(len(r["differences"]), r["differences"][0]["attribute"], r["differences"][0]["after"])')" = "1 default None" ]
	# the target itself is untouched
	[ "$(pg_sql "$url" "SELECT count(*) FROM pg_tables WHERE schemaname = 'public'")" = 0 ]
	no_scratch_left
}

@test "postgres: --junit is well-formed" {
	require_pg
	url=$(make_pg_db)
	pg_fixture
	run --separate-stderr strata -d "$url" -p m test --junit report.xml
	[ "$status" -eq 1 ]
	python3 -c 'import xml.dom.minidom; d = xml.dom.minidom.parse("report.xml"); assert len(d.getElementsByTagName("testcase")) == 11'
	no_scratch_left
}

@test "postgres: Ctrl-C during test drops the scratch database" {
	require_pg
	url=$(make_pg_db)
	write_migration m 001 a "CREATE TABLE a (id int);" "DROP TABLE a;"
	write_migration m 002 slow "SELECT pg_sleep(60);" "SELECT 1;"
	"$STRATA" -d "$url" -p m test >out.txt 2>err.txt &
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
	no_scratch_left "$pid"
}

@test "postgres: a scratch setup that fails is named, and nothing stays behind" {
	require_pg
	url=$(make_pg_db)
	write_migration m 001 a "ALTER TABLE base ADD COLUMN x int;" "ALTER TABLE base DROP COLUMN x;"
	printf 'CREATE SCHEMA extra;\nCREATE TABLE base (id int);\n' >setup.sql
	run --separate-stderr strata -d "$url" -p m test --scratch-setup setup.sql
	[ "$status" -eq 0 ]
	printf 'CREATE TABLE base (id int);\nSELECT nosuch();\n' >bad.sql
	run --separate-stderr strata -d "$url" -p m test --scratch-setup bad.sql
	[ "$status" -ne 0 ]
	[[ "$stderr" == *"bad.sql:2"* ]]
	no_scratch_left
}

@test "postgres: Ctrl-C while two scratch databases are at work drops both" {
	require_pg
	url=$(make_pg_db)
	for i in $(seq -w 1 20); do
		write_migration m 0$i t$i "CREATE TABLE t$i (id int);" "DROP TABLE t$i;"
	done
	write_migration m 0030 slow_a "SELECT pg_sleep(60);" "SELECT 1;"
	for i in $(seq 31 50); do
		write_migration m 00$i t$i "CREATE TABLE t$i (id int);" "DROP TABLE t$i;"
	done
	write_migration m 0060 slow_b "SELECT pg_sleep(60);" "SELECT 1;"
	"$STRATA" -d "$url" -p m test --parallel 2 >out.txt 2>err.txt &
	pid=$!
	for i in $(seq 200); do
		[ "$(pg_sql postgres "SELECT count(*) FROM pg_stat_activity WHERE query LIKE '%pg_sleep(60)%' AND pid <> pg_backend_pid()")" = 2 ] && break
		sleep 0.1
	done
	run pg_sql postgres "SELECT count(*) FROM pg_database WHERE datname LIKE 'strata\\_scratch\\_${pid}\\_%'"
	[ "$output" = 2 ]
	kill -INT "$pid"
	status=0
	wait "$pid" || status=$?
	[ "$status" -eq 130 ]
	no_scratch_left "$pid"
}

# --data: a parent/child pair with ON DELETE CASCADE, a table whose CHECK
# refuses the first values, a down that loses a renamed column's values,
# one that deletes a parent row, and a good down that renames back.
data_fixture() {
	local int=$1
	write_migration m 001 tables "CREATE TABLE p (id $int PRIMARY KEY, name text NOT NULL UNIQUE);
CREATE TABLE ch (id $int PRIMARY KEY, p_id $int NOT NULL REFERENCES p (id) ON DELETE CASCADE, note text);
CREATE TABLE chk (n $int NOT NULL CHECK (n > 50), s text);" "DROP TABLE chk; DROP TABLE ch; DROP TABLE p;"
	write_migration m 002 lossy_rename "ALTER TABLE ch RENAME COLUMN note TO memo;" \
		"ALTER TABLE ch DROP COLUMN memo; ALTER TABLE ch ADD COLUMN note text;"
	write_migration m 003 good_rename "ALTER TABLE p RENAME COLUMN name TO title;" \
		"ALTER TABLE p RENAME COLUMN title TO name;"
	write_migration m 004 deletes_parent "CREATE TABLE tmp (x $int);" "DROP TABLE tmp; DELETE FROM p WHERE id = 1;"
	write_migration m 005 check_table "ALTER TABLE chk RENAME COLUMN s TO s2;" \
		"ALTER TABLE chk DROP COLUMN s2; ALTER TABLE chk ADD COLUMN s text;"
}

# lost: the data_lost lines of test --json on stdin, "version: line", one a line.
lost() {
	python3 -c 'import json,sys
for r in json.load(sys.stdin):
    for l in r.get("data_lost", []): print(r["version"] + ": " + l)'
}

@test "sqlite: test --data reports rows and values a down lost, and nothing where it restores them" {
	data_fixture INTEGER
	run --separate-stderr strata -d sqlite:any.db -p m test --data --json
	[ "$status" -eq 1 ]
	[ "$(printf '%s' "$output" | verdicts | tr '\n' ' ')" = "001 ok 002 data_lost 003 ok 004 data_lost 005 data_lost " ]
	# the CHECK refused the first values, the second set went in; the child rows went in after their parent's
	[ "$(printf '%s' "$output" | lost)" = "002: 3 rows of ch.note lost their values
004: 1 row of p lost
005: 3 rows of chk.s lost their values" ]
	run --separate-stderr strata -d sqlite:any.db -p m test --data
	[ "$status" -eq 1 ]
	[[ $output == *"002 lossy_rename"*"data_lost"*"    3 rows of ch.note lost their values"* ]]
	run --separate-stderr strata -d sqlite:any.db -p m test --data --junit report.xml
	[ "$status" -eq 1 ]
	python3 -c 'import xml.dom.minidom; d = xml.dom.minidom.parse("report.xml")
f = [c for c in d.getElementsByTagName("testcase") if c.getElementsByTagName("failure")]
assert len(f) == 3 and f[0].getElementsByTagName("failure")[0].getAttribute("type") == "data_lost", f'
	grep -q "3 rows of ch.note lost their values" report.xml
	# without --data, the same migrations are fine: nothing changes
	run --separate-stderr strata -d sqlite:any.db -p m test --json
	[ "$status" -eq 0 ]
	[ ! -e any.db ]
}

@test "postgres: test --data: FK-consistent rows (the cascade reported), CHECKs, enums, domains, self-references" {
	require_pg
	url=$(make_pg_db)
	data_fixture int
	write_migration m 006 types "CREATE TYPE mood AS ENUM ('happy', 'sad'); CREATE DOMAIN pos AS integer CHECK (VALUE > 0);
CREATE TABLE kinds (id serial PRIMARY KEY, u uuid NOT NULL UNIQUE, at timestamptz, b boolean, doc jsonb, m mood NOT NULL, po pos);
CREATE TABLE tree (id int PRIMARY KEY, parent int REFERENCES tree (id), g bigint GENERATED ALWAYS AS IDENTITY);" \
		"DROP TABLE tree; DROP TABLE kinds; DROP DOMAIN pos; DROP TYPE mood;"
	write_migration m 007 loses_kinds "CREATE TABLE tmp2 (x int);" \
		"DROP TABLE tmp2; UPDATE kinds SET doc = NULL, po = NULL; UPDATE tree SET parent = NULL;"
	# a column the up adds, its default now(): the down drops what the up made, nothing lost
	write_migration m 008 adds_stamp "ALTER TABLE kinds ADD COLUMN made timestamp NOT NULL DEFAULT now();" \
		"ALTER TABLE kinds DROP COLUMN made;"
	run --separate-stderr strata -d "$url" -p m test --data --json
	[ "$status" -eq 1 ]
	[ "$(printf '%s' "$output" | verdicts | tr '\n' ' ')" = "001 ok 002 data_lost 003 ok 004 data_lost 005 data_lost 006 ok 007 data_lost 008 ok " ]
	[ "$(printf '%s' "$output" | lost)" = "002: 3 rows of public.ch.note lost their values
004: 1 row of public.ch lost
004: 1 row of public.p lost
005: 3 rows of public.chk.s lost their values
007: 3 rows of public.kinds.doc lost their values
007: 3 rows of public.kinds.po lost their values
007: 3 rows of public.tree.parent lost their values" ]
	run --separate-stderr strata -d "$url" -p m test
	[ "$status" -eq 0 ]
	[ "$(pg_sql "$url" "SELECT count(*) FROM pg_tables WHERE schemaname = 'public'")" = 0 ]
	no_scratch_left
}

@test "postgres: test --data names a table no rows go into, once, and goes on" {
	require_pg
	url=$(make_pg_db)
	write_migration m 001 never "CREATE TABLE never (n int CHECK (n < 0) NOT NULL);" "DROP TABLE never;"
	write_migration m 002 other "CREATE TABLE o (id int);" "DROP TABLE o;"
	write_migration m 003 third "CREATE TABLE o2 (id int);" "DROP TABLE o2;"
	run --separate-stderr strata -d "$url" -p m test --data --json
	[ "$status" -eq 0 ]
	[ "$(printf '%s' "$output" | verdicts | tr '\n' ' ')" = "001 ok 002 ok 003 ok " ]
	[ "$(printf '%s' "$output" | python3 -c 'import json,sys; print([r.get("note") for r in json.load(sys.stdin)])')" = "[None, 'data: no rows could be inserted into public.never (new row for relation \"never\" violates check constraint \"never_n_check\"); its rows are not tested', None]" ]
	no_scratch_left
}

@test "postgres: test --data: an up that fails on tables with rows is said (up_failed_with_data), tested on empty tables, and the test goes on" {
	require_pg
	url=$(make_pg_db)
	write_migration m 001 users "CREATE TABLE users (id int PRIMARY KEY);" "DROP TABLE users;"
	write_migration m 002 not_null "ALTER TABLE users ADD COLUMN login text NOT NULL;" "ALTER TABLE users DROP COLUMN login;"
	write_migration m 003 after "CREATE TABLE t3 (id int);" "DROP TABLE t3;"
	run --separate-stderr strata -d "$url" -p m test --data --json
	[ "$status" -eq 1 ]
	[ "$(printf '%s' "$output" | verdicts | tr '\n' ' ')" = "001 ok 002 up_failed_with_data 003 ok " ]
	[ "$(printf '%s' "$output" | python3 -c 'import json,sys; r=json.load(sys.stdin)[1]; print(r["rebuilt"], r["note"])')" = 'True data: the up fails on tables with rows (column "login" of relation "users" contains null values); tested again on empty tables' ]
	run --separate-stderr strata -d "$url" -p m test --json
	[ "$status" -eq 0 ]
	no_scratch_left
}
