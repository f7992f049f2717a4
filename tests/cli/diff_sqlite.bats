#!/usr/bin/env bats
# strata diff on SQLite, applied with strata up: the ALTER TABLE forms and
# the 12-step table rebuild (src/driver_sqlite_plan.c) on populated
# databases. The oracle is SQLite itself: sqlite_master of the result is
# compared, text for text, with that of the desired database (not strata's
# model), rows are counted per table and compared value for value, PRAGMA
# foreign_key_check must be empty and the AUTOINCREMENT counter kept.
#
# The matrix: column change kind x the table changed (parent or child) x the
# child's ON DELETE (CASCADE, SET NULL, RESTRICT) x triggers x views x
# AUTOINCREMENT. The application enforces foreign keys (a migration turns
# them on first), so a rebuild that dropped the parent with foreign keys on
# would delete or orphan child rows. A representative subset always runs; the
# whole matrix with STRATA_LONG_TESTS=1.

load helpers

KINDS="add_col add_col_notnull_default add_col_middle drop_col drop_col_indexed type_change not_null add_check default_change rename_col"

# schema SIDE KIND FK TRIG VIEW AUTO WHICH: the CREATE statements of "from" or "to" (WHICH); KIND changes table SIDE (p or c)
schema() {
	local side=$1 kind=$2 fk=$3 trig=$4 view=$5 auto=$6 which=$7
	local ai="" pname=name cname=val
	local -a pcols ccols
	[ "$auto" = 1 ] && ai=" AUTOINCREMENT"
	pcols=("id INTEGER PRIMARY KEY$ai" "note TEXT" "name TEXT")
	ccols=("id INTEGER PRIMARY KEY$ai" "pid INTEGER REFERENCES p (id) ON DELETE $fk" "note TEXT" "val INTEGER")
	if [ "$which" = to ]; then
		local -n cols=${side}cols
		case $kind in
		add_col) cols+=("extra TEXT") ;;
		add_col_notnull_default) cols+=("extra INTEGER NOT NULL DEFAULT 7") ;;
		add_col_middle) cols=("${cols[0]}" "mid TEXT" "${cols[@]:1}") ;;
		drop_col | drop_col_indexed) cols=("${cols[@]/note TEXT/}") ;;
		type_change) cols=("${cols[@]/note TEXT/note VARCHAR(40)}") ;;
		not_null) cols=("${cols[@]/note TEXT/note TEXT NOT NULL DEFAULT \'\'}") ;;
		add_check) cols+=("CHECK (length(note) < 100)") ;;
		default_change) cols=("${cols[@]/note TEXT/note TEXT DEFAULT \'none\'}") ;;
		rename_col)
			local nl=$'\n'
			# the hint sits on the column's line, so it is part of the text SQLite stores
			if [ "$side" = p ]; then
				pname=title
				cols=("${cols[@]/name TEXT/${nl}title TEXT -- strata:renamed-from name$nl}")
			else
				cname=amount
				cols=("${cols[@]/val INTEGER/${nl}amount INTEGER -- strata:renamed-from val$nl}")
			fi
			;;
		esac
	fi
	join() {
		local out="" x
		for x in "$@"; do
			[ -n "$x" ] || continue
			out+="${out:+, }$x"
		done
		printf '(%s)' "$out" # the parentheses in here: $(...) would strip a hint's newline
	}
	echo "CREATE TABLE log (id INTEGER PRIMARY KEY, msg TEXT);"
	echo "CREATE TABLE p $(join "${pcols[@]}");"
	echo "CREATE TABLE c $(join "${ccols[@]}");"
	echo "CREATE INDEX c_pid ON c (pid);"
	if [ "$kind" = drop_col_indexed ] && [ "$which" = from ]; then
		echo "CREATE INDEX ${side}_note ON $side (note);"
	fi
	if [ "$trig" = 1 ]; then
		echo "CREATE TRIGGER p_audit AFTER UPDATE ON p BEGIN INSERT INTO log (msg) VALUES ('p ' || new.id); END;"
		echo "CREATE TRIGGER c_touch AFTER INSERT ON c BEGIN UPDATE p SET $pname = $pname WHERE id = new.pid; END;"
	fi
	if [ "$view" = 1 ]; then
		echo "CREATE VIEW pc AS SELECT p.id AS pid, p.$pname AS pname, c.$cname AS cval FROM p JOIN c ON c.pid = p.id;"
		echo "CREATE VIEW pc_count AS SELECT count(*) AS n FROM pc;"
	fi
}

# rows of every user table, sorted, for a value-for-value comparison of the columns both sides have
table_rows() {
	local db=$1 t=$2 cols=$3
	sqlite3 -batch "$db" "SELECT $cols FROM $t ORDER BY id"
}

# sqlite_master without strata's tables, sorted: the schema as SQLite holds it
master() {
	sqlite3 -batch "$1" "SELECT type || '|' || name || '|' || tbl_name || '|' || coalesce(sql, '') FROM sqlite_master WHERE name NOT LIKE 'strata\_%' ESCAPE '\\' AND tbl_name NOT LIKE 'strata\_%' ESCAPE '\\' ORDER BY type, name"
}

# cell KIND SIDE FK TRIG VIEW AUTO: one cell of the matrix, in its own directory; fails with what differs
cell() {
	local kind=$1 side=$2 fk=$3 trig=$4 view=$5 auto=$6 d="cell_$1_$2_$3_$4_$5_$6" hints="" flag=""
	mkdir -p "$d/migrations" && cd "$d" || return 1
	schema "$side" "$kind" "$fk" "$trig" "$view" "$auto" from >from.sql
	schema "$side" "$kind" "$fk" "$trig" "$view" "$auto" to >to.sql
	sqlite3 -batch -bail from.db <from.sql || { echo "from.sql does not run"; return 1; }
	sqlite3 -batch -bail to.db <to.sql || { echo "to.sql does not run"; return 1; }
	# the rows: parents 1-6, children of 1-5 (5 with a NULL parent too), the last parent deleted (the counter stays at 6)
	cp from.db app.db
	sqlite3 -batch -bail app.db "PRAGMA foreign_keys=ON;
INSERT INTO p (id, note, name) VALUES (1, 'n1', 'a'), (2, 'n2', 'b'), (3, 'n3', 'c'), (4, 'n4', 'd'), (5, 'n5', 'e'), (6, 'n6', 'f');
INSERT INTO c (id, pid, note, val) VALUES (1, 1, 'x', 10), (2, 1, 'y', 11), (3, 2, 'z', 12), (4, 3, 'w', 13), (5, 5, 'v', 14), (6, NULL, 'u', 15), (7, 4, 't', 16);
DELETE FROM p WHERE id = 6;
INSERT INTO c (pid, note, val) VALUES (2, 's', 17);
DELETE FROM c WHERE id = 8;" || { echo "rows do not go in"; return 1; }
	local before_p before_c seq_before
	before_p=$(sqlite3 app.db "SELECT count(*) FROM p") before_c=$(sqlite3 app.db "SELECT count(*) FROM c")
	seq_before=$(sqlite3 app.db "SELECT group_concat(name || '=' || seq) FROM (SELECT * FROM sqlite_sequence ORDER BY name)" 2>/dev/null)
	# the plan: a column rename needs a hint, given in a schema file
	case $kind in drop_col*) flag=--allow-destructive ;; esac
	local to_src=sqlite:to.db
	[ "$kind" = rename_col ] && to_src=to.sql
	"$STRATA" -d sqlite:scratch.db diff --from sqlite:from.db --to "$to_src" $flag >migrations/002_diff.up.sql 2>diff.err ||
		{ echo "diff failed:"; cat diff.err; return 1; }
	[ -s migrations/002_diff.up.sql ] || { echo "empty plan"; return 1; }
	printf 'PRAGMA foreign_keys = ON;\n' >migrations/001_enforce_foreign_keys.up.sql
	# the tracking table must not count as the application's: put the rows' state aside first
	"$STRATA" -d sqlite:app.db up >up.out 2>up.err || { echo "up failed:"; cat up.err; cat migrations/002_diff.up.sql; return 1; }
	# no row lost
	[ "$(sqlite3 app.db "SELECT count(*) FROM p")" = "$before_p" ] || { echo "parent rows lost"; return 1; }
	[ "$(sqlite3 app.db "SELECT count(*) FROM c")" = "$before_c" ] || { echo "child rows lost: $(sqlite3 app.db "SELECT count(*) FROM c") of $before_c"; cat migrations/002_diff.up.sql; return 1; }
	# no value of a surviving column changed
	local pn=name cv=val
	[ "$kind" = rename_col ] && [ "$side" = p ] && pn=title
	[ "$kind" = rename_col ] && [ "$side" = c ] && cv=amount
	[ "$(sqlite3 app.db "SELECT group_concat(id || ':' || $pn, ',') FROM p")" = "1:a,2:b,3:c,4:d,5:e" ] ||
		{ echo "parent values changed"; return 1; }
	[ "$(sqlite3 app.db "SELECT group_concat(id || ':' || coalesce(pid, '-') || ':' || $cv, ',') FROM c")" = "1:1:10,2:1:11,3:2:12,4:3:13,5:5:14,6:-:15,7:4:16" ] ||
		{ echo "child values changed: $(sqlite3 app.db "SELECT group_concat(id || ':' || coalesce(pid, '-') || ':' || $cv, ',') FROM c")"; return 1; }
	if [ "$side" = p ] && [ "${kind#drop_col}" = "$kind" ]; then
		[ "$(sqlite3 app.db "SELECT group_concat(note) FROM p")" = "n1,n2,n3,n4,n5" ] || { echo "notes changed"; return 1; }
	fi
	[ -z "$(sqlite3 app.db "PRAGMA foreign_key_check")" ] || { echo "foreign_key_check not empty"; return 1; }
	[ "$(sqlite3 app.db "SELECT group_concat(name || '=' || seq) FROM (SELECT * FROM sqlite_sequence ORDER BY name)" 2>/dev/null)" = "$seq_before" ] ||
		{ echo "AUTOINCREMENT counter not kept: $seq_before"; sqlite3 app.db "SELECT * FROM sqlite_sequence"; return 1; }
	if [ "$kind" = add_col_middle ]; then
		# SQLite reorders columns only by a rebuild, which nothing else asks for here: the order is left
		[ "$(master app.db | grep -v "^table|$side|")" = "$(master to.db | grep -v "^table|$side|")" ] ||
			{ echo "schema differs:"; diff <(master to.db) <(master app.db); return 1; }
		[ "$(sqlite3 app.db "SELECT group_concat(name) FROM (SELECT name FROM pragma_table_info('$side') ORDER BY name)")" = \
			"$(sqlite3 to.db "SELECT group_concat(name) FROM (SELECT name FROM pragma_table_info('$side') ORDER BY name)")" ] ||
			{ echo "columns differ"; return 1; }
	else
		[ "$(master app.db)" = "$(master to.db)" ] ||
			{ echo "schema differs:"; diff <(master to.db) <(master app.db); cat migrations/002_diff.up.sql; return 1; }
	fi
	# a second diff is empty
	local again
	again=$("$STRATA" -d sqlite:scratch.db diff --from sqlite:app.db --to sqlite:to.db 2>again.err) || { echo "second diff failed: $(cat again.err)"; return 1; }
	[ -z "$again" ] || { echo "second diff not empty: $again"; return 1; }
	cd ..
}

# what a cell's plan says: ALTER or rebuild (for the assertions on the form)
plan_of() {
	cat "cell_$1/migrations/002_diff.up.sql"
}

@test "matrix (short): each change kind on parent and child, with cascade/set null/restrict, triggers, views, AUTOINCREMENT" {
	local fks=(CASCADE "SET NULL" RESTRICT) n=0 k
	for k in $KINDS; do
		for side in p c; do
			fk=${fks[$((n % 3))]}
			trig=$((n % 2)) view=$(((n / 2) % 2)) auto=$(((n + 1) % 2))
			run cell "$k" "$side" "$fk" "$trig" "$view" "$auto"
			[ "$status" -eq 0 ] || { echo "cell $k $side $fk trig=$trig view=$view auto=$auto: $output"; return 1; }
			n=$((n + 1))
		done
	done
}

@test "matrix (long): every cell (STRATA_LONG_TESTS=1)" {
	[ "${STRATA_LONG_TESTS:-}" = 1 ] || skip "the whole matrix runs with STRATA_LONG_TESTS=1"
	local k side fk trig view auto failed=0
	for k in $KINDS; do
		for side in p c; do
			for fk in CASCADE "SET NULL" RESTRICT; do
				for trig in 0 1; do
					for view in 0 1; do
						for auto in 0 1; do
							run cell "$k" "$side" "$fk" "$trig" "$view" "$auto"
							if [ "$status" -ne 0 ]; then
								echo "cell $k $side $fk trig=$trig view=$view auto=$auto: $output"
								failed=$((failed + 1))
							fi
						done
					done
				done
			done
		done
	done
	[ "$failed" -eq 0 ]
}

@test "the forms: ADD COLUMN and DROP COLUMN where SQLite allows them, a rebuild otherwise, said so" {
	run cell add_col c CASCADE 1 1 1
	[ "$status" -eq 0 ]
	grep -q '^ALTER TABLE "c" ADD COLUMN extra TEXT;$' cell_add_col_c_CASCADE_1_1_1/migrations/002_diff.up.sql
	! grep -q 'BEGIN;' cell_add_col_c_CASCADE_1_1_1/migrations/002_diff.up.sql
	run cell drop_col p RESTRICT 0 0 0
	[ "$status" -eq 0 ]
	grep -q '^-- DESTRUCTIVE: drop column p.note$' cell_drop_col_p_RESTRICT_0_0_0/migrations/002_diff.up.sql
	grep -q '^ALTER TABLE "p" DROP COLUMN "note";$' cell_drop_col_p_RESTRICT_0_0_0/migrations/002_diff.up.sql
	run cell type_change p CASCADE 1 1 1
	[ "$status" -eq 0 ]
	f=cell_type_change_p_CASCADE_1_1_1/migrations/002_diff.up.sql
	grep -q '^-- rebuild table p (type of note); a file-managed-transaction migration$' "$f"
	grep -q '^-- This migration manages its own transaction' "$f"
	# foreign keys off outside the transaction, legacy_alter_table during the rename, the check before COMMIT
	[ "$(grep -n -e '^PRAGMA foreign_keys=OFF;$' -e '^BEGIN;$' -e '^PRAGMA legacy_alter_table=ON;$' -e '^INSERT INTO temp.strata_foreign_key_check' -e '^COMMIT;$' -e '^PRAGMA foreign_keys=ON;$' "$f" | cut -d: -f2 | tr '\n' '|')" = \
		"PRAGMA foreign_keys=OFF;|BEGIN;|PRAGMA legacy_alter_table=ON;|INSERT INTO temp.strata_foreign_key_check SELECT (SELECT count(*) FROM pragma_foreign_key_check('c')) + (SELECT count(*) FROM pragma_foreign_key_check('p'));|COMMIT;|PRAGMA foreign_keys=ON;|" ] ||
		[ "$(grep -c -e '^PRAGMA foreign_keys=OFF;$' -e '^COMMIT;$' "$f")" -eq 2 ]
	# the trigger on p comes back inside the rebuild, the views after it
	grep -q "^CREATE TRIGGER p_audit" "$f"
	grep -q "^CREATE VIEW pc AS" "$f"
	# a hinted column rename: RENAME COLUMN (so that the view and trigger follow), then the rebuild the hint's
	# comment asks for (SQLite stores it in the table's text), with the rows of the renamed column
	run cell rename_col p CASCADE 1 1 1
	[ "$status" -eq 0 ]
	grep -q '^ALTER TABLE "p" RENAME COLUMN "name" TO title;$' cell_rename_col_p_CASCADE_1_1_1/migrations/002_diff.up.sql
}

@test "a dropped column without --allow-destructive is refused, naming it" {
	schema p drop_col CASCADE 0 0 0 from | sqlite3 from.db
	schema p drop_col CASCADE 0 0 0 to | sqlite3 to.db
	run --separate-stderr strata -d sqlite:scratch.db diff --from sqlite:from.db --to sqlite:to.db
	[ "$status" -ne 0 ]
	[[ "$stderr" == *"drop column p.note"* ]]
	[ -z "$output" ]
}

@test "a rebuild whose new foreign key the rows violate fails whole: nothing changes, no child row lost" {
	sqlite3 from.db "CREATE TABLE p (id INTEGER PRIMARY KEY); CREATE TABLE c (id INTEGER PRIMARY KEY, pid INTEGER);"
	sqlite3 to.db "CREATE TABLE p (id INTEGER PRIMARY KEY); CREATE TABLE c (id INTEGER PRIMARY KEY, pid INTEGER REFERENCES p (id) ON DELETE CASCADE);"
	mkdir migrations
	run --separate-stderr strata -d sqlite:scratch.db diff --from sqlite:from.db --to sqlite:to.db
	[ "$status" -eq 0 ]
	printf '%s\n' "$output" >migrations/001_fk.up.sql
	grep -q '^-- rebuild table c (' migrations/001_fk.up.sql
	cp from.db app.db
	sqlite3 app.db "INSERT INTO p VALUES (1); INSERT INTO c VALUES (1, 1), (2, 99);"
	run --separate-stderr strata -d sqlite:app.db up
	[ "$status" -ne 0 ]
	[[ "$stderr" == *"CHECK constraint failed: rows violate a foreign key (PRAGMA foreign_key_check lists them)"* ]]
	[[ "$stderr" == *"rolled back"* ]]
	[ "$(sqlite3 app.db "SELECT count(*) FROM c")" = 2 ]
	[ "$(sqlite3 app.db "SELECT sql FROM sqlite_master WHERE name = 'c'")" = "CREATE TABLE c (id INTEGER PRIMARY KEY, pid INTEGER)" ]
	[ "$(sqlite3 app.db "SELECT count(*) FROM sqlite_master WHERE name LIKE 'strata_old%'")" = 0 ]
	# the data fixed, up resumes and the rebuild lands
	sqlite3 app.db "UPDATE c SET pid = 1 WHERE id = 2"
	run --separate-stderr strata -d sqlite:app.db up
	[ "$status" -eq 0 ]
	[ "$(sqlite3 app.db "SELECT count(*) FROM c")" = 2 ]
	[ "$(sqlite3 app.db "SELECT sql FROM sqlite_master WHERE name = 'c'")" = "$(sqlite3 to.db "SELECT sql FROM sqlite_master WHERE name = 'c'")" ]
}

@test "a new NOT NULL column without a default fails on a populated table, loudly, and rolls back" {
	sqlite3 from.db "CREATE TABLE t (id INTEGER PRIMARY KEY, a TEXT);"
	sqlite3 to.db "CREATE TABLE t (id INTEGER PRIMARY KEY, a TEXT, b TEXT NOT NULL);"
	mkdir migrations
	run --separate-stderr strata -d sqlite:scratch.db diff --from sqlite:from.db --to sqlite:to.db
	[ "$status" -eq 0 ]
	printf '%s\n' "$output" >migrations/001_b.up.sql
	grep -q '^-- rebuild table t (new NOT NULL column b without a default)' migrations/001_b.up.sql
	cp from.db app.db
	sqlite3 app.db "INSERT INTO t VALUES (1, 'x');"
	run --separate-stderr strata -d sqlite:app.db up
	[ "$status" -ne 0 ]
	[[ "$stderr" == *"NOT NULL constraint failed: t.b"* ]]
	[ "$(sqlite3 app.db "SELECT count(*) FROM t")" = 1 ]
	[ "$(sqlite3 app.db "SELECT sql FROM sqlite_master WHERE name = 't'")" = "CREATE TABLE t (id INTEGER PRIMARY KEY, a TEXT)" ]
}

@test "column order alone is left as it is: no rebuild" {
	sqlite3 from.db "CREATE TABLE t (id INTEGER, a TEXT, b TEXT);"
	sqlite3 to.db "CREATE TABLE t (id INTEGER, b TEXT, a TEXT);"
	run --separate-stderr strata -d sqlite:scratch.db diff --from sqlite:from.db --to sqlite:to.db
	[ "$status" -eq 0 ]
	[ -z "$output" ]
	[[ "$stderr" == *"differ only in the order of columns"* ]]
	# a new column in the middle is added at the end: the order is all that is left
	sqlite3 to2.db "CREATE TABLE t (id INTEGER, x TEXT, a TEXT, b TEXT);"
	run --separate-stderr strata -d sqlite:scratch.db diff --from sqlite:from.db --to sqlite:to2.db
	[ "$status" -eq 0 ]
	[ "$output" = '-- add column t.x
ALTER TABLE "t" ADD COLUMN x TEXT;' ]
	[[ "$stderr" == *"columns are in another order"* ]]
	# the first column moved: its text changes (no ", " before it), which only a rebuild writes
	sqlite3 to3.db "CREATE TABLE t (a TEXT, id INTEGER, b TEXT);"
	run --separate-stderr strata -d sqlite:scratch.db diff --from sqlite:from.db --to sqlite:to3.db
	[ "$status" -eq 0 ]
	[[ "$output" == *"-- rebuild table t ("* ]]
}

@test "a renamed table keeps its rows and its children's foreign keys follow it" {
	sqlite3 from.db "CREATE TABLE users (id INTEGER PRIMARY KEY, name TEXT); CREATE TABLE posts (id INTEGER PRIMARY KEY, uid INTEGER REFERENCES users (id) ON DELETE CASCADE);"
	sqlite3 to.db "CREATE TABLE people (id INTEGER PRIMARY KEY, name TEXT); CREATE TABLE posts (id INTEGER PRIMARY KEY, uid INTEGER REFERENCES people (id) ON DELETE CASCADE);"
	printf '%s\n' "CREATE TABLE people ( -- strata:renamed-from users" "id INTEGER PRIMARY KEY, name TEXT);" >to.sql
	sqlite3 to.db .schema >/dev/null
	mkdir migrations
	run --separate-stderr strata -d sqlite:scratch.db diff --from sqlite:from.db --to sqlite:to.db
	# without a hint SQLite has no identity to tell a rename by: drop and create, refused as destructive
	[ "$status" -ne 0 ]
	[[ "$stderr" == *"drop table users"* ]]
	# the hint, in the desired schema as SQLite stores it after a RENAME (the name quoted)
	printf '%s\n' 'CREATE TABLE "people" (id INTEGER PRIMARY KEY, name TEXT); -- strata:renamed-from users' \
		'CREATE TABLE posts (id INTEGER PRIMARY KEY, uid INTEGER REFERENCES "people" (id) ON DELETE CASCADE);' >to.sql
	run --separate-stderr strata -d sqlite:scratch.db diff --from sqlite:from.db --to to.sql
	[ "$status" -eq 0 ]
	[[ "$output" == *'ALTER TABLE "users" RENAME TO "people";'* ]]
	[[ "$output" != *"rebuild"* ]]
	printf '%s\n' "$output" >migrations/001_rename.up.sql
	cp from.db app.db
	sqlite3 app.db "INSERT INTO users VALUES (1, 'a'); INSERT INTO posts VALUES (1, 1), (2, 1);"
	run strata -d sqlite:app.db up
	[ "$status" -eq 0 ]
	[ "$(sqlite3 app.db "SELECT count(*) FROM posts")" = 2 ]
	[ "$(sqlite3 app.db "SELECT name FROM people")" = a ]
	[ -z "$(sqlite3 app.db "PRAGMA foreign_key_check")" ]
}
