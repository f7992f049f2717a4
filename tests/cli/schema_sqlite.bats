#!/usr/bin/env bats
# The SQLite schema model against SQLite's own record of it: sqlite_master,
# which strata did not write. `strata dump` of a database, run with sqlite3
# on an empty file, must give that file exactly the original's sqlite_master
# rows (type, name, tbl_name, sql), and dumping the copy must give the same
# bytes again: on every intermediate state of vaultwarden's history (one
# migration at a time) and on fixtures of what vaultwarden does not use
# (STRICT, WITHOUT ROWID, generated columns, fts5, a foreign key to a table
# created later, a view whose text ends in a comment).
#
# `strata test` is checked against an oracle of its own here: for each
# migration, sqlite_master after up then down compared with sqlite_master
# before the up, and after the redo with sqlite_master after the up.

load helpers

CORPUS=${STRATA_CORPUS_DIR:-$STRATA_SOURCE_DIR/../shared/corpus}
VAULT=$CORPUS/sqlite-vaultwarden

require_corpus() {
	if [ -d "$VAULT" ]; then
		return 0
	fi
	if [ "${CI:-}" = true ]; then
		echo "corpus not found at $CORPUS (set STRATA_CORPUS_DIR)" >&2
		return 1
	fi
	echo "# WARNING: skipped '$BATS_TEST_DESCRIPTION': no corpus at $CORPUS" >&3
	skip "no corpus at $CORPUS"
}

# master_rows FILE: sqlite_master's rows, one a line, sorted, without strata's
# own tables and what hangs on them, and without sqlite_sequence (SQLite
# makes it for the first AUTOINCREMENT table: strata's log in a migrated
# database; the fixtures check a user's AUTOINCREMENT on their own).
master_rows() {
	sqlite_sql "$1" "SELECT type || '|' || name || '|' || tbl_name || '|' || quote(sql) FROM sqlite_master
		WHERE tbl_name NOT LIKE 'strata\_migrations%' ESCAPE '\' AND name <> 'sqlite_sequence' ORDER BY 1"
}

# round_trip DB DIR: dump DB, apply the dump with sqlite3 to an empty file,
# and check that its sqlite_master is DB's and that it dumps to the same bytes.
round_trip() {
	local db=$1 dir=$2
	mkdir -p "$dir"
	strata -d "sqlite:$db" dump -o "$dir/dump.sql"
	rm -f "$dir/copy.db"
	sqlite3 -bail "$dir/copy.db" <"$dir/dump.sql"
	diff -u <(master_rows "$db") <(master_rows "$dir/copy.db")
	strata -d "sqlite:$dir/copy.db" dump -o "$dir/dump2.sql"
	cmp "$dir/dump.sql" "$dir/dump2.sql"
}

@test "dump: every intermediate state of vaultwarden rebuilds its sqlite_master exactly, and dumps again to the same bytes" {
	require_corpus
	local i n
	n=$(find "$VAULT/migrations" -name '*.up.sql' | wc -l)
	[ "$n" -eq 56 ]
	for i in $(seq 1 "$n"); do
		strata -d sqlite:vw.db -p "$VAULT/migrations" up 1 >/dev/null 2>&1
		[ "$(sqlite_sql vw.db 'SELECT count(*) FROM strata_migrations')" -eq "$i" ]
		round_trip vw.db "state$i" || { echo "state after migration $i" >&2; return 1; }
	done
	# the final state is upstream's schema
	[ "$(master_rows vw.db | wc -l)" -gt 30 ]
}

@test "dump: the same database gives the same bytes every time, without strata's own tables" {
	require_corpus
	strata -d sqlite:vw.db -p "$VAULT/migrations" up >/dev/null 2>&1
	run --separate-stderr strata -d sqlite:vw.db dump
	[ "$status" -eq 0 ]
	local first=$output
	run --separate-stderr strata -d sqlite:vw.db dump
	[ "$status" -eq 0 ]
	[ "$output" = "$first" ]
	[[ "$output" != *strata_migrations* ]]
	[[ "$output" != *sqlite_sequence* ]]
	[[ "$output" != *sqlite_autoindex* ]]
	[[ "$output" == *"CREATE TABLE users ("* ]]
}

@test "dump: STRICT, WITHOUT ROWID, generated columns, AUTOINCREMENT, COLLATE and a partial index" {
	sqlite3 -bail f.db <<-'EOF'
		CREATE TABLE accounts (
		  id INTEGER PRIMARY KEY AUTOINCREMENT,
		  email TEXT NOT NULL COLLATE NOCASE UNIQUE,
		  karma INTEGER NOT NULL DEFAULT 0 CHECK (karma >= 0),
		  double_karma INTEGER GENERATED ALWAYS AS (karma * 2) STORED,
		  shout TEXT AS (upper(email)) VIRTUAL
		) STRICT;
		CREATE TABLE kv (k TEXT PRIMARY KEY, v BLOB) WITHOUT ROWID;
		CREATE TABLE both_ (a INTEGER, b ANY, PRIMARY KEY (a, b)) STRICT, WITHOUT ROWID;
		CREATE INDEX accounts_karma ON accounts (karma DESC) WHERE karma > 0;
		CREATE UNIQUE INDEX accounts_lower ON accounts (lower(email));
		INSERT INTO accounts (email) VALUES ('a@example.org');
	EOF
	round_trip f.db rt
	grep -q 'STRICT, WITHOUT ROWID;' rt/dump.sql
	# the user's AUTOINCREMENT brings sqlite_sequence back in the copy too, empty
	[ "$(sqlite_sql rt/copy.db "SELECT count(*) FROM sqlite_master WHERE name = 'sqlite_sequence'")" -eq 1 ]
	# the dump is the schema, no rows
	[ "$(sqlite_sql rt/copy.db 'SELECT count(*) FROM accounts')" -eq 0 ]
}

@test "dump: an fts5 table is its CREATE VIRTUAL TABLE; its shadow tables come back from it" {
	sqlite3 -bail f.db <<-'EOF'
		CREATE VIRTUAL TABLE notes USING fts5(title, body, tokenize = 'porter');
		CREATE TABLE notes_meta (id INTEGER PRIMARY KEY, note_rowid INTEGER);
		CREATE TRIGGER notes_meta_ins AFTER INSERT ON notes_meta BEGIN
		  INSERT INTO notes (rowid, title, body) VALUES (new.note_rowid, '', '');
		END;
	EOF
	round_trip f.db rt
	[ "$(grep -c '^CREATE VIRTUAL TABLE' rt/dump.sql)" -eq 1 ]
	! grep -q 'notes_data\|notes_idx\|notes_config\|notes_docsize\|notes_content' rt/dump.sql
	# ... but they are there in the copy, row for row as in the original (master_rows compared them)
	[ "$(sqlite_sql rt/copy.db "SELECT count(*) FROM sqlite_master WHERE name LIKE 'notes\_%' ESCAPE '\'")" -eq 6 ]
}

@test "dump: a foreign key to a table created later, views on views, a view ending in a comment, a trigger on a view" {
	sqlite3 -bail f.db <<-'EOF'
		CREATE TABLE ciphers (uuid TEXT PRIMARY KEY, org_uuid TEXT REFERENCES orgs (uuid) ON DELETE CASCADE);
		CREATE TABLE orgs (uuid TEXT PRIMARY KEY, name TEXT);
		CREATE VIEW zz_base AS SELECT uuid, org_uuid FROM ciphers -- every cipher
		;
		CREATE VIEW aa_top AS SELECT org_uuid, count(*) AS n FROM zz_base GROUP BY org_uuid;
		CREATE TRIGGER aa_top_ins INSTEAD OF INSERT ON aa_top BEGIN SELECT 1; END;
		CREATE INDEX "ciphers by org" ON ciphers (org_uuid);
	EOF
	round_trip f.db rt
	# the view on a view comes after it, though its name sorts first
	[ "$(grep -n 'CREATE VIEW zz_base' rt/dump.sql | cut -d: -f1)" -lt "$(grep -n 'CREATE VIEW aa_top' rt/dump.sql | cut -d: -f1)" ]
	# foreign keys work in the copy
	sqlite_sql rt/copy.db "PRAGMA foreign_keys = ON; INSERT INTO orgs VALUES ('o', 'n'); INSERT INTO ciphers VALUES ('c', 'o')"
}

@test "dump: an empty database dumps to nothing, and so does a database holding only strata's tables" {
	sqlite3 e.db 'PRAGMA user_version = 1'
	run --separate-stderr strata -d sqlite:e.db dump
	[ "$status" -eq 0 ]
	[ -z "$output" ]
	mkdir m
	write_migration m 1 noop "SELECT 1;" "SELECT 1;"
	strata -d sqlite:s.db -p m up >/dev/null 2>&1
	run --separate-stderr strata -d sqlite:s.db dump
	[ "$status" -eq 0 ]
	[ -z "$output" ]
}
