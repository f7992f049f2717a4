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
	[ "$(sqlite_sql rt/copy.db "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name LIKE 'notes\_%' ESCAPE '\'")" -eq 6 ]
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

@test "dump: an empty database dumps to no statement, and so does a database holding only strata's tables" {
	sqlite3 e.db 'PRAGMA user_version = 1'
	run --separate-stderr strata -d sqlite:e.db dump
	[ "$status" -eq 0 ]
	[ -z "$(grep -v '^--' <<<"$output")" ]
	mkdir m
	write_migration m 1 noop "SELECT 1;" "SELECT 1;"
	strata -d sqlite:s.db -p m up >/dev/null 2>&1
	run --separate-stderr strata -d sqlite:s.db dump
	[ "$status" -eq 0 ]
	[ -z "$(grep -v '^--' <<<"$output")" ]
}

# oracle_rows FILE: every row of sqlite_master, sorted (the oracle's databases hold no strata table).
oracle_rows() {
	sqlite_sql "$1" "SELECT type || '|' || name || '|' || tbl_name || '|' || quote(sql) FROM sqlite_master ORDER BY 1"
}

# no_statements FILE: the file holds only white space and -- comments.
no_statements() {
	[ -z "$(sed -e 's/--.*$//' "$1" | tr -d ' \t\r\n')" ]
}

@test "test: its verdict on each vaultwarden migration is the one sqlite3 and sqlite_master give, migration by migration" {
	require_corpus
	local up down i v want verdicts
	# the oracle: the ups applied by sqlite3 one at a time; each down, then the up again, tried on a copy
	: >oracle.txt
	i=0
	for up in "$VAULT"/migrations/*.up.sql; do
		i=$((i + 1))
		down=${up%.up.sql}.down.sql
		v=$(basename "$up" | cut -d_ -f1)
		oracle_rows o.db >before.txt 2>/dev/null || : >before.txt
		if ! sqlite3 -bail o.db <"$up" >/dev/null 2>&1; then
			echo "$v up_failed" >>oracle.txt
			break
		fi
		oracle_rows o.db >after.txt
		if no_statements "$down"; then
			want=irreversible
		else
			cp o.db c.db
			if ! sqlite3 -bail c.db <"$down" >/dev/null 2>&1; then
				want=down_failed
			elif ! cmp -s before.txt <(oracle_rows c.db); then
				want=not_restored
			elif ! sqlite3 -bail c.db <"$up" >/dev/null 2>&1; then
				want=redo_failed
			elif ! cmp -s after.txt <(oracle_rows c.db); then
				want=redo_differs
			else
				want=ok
			fi
		fi
		echo "$v $want" >>oracle.txt
	done
	[ "$i" -eq 56 ]

	run --separate-stderr strata -d sqlite:scratch.db -p "$VAULT/migrations" test --json
	[ "$status" -eq 1 ] # something is reported: 0018's down does not restore
	# a column order difference alone is a way of not restoring: the oracle sees sqlite_master's text differ
	verdicts=$(jq -r '.[] | "\(.version) \(.verdict | sub("^order_only$"; "not_restored"))"' <<<"$output")
	diff -u oracle.txt <(printf '%s\n' "$verdicts")
	# the oracle's own findings, so that agreeing is not agreeing on nothing
	[ "$(grep -c ' irreversible$' oracle.txt)" -eq 32 ]
	[ "$(grep -c ' ok$' oracle.txt)" -eq 23 ]
	grep -qx '0018 not_restored' oracle.txt
	# and the report says what 0018's down changes
	run strata -d sqlite:scratch.db -p "$VAULT/migrations" test 0018..0018
	[ "$status" -eq 1 ]
	[[ "$output" == *"~ column ciphers.favorite: default none → 0"* ]]
	[ ! -e scratch.db ] # the scratch database is in memory
}

@test "check: every intermediate state of vaultwarden as strata migrated it has no difference" {
	require_corpus
	local i
	for i in $(seq 1 56); do
		strata -d sqlite:vw.db -p "$VAULT/migrations" up 1 >/dev/null 2>&1
		run --separate-stderr strata -d sqlite:vw.db -p "$VAULT/migrations" check
		[ "$status" -eq 0 ] || { echo "state after migration $i: $output" >&2; return 1; }
	done
	[ "$stderr" = "strata: sqlite:vw.db is what its applied migrations make" ]
}

# mutate SQL EXPECTED...: on a copy of vaultwarden's final state, run SQL with
# sqlite3; check must exit 1 and report only objects the EXPECTED prefixes
# name, each of them at least once.
mutate() {
	local sql=$1 want line
	shift
	rm -f m.db
	cp vw.db m.db
	sqlite3 -bail m.db "$sql"
	run --separate-stderr strata -d sqlite:m.db -p "$VAULT/migrations" check
	[ "$status" -eq 1 ] || { echo "not reported: $sql" >&2; return 1; }
	while IFS= read -r line; do
		for want in "$@"; do
			[[ "$line" == "$want"* ]] && continue 2
		done
		echo "reported more than asked for ($sql): $line" >&2
		return 1
	done <<<"$output"
	for want in "$@"; do
		grep -qF -- "$want" <<<"$output" || { echo "missing for $sql: $want" >&2; return 1; }
	done
}

@test "check: a single-object change to vaultwarden's schema is reported as exactly that object" {
	require_corpus
	strata -d sqlite:vw.db -p "$VAULT/migrations" up >/dev/null 2>&1
	mutate "CREATE INDEX ix_users_name ON users (name)" "+ index ix_users_name ON users: CREATE INDEX ix_users_name ON users (name);"
	mutate "ALTER TABLE users ADD COLUMN extra TEXT DEFAULT 'x'" "+ column users.extra"
	mutate "ALTER TABLE users DROP COLUMN avatar_color" "- column users.avatar_color"
	mutate "ALTER TABLE folders RENAME COLUMN name TO title" "- column folders.name" "+ column folders.title"
	mutate "CREATE VIEW v_users AS SELECT uuid FROM users" "+ view v_users"
	mutate "CREATE TRIGGER t_users AFTER UPDATE ON users BEGIN SELECT 1; END" "+ trigger t_users ON users"
	mutate "DROP TABLE favorites" "- table favorites"
	mutate "CREATE TABLE audit (id INTEGER PRIMARY KEY, what TEXT NOT NULL)" "+ table audit"
	# what SQLite's ALTER TABLE cannot do, done as a rebuild would leave it: the stored text edited
	mutate "PRAGMA writable_schema = ON; UPDATE sqlite_master SET sql = replace(sql, 'DEFAULT 100000', 'DEFAULT 600000') WHERE name = 'users'" \
		"~ column users.client_kdf_iter: default 100000 → 600000" "~ column users.client_kdf_iter: definition"
	mutate "PRAGMA writable_schema = ON; UPDATE sqlite_master SET sql = replace(sql, 'REFERENCES users (uuid)', 'REFERENCES users (uuid) ON DELETE CASCADE') WHERE name = 'folders'" \
		"~ column folders.user_uuid: definition" "~ constraint FOREIGN KEY (user_uuid) REFERENCES users (uuid) ON folders: on delete NO ACTION → CASCADE"
	mutate "PRAGMA writable_schema = ON; UPDATE sqlite_master SET sql = replace(sql, 'TEXT     NOT NULL PRIMARY KEY', 'TEXT NOT NULL PRIMARY KEY') WHERE name = 'users'" \
		"~ column users.uuid: definition"
}
