#!/usr/bin/env bats
# Drizzle Kit's layout as drizzle-orm's migrator reads it: meta/_journal.json
# chooses and orders NNNN_tag.sql, each split on "--> statement-breakpoint";
# a file the journal does not list never runs, an entry without its file is
# an error; files that leave and re-enter drizzle-orm's one transaction
# (homarr's SQLite COMMIT TRANSACTION; ... BEGIN TRANSACTION;) run inside a
# transaction of strata's; create appends a journal entry; adopting
# __drizzle_migrations records what drizzle-orm counts as applied (every
# entry whose "when" is not newer than the newest created_at), running
# nothing. homarr's histories (../shared/corpus/{pg,sqlite}-homarr-drizzle)
# must reach the schema the raw clients give.

load helpers

CORPUS=${STRATA_CORPUS_DIR:-$STRATA_SOURCE_DIR/../shared/corpus}
PG_HOMARR=$CORPUS/pg-homarr-drizzle/migrations
SQ_HOMARR=$CORPUS/sqlite-homarr-drizzle/migrations
PG_DUMP=/usr/lib/postgresql/15/bin/pg_dump
OWNER=strata_drizzle_owner

require_corpus() {
	if [ -d "$PG_HOMARR" ] && [ -d "$SQ_HOMARR" ]; then
		return 0
	fi
	if [ "${CI:-}" = true ]; then
		echo "corpus not found at $CORPUS (set STRATA_CORPUS_DIR)" >&2
		return 1
	fi
	skip "no corpus at $CORPUS"
}

# journal DIR [jq filter]: the journal's entries as "tag when" lines, in the journal's order.
journal() {
	jq -r '.entries[] | .tag + " " + (.when | tostring)' "$1/meta/_journal.json"
}

# sqlite_schema FILE: .schema of a copy without strata's and drizzle-orm's tables.
sqlite_schema() {
	local copy=$1.schema-copy
	cp "$1" "$copy"
	sqlite3 "$copy" 'DROP TABLE IF EXISTS strata_migrations;
		DROP TABLE IF EXISTS strata_migrations_log; DROP TABLE IF EXISTS __drizzle_migrations;'
	sqlite3 "$copy" .schema
	rm -f "$copy"
}

pg_schema() {
	"$PG_DUMP" -s --no-owner --no-privileges --exclude-table='public.strata_migrations*' \
		--exclude-schema=drizzle -d "$1" |
		grep -v -e '^\\restrict ' -e '^\\unrestrict ' -e '^--' -e '^SET ' -e '^SELECT pg_catalog.set_config' -e '^$'
}

make_owner() {
	PGOPTIONS='-c client_min_messages=warning' psql -X -q -d "$STRATA_TEST_PG_URL" -c \
		"DO \$\$ BEGIN CREATE ROLE $OWNER LOGIN; EXCEPTION WHEN duplicate_object THEN NULL; END \$\$" >/dev/null
}

owner_db() {
	local url
	url=$(make_pg_db "$1" "$OWNER") || return 1
	printf '%s\n' "${url/\/\/postgres@/\/\/$OWNER@}"
}

# drizzle_rows DIR [N]: INSERTs of the rows drizzle-orm writes for the first N journal entries (all by default).
drizzle_rows() {
	local tag when n=0
	while read -r tag when; do
		n=$((n + 1))
		[ -n "${2:-}" ] && [ "$n" -gt "$2" ] && break
		printf "INSERT INTO %s (hash, created_at) VALUES ('%s', %s);\n" "${TABLE:-__drizzle_migrations}" \
			"$(sha256sum "$1/$tag.sql" | cut -c1-64)" "$when"
	done < <(journal "$1")
}

small_drizzle() {
	mkdir -p drizzle/meta
	cat > drizzle/meta/_journal.json <<-'EOF'
	{
	  "version": "7",
	  "dialect": "sqlite",
	  "entries": [
	    {
	      "idx": 0,
	      "version": "6",
	      "when": 1715334238443,
	      "tag": "0000_first_thing",
	      "breakpoints": true
	    },
	    {
	      "idx": 1,
	      "version": "6",
	      "when": 1715871797713,
	      "tag": "0001_second_thing",
	      "breakpoints": true
	    }
	  ]
	}
	EOF
	printf 'CREATE TABLE `user` (\n\t`id` text PRIMARY KEY NOT NULL\n)\n--> statement-breakpoint\nCREATE TABLE `board` (`id` text PRIMARY KEY NOT NULL);\n' \
		> drizzle/0000_first_thing.sql
	printf 'ALTER TABLE `user` ADD `name` text;' > drizzle/0001_second_thing.sql
}

@test "homarr's 42 SQLite migrations reach the schema of sqlite3 running them in one transaction, the 5 wrapped ones as drizzle-orm runs them" {
	require_corpus
	{
		echo 'BEGIN;'
		while read -r tag when; do cat "$SQ_HOMARR/$tag.sql"; echo; done < <(journal "$SQ_HOMARR")
		echo 'COMMIT;'
	} | sqlite3 -bail ref.db
	run --separate-stderr strata -p "$SQ_HOMARR" -d sqlite:app.db up
	[ "$status" -eq 0 ]
	[ "$(sqlite_sql app.db 'SELECT count(*) FROM strata_migrations')" = 42 ]
	[ "$(grep -c "leaves and re-enters the transaction drizzle-orm runs it in" <<<"$stderr")" = 5 ]
	[[ "$stderr" == *"0001 mixed_titanium_man leaves and re-enters the transaction drizzle-orm runs it in (0001_mixed_titanium_man.sql:1: COMMIT first, BEGIN last)"* ]]
	diff <(sqlite_schema ref.db) <(sqlite_schema app.db)
	diff <(sqlite_schema app.db) "$SQ_HOMARR/../expected_schema.sql"
	# each wrapped file's statements ran in its own order and its record committed: nothing partial
	[ "$(sqlite_sql app.db "SELECT count(*) FROM strata_migrations WHERE state <> 'applied'")" = 0 ]
	run strata -p "$SQ_HOMARR" -d sqlite:app.db up
	[[ "$output" == *"nothing to do"* ]]
}

@test "homarr's 10 PostgreSQL migrations reach psql -1 -f's schema; adopt from drizzle.__drizzle_migrations runs nothing" {
	require_pg
	require_corpus
	make_owner
	ref=$(owner_db t_drizzle_ref)
	url=$(owner_db)
	while read -r tag when; do
		PGOPTIONS='-c client_min_messages=warning' psql -X -q -v ON_ERROR_STOP=1 -1 -f "$PG_HOMARR/$tag.sql" -d "$ref" >/dev/null 2>&1
	done < <(journal "$PG_HOMARR")
	run --separate-stderr strata -p "$PG_HOMARR" -d "$url" up
	[ "$status" -eq 0 ]
	[ "$(pg_sql "$url" 'SELECT count(*) FROM strata_migrations')" = 10 ]
	diff <(pg_schema "$ref") <(pg_schema "$url")
	diff <(pg_schema "$ref") <(grep -v -e '^\\restrict ' -e '^\\unrestrict ' -e '^--' -e '^SET ' \
		-e '^SELECT pg_catalog.set_config' -e '^$' "$PG_HOMARR/../expected_schema.sql")
	# drizzle-orm's table as its PostgreSQL dialect creates it, with the rows it writes
	pg_sql "$ref" 'CREATE SCHEMA IF NOT EXISTS "drizzle"; CREATE TABLE IF NOT EXISTS "drizzle"."__drizzle_migrations" (id SERIAL PRIMARY KEY, hash text NOT NULL, created_at bigint)'
	TABLE=drizzle.__drizzle_migrations drizzle_rows "$PG_HOMARR" | PGOPTIONS='-c client_min_messages=warning' psql -X -q -v ON_ERROR_STOP=1 -d "$ref" >/dev/null
	run --separate-stderr strata -p "$PG_HOMARR" -d "$ref" status
	[[ "$stderr" == *"managed by Drizzle (table drizzle.__drizzle_migrations)"* ]]
	[[ "$stderr" == *"strata adopt"* ]]
	run --separate-stderr strata -p "$PG_HOMARR" -d "$ref" adopt
	[ "$status" -eq 0 ]
	[[ "$output" == *"adopted Drizzle's state from drizzle.__drizzle_migrations: 10 migrations recorded as applied, at 0009"* ]]
	[[ "$stderr" != *"hash"* ]]
	run strata -p "$PG_HOMARR" -d "$ref" up
	[ "$status" -eq 0 ]
	[[ "$output" == *"nothing to do"* ]]
	[ "$(pg_sql "$ref" "SELECT count(*) FROM strata_migrations_log WHERE action <> 'adopt'")" = 0 ]
}

@test "adopt from __drizzle_migrations on SQLite: entries not newer than the newest created_at are applied, the rest run" {
	require_corpus
	{
		echo 'BEGIN;'
		n=0
		while read -r tag when; do
			n=$((n + 1))
			[ "$n" -gt 40 ] && break
			cat "$SQ_HOMARR/$tag.sql"
			echo
		done < <(journal "$SQ_HOMARR")
		echo 'CREATE TABLE IF NOT EXISTS "__drizzle_migrations" (id SERIAL PRIMARY KEY, hash text NOT NULL, created_at numeric);'
		drizzle_rows "$SQ_HOMARR" 40
		echo 'COMMIT;'
	} | sqlite3 -bail app.db
	# a row whose hash is not its file's (drizzle-orm never compares): said, still applied
	sqlite_sql app.db "UPDATE __drizzle_migrations SET hash = 'x' WHERE created_at = (SELECT min(created_at) FROM __drizzle_migrations)"
	run --separate-stderr strata -p "$SQ_HOMARR" -d sqlite:app.db adopt
	[ "$status" -eq 0 ]
	[[ "$output" == *"adopted Drizzle's state from __drizzle_migrations: 40 migrations recorded as applied, at 0039"* ]]
	[[ "$stderr" == *"0000_talented_ben_parker.sql: __drizzle_migrations's hash for it (created_at 1715334238443) is not the file's"* ]]
	run strata -p "$SQ_HOMARR" -d sqlite:app.db status
	[[ "$output" == *"40 applied (40 adopted), 2 pending"* ]]
	run strata -p "$SQ_HOMARR" -d sqlite:app.db up
	[ "$status" -eq 0 ]
	[ "$(sqlite_sql app.db "SELECT group_concat(name) FROM strata_migrations_log WHERE action = 'up'")" = "add_widget_secret,add_right_click_preference" ]
	diff <(sqlite_schema app.db) "$SQ_HOMARR/../expected_schema.sql"
}

@test "only journal entries run: a file not in the journal is said and never run, an entry without its file is an error" {
	small_drizzle
	echo 'CREATE TABLE stray (id int);' > drizzle/0002_not_journalled.sql
	run --separate-stderr strata -p drizzle -d sqlite:app.db up
	[ "$status" -eq 0 ]
	[[ "$stderr" == *"Skipped drizzle/0002_not_journalled.sql: meta/_journal.json has no entry for it, so drizzle-orm never runs it"* ]]
	[ "$(sqlite_sql app.db 'SELECT group_concat(version || ":" || name) FROM strata_migrations')" = "0:first_thing,1:second_thing" ]
	[ -z "$(sqlite_sql app.db "SELECT name FROM sqlite_master WHERE name = 'stray'")" ]
	run --separate-stderr strata -p drizzle validate
	[[ "$stderr" == *"0002_not_journalled.sql"* ]]
	run --separate-stderr strata -p drizzle -d sqlite:app.db status --json
	[ "$(jq -r '.layout.skipped | length' <<<"$output")" = 1 ]
	rm drizzle/0001_second_thing.sql
	run --separate-stderr strata -p drizzle -d sqlite:app.db status
	[ "$status" -eq 2 ]
	[[ "$stderr" == *"drizzle/meta/_journal.json: entry 1 (tag 0001_second_thing) has no file drizzle/0001_second_thing.sql"* || \
		"$stderr" == *"meta/_journal.json: entry 1 (tag 0001_second_thing) has no file 0001_second_thing.sql"* ]]
}

@test "breakpoints: each piece is a statement list even without its ';'; the journal's dialect must be the database's" {
	small_drizzle
	run --separate-stderr strata -p drizzle -d sqlite:app.db up
	[ "$status" -eq 0 ]
	[ -n "$(sqlite_sql app.db "SELECT name FROM sqlite_master WHERE name = 'board'")" ]
	[ "$(sqlite_sql app.db "SELECT count(*) FROM pragma_table_info('user') WHERE name = 'name'")" = 1 ]
	sed -i 's/"dialect": "sqlite"/"dialect": "postgresql"/' drizzle/meta/_journal.json
	run --separate-stderr strata -p drizzle -d sqlite:new.db up
	[ "$status" -eq 2 ]
	[[ "$stderr" == *"_journal.json says these migrations are written for postgresql, but the database is sqlite"* ]]
	[ ! -e new.db ]
}

@test "status --json carries the journal entry of each migration" {
	small_drizzle
	run strata -p drizzle -d sqlite:app.db up
	run strata -p drizzle -d sqlite:app.db status --json
	[ "$status" -eq 0 ]
	[ "$(jq -r '.layout.tool + " " + .layout.provider' <<<"$output")" = "drizzle sqlite" ]
	[ "$(jq -r '.migrations[1].journal | "\(.idx) \(.tag) \(.when) \(.breakpoints)"' <<<"$output")" = \
		"1 0001_second_thing 1715871797713 true" ]
	[ "$(jq -r '.migrations[1].journal.hash' <<<"$output")" = "$(sha256sum drizzle/0001_second_thing.sql | cut -c1-64)" ]
}

@test "create appends a journal entry and writes NNNN_slug.sql, as drizzle-kit does" {
	small_drizzle
	before=$(jq -c '.entries' drizzle/meta/_journal.json)
	run strata -p drizzle create "Add Posts"
	[ "$status" -eq 0 ]
	[ "$output" = drizzle/0002_add_posts.sql ]
	[ -f drizzle/0002_add_posts.sql ]
	[ "$(jq -r '.entries[2] | "\(.idx) \(.tag) \(.breakpoints) \(.version)"' drizzle/meta/_journal.json)" = "2 0002_add_posts true 6" ]
	[ "$(jq '.entries[2].when > .entries[1].when' drizzle/meta/_journal.json)" = true ]
	[ "$(jq -c '.entries[:2]' drizzle/meta/_journal.json)" = "$before" ]
	# written back as drizzle-kit writes it: two-space JSON
	[ "$(jq . drizzle/meta/_journal.json)" = "$(cat drizzle/meta/_journal.json)" ]
	echo 'CREATE TABLE posts (id integer);' >> drizzle/0002_add_posts.sql
	run strata -p drizzle -d sqlite:app.db up
	[ "$status" -eq 0 ]
	[ -n "$(sqlite_sql app.db "SELECT name FROM sqlite_master WHERE name = 'posts'")" ]
}

@test "a wrapped Drizzle file that fails inside its own BEGIN ... COMMIT is rolled back to it and resumes there" {
	small_drizzle
	cat > drizzle/0001_second_thing.sql <<-'EOF'
	COMMIT TRANSACTION;
	--> statement-breakpoint
	PRAGMA foreign_keys = OFF;
	--> statement-breakpoint
	BEGIN TRANSACTION;
	--> statement-breakpoint
	ALTER TABLE `user` ADD `name` text;
	--> statement-breakpoint
	INSERT INTO nope VALUES (1);
	--> statement-breakpoint
	COMMIT TRANSACTION;
	--> statement-breakpoint
	PRAGMA foreign_keys = ON;
	--> statement-breakpoint
	BEGIN TRANSACTION;
	EOF
	run --separate-stderr strata -p drizzle -d sqlite:app.db up
	[ "$status" -eq 1 ]
	[[ "$stderr" == *"0001_second_thing.sql:9"*"no such table: nope"* ]]
	[ "$(sqlite_sql app.db "SELECT count(*) FROM pragma_table_info('user') WHERE name = 'name'")" = 0 ]
	sed -i 's/INSERT INTO nope VALUES (1);/SELECT 1;/' drizzle/0001_second_thing.sql
	run --separate-stderr strata -p drizzle -d sqlite:app.db up
	[ "$status" -eq 0 ]
	[[ "$stderr" == *"0001 second_thing leaves and re-enters the transaction drizzle-orm runs it in (0001_second_thing.sql:1: COMMIT first, BEGIN last): resuming at statement 3"* ]]
	[ "$(sqlite_sql app.db "SELECT count(*) FROM pragma_table_info('user') WHERE name = 'name'")" = 1 ]
	[ "$(sqlite_sql app.db "SELECT state FROM strata_migrations WHERE name = 'second_thing'")" = applied ]
}
